#!/usr/bin/env bash
# The C ABI on the microcontroller: vouch's C firmware library linked into a bare-metal C image
# (arm-none-eabi-gcc, -Os, --gc-sections, minimal startup, no C library) that runs the
# firmware-style installer flow on an emulated Cortex-M4 (qemu mps2-an386) and must pass.
set -euo pipefail
cd "$(dirname "$0")/../.."

rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true
missing=()
command -v arm-none-eabi-gcc >/dev/null 2>&1 || missing+=(gcc-arm-none-eabi)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash .ci/qemu.sh

make -C tests/firmware-c check
# The same image with the p256-cm4 backend in the library (P-256 budget 1.0 M instructions).
make -C tests/firmware-c check FEATURES=ed25519,p256-cm4,opt-size
