#!/usr/bin/env bash
# Builds the real kubelet, the peer a hostpod node is compared with (test/support/kubelet-node.ts,
# bench/node-vs-kubelet.ts), from k8s.io/kubernetes on the Go module proxy at the release
# build-kubernetes.sh pins (scripts/lib/kubernetes-module.sh), and the pod sandbox's pause
# program from the same release's build/pause/linux/pause.c (static, so the sandbox image needs
# nothing else: the machine pulls no image). The binaries go to a cache outside the repository,
# once per version:
#
#   ${HOSTPOD_KUBELET_CACHE:-/var/cache/hostpod/kubelet}/v<version>/bin/{kubelet,pause}
#
# Run again, it does nothing while the binaries of the pinned version are there. Nothing it builds is
# committed. Prints the directory of the binaries on its last line.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/kubernetes-module.sh"

CACHE="${HOSTPOD_KUBELET_CACHE:-/var/cache/hostpod/kubelet}"
OUT="$CACHE/v$KUBERNETES_VERSION"
BIN="$OUT/bin"

if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "kubelet v$KUBERNETES_VERSION" ] && [ -x "$BIN/kubelet" ] && [ -x "$BIN/pause" ]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "build-kubelet: no go command: install Go 1.26 or newer" >&2; exit 1; }
command -v gcc >/dev/null || { echo "build-kubelet: no gcc: install gcc and libc6-dev (pause is built static)" >&2; exit 1; }
mkdir -p "$BIN"
export GOFLAGS="-mod=mod -buildvcs=false"

echo "build-kubelet: kubelet v$KUBERNETES_VERSION" >&2
kubernetes_build_module "$OUT/src" kubelet
(
  cd "$OUT/src"
  go mod tidy
  go build -trimpath -ldflags "-s -w$(kubernetes_version_flags)" -o "$BIN/kubelet" k8s.io/kubernetes/cmd/kubelet
)

echo "build-kubelet: pause (kubernetes v$KUBERNETES_VERSION build/pause)" >&2
kubernetes_dir="$(cd "$OUT/src" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)"
pause_version="$(sed -n 's/^TAG ?= //p' "$kubernetes_dir/build/pause/Makefile")"
gcc -Os -Wall -Werror -static -DVERSION="v${pause_version:-unknown}" -o "$BIN/pause" "$kubernetes_dir/build/pause/linux/pause.c"
[ -x "$BIN/kubelet" ] || { echo "build-kubelet: $BIN/kubelet was not built" >&2; exit 1; }
echo "kubelet v$KUBERNETES_VERSION" > "$OUT/stamp"
echo "$BIN"
