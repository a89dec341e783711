/**
 * Heavy reads (issue 14, defect 8): lists and initial watch lists are streamed from one store
 * snapshot with backpressure, and API Priority and Fairness keeps the node's and the admin's
 * requests served while a workload's lists queue or are refused with 429.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { findResource } from '../../src/controlplane/resources/index.js';
import { issueCertificate } from '../../src/pki.js';
import { classify } from '../../src/controlplane/server/priority-and-fairness.js';
import { toTable } from '../../src/controlplane/tables/index.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

const KIB = 1024;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** `count` ConfigMaps of about `kib` KiB each in a new namespace. */
async function fill(namespace: string, count: number, kib: number): Promise<void> {
  assert.equal((await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } })).status, 201);
  for (let i = 0; i < count; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, count - i) }, async (_, j) => {
      const name = `data-${String(i + j).padStart(3, '0')}`;
      const r = await api(s.plane, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { n: String((i + j) % 3) } }, data: { blob: name.repeat((kib * KIB) / name.length) } } });
      assert.equal(r.status, 201, r.body);
    }));
  }
}

interface Who {
  token?: string;
  cert?: { cert: string; key: string };
  accept?: string;
}

/** A GET whose response the client does not read until told: its headers, and a way to read the rest. */
function paused(path: string, who: Who = { token: s.plane.tokens.adminToken }): { headers: Promise<IncomingMessage>; body: () => Promise<string>; destroy: () => void } {
  const options: RequestOptions = { ca: s.plane.pki.ca.cert, agent: false, headers: { ...(who.token ? { Authorization: `Bearer ${who.token}` } : {}), ...(who.accept ? { Accept: who.accept } : {}) }, ...(who.cert ? who.cert : {}) };
  const req = request(new URL(path, s.plane.url), options);
  const headers = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
  });
  req.end();
  return {
    headers,
    body: async () => {
      const res = await headers;
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    destroy: () => req.destroy(),
  };
}

/** The server-side response of the next request whose URL is `path`. */
function serverResponseOf(path: string): Promise<ServerResponse> {
  return new Promise((resolve) => {
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      if (req.url !== path) return;
      s.plane.server.off('request', listener);
      resolve(res);
    };
    s.plane.server.prependListener('request', listener);
  });
}

