#!/usr/bin/env bash
# Builds the real Kubernetes control plane the tests use as their peer and oracle, from the Go
# module proxy: kube-apiserver, kube-controller-manager and kube-scheduler from k8s.io/kubernetes
# (at the release lib/kubernetes-module.sh pins, shared with build-kubelet.sh),
# and etcd from go.etcd.io/etcd/server/v3, at the pinned versions below. The binaries go to a
# cache outside the repository, once per version:
#
#   ${HOSTPOD_KUBE_CACHE:-/var/cache/hostpod/kubernetes}/v<version>/bin/
#
# Run again, it does nothing while the binaries of the pinned versions are there. Nothing it builds
# is committed. Prints the directory of the binaries on its last line.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/kubernetes-module.sh"

ETCD_VERSION="${HOSTPOD_ETCD_VERSION:-3.6.8}"
CACHE="${HOSTPOD_KUBE_CACHE:-/var/cache/hostpod/kubernetes}"
OUT="$CACHE/v$KUBERNETES_VERSION-etcd$ETCD_VERSION"
BIN="$OUT/bin"
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler)

if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "kubernetes v$KUBERNETES_VERSION etcd v$ETCD_VERSION" ]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "build-kubernetes: no go command: install Go 1.26 or newer" >&2; exit 1; }
mkdir -p "$BIN" "$OUT/src/kubernetes" "$OUT/src/etcd"
export GOFLAGS="-mod=mod -buildvcs=false"

echo "build-kubernetes: kubernetes v$KUBERNETES_VERSION" >&2
kubernetes_build_module "$OUT/src/kubernetes" "${COMPONENTS[@]}"
(
  cd "$OUT/src/kubernetes"
  go mod tidy
  packages=()
  for c in "${COMPONENTS[@]}"; do packages+=("k8s.io/kubernetes/cmd/$c"); done
  go build -trimpath -ldflags "-s -w$(kubernetes_version_flags)" -o "$BIN/" "${packages[@]}"
)

echo "build-kubernetes: etcd v$ETCD_VERSION" >&2
printf 'module hostpod.local/etcd-build\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$ETCD_VERSION" > "$OUT/src/etcd/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$OUT/src/etcd/tools.go"
(
  cd "$OUT/src/etcd"
  go mod tidy
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
)

for c in "${COMPONENTS[@]}" etcd; do [ -x "$BIN/$c" ] || { echo "build-kubernetes: $BIN/$c was not built" >&2; exit 1; }; done
echo "kubernetes v$KUBERNETES_VERSION etcd v$ETCD_VERSION" > "$OUT/stamp"
echo "$BIN"
