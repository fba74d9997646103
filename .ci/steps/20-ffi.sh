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

# Every temporary directory this step makes is removed when it ends, pass or fail.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "--- header is fresh; C tests (ASan+UBSan, valgrind); header as C++17; example data"
VOUCH_REQUIRE_VALGRIND=1 cargo test -p vouch-ffi --test header --test c_abi --test example_data

echo "--- firmware static library (thumbv7em-none-eabihf, no_std, firmware profile, fat LTO)"
# `cargo rustc --crate-type staticlib` builds only the static library, so fat LTO applies
# (rustc skips LTO when an rlib is built in the same invocation). Built twice: without keyless
# (the firmware library as it was) and with it (`vouch_bundle_verify` and friends); the second
# build is copied aside because both land at the same path.
lib=target/thumbv7em-none-eabihf/firmware/libvouch.a
keyless_lib="$tmp/libvouch-keyless.a"
cargo rustc -p vouch-ffi --lib --target thumbv7em-none-eabihf --profile firmware \
  --no-default-features --features ed25519,p256,keyless,opt-size --crate-type staticlib
cp "$lib" "$keyless_lib"
ls -l "$keyless_lib"
cargo rustc -p vouch-ffi --lib --target thumbv7em-none-eabihf --profile firmware \
  --no-default-features --features ed25519,p256,opt-size --crate-type staticlib
ls -l "$lib"
# Footprint as a firmware would see it: link the named exports with --gc-sections (rust-lld).
lld="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-lld"
size_tool="$(command -v llvm-size || command -v arm-none-eabi-size || true)"
if [ -x "$lld" ] && [ -n "$size_tool" ]; then
  elf="$tmp/vouch-footprint.elf"
  # footprint LIB LABEL SYMBOL...: link LIB keeping SYMBOLs, print .text/.rodata/.data/.bss.
  footprint() {
    local l="$1" label="$2"
    shift 2
    local undef=()
    for s in "$@"; do undef+=(-u "$s"); done
    "$lld" -flavor gnu --gc-sections -e "$1" "${undef[@]}" "$l" -o "$elf"
    echo "firmware footprint ($label):"
    "$size_tool" -A "$elf" | grep -E '^\.(text|rodata|data|bss) '
  }
  keyless_syms="vouch_trusted_root_storage_size vouch_trusted_root_load vouch_bundle_scratch_len vouch_bundle_verify"
  all=$(grep -oE '\bvouch_[a-z0-9_]+\(' include/vouch.h | tr -d '(' | sort -u)
  dsse=$(echo "$all" | grep -vxF -f <(tr ' ' '\n' <<<"$keyless_syms"))
  # shellcheck disable=SC2086
  footprint "$lib" "all $(echo "$dsse" | wc -w) DSSE exports, gc-sections" $dsse
  # What a firmware installer with baked-in raw keys links (no PEM/DER key parsing).
  footprint "$lib" "installer with raw keys: key_from_raw, verifier, hasher, statement" \
    vouch_verifier_verify vouch_key_from_raw vouch_verifier_init vouch_envelope_payload_len \
    vouch_hasher_init vouch_hasher_update vouch_hasher_finish vouch_statement_check \
    vouch_result_code vouch_key_storage_size vouch_verifier_storage_size \
    vouch_hasher_storage_size vouch_storage_align
  # shellcheck disable=SC2086
  footprint "$keyless_lib" "keyless library, all $(echo "$all" | wc -w) exports (DSSE and keyless)" $all
  # The keyless installer (examples/c/verify_bundle_before_install.c): root, hasher, bundle.
  footprint "$keyless_lib" "keyless installer: trusted root, hasher, bundle verify" \
    vouch_bundle_verify vouch_trusted_root_load vouch_bundle_scratch_len \
    vouch_trusted_root_storage_size vouch_hasher_init vouch_hasher_update vouch_hasher_finish \
    vouch_result_code vouch_storage_align
else
  echo "(rust-lld or llvm-size missing: footprint not measured)"
fi

echo "--- install into a temporary PREFIX and build the example with pkg-config"
prefix="$tmp/prefix"
mkdir "$prefix"
ffi/install.sh "$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --modversion vouch
make -C examples/c clean check
make -C examples/c clean check SHARED=1
make -C examples/c clean
