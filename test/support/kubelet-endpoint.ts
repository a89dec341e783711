/**
 * A kubelet endpoint for the control plane's log and exec proxy tests: hostpod's real endpoint
 * (TLS, client certificates, the log options, WebSocket and SPDY exec, port-forward), over a
 * backend whose containers are CRI log files written by the test, whose exec runs the command on
 * the host, and whose pods' network is the host's, as a HostProcess pod's is.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlPlane } from '../../src/controlplane/control-plane.js';
import { issueCertificate } from '../../src/pki.js';
import type { ExecRequest, ExecStreams } from '../../src/node/kubelet-api/exec-session.js';
import { TokenReviewAuthenticator } from '../../src/node/kubelet-api/authentication.js';
import type { PortForwardPod } from '../../src/node/kubelet-api/port-forward.js';
import { SubjectAccessReviewAuthorizer } from '../../src/node/kubelet-api/authorization.js';
import { KubeletApiServer, KubeletError, type ContainerRef, type KubeletBackend } from '../../src/node/kubelet-api/server.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { api } from './controlplane.js';

export interface TestContainer {
  logPath: string;
  live: boolean;
  previousLogPath?: string;
}

export class TestKubelet implements KubeletBackend {
  readonly containers = new Map<string, TestContainer>();
  constructor(readonly dir: string) {}

  /** Adds a container whose log is a file under the test's directory. */
  add(ref: ContainerRef, live = true): TestContainer {
    const dir = join(this.dir, `${ref.namespace}_${ref.pod}`, ref.container);
    mkdirSync(dir, { recursive: true });
    const container = { logPath: join(dir, '0.log'), live };
    this.containers.set(key(ref), container);
    return container;
  }

  /** Appends CRI entries: `[stream, text, time?]`, each a full line. */
  static write(container: TestContainer, lines: readonly (readonly [stream: 'stdout' | 'stderr', text: string, time?: string])[]): void {
    appendFileSync(container.logPath, lines.map(([stream, text, time]) => `${time ?? new Date().toISOString().replace('Z', '000000Z')} ${stream} F ${text}\n`).join(''));
  }

  logSource(ref: ContainerRef, previous: boolean) {
    const container = this.#find(ref);
    if (previous) {
      if (!container.previousLogPath) throw new KubeletError(400, `previous terminated container "${ref.container}" in pod "${ref.pod}" not found`);
      return { path: container.previousLogPath, live: () => false };
    }
    return { path: container.logPath, live: () => container.live };
  }

  prepareExec(ref: ContainerRef, request: ExecRequest): (streams: ExecStreams) => Promise<number> {
    const container = this.#find(ref);
    if (!container.live) throw new KubeletError(400, `container ${ref.container} is not running`);
    return (streams) => new Promise<number>((resolve, reject) => {
      const [file, ...args] = request.command;
      const child = spawn(file!, args, { stdio: [streams.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      if (streams.stdin) streams.stdin.pipe(child.stdin!);
      child.stdout!.on('data', (chunk: Buffer) => streams.stdout?.write(chunk));
      child.stderr!.on('data', (chunk: Buffer) => (streams.stderr ?? streams.stdout)?.write(chunk));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? (signal ? 137 : 1)));
    });
  }

  /** The pods' uids, by `namespace/name`, for port-forward's messages. */
  readonly uids = new Map<string, string>();
  /** The pods' IPs, by `namespace/name`: where port-forward dials after loopback. */
  readonly podIps = new Map<string, string[]>();

  /** A pod with a container here; port-forward reaches the host's ports (the test's servers). */
  portForwardPod(namespace: string, name: string, uid: string | undefined): PortForwardPod {
    if (![...this.containers.keys()].some((k) => k.startsWith(`${namespace}/${name}/`))) throw new KubeletError(404, 'pod does not exist');
    const podUid = this.uids.get(`${namespace}/${name}`) ?? '';
    if (uid !== undefined && uid !== podUid) throw new KubeletError(404, 'pod not found');
    return { namespace, name, uid: podUid, node: 'test-node', ips: this.podIps.get(`${namespace}/${name}`) ?? [] };
  }

  /** Attach to a container that echoes its stdin (as `cat` would), until the client's stdin ends. */
  prepareAttach(ref: ContainerRef): (streams: ExecStreams) => Promise<number> {
    const container = this.#find(ref);
    if (!container.live) throw new KubeletError(500, `container ${ref.container} not found in pod ${ref.pod}_${ref.namespace}`, true);
    return (streams) => new Promise<number>((resolve) => {
      if (!streams.stdin) return resolve(0);
      streams.stdin.on('data', (chunk: Buffer) => streams.stdout?.write(chunk));
      streams.stdin.on('end', () => resolve(0));
    });
  }

  #find(ref: ContainerRef): TestContainer {
    const container = this.containers.get(key(ref));
    if (!container) throw new KubeletError(404, `container "${ref.container}" of pod "${ref.namespace}/${ref.pod}" is not on this node`);
    return container;
  }
}

function key(ref: ContainerRef): string {
  return `${ref.namespace}/${ref.pod}/${ref.container}`;
}


export interface StartedKubelet {
  backend: TestKubelet;
  endpoint: KubeletApiServer;
  stop(): Promise<void>;
}

/**
 * Starts an endpoint on 127.0.0.1 with a serving certificate from the plane's CA, and registers
 * `node` with its address and `daemonEndpoints`, as the node agent does.
 */
export async function startTestKubelet(plane: ControlPlane, dir: string, node: string): Promise<StartedKubelet> {
  const serving = await issueCertificate(plane.pki.ca, { commonName: `system:node:${node}`, usage: 'server', hosts: ['127.0.0.1'] });
  const credential = await issueCertificate(plane.pki.ca, { commonName: `system:node:${node}`, organizations: ['system:nodes'], usage: 'client' });
  const client = new KubeClient({ server: plane.url, ca: plane.pki.ca.cert, insecureSkipTlsVerify: false, clientCert: credential.cert, clientKey: credential.key });
  const backend = new TestKubelet(dir);
  const endpoint = await KubeletApiServer.start({
    host: '127.0.0.1', port: 0, cert: serving.cert, key: serving.key, clientCa: plane.pki.ca.cert, backend,
    nodeName: node, authenticator: new TokenReviewAuthenticator(client), authorizer: new SubjectAccessReviewAuthorizer(client),
  });
  const response = await api(plane, 'POST', '/api/v1/nodes', {
    body: {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: node, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': node } },
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test kubelet' }],
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: node }],
        daemonEndpoints: { kubeletEndpoint: { Port: endpoint.port } },
      },
    },
  });
  if (response.status !== 201) throw new Error(`registering node ${node}: ${response.status} ${response.body}`);
  return { backend, endpoint, stop: async () => { await endpoint.stop(); client.close(); } };
}
