#!/usr/bin/env bash
# Flash and stack footprint of vouch-core on a Cortex-M4 (thumbv7em-none-eabihf).
#
# Builds the firmware test image (tests/embedded) in four configurations, runs each in qemu
# (`-M mps2-an386`) to get its stack peak, and prints .text, .rodata, .data + .bss and the stack
# peaks as a Markdown table; with --write-docs it also writes the table into docs/embedded.md and
# README.md (between the `footprint:begin` / `footprint:end` markers).
#
#   bench/footprint.sh               # measure and print only (tracked files are left alone)
#   bench/footprint.sh --check       # also fail if a configuration is over its budget
#   bench/footprint.sh --write-docs  # also update the table in docs/embedded.md and README.md
#
# Honours CARGO_TARGET_DIR (the images are built there).
#
# Needs: rustup target thumbv7em-none-eabihf, qemu-system-arm, and a size tool (rustup's
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
configs=(
  "Ed25519 only|ed25519,opt-size|24576|8192"
  "P-256 only|p256|49152|8192"
  "Ed25519 + P-256, JSON + statement checks|ed25519,p256,statement,opt-size|49152|8192"
  # Issue 14's budget for the keyless configuration (112 KiB .text, 12 KiB stack). So far the
  # image runs the keyless foundations (trusted root, X.509 chains, P-384) on top of the DSSE
  # cases; the row grows as the keyless checks land.
  "Keyless foundations + DSSE (X.509, P-384, trusted root)|ed25519,p256,statement,opt-size,keyless|114688|12288"
)

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
  rows+=("| $name | \`$features\` | $text | $rodata | $((data + bss)) | $stack | $setup |")
  if [ "$text" -gt "$text_budget" ] || [ "$stack" -gt "$stack_budget" ]; then
    echo "over budget: $name: .text $text (budget $text_budget), stack $stack (budget $stack_budget)" >&2
    fail=1
  fi
done

table=$(
  echo "| configuration | features | .text | .rodata | .data + .bss | stack peak, verification | stack peak, setup |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Bytes; thumbv7em-none-eabihf, \`$(rustc --version)\`, opt-level \"z\", fat LTO, codegen-units 1,"
  echo "panic abort, sha2 compact backend. The whole test image is counted (vectors are in .rodata;"
  echo "the 1 KiB vector table is not in .text). Made by \`bench/footprint.sh\`."
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
