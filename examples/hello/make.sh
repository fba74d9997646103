#!/usr/bin/env bash
# Regenerates this example with a fresh, throw-away signing key (the private key is not kept).
# Usage: examples/hello/make.sh   (from the repository root; builds the CLI first)
set -euo pipefail
cd "$(dirname "$0")"
cargo build -q -p vouch-cli
# The built CLI, wherever cargo puts it (CARGO_TARGET_DIR, relative or not, or the default).
V="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/vouch"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'hello, vouch\n' > hello.txt
$V keygen --algorithm ecdsa-p256 --out "$tmp/release" >/dev/null
cp "$tmp/release.pub" release.pub
$V statement --subject hello.txt --builder-id https://ci.example.com/builder@v1 \
  --commit 0123456789abcdef0123456789abcdef01234567 \
  --material git+https://example.com/hello@sha1:0123456789abcdef0123456789abcdef01234567 \
  --timestamp 2026-11-22T00:00:00Z --out "$tmp/statement.json"
$V sign --key "$tmp/release.key" --keyid release-2026 "$tmp/statement.json" --out envelope.json
python3 - <<'PY'
import json
pem = open("release.pub").read()
policy = {
    "mode": "enforce",
    "allowedIssuers": [
        {"keyId": "release-2026", "publicKey": pem, "description": "example release key"}
    ],
    "builderIds": ["https://ci.example.com/builder@v1"],
}
open("policy.json", "w").write(json.dumps(policy, indent=2) + "\n")
PY
echo "regenerated examples/hello"
