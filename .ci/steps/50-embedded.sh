#!/usr/bin/env bash
# vouch-core on an emulated Cortex-M4 (see docs/embedded.md):
#  1. no heap: no `alloc` (or `std`) feature anywhere in the embedded dependency graph;
#  2. the firmware test image runs its vectors in qemu (`-M mps2-an386`) and must pass all; with
#     the p256-cm4 backend too, plus every Wycheproof P-256 vector and a differential run against
#     RustCrypto p256 (qemu >= 8.2, installed by .ci/qemu.sh);
#  3. the footprint table (six configurations: with and without p256-cm4, keyless included;
#     .text / .rodata / .data+.bss / stack peak / instructions per envelope) is
#     measured and checked against its budgets (`--check`: over budget fails CI);
#  4. the no-panic link proof is attempted (see docs/embedded.md for its status).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true
# qemu >= 8.2 (from bookworm-backports on Debian 12): the p256-cm4 image needs it (.ci/qemu.sh).
bash .ci/qemu.sh

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
check_no_alloc cargo tree -p vouch-core --no-default-features --features ed25519,p256-cm4
(cd tests/embedded && check_no_alloc cargo tree -p vouch-embedded)
(cd tests/embedded && check_no_alloc cargo tree -p vouch-embedded --features p256-cm4,p256-vectors)
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

echo "--- the p256-cm4 backend refuses to build for a host target (compile_error!)"
cd "$root"
if out=$(cargo check --quiet -p vouch-core --no-default-features --features p256-cm4 2>&1); then
  echo "vouch-core with p256-cm4 built for the host"; exit 1
fi
grep -q "feature is for Cortex-M" <<<"$out" || { echo "$out"; exit 1; }
echo "refused on the host, as documented"

echo "--- firmware test image with the p256-cm4 backend (qemu >= 8.2)"
cd "$root/tests/embedded"
log=$(mktemp)
timeout 300 cargo run --release --features p256-cm4 | tee "$log"
grep -q '^vouch-core on Cortex-M4 (.*p256-cm4' "$log"
grep -qE '^[0-9]+ passed, 0 failed$' "$log"
rm -f "$log"

echo "--- every Wycheproof P-256 vector and the differential run against RustCrypto, with p256-cm4"
# build.rs turns the Wycheproof files and host-generated signatures (with tampered forms) into
# compact tables the image embeds; every verdict must match (docs/embedded.md).
cargo build --release --features p256-cm4,p256-vectors
log=$(mktemp)
timeout 300 qemu-system-arm -M mps2-an386 -nographic \
  -semihosting-config enable=on,target=native \
  -kernel "${CARGO_TARGET_DIR:-target}/thumbv7em-none-eabihf/release/vouch-embedded" | tee "$log"
grep -q '^P-256 backend: p256-cm4$' "$log"
grep -q '^PASS p256 wycheproof DER: 484 vectors' "$log"
grep -q '^PASS p256 wycheproof P1363: 262 vectors' "$log"
grep -qE '^PASS p256 differential against RustCrypto p256: 288 cases .*, 0 disagreements$' "$log"
grep -qE '^[0-9]+ passed, 0 failed$' "$log"
rm -f "$log"
# The same tables through RustCrypto's arithmetic (no backend): about 12 s in qemu.
cargo build --release --features p256-vectors
log=$(mktemp)
timeout 300 qemu-system-arm -M mps2-an386 -nographic \
  -semihosting-config enable=on,target=native \
  -kernel "${CARGO_TARGET_DIR:-target}/thumbv7em-none-eabihf/release/vouch-embedded" |
  grep -E 'backend|p256 wycheproof|p256 differential|passed' | tee "$log"
grep -q '^P-256 backend: RustCrypto p256$' "$log"
grep -q '^PASS p256 wycheproof DER: 484 vectors' "$log"
grep -q '^PASS p256 wycheproof P1363: 262 vectors' "$log"
grep -qE '^PASS p256 differential against RustCrypto p256: 288 cases .*, 0 disagreements$' "$log"
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
