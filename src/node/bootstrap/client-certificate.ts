/**
 * The node's client certificate, as the kubelet keeps it: `--kubeconfig` names the node's own
 * credentials; when it does not exist yet, or its certificate has expired, `--bootstrap-kubeconfig`
 * (a bootstrap token) is used to file a client CSR, and the signed certificate is written beside
 * the agent's data (`<data-dir>/pki/node-client.{crt,key}`) with a kubeconfig that names it.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { writeSecret } from '../../pki.js';
import { HostpodError } from '../../errors.js';
import { KubeClient } from '../kube-client/client.js';
import { loadKubeconfig, type ClusterConnection } from '../kube-client/kubeconfig.js';
import { CLIENT_SIGNER, requestCertificate } from './certificate-request.js';

export const NODES_GROUP = 'system:nodes';

export interface ClientCertificateOptions {
  nodeName: string;
  /** The node's kubeconfig: read when it holds a valid certificate, written after a bootstrap. */
  kubeconfig: string;
  /** The kubeconfig context to use (default: its current context). */
  context?: string;
  /** The bootstrap kubeconfig (a bootstrap token), used when the node has no valid certificate. */
  bootstrapKubeconfig?: string;
  /** Where the certificate and key are written. */
  certDir: string;
  /** How long to wait for the CSR's approval (the kubelet waits as long as it takes). */
  approvalTimeoutMs?: number;
  log: (message: string, fields?: Record<string, unknown>) => void;
  now?: () => Date;
}

/** When a certificate stops being valid; undefined when the PEM holds none. */
export function certificateExpiry(pem: string | undefined): Date | undefined {
  if (!pem) return undefined;
  try {
    return new Date(new X509Certificate(pem).validTo);
  } catch {
    return undefined;
  }
}

/**
 * The connection the agent uses: the node kubeconfig's, or one bootstrapped now.
 * @throws HostpodError naming the file and the fix when neither works
 */
export async function ensureClientCertificate(options: ClientCertificateOptions): Promise<ClusterConnection> {
  const now = options.now?.() ?? new Date();
  let why = `${options.kubeconfig} does not exist`;
  if (existsSync(options.kubeconfig)) {
    const current = loadKubeconfig(options.kubeconfig, options.context);
    const expiry = certificateExpiry(current.clientCert);
    if (!current.clientCert || expiry === undefined || expiry > now) return current;
    why = `the client certificate in ${options.kubeconfig} expired at ${expiry.toISOString()}`;
  }
  if (!options.bootstrapKubeconfig) {
    throw new HostpodError('ERR_HOSTPOD_NODE_CREDENTIALS', `node ${options.nodeName} has no credentials: ${why}`, {
      hint: 'pass --bootstrap-kubeconfig FILE with a bootstrap token (kubeadm token create) so the agent can request a certificate, as a kubelet joins',
    });
  }
  const bootstrap = loadKubeconfig(options.bootstrapKubeconfig);
  options.log('requesting a client certificate with the bootstrap kubeconfig', { reason: why, server: bootstrap.server });
  const issued = await reachable(bootstrap.server, () => requestCertificate(new KubeClient(bootstrap, 'hostpod-agent-bootstrap'), {
    signer: CLIENT_SIGNER,
    commonName: `system:node:${options.nodeName}`,
    organizations: [NODES_GROUP],
    timeoutMs: options.approvalTimeoutMs ?? 15 * 60_000,
    filed: (name) => options.log('certificate signing request filed; waiting for its approval', { csr: name }),
  }));
  const connection: ClusterConnection = { ...withoutCredentials(bootstrap), clientCert: issued.cert, clientKey: issued.key };
  await writeNodeCredentials(options, connection);
  options.log('client certificate issued', { csr: issued.csr, expires: certificateExpiry(issued.cert)?.toISOString() });
  return connection;
}

/**
 * Writes the certificate, its key and the kubeconfig naming them. The key goes first, each file
 * renamed into place: a crash leaves the old pair, or a new key whose certificate is missing,
 * which the next start does not accept and bootstraps again.
 */
export async function writeNodeCredentials(options: Pick<ClientCertificateOptions, 'kubeconfig' | 'certDir'>, connection: ClusterConnection): Promise<void> {
  mkdirSync(options.certDir, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(options.kubeconfig), { recursive: true, mode: 0o700 });
  const certFile = join(options.certDir, 'node-client.crt');
  const keyFile = join(options.certDir, 'node-client.key');
  await writeSecret(keyFile, connection.clientKey ?? '');
  await writeSecret(certFile, connection.clientCert ?? '');
  const cluster: Record<string, unknown> = { server: connection.server };
  if (connection.ca) cluster['certificate-authority-data'] = Buffer.from(connection.ca).toString('base64');
  if (connection.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  await writeSecret(options.kubeconfig, stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster }],
    users: [{ name: 'default-auth', user: { 'client-certificate': certFile, 'client-key': keyFile } }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', user: 'default-auth' } }],
    'current-context': 'default-context',
  }));
}

function withoutCredentials(connection: ClusterConnection): ClusterConnection {
  return { server: connection.server, insecureSkipTlsVerify: connection.insecureSkipTlsVerify, ...(connection.ca ? { ca: connection.ca } : {}) };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']);

/** Runs `call`; a network failure becomes an error that names the server. */
export async function reachable<T>(server: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && UNREACHABLE.has(code)) {
      throw new HostpodError('ERR_HOSTPOD_UNREACHABLE', `cannot reach the API server ${server}: ${(error as Error).message}`, {
        hint: 'check the server address in the kubeconfig, and that this host can connect to it',
        cause: error,
      });
    }
    throw error;
  }
}
