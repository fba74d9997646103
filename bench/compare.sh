#!/usr/bin/env bash
# Times vouch against two OpenSSL-backed DSSE verifiers on the same generated envelopes and writes
# the table to docs/BENCHMARKS.md (section "Peers").
#
#   bench/compare.sh            # needs python3 (venv, pip), node/npm, cargo; network for PyPI/npm
#
# Peers, installed into a temporary directory (removed at exit):
#   * securesystemslib (PyPI): Envelope.from_dict(json.loads(...)).verify([key], 1)
#   * @sigstore/core (npm):   JSON.parse, Buffer.from(base64), dsse.preAuthEncoding, crypto.verify
# vouch is timed in process (core/benches/compare.rs: Verifier::verify, plain and after
# Verifier::precompute; bare ECDSA P-256 / P-384 verification through pkix::VerifyKey) and as a
# whole `vouch verify --envelope-only` process. Baselines in the same run: `openssl speed -elapsed
# ecdsap256 ecdsap384` (wall time, as vouch is timed), `/bin/true` for the 1 KiB processes and
# `sha256sum` / `sha512sum` of the payload file for the 10 MiB ones.
# All in-process numbers are medians of 15 batches of ~20 ms each; process numbers are medians of
# 50 runs. If a peer cannot be installed, its column says so.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
OUT="${OUT:-$ROOT/docs/BENCHMARKS.md}"

LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== installing peers into $TMP" >&2
SSL_VER="not installed"
if python3 -m venv "$TMP/venv" >&2 && "$TMP/venv/bin/pip" install -q securesystemslib cryptography >&2; then
  SSL_VER="$("$TMP/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("securesystemslib"))')"
  PY="$TMP/venv/bin/python"
else
  PY=python3
fi
SIG_VER="not installed"
if (cd "$TMP" && npm init -y >/dev/null && npm install --silent @sigstore/core >&2); then
  SIG_VER="$(node -p "require('$TMP/node_modules/@sigstore/core/package.json').version")"
fi

echo "== generating envelopes" >&2
"$PY" - "$TMP" <<'PY'
import base64, json, os, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
d = sys.argv[1]
T = "application/vnd.in-toto+json"
def pae(t, b):
    return b"DSSEv1 %d %s %d " % (len(t.encode()), t.encode(), len(b)) + b
keys = {"ed25519": ed25519.Ed25519PrivateKey.generate(), "p256": ec.generate_private_key(ec.SECP256R1())}
def keyid(k):
    # securesystemslib only tries keys whose keyid matches the signature's, so record the keyid
    # it derives for this key (vouch and @sigstore/core treat keyids as hints only).
    try:
        from securesystemslib.signer import SSlibKey
        return SSlibKey.from_crypto(k.public_key()).keyid
    except Exception:
        return ""
for alg, k in keys.items():
    pem = k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    open(f"{d}/{alg}.pub", "wb").write(pem)
    for name, size in [("1KiB", 1024), ("10MiB", 10 * 1024 * 1024)]:
        body = json.dumps({"_type": "https://in-toto.io/Statement/v1", "pad": ""}).encode()
        body = body[:-2] + b"x" * (size - len(body)) + b'"}'
        assert len(body) == size
        m = pae(T, body)
        sig = k.sign(m) if alg == "ed25519" else k.sign(m, ec.ECDSA(hashes.SHA256()))
        env = {"payload": base64.b64encode(body).decode(), "payloadType": T,
               "signatures": [{"keyid": keyid(k), "sig": base64.b64encode(sig).decode()}]}
        open(f"{d}/{alg}-{name}.json", "w").write(json.dumps(env))
        open(f"{d}/{alg}-{name}.payload", "wb").write(body)
PY

CASES="ed25519-1KiB ed25519-10MiB p256-1KiB p256-10MiB"
declare -A SSL NODE VP VT CLI BASE ECDSA OSSL

