/**
 * A node agent in the test's own process, on a runtime the test made (a full disk, a shared
 * cgroup root...), joined to an in-process control plane with its own node certificate.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { issueCertificate } from '../../src/pki.js';
import { NodeAgent } from '../../src/node/agent.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { TokenReviewAuthenticator } from '../../src/node/kubelet-api/authentication.js';
import { SubjectAccessReviewAuthorizer } from '../../src/node/kubelet-api/authorization.js';
import type { LinuxRuntime } from '../../src/runtime/index.js';
import { api, type StartedPlane } from './controlplane.js';

export interface TestNode {
  agent: NodeAgent;
  name: string;
  /** What the agent logged: level, message and fields, one JSON line each. */
  logs: string[];
  /** Creates a pod bound to this node; resolves with it as the API server stored it. */
  createPod(pod: V1Pod): Promise<V1Pod>;
  stop(): Promise<void>;
}

/** `client`: changes the agent's API client before it starts (to hold or fail some of its requests). */
export async function startTestNode(started: StartedPlane, runtime: LinuxRuntime, name = `node-${process.pid}-${Math.floor(Math.random() * 1e6)}`, options: { client?: (client: KubeClient) => void } = {}): Promise<TestNode> {
  const ca = started.plane.pki.ca;
  const client = await issueCertificate(ca, { commonName: `system:node:${name}`, organizations: ['system:nodes'], usage: 'client' });
  const serving = await issueCertificate(ca, { commonName: `system:node:${name}`, usage: 'server', hosts: ['127.0.0.1'] });
  const logs: string[] = [];
  const kube = new KubeClient({ server: started.plane.url, ca: ca.cert, insecureSkipTlsVerify: false, clientCert: client.cert, clientKey: client.key });
  options.client?.(kube);
  const agent = await NodeAgent.start({
    client: kube,
    runtime,
    images: runtime.images,
    nodeName: name,
    address: '127.0.0.1',
    mountMode: 'bind',
    insecureRegistries: [],
    kubelet: { host: '127.0.0.1', port: 0, cert: serving.cert, key: serving.key, clientCa: ca.cert, nodeName: name, authenticator: new TokenReviewAuthenticator(kube), authorizer: new SubjectAccessReviewAuthorizer(kube) },
    hostpodVersion: 'test',
    log: (level, message, fields = {}) => logs.push(JSON.stringify({ level, message, ...fields })),
    pollMs: 100,
  });
  return {
    agent,
    name,
    logs,
    async createPod(pod) {
      const namespace = pod.metadata?.namespace ?? 'default';
      const response = await api(started.plane, 'POST', `/api/v1/namespaces/${namespace}/pods`, { body: { ...pod, spec: { ...pod.spec, nodeName: name } } });
      if (response.status !== 201) throw new Error(`creating pod ${pod.metadata?.name ?? ''}: ${response.status} ${response.body}`);
      return response.json();
    },
    stop: () => agent.stop(),
  };
}
