/**
 * Which cluster a command talks to, found as kubectl finds it: `--kubeconfig FILE`, else the
 * files of `$KUBECONFIG` merged, else `~/.kube/config`, else the pod's own service account; then
 * `--context`, else the current context; and that context's namespace. A user's credential plugin
 * (`exec`) is run, as kubectl runs it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { HostpodError } from '../../errors.js';
import {
  inClusterConnection, kubeconfigContext, readKubeconfigFile,
  type ClusterConnection, type KubeconfigFile,
} from './kubeconfig.js';

export interface KubeconfigSelection {
  /** `--kubeconfig`: this file only. */
  kubeconfig?: string;
  /** `--context`: this context instead of the current one. */
  context?: string;
}

/** The cluster a command talks to. */
export interface SelectedCluster {
  connection: ClusterConnection;
  /** The context's namespace, else `default`: where objects without one go. */
  namespace: string;
  /** The context's name, or `in-cluster`. */
  context: string;
  /** Where it came from, for messages: the kubeconfig file(s), or the service account. */
  source: string;
}

const NO_KUBECONFIG_HINT = 'pass --kubeconfig FILE, set KUBECONFIG, or write ~/.kube/config (for hostpod up\'s cluster: sudo hostpod kubeconfig > ~/.kube/config)';

/**
 * Finds the cluster, as kubectl would.
 * @throws HostpodError ERR_HOSTPOD_KUBECONFIG when there is no kubeconfig, or it or the context is unusable
 */
export function selectCluster(selection: KubeconfigSelection, env: NodeJS.ProcessEnv = process.env, home = homedir()): SelectedCluster {
  const files = kubeconfigFiles(selection, env, home);
  if (files.length === 0) {
    // client-go's deferred loading: with no kubeconfig at all, a pod uses its service account.
    const inCluster = selection.context === undefined ? inClusterConnection(env) : undefined;
    if (inCluster) {
      return { connection: inCluster, namespace: serviceAccountNamespace() ?? 'default', context: 'in-cluster', source: 'the pod\'s service account' };
    }
    const looked = env['KUBECONFIG'] ? `none of the files of KUBECONFIG (${env['KUBECONFIG']}) exists` : `${join(home, '.kube', 'config')} does not exist and KUBECONFIG is not set`;
    throw new HostpodError('ERR_HOSTPOD_KUBECONFIG', `no kubeconfig: ${looked}`, { hint: NO_KUBECONFIG_HINT });
  }
  const source = files.join(delimiter);
  const context = kubeconfigContext(merge(files.map(readKubeconfigFile)), source, selection.context, { exec: true });
  return { connection: context.connection, namespace: context.namespace ?? 'default', context: context.name, source };
}

/** The kubeconfig files to read, in order of precedence. */
function kubeconfigFiles(selection: KubeconfigSelection, env: NodeJS.ProcessEnv, home: string): string[] {
  if (selection.kubeconfig !== undefined) {
    if (!existsSync(selection.kubeconfig)) {
      throw new HostpodError('ERR_HOSTPOD_KUBECONFIG', `--kubeconfig ${selection.kubeconfig}: no such file`, { hint: NO_KUBECONFIG_HINT });
    }
    return [selection.kubeconfig];
  }
  const listed = env['KUBECONFIG'];
  if (listed) {
    // As kubectl: files that do not exist are skipped, and each file counts once.
    return [...new Set(listed.split(delimiter).filter((f) => f !== ''))].filter((f) => existsSync(f));
  }
  const homeConfig = join(home, '.kube', 'config');
  return existsSync(homeConfig) ? [homeConfig] : [];
}

/**
 * client-go's merge of several kubeconfigs: the first file to define a cluster, user or context
 * of a name, and the first to set current-context, wins.
 */
function merge(configs: readonly KubeconfigFile[]): KubeconfigFile {
  const merged: Required<KubeconfigFile> = { clusters: [], users: [], contexts: [], 'current-context': '' };
  for (const config of configs) {
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      const entries = Array.isArray(config[key]) ? config[key] : [];
      const into = merged[key] as { name: string }[];
      for (const entry of entries as { name: string }[]) {
        if (typeof entry?.name === 'string' && !into.some((e) => e.name === entry.name)) into.push(entry);
      }
    }
    if (merged['current-context'] === '' && typeof config['current-context'] === 'string') merged['current-context'] = config['current-context'];
  }
  return merged;
}

function serviceAccountNamespace(): string | undefined {
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
