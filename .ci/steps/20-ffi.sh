#!/usr/bin/env bash
# C ABI (vouch-ffi): header freshness, C/C++ consumers under ASan+UBSan and valgrind, the
# thumbv7em firmware static library, and the installed library + pkg-config + example.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
for tool in gcc g++ make pkg-config valgrind; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
rustup target add thumbv7em-none-eabihf >/dev/null

echo "--- header is fresh; C tests (ASan+UBSan, valgrind); header as C++17; example data"
VOUCH_REQUIRE_VALGRIND=1 cargo test -p vouch-ffi --test header --test c_abi --test example_data

echo "--- firmware static library (thumbv7em-none-eabihf, no_std, firmware profile, fat LTO)"
# `cargo rustc --crate-type staticlib` builds only the static library, so fat LTO applies
# (rustc skips LTO when an rlib is built in the same invocation).
cargo rustc -p vouch-ffi --lib --target thumbv7em-none-eabihf --profile firmware \
  --no-default-features --features ed25519,p256,opt-size --crate-type staticlib
lib=target/thumbv7em-none-eabihf/firmware/libvouch.a
ls -l "$lib"
# Footprint as a firmware would see it: link every export with --gc-sections (rust-lld).
lld="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-lld"
size_tool="$(command -v llvm-size || command -v arm-none-eabi-size || true)"
if [ -x "$lld" ] && [ -n "$size_tool" ]; then
  syms=$(grep -oE '\bvouch_[a-z0-9_]+\(' include/vouch.h | tr -d '(' | sort -u)
  undef=()
  for s in $syms; do undef+=(-u "$s"); done
  elf="$(mktemp -d)/vouch-footprint.elf"
  "$lld" -flavor gnu --gc-sections -e vouch_verifier_verify "${undef[@]}" "$lib" -o "$elf"
  echo "firmware footprint (all $(echo "$syms" | wc -w) exports, gc-sections):"
  "$size_tool" -A "$elf" | grep -E '^\.(text|rodata|data|bss) '
  # What a firmware installer with baked-in raw keys links (no PEM/DER key parsing).
  inst=()
  for s in vouch_key_from_raw vouch_verifier_init vouch_verifier_verify \
    vouch_envelope_payload_len vouch_hasher_init vouch_hasher_update vouch_hasher_finish \
    vouch_statement_check vouch_result_code vouch_key_storage_size vouch_verifier_storage_size \
    vouch_hasher_storage_size vouch_storage_align; do
    inst+=(-u "$s")
  done
  "$lld" -flavor gnu --gc-sections -e vouch_verifier_verify "${inst[@]}" "$lib" -o "$elf"
  echo "firmware footprint (installer with raw keys: key_from_raw, verifier, hasher, statement):"
  "$size_tool" -A "$elf" | grep -E '^\.(text|rodata|data|bss) '
else
  echo "(rust-lld or llvm-size missing: footprint not measured)"
fi

echo "--- install into a temporary PREFIX and build the example with pkg-config"
prefix="$(mktemp -d)"
ffi/install.sh "$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --modversion vouch
make -C examples/c clean check
make -C examples/c clean check SHARED=1
make -C examples/c clean
rm -rf "$prefix"
