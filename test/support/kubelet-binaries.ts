/**
 * What a real kubelet node needs (kubelet-node.ts): the kubelet and the pod sandbox's pause as
 * `scripts/build-kubelet.sh` builds them into a cache outside the repository, and Debian's
 * containerd, runc and busybox-static (the workload image's only program). Outside CI a test that
 * needs them skips and says how to get them; in CI they must be there (.ci/run installs and builds
 * them first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNETES_VERSION } from './kube-binaries.js';
import { inCi } from './runtime.js';

const CACHE = process.env['HOSTPOD_KUBELET_CACHE'] ?? '/var/cache/hostpod/kubelet';

/** Where build-kubelet.sh puts the kubelet and pause of the pinned release. */
export function kubeletBinDir(): string {
  return join(CACHE, `v${KUBERNETES_VERSION}`, 'bin');
}

/** The node-side programs from Debian, by the path the packages install them at. */
export const RUNTIME_PROGRAMS = {
  containerd: '/usr/bin/containerd',
  shim: '/usr/bin/containerd-shim-runc-v2',
  ctr: '/usr/bin/ctr',
  runc: '/usr/sbin/runc',
  busybox: '/usr/bin/busybox',
} as const;

/** Why a real kubelet node cannot run here, or false. Under CI=true anything missing is an error. */
export function kubeletNodeSkip(): string | false {
  const missing: string[] = [];
  for (const program of ['kubelet', 'pause']) {
    if (!existsSync(join(kubeletBinDir(), program))) missing.push(`${program} (run scripts/build-kubelet.sh)`);
  }
  for (const [, path] of Object.entries(RUNTIME_PROGRAMS)) {
    if (!existsSync(path)) missing.push(`${path} (apt-get install containerd runc busybox-static)`);
  }
  if (missing.length === 0 && process.getuid?.() === 0) return false;
  const why = missing.length > 0 ? `a real kubelet node needs ${missing.join(', ')}` : 'a real kubelet node runs containers: needs root';
  if (inCi()) throw new Error(`${why} (CI must have them: .ci/run installs and builds them)`);
  return why;
}

/** What the kubelet and containerd say their versions are, one line each. */
export function kubeletNodeVersions(): string {
  const first = (program: string, args: string[]): string => execFileSync(program, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  return [
    `kubelet: ${first(join(kubeletBinDir(), 'kubelet'), ['--version'])}`,
    `containerd: ${first(RUNTIME_PROGRAMS.containerd, ['--version'])}`,
    `runc: ${first(RUNTIME_PROGRAMS.runc, ['--version'])}`,
  ].join('\n');
}
