/**
 * Client certificate rotation, as the kubelet's certificate manager does it: at a random moment
 * between 70% and 90% of the certificate's lifetime, a new client CSR is filed with the current
 * certificate (kube-controller-manager approves a node's renewal of its own certificate,
 * `selfnodeclient`), and once it is signed the files are replaced and the client uses it.
 */
import { X509Certificate } from 'node:crypto';
import type { KubeClient } from '../kube-client/client.js';
import { CLIENT_SIGNER, requestCertificate } from './certificate-request.js';
import { certificateExpiry, NODES_GROUP, writeNodeCredentials } from './client-certificate.js';

export interface RotationOptions {
  nodeName: string;
  kubeconfig: string;
  certDir: string;
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  /** A number in [0, 1), for where between 70% and 90% the renewal falls. */
  random?: () => number;
  now?: () => number;
}

/** The longest delay setTimeout takes (a certificate of a year is renewed in steps). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After a failed renewal, the next try. */
const RETRY_MS = 30_000;

/** When a certificate is due for renewal: 70% to 90% into its lifetime, as the kubelet picks it. */
export function renewalTime(pem: string, random: () => number = Math.random): number {
  const cert = new X509Certificate(pem);
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return from + (to - from) * (0.7 + 0.2 * random());
}

/**
 * Renews a certificate at 70% to 90% of its life, and again each time, until the returned stop is
 * called; a failed renewal is retried after 30 s. `current` undefined renews at once. `renew`
 * returns the new certificate, or undefined when it found the renewal stopped meanwhile.
 */
export function keepRenewed(
  current: string | undefined,
  renew: (stopped: () => boolean) => Promise<string | undefined>,
  options: { failed: (error: Error) => void; random?: () => number; now?: () => number },
): () => void {
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (at: number): void => {
    if (stopped) return;
    const wait = Math.max(0, Math.min(at - now(), MAX_TIMER_MS));
    timer = setTimeout(() => void (now() >= at ? run() : schedule(at)), wait);
    timer.unref();
  };
  const run = async (): Promise<void> => {
    try {
      const issued = await renew(() => stopped);
      if (issued !== undefined) schedule(renewalTime(issued, options.random));
    } catch (error) {
      options.failed(error as Error);
      schedule(now() + RETRY_MS);
    }
  };
  if (current === undefined) void run();
  else schedule(renewalTime(current, options.random));
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Keeps the client's certificate renewed until the returned stop is called. */
export function startCertificateRotation(client: KubeClient, options: RotationOptions): () => void {
  const current = client.connection.clientCert;
  if (!current) return () => {};
  return keepRenewed(current, async (stopped) => {
    const issued = await requestCertificate(client, {
      signer: CLIENT_SIGNER, commonName: `system:node:${options.nodeName}`, organizations: [NODES_GROUP], timeoutMs: 15 * 60_000,
    });
    if (stopped()) return undefined;
    await writeNodeCredentials(options, { ...client.connection, clientCert: issued.cert, clientKey: issued.key });
    client.useClientCertificate(issued.cert, issued.key);
    options.log('info', 'client certificate rotated', { csr: issued.csr, expires: certificateExpiry(issued.cert)?.toISOString() });
    return issued.cert;
  }, {
    failed: (error) => options.log('warn', 'client certificate rotation failed; retrying', { error: error.message }),
    ...(options.random ? { random: options.random } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
