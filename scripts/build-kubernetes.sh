#!/usr/bin/env bash
# Builds the real Kubernetes control plane the tests use as their peer and oracle, from the Go
# module proxy: kube-apiserver, kube-controller-manager and kube-scheduler from k8s.io/kubernetes,
# and etcd from go.etcd.io/etcd/server/v3, at the pinned versions below. The binaries go to a
# cache outside the repository, once per version:
#
#   ${HOSTPOD_KUBE_CACHE:-/var/cache/hostpod/kubernetes}/v<version>/bin/
#
# Run again, it does nothing while the binaries of the pinned versions are there. Nothing it builds
# is committed. Prints the directory of the binaries on its last line.
set -euo pipefail

KUBERNETES_VERSION="${HOSTPOD_KUBERNETES_VERSION:-1.36.3}"
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
minor="${KUBERNETES_VERSION#*.}"; minor="${minor%%.*}"

# k8s.io/kubernetes replaces its k8s.io/* staging modules with local paths, so the module that
# builds it restates each of them at the same release (v0.<minor>.<patch>).
echo "build-kubernetes: kubernetes v$KUBERNETES_VERSION" >&2
kubernetes_mod="$(cd "$OUT/src/kubernetes" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
[ -f "$kubernetes_mod" ] || { echo "build-kubernetes: the Go module proxy did not serve k8s.io/kubernetes@v$KUBERNETES_VERSION" >&2; exit 1; }
{
  printf 'module hostpod.local/kubernetes-build\n\ngo 1.26\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$KUBERNETES_VERSION"
  awk '/=> \.\/staging\// { print $1 }' "$kubernetes_mod" | while read -r module; do
    printf '\t%s => %s v0.%s\n' "$module" "$module" "${KUBERNETES_VERSION#*.}"
  done
  printf ')\n'
} > "$OUT/src/kubernetes/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport (\n' > "$OUT/src/kubernetes/tools.go"
for c in "${COMPONENTS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c" >> "$OUT/src/kubernetes/tools.go"; done
printf ')\n' >> "$OUT/src/kubernetes/tools.go"

# The version the binaries report, as Kubernetes' own build (hack/lib/version.sh) stamps it.
version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  version_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
(
  cd "$OUT/src/kubernetes"
  go mod tidy
  packages=()
  for c in "${COMPONENTS[@]}"; do packages+=("k8s.io/kubernetes/cmd/$c"); done
  go build -trimpath -ldflags "-s -w$version_flags" -o "$BIN/" "${packages[@]}"
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
