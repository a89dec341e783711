/**
 * The real metrics-server in a real cluster: built from the Go module proxy by
 * scripts/build-metrics-server.sh into a cache outside the repository (CI builds it; elsewhere a
 * test without it skips), deployed as its manifest deploys it (service account, RBAC, Service,
 * Deployment, APIService `v1beta1.metrics.k8s.io`; the cluster started with `aggregator: true`),
 * its pod a HostProcess pod on a hostpod node. It authenticates to the API server and to kubelets
 * with its service account's token.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RealCluster } from './real-cluster.js';

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

export interface DeployedMetricsServer {
  /** Its pod's status and log, through the API. */
  log(): Promise<string>;
  /** Deletes its APIService and Deployment (the node's removal stops a container left behind). */
  remove(): Promise<void>;
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

const BASE_IMAGE = 'localhost/hostprocess-base:latest';
/** metrics-server's port in its manifest (10250 there is the kubelet's on a hostpod node, as on any host network). */
const PORT = 4443;

/**
 * Deploys metrics-server as its manifest does, as a HostProcess pod on the hostpod node `nodeName`:
 * a Deployment in kube-system whose container runs the built binary from the host (HostProcess
 * containers see the host's files) on the node's network, with in-cluster configuration from its
 * service account's token; its Service selects the pod, so its endpoint is the node's address,
 * where the API server's aggregator reaches it. The test cluster's flags: its kubelet clients
 * trust no kubelet CA (`--kubelet-insecure-tls`, as kind and minikube set it), take the InternalIP
 * and the port in the node's status, and scrape every 15 s.
 * @returns the pod's log through the API (for a failure's message), and how to remove it all
 */
export async function deployMetricsServer(cluster: RealCluster, options: { nodeName: string }): Promise<DeployedMetricsServer> {
  const must = async (method: string, path: string, body?: unknown, expect = 201): Promise<string> => {
    const response = await cluster.call(method, path, body);
    if (response.status !== expect) throw new Error(`${method} ${path}: ${response.status} ${response.body}`);
    return response.body;
  };
  const labels = { 'k8s-app': 'metrics-server' };
  for (const [path, body] of MANIFEST) await must('POST', path, body);
  await must('POST', '/api/v1/namespaces/kube-system/services', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system', labels },
    spec: { selector: labels, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }] },
  });
  await must('POST', '/apis/apps/v1/namespaces/kube-system/deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'metrics-server', namespace: 'kube-system', labels },
    spec: {
      replicas: 1, selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'metrics-server', hostNetwork: true,
          nodeSelector: { 'kubernetes.io/hostname': options.nodeName },
          tolerations: [{ key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' }],
          securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: 'metrics-server', image: BASE_IMAGE, command: [metricsServerBinary()],
            args: [
              // Its serving certificate, self-signed at start, goes into the container's sandbox.
              '--cert-dir=$(CONTAINER_SANDBOX_MOUNT_POINT)certs', `--secure-port=${PORT}`,
              '--kubelet-insecure-tls', '--kubelet-preferred-address-types=InternalIP', '--kubelet-use-node-status-port',
              '--metric-resolution=15s', '-v=2',
            ],
            ports: [{ name: 'https', containerPort: PORT, protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' }, periodSeconds: 5, failureThreshold: 3 },
            livenessProbe: { httpGet: { path: '/livez', port: 'https', scheme: 'HTTPS' }, periodSeconds: 10, failureThreshold: 3 },
          }],
        },
      },
    },
  });
  await must('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io', labels },
    spec: {
      service: { name: 'metrics-server', namespace: 'kube-system' }, group: 'metrics.k8s.io', version: 'v1beta1',
      // As metrics-server's manifest: its serving certificate is self-signed.
      insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100,
    },
  });
  const podLog = async (): Promise<string> => {
    const pods = JSON.parse((await cluster.call('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dmetrics-server')).body) as { items?: { metadata: { name: string }; status?: unknown }[] };
    const pod = pods.items?.[0];
    if (!pod) return 'no metrics-server pod';
    const log = await cluster.call('GET', `/api/v1/namespaces/kube-system/pods/${pod.metadata.name}/log`);
    return `pod ${pod.metadata.name}: ${JSON.stringify(pod.status)}\n${log.body}`;
  };
  return {
    log: podLog,
    remove: async () => {
      await cluster.call('DELETE', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io');
      await cluster.call('DELETE', '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server?propagationPolicy=Foreground');
    },
  };
}
