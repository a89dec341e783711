/**
 * A real Kubernetes control plane for tests, configured as kubeadm configures one, on loopback
 * (or on an address of the test's choosing): etcd; kube-apiserver with Node,RBAC authorization,
 * the NodeRestriction admission plugin, bootstrap-token authentication, service-account keys, a
 * client CA and the kubelet-client certificate; the controller manager with the CSR signer and
 * approver, node lifecycle, DaemonSet, garbage collector and token controllers; the scheduler; and
 * kubeadm's bootstrap RBAC and a bootstrap token. `stop()` leaves no process and no file behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeBinary, type Component } from './kube-binaries.js';
import { FRONT_PROXY_CLIENT, writeClusterFiles, type ClusterFiles } from './real-cluster-pki.js';
import { untilReady } from './until-ready.js';

export interface RealCluster {
  /** https://ADDRESS:PORT */
  server: string;
  files: ClusterFiles;
  /** The admin's kubeconfig (system:masters, by client certificate). */
  kubeconfig: string;
  /** A bootstrap token (`id.secret`) in the group kubeadm gives joining nodes. */
  bootstrapToken: string;
  /** The API server's audit log (JSON lines), with `auditNodes`. */
  auditLog?: string;
  /** How long the start took, to the controllers running (ms). */
  startedInMs: number;
  /** One request as the admin; resolves with the status and the body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }>;
  /** The last lines a component logged, for a failure's message. */
  logTail(component: Component, lines?: number): string;
  /** The process id of each running component (for a bench's memory figures). */
  pids(): Map<Component, number>;
  stop(): Promise<void>;
}

export interface RealClusterOptions {
  /** Where the API server listens and what it advertises (default 127.0.0.1). */
  address?: string;
  /** The node monitor's grace period (the controller manager's --node-monitor-grace-period). */
  nodeMonitorGracePeriod?: string;
  /** Audit every node's requests (metadata, once each, when answered) to `RealCluster.auditLog`. */
  auditNodes?: boolean;
  /** kube-apiserver's --allow-privileged (default true, as kubeadm sets it). */
  allowPrivileged?: boolean;
  /**
   * Whether to run the controller manager and the scheduler (default true). Without them the API
   * server is ready sooner and spends no CPU on controllers, but nothing creates service
   * accounts: a test that creates pods makes each namespace's `default` account itself.
   */
  controllers?: boolean;
  /**
   * Run the aggregation layer as kubeadm configures it (default false): the front proxy's request
   * headers and client certificate, and routing to an APIService's endpoints rather than its
   * Service's cluster IP (no kube-proxy here): what metrics-server's `metrics.k8s.io` needs.
   */
  aggregator?: boolean;
  /**
   * Whether etcd syncs its writes to disk, as a deployed etcd does (default false: a test's etcd
   * need not survive a power cut). A bench comparing write latency with hostpod's store, which
   * syncs, turns it on.
   */
  etcdFsync?: boolean;
}

/** A free TCP port on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A TCP port on `host` that nobody listens on and no process will be given while the test runs:
 * one below the kernel's ephemeral range, which `listen(0)` (kubectl's own local port, say)
 * draws from. A port from `freePort` is closed too, but the next `listen(0)` may get it: kubectl
 * forwarding to it once got it as its local port and so forwarded to itself.
 */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const [ephemeral = 32768] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const low = 10_000;
  if (ephemeral - low < 1_000) return freePort(host);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeral - low));
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`closedPort: no free port on ${host} between ${low} and ${ephemeral}`);
}

const BOOTSTRAP_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

/** kubeadm's bootstrap RBAC: joining nodes may file CSRs, and their client CSRs are approved. */
const BOOTSTRAP_BINDINGS: [name: string, role: string, group: string][] = [
  ['kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', BOOTSTRAP_GROUP],
  ['kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', BOOTSTRAP_GROUP],
  ['kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes'],
];


