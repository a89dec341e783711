/**
 * metrics.k8s.io and /metrics served in process: a stand-in kubelet endpoint (TLS from the
 * cluster's CA, the client certificate checked) answers `/metrics/resource` with counters the
 * test moves on, and the API server's answers are checked to the byte where metrics-server's
 * are known: bodies, quantities, windows, NotFound and the other refusals, Tables, /metrics.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { issueCertificate } from '../../src/pki.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

const NODE = 'metrics-node';
let plane: StartedPlane;
let kubelet: Server;
/** What the stand-in reports: cumulative CPU seconds and working sets, moved on by each scrape. */
const state = { scrapes: 0, nodeCpu: 100, burnerCpu: 10, clients: new Set<string>() };

function resourceMetrics(): string {
  const now = Date.now();
  state.scrapes++;
  // Half a core for the container, a core and a half for the node, per second of wall time.
  const lines = [
    '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
    '# TYPE node_cpu_usage_seconds_total counter',
    `node_cpu_usage_seconds_total ${state.nodeCpu + (now / 1000) * 1.5} ${now}`,
    `node_memory_working_set_bytes ${64 * 1024 * 1024} ${now}`,
    `container_cpu_usage_seconds_total{container="burner",namespace="default",pod="busy"} ${state.burnerCpu + (now / 1000) * 0.5} ${now}`,
    `container_memory_working_set_bytes{container="burner",namespace="default",pod="busy"} ${16 * 1024 * 1024} ${now}`,
    `container_start_time_seconds{container="burner",namespace="default",pod="busy"} ${(now - 3_600_000) / 1000}`,
    `container_cpu_usage_seconds_total{container="side",namespace="default",pod="busy"} ${1 + (now / 1000) * 0.001} ${now}`,
    `container_memory_working_set_bytes{container="side",namespace="default",pod="busy"} 1000000 ${now}`,
    `container_cpu_usage_seconds_total{container="c",namespace="default",pod="pending"} ${(now / 1000) * 0.1} ${now}`,
    `container_memory_working_set_bytes{container="c",namespace="default",pod="pending"} 4096 ${now}`,
  ];
  return `${lines.join('\n')}\n`;
}

