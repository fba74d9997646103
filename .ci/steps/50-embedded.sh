#!/usr/bin/env bash
# vouch-core on an emulated Cortex-M4 (see docs/embedded.md):
#  1. no heap: no `alloc` (or `std`) feature anywhere in the embedded dependency graph;
#  2. the firmware test image runs its vectors in qemu (`-M mps2-an386`) and must pass all;
#  3. the footprint table (four configurations, keyless included; .text / .rodata / .data+.bss / stack peak) is
#     measured and checked against its budgets (`--check`: over budget fails CI);
#  4. the no-panic link proof is attempted (see docs/embedded.md for its status).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true
if ! command -v qemu-system-arm >/dev/null; then
  apt-get update -qq && apt-get install -y -qq qemu-system-arm >/dev/null
fi

echo "--- no heap: alloc/std features in the thumbv7em dependency graphs"
check_no_alloc() {
  local found
  found=$("$@" -e normal,features --target thumbv7em-none-eabihf --prefix none |
    grep -E 'feature "(alloc|std)"' | sort -u || true)
  if [ -n "$found" ]; then
    echo "alloc/std enabled in: $*"
    echo "$found"
    exit 1
  fi
}
check_no_alloc cargo tree -p vouch-core --no-default-features --features ed25519,p256
check_no_alloc cargo tree -p vouch-core --no-default-features --features ed25519,opt-size
check_no_alloc cargo tree -p vouch-core --no-default-features --features p256
check_no_alloc cargo tree -p vouch-core --no-default-features --features ed25519,p256,keyless
check_no_alloc cargo tree -p vouch-core --no-default-features --features p256,keyless
(cd tests/embedded && check_no_alloc cargo tree -p vouch-embedded)
echo "no alloc or std feature enabled"

echo "--- firmware test image in qemu (mps2-an386, Cortex-M4)"
cd "$root/tests/embedded"
log=$(mktemp)
# Exactly the command docs/embedded.md gives (the runner in .cargo/config.toml boots qemu).
timeout 300 cargo run --release | tee "$log"
grep -qE '^[0-9]+ passed, 0 failed$' "$log"
rm -f "$log"

echo "--- firmware test image with the keyless foundations (real trusted root and Fulcio chain)"
cargo build --release --features keyless
log=$(mktemp)
timeout 300 qemu-system-arm -M mps2-an386 -nographic \
  -semihosting-config enable=on,target=native \
  -kernel "${CARGO_TARGET_DIR:-target}/thumbv7em-none-eabihf/release/vouch-embedded" | tee "$log"
grep -q '^PASS keyless: real Fulcio leaf verifies' "$log"
grep -q '^PASS keyless: real leaf path, SCT and identity' "$log"
grep -q '^PASS keyless: real RFC 3161 timestamp' "$log"
grep -q '^PASS keyless: whole real bundle, v0.3 message signature' "$log"
grep -q '^PASS keyless: whole real bundle, npm DSSE provenance' "$log"
grep -q '^PASS keyless: whole real bundle, Rekor v2 and RFC 3161 timestamp' "$log"
grep -qE '^[0-9]+ passed, 0 failed$' "$log"
rm -f "$log"

echo "--- instructions per verification, with budgets (bench/icount.sh, qemu -icount)"
cd "$root"
bench/icount.sh

echo "--- footprint (bench/footprint.sh)"
cd "$root"
bench/footprint.sh --check
# The script measures and prints; it rewrites tracked files only when asked (--write-docs).
git diff --quiet -- README.md docs/embedded.md ||
  { echo "bench/footprint.sh changed tracked files without --write-docs"; exit 1; }

echo "--- no-panic link proof (panic handler references an undefined symbol)"
cd "$root/tests/embedded"
# Required: vouch-core's own untrusted-input code (JSON, envelope, base64, PAE, Statement) links
# with a panic handler that references an undefined symbol, i.e. no panic is reachable in it.
cargo build --quiet --profile proof --features parse-proof --bin parse_proof
echo "no-panic proof (parsing path): proven - parse_proof links with no reachable panic"
# Required too: the keyless certificate parsing (DER walker, X.509 reader and its accessors).
cargo build --quiet --profile proof --features parse-proof,keyless --bin keyless_parse_proof
echo "no-panic proof (X.509 parsing): proven - keyless_parse_proof links with no reachable panic"
if cargo build --quiet --profile proof --features panic-link-check 2>/dev/null; then
  echo "no-panic proof: the full verification path links without any reachable panic"
else
  echo "no-panic proof: NOT PROVEN - panic sites remain linked (docs/embedded.md, 'No panics')"
  if [ "${VOUCH_REQUIRE_NO_PANIC_PROOF:-0}" = 1 ]; then
    exit 1
  fi
fi
