#!/usr/bin/env bash
# Builds Helm, the tests' real package manager, from the Go module proxy (helm.sh/helm/v4's
# cmd/helm at the pinned version) into a cache outside the repository, once per version:
#
#   ${HOSTPOD_HELM_CACHE:-/var/cache/hostpod/helm}/v<version>/bin/helm
#
# Run again, it does nothing while the binary of the pinned version is there. Nothing it builds is
# committed. Prints the binary's path on its last line.
set -euo pipefail

HELM_VERSION="${HOSTPOD_HELM_VERSION:-4.3.2}"
CACHE="${HOSTPOD_HELM_CACHE:-/var/cache/hostpod/helm}"
OUT="$CACHE/v$HELM_VERSION"
BIN="$OUT/bin/helm"

if [ -x "$BIN" ] && [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "helm v$HELM_VERSION" ]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "build-helm: no go command: install Go 1.26 or newer" >&2; exit 1; }
major="${HELM_VERSION%%.*}"
mkdir -p "$OUT/bin" "$OUT/src"
export GOFLAGS="-mod=mod -buildvcs=false"
echo "build-helm: helm v$HELM_VERSION" >&2
printf 'module hostpod.local/helm-build\n\ngo 1.26\n\nrequire helm.sh/helm/v%s v%s\n' "$major" "$HELM_VERSION" > "$OUT/src/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v%s/cmd/helm"\n' "$major" > "$OUT/src/tools.go"
(
  cd "$OUT/src"
  go mod tidy
  # The version `helm version` reports, as Helm's Makefile stamps it.
  go build -trimpath -ldflags "-s -w -X helm.sh/helm/v$major/internal/version.version=v$HELM_VERSION" -o "$BIN" "helm.sh/helm/v$major/cmd/helm"
)
[ -x "$BIN" ] || { echo "build-helm: $BIN was not built" >&2; exit 1; }
echo "helm v$HELM_VERSION" > "$OUT/stamp"
echo "$BIN"