/** Starts the control plane in a temporary directory. */
export async function startRealCluster(options: RealClusterOptions = {}): Promise<RealCluster> {
  const started = Date.now();
  const address = options.address ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-real-cluster-'));
  const [apiPort, etcdClient, etcdPeer] = [await freePort(address), await freePort(), await freePort()];
  const server = `https://${address}:${apiPort}`;
  const files = await writeClusterFiles(dir, server, [address, '127.0.0.1']);
  const p = files.paths;
  const processes = new Map<Component, ChildProcess>();
  const exits = new Map<Component, string>();
  const run = (component: Component, args: string[]): void => {
    const log = createWriteStream(join(dir, `${component}.log`));
    const child = spawn(kubeBinary(component), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.once('exit', (code, signal) => exits.set(component, `${component} exited (${signal ?? code})`));
    processes.set(component, child);
  };
  const dead = (): string | undefined => [...exits.values()][0];
  const logTail = (component: Component, lines = 20): string => {
    try {
      return readFileSync(join(dir, `${component}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const pids = (): Map<Component, number> => new Map([...processes]
    .filter(([, child]) => child.pid !== undefined && child.exitCode === null && child.signalCode === null)
    .map(([component, child]) => [component, child.pid!]));
  const stop = async (): Promise<void> => {
    // etcd last: a kube-apiserver whose etcd is gone retries it through its shutdown and is only
    // ended by the SIGKILL 10 s later.
    const end = async (children: ChildProcess[]): Promise<void> => {
      const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
      const gone = Promise.all(alive.map((c) => new Promise((r) => c.once('exit', r))));
      for (const child of alive) child.kill('SIGTERM');
      const timer = setTimeout(() => alive.forEach((c) => c.kill('SIGKILL')), 10_000);
      await gone;
      clearTimeout(timer);
    };
    await end([...processes].filter(([c]) => c !== 'etcd').map(([, child]) => child));
    await end([...processes].filter(([c]) => c === 'etcd').map(([, child]) => child));
    rmSync(dir, { recursive: true, force: true });
  };
  const call = (method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, server), {
        method, ca: files.ca.cert, cert: files.admin.cert, key: files.admin.key, agent: false,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  };

  try {
    run('etcd', [
      '--name', 'hostpod-test', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `hostpod-test=http://127.0.0.1:${etcdPeer}`, '--log-level', 'warn',
      ...(options.etcdFsync ? [] : ['--unsafe-no-fsync']),
    ]);
    await untilReady('etcd', () => new Promise<true | undefined>((resolve, reject) => {
      httpRequest(`http://127.0.0.1:${etcdClient}/health`, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text.includes('"true"') ? true : undefined));
      }).on('error', reject).end();
    }), 20_000, dead);

    const auditLog = join(dir, 'audit.log');
    if (options.auditNodes) {
      writeFileSync(join(dir, 'audit-policy.yaml'), [
        'apiVersion: audit.k8s.io/v1', 'kind: Policy', 'omitStages: [RequestReceived, ResponseStarted]', 'rules:',
        '  - level: Metadata', '    userGroups: ["system:nodes"]', '  - level: None', '',
      ].join('\n'));
    }
    run('kube-apiserver', [
      ...(options.auditNodes ? [`--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${auditLog}`, '--audit-log-mode=blocking'] : []),
      `--advertise-address=${address}`, `--bind-address=${address}`, `--secure-port=${apiPort}`,
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', '--enable-bootstrap-token-auth=true',
      `--allow-privileged=${String(options.allowPrivileged ?? true)}`,
      `--client-ca-file=${p.caCert}`, `--tls-cert-file=${p.servingCert}`, `--tls-private-key-file=${p.servingKey}`,
      `--kubelet-client-certificate=${p.kubeletClientCert}`, `--kubelet-client-key=${p.kubeletClientKey}`,
      '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${p.serviceAccountPub}`, `--service-account-signing-key-file=${p.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/12', '--profiling=false',
      ...(options.aggregator ? [
        `--requestheader-client-ca-file=${p.frontProxyCaCert}`, `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
        '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        `--proxy-client-cert-file=${p.frontProxyClientCert}`, `--proxy-client-key-file=${p.frontProxyClientKey}`,
        '--enable-aggregator-routing=true',
      ] : []),
    ]);
    await untilReady('kube-apiserver', async () => ((await call('GET', '/readyz')).status === 200 ? true : undefined), 60_000, dead);

    for (const [name, role, group] of BOOTSTRAP_BINDINGS) {
      const created = await call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
      });
      if (created.status !== 201) throw new Error(`creating ClusterRoleBinding ${name}: ${created.status} ${created.body}`);
    }
    const id = 'hpod01';
    const secret = 'abcdef0123456789';
    const token = await call('POST', '/api/v1/namespaces/kube-system/secrets', {
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      stringData: { 'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', 'auth-extra-groups': BOOTSTRAP_GROUP },
    });
    if (token.status !== 201) throw new Error(`creating the bootstrap token: ${token.status} ${token.body}`);

    if (options.controllers === false) {
      return {
        server, files, kubeconfig: p.admin, bootstrapToken: `${id}.${secret}`, startedInMs: Date.now() - started, call, logTail, pids, stop,
        ...(options.auditNodes ? { auditLog } : {}),
      };
    }
    run('kube-controller-manager', [
      `--kubeconfig=${p.controllerManager}`, '--secure-port=0', '--leader-elect=false',
      '--controllers=*,bootstrapsigner,tokencleaner',
      `--cluster-signing-cert-file=${p.caCert}`, `--cluster-signing-key-file=${p.caKey}`,
      `--root-ca-file=${p.caCert}`, `--service-account-private-key-file=${p.serviceAccountKey}`,
      '--use-service-account-credentials=true',
      ...(options.nodeMonitorGracePeriod ? [`--node-monitor-grace-period=${options.nodeMonitorGracePeriod}`] : []),
    ]);
    run('kube-scheduler', [`--kubeconfig=${p.scheduler}`, '--secure-port=0', '--leader-elect=false']);
    // Ready when the controllers run: the service-account controller has made default/default.
    await untilReady('kube-controller-manager', async () => ((await call('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200 ? true : undefined), 60_000, dead);
    return {
      server, files, kubeconfig: p.admin, bootstrapToken: `${id}.${secret}`, startedInMs: Date.now() - started, call, logTail, pids, stop,
      ...(options.auditNodes ? { auditLog } : {}),
    };
  } catch (error) {
    const tails = [...processes.keys()].map((c) => `--- ${c}\n${logTail(c)}`).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${tails}`, { cause: error });
  }
}
