/**
 * Where the API server is and how to authenticate to it: from a kubeconfig file (its current
 * context, or a named one), or from inside a pod (the service-account token and
 * `KUBERNETES_SERVICE_HOST`/`PORT`), as client-go loads them.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { HostpodError } from '../../errors.js';
import { runExecPlugin } from './exec-credential.js';

export interface ClusterConnection {
  /** `https://host:port`, without a trailing slash. */
  server: string;
  /** PEM CA bundle; undefined means the system's. */
  ca?: string;
  insecureSkipTlsVerify: boolean;
  /** A bearer token, read again from its file on each use when it came from one (tokens rotate). */
  token?: () => string;
  /** PEM client certificate and key. */
  clientCert?: string;
  clientKey?: string;
}

/** A kubeconfig file's contents, as far as hostpod reads them. */
export interface KubeconfigFile {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster?: string; user?: string; namespace?: string } }[];
  'current-context'?: string;
}

/** A context's connection and default namespace. */
export interface KubeconfigContext {
  /** The context's name. */
  name: string;
  connection: ClusterConnection;
  /** The context's namespace, when it sets one. */
  namespace?: string;
}

/**
 * Reads a kubeconfig file.
 * @throws HostpodError naming the file and what is missing in it
 */
export function loadKubeconfig(path: string, contextName?: string): ClusterConnection {
  return kubeconfigContext(readKubeconfigFile(path), path, contextName).connection;
}

/**
 * Parses a kubeconfig file, its relative file paths made absolute (they are relative to the file,
 * as kubectl reads them), so that files can be merged.
 * @throws HostpodError ERR_HOSTPOD_KUBECONFIG when it cannot be read or is not YAML
 */
export function readKubeconfigFile(path: string): KubeconfigFile {
  let config: KubeconfigFile;
  try {
    config = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_KUBECONFIG', `cannot read kubeconfig ${path}: ${(error as Error).message}`, { hint: 'pass a kubeconfig file that kubectl can use, with --kubeconfig FILE', cause: error });
  }
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new HostpodError('ERR_HOSTPOD_KUBECONFIG', `kubeconfig ${path} is not a kubeconfig (a YAML map of clusters, users and contexts)`, { hint: 'pass a kubeconfig file that kubectl can use, with --kubeconfig FILE' });
  }
  const base = dirname(path);
  const absolute = (section: Record<string, unknown> | undefined, keys: readonly string[]): void => {
    for (const key of keys) {
      const value = section?.[key];
      if (section && typeof value === 'string' && value !== '') section[key] = resolvePath(value, base);
    }
  };
  for (const c of config.clusters ?? []) absolute(c?.cluster, ['certificate-authority']);
  for (const u of config.users ?? []) {
    absolute(u?.user, ['client-certificate', 'client-key', 'tokenFile']);
    // A plugin's command is a path relative to the file only when it has a slash; else it is looked up on PATH.
    const exec = u?.user?.['exec'] as Record<string, unknown> | undefined;
    if (typeof exec?.['command'] === 'string' && exec['command'].includes('/')) absolute(exec, ['command']);
  }
  return config;
}

/**
 * The connection of a context (`contextName`, else the current one) of a kubeconfig whose file
 * paths are absolute (readKubeconfigFile); `source` names the file or files in messages. With
 * `exec`, a user's credential plugin is run (once, now) when it has no token or certificate.
 * @throws HostpodError ERR_HOSTPOD_KUBECONFIG naming what is missing
 */
export function kubeconfigContext(config: KubeconfigFile, source: string, contextName?: string, options: { exec?: boolean } = {}): KubeconfigContext {
  const bad = (what: string): HostpodError => new HostpodError('ERR_HOSTPOD_KUBECONFIG', `kubeconfig ${source}: ${what}`, { hint: 'check it with kubectl --kubeconfig FILE config view' });
  const name = contextName ?? config['current-context'];
  if (!name) throw bad('no current-context is set and no context was named');
  const context = config.contexts?.find((c) => c.name === name)?.context;
  if (!context) {
    const known = (config.contexts ?? []).map((c) => `"${c.name}"`).join(', ');
    throw new HostpodError('ERR_HOSTPOD_KUBECONFIG', `kubeconfig ${source}: context "${name}" is not defined`, {
      hint: known ? `it defines ${known}: name one with --context, or check it with kubectl config view` : 'it defines no context: check it with kubectl --kubeconfig FILE config view',
    });
  }
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw bad(`cluster "${context.cluster ?? ''}" of context "${name}" is not defined`);
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  const server = (typeof cluster['server'] === 'string' ? cluster['server'] : '').replace(/\/+$/, '');
  if (!server.startsWith('https://')) throw bad(`cluster "${context.cluster ?? ''}" has no https server URL (server: "${server}")`);

  const connection: ClusterConnection = { server, insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true };
  const ca = dataOrFile(cluster, 'certificate-authority', (what) => bad(`cluster "${context.cluster ?? ''}": ${what}`));
  if (ca) connection.ca = ca;
  const userBad = (what: string): HostpodError => bad(`user "${context.user ?? ''}": ${what}`);
  const cert = dataOrFile(user, 'client-certificate', userBad);
  const key = dataOrFile(user, 'client-key', userBad);
  if (cert && key) {
    connection.clientCert = cert;
    connection.clientKey = key;
  }
  if (typeof user['token'] === 'string' && user['token'] !== '') {
    const token = user['token'];
    connection.token = () => token;
  } else if (typeof user['tokenFile'] === 'string') {
    const file = user['tokenFile'];
    connection.token = () => readFileSync(file, 'utf8').trim();
  }
  const exec = user['exec'];
  if (!connection.token && !connection.clientCert && options.exec && typeof exec === 'object' && exec !== null) {
    const credential = runExecPlugin(exec as Record<string, unknown>, context.user ?? '', cluster);
    if (credential.token !== undefined) {
      const token = credential.token;
      connection.token = () => token;
    }
    if (credential.clientCert !== undefined && credential.clientKey !== undefined) {
      connection.clientCert = credential.clientCert;
      connection.clientKey = credential.clientKey;
    }
  }
  if (!connection.token && !connection.clientCert) {
    const plugins = options.exec ? 'hostpod does not run auth-provider plugins' : 'hostpod does not run exec or auth-provider plugins here';
    throw bad(`user "${context.user ?? ''}" has neither a token nor a client certificate and key (${plugins})`);
  }
  return {
    name, connection,
    ...(typeof context.namespace === 'string' && context.namespace !== '' ? { namespace: context.namespace } : {}),
  };
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster connection of a pod: undefined outside one. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): ClusterConnection | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) return undefined;
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(`${dir}/ca.crt`, 'utf8'),
    insecureSkipTlsVerify: false,
    token: () => readFileSync(`${dir}/token`, 'utf8').trim(),
  };
}

function dataOrFile(section: Record<string, unknown>, key: string, bad: (what: string) => HostpodError): string | undefined {
  const data = section[`${key}-data`];
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64').toString('utf8');
  const file = section[key];
  if (typeof file !== 'string' || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw bad(`cannot read its ${key} ${file}: ${(error as Error).message}`);
  }
}

/** Relative paths in a kubeconfig are relative to the file, as kubectl reads them. */
function resolvePath(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
