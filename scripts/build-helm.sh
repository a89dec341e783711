#!/usr/bin/env bash
# Builds Helm, the tests' real package manager, from the Go module proxy (helm.sh/helm/v4's
# cmd/helm at the pinned version) into a cache outside the repository, once per version:
#
#   ${HOSTPOD_HELM_CACHE:-/var/cache/hostpod/helm}/v<version>/bin/helm
#
# Run again, it does nothing while the binary of the pinned version is there. Nothing it builds is
# committed. Prints the binary's path on its last line.
set -euo pipefail
source "$(dirname "$0")/lib/go-tool.sh"

HELM_VERSION="${HOSTPOD_HELM_VERSION:-4.3.2}"
CACHE="${HOSTPOD_HELM_CACHE:-/var/cache/hostpod/helm}"
major="${HELM_VERSION%%.*}"
# The version `helm version` reports, as Helm's Makefile stamps it.
build_go_tool helm "$HELM_VERSION" "$CACHE/v$HELM_VERSION" "helm.sh/helm/v$major v$HELM_VERSION" "helm.sh/helm/v$major/cmd/helm" \
  "-X helm.sh/helm/v$major/internal/version.version=v$HELM_VERSION"
