# Sourced by the build scripts of the tests' Go-built peers (Helm, metrics-server): builds one
# command of one Go module from the Go module proxy into a cache outside the repository, once per
# version, and prints the binary's path on its last line.
#
#   build_go_tool NAME VERSION OUT REQUIRE PACKAGE LDFLAGS
#
# NAME names the tool in messages and in the stamp ("NAME vVERSION") that marks a finished build;
# OUT is the version's cache directory (the binary goes to OUT/bin/NAME); REQUIRE is the module
# requirement ("helm.sh/helm/v4 v4.3.2"); PACKAGE the command's import path; LDFLAGS the version
# stamping its own build does. Run again with the stamp there, it does nothing.
build_go_tool() {
  local name="$1" version="$2" out="$3" require="$4" package="$5" ldflags="$6"
  local bin="$out/bin/$name"
  if [ -x "$bin" ] && [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$name v$version" ]; then
    echo "$bin"
    return 0
  fi
  command -v go >/dev/null || { echo "build-$name: no go command: install Go 1.26 or newer" >&2; return 1; }
  mkdir -p "$out/bin" "$out/src"
  export GOFLAGS="-mod=mod -buildvcs=false"
  echo "build-$name: $name v$version" >&2
  printf 'module hostpod.local/%s-build\n\ngo 1.26\n\nrequire %s\n' "$name" "$require" > "$out/src/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$package" > "$out/src/tools.go"
  (
    cd "$out/src"
    go mod tidy
    go build -trimpath -ldflags "-s -w $ldflags" -o "$bin" "$package"
  )
  [ -x "$bin" ] || { echo "build-$name: $bin was not built" >&2; return 1; }
  echo "$name v$version" > "$out/stamp"
  echo "$bin"
}
