# Sourced by the scripts that build Kubernetes components from k8s.io/kubernetes (build-kubernetes.sh,
# build-kubelet.sh): the pinned release, and the Go module that builds it.

KUBERNETES_VERSION="${HOSTPOD_KUBERNETES_VERSION:-1.36.3}"
KUBERNETES_MINOR="${KUBERNETES_VERSION#*.}"; KUBERNETES_MINOR="${KUBERNETES_MINOR%%.*}"

# kubernetes_build_module DIR COMPONENT...: writes, in DIR, a Go module that requires
# k8s.io/kubernetes at the pinned release and imports cmd/COMPONENT for each component.
# k8s.io/kubernetes replaces its k8s.io/* staging modules with local paths, so the module that
# builds it restates each of them at the same release (v0.<minor>.<patch>).
kubernetes_build_module() {
  local dir="$1"; shift
  local kubernetes_mod
  mkdir -p "$dir"
  kubernetes_mod="$(cd "$dir" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
  [ -f "$kubernetes_mod" ] || { echo "the Go module proxy did not serve k8s.io/kubernetes@v$KUBERNETES_VERSION" >&2; return 1; }
  {
    printf 'module hostpod.local/kubernetes-build\n\ngo 1.26\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$KUBERNETES_VERSION"
    awk '/=> \.\/staging\// { print $1 }' "$kubernetes_mod" | while read -r module; do
      printf '\t%s => %s v0.%s\n' "$module" "$module" "${KUBERNETES_VERSION#*.}"
    done
    printf ')\n'
  } > "$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport (\n' > "$dir/tools.go"
  local c
  for c in "$@"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c" >> "$dir/tools.go"; done
  printf ')\n' >> "$dir/tools.go"
}

# The -ldflags -X flags that stamp the version the binaries report, as Kubernetes' own build
# (hack/lib/version.sh) stamps it.
kubernetes_version_flags() {
  local pkg flags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$KUBERNETES_MINOR"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "$flags"
}