describe('heavy reads', () => {
  before(async () => {
    await fill('heavy', 64, 256);
  });

  test('a list is streamed in chunks with the same content as the whole list', async () => {
    await fill('small', 12, 1);
    const { items, revision } = s.plane.api.list(findResource('', 'v1', 'configmaps')!, 'small');
    const json = await api(s.plane, 'GET', '/api/v1/namespaces/small/configmaps');
    assert.equal(json.headers['transfer-encoding'], 'chunked');
    assert.equal(json.headers['content-length'], undefined);
    assert.equal(json.body, JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(revision) }, items }));

    const table = await api(s.plane, 'GET', '/api/v1/namespaces/small/configmaps', { accept: TABLE });
    const expected = toTable(findResource('', 'v1', 'configmaps')!, items, new Date(), { metadata: { resourceVersion: String(revision) } });
    const body = table.json() as unknown as typeof expected;
    assert.deepEqual(body.columnDefinitions, expected.columnDefinitions);
    assert.deepEqual(body.rows.map((row) => row.cells[0]), expected.rows.map((row) => row.cells[0]));
    assert.deepEqual(body.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: items[0]!['metadata'] });

    const partial = await api(s.plane, 'GET', '/api/v1/namespaces/small/configmaps', { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    assert.equal(partial.body, JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: String(revision) }, items: items.map((item) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item['metadata'] })) }));

    // Pages of 5 with a label selector: the same objects, in order, as one selected list.
    const names: string[] = [];
    let token = '';
    do {
      const page = (await api(s.plane, 'GET', `/api/v1/namespaces/small/configmaps?limit=5&labelSelector=n%3D1${token ? `&continue=${token}` : ''}`)).json() as { metadata: { continue?: string }; items: { metadata: { name: string } }[] };
      names.push(...page.items.map((item) => item.metadata.name));
      token = page.metadata.continue ?? '';
    } while (token);
    assert.deepEqual(names, items.filter((item) => (item['metadata'] as { labels?: { n?: string } }).labels?.n === '1').map((item) => (item['metadata'] as { name: string }).name));
  });

  test('a client that does not read holds the server to a few pieces of the list', async () => {
    const path = '/api/v1/namespaces/heavy/configmaps';
    const serverSide = serverResponseOf(path);
    const list = paused(path);
    await list.headers;
    const res = await serverSide;
    // Wait until the server stops getting bytes out (the client's and the kernel's buffers are full).
    let last = -1;
    await eventually(async () => {
      const written = res.socket?.bytesWritten ?? 0;
      if (written === last) return true;
      last = written;
      await new Promise((r) => setTimeout(r, 300));
      return undefined;
    }, 30_000, 'the server to stall on the paused client');
    const buffered = res.writableLength;
    assert.ok(buffered < 4 * 1024 * KIB, `the server buffered ${(buffered / KIB / KIB).toFixed(1)} MiB of a 16 MiB list for a client that reads nothing`);
    const body = JSON.parse(await list.body()) as { items: unknown[] };
    assert.equal(body.items.length, 65, 'kube-root-ca.crt and the 64 ConfigMaps');
  });

  test('a list shows one revision while writes go on during it', async () => {
    await fill('moving', 64, 256);
    const list = paused('/api/v1/namespaces/moving/configmaps');
    await list.headers;
    const writes = [
      api(s.plane, 'PUT', '/api/v1/namespaces/moving/configmaps/data-063', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'data-063', namespace: 'moving' }, data: { blob: 'changed' } } }),
      api(s.plane, 'DELETE', '/api/v1/namespaces/moving/configmaps/data-062'),
      api(s.plane, 'POST', '/api/v1/namespaces/moving/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'data-999' } } }),
    ];
    assert.deepEqual((await Promise.all(writes)).map((r) => r.status), [200, 200, 201]);
    const body = JSON.parse(await list.body()) as { metadata: { resourceVersion: string }; items: { metadata: { name: string; resourceVersion: string }; data: { blob: string } }[] };
    const names = body.items.map((item) => item.metadata.name);
    assert.equal(names.length, 65, 'kube-root-ca.crt and the 64 ConfigMaps as they were');
    assert.ok(names.includes('data-062') && !names.includes('data-999'));
    assert.notEqual(body.items.find((item) => item.metadata.name === 'data-063')!.data.blob, 'changed');
    for (const item of body.items) assert.ok(Number(item.metadata.resourceVersion) <= Number(body.metadata.resourceVersion));
  });

  test("a Table list shows one revision while writes go on during it, though the store's cache holds the objects as written since", async () => {
    await fill('moving-table', 64, 256);
    const path = '/api/v1/namespaces/moving-table/configmaps?includeObject=Object';
    type Rows = { metadata: { resourceVersion: string }; rows: { cells: unknown[]; object: { metadata: { name: string; resourceVersion: string }; data: { blob: string } } }[] };
    const blobOf = (table: Rows, name: string): string | undefined => table.rows.find((row) => row.object.metadata.name === name)?.object.data.blob;
    // A first Table list reads every object through the cache, at its row's revision.
    const first = (await api(s.plane, 'GET', path, { accept: TABLE })).json() as unknown as Rows;
    assert.equal(first.rows.length, 65);
    const list = paused(path, { token: s.plane.tokens.adminToken, accept: TABLE });
    await list.headers;
    const written = await api(s.plane, 'PUT', '/api/v1/namespaces/moving-table/configmaps/data-063', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'data-063', namespace: 'moving-table' }, data: { blob: 'changed' } } });
    assert.equal(written.status, 200, written.body);
    // The write is in the cache now; a read of it shows it.
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/moving-table/configmaps/data-063')).json()['data']?.['blob' as never], 'changed');
    const during = JSON.parse(await list.body()) as Rows;
    assert.equal(during.rows.length, 65);
    assert.equal(blobOf(during, 'data-063'), blobOf(first, 'data-063'), 'the list opened before the write shows data-063 as it was');
    for (const row of during.rows) assert.ok(Number(row.object.metadata.resourceVersion) <= Number(during.metadata.resourceVersion));
    const later = (await api(s.plane, 'GET', path, { accept: TABLE })).json() as unknown as Rows;
    assert.equal(blobOf(later, 'data-063'), 'changed', 'a list opened after the write shows it');
  });

  test('a watch without resourceVersion sends the objects, then every change after them, each once and in order', async () => {
    await fill('watched', 64, 256);
    const watch = paused('/api/v1/namespaces/watched/configmaps?watch=true');
    await watch.headers;
    const cm = (name: string, blob: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'watched' }, data: { blob } });
    const steps: [string, () => Promise<unknown>][] = [
      ['MODIFIED data-000', () => api(s.plane, 'PUT', '/api/v1/namespaces/watched/configmaps/data-000', { body: cm('data-000', 'one') })],
      ['MODIFIED data-063', () => api(s.plane, 'PUT', '/api/v1/namespaces/watched/configmaps/data-063', { body: cm('data-063', 'two') })],
      ['DELETED data-062', () => api(s.plane, 'DELETE', '/api/v1/namespaces/watched/configmaps/data-062')],
      ['ADDED data-999', () => api(s.plane, 'POST', '/api/v1/namespaces/watched/configmaps', { body: cm('data-999', 'three') })],
      ['MODIFIED data-999', () => api(s.plane, 'PUT', '/api/v1/namespaces/watched/configmaps/data-999', { body: cm('data-999', 'four') })],
    ];
    for (const [, step] of steps) await step();
    const res = await watch.headers;
    const events: { type: string; object: { metadata: { name: string; resourceVersion: string } } }[] = [];
    let buffer = '';
    res.setEncoding('utf8');
    await new Promise<void>((resolve) => {
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffer.slice(0, nl)) as (typeof events)[number]);
          buffer = buffer.slice(nl + 1);
        }
        if (events.some((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'data-999')) resolve();
      });
      res.on('end', resolve);
      res.resume();
    });
    watch.destroy();
    const initial = events.slice(0, 65);
    assert.ok(initial.every((e) => e.type === 'ADDED'));
    assert.equal(new Set(initial.map((e) => e.object.metadata.name)).size, 65);
    assert.deepEqual(events.slice(65).map((e) => `${e.type} ${e.object.metadata.name}`), steps.map(([what]) => what));
    const revisions = events.slice(65).map((e) => Number(e.object.metadata.resourceVersion));
    const snapshot = Math.max(...initial.map((e) => Number(e.object.metadata.resourceVersion)));
    assert.ok(revisions.every((rv, i) => rv > snapshot && (i === 0 || rv > revisions[i - 1]!)), `revisions ${revisions.join(',')} after ${snapshot}`);
  });

  test("a workload's concurrent lists queue for seats and the excess gets 429, while the node and the admin are served", async () => {
    const token = (await api(s.plane, 'POST', '/api/v1/namespaces/heavy/serviceaccounts/default/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } })).json();
    const saToken = (token['status'] as { token: string }).token;
    // The workload may read its namespace, as a RoleBinding lets it on a real cluster.
    const bound = await api(s.plane, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/heavy/rolebindings', {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'default-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'default' }] },
    });
    assert.equal(bound.status, 201, bound.body);
    const node = await issueCertificate({ cert: s.plane.pki.ca.cert, key: await caKey() }, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
    const asNode = (method: string, path: string, body?: unknown) => nodeCall(node, method, path, body);
    assert.equal((await asNode('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1' }, spec: { holderIdentity: 'n1' } })).status, 201);

    // workload-low has 10 of the 24 seats and a queue of 50: of 65 lists that do not read, 10 are
    // served, 50 wait, and 5 are refused.
    const lists = Array.from({ length: 65 }, () => paused('/api/v1/namespaces/heavy/configmaps', { token: saToken }));
    const answered = lists.map((list) => list.headers.then((res) => ({ status: res.statusCode ?? 0, res })));
    try {
      const refused = await eventually(async () => {
        const settled = await Promise.all(answered.map((p) => Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10))])));
        const done = settled.filter((x) => x !== undefined);
        return done.filter((x) => x.status === 429).length >= 5 && done.filter((x) => x.status === 200).length >= 10 ? done : undefined;
      }, 30_000, '5 lists refused with 429 and 10 served');
      assert.equal(refused.filter((x) => x.status === 429).length, 5);
      assert.equal(refused.filter((x) => x.status === 200).length, 10);
      const tooMany = refused.find((x) => x.status === 429)!.res;
      assert.equal(tooMany.headers['retry-after'], '1');
      tooMany.setEncoding('utf8');
      let text = '';
      for await (const chunk of tooMany) text += chunk as string;
      assert.equal(text, 'Too many requests, please try again later.\n');

      // Meanwhile the admin lists namespaces and the node renews its lease and lists its pods.
      assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces?limit=500', { accept: TABLE })).status, 200);
      const lease = (await asNode('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1')).json;
      assert.equal((await asNode('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', { ...lease, spec: { holderIdentity: 'n1', renewTime: '2026-01-01T00:00:00.000000Z' } })).status, 200);
      assert.equal((await asNode('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')).status, 200);
    } finally {
      for (const list of lists) list.destroy();
    }
  });

  test('requests are classified as upstream\'s default FlowSchemas do', () => {
    const sa = (namespace: string) => ({ username: `system:serviceaccount:${namespace}:default`, groups: ['system:serviceaccounts', 'system:authenticated'], serviceAccount: { namespace, name: 'default', uid: 'u' } });
    const node = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
    const cases: [string, Parameters<typeof classify>[0], string][] = [
      ['the admin', { user: { username: 'kubernetes-admin', groups: ['system:masters'] }, verb: 'list', group: '', resource: 'namespaces', namespace: '' }, 'exempt'],
      ["the node's lease", { user: node, verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease' }, 'node-high'],
      ["the node's Node", { user: node, verb: 'list', group: '', resource: 'nodes', namespace: '' }, 'node-high'],
      ["the node's pods", { user: node, verb: 'list', group: '', resource: 'pods', namespace: '' }, 'system'],
      ['a kube-system service account', { user: sa('kube-system'), verb: 'list', group: '', resource: 'configmaps', namespace: 'kube-system' }, 'workload-high'],
      ['a service account', { user: sa('default'), verb: 'list', group: '', resource: 'configmaps', namespace: 'default' }, 'workload-low'],
      ['another user', { user: { username: 'jane', groups: ['system:authenticated'] }, verb: 'list', group: '', resource: 'configmaps', namespace: 'default' }, 'global-default'],
    ];
    for (const [who, digest, level] of cases) assert.equal(classify(digest).level, level, who);
  });
});

async function caKey(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(`${s.plane.pki.dir}/ca.key`, 'utf8');
}

function nodeCall(pair: { cert: string; key: string }, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, s.plane.url), { method, ca: s.plane.pki.ca.cert, cert: pair.cert, key: pair.key, agent: false, headers: payload ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
