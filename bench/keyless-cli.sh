#!/usr/bin/env bash
# Keyless (Sigstore bundle) verification, whole process: the release `vouch verify --bundle`
# against the `sigstore verify` CLIs of sigstore-python (PyPI `sigstore`) and sigstore-js (npm
# `@sigstore/cli`), offline, on the same bundles, trusted roots, identities and artifacts, in one
# run. (bench/keyless.sh is the in-process comparison of the libraries.)
#
#   bench/keyless-cli.sh          # needs python3 (venv, pip), node/npm, cargo; PyPI/npm once
#
# Environment: KEYLESS_TIMED (cases of tests/vectors/sigstore/cases; default: bench/keyless.sh's
# timed list), KEYLESS_CLI_ROUNDS (default 20), KEYLESS_PEERS (default /tmp/vouch-keyless-peers,
# shared with bench/keyless.sh; delete it to reinstall), CARGO_TARGET_DIR (where the release
# `vouch` is built; default target/).
#
# Peers (installed outside the repository, into $KEYLESS_PEERS):
#   * venv/: sigstore (PyPI); `sigstore --trust-config TC verify identity --offline --bundle B
#     --cert-identity I --cert-oidc-issuer S sha256:HEX`, TC a ClientTrustConfig written around
#     the case's trusted_root.json (sigstore-python 4.x takes a custom root only this way)
#   * cli/: @sigstore/cli (npm); `sigstore verify B --certificate-identity-email|-uri I
#     --certificate-issuer S [--blob-file A] --tuf-...`. It takes no trusted root file, only a TUF
#     repository: bench/keyless/tuf_repo.py writes a throwaway one-key TUF repository whose only
#     target is the case's trusted_root.json, laid out as the CLI's cache, used with
#     --tuf-force-cache (its mirror URL is a closed local port, never contacted).
# The whole run is inside `unshare -rn` (no network at all) when that works, so no side can
# fetch anything; otherwise it says so and runs without it.
#
# Each side's verdict (exit status) is checked first; a side that gives the wrong verdict is
# reported and not timed. Then KEYLESS_CLI_ROUNDS rounds; in each, every case runs vouch,
# sigstore-python, sigstore-js and /bin/true (the empty-process floor) in turn; wall time (fork to
# reaped) and CPU time (user + system, wait4) per process. Output (stdout, Markdown): versions,
# load, the verdicts, the wall-time and CPU-time tables with ratios vouch / peer.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS="${KEYLESS_PEERS:-/tmp/vouch-keyless-peers}"
CASES="$ROOT/tests/vectors/sigstore/cases"
TIMED="${KEYLESS_TIMED:-py--bundle-v01-staging py--bundle-v03-staging go--examples-bundle-provenance py--staging-rekor-v2 py--dsse-staging-rekor-v2}"
ROUNDS="${KEYLESS_CLI_ROUNDS:-20}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$PEERS"
if [ ! -x "$PEERS/venv/bin/sigstore" ]; then
  echo "== installing sigstore (PyPI) into $PEERS/venv" >&2
  python3 -m venv "$PEERS/venv" >&2
  "$PEERS/venv/bin/pip" install -q sigstore >&2
fi
if [ ! -x "$PEERS/cli/node_modules/.bin/sigstore" ]; then
  echo "== installing @sigstore/cli (npm) into $PEERS/cli" >&2
  mkdir -p "$PEERS/cli"
  (cd "$PEERS/cli" && npm init -y >/dev/null && npm install --silent @sigstore/cli >&2)
fi
PY_VER="$("$PEERS/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("sigstore"))')"
JS_VER="$(node -p "require('$PEERS/cli/node_modules/@sigstore/cli/package.json').version")"
JS_VERIFY_VER="$(node -p "require('$PEERS/cli/node_modules/@sigstore/verify/package.json').version")"

echo "== building the release vouch" >&2
(cd "$ROOT" && cargo build --release -q -p vouch-cli >&2)
VOUCH="$TARGET/release/vouch"

NS=()
if unshare -rn true 2>/dev/null; then
  NS=(unshare -rn)
  NET="every process ran inside \`unshare -rn\` (no network)"
else
  NET="\`unshare -rn\` is not available here: run without a network namespace"
fi

echo "Versions: vouch $(git -C "$ROOT" rev-parse --short HEAD) (\`$VOUCH\`), sigstore-python $PY_VER" \
  "(Python $("$PEERS/venv/bin/python" -c 'import platform; print(platform.python_version())')), @sigstore/cli $JS_VER" \
  "(@sigstore/verify $JS_VERIFY_VER, Node $(node --version)). Rounds: $ROUNDS; $NET."
echo
echo "Load at the start: \`$(uptime)\`"
echo
"${NS[@]}" "$PEERS/venv/bin/python" "$ROOT/bench/keyless/cli_bench.py" "$VOUCH" "$PEERS" "$CASES" \
  "$ROOT/bench/keyless/artifacts" "$WORK/run" "$ROUNDS" $TIMED
echo
echo "Load at the end: \`$(uptime)\`"
