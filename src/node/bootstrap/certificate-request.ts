/**
 * A certificate from the cluster through the certificates API, as the kubelet gets one: a CSR
 * with a fresh key is filed under a signer, and the agent waits until it is approved and signed
 * (or denied, or failed).
 */
import { createHash } from 'node:crypto';
import { createSigningRequest } from '../../pki.js';
import { HostpodError } from '../../errors.js';
import { ApiError, type KubeClient } from '../kube-client/client.js';

/** The kubelet's client certificate signer, and its serving one. */
export const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

interface CsrObject {
  metadata?: { name?: string };
  status?: { certificate?: string; conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
}

export interface RequestedCertificate {
  /** PEM certificate (the chain the signer returned). */
  cert: string;
  /** PEM PKCS#8 key. */
  key: string;
  /** The CSR's name. */
  csr: string;
}

export interface CertificateRequestOptions {
  signer: typeof CLIENT_SIGNER | typeof SERVING_SIGNER;
  commonName: string;
  organizations: readonly string[];
  /** DNS names and addresses (serving certificates). */
  hosts?: readonly string[];
  /** How long to wait for approval and signing before giving up. */
  timeoutMs: number;
  /** Called once the CSR is filed, with its name (for "approve it with kubectl certificate approve"). */
  filed?: (name: string) => void;
  pollMs?: number;
}

/** The usages the kubelet asks for with an ECDSA key (no key encipherment, which is for RSA). */
function usagesOf(signer: string): string[] {
  return signer === CLIENT_SIGNER ? ['digital signature', 'client auth'] : ['digital signature', 'server auth'];
}

/**
 * Files a CSR and waits for its certificate.
 * @throws HostpodError when the CSR is denied or fails, when it is not signed in time, and when
 *   the API server refuses to take it (a wrong or expired bootstrap token: 401; no right: 403)
 */
export async function requestCertificate(client: KubeClient, options: CertificateRequestOptions): Promise<RequestedCertificate> {
  const { request, key } = await createSigningRequest({ commonName: options.commonName, organizations: options.organizations, ...(options.hosts ? { hosts: options.hosts } : {}) });
  // As the kubelet names its CSRs: after what they ask, so a retry of the same request is one object.
  const digest = createHash('sha256').update(request).digest('base64url').slice(0, 20).toLowerCase().replace(/[^a-z0-9]/g, 'x');
  const prefix = options.signer === CLIENT_SIGNER ? 'node-csr' : 'csr';
  let filed: CsrObject;
  try {
    filed = await client.create<CsrObject>(CSRS, {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
      metadata: { name: `${prefix}-${digest}` },
      spec: { request: Buffer.from(request).toString('base64'), signerName: options.signer, usages: usagesOf(options.signer) },
    });
  } catch (error) {
    throw refusal(error, client.connection.server, options.signer);
  }
  const name = filed.metadata?.name ?? '';
  options.filed?.(name);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const current = await client.get<CsrObject>(`${CSRS}/${encodeURIComponent(name)}`);
    const conditions = current.status?.conditions ?? [];
    const ended = conditions.find((c) => (c.type === 'Denied' || c.type === 'Failed') && c.status !== 'False');
    if (ended) {
      throw new HostpodError('ERR_HOSTPOD_CSR_DENIED', `certificate signing request ${name} (${options.signer}) was ${ended.type === 'Denied' ? 'denied' : 'not signed'}: ${ended.reason ?? ''}${ended.message ? `: ${ended.message}` : ''}`, {
        hint: ended.type === 'Denied' ? 'ask the cluster operator why, or approve a new request: kubectl certificate approve NAME' : 'check the controller manager\'s signer (--cluster-signing-cert-file and --cluster-signing-key-file)',
      });
    }
    if (current.status?.certificate) return { cert: Buffer.from(current.status.certificate, 'base64').toString('utf8'), key, csr: name };
    if (Date.now() > deadline) {
      const approved = conditions.some((c) => c.type === 'Approved' && c.status !== 'False');
      throw new HostpodError('ERR_HOSTPOD_CSR_TIMEOUT', `certificate signing request ${name} (${options.signer}) was ${approved ? 'approved but not signed' : 'not approved'} within ${Math.round(options.timeoutMs / 1000)} s`, {
        hint: approved ? 'the controller manager signs approved requests: check that it runs with --cluster-signing-cert-file and --cluster-signing-key-file' : `approve it: kubectl certificate approve ${name}`,
      });
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
}

/** What the API server's refusal of a CSR means for the operator. */
function refusal(error: unknown, server: string, signer: string): Error {
  if (error instanceof ApiError && error.code === 401) {
    return new HostpodError('ERR_HOSTPOD_BOOTSTRAP', `the API server ${server} refused the bootstrap credentials (401 Unauthorized): the token is wrong, expired or deleted`, {
      hint: 'create a new one (kubeadm token create) and put it in the bootstrap kubeconfig',
    });
  }
  if (error instanceof ApiError && error.code === 403) {
    return new HostpodError('ERR_HOSTPOD_BOOTSTRAP', `the API server ${server} does not let these credentials file a ${signer} certificate request: ${error.message}`, {
      hint: 'bind the token\'s group to the ClusterRole system:node-bootstrapper (kubeadm does: kubeadm:kubelet-bootstrap)',
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
