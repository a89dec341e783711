/**
 * A kubeconfig user's credential plugin (`user.exec`), run as client-go runs it: the command with
 * its arguments and environment, `KUBERNETES_EXEC_INFO` describing the request, standard error
 * passed through, and an ExecCredential read from its standard output. Cloud clusters' kubeconfigs
 * (aws eks get-token, gke-gcloud-auth-plugin, kubelogin) authenticate this way.
 */
import { execFileSync } from 'node:child_process';
import { HostpodError } from '../../errors.js';

/** What a plugin gives: a bearer token, or a client certificate and key (PEM). */
export interface ExecCredential {
  token?: string;
  clientCert?: string;
  clientKey?: string;
}

interface ExecConfig {
  apiVersion?: string;
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
  installHint?: string;
  provideClusterInfo?: boolean;
}

/** A plugin may prompt (a browser sign-in, a code): give it time, but not forever. */
const PLUGIN_TIMEOUT_MS = 120_000;

/**
 * Runs the plugin of user `userName` and returns its credential.
 * @throws HostpodError ERR_HOSTPOD_KUBECONFIG naming the user, the command and what went wrong
 */
export function runExecPlugin(exec: Record<string, unknown>, userName: string, cluster: Record<string, unknown>): ExecCredential {
  const config = exec as ExecConfig;
  const command = config.command ?? '';
  const bad = (what: string, hint?: string, cause?: unknown): HostpodError => new HostpodError(
    'ERR_HOSTPOD_KUBECONFIG', `the credential plugin of user "${userName}" (${command || 'no command'}) ${what}`,
    { hint: hint ?? 'run the plugin by hand to see why, or use a kubeconfig with a token or client certificate', ...(cause === undefined ? {} : { cause }) },
  );
  if (command === '') throw bad('names no command');
  const apiVersion = config.apiVersion ?? 'client.authentication.k8s.io/v1';
  const interactive = config.interactiveMode !== 'Never' && process.stdin.isTTY === true;
  if (config.interactiveMode === 'Always' && !interactive) throw bad('needs a terminal (interactiveMode: Always), and standard input is not one');
  const info = {
    apiVersion, kind: 'ExecCredential',
    spec: { interactive, ...(config.provideClusterInfo ? { cluster: clusterInfo(cluster) } : {}) },
  };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const e of config.env ?? []) env[e.name] = e.value;
  let output: string;
  try {
    output = execFileSync(command, config.args ?? [], {
      env, encoding: 'utf8', timeout: PLUGIN_TIMEOUT_MS, maxBuffer: 1 << 20,
      stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'inherit'],
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { status?: number | null; signal?: string | null };
    if (e.code === 'ENOENT') throw bad('is not installed (not found on PATH)', config.installHint?.trim() || undefined, error);
    if (e.code === 'ETIMEDOUT' || e.signal === 'SIGTERM') throw bad(`did not finish within ${PLUGIN_TIMEOUT_MS / 1000} s`, undefined, error);
    throw bad(`failed (exit status ${e.status ?? e.signal ?? '?'})`, undefined, error);
  }
  let status: Record<string, unknown> | undefined;
  try {
    status = (JSON.parse(output) as { status?: Record<string, unknown> }).status;
  } catch (error) {
    throw bad('printed no ExecCredential JSON', undefined, error);
  }
  const credential: ExecCredential = {};
  if (typeof status?.['token'] === 'string' && status['token'] !== '') credential.token = status['token'];
  if (typeof status?.['clientCertificateData'] === 'string' && typeof status['clientKeyData'] === 'string') {
    credential.clientCert = status['clientCertificateData'];
    credential.clientKey = status['clientKeyData'];
  }
  if (!credential.token && !credential.clientCert) throw bad('printed an ExecCredential without status.token or status.clientCertificateData and clientKeyData');
  return credential;
}

/** The cluster as `spec.cluster` describes it to a plugin that asks (provideClusterInfo). */
function clusterInfo(cluster: Record<string, unknown>): Record<string, unknown> {
  const extensions = Array.isArray(cluster['extensions']) ? cluster['extensions'] as { name?: string; extension?: unknown }[] : [];
  const config = extensions.find((e) => e.name === 'client.authentication.k8s.io/exec')?.extension;
  return {
    server: cluster['server'],
    ...(typeof cluster['tls-server-name'] === 'string' ? { 'tls-server-name': cluster['tls-server-name'] } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { 'insecure-skip-tls-verify': true } : {}),
    ...(typeof cluster['certificate-authority-data'] === 'string' ? { 'certificate-authority-data': cluster['certificate-authority-data'] } : {}),
    ...(config === undefined ? {} : { config }),
  };
}
