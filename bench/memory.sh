#!/usr/bin/env bash
# Peak memory of `vouch verify` (human and JSON output) and `vouch store put` for an envelope
# whose Statement has many subjects, against the same-size envelope with one subject, as ratios
# to the envelope's size. The promise (README "Memory"): peak RSS <= 1.5 x the envelope + 64 MiB
# for any Statement shape.
#
#   bench/memory.sh                 # 1,000,000 subjects (an envelope of about 132 MB)
#   bench/memory.sh 200000          # fewer subjects
#
# Needs python3 (makes the statements and reads each run's peak RSS from wait4).
# Honours CARGO_TARGET_DIR. Exits 1 when a row is over the limit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000000}
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build -q --release -p vouch-cli)
vouch="$target/release/vouch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$vouch" keygen --algorithm ed25519 --out k >/dev/null 2>&1
printf 'the artifact\n' > artifact.bin
pem=$(python3 -c 'import json,sys; print(json.dumps(open("k.pub").read()))')
printf '{"mode": "enforce", "allowedIssuers": [{"keyId": "k", "publicKey": %s}]}\n' "$pem" > policy.json

python3 - "$n" <<'PY'
import hashlib, json, sys
n = int(sys.argv[1])
art = hashlib.sha256(open("artifact.bin", "rb").read()).hexdigest()
head = '{"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1", "subject": ['
tail = '], "predicate": {"buildDefinition": {"buildType": "https://example.com/b", "externalParameters": {}}, "runDetails": {"builder": {"id": "https://ci.example/builder"}}}}'
subjects = ['{"name": "artifact.bin", "digest": {"sha256": "%s"}}' % art]
subjects += ['{"name": "f%07d", "digest": {"sha256": "%064x"}}' % (i, i) for i in range(1, n)]
many = head + ",".join(subjects) + tail
open("many.json", "w").write(many)
# The same size, one subject: the rest of the bytes in an ignored predicate field.
pad = len(many) - len(head + subjects[0] + tail) - len(', "padding": ""')
one = head + subjects[0] + tail[:-2] + ', "padding": "' + "x" * max(pad, 0) + '"}}'
open("one.json", "w").write(one)
PY
"$vouch" sign --key k.key many.json --out many.dsse
"$vouch" sign --key k.key one.json --out one.dsse

peak() { # peak RSS in KiB of a command; its output is discarded
  python3 - "$@" <<'PY'
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.exit(f"{sys.argv[1:]} exited {code}")
print(ru.ru_maxrss)
PY
}

fail=0
printf '| envelope | subjects | command | envelope MiB | peak RSS MiB | ratio | limit MiB | |\n'
printf '|---|---:|---|---:|---:|---:|---:|---|\n'
for env in many one; do
  bytes=$(stat -c %s "$env.dsse")
  subjects=$([ "$env" = many ] && echo "$n" || echo 1)
  limit_kib=$(( bytes * 3 / 2 / 1024 + 65536 ))
  for cmd in "verify" "verify --format json" "store put"; do
    case "$cmd" in
      verify*) args=(verify "$env.dsse" --policy policy.json --artifact artifact.bin) ;;
      store*) rm -f "s-$env.db"*; args=(store put --db "s-$env.db" --urn urn:x --artifact artifact.bin --envelope "$env.dsse" --policy policy.json) ;;
    esac
    [ "$cmd" = "verify --format json" ] && args+=(--format json)
    kib=$(peak "$vouch" "${args[@]}" --max-envelope-size 1G)
    ok=ok; [ "$kib" -le "$limit_kib" ] || { ok=OVER; fail=1; }
    awk -v e="$env" -v s="$subjects" -v c="vouch $cmd" -v b="$bytes" -v k="$kib" -v l="$limit_kib" -v ok="$ok" \
      'BEGIN { printf "| %s | %d | `%s` | %.1f | %.1f | %.2fx | %.1f | %s |\n", e, s, c, b/1048576, k/1024, k*1024/b, l/1024, ok }'
  done
done
exit $fail
