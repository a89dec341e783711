/**
 * The real Helm the tests drive, built from the Go module proxy by scripts/build-helm.sh into a
 * cache outside the repository. CI builds it (.ci/run); elsewhere a test without it skips.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const HELM_VERSION = process.env['HOSTPOD_HELM_VERSION'] ?? '4.3.2';

/** Where scripts/build-helm.sh puts the binary. */
export function helmBinary(): string {
  return join(process.env['HOSTPOD_HELM_CACHE'] ?? '/var/cache/hostpod/helm', `v${HELM_VERSION}`, 'bin', 'helm');
}

/** Why a test that needs Helm cannot run here; in CI a missing Helm is an error. */
export function helmSkip(): string | false {
  if (existsSync(helmBinary())) return false;
  const why = `helm ${HELM_VERSION} is not built at ${helmBinary()}: run scripts/build-helm.sh`;
  if (process.env['CI'] === 'true') throw new Error(`${why} (CI must build it: .ci/run runs the script)`);
  return why;
}

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with its own cache and configuration directories under `home`, against `kubeconfig`. */
export function helm(home: string, kubeconfig: string, args: readonly string[]): Promise<HelmRun> {
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: kubeconfig,
  };
  return new Promise((resolve) => {
    execFile(helmBinary(), [...args], { env, encoding: 'utf8', timeout: 180_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
