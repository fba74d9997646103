#!/usr/bin/env bash
# Installs vouch's C library into PREFIX:
#   PREFIX/lib/libvouch.a, PREFIX/lib/libvouch.so, PREFIX/include/vouch.h,
#   PREFIX/lib/pkgconfig/vouch.pc
#
# usage: ffi/install.sh PREFIX        (builds `cargo build -p vouch-ffi --release` first)
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 PREFIX" >&2
  exit 1
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
cd "$root"

cargo build -p vouch-ffi --release
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)"

install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 644 "$target_dir/release/libvouch.a" "$prefix/lib/libvouch.a"
install -m 755 "$target_dir/release/libvouch.so" "$prefix/lib/libvouch.so"
install -m 644 include/vouch.h "$prefix/include/vouch.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" ffi/vouch.pc.in >"$prefix/lib/pkgconfig/vouch.pc"
echo "installed vouch $version into $prefix"
echo "use: export PKG_CONFIG_PATH=\"$prefix/lib/pkgconfig\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}\""
