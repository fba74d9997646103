#!/usr/bin/env bash
# Makes sure qemu-system-arm >= 8.2 is installed (sourced or run by the CI steps that boot the
# Cortex-M4 images). Idempotent: a new enough qemu already on PATH is left alone.
#
# Why 8.2: the published p256-cm4 0.4.0 (vouch-core feature `p256-cm4`) contains `ldm r4, {r6}`
# (in its 288x288-bit multiplication), which LLVM assembles as the 32-bit LDM.W (T2) encoding
# with a single register; ARMv7-M leaves that UNPREDICTABLE (T2 needs two or more). Real
# Cortex-M4 parts and qemu >= 8.2 execute it as a plain load; Debian bookworm's qemu 7.2 treats
# it as undefined, and the image hard-faults at its first P-256 verification. On bookworm the
# new qemu comes from bookworm-backports (10.x); the source line is added when missing.
# See docs/embedded.md, "The p256-cm4 backend".
set -euo pipefail

qemu_ok() {
  command -v qemu-system-arm >/dev/null 2>&1 || return 1
  local v major minor
  v=$(qemu-system-arm --version | sed -n '1s/.*version \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')
  read -r major minor <<<"$v"
  [ -n "${major:-}" ] || return 1
  [ "$major" -gt 8 ] || { [ "$major" -eq 8 ] && [ "$minor" -ge 2 ]; }
}

if ! qemu_ok; then
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  export DEBIAN_FRONTEND=noninteractive
  if [ "$codename" = bookworm ]; then
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo "deb http://deb.debian.org/debian bookworm-backports main" \
        >/etc/apt/sources.list.d/bookworm-backports.list
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-arm >/dev/null
  else
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null
  fi
  qemu_ok || {
    echo "qemu-system-arm >= 8.2 is needed (found: $(qemu-system-arm --version 2>/dev/null | head -1))" >&2
    exit 1
  }
fi
qemu-system-arm --version | head -1
