#!/usr/bin/env bash
# Builds the real kubelet, the peer a hostpod node is compared with (test/support/kubelet-node.ts,
# bench/node-vs-kubelet.ts), from k8s.io/kubernetes on the Go module proxy at the release
# build-kubernetes.sh pins (scripts/lib/kubernetes-module.sh). The binary goes to a cache outside
# the repository, once per version:
#
#   ${HOSTPOD_KUBELET_CACHE:-/var/cache/hostpod/kubelet}/v<version>/bin/kubelet
#
# Run again, it does nothing while the binary of the pinned version is there. Nothing it builds is
# committed. Prints the directory of the binary on its last line.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/kubernetes-module.sh"

CACHE="${HOSTPOD_KUBELET_CACHE:-/var/cache/hostpod/kubelet}"
OUT="$CACHE/v$KUBERNETES_VERSION"
BIN="$OUT/bin"

if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "kubelet v$KUBERNETES_VERSION" ] && [ -x "$BIN/kubelet" ]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "build-kubelet: no go command: install Go 1.26 or newer" >&2; exit 1; }
mkdir -p "$BIN"
export GOFLAGS="-mod=mod -buildvcs=false"

echo "build-kubelet: kubelet v$KUBERNETES_VERSION" >&2
kubernetes_build_module "$OUT/src" kubelet
(
  cd "$OUT/src"
  go mod tidy
  go build -trimpath -ldflags "-s -w$(kubernetes_version_flags)" -o "$BIN/kubelet" k8s.io/kubernetes/cmd/kubelet
)
[ -x "$BIN/kubelet" ] || { echo "build-kubelet: $BIN/kubelet was not built" >&2; exit 1; }
echo "kubelet v$KUBERNETES_VERSION" > "$OUT/stamp"
echo "$BIN"