before(async () => {
  plane = await startControlPlane({ metricResolutionMs: 1000 });
  const serving = await issueCertificate(plane.plane.pki.ca, { commonName: NODE, hosts: ['127.0.0.1'], usage: 'server' });
  kubelet = createServer({ key: serving.key, cert: serving.cert, ca: plane.plane.pki.ca.cert, requestCert: true, rejectUnauthorized: true }, (request, response) => {
    state.clients.add(String((request.socket as TLSSocket).getPeerCertificate().subject.CN));
    if (request.url !== '/metrics/resource') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores' }).end(resourceMetrics());
  });
  await new Promise<void>((resolve) => kubelet.listen(0, '127.0.0.1', resolve));
  const port = (kubelet.address() as AddressInfo).port;
  const node = await api(plane.plane, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { zone: 'a' } } } });
  assert.equal(node.status, 201, node.body);
  const status = await api(plane.plane, 'PATCH', `/api/v1/nodes/${NODE}/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() }], addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } },
  });
  assert.equal(status.status, 200, status.body);
  for (const [name, containers] of [['busy', ['burner', 'side']], ['pending', ['c']]] as const) {
    const pod = await api(plane.plane, 'POST', '/api/v1/namespaces/default/pods', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { nodeName: NODE, containers: containers.map((c) => ({ name: c, image: 'busybox' })) } } });
    assert.equal(pod.status, 201, pod.body);
  }
  const running = await api(plane.plane, 'PATCH', '/api/v1/namespaces/default/pods/busy/status', { contentType: 'application/merge-patch+json', body: { status: { phase: 'Running' } } });
  assert.equal(running.status, 200, running.body);
});

after(async () => {
  await new Promise<void>((resolve) => kubelet?.close(() => resolve()));
  await plane?.stop();
});

type Json = Record<string, unknown>;

/** A CPU quantity (`1500m`, `1499999999n`, `2`) in cores. */
function cores(quantity: unknown): number {
  const match = /^(\d+)([num]?)$/.exec(String(quantity));
  assert.ok(match, `a CPU quantity: ${String(quantity)}`);
  return Number(match[1]) * { n: 1e-9, u: 1e-6, m: 1e-3, '': 1 }[match[2] as 'n' | 'u' | 'm' | ''];
}

describe('metrics.k8s.io in process', () => {
  test('a node has metrics from its second scrape: rates from the counters, the body as metrics-server writes it', async () => {
    const body = await eventually(async () => {
      const r = await api(plane.plane, 'GET', `/apis/metrics.k8s.io/v1beta1/nodes/${NODE}`);
      return r.status === 200 ? r.json() : undefined;
    }, 15_000, 'the node\'s metrics');
    assert.deepEqual(Object.keys(body), ['kind', 'apiVersion', 'metadata', 'timestamp', 'window', 'usage']);
    assert.equal(body['kind'], 'NodeMetrics');
    assert.equal(body['apiVersion'], 'metrics.k8s.io/v1beta1');
    const metadata = body['metadata'] as Json;
    assert.deepEqual([metadata['name'], metadata['labels']], [NODE, { zone: 'a' }]);
    assert.match(String(metadata['creationTimestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(String(body['window']), /^\d+(\.\d+)?s$/);
    const usage = body['usage'] as { cpu: string; memory: string; swap: string };
    assert.deepEqual([usage.memory, usage.swap], ['64Mi', '0']);
    assert.ok(Math.abs(cores(usage.cpu) - 1.5) < 0.01, `the node's rate: ${usage.cpu}`);
    // Scraped with the API server's kubelet-client certificate, the one logs and exec are proxied with.
    assert.deepEqual([...state.clients], [String(/CN=(.*)/.exec(new X509Certificate(plane.plane.pki.kubeletClient.cert).subject)?.[1])]);
  });

  test('pods: Running ones only, containers in the pod\'s order, selectors, NotFound in metrics-server\'s words', async () => {
    const list = (await api(plane.plane, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods')).json();
    assert.equal(list['kind'], 'PodMetricsList');
    assert.deepEqual(list['metadata'], {});
    const items = list['items'] as { metadata: Json; containers: { name: string; usage: Json }[] }[];
    assert.deepEqual(items.map((i) => i.metadata['name']), ['busy']);
    assert.deepEqual(items[0]!.containers.map((c) => c.name), ['burner', 'side']);
    assert.deepEqual(items[0]!.containers.map((c) => [c.usage['memory'], c.usage['swap']]), [['16Mi', '0'], ['1M', '0']]);
    assert.ok(Math.abs(cores(items[0]!.containers[0]!.usage['cpu']) - 0.5) < 0.01, JSON.stringify(items[0]));
    const all = (await api(plane.plane, 'GET', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dbusy')).json();
    assert.deepEqual((all['items'] as { metadata: Json }[]).map((i) => [i.metadata['namespace'], i.metadata['name']]), [['default', 'busy']]);
    assert.deepEqual((await api(plane.plane, 'GET', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dnone')).json()['items'], []);
    const named = (await api(plane.plane, 'GET', '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name!%3Dbusy')).json();
    assert.deepEqual(named['items'], []);

    const cases: [string, number, string][] = [
      ['/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/pending', 404, 'podmetrics.metrics.k8s.io "default/pending" not found'],
      ['/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope', 404, 'pod "nope" not found'],
      ['/apis/metrics.k8s.io/v1beta1/nodes/nope', 404, 'node "nope" not found'],
      ['/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dx', 400, '"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"'],
      ['/apis/metrics.k8s.io/v1beta1/nodes?watch=true', 405, 'watch is not supported on resources of kind "nodes.metrics.k8s.io"'],
      ['/apis/metrics.k8s.io/v1beta1/services', 404, 'the server could not find the requested resource'],
    ];
    for (const [path, code, message] of cases) {
      const r = await api(plane.plane, 'GET', path);
      assert.deepEqual([r.status, r.json()['message']], [code, message], path);
    }
  });

  test('discovery lists the group last with its two resources; a Table has metrics-server\'s columns', async () => {
    const groups = (await api(plane.plane, 'GET', '/apis')).json()['groups'] as { name: string }[];
    assert.equal(groups.at(-1)?.name, 'metrics.k8s.io');
    assert.deepEqual((await api(plane.plane, 'GET', '/apis/metrics.k8s.io/v1beta1')).json(), {
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'metrics.k8s.io/v1beta1',
      resources: [
        { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
        { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      ],
    });
    const aggregated = (await api(plane.plane, 'GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json();
    const last = (aggregated['items'] as { metadata: Json; versions: { resources: Json[] }[] }[]).at(-1)!;
    assert.equal(last.metadata['name'], 'metrics.k8s.io');
    assert.deepEqual(last.versions[0]!.resources.map((r) => [r['resource'], r['scope']]), [['nodes', 'Cluster'], ['pods', 'Namespaced']]);
    const table = (await api(plane.plane, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json();
    assert.deepEqual((table['columnDefinitions'] as Json[]).map((c) => c['name']), ['Name', 'cpu', 'memory', 'swap', 'Window']);
    const row = (table['rows'] as { cells: string[]; object: Json }[])[0]!;
    assert.equal(row.cells[0], NODE);
    assert.equal(row.object['kind'], 'PartialObjectMetadata');
  });

  test('/metrics counts the metrics requests and holds the stored objects', async () => {
    const text = (await api(plane.plane, 'GET', '/metrics')).body;
    assert.match(text, /^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="metrics\.k8s\.io",resource="nodes",scope="resource",subresource="",verb="GET",version="v1beta1"\} \d+$/m);
    assert.match(text, /^apiserver_request_total\{code="404",component="apiserver",dry_run="",group="metrics\.k8s\.io",resource="pods",scope="resource",subresource="",verb="GET",version="v1beta1"\} 2$/m);
    assert.match(text, /^apiserver_storage_objects\{resource="nodes"\} 1$/m);
    assert.match(text, /^apiserver_storage_objects\{resource="pods"\} 2$/m);
    assert.match(text, /^# TYPE apiserver_request_duration_seconds histogram$/m);
    // A request authorization refuses is not counted: kube-apiserver refuses it before counting.
    const count = (body: string): number => Number(/^apiserver_request_total\{code="200",[^}]*resource="namespaces",scope="cluster",subresource="",verb="LIST",version="v1"\} (\d+)$/m.exec(body)?.[1] ?? 0);
    const issued = await api(plane.plane, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
    const token = String((issued.json()['status'] as Json)['token']);
    const before = (await api(plane.plane, 'GET', '/metrics')).body;
    assert.equal((await api(plane.plane, 'GET', '/api/v1/namespaces', { token })).status, 403);
    assert.equal((await api(plane.plane, 'GET', '/api/v1/namespaces')).status, 200);
    const later = (await api(plane.plane, 'GET', '/metrics')).body;
    assert.equal(count(later), count(before) + 1);
    assert.doesNotMatch(later, /code="403"/);
  });
});
