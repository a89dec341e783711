/**
 * The control plane's certificates, kept in `<data-dir>/pki`: a CA generated at first start, the
 * API server's serving certificate, and the client certificate it presents to kubelet endpoints
 * (`apiserver-kubelet-client`, as kubeadm names it). Keys are ECDSA P-256 (fast to generate,
 * accepted by every kubectl).
 */
import type * as X509 from '@peculiar/x509';
import { createPrivateKey, KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { writeFileAtomically } from './atomic-file.js';
import { join } from 'node:path';

/**
 * @peculiar/x509, loaded only when a certificate must be made: it costs some 20 MiB of memory,
 * which a control plane that found its certificates on disk need not carry.
 */
async function loadX509(): Promise<typeof X509> {
  await import('reflect-metadata'); // its dependency injection needs the Reflect polyfill first
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return x509;
}

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 24 * 60 * 60 * 1000;

export interface KeyPair {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

export interface Pki {
  ca: KeyPair;
  serving: KeyPair;
  /** What the API server presents to a node's kubelet endpoint when it proxies logs and exec. */
  kubeletClient: KeyPair;
  dir: string;
}

/** What a certificate issued by the CA is for. */
export interface CertificateRequest {
  /** Subject common name: the user name for a client, a label for a server. */
  commonName: string;
  /** Subject organizations: the groups of a client. */
  organizations?: readonly string[];
  usage: 'server' | 'client';
  /** DNS names and IP addresses a server certificate covers. */
  hosts?: readonly string[];
  validDays?: number;
}

/** The API server's user at kubelet endpoints (kubeadm's `kube-apiserver-kubelet-client`). */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';

/**
 * Loads the CA and serving certificate from `dir`, creating what is missing. A serving
 * certificate that does not cover `hosts`, or expires within 30 days, is replaced.
 */
export async function ensurePki(dir: string, hosts: readonly string[], now = new Date()): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = (await readPair(dir, 'ca')) ?? (await writePair(dir, 'ca', await createCa(now)));
  let serving = await readPair(dir, 'apiserver');
  if (!serving || !certificateCovers(serving.cert, hosts, new Date(now.getTime() + 30 * DAY))) {
    serving = await writePair(dir, 'apiserver', await issueCertificate(ca, { commonName: 'kube-apiserver', usage: 'server', hosts }, now));
  }
  let kubeletClient = await readPair(dir, 'apiserver-kubelet-client');
  if (!kubeletClient || !certificateCovers(kubeletClient.cert, [], new Date(now.getTime() + 30 * DAY))) {
    const request = { commonName: KUBELET_CLIENT_USER, organizations: ['system:masters'], usage: 'client' } as const;
    kubeletClient = await writePair(dir, 'apiserver-kubelet-client', await issueCertificate(ca, request, now));
  }
  return { ca, serving, kubeletClient, dir };
}

export async function createCa(now = new Date()): Promise<KeyPair> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=hostpod-ca@${Math.floor(now.getTime() / 1000)}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 10 * 365 * DAY),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: exportKey(keys.privateKey) };
}

/** A certificate signed by `ca`, with a fresh key. */
export async function issueCertificate(ca: KeyPair, request: CertificateRequest, now = new Date()): Promise<KeyPair> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const caCert = new x509.X509Certificate(ca.cert);
  const names = [...new Set(request.hosts ?? [])].map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const subject = [`CN=${request.commonName}`, ...(request.organizations ?? []).map((o) => `O=${o}`)].join(', ');
  const server = request.usage === 'server';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (request.validDays ?? 365) * DAY),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (server ? x509.KeyUsageFlags.keyEncipherment : 0), true),
      new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: exportKey(keys.privateKey) };
}

/** A PKCS#10 certificate signing request and the fresh key it is for. */
export interface CertificateSigningRequest {
  /** PEM `CERTIFICATE REQUEST`. */
  request: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

/**
 * A certificate signing request with a fresh ECDSA P-256 key, as the kubelet files one for TLS
 * bootstrapping: subject CN and O, and for a serving certificate its DNS names and addresses.
 */
export async function createSigningRequest(subject: { commonName: string; organizations?: readonly string[]; hosts?: readonly string[] }): Promise<CertificateSigningRequest> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const names = [...new Set(subject.hosts ?? [])].map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [`CN=${subject.commonName}`, ...(subject.organizations ?? []).map((o) => `O=${o}`)].join(', '),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return { request: csr.toString('pem'), key: exportKey(keys.privateKey) };
}

/** Whether a certificate names every host and stays valid for 30 more days. */
/** Whether `pem` is a certificate still valid at `until` that names every one of `hosts`. */
export function certificateCovers(pem: string, hosts: readonly string[], until: Date): boolean {
  try {
    const cert = new X509Certificate(pem);
    if (new Date(cert.validTo).getTime() <= until.getTime()) return false;
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']));
}

function exportKey(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

function serial(): string {
  // A positive 16-byte serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

async function readPair(dir: string, name: string): Promise<KeyPair | undefined> {
  try {
    return { cert: await readFile(join(dir, `${name}.crt`), 'utf8'), key: await readFile(join(dir, `${name}.key`), 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writePair(dir: string, name: string, pair: KeyPair): Promise<KeyPair> {
  // The key first, then the certificate, each renamed into place: a crash leaves either the old
  // pair, or a new key without its certificate, which the next start replaces.
  await writeSecret(join(dir, `${name}.key`), pair.key);
  await writeSecret(join(dir, `${name}.crt`), pair.cert);
  return pair;
}

/** Writes a file readable by its owner only, atomically. */
export function writeSecret(path: string, content: string): Promise<void> {
  writeFileAtomically(path, content, 0o600);
  return Promise.resolve();
}
