/** What `/version` reports: the Kubernetes API version hostpod serves, and hostpod's own. */
import { createRequire } from 'node:module';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** The Kubernetes minor version whose API hostpod serves (kubectl warns beyond ±1 minor of it). */
export const KUBERNETES_MINOR = 30;

export function versionInfo(): VersionInfo {
  const require = createRequire(import.meta.url);
  const { version } = require('../../../package.json') as { version: string };
  return {
    major: '1',
    minor: String(KUBERNETES_MINOR),
    gitVersion: `v1.${KUBERNETES_MINOR}.0+hostpod-${version}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '',
    goVersion: `node${process.versions.node}`,
    compiler: 'hostpod',
    platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
