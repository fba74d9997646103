#!/usr/bin/env bash
# Regenerates tests/embedded/vectors/ with real signatures (host build of gen/).
set -euo pipefail
cd "$(dirname "$0")"
host=$(rustc -vV | sed -n 's/^host: //p')
cargo run --quiet -p vouch-embedded-gen --target "$host" -- "$PWD/vectors"
