#!/usr/bin/env bash
# Ingest rate of the attestation store: N envelopes (default 10,000), each verified against an
# enforcing policy and its manifest before it is written.
#
#   bench/ingest.sh                 # N=10000, ed25519
#   N=2000 ALG=ecdsa-p256 bench/ingest.sh
#   STORE=postgres N=2000 bench/ingest.sh   # into PostgreSQL databases (a cluster of its own,
#                                           # bench/pg.sh) instead of SQLite files
#
# Three measurements on fresh databases (WAL, synchronous=NORMAL):
#   1. process per put  - `vouch store put` once per envelope (what a registry hook does);
#   2. in-process bulk  - `vouch store put-bulk`, one transaction per put;
#   3. in-process bulk  - `vouch store put-bulk --batch 100`, 100 puts per transaction.
# Every put reads and hashes its manifest, verifies the envelope (signature, policy, statement,
# subject digest) and writes one record. Needs bash, python3 (policy file, counts) and cargo.
# The corpus (manifests, statements, envelopes) is made
# with the vouch CLI itself and is not timed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

N=${N:-10000}
ALG=${ALG:-ed25519}
JOBS=${JOBS:-$(nproc)}

cargo build --release -q -p vouch-cli
target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
vouch=$target/release/vouch

work=$(mktemp -d)
pg=
cleanup() {
  if [ -n "$pg" ]; then kill "$pg" 2>/dev/null; wait "$pg" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
mkdir m
STORE=${STORE:-sqlite}
if [ "$STORE" = postgres ]; then
  # shellcheck source=bench/pg.sh
  . "$root/bench/pg.sh"
  pg_start
  proc_db=$(pg_db proc)
  bulk1_db=$(pg_db bulk1)
  bulk100_db=$(pg_db bulk100)
else
  proc_db=proc.db bulk1_db=bulk1.db bulk100_db=bulk100.db
fi

"$vouch" keygen --algorithm "$ALG" --out ci >/dev/null 2>&1
python3 - <<'EOF'
import json
pem = open("ci.pub").read()
json.dump({"mode": "enforce", "allowedIssuers": [{"keyId": "ci", "publicKey": pem}]},
          open("policy.json", "w"))
EOF

echo "making $N manifests and signed registry-format envelopes ($ALG, $JOBS jobs)..."
make_one() {
  i=$1
  printf '{"urn": "urn:bench:pkg-%d", "name": "pkg-%d", "version": "1.0.%d"}\n' "$i" "$i" "$i" >"m/$i.json"
  "$vouch" statement --subject "m/$i.json" --builder-id https://ci.example/builder \
    --commit 0123abcd --statement-format registry --out "m/$i.st" &&
    "$vouch" sign --key ci.key --keyid ci "m/$i.st" --out "m/$i.dsse"
}
export -f make_one
export vouch
seq 1 "$N" | xargs -P "$JOBS" -I{} bash -c 'make_one {}'
for i in $(seq 1 "$N"); do
  printf 'urn:bench:pkg-%d\tm/%d.json\tm/%d.dsse\n' "$i" "$i" "$i"
done >list.tsv

now() { date +%s.%N; }
rate() { python3 -c "import sys; n,t=int(sys.argv[1]),float(sys.argv[3])-float(sys.argv[2]); print(f'{n} puts in {t:.2f} s = {n/t:.0f} puts/s')" "$@"; }

count() {
  if [ "$STORE" = postgres ]; then
    pg_count "${1%.db}"
  else
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM provenance').fetchone()[0])" "$1"
  fi
}

echo
echo "1. process per put (vouch store put x $N)"
t0=$(now)
while IFS=$'\t' read -r urn art env; do
  "$vouch" store put --db "$proc_db" --urn "$urn" --artifact "$art" --envelope "$env" --policy policy.json >/dev/null
done <list.tsv
t1=$(now)
r1=$(rate "$N" "$t0" "$t1")
echo "   $r1"

echo "2. in-process bulk, one transaction per put"
out2=$("$vouch" store put-bulk --db "$bulk1_db" --policy policy.json --list list.tsv)
echo "   $out2"

echo "3. in-process bulk, 100 puts per transaction"
out3=$("$vouch" store put-bulk --db "$bulk100_db" --policy policy.json --list list.tsv --batch 100)
echo "   $out3"

for db in proc.db bulk1.db bulk100.db; do
  n=$(count "$db")
  if [ "$n" != "$N" ]; then
    echo "$db holds $n records, expected $N" >&2
    exit 1
  fi
done
echo
echo "all three databases hold $N verified records ($STORE, $(nproc) cores, $(uname -m), $ALG; load average $(cut -d' ' -f1-3 /proc/loadavg))"
