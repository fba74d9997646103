#!/usr/bin/env bash
# Instructions per verification on the emulated Cortex-M4, with budgets (issue 18):
# builds the firmware test image with `--features icount` (and again with the p256-cm4
# backend, `--features icount,p256-cm4`, and with keyless, `--features icount,keyless`), runs
# each under
# `qemu-system-arm -M mps2-an386 -icount shift=0` (every instruction advances virtual time
# equally; SysTick counts them in a unit calibrated with a loop of known length), prints each
# case's count, and fails when a budgeted case is over its budget. Counts are exact and
# repeatable (they do not depend on the host's speed or load).
#
#   bench/icount.sh
#
# Needs: the thumbv7em-none-eabihf target and qemu-system-arm >= 8.2. Honours CARGO_TARGET_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fw="$root/tests/embedded"
fw_target=$(cd "$fw" && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# image (extra cargo features) | case name prefix | budget (instructions): ~640-byte envelopes,
# and 64 KiB hashed (docs/embedded.md). The second image swaps RustCrypto's P-256 arithmetic
# for the p256-cm4 backend (vouch-core feature `p256-cm4`; qemu >= 8.2, see .ci/qemu.sh). The
# third adds keyless (issue 18): whole real Sigstore bundles through `keyless::verify_bundle`
# with the trusted root and the bundle in flash, counted from the trusted root's parsing to the
# verdict (the message signature's artifact streamed through ArtifactHasher in 61-byte chunks;
# the npm tarball of the DSSE bundle is not in the repository, its digest is given). SysTick's
# 24-bit counter wraps after 2^24 ticks (40 instructions each: ~671 million), far above these.
budgets=(
  "|ed25519: valid envelope (raw key)|2100000"
  "|p256: valid DER signature (SEC1 key)|10500000"
  # SHA-256 of 64 KiB in 4 KiB chunks (sha2's compact backend).
  "|sha256|4500000"
  "p256-cm4|p256: valid DER signature (SEC1 key)|1000000"
  # Measured 113,921,560 and 150,094,960 (rustc 1.95, RustCrypto p256 / p384): ~10 % headroom.
  "keyless|keyless: whole real bundle, v0.3 message signature, artifact streamed (V0-V7)|125000000"
  "keyless|keyless: whole real bundle, npm DSSE provenance (V0-V7)|165000000"
)

fail=0
for image in "" p256-cm4 keyless; do
  echo "== image: default features${image:+ + $image}"
  (cd "$fw" && cargo build --quiet --release --features "icount${image:+,$image}")
  log=$(timeout 300 qemu-system-arm -M mps2-an386 -nographic -icount shift=0 \
    -semihosting-config enable=on,target=native \
    -kernel "$fw_target/thumbv7em-none-eabihf/release/vouch-embedded" 2>&1) || true
  echo "$log" | grep -E 'instruction|passed'
  echo "$log" | grep -qE '^[0-9]+ passed, 0 failed' || { echo "$log"; echo "the image failed"; exit 1; }

  for b in "${budgets[@]}"; do
    IFS='|' read -r for_image name budget <<<"$b"
    [ "$for_image" = "$image" ] || continue
    n=$(echo "$log" | grep -F "PASS $name:" | sed -n 's/.*instructions \([0-9]*\).*/\1/p' | head -1)
    label="$name${image:+ ($image)}"
    if [ -z "$n" ]; then
      echo "no instruction count for \"$label\""
      fail=1
    elif [ "$n" -gt "$budget" ]; then
      echo "over budget: \"$label\": $n instructions (budget $budget)"
      fail=1
    else
      echo "within budget: \"$label\": $n instructions (budget $budget)"
    fi
  done
done
exit $fail
