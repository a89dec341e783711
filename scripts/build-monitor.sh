#!/bin/sh
# Compiles the container monitor (src/runtime/monitor/hostpod-monitor.c) next to the bundled
# JavaScript: dist/runtime/monitor/hostpod-monitor. `npm run build` runs it.
#
# Statically against musl when musl-gcc is there (Debian: apt-get install musl-tools). The node
# agent starts one monitor per container, and on a virtual machine a dynamically linked program
# spends most of its start in the dynamic loader and in glibc asking the CPU for its cache sizes
# (CPUID, which traps to the hypervisor): a start and exit of the monitor took 0.95 ms linked
# against glibc and 0.22 ms static against musl on the development machine (docs/speed.md). The
# monitor asks no name service (it gets uids and gids as numbers), so musl's lack of NSS does not
# matter to it. Without musl-gcc it is built against the system's C library, which works the same,
# only slower to start.
set -eu
cd "$(dirname "$0")/.."
src=src/runtime/monitor/hostpod-monitor.c
out=dist/runtime/monitor/hostpod-monitor
mkdir -p dist/runtime/monitor
# Built beside the old binary, then renamed over it: a monitor running from the old one keeps it.
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
if command -v musl-gcc >/dev/null 2>&1 && musl-gcc -static -O2 -Wall -Wextra -Werror -o "$tmp" "$src"; then
  :
elif command -v cc >/dev/null 2>&1; then
  if command -v musl-gcc >/dev/null 2>&1; then
    echo 'hostpod: musl-gcc failed (above): the container monitor is linked against the system C library instead, which makes each container start slower' >&2
  else
    echo 'hostpod: musl-gcc is not installed: the container monitor is linked against the system C library, which makes each container start slower (apt-get install musl-tools, then npm run build)' >&2
  fi
  cc -O2 -Wall -Wextra -Werror -o "$tmp" "$src"
else
  echo 'hostpod: no C compiler: the container monitor is not built (apt-get install gcc libc6-dev musl-tools, then npm run build)' >&2
  exit 0
fi
mv -f "$tmp" "$out"
