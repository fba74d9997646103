#!/usr/bin/env bash
# Instructions per verification on the emulated Cortex-M4, with budgets (issue 18):
# builds the firmware test image with `--features icount`, runs it under
# `qemu-system-arm -M mps2-an386 -icount shift=0` (every instruction advances virtual time
# equally; SysTick counts them in a unit calibrated with a loop of known length), prints each
# case's count, and fails when a budgeted case is over its budget. Counts are exact and
# repeatable (they do not depend on the host's speed or load).
#
#   bench/icount.sh
#
# Needs: the thumbv7em-none-eabihf target and qemu-system-arm. Honours CARGO_TARGET_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fw="$root/tests/embedded"
fw_target=$(cd "$fw" && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# case name prefix | budget (instructions): ~640-byte envelopes, and 64 KiB hashed (docs/embedded.md).
budgets=(
  "ed25519: valid envelope (raw key)|2100000"
  "p256: valid DER signature (SEC1 key)|10500000"
  # SHA-256 of 64 KiB in 4 KiB chunks (sha2's compact backend).
  "sha256|4500000"
)

(cd "$fw" && cargo build --quiet --release --features icount)
log=$(timeout 300 qemu-system-arm -M mps2-an386 -nographic -icount shift=0 \
  -semihosting-config enable=on,target=native \
  -kernel "$fw_target/thumbv7em-none-eabihf/release/vouch-embedded" 2>&1)
echo "$log" | grep -E 'instruction|passed'
echo "$log" | grep -qE '^[0-9]+ passed, 0 failed' || { echo "the image failed"; exit 1; }

fail=0
for b in "${budgets[@]}"; do
  IFS='|' read -r name budget <<<"$b"
  n=$(echo "$log" | grep -F "PASS $name:" | sed -n 's/.*instructions \([0-9]*\).*/\1/p' | head -1)
  if [ -z "$n" ]; then
    echo "no instruction count for \"$name\""
    fail=1
  elif [ "$n" -gt "$budget" ]; then
    echo "over budget: \"$name\": $n instructions (budget $budget)"
    fail=1
  else
    echo "within budget: \"$name\": $n instructions (budget $budget)"
  fi
done
exit $fail
