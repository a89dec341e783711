/**
 * The real metrics-server (v0.8.0, built from the Go module proxy) on a real cluster (1.36) with a
 * hostpod node on a host of its own, deployed as its manifest deploys it, its pod a HostProcess
 * pod on that node: metrics-server scrapes the node's kubelet endpoint
 * (/metrics/resource) with its service account's bearer token, which the endpoint checks by a
 * TokenReview and a SubjectAccessReview as the kubelet does, and `kubectl top` prints the node's
 * and a busy HostProcess pod's CPU and memory through the aggregated `metrics.k8s.io` API.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueCertificate } from '../../src/pki.js';
import { TokenReviewAuthenticator } from '../../src/node/kubelet-api/authentication.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { createHosts, type HostNetwork } from '../support/hosts.js';
import { componentVersions, realClusterSkip } from '../support/kube-binaries.js';
import { deployMetricsServer, metricsServerSkip, type DeployedMetricsServer } from '../support/metrics-server.js';
import { startRealCluster, type RealCluster } from '../support/real-cluster.js';
import { joinRealNode, type RealNode } from '../support/real-node.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || realClusterSkip() || kubectlSkip('1.33') || metricsServerSkip();
const TOLERATION = { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' };

describe('metrics-server on a real cluster with a hostpod node', { skip, timeout: 600_000 }, () => {
  const tag = randomBytes(3).toString('hex');
  const nodeName = `msrv-${tag}`;
  const base = mkdtempSync(join(tmpdir(), 'hostpod-metrics-server-'));
  let network: HostNetwork;
  let cluster: RealCluster;
  let node: RealNode;
  let metrics: DeployedMetricsServer;
  let k: Kubectl;
  const address = (): string => network.hosts[0]!.address;

  const must = async (method: string, path: string, body?: unknown, expect = 201): Promise<string> => {
    const response = await cluster.call(method, path, body);
    assert.equal(response.status, expect, `${method} ${path}: ${response.body}`);
    return response.body;
  };
  /** A new service account in `default` and a token of it. */
  const accountToken = async (name: string): Promise<string> => {
    await must('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
    const issued = await must('POST', `/api/v1/namespaces/default/serviceaccounts/${name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    return (JSON.parse(issued) as { status: { token: string } }).status.token;
  };
  /** GET on the node's kubelet endpoint, from outside its host, with a bearer token or none. */
  const kubelet = (path: string, token?: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    const req = request({
      host: address(), port: 10250, path, rejectUnauthorized: false, agent: false,
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  const print = (title: string, text: string): void => {
    process.stdout.write(`# ${title}\n${text.trimEnd().split('\n').map((l) => `#   ${l}`).join('\n')}\n`);
  };

  before(async () => {
    process.stdout.write(`# ${componentVersions().split('\n').join('\n# ')}\n`);
    // How long each step took, for a CI run that is slower than it should be.
    const took: string[] = [];
    const timed = async <T>(what: string, step: () => T | Promise<T>): Promise<T> => {
      const begun = Date.now();
      const result = await step();
      took.push(`${what} ${((Date.now() - begun) / 1000).toFixed(1)} s`);
      return result;
    };
    network = await timed('hosts', () => createHosts([nodeName]));
    cluster = await timed('cluster', () => startRealCluster({ address: network.gateway, aggregator: true }));
    node = await timed('node', () => joinRealNode(cluster, { name: nodeName, dir: join(base, nodeName), address: address(), enter: network.enter(network.hosts[0]!) }));
    metrics = await timed('metrics-server deployed', () => deployMetricsServer(cluster, { nodeName }));
    k = kubectl('1.33', cluster.kubeconfig);
    process.stdout.write(`# set up: ${took.join(', ')}\n`);
  });
  after(async () => {
    const begun = Date.now();
    await metrics?.remove().catch(() => undefined);
    try {
      await node?.remove();
    } finally {
      await cluster?.stop();
    }
    network?.remove();
    process.stdout.write(`# torn down in ${((Date.now() - begun) / 1000).toFixed(1)} s\n`);
    rmSync(base, { recursive: true, force: true });
  });

  test('the kubelet endpoint takes a service account\'s token: 401 without one or with a bad one, 403 without nodes/metrics, 200 with it', async () => {
    assert.deepEqual(await kubelet('/metrics/resource'), { status: 401, body: 'Unauthorized\n' });
    assert.deepEqual(await kubelet('/metrics/resource', 'not-a-token'), { status: 401, body: 'Unauthorized\n' });
    const plain = await accountToken(`plain-${tag}`);
    assert.deepEqual(await kubelet('/metrics/resource', plain), {
      status: 403, body: `Forbidden (user=system:serviceaccount:default:plain-${tag}, verb=get, resource=nodes, subresource=metrics)\n`,
    });
    const reader = await accountToken(`reader-${tag}`);
    await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `node-metrics-${tag}` },
      rules: [{ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] }],
    });
    await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `node-metrics-${tag}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `node-metrics-${tag}` },
      subjects: [{ kind: 'ServiceAccount', name: `reader-${tag}`, namespace: 'default' }],
    });
    const allowed = await kubelet('/metrics/resource', reader);
    assert.equal(allowed.status, 200, allowed.body);
    assert.match(allowed.body, /^node_cpu_usage_seconds_total /m);
    // nodes/metrics is not nodes/stats: the same token may not read the Summary API.
    assert.equal((await kubelet('/stats/summary', reader)).status, 403);
  });

  test('the kubelet\'s token authenticator keeps an answer 2 minutes: a deleted account\'s token works until then', async () => {
    const credential = await issueCertificate(cluster.files.ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'client' });
    const client = new KubeClient({ server: cluster.server, ca: cluster.files.ca.cert, insecureSkipTlsVerify: false, clientCert: credential.cert, clientKey: credential.key });
    let now = 1_000_000;
    const authenticator = new TokenReviewAuthenticator(client, () => now);
    try {
      const token = await accountToken(`cached-${tag}`);
      const caller = await authenticator.authenticate(token);
      assert.equal(caller?.name, `system:serviceaccount:default:cached-${tag}`);
      assert.deepEqual([...caller.groups].sort(), ['system:authenticated', 'system:serviceaccounts', 'system:serviceaccounts:default']);
      assert.equal(await authenticator.authenticate('not-a-token'), undefined);
      await must('DELETE', `/api/v1/namespaces/default/serviceaccounts/cached-${tag}`, undefined, 200);
      now += 119_000;
      assert.equal((await authenticator.authenticate(token))?.name, `system:serviceaccount:default:cached-${tag}`, 'kept for 2 minutes');
      // kube-apiserver keeps its own answer about a token 10 s: wait until it no longer takes the token.
      await eventually(async () => {
        const answer = await must('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
        return (JSON.parse(answer) as { status: { authenticated?: boolean } }).status.authenticated === true ? undefined : true;
      }, 30_000, 'kube-apiserver to refuse the deleted account\'s token');
      assert.equal((await authenticator.authenticate(token))?.name, `system:serviceaccount:default:cached-${tag}`, 'still kept');
      now += 2_000;
      assert.equal(await authenticator.authenticate(token), undefined, 'asked again after 2 minutes: the account is gone');
    } finally {
      client.close();
    }
  });

  test('kubectl top node and kubectl top pod --containers show the hostpod node, a busy HostProcess pod and metrics-server\'s own pod on that node', async () => {
    const pod = `busy-${tag}`;
    const file = join(base, 'busy.json');
    // Holds about 32 MiB in a shell variable, and keeps a core busy.
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: 'default' },
      spec: {
        nodeName, tolerations: [TOLERATION], hostNetwork: true, terminationGracePeriodSeconds: 0,
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        containers: [{ name: 'burner', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'x=$(head -c 32000000 /dev/zero | tr "\\0" a); while :; do :; done'] }],
      },
    }));
    const applied = await k('apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
    await eventually(async () => ((await k('get', 'pod', pod, '-o', 'jsonpath={.status.phase}')).stdout === 'Running' ? true : undefined), 60_000, `pod ${pod} Running (${node.output().slice(-2000)})`);

    const diagnose = async (): Promise<string> => `metrics-server:\n${(await metrics.log()).slice(-4000)}\napiservice: ${(await k('get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'yaml')).stdout}\nagent: ${node.output().slice(-2000)}`;
    // metrics-server needs two scrapes (15 s apart) for a CPU rate.
    const nodes = await eventually(async () => {
      const out = await k('top', 'node', nodeName);
      return out.code === 0 ? out.stdout : undefined;
    }, 120_000, 'kubectl top node').catch(async (error: unknown) => { throw new Error(`${String(error)}\n${await diagnose()}`); });
    print(`kubectl top node ${nodeName}`, nodes);
    const nodeRow = new RegExp(`^${nodeName}\\s+(\\d+)m\\s+(\\d+)%\\s+(\\d+)Mi\\s+(\\d+)%\\s*$`, 'm').exec(nodes);
    assert.ok(nodeRow, nodes);
    assert.ok(Number(nodeRow[1]) > 100, `the node uses the busy loop's CPU: ${nodeRow[1]}m`);
    assert.ok(Number(nodeRow[3]) > 32, `the node's working set holds the pod's: ${nodeRow[3]}Mi`);

    const pods = await eventually(async () => {
      const out = await k('top', 'pod', pod, '--containers');
      return out.code === 0 ? out.stdout : undefined;
    }, 90_000, 'kubectl top pod --containers').catch(async (error: unknown) => { throw new Error(`${String(error)}\n${await diagnose()}`); });
    print(`kubectl top pod ${pod} --containers`, pods);
    const podRow = new RegExp(`^${pod}\\s+burner\\s+(\\d+)m\\s+(\\d+)Mi\\s*$`, 'm').exec(pods);
    assert.ok(podRow, pods);
    assert.ok(Number(podRow[1]) > 100, `the busy loop uses CPU: ${podRow[1]}m`);
    assert.ok(Number(podRow[2]) >= 25, `the container holds about 32 MB (30.5 MiB): ${podRow[2]}Mi`);

    // metrics-server itself is a HostProcess pod on the hostpod node, and measures itself there.
    const own = await k('get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=metrics-server', '-o', 'wide');
    print('kubectl get pods -n kube-system -l k8s-app=metrics-server -o wide', own.stdout);
    assert.match(own.stdout, new RegExp(`^metrics-server-\\S+\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${address().replaceAll('.', '\\.')}\\s+${nodeName}\\s`, 'm'));
    const itself = await eventually(async () => {
      const out = await k('top', 'pod', '-n', 'kube-system', '-l', 'k8s-app=metrics-server');
      return out.code === 0 ? out.stdout : undefined;
    }, 60_000, 'kubectl top pod of metrics-server');
    print('kubectl top pod -n kube-system -l k8s-app=metrics-server', itself);
    const ownRow = /^metrics-server-\S+\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(itself);
    assert.ok(ownRow && Number(ownRow[2]) > 5, itself);

    // The same figures through the API kubectl read them from.
    const raw = await k('get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/${pod}`);
    assert.equal(raw.code, 0, raw.stderr);
    const metricsPod = JSON.parse(raw.stdout) as { kind: string; containers: { name: string; usage: { cpu: string; memory: string } }[] };
    assert.equal(metricsPod.kind, 'PodMetrics');
    assert.deepEqual(metricsPod.containers.map((c) => c.name), ['burner']);
    // Every scrape of the hostpod node was taken: metrics-server refused nothing the endpoint served.
    const failures = (await metrics.log()).split('\n').filter((line) => /Failed to scrape node|unable to fully scrape|failed parsing|decode/i.test(line));
    assert.deepEqual(failures, [], 'metrics-server logged a failed scrape');
    await k('delete', 'pod', pod, '--wait=false');
  });
});
