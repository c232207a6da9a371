#!/usr/bin/env bash
# Build the real Jaeger (v2 line: OTLP receiver, in-memory storage, query API and UI in one
# binary) from its Go module into .tools/jaeger/<version>/bin, as Toxiproxy and the cluster's
# binaries are built (idempotent: a stamp per version). Nothing but Go modules can be downloaded
# here, so the binary is built from source in a small module of ours with `go get -tool`.
set -euo pipefail
version="${FIREBREAK_JAEGER_VERSION:-v1.75.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${FIREBREAK_JAEGER_TOOLS:-$root/.tools/jaeger/$version}"
bin="$out/bin"
mod="$out/build"
if [ -x "$bin/jaeger" ] && [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$version" ]; then
  echo "jaeger $version already in $bin"
  exit 0
fi
command -v go >/dev/null || { echo "Go is needed to build Jaeger (or set FIREBREAK_JAEGER to a jaeger binary)." >&2; exit 1; }
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false"
step_timeout_s="${FIREBREAK_BUILD_STEP_TIMEOUT_S:-2700}"
go_bin="$(command -v go)"
go() { timeout --kill-after=30 "$step_timeout_s" "$go_bin" "$@"; }
start=$(date +%s)
echo "building jaeger $version from its Go module (a few minutes of CPU cold)..."
rm -rf "$mod" && mkdir -p "$mod" "$bin"
printf 'module firebreak.local/jaeger-build\n\ngo 1.26.0\n' > "$mod/go.mod"
# A line a minute shows a CI log that a cold build is alive.
( while sleep 60; do echo "  ... $(date +%H:%M:%S) jaeger: $(( $(date +%s) - start )) s so far"; done ) 2>/dev/null &
heartbeat_pid=$!
trap 'pkill -P "$heartbeat_pid" 2>/dev/null || true; kill "$heartbeat_pid" 2>/dev/null || true' EXIT
# `go get` names each of its ~300 modules: kept in a log, shown only when it fails
if ! (cd "$mod" && go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$version") \
  > "$out/go-get.log" 2>&1; then
  tail -n 30 "$out/go-get.log" >&2
  echo "go get of jaeger $version failed; the whole log: $out/go-get.log" >&2
  exit 1
fi
echo "  modules resolved in $(( $(date +%s) - start )) s ($(grep -c '^go: added' "$out/go-get.log") added)"
(cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$bin/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger)
echo "$version" > "$out/stamp"
echo "  jaeger $version built in $(( $(date +%s) - start )) s: $bin/jaeger"