if [ "$SSL_VER" != "not installed" ]; then
  echo "== securesystemslib" >&2
  while read -r c ns; do SSL[$c]=$ns; done < <("$PY" - "$TMP" $CASES <<'PY'
import json, sys, time
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey
d = sys.argv[1]
def median_ns(f):
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 0.02 or n < 2:
        f(); n += 1
    s = []
    for _ in range(15):
        t = time.perf_counter_ns()
        for _ in range(n): f()
        s.append((time.perf_counter_ns() - t) / n)
    return sorted(s)[7]
for c in sys.argv[2:]:
    alg = c.split("-")[0]
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    key = SSlibKey.from_crypto(load_pem_public_key(open(f"{d}/{alg}.pub", "rb").read()))
    text = open(f"{d}/{c}.json", "rb").read()
    def run():
        Envelope.from_dict(json.loads(text)).verify([key], 1)
    run()
    print(c, round(median_ns(run)))
PY
)
fi

if [ "$SIG_VER" != "not installed" ]; then
  echo "== @sigstore/core" >&2
  while read -r c ns; do NODE[$c]=$ns; done < <(node - "$TMP" $CASES <<'JS'
const fs = require('fs');
const d = process.argv[2];
const { crypto, dsse } = require(d + '/node_modules/@sigstore/core');
function medianNs(f) {
  let n = 0; const t0 = process.hrtime.bigint();
  while (process.hrtime.bigint() - t0 < 20000000n || n < 2) { f(); n++; }
  const s = [];
  for (let i = 0; i < 15; i++) {
    const t = process.hrtime.bigint();
    for (let j = 0; j < n; j++) f();
    s.push(Number(process.hrtime.bigint() - t) / n);
  }
  return s.sort((a, b) => a - b)[7];
}
for (const c of process.argv.slice(3)) {
  const alg = c.split('-')[0];
  const key = crypto.createPublicKey(fs.readFileSync(`${d}/${alg}.pub`, 'utf8'));
  const text = fs.readFileSync(`${d}/${c}.json`, 'utf8');
  const run = () => {
    const e = JSON.parse(text);
    const pae = dsse.preAuthEncoding(e.payloadType, Buffer.from(e.payload, 'base64'));
    const ok = crypto.verify(pae, key, Buffer.from(e.signatures[0].sig, 'base64'),
      alg === 'ed25519' ? undefined : 'sha256');
    if (!ok) throw new Error('does not verify: ' + c);
  };
  run();
  console.log(c, Math.round(medianNs(run)));
}
JS
)
fi

echo "== vouch (in process)" >&2
ARGS=()
for c in $CASES; do ARGS+=("$TMP/$c.json" "$TMP/${c%%-*}.pub"); done
while read -r f plain tabled; do
  case "$f" in
    ecdsa-*) ECDSA[$f]=$plain ;;
    *) c="$(basename "$f" .json)"; VP[$c]=$plain; VT[$c]=$tabled ;;
  esac
done < <(cd "$ROOT" && cargo bench -q -p vouch-core --bench compare -- "${ARGS[@]}" 2>/dev/null)

echo "== openssl speed" >&2
# `-elapsed`: wall-clock time, as every other number here (without it openssl reports CPU time,
# which on a loaded machine is far below the wall time of the same work).
while read -r bits ns; do OSSL[ecdsa-p$bits]=$ns; done < <(openssl speed -elapsed -seconds 3 ecdsap256 ecdsap384 2>/dev/null |
  awk '$2 == "bits" && $3 == "ecdsa" { printf "%s %.0f\n", $1, 1e9 / $NF }')

