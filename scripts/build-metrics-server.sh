#!/usr/bin/env bash
# Builds metrics-server, the real consumer of the kubelet endpoint's /metrics/resource that the
# tests run beside the real control plane, from the Go module proxy (sigs.k8s.io/metrics-server's
# cmd/metrics-server at the pinned version) into a cache outside the repository, once per version:
#
#   ${HOSTPOD_METRICS_SERVER_CACHE:-/var/cache/hostpod/metrics-server}/v<version>/bin/metrics-server
#
# Run again, it does nothing while the binary of the pinned version is there. Nothing it builds is
# committed. Prints the binary's path on its last line. v0.8.0 builds with Go 1.26 (no GOTOOLCHAIN).
set -euo pipefail

MS_VERSION="${HOSTPOD_METRICS_SERVER_VERSION:-0.8.0}"
CACHE="${HOSTPOD_METRICS_SERVER_CACHE:-/var/cache/hostpod/metrics-server}"
OUT="$CACHE/v$MS_VERSION"
BIN="$OUT/bin/metrics-server"

if [ -x "$BIN" ] && [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "metrics-server v$MS_VERSION" ]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "build-metrics-server: no go command: install Go 1.26 or newer" >&2; exit 1; }
mkdir -p "$OUT/bin" "$OUT/src"
export GOFLAGS="-mod=mod -buildvcs=false"
echo "build-metrics-server: metrics-server v$MS_VERSION" >&2
printf 'module hostpod.local/metrics-server-build\n\ngo 1.26\n\nrequire sigs.k8s.io/metrics-server v%s\n' "$MS_VERSION" > "$OUT/src/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/metrics-server/cmd/metrics-server"\n' > "$OUT/src/tools.go"
(
  cd "$OUT/src"
  go mod tidy
  # The version `metrics-server --version` reports, as metrics-server's Makefile stamps it.
  go build -trimpath -ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=v$MS_VERSION -X k8s.io/component-base/version.gitVersion=v$MS_VERSION" -o "$BIN" sigs.k8s.io/metrics-server/cmd/metrics-server
)
[ -x "$BIN" ] || { echo "build-metrics-server: $BIN was not built" >&2; exit 1; }
echo "metrics-server v$MS_VERSION" > "$OUT/stamp"
echo "$BIN"
