/**
 * The kubelet endpoint's statistics: `/metrics/resource` (what metrics-server scrapes for
 * `kubectl top`) and `/stats/summary`, from a node agent running a HostProcess pod that burns
 * CPU and holds memory; both authorized as the kubelet authorizes them (nodes/metrics,
 * nodes/stats), for a client certificate or a service account's bearer token (TokenReview). The
 * metrics text is read with a strict parser of the exposition format.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { availableParallelism } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { issueCertificate, type KeyPair } from '../../src/pki.js';
import { formatValue } from '../../src/api/prometheus-text.js';
import { resourceMetricsText } from '../../src/node/kubelet-api/resource-metrics.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { startTestNode, type TestNode } from '../support/node-agent.js';
import { buildPrometheusChecker, prometheusCheckSkip } from '../support/prometheus-check.js';
import { parsePrometheusText, type ParsedFamily } from '../support/prometheus-text.js';
import { hostPod, rootSkip, shell, testRuntime, type TestRuntime } from '../support/runtime.js';

describe('the resource metrics text', () => {
  test('writes values as the Prometheus client does (Go\'s shortest %g)', () => {
    assert.deepEqual([0, 1, 0.25, 123456, 1234567, 12582912, 1e-5, 3.5e9].map(formatValue), ['0', '1', '0.25', '123456', '1.234567e+06', '1.2582912e+07', '1e-05', '3.5e+09']);
  });

  test('escapes label values, and the strict parser reads them back (and refuses malformed text)', () => {
    const time = '2026-01-01T00:00:00.000Z';
    const text = resourceMetricsText({
      node: { nodeName: 'n', startTime: time },
      pods: [{ podRef: { name: 'p"\\', namespace: 'ns', uid: 'u' }, startTime: time, containers: [{ name: 'c', startTime: time, cpu: { time, usageCoreNanoSeconds: 2.5e9 } }] }],
    });
    const families = parsePrometheusText(text);
    const cpu = families.get('container_cpu_usage_seconds_total');
    assert.deepEqual(cpu?.samples, [{ name: 'container_cpu_usage_seconds_total', labels: { container: 'c', namespace: 'ns', pod: 'p"\\' }, value: 2.5, timestampMs: Date.parse(time) }]);
    assert.equal(families.get('resource_scrape_error')?.samples[0]?.value, 0);
    assert.equal(families.has('node_cpu_usage_seconds_total'), false, 'no sample without a value');
    assert.throws(() => parsePrometheusText('a{b="c} 1\n'), /malformed labels/);
    assert.throws(() => parsePrometheusText('a 1 2 3\n'), /malformed value/);
    assert.throws(() => parsePrometheusText('a 1\nb 1\na 2\n'), /appears again/);
    assert.throws(() => parsePrometheusText('a 1\n# TYPE a gauge\n'), /after its samples/);
  });
});

describe('the kubelet endpoint\'s statistics of a running HostProcess pod', { skip: rootSkip(), timeout: 120_000 }, () => {
  let plane: StartedPlane;
  let t: TestRuntime;
  let node: TestNode;
  before(async () => {
    plane = await startControlPlane();
    t = await testRuntime();
    node = await startTestNode(plane, t.runtime);
  });
  after(async () => {
    await node?.stop();
    await t?.close();
    await plane?.stop();
  });

  /** GET on the endpoint with a client certificate, or with a bearer token (a string) and no certificate. */
  function get(path: string, credential: KeyPair | string = plane.plane.pki.kubeletClient): Promise<{ status: number; type: string; body: string }> {
    const auth = typeof credential === 'string' ? { headers: credential === '' ? {} : { Authorization: `Bearer ${credential}` } } : { cert: credential.cert, key: credential.key };
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: node.agent.kubeletPort, path, ca: plane.plane.pki.ca.cert, agent: false, ...auth }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  async function scrape(): Promise<Map<string, ParsedFamily>> {
    const response = await get('/metrics/resource');
    assert.equal(response.status, 200, response.body);
    assert.equal(response.type, 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores');
    return parsePrometheusText(response.body);
  }

  const only = (families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): { value: number; timestampMs: number | undefined } => {
    const found = families.get(name)?.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
    assert.equal(found.length, 1, `one ${name} sample with ${JSON.stringify(labels)} in ${JSON.stringify([...families.keys()])}`);
    return found[0]!;
  };

  test('/metrics/resource has the node\'s, the pod\'s and its container\'s CPU and memory, and the CPU counter grows', async () => {
    // Holds about 16 MiB in a shell variable's memory, and keeps one core busy.
    const pod = hostPod([shell('x=$(head -c 16000000 /dev/zero | tr "\\0" a); while :; do :; done', {}, 'burner')], { terminationGracePeriodSeconds: 0 }, 'busy');
    pod.metadata = { name: 'busy', namespace: 'default' };
    await node.createPod(pod);
    const labels = { container: 'burner', pod: 'busy', namespace: 'default' };
    const first = await eventually(async () => {
      const families = await scrape();
      const memory = families.get('container_memory_working_set_bytes')?.samples.find((s) => s.labels['pod'] === 'busy');
      return memory && memory.value > 16e6 ? families : undefined;
    }, 30_000, 'the container\'s memory in /metrics/resource').catch(async (error: unknown) => {
      const status = await api(plane.plane, 'GET', '/api/v1/namespaces/default/pods/busy');
      throw new Error(`${String(error)}; containers: ${JSON.stringify(t.runtime.list().map((c) => [c.name, c.owner, c.state, c.init, t.runtime.stats(c.id)]))}; the pod: ${status.body.slice(-1500)}; the metrics: ${(await get('/metrics/resource')).body}; agent log: ${node.logs.join('\n')}`);
    });

    for (const [name, type] of [['container_cpu_usage_seconds_total', 'counter'], ['container_memory_working_set_bytes', 'gauge'], ['container_start_time_seconds', 'gauge'], ['node_cpu_usage_seconds_total', 'counter'], ['node_memory_working_set_bytes', 'gauge'], ['pod_cpu_usage_seconds_total', 'counter'], ['pod_memory_working_set_bytes', 'gauge'], ['resource_scrape_error', 'gauge']] as const) {
      assert.equal(first.get(name)?.type, type, name);
      assert.match(first.get(name)?.help ?? '', /^\[STABLE\] /, name);
    }
    assert.deepEqual(Object.keys(first.get('container_cpu_usage_seconds_total')!.samples[0]!.labels).sort(), ['container', 'namespace', 'pod']);
    assert.deepEqual(Object.keys(first.get('pod_memory_working_set_bytes')!.samples[0]!.labels).sort(), ['namespace', 'pod']);
    assert.equal(only(first, 'resource_scrape_error').value, 0);
    const cpu = only(first, 'container_cpu_usage_seconds_total', labels);
    assert.ok(cpu.timestampMs !== undefined && Math.abs(cpu.timestampMs - Date.now()) < 60_000, `a timestamp of now: ${cpu.timestampMs}`);
    assert.ok(only(first, 'pod_memory_working_set_bytes', { pod: 'busy' }).value >= only(first, 'container_memory_working_set_bytes', labels).value);
    const node1 = only(first, 'node_memory_working_set_bytes').value;
    assert.ok(node1 > only(first, 'pod_memory_working_set_bytes', { pod: 'busy' }).value, `the node's working set ${node1} holds the pod's`);
    const started = only(first, 'container_start_time_seconds', labels).value;
    assert.ok(Math.abs(started - Date.now() / 1000) < 120, `started just now: ${started}`);

    // The busy loop's CPU time grows between scrapes, and the node's with it.
    const later = await eventually(async () => {
      const families = await scrape();
      return only(families, 'container_cpu_usage_seconds_total', labels).value > cpu.value + 0.2 ? families : undefined;
    }, 30_000, 'the container\'s CPU counter to grow');
    assert.ok(only(later, 'node_cpu_usage_seconds_total').value > only(first, 'node_cpu_usage_seconds_total').value);
    assert.ok(only(later, 'pod_cpu_usage_seconds_total', { pod: 'busy' }).value >= only(later, 'container_cpu_usage_seconds_total', labels).value);
  });

  test('Prometheus\' own parser reads /metrics/resource, with the same families and types', { skip: prometheusCheckSkip() }, async () => {
    const checker = buildPrometheusChecker();
    try {
      assert.throws(() => checker.check('a{b="c} 1\n'), /Prometheus' parser refuses the text/);
      const response = await get('/metrics/resource');
      assert.equal(response.status, 200, response.body);
      const ours = [...parsePrometheusText(response.body).values()].map((f) => `${f.name} ${f.type?.toUpperCase() ?? ''} ${f.samples.length}`).sort();
      assert.deepEqual(checker.check(response.body), ours);
      assert.ok(ours.some((line) => line.startsWith('container_cpu_usage_seconds_total COUNTER ')), ours.join('\n'));
      const agent = await get('/metrics');
      assert.deepEqual(checker.check(agent.body), [...parsePrometheusText(agent.body).values()].map((f) => `${f.name} ${f.type?.toUpperCase() ?? ''} ${f.samples.length}`).sort());
    } finally {
      checker.close();
    }
  });

  test('/metrics has the agent\'s own: the node\'s name, its running pods and containers, and its process', async () => {
    const response = await get('/metrics');
    assert.equal(response.status, 200, response.body);
    assert.equal(response.type, 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores');
    const families = parsePrometheusText(response.body);
    assert.deepEqual(families.get('kubelet_node_name')?.samples.map((s) => [s.labels, s.value]), [[{ node: node.name }, 1]]);
    assert.equal(families.get('kubelet_node_name')?.help, '[ALPHA] The node\'s name. The count is always 1.');
    assert.equal(only(families, 'kubelet_running_pods').value, 1);
    assert.equal(only(families, 'kubelet_running_containers', { container_state: 'running' }).value, 1);
    assert.ok(only(families, 'process_resident_memory_bytes').value > 1e6);
    assert.ok(only(families, 'process_cpu_seconds_total').value > 0);
    assert.equal(families.get('process_cpu_seconds_total')?.type, 'counter');
    assert.ok(Math.abs(only(families, 'process_start_time_seconds').value - Date.now() / 1000) < 24 * 3600);
  });

  test('/stats/summary has the node and the pod with its container, in the Summary API\'s shape', async () => {
    const response = await get('/stats/summary');
    assert.equal(response.status, 200, response.body);
    assert.equal(response.type, 'application/json');
    const summary = JSON.parse(response.body) as { node: { nodeName: string; cpu: { usageCoreNanoSeconds: number }; memory: { workingSetBytes: number } }; pods: { podRef: { name: string; namespace: string; uid: string }; containers: { name: string; cpu: { usageCoreNanoSeconds: number }; memory: { workingSetBytes: number; usageBytes: number } }[] }[] };
    assert.equal(summary.node.nodeName, node.name);
    assert.ok(summary.node.cpu.usageCoreNanoSeconds > 0 && summary.node.memory.workingSetBytes > 0);
    const busy = summary.pods.find((p) => p.podRef.name === 'busy');
    assert.ok(busy, response.body);
    assert.equal(busy.podRef.namespace, 'default');
    assert.match(busy.podRef.uid, /^[0-9a-f-]{36}$/);
    assert.equal(busy.containers[0]?.name, 'burner');
    assert.ok(busy.containers[0].memory.workingSetBytes > 16e6 && busy.containers[0].memory.usageBytes >= busy.containers[0].memory.workingSetBytes);
    assert.ok(busy.containers[0].cpu.usageCoreNanoSeconds > 0);

    // A rate comes with a reading a second or more after the kept one: the busy loop uses a good part of a core.
    const rated = await eventually(async () => {
      const again = JSON.parse((await get('/stats/summary')).body) as { node: { cpu: { usageNanoCores?: number } }; pods: { podRef: { name: string }; cpu: { usageNanoCores?: number }; containers: { cpu: { usageNanoCores?: number } }[] }[] };
      const pod = again.pods.find((p) => p.podRef.name === 'busy');
      return pod?.containers[0]?.cpu.usageNanoCores === undefined ? undefined : { node: again.node.cpu.usageNanoCores, pod: pod.cpu.usageNanoCores, container: pod.containers[0].cpu.usageNanoCores };
    }, 30_000, 'usageNanoCores');
    assert.ok(rated.container > 2e8 && rated.container < (availableParallelism() + 1) * 1e9, `the busy loop's rate: ${rated.container}`);
    assert.ok(rated.pod !== undefined && rated.node !== undefined && rated.node > 2e8, JSON.stringify(rated));
  });

  test('a service account\'s bearer token is checked by TokenReview: 401 without one or with a bad one, 403 without nodes/metrics, 200 with it', async () => {
    assert.deepEqual(await get('/metrics/resource', '').then((r) => [r.status, r.body]), [401, 'Unauthorized\n']);
    assert.deepEqual(await get('/metrics/resource', 'not-a-token').then((r) => [r.status, r.body]), [401, 'Unauthorized\n']);
    const token = async (name: string): Promise<string> => {
      assert.equal((await api(plane.plane, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } })).status, 201);
      const issued = await api(plane.plane, 'POST', `/api/v1/namespaces/default/serviceaccounts/${name}/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
      return (issued.json()['status'] as { token: string }).token;
    };
    const plain = await token('plain');
    assert.deepEqual(await get('/metrics/resource', plain).then((r) => [r.status, r.body]), [403, 'Forbidden (user=system:serviceaccount:default:plain, verb=get, resource=nodes, subresource=metrics)\n']);
    const reader = await token('metrics-reader');
    const bound = await api(plane.plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'metrics-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:monitoring' }, subjects: [{ kind: 'ServiceAccount', name: 'metrics-reader', namespace: 'default' }] },
    });
    assert.equal(bound.status, 201, bound.body);
    const allowed = await get('/metrics/resource', reader);
    assert.equal(allowed.status, 200, allowed.body);
    assert.ok(parsePrometheusText(allowed.body).has('node_cpu_usage_seconds_total'), allowed.body);
  });

  test('another node\'s certificate is refused as nodes/metrics and nodes/stats', async () => {
    assert.equal((await get('/metrics', await issueCertificate(plane.plane.pki.ca, { commonName: 'system:node:third', organizations: ['system:nodes'], usage: 'client' }))).status, 403);
    const other = await issueCertificate(plane.plane.pki.ca, { commonName: 'system:node:other', organizations: ['system:nodes'], usage: 'client' });
    assert.deepEqual(await get('/metrics/resource', other).then((r) => [r.status, r.body]), [403, 'Forbidden (user=system:node:other, verb=get, resource=nodes, subresource=metrics)\n']);
    assert.deepEqual(await get('/stats/summary', other).then((r) => [r.status, r.body]), [403, 'Forbidden (user=system:node:other, verb=get, resource=nodes, subresource=stats)\n']);
  });
});
