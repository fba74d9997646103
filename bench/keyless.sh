#!/usr/bin/env bash
# Keyless (Sigstore bundle) verification: vouch against sigstore-python and @sigstore/verify,
# in process, offline, on the real bundles of tests/vectors/sigstore/cases, in one run.
# (bench/keyless-cli.sh is the whole-process comparison: the vouch binary against their CLIs.)
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
# batches of ~20 ms (after a ~20 ms warm-up); the sides take turns for $KEYLESS_ROUNDS rounds
# (default 5). No side touches the network while verifying.
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

VOUCH=(bash -c 'cd "$0" && cargo bench -q -p vouch-core --bench keyless -- "$@" 2>/dev/null' "$ROOT")
PYSIDE=("$PEERS/venv/bin/python" "$ROOT/bench/keyless/peer.py")
JSSIDE=(env NODE_PATH="$PEERS/node/node_modules" node "$ROOT/bench/keyless/peer.cjs" "$ROOT/bench/keyless/artifacts")
echo "== verdicts on all cases" >&2
KEYLESS_BENCH_VERDICT_ONLY=1 "${VOUCH[@]}" "${ALL[@]}" >"$OUTDIR/vouch.verdicts"
KEYLESS_BENCH_VERDICT_ONLY=1 "${PYSIDE[@]}" "${ALL[@]}" >"$OUTDIR/py.verdicts"
KEYLESS_BENCH_VERDICT_ONLY=1 "${JSSIDE[@]}" "${ALL[@]}" >"$OUTDIR/js.verdicts"
# The sides take turns, round after round, so that a change in the machine's load (it may be
# shared) falls on all of them; each ratio is the median of the per-round ratios.
ROUNDS="${KEYLESS_ROUNDS:-5}"
for r in $(seq 1 "$ROUNDS"); do
  echo "== timing, round $r of $ROUNDS: vouch, sigstore-python $PY_VER, @sigstore/verify $JS_VER" >&2
  "${VOUCH[@]}" "${TIMED_DIRS[@]}" >"$OUTDIR/vouch.times.$r"
  "${PYSIDE[@]}" "${TIMED_DIRS[@]}" >"$OUTDIR/py.times.$r"
  "${JSSIDE[@]}" "${TIMED_DIRS[@]}" >"$OUTDIR/js.times.$r"
done

python3 - "$OUTDIR" "$PY_VER" "$JS_VER" "$CASES" "$ROUNDS" <<'PY'
import json, sys, os, statistics
out, py_ver, js_ver, cases, rounds = sys.argv[1:]
rounds = int(rounds)
def load(tag, kind):
    rows = {}
    for line in open(os.path.join(out, f"{tag}.{kind}")):
        name, verdict, detail, ns = line.rstrip("\n").split("\t")
        rows[name] = (verdict, detail, None if ns == "-" else float(ns))
    return rows
sides = ["vouch", "py", "js"]
v = {s: load(s, "verdicts") for s in sides}
t = {s: [load(s, f"times.{r}") for r in range(1, rounds + 1)] for s in sides}
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
print(f"\nTiming (median per verification, µs, median of {rounds} rounds; ratio = vouch / peer, median of the per-round ratios):\n")
print("| case | vouch | sigstore-python | vouch/py | @sigstore/verify | vouch/js |")
print("|---|---:|---:|---:|---:|---:|")
def us(x): return f"{x/1000:.1f}"
def times(s, name):
    ns = [r[name][2] for r in t[s] if name in r and r[name][2]]
    return ns if len(ns) == rounds else None
for name in t["vouch"][0]:
    vo = times("vouch", name)
    row = [name, us(statistics.median(vo)) if vo else t["vouch"][0][name][0]]
    for s in ["py", "js"]:
        ns = times(s, name)
        if ns and vo:
            ratio = statistics.median(a / b for a, b in zip(vo, ns))
            row += [us(statistics.median(ns)), f"{ratio:.2f}"]
        else:
            row += [t[s][0].get(name, ("n/a",))[0], "-"]
    print("| " + " | ".join(row) + " |")
print("\nPeer verdicts that differ from vouch's:\n")
for name, s, verdict, detail in diffs:
    side = {"py": "sigstore-python", "js": "@sigstore/verify"}[s]
    print(f"- {name}: {side} {verdict} ({detail}); vouch {v['vouch'][name][0]} ({v['vouch'][name][1]})")
PY
