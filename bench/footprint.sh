#!/usr/bin/env bash
# Flash and stack footprint of vouch-core on a Cortex-M4 (thumbv7em-none-eabihf).
#
# Builds the firmware test image (tests/embedded) in six configurations (two with the p256-cm4
# backend), runs each in qemu (`-M mps2-an386`) to get its stack peak and, built again with the
# `icount` feature, under `-icount shift=0` for the instructions of one valid envelope per
# algorithm, and prints .text, .rodata, .data + .bss, the stack peaks and the instructions as a
# Markdown table; with --write-docs it also writes the table into docs/embedded.md and
# README.md (between the `footprint:begin` / `footprint:end` markers).
#
#   bench/footprint.sh               # measure and print only (tracked files are left alone)
#   bench/footprint.sh --check       # also fail if a configuration is over a budget (.text,
#                                    # stack, instructions)
#   bench/footprint.sh --write-docs  # also update the table in docs/embedded.md and README.md
#
# Honours CARGO_TARGET_DIR (the images are built there).
#
# Needs: rustup target thumbv7em-none-eabihf, qemu-system-arm >= 8.2 (.ci/qemu.sh), and a size tool (rustup's
# llvm-tools, llvm-size, or Debian's binutils-arm-none-eabi).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fw="$root/tests/embedded"
doc="$root/docs/embedded.md"
check=0
docs=0
for a in "$@"; do
  case "$a" in
    --check) check=1 ;;
    --write-docs) docs=1 ;;
    --no-docs) docs=0 ;; # the default; kept for older callers
    *) echo "usage: $0 [--check] [--write-docs]" >&2; exit 2 ;;
  esac
