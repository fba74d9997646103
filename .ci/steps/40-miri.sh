#!/usr/bin/env bash
# Miri over vouch-core's parsing, base64 and PAE unit tests (undefined behaviour, out-of-bounds,
# arithmetic overflow in the interpreter). Bounded: MIRI_TIMEOUT seconds (default 900). The two
# tests that build objects of hundreds of members (Bloom-filter saturation, the member limit)
# take tens of minutes in the interpreter; they run natively in `cargo test` and are skipped here.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
rustup +nightly component add miri rust-src
cargo +nightly miri setup
timeout "${MIRI_TIMEOUT:-900}" \
  cargo +nightly miri test -p vouch-core --lib -- json:: base64:: pae:: \
  --skip duplicate_detection_with_many_keys --skip member_limit
