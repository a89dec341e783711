/**
 * The real metrics-server beside a real cluster: built from the Go module proxy by
 * scripts/build-metrics-server.sh into a cache outside the repository (CI builds it; elsewhere a
 * test without it skips), run as a host process with its own manifest's RBAC, a Service and
 * Endpoints at a non-loopback address of this machine, and its APIService `v1beta1.metrics.k8s.io`
 * (the cluster started with `aggregator: true`). It authenticates to the API server and to
 * kubelets with its service account's token, as it does in a pod.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, type RealCluster } from './real-cluster.js';

export const METRICS_SERVER_VERSION = process.env['HOSTPOD_METRICS_SERVER_VERSION'] ?? '0.8.0';

/** Where scripts/build-metrics-server.sh puts the binary. */
export function metricsServerBinary(): string {
  return join(process.env['HOSTPOD_METRICS_SERVER_CACHE'] ?? '/var/cache/hostpod/metrics-server', `v${METRICS_SERVER_VERSION}`, 'bin', 'metrics-server');
}

/** Why a test that needs metrics-server cannot run here; in CI a missing binary is an error. */
export function metricsServerSkip(): string | false {
  if (existsSync(metricsServerBinary())) return false;
  const why = `metrics-server ${METRICS_SERVER_VERSION} is not built at ${metricsServerBinary()}: run scripts/build-metrics-server.sh`;
  if (process.env['CI'] === 'true') throw new Error(`${why} (CI must build it: .ci/run runs the script)`);
  return why;
}

export interface RunningMetricsServer {
  /** Its log so far. */
  log(): string;
  stop(): Promise<void>;
}

const RBAC = 'rbac.authorization.k8s.io/v1';
const role = (kind: 'ClusterRole' | 'Role', name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
const ACCOUNT = { kind: 'ServiceAccount', name: 'metrics-server', namespace: 'kube-system' };

/** metrics-server's own manifest (components.yaml of v0.8.0) less its Deployment. */
const MANIFEST: [path: string, body: Record<string, unknown>][] = [
  ['/api/v1/namespaces/kube-system/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'metrics-server', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } } }],
  ['/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: RBAC, kind: 'ClusterRole',
    metadata: { name: 'system:aggregated-metrics-reader', labels: { 'k8s-app': 'metrics-server', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
    rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
  }],
  ['/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'system:metrics-server', labels: { 'k8s-app': 'metrics-server' } },
    rules: [
      { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
    ],
  }],
  ['/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', {
    apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'metrics-server-auth-reader', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } },
    roleRef: role('Role', 'extension-apiserver-authentication-reader'), subjects: [ACCOUNT],
  }],
  ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'metrics-server:system:auth-delegator', labels: { 'k8s-app': 'metrics-server' } },
    roleRef: role('ClusterRole', 'system:auth-delegator'), subjects: [ACCOUNT],
  }],
  ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'system:metrics-server', labels: { 'k8s-app': 'metrics-server' } },
    roleRef: role('ClusterRole', 'system:metrics-server'), subjects: [ACCOUNT],
  }],
];

/**
 * Starts metrics-server on `address` (an address of this machine that the API server can reach:
 * the aggregator proxies to the Service's endpoint, and refuses loopback ones), with the flags a
 * test cluster gives it: its kubelet clients trust no kubelet CA (`--kubelet-insecure-tls`, as
 * kind and minikube set it), take the InternalIP and the port in the node's status, and scrape
 * every 15 s.
 */
export async function startMetricsServer(cluster: RealCluster, options: { address: string; dir: string }): Promise<RunningMetricsServer> {
  mkdirSync(options.dir, { recursive: true });
  const must = async (method: string, path: string, body: unknown, expect = 201): Promise<string> => {
    const response = await cluster.call(method, path, body);
    if (response.status !== expect) throw new Error(`${method} ${path}: ${response.status} ${response.body}`);
    return response.body;
  };
  for (const [path, body] of MANIFEST) await must('POST', path, body);
  const issued = await must('POST', '/api/v1/namespaces/kube-system/serviceaccounts/metrics-server/token', {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 },
  });
  const token = (JSON.parse(issued) as { status: { token: string } }).status.token;
  const kubeconfig = join(options.dir, 'metrics-server.kubeconfig');
  writeFileSync(kubeconfig, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'metrics-server',
    clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': Buffer.from(cluster.files.ca.cert).toString('base64') } }],
    users: [{ name: 'metrics-server', user: { token } }],
    contexts: [{ name: 'metrics-server', context: { cluster: 'c', user: 'metrics-server' } }],
  }), { mode: 0o600 });

  const port = await freePort(options.address);
  const logPath = join(options.dir, 'metrics-server.log');
  const log = createWriteStream(logPath);
  const child: ChildProcess = spawn(metricsServerBinary(), [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    `--bind-address=${options.address}`, `--secure-port=${port}`, `--cert-dir=${join(options.dir, 'certs')}`,
    '--kubelet-insecure-tls', '--kubelet-preferred-address-types=InternalIP', '--kubelet-use-node-status-port',
    '--metric-resolution=15s', '-v=2',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const text = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
  };

  try {
    // Where the aggregator finds it: a Service without a selector and its Endpoints (mirrored to
    // an EndpointSlice by the controller manager), as a pod's would be.
    await must('POST', '/api/v1/namespaces/kube-system/services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } },
      spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] },
    });
    await must('POST', '/api/v1/namespaces/kube-system/endpoints', {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'metrics-server', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } },
      subsets: [{ addresses: [{ ip: options.address }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
    });
    await must('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io', labels: { 'k8s-app': 'metrics-server' } },
      spec: {
        service: { name: 'metrics-server', namespace: 'kube-system' }, group: 'metrics.k8s.io', version: 'v1beta1',
        // As metrics-server's manifest: its serving certificate is self-signed.
        insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100,
      },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { log: text, stop };
}