done
# Where cargo puts the firmware images (CARGO_TARGET_DIR, relative or not, or the default).
fw_target=$(cd "$fw" && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

size_tool() {
  local t
  for t in "$(rustc --print sysroot)"/lib/rustlib/*/bin/llvm-size; do
    [ -x "$t" ] && { echo "$t"; return; }
  done
  command -v llvm-size && return
  command -v arm-none-eabi-size && return
  if command -v apt-get >/dev/null; then
    { apt-get update -qq && apt-get install -y -qq binutils-arm-none-eabi; } >&2
    command -v arm-none-eabi-size && return
  fi
  echo "no size tool: install llvm-tools (rustup) or binutils-arm-none-eabi" >&2
  return 1
}
SIZE=$(size_tool)
command -v qemu-system-arm >/dev/null || { echo "qemu-system-arm is missing" >&2; exit 1; }

# name | cargo features | .text budget | verification stack budget
# Trusted keys are raw bytes here (no `key-formats`: no PEM / DER parser linked), as firmware
# that bakes its keys in would have them; the CI test run also covers PEM and SPKI DER keys.
# Features with `p256-cm4` swap RustCrypto's P-256 arithmetic for the p256-cm4 backend.
configs=(
  "Ed25519 only|ed25519,opt-size|24576|8192"
  "P-256 only|p256|49152|8192"
  "P-256 only, p256-cm4 backend|p256-cm4|49152|8192"
  "Ed25519 + P-256, JSON + statement checks|ed25519,p256,statement,opt-size|49152|8192"
  "Ed25519 + P-256 (p256-cm4), JSON + statement checks|ed25519,p256-cm4,statement,opt-size|49152|8192"
  # Issue 14's budget for the keyless configuration (112 KiB .text, 12 KiB stack): the whole
  # keyless path (`keyless::verify_bundle`, V0-V7) and its cases on top of the DSSE cases.
  "Keyless bundles (V0-V7: X.509, P-384, trusted root, Rekor) + DSSE|ed25519,p256,statement,opt-size,keyless|114688|12288"
)

# Instruction budgets per valid envelope (~640 bytes; bench/icount.sh enforces them too).
ED25519_BUDGET=2100000
P256_BUDGET=10500000
P256_CM4_BUDGET=1000000

# The instruction count of case "$1" in log "$2" (empty if the case is not there).
instructions() { { grep -F "PASS $1:" <<<"$2" || true; } | sed -n 's/.*instructions \([0-9]*\).*/\1/p' | head -1; }
# 1234567 -> 1,234,567; empty -> an en dash.
thousands() { if [ -z "$1" ]; then echo "–"; else sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; fi; }

section() { awk -v s="$1" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }' <<<"$2"; }

out="$fw_target/footprint"
mkdir -p "$out"
rows=()
fail=0
for c in "${configs[@]}"; do
  IFS='|' read -r name features text_budget stack_budget <<<"$c"
  echo "== $name (features: $features)" >&2
  (cd "$fw" && cargo build --quiet --release --no-default-features --features "$features")
  elf="$out/${features//,/-}.elf"
  cp "$fw_target/thumbv7em-none-eabihf/release/vouch-embedded" "$elf"
  sizes=$("$SIZE" -A "$elf")
  text=$(section .text "$sizes")
  rodata=$(section .rodata "$sizes")
  data=$(section .data "$sizes")
  bss=$(section .bss "$sizes")
  log=$(timeout 300 qemu-system-arm -M mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -kernel "$elf") || {
    echo "$log" >&2
    echo "the image failed in qemu" >&2
    exit 1
  }
  echo "$log" | grep -E 'passed|max-stack' >&2
  stack=$(sed -n 's/^max-stack \([0-9]*\) bytes (verification), setup \([0-9]*\).*/\1/p' <<<"$log")
  setup=$(sed -n 's/^max-stack \([0-9]*\) bytes (verification), setup \([0-9]*\).*/\2/p' <<<"$log")
  # The same configuration with instruction counting (`icount`: SysTick under `-icount shift=0`;
  # a separate build, so the sizes above are of the image without it).
  (cd "$fw" && cargo build --quiet --release --no-default-features --features "$features,icount")
  ilog=$(timeout 300 qemu-system-arm -M mps2-an386 -nographic -icount shift=0 \
    -semihosting-config enable=on,target=native \
    -kernel "$fw_target/thumbv7em-none-eabihf/release/vouch-embedded") || {
    echo "$ilog" >&2
    echo "the icount image failed in qemu" >&2
    exit 1
  }
  ed=$(instructions "ed25519: valid envelope (raw key)" "$ilog")
  p2=$(instructions "p256: valid DER signature (SEC1 key)" "$ilog")
  kl=$(instructions "keyless: whole real bundle, v0.3 message signature, artifact streamed (V0-V7)" "$ilog")
  echo "instructions: Ed25519 ${ed:-none}, P-256 ${p2:-none}, keyless bundle ${kl:-none}" >&2
  p2_budget=$P256_BUDGET
  [[ ",$features," == *,p256-cm4,* ]] && p2_budget=$P256_CM4_BUDGET
  rows+=("| $name | \`$features\` | $text | $rodata | $((data + bss)) | $stack | $setup | $(thousands "$ed") | $(thousands "$p2") | $(thousands "$kl") |")
  if [ "$text" -gt "$text_budget" ] || [ "$stack" -gt "$stack_budget" ]; then
    echo "over budget: $name: .text $text (budget $text_budget), stack $stack (budget $stack_budget)" >&2
    fail=1
  fi
  if { [ -n "$ed" ] && [ "$ed" -gt "$ED25519_BUDGET" ]; } || { [ -n "$p2" ] && [ "$p2" -gt "$p2_budget" ]; }; then
    echo "over budget: $name: instructions Ed25519 $ed (budget $ED25519_BUDGET), P-256 $p2 (budget $p2_budget)" >&2
    fail=1
  fi
done

table=$(
  echo "| configuration | features | .text | .rodata | .data + .bss | stack peak, verification | stack peak, setup | instructions, Ed25519 envelope | instructions, P-256 envelope | instructions, keyless bundle |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Bytes; thumbv7em-none-eabihf, \`$(rustc --version)\`, opt-level \"z\", fat LTO, codegen-units 1,"
  echo "panic abort, sha2 compact backend. The whole test image is counted (vectors are in .rodata;"
  echo "the 1 KiB vector table is not in .text). Instructions: one valid ~640-byte envelope"
  echo "(\`Verifier::verify\`), counted under \`qemu -icount shift=0\` in the same configuration built"
  echo "with the image's \`icount\` feature. Keyless bundle: a whole real v0.3 message-signature bundle"
  echo "(\`keyless::verify_bundle\`, V0–V7), from parsing the trusted root in flash to the verdict, its"
  echo "artifact streamed in 61-byte chunks. \`p256-cm4\`: vouch-core's Cortex-M4 P-256 backend."
  echo "Made by \`bench/footprint.sh\`."
)
echo "$table"

if [ "$docs" = 1 ]; then
  for target in "$doc" "$root/README.md"; do
    [ -f "$target" ] || continue
    TABLE="$table" python3 - "$target" <<'PY'
import os, sys
path = sys.argv[1]
text = open(path).read()
begin, end = "<!-- footprint:begin -->", "<!-- footprint:end -->"
if begin in text and end in text:
    a, b = text.index(begin) + len(begin), text.index(end)
    open(path, "w").write(text[:a] + "\n" + os.environ["TABLE"] + "\n" + text[b:])
PY
    echo "updated $target" >&2
  done
fi
if [ "$check" = 1 ] && [ "$fail" = 1 ]; then
  exit 1
fi
