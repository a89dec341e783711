/**
 * hostpod's version, from its package.json (the CLI's --version, nodeInfo, /version), and the
 * Kubernetes version it reports: `/version` of `hostpod up` and the node's kubeletVersion.
 */
// Imported, not read at run time: the bundle carries the version (and the CLI starts without a file lookup).
import manifest from '../package.json' with { type: 'json' };

export const HOSTPOD_VERSION: string = manifest.version;

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
  return {
    major: '1',
    minor: String(KUBERNETES_MINOR),
    gitVersion: `v1.${KUBERNETES_MINOR}.0+hostpod-${HOSTPOD_VERSION}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '',
    goVersion: `node${process.versions.node}`,
    compiler: 'hostpod',
    platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
