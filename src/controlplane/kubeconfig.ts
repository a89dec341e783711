/** The admin kubeconfig that `hostpod up` writes and `hostpod kubeconfig` prints. */
import { stringify } from 'yaml';

export const CONTEXT_NAME = 'hostpod';

export function adminKubeconfig(server: string, caPem: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'hostpod-admin', user: { token } }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: 'hostpod-admin' } }],
    'current-context': CONTEXT_NAME,
    preferences: {},
  });
}
