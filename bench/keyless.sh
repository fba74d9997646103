#!/usr/bin/env bash
# Keyless (Sigstore bundle) verification: vouch against sigstore-python and @sigstore/verify,
# in process, offline, on the real bundles of tests/vectors/sigstore/cases, in one run.
#
#   bench/keyless.sh              # needs python3 (venv, pip), node/npm, cargo; PyPI/npm once
#
# Peers are installed outside the repository, into $KEYLESS_PEERS (default
# /tmp/vouch-keyless-peers; kept between runs, delete it to reinstall):
#   * sigstore (PyPI, sigstore-python): Verifier(trusted_root=TrustedRoot.from_file(root)),
#     then Bundle.from_json + verify_artifact(Hashed digest) / verify_dsse per call
#   * @sigstore/verify (npm): new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root))), then
#     bundleFromJSON + toSignedEntity + verify per call
# vouch: core/benches/keyless.rs (TrustedRoot::parse once, keyless::verify_bundle per call).
# Every side: the trusted root loaded once, then bundle bytes -> verdict in a loop, median of 15
# batches of ~20 ms (after a ~20 ms warm-up). No side touches the network while verifying.
#
# Output (stdout, Markdown): the verdict of every side on all cases, then the timing table of the
# cases in $KEYLESS_TIMED with ratios vouch/peer (below 1: vouch is faster).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS="${KEYLESS_PEERS:-/tmp/vouch-keyless-peers}"
CASES="$ROOT/tests/vectors/sigstore/cases"
TIMED="${KEYLESS_TIMED:-py--bundle-v01-staging py--bundle-v03-staging go--examples-bundle-provenance py--staging-rekor-v2 py--dsse-staging-rekor-v2}"
OUTDIR="$(mktemp -d)"
trap 'rm -rf "$OUTDIR"' EXIT

mkdir -p "$PEERS"
if [ ! -x "$PEERS/venv/bin/python" ] || ! "$PEERS/venv/bin/python" -c 'import sigstore' 2>/dev/null; then
  echo "== installing sigstore (PyPI) into $PEERS/venv" >&2
  python3 -m venv "$PEERS/venv" >&2
  "$PEERS/venv/bin/pip" install -q sigstore >&2
fi
if [ ! -d "$PEERS/node/node_modules/@sigstore/verify" ]; then
  echo "== installing @sigstore/verify (npm) into $PEERS/node" >&2
  mkdir -p "$PEERS/node"
  (cd "$PEERS/node" && npm init -y >/dev/null && npm install --silent @sigstore/verify @sigstore/protobuf-specs @sigstore/bundle >&2)
fi
PY_VER="$("$PEERS/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("sigstore"))')"
JS_VER="$(node -p "require('$PEERS/node/node_modules/@sigstore/verify/package.json').version")"

echo "== building the vouch bench" >&2
(cd "$ROOT" && cargo bench -p vouch-core --bench keyless --no-run >&2)

ALL=("$CASES"/*/)
TIMED_DIRS=()
for c in $TIMED; do TIMED_DIRS+=("$CASES/$c"); done

run_all() { # $1: tag, then the command (given case dirs as the last arguments)
  local tag="$1"; shift
  KEYLESS_BENCH_VERDICT_ONLY=1 "$@" "${ALL[@]}" >"$OUTDIR/$tag.verdicts"
  "$@" "${TIMED_DIRS[@]}" >"$OUTDIR/$tag.times"
}
echo "== vouch" >&2
run_all vouch bash -c 'cd "$0" && cargo bench -q -p vouch-core --bench keyless -- "$@" 2>/dev/null' "$ROOT"
echo "== sigstore-python $PY_VER" >&2
run_all py "$PEERS/venv/bin/python" "$ROOT/bench/keyless/peer.py"
echo "== @sigstore/verify $JS_VER" >&2
run_all js env NODE_PATH="$PEERS/node/node_modules" node "$ROOT/bench/keyless/peer.cjs" "$ROOT/bench/keyless/artifacts"

python3 - "$OUTDIR" "$PY_VER" "$JS_VER" "$CASES" <<'PY'
import json, sys, os
out, py_ver, js_ver, cases = sys.argv[1:]
def load(tag, kind):
    rows = {}
    for line in open(os.path.join(out, f"{tag}.{kind}")):
        name, verdict, detail, ns = line.rstrip("\n").split("\t")
        rows[name] = (verdict, detail, None if ns == "-" else float(ns))
    return rows
sides = ["vouch", "py", "js"]
v = {s: load(s, "verdicts") for s in sides}
t = {s: load(s, "times") for s in sides}
print(f"Peers: sigstore-python {py_ver}, @sigstore/verify {js_ver}.\n")
print("Verdicts (all cases; `*` marks a peer verdict that differs from vouch's):\n")
print("| case | expected | vouch | sigstore-python | @sigstore/verify |")
print("|---|---|---|---|---|")
diffs = []
for name in sorted(v["vouch"]):
    exp = json.load(open(os.path.join(cases, name, "case.json")))["expect"]
    cells = []
    for s in sides:
        verdict, detail, _ = v[s][name]
        mark = "*" if s != "vouch" and verdict != "n/a" and verdict != v["vouch"][name][0] else ""
        if mark:
            diffs.append((name, s, verdict, detail))
        cells.append(f"{verdict}{mark}" + ("" if detail == "-" else f" ({detail})"))
    print(f"| {name} | {exp} | " + " | ".join(cells) + " |")
print("\nTiming (median per verification, µs; ratio = vouch / peer):\n")
print("| case | vouch | sigstore-python | vouch/py | @sigstore/verify | vouch/js |")
print("|---|---:|---:|---:|---:|---:|")
def us(x): return f"{x/1000:.1f}"
for name in t["vouch"]:
    vo = t["vouch"][name][2]
    row = [name, us(vo) if vo else t["vouch"][name][0]]
    for s in ["py", "js"]:
        verdict, detail, ns = t[s].get(name, ("n/a", "-", None))
        if ns and vo:
            row += [us(ns), f"{vo/ns:.4f}"]
        else:
            row += [verdict, "-"]
    print("| " + " | ".join(row) + " |")
print("\nPeer verdicts that differ from vouch's:\n")
for name, s, verdict, detail in diffs:
    side = {"py": "sigstore-python", "js": "@sigstore/verify"}[s]
    print(f"- {name}: {side} {verdict} ({detail}); vouch {v['vouch'][name][0]} ({v['vouch'][name][1]})")
PY
