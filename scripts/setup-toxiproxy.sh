#!/usr/bin/env bash
# Build the real Toxiproxy server and CLI at a pinned version into .tools/bin (idempotent).
set -euo pipefail
version="${TOXIPROXY_VERSION:-2.12.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"
if [ -x "$bin/toxiproxy-server" ] && "$bin/toxiproxy-server" -version 2>/dev/null | grep -q "$version"; then
  echo "toxiproxy $version already in $bin"
  exit 0
fi
command -v go >/dev/null || { echo "Go is needed to build Toxiproxy (or set FIREBREAK_TOXIPROXY to a release binary)." >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "building toxiproxy $version with go install (a minute on a new machine)..."
GOBIN="$tmp" go install \
  -ldflags "-X github.com/Shopify/toxiproxy/v2.Version=$version" \
  "github.com/Shopify/toxiproxy/v2/cmd/server@v$version" \
  "github.com/Shopify/toxiproxy/v2/cmd/cli@v$version"
install -m 0755 "$tmp/server" "$bin/toxiproxy-server"
install -m 0755 "$tmp/cli" "$bin/toxiproxy-cli"
"$bin/toxiproxy-server" -version
