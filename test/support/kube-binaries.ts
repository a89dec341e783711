/**
 * The real Kubernetes components the tests run beside hostpod, as `scripts/build-kubernetes.sh`
 * builds them into a cache outside the repository. Outside CI, tests that need them skip and say
 * how to build them; in CI they must be there (.ci/run builds them first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inCi } from './runtime.js';

export const KUBERNETES_VERSION = process.env['HOSTPOD_KUBERNETES_VERSION'] ?? '1.36.3';
export const ETCD_VERSION = process.env['HOSTPOD_ETCD_VERSION'] ?? '3.6.8';
const CACHE = process.env['HOSTPOD_KUBE_CACHE'] ?? '/var/cache/hostpod/kubernetes';

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';
const COMPONENTS: Component[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/** Where the binaries of the pinned versions are. */
export function kubeBinDir(): string {
  return join(CACHE, `v${KUBERNETES_VERSION}-etcd${ETCD_VERSION}`, 'bin');
}

export function kubeBinary(component: Component): string {
  return join(kubeBinDir(), component);
}

/** Why the real control plane cannot run here, or false. Under CI=true a missing binary is an error. */
export function realClusterSkip(): string | false {
  const missing = COMPONENTS.filter((c) => !existsSync(kubeBinary(c)));
  if (missing.length === 0) return false;
  const why = `${missing.join(', ')} not built in ${kubeBinDir()}: run scripts/build-kubernetes.sh`;
  if (inCi()) throw new Error(`${why} (CI must build them: .ci/run runs the script)`);
  return why;
}

/** What each component says its version is, one line each: printed by the tests that use them. */
export function componentVersions(): string {
  return COMPONENTS.map((c) => {
    const out = execFileSync(kubeBinary(c), ['--version'], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
    return `${c}: ${out}`;
  }).join('\n');
}
