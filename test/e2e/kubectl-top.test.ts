/**
 * `kubectl top` against `hostpod up`: its control plane scrapes the node's kubelet endpoint as
 * metrics-server does and serves metrics.k8s.io, so the real kubectl prints the node's and a
 * HostProcess pod's CPU and memory; RBAC decides who may read them, as on a cluster with
 * metrics-server's manifest applied. Also the API server's own `/metrics`, read with Prometheus'
 * own parser, authorized as kube-apiserver authorizes it (system:monitoring).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { buildPrometheusChecker, prometheusCheckSkip } from '../support/prometheus-check.js';
import { parsePrometheusText } from '../support/prometheus-text.js';
import { freePort } from '../support/real-cluster.js';
import { BASE, rootSkip } from '../support/runtime.js';

const VERSION = '1.33';
const skip = rootSkip() || kubectlSkip(VERSION);
/** What the holder container keeps in a shell variable: about 32 MB. */
const HELD_BYTES = 32_000_000;

/** A quantity kubectl top prints (`1234m`, `56Mi`) in cores or bytes. */
function parseTop(text: string): number {
  const match = /^(\d+)(m|Ki|Mi|Gi)?$/.exec(text);
  assert.ok(match, `a kubectl top figure: ${text}`);
  const scale = { m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[match[2] as 'm' | 'Ki' | 'Mi' | 'Gi'] ?? 1;
  return Number(match[1]) * scale;
}

/** kubectl's table: a row per line, cells split on runs of spaces, keyed by the header. */
function rows(stdout: string): Record<string, string>[] {
  const [header = '', ...lines] = stdout.trim().split('\n');
  const names = header.trim().split(/\s+/);
  return lines.map((line) => Object.fromEntries(line.trim().split(/\s+/).map((cell, i) => [names[i] ?? String(i), cell])));
}

describe('kubectl top against hostpod up', { skip, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-top-'));
  const ns = `top-${randomBytes(3).toString('hex')}`;
  let up: UpProcess | undefined;
  let k: Kubectl;
  let nodeName: string;

  before(async () => {
    up = await startUp(join(dir, 'data'), await freePort(), ['--metric-resolution', '2s']);
    k = kubectl(VERSION, up.kubeconfig);
    assert.equal((await k('create', 'namespace', ns)).code, 0);
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'busy', namespace: ns, labels: { app: 'busy' } },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        hostNetwork: true, terminationGracePeriodSeconds: 0, restartPolicy: 'Never',
        containers: [
          { name: 'burner', image: BASE, command: ['/bin/sh', '-c', 'while :; do :; done'] },
          { name: 'holder', image: BASE, command: ['/bin/sh', '-c', `x=$(head -c ${HELD_BYTES} /dev/zero | tr "\\0" a); while :; do sleep 1; done`] },
        ],
      },
    };
    writeFileSync(join(dir, 'pod.json'), JSON.stringify(pod));
    const applied = await k('apply', '-f', join(dir, 'pod.json'));
    assert.equal(applied.code, 0, applied.stderr);
    await eventually(async () => ((await k('get', 'pod', 'busy', '-n', ns, '-o', 'jsonpath={.status.phase}')).stdout === 'Running' ? true : undefined), 60_000, 'the pod running');
    nodeName = (await k('get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}')).stdout;
    assert.notEqual(nodeName, '');
  });

  after(async () => {
    try {
      if (up) {
        await k('delete', 'namespace', ns, '--wait=false');
        await k('delete', 'pod', 'busy', '-n', ns, '--grace-period=0', '--force');
        await up.stop();
      }
    } finally {
      await removeAllContainers(join(dir, 'data'));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kubectl top node prints the node with its CPU and memory', async () => {
    const top = await eventually(async () => {
      const run = await k('top', 'node');
      return run.code === 0 ? run : undefined;
    }, 60_000, 'kubectl top node to answer');
    const [row] = rows(top.stdout).filter((r) => r['NAME'] === nodeName);
    assert.ok(row, top.stdout);
    // The busy loop never sleeps: the node's rate holds it, whatever the machine's load.
    assert.ok(parseTop(row['CPU(cores)']!) > 0.02, top.stdout);
    assert.ok(parseTop(row['MEMORY(bytes)']!) > HELD_BYTES, top.stdout);
    assert.match(row['CPU(%)']!, /^\d+%$/, top.stdout);
    assert.match(row['MEMORY(%)']!, /^\d+%$/, top.stdout);
    // Every scrape of the node's kubelet endpoint was answered.
    assert.doesNotMatch(up!.log(), /cannot scrape/);
  });

  test('kubectl top pod --containers prints each container: the busy one\'s CPU, the holding one\'s memory', async () => {
    const top = await eventually(async () => {
      const run = await k('top', 'pod', '-n', ns, '--containers');
      return run.code === 0 && rows(run.stdout).length === 2 ? run : undefined;
    }, 60_000, 'kubectl top pod --containers to show both containers');
    const byName = new Map(rows(top.stdout).map((r) => [r['NAME'], r]));
    assert.deepEqual(rows(top.stdout).map((r) => [r['POD'], r['NAME']]), [['busy', 'burner'], ['busy', 'holder']], top.stdout);
    // The busy loop never sleeps: whatever share of a core a loaded machine gives it, it is more
    // than a few millicores, more than the sleeping holder's, and at most one core.
    const burner = parseTop(byName.get('burner')!['CPU(cores)']!);
    assert.ok(burner > 0.02 && burner <= 1.05, `the busy loop's CPU: ${top.stdout}`);
    assert.ok(burner > parseTop(byName.get('holder')!['CPU(cores)']!), `the busy loop uses more CPU than the sleeper: ${top.stdout}`);
    assert.ok(parseTop(byName.get('holder')!['MEMORY(bytes)']!) >= HELD_BYTES, `the holder's working set holds what it allocated: ${top.stdout}`);

    const pods = await k('top', 'pod', '-n', ns, '-l', 'app=busy');
    assert.equal(pods.code, 0, pods.stderr);
    assert.deepEqual(rows(pods.stdout).map((r) => r['NAME']), ['busy']);
    // No pod matches: kubectl's own words, from an empty PodMetricsList.
    const none = await k('top', 'pod', '-n', ns, '-l', 'app=other');
    assert.match(none.stdout + none.stderr, new RegExp(`No resources found in ${ns} namespace\\.`), JSON.stringify(none));
  });

  test('kubectl 1.27 (legacy and v2beta1 discovery) prints the same rows', { skip: kubectlSkip('1.27') }, async () => {
    const old = kubectl('1.27', up!.kubeconfig);
    const pods = await old('top', 'pod', '-n', ns, '--containers');
    assert.equal(pods.code, 0, pods.stderr);
    assert.deepEqual(rows(pods.stdout).map((r) => [r['POD'], r['NAME']]), [['busy', 'burner'], ['busy', 'holder']], pods.stdout);
    const nodes = await old('top', 'node');
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.deepEqual(rows(nodes.stdout).map((r) => r['NAME']), [nodeName]);
  });

  test('metrics.k8s.io answers as metrics-server does: discovery, NodeMetrics and PodMetrics bodies, NotFound', async () => {
    const resources = await k('api-resources', '--api-group=metrics.k8s.io');
    assert.equal(resources.code, 0, resources.stderr);
    assert.deepEqual(rows(resources.stdout).map((r) => Object.values(r)), [
      ['nodes', 'metrics.k8s.io/v1beta1', 'false', 'NodeMetrics'],
      ['pods', 'metrics.k8s.io/v1beta1', 'true', 'PodMetrics'],
    ]);
    const nodes = JSON.parse((await k('get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes')).stdout) as {
      kind: string; apiVersion: string; metadata: object;
      items: { metadata: { name: string; creationTimestamp: string; labels: Record<string, string> }; timestamp: string; window: string; usage: { cpu: string; memory: string } }[];
    };
    assert.equal(nodes.kind, 'NodeMetricsList');
    assert.equal(nodes.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(nodes.metadata, {});
    const item = nodes.items.find((i) => i.metadata.name === nodeName);
    assert.ok(item, JSON.stringify(nodes));
    assert.equal(item.metadata.labels['kubernetes.io/hostname'] !== undefined || Object.keys(item.metadata.labels).length > 0, true);
    assert.match(item.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(item.timestamp) - Date.now()) < 30_000, item.timestamp);
    assert.match(item.window, /^\d+(\.\d+)?s$/);
    assert.match(item.usage.cpu, /^\d+[num]?$/);
    assert.match(item.usage.memory, /^\d+(Ki|Mi|Gi)$/);

    const one = JSON.parse((await k('get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods/busy`)).stdout) as { kind: string; apiVersion: string; metadata: { name: string; namespace: string; labels: Record<string, string> }; containers: { name: string; usage: { cpu: string; memory: string } }[] };
    assert.equal(one.kind, 'PodMetrics');
    assert.deepEqual([one.metadata.name, one.metadata.namespace, one.metadata.labels], ['busy', ns, { app: 'busy' }]);
    assert.deepEqual(one.containers.map((c) => c.name), ['burner', 'holder']);
    assert.match(one.containers[0]!.usage.cpu, /^\d+n$/);

    // kubectl get asks for a Table: metrics-server's columns.
    const table = await k('get', 'podmetrics', '-n', ns);
    assert.equal(table.code, 0, table.stderr);
    assert.deepEqual(rows(table.stdout).map((r) => Object.keys(r)), [['NAME', 'CPU', 'MEMORY', 'SWAP', 'WINDOW']]);
    assert.match(table.stdout, /^busy\s+\d+[num]?\s+\d+(Ki|Mi)\s+0\s+\d+(\.\d+)?s\s*$/m);

    const missing = await k('get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods/nope`);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /\(NotFound\).*pod "nope" not found/);
    const watch = await k('get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes?watch=true');
    assert.match(watch.stderr, /MethodNotAllowed|watch is not supported/);
  });

  test('a service account reads metrics only once RBAC lets it: 403 in kube-apiserver\'s words, then metrics-server\'s aggregated reader role', async () => {
    assert.equal((await k('create', 'serviceaccount', 'viewer', '-n', ns)).code, 0);
    const token = (await k('create', 'token', 'viewer', '-n', ns)).stdout.trim();
    const denied = await k('--token', token, 'top', 'node');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, new RegExp(`nodes\\.metrics\\.k8s\\.io is forbidden: User "system:serviceaccount:${ns}:viewer" cannot list resource "nodes" in API group "metrics\\.k8s\\.io" at the cluster scope`));
    const deniedPods = await k('--token', token, 'top', 'pod', '-n', ns);
    assert.match(deniedPods.stderr, new RegExp(`pods\\.metrics\\.k8s\\.io is forbidden: User "system:serviceaccount:${ns}:viewer" cannot list resource "pods" in API group "metrics\\.k8s\\.io" in the namespace "${ns}"`));

    // metrics-server's manifest: the reader role, aggregated into view, edit and admin.
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
      metadata: { name: `system:aggregated-metrics-reader-${ns}`, labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
      rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
    };
    writeFileSync(join(dir, 'role.json'), JSON.stringify(role));
    assert.equal((await k('apply', '-f', join(dir, 'role.json'))).code, 0);
    try {
      assert.equal((await k('create', 'clusterrolebinding', `metrics-${ns}`, `--clusterrole=${role.metadata.name}`, `--serviceaccount=${ns}:viewer`)).code, 0);
      const allowed = await eventually(async () => {
        const run = await k('--token', token, 'top', 'pod', '-n', ns);
        return run.code === 0 ? run : undefined;
      }, 15_000, 'the service account\'s kubectl top pod');
      assert.match(allowed.stdout, /^busy\s+\d+m\s+\d+Mi\s*$/m);
      // kubectl top node reads the Nodes too (their allocatable): the metrics role alone is not enough, as on a cluster.
      const node = await k('--token', token, 'top', 'node');
      assert.match(node.stderr, new RegExp(`nodes is forbidden: User "system:serviceaccount:${ns}:viewer" cannot list resource "nodes" in API group "" at the cluster scope`), JSON.stringify(node));
      assert.equal((await k('--token', token, 'get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes')).code, 0);
      // Aggregated into view: a namespace's viewer may read its pods' metrics.
      assert.equal((await k('create', 'serviceaccount', 'looker', '-n', ns)).code, 0);
      assert.equal((await k('create', 'rolebinding', 'look', '--clusterrole=view', `--serviceaccount=${ns}:looker`, '-n', ns)).code, 0);
      const looker = (await k('create', 'token', 'looker', '-n', ns)).stdout.trim();
      await eventually(async () => ((await k('--token', looker, 'top', 'pod', '-n', ns)).code === 0 ? true : undefined), 15_000, 'view to include the metrics reader\'s rules');
    } finally {
      await k('delete', 'clusterrolebinding', `metrics-${ns}`);
      await k('delete', 'clusterrole', role.metadata.name);
    }
  });

  test('/metrics counts requests by verb, resource, scope and code, and is system:monitoring\'s to read', async () => {
    const read = async (): Promise<string> => {
      const run = await k('get', '--raw', '/metrics');
      assert.equal(run.code, 0, run.stderr);
      return run.stdout;
    };
    const count = (text: string, labels: Record<string, string>): number => {
      const family = parsePrometheusText(text).get('apiserver_request_total');
      assert.equal(family?.type, 'counter');
      return family.samples.filter((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value)).reduce((sum, s) => sum + s.value, 0);
    };
    const labels = { verb: 'GET', group: '', version: 'v1', resource: 'namespaces', subresource: '', scope: 'resource', component: 'apiserver', code: '200' };
    const before = count(await read(), labels);
    for (let i = 0; i < 3; i++) assert.equal((await k('get', 'namespace', ns)).code, 0);
    const missing = await k('get', 'namespace', `${ns}-missing`);
    assert.notEqual(missing.code, 0);
    const text = await read();
    assert.equal(count(text, labels), before + 3);
    assert.ok(count(text, { ...labels, code: '404' }) >= 1);
    assert.ok(count(text, { verb: 'LIST', group: 'metrics.k8s.io', resource: 'nodes', scope: 'cluster' }) >= 1, 'kubectl top node\'s list is counted');
    const families = parsePrometheusText(text);
    assert.equal(families.get('apiserver_request_duration_seconds')?.type, 'histogram');
    assert.ok(families.get('apiserver_request_duration_seconds')!.samples.some((s) => s.name === 'apiserver_request_duration_seconds_bucket' && s.labels['le'] === '+Inf' && s.labels['verb'] === 'GET'));
    assert.deepEqual(families.get('apiserver_current_inflight_requests')?.samples.map((s) => s.labels['request_kind']).sort(), ['mutating', 'readOnly']);
    const stored = families.get('apiserver_storage_objects')?.samples ?? [];
    assert.ok((stored.find((s) => s.labels['resource'] === 'namespaces')?.value ?? 0) >= 5, JSON.stringify(stored));
    assert.ok(stored.some((s) => s.labels['resource'] === 'clusterroles.rbac.authorization.k8s.io'), JSON.stringify(stored));
    assert.ok((families.get('process_resident_memory_bytes')?.samples[0]?.value ?? 0) > 1e6);

    assert.equal((await k('create', 'serviceaccount', 'scraper', '-n', ns)).code, 0);
    const token = (await k('create', 'token', 'scraper', '-n', ns)).stdout.trim();
    const denied = await k('--token', token, 'get', '--raw', '/metrics');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, new RegExp(`\\(Forbidden\\).*forbidden: User "system:serviceaccount:${ns}:scraper" cannot get path "/metrics"`));
    assert.equal((await k('create', 'clusterrolebinding', `monitoring-${ns}`, '--clusterrole=system:monitoring', `--serviceaccount=${ns}:scraper`)).code, 0);
    try {
      await eventually(async () => ((await k('--token', token, 'get', '--raw', '/metrics')).code === 0 ? true : undefined), 15_000, 'system:monitoring to let the scraper read /metrics');
    } finally {
      await k('delete', 'clusterrolebinding', `monitoring-${ns}`);
    }
  });

  test('Prometheus\' own parser reads /metrics with the same families and types', { skip: prometheusCheckSkip() }, async () => {
    const checker = buildPrometheusChecker();
    try {
      const text = (await k('get', '--raw', '/metrics')).stdout;
      const theirs = checker.check(text).map((line) => line.split(' ').slice(0, 2).join(' '));
      const ours = [...parsePrometheusText(text).values()].map((f) => `${f.name} ${f.type?.toUpperCase() ?? ''}`).sort();
      assert.deepEqual(theirs, ours);
      assert.ok(theirs.includes('apiserver_request_duration_seconds HISTOGRAM'), theirs.join('\n'));
    } finally {
      checker.close();
    }
  });
});