echo "== vouch CLI (whole process)" >&2
(cd "$ROOT" && cargo build -q --release -p vouch-cli 2>/dev/null || cargo build -q --release --bin vouch)
VOUCH="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/vouch"
# Each case and its baseline process (/bin/true for 1 KiB; sha256sum / sha512sum of the payload
# file for 10 MiB: P-256 hashes with SHA-256, Ed25519 with SHA-512), interleaved run by run.
while read -r c ns base; do CLI[$c]=$ns; BASE[$c]=$base; done < <(python3 - "$TMP" "$VOUCH" $CASES <<'PY'
import subprocess, sys, time
d, vouch = sys.argv[1], sys.argv[2]
for c in sys.argv[3:]:
    alg = c.split("-")[0]
    cmd = [vouch, "verify", "--envelope-only", "--key", f"{d}/{alg}.pub", f"{d}/{c}.json"]
    if "1KiB" in c:
        base = ["/bin/true"]
    else:
        base = ["sha256sum" if alg == "p256" else "sha512sum", f"{d}/{c}.payload"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    s, b = [], []
    for _ in range(200 if "1KiB" in c else 21):
        for argv, out in ((cmd, s), (base, b)):
            t = time.perf_counter_ns()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            out.append(time.perf_counter_ns() - t)
    print(c, sorted(s)[len(s) // 2], sorted(b)[len(b) // 2])
PY
)

fmt() { # ns -> human
  if [ -z "${1:-}" ]; then echo "n/a"; return; fi
  awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%.2f ms", n/1e6; else printf "%.1f µs", n/1e3 }'
}
ratio() { # a / min(b, c)
  awk -v a="${1:-}" -v b="${2:-}" -v c="${3:-}" 'BEGIN {
    m = ""; if (b != "") m = b; if (c != "" && (m == "" || c < m)) m = c;
    if (a == "" || m == "") print "n/a"; else printf "%.2f×", a/m }'
}

{
  echo "## Peers (generated by bench/compare.sh)"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(uname -sr)."
  echo "Versions: vouch $(cd "$ROOT" && git rev-parse --short HEAD), securesystemslib $SSL_VER (Python $("$PY" -c 'import platform; print(platform.python_version())'), cryptography/OpenSSL), @sigstore/core $SIG_VER (Node $(node --version), OpenSSL $(node -p process.versions.openssl)), $(rustc --version)."
  echo "Date: $(date -u +%Y-%m-%d), load average at the start $LOAD. Medians; the ratios are vouch over the faster peer."
  echo
  echo "| envelope | vouch in process | vouch + precompute | securesystemslib | @sigstore/core | ratio plain | ratio precomputed |"
  echo "|---|---|---|---|---|---|---|"
  for c in $CASES; do
    echo "| $c | $(fmt "${VP[$c]:-}") | $(fmt "${VT[$c]:-}") | $(fmt "${SSL[$c]:-}") | $(fmt "${NODE[$c]:-}") | $(ratio "${VP[$c]:-}" "${SSL[$c]:-}" "${NODE[$c]:-}") | $(ratio "${VT[$c]:-}" "${SSL[$c]:-}" "${NODE[$c]:-}") |"
  done
  echo
  echo "Bare ECDSA verification of one prehash (vouch: \`pkix::VerifyKey::verify_prehash\`, no per-key preparation; OpenSSL $(openssl version | awk '{print $2}'): \`openssl speed -elapsed -seconds 3\`):"
  echo
  echo "| curve | vouch | openssl speed | ratio |"
  echo "|---|---|---|---|"
  for c in ecdsa-p256 ecdsa-p384; do
    echo "| $c | $(fmt "${ECDSA[$c]:-}") | $(fmt "${OSSL[$c]:-}") | $(ratio "${ECDSA[$c]:-}" "${OSSL[$c]:-}") |"
  done
  echo
  echo "Whole \`vouch verify --envelope-only\` process against a baseline process timed alternately in the same loop (medians of 200 / 21 runs):"
  echo
  echo "| envelope | vouch CLI process | baseline | baseline process | ratio |"
  echo "|---|---|---|---|---|"
  for c in $CASES; do
    case "$c" in *1KiB) b="/bin/true" ;; p256-*) b="sha256sum of the payload" ;; *) b="sha512sum of the payload" ;; esac
    echo "| $c | $(fmt "${CLI[$c]:-}") | $b | $(fmt "${BASE[$c]:-}") | $(ratio "${CLI[$c]:-}" "${BASE[$c]:-}") |"
  done
} > "$TMP/table.md"

cat "$TMP/table.md"
if [ -f "$OUT" ] && grep -q '^## Peers' "$OUT"; then
  # Replace the old section (up to the next "## " heading) with the new table.
  python3 - "$OUT" "$TMP/table.md" <<'PY'
import re, sys
doc, table = open(sys.argv[1]).read(), open(sys.argv[2]).read()
doc = re.sub(r"## Peers.*?(?=\n## |\Z)", table.rstrip("\n") + "\n", doc, flags=re.S)
open(sys.argv[1], "w").write(doc)
PY
else
  mkdir -p "$(dirname "$OUT")"
  { [ -f "$OUT" ] && cat "$OUT" && echo; cat "$TMP/table.md"; } > "$TMP/out.md" && mv "$TMP/out.md" "$OUT"
fi
echo "wrote $OUT" >&2
