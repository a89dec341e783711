/**
 * The kubelet endpoint's serving certificate from the cluster, as the kubelet's
 * `--rotate-server-certificates` (serverTLSBootstrap) gets it: a `kubernetes.io/kubelet-serving`
 * CSR for `system:node:<name>` in `system:nodes`, naming the node's address and name. Upstream
 * approves none of these by itself: an operator does (`kubectl certificate approve`), after
 * checking the addresses. Once signed, the pair is written to `<certDir>/node-serving.{crt,key}`,
 * the endpoint serves it at once, and it is renewed at 70% to 90% of its life, as the client
 * certificate is.
 *
 * Until the first one is signed the endpoint serves its self-signed certificate (the kubelet
 * serves none and refuses every handshake): an API server that does not check kubelet
 * certificates, as kubeadm sets it up, reaches logs and exec meanwhile.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateCovers, writeSecret } from '../../pki.js';
import type { KubeClient } from '../kube-client/client.js';
import { requestCertificate, SERVING_SIGNER } from './certificate-request.js';
import { keepRenewed } from './certificate-rotation.js';
import { NODES_GROUP } from './client-certificate.js';

export interface ServingCertificateOptions {
  nodeName: string;
  /** The node's addresses and names the certificate must cover. */
  hosts: readonly string[];
  certDir: string;
  /** Starts serving a new pair. */
  use(pair: { cert: string; key: string }): void;
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  /** How long one CSR waits for its approval before a new one is filed (default 15 minutes). */
  approvalTimeoutMs?: number;
  random?: () => number;
}

/** Keeps the kubelet endpoint served with a cluster-signed certificate until the returned stop is called. */
export function startServingCertificate(client: KubeClient, options: ServingCertificateOptions): () => void {
  const certFile = join(options.certDir, 'node-serving.crt');
  const keyFile = join(options.certDir, 'node-serving.key');
  const request = async (stopped: () => boolean): Promise<string | undefined> => {
    const issued = await requestCertificate(client, {
      signer: SERVING_SIGNER, commonName: `system:node:${options.nodeName}`, organizations: [NODES_GROUP], hosts: options.hosts,
      timeoutMs: options.approvalTimeoutMs ?? 15 * 60_000,
      filed: (csr) => options.log('info', `serving certificate requested: approve it with kubectl certificate approve ${csr}`, { csr }),
    });
    if (stopped()) return undefined;
    mkdirSync(options.certDir, { recursive: true, mode: 0o700 });
    await writeSecret(keyFile, issued.key);
    await writeSecret(certFile, issued.cert);
    options.use(issued);
    options.log('info', 'serving certificate issued', { csr: issued.csr, expires: new X509Certificate(issued.cert).validTo });
    return issued.cert;
  };
  const saved = existsSync(certFile) && existsSync(keyFile) ? { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') } : undefined;
  const valid = saved && certificateCovers(saved.cert, options.hosts, new Date()) ? saved : undefined;
  if (valid) options.use(valid);
  return keepRenewed(valid?.cert, request, {
    failed: (error) => options.log('warn', 'requesting a serving certificate failed; retrying', { error: error.message }),
    ...(options.random ? { random: options.random } : {}),
  });
}
