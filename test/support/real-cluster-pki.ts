/**
 * The files a real control plane starts from, as kubeadm lays them out (its `/etc/kubernetes`):
 * the cluster CA, the API server's serving and kubelet-client certificates, the service-account
 * key pair, the front proxy's CA and client certificate (the aggregation layer's), and kubeconfigs
 * for the admin, the controller manager and the scheduler.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createCa, issueCertificate, type KeyPair } from '../../src/pki.js';

export interface ClusterFiles {
  dir: string;
  ca: KeyPair;
  /** The admin's client certificate (system:masters). */
  admin: KeyPair;
  /** Paths of the files the components are given. */
  paths: {
    caCert: string; caKey: string;
    servingCert: string; servingKey: string;
    kubeletClientCert: string; kubeletClientKey: string;
    serviceAccountKey: string; serviceAccountPub: string;
    /** kubeadm's front-proxy-ca and front-proxy-client: what the API server proxies to aggregated APIs with. */
    frontProxyCaCert: string; frontProxyClientCert: string; frontProxyClientKey: string;
    admin: string; controllerManager: string; scheduler: string;
  };
}

/** The front proxy client certificate's common name: --requestheader-allowed-names. */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A kubeconfig for a client certificate. */
export function certificateKubeconfig(server: string, ca: string, user: string, pair: KeyPair): string {
  return stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'kubernetes', cluster: { server, 'certificate-authority-data': b64(ca) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(pair.cert), 'client-key-data': b64(pair.key) } }],
    contexts: [{ name: `${user}@kubernetes`, context: { cluster: 'kubernetes', user } }],
    'current-context': `${user}@kubernetes`,
  });
}

/** Writes the control plane's certificates, keys and kubeconfigs under `dir`. */
export async function writeClusterFiles(dir: string, server: string, hosts: readonly string[]): Promise<ClusterFiles> {
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const write = (name: string, content: string): string => {
    const path = join(pki, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const ca = await createCa();
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver', usage: 'server',
    hosts: [...hosts, '10.96.0.1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
  });
  // kubeadm's apiserver-kubelet-client: what the API server presents to kubelet endpoints.
  const kubeletClient = await issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' });
  const admin = await issueCertificate(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
  const controllerManager = await issueCertificate(ca, { commonName: 'system:kube-controller-manager', usage: 'client' });
  const scheduler = await issueCertificate(ca, { commonName: 'system:kube-scheduler', usage: 'client' });
  // A CA of its own, as kubeadm's: an aggregated API server trusts the user headers only from
  // certificates of this CA, never a client certificate of the cluster CA.
  const frontProxyCa = await createCa();
  const frontProxyClient = await issueCertificate(frontProxyCa, { commonName: FRONT_PROXY_CLIENT, usage: 'client' });
  const serviceAccount = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    dir, ca, admin,
    paths: {
      caCert: write('ca.crt', ca.cert), caKey: write('ca.key', ca.key),
      servingCert: write('apiserver.crt', serving.cert), servingKey: write('apiserver.key', serving.key),
      kubeletClientCert: write('apiserver-kubelet-client.crt', kubeletClient.cert), kubeletClientKey: write('apiserver-kubelet-client.key', kubeletClient.key),
      serviceAccountKey: write('sa.key', serviceAccount.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      serviceAccountPub: write('sa.pub', serviceAccount.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
      frontProxyCaCert: write('front-proxy-ca.crt', frontProxyCa.cert),
      frontProxyClientCert: write('front-proxy-client.crt', frontProxyClient.cert), frontProxyClientKey: write('front-proxy-client.key', frontProxyClient.key),
      admin: write('admin.conf', certificateKubeconfig(server, ca.cert, 'kubernetes-admin', admin)),
      controllerManager: write('controller-manager.conf', certificateKubeconfig(server, ca.cert, 'system:kube-controller-manager', controllerManager)),
      scheduler: write('scheduler.conf', certificateKubeconfig(server, ca.cert, 'system:kube-scheduler', scheduler)),
    },
  };
}
