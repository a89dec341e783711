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
source "$(dirname "$0")/lib/go-tool.sh"

MS_VERSION="${HOSTPOD_METRICS_SERVER_VERSION:-0.8.0}"
CACHE="${HOSTPOD_METRICS_SERVER_CACHE:-/var/cache/hostpod/metrics-server}"
# The version `metrics-server --version` reports, as metrics-server's Makefile stamps it.
build_go_tool metrics-server "$MS_VERSION" "$CACHE/v$MS_VERSION" "sigs.k8s.io/metrics-server v$MS_VERSION" sigs.k8s.io/metrics-server/cmd/metrics-server \
  "-X k8s.io/client-go/pkg/version.gitVersion=v$MS_VERSION -X k8s.io/component-base/version.gitVersion=v$MS_VERSION"
