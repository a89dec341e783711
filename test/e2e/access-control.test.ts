/**
 * The access-control matrix, against `hostpod up` as CI runs it: for each identity (anonymous,
 * the admin, the API server's kubelet-client certificate, a service account, a pod-bound token
 * whose pod is gone, this host's node, another node, a certificate from a foreign CA) and each
 * sensitive action (Secrets, service-account tokens, another node's pods, Nodes, logs and exec
 * at the kubelet endpoint and through the API server), the HTTP answer, asserted and printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { createCa, issueCertificate, type KeyPair } from '../../src/pki.js';
import { eventually } from '../support/controlplane.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

/** How a caller presents itself: a bearer token, a client certificate, or nothing. */
interface Credential {
  token?: string;
  cert?: KeyPair;
}

type Json = Record<string, unknown>;

/** What the actions need to know of the cluster once it is set up. */
interface Cluster {
  url: string;
  ca: string;
  /** This host's node, which runs the `vault/target` pod. */
  node: string;
  kubelet: { host: string; port: number };
  /** Identity name -> credential. */
  credentials: Map<string, Credential>;
}

const IDENTITIES = ['anonymous', 'admin', 'kubelet-client', 'service account', 'dead pod token', 'node', 'other node', 'foreign CA'] as const;
type Identity = (typeof IDENTITIES)[number];

/**
 * The actions, each one request, answered by an HTTP code (101 for an upgrade that succeeds).
 * Writes that must not happen for real go with dryRun=All: authorization and admission still run.
 */
const ACTIONS: Record<string, (c: Cluster, who: Identity) => Promise<number>> = {
  "read another namespace's Secret": (c, who) => call(c, who, 'GET', '/api/v1/namespaces/vault/secrets/top-secret'),
  "read the Secret the node's pod uses": (c, who) => call(c, who, 'GET', '/api/v1/namespaces/vault/secrets/pod-secret'),
  'TokenRequest unbound': (c, who) => call(c, who, 'POST', '/api/v1/namespaces/vault/serviceaccounts/worker/token', tokenRequest()),
  "TokenRequest bound to the node's pod": async (c, who) => call(c, who, 'POST', '/api/v1/namespaces/vault/serviceaccounts/worker/token', tokenRequest({ apiVersion: 'v1', kind: 'Pod', name: 'target', uid: await uidOf(c, 'target') })),
  "patch another node's pod status": (c, who) => call(c, who, 'PATCH', `/api/v1/namespaces/vault/pods/${othersPod(who)}/status?dryRun=All`, { status: { phase: 'Failed' } }, 'application/merge-patch+json'),
  "delete another node's pod": (c, who) => call(c, who, 'DELETE', `/api/v1/namespaces/vault/pods/${othersPod(who)}?dryRun=All`),
  'create another Node': async (c, who) => {
    const name = `intruder-${who.replace(/ /g, '-')}`;
    const code = await call(c, who, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } });
    if (code === 201) await call(c, 'admin', 'DELETE', `/api/v1/nodes/${name}`);
    return code;
  },
  'logs at the kubelet endpoint': (c, who) => kubeletCall(c, who, '/containerLogs/vault/target/main'),
  'exec at the kubelet endpoint': (c, who) => upgrade(c, who, `https://${c.kubelet.host}:${c.kubelet.port}/exec/vault/target/main?command=id&output=1`),
  'logs through the API server': (c, who) => call(c, who, 'GET', '/api/v1/namespaces/vault/pods/target/log'),
  'exec through the API server': (c, who) => upgrade(c, who, `${c.url}/api/v1/namespaces/vault/pods/target/exec?command=id&stdout=true`),
};
type Action = keyof typeof ACTIONS;

/** Codes every action answers for a caller the server cannot authenticate. */
const UNAUTHENTICATED = Object.fromEntries(Object.keys(ACTIONS).map((a) => [a, 401])) as Record<Action, number>;

/**
 * The expected answers. The kubelet endpoint takes client certificates and, as the kubelet's webhook
 * authentication, bearer tokens the API server vouches for (TokenReview): the admin's token gets in,
 * a service account's is authenticated and then refused nodes/proxy, a dead pod's token is a 401.
 */
const EXPECTED: Record<Identity, Record<Action, number>> = {
  'anonymous': UNAUTHENTICATED,
  'admin': {
    "read another namespace's Secret": 200, "read the Secret the node's pod uses": 200, 'TokenRequest unbound': 201, "TokenRequest bound to the node's pod": 201,
    "patch another node's pod status": 200, "delete another node's pod": 200, 'create another Node': 201,
    'logs at the kubelet endpoint': 200, 'exec at the kubelet endpoint': 101, 'logs through the API server': 200, 'exec through the API server': 101,
  },
  'kubelet-client': {
    "read another namespace's Secret": 200, "read the Secret the node's pod uses": 200, 'TokenRequest unbound': 201, "TokenRequest bound to the node's pod": 201,
    "patch another node's pod status": 200, "delete another node's pod": 200, 'create another Node': 201,
    'logs at the kubelet endpoint': 200, 'exec at the kubelet endpoint': 101, 'logs through the API server': 200, 'exec through the API server': 101,
  },
  'service account': {
    "read another namespace's Secret": 403, "read the Secret the node's pod uses": 403, 'TokenRequest unbound': 403, "TokenRequest bound to the node's pod": 403,
    "patch another node's pod status": 403, "delete another node's pod": 403, 'create another Node': 403,
    'logs at the kubelet endpoint': 403, 'exec at the kubelet endpoint': 403, 'logs through the API server': 403, 'exec through the API server': 403,
  },
  'dead pod token': UNAUTHENTICATED,
  'node': {
    "read another namespace's Secret": 403, "read the Secret the node's pod uses": 200, 'TokenRequest unbound': 403, "TokenRequest bound to the node's pod": 201,
    "patch another node's pod status": 403, "delete another node's pod": 403, 'create another Node': 403,
    'logs at the kubelet endpoint': 403, 'exec at the kubelet endpoint': 403, 'logs through the API server': 403, 'exec through the API server': 403,
  },
  'other node': {
    "read another namespace's Secret": 403, "read the Secret the node's pod uses": 403, 'TokenRequest unbound': 403, "TokenRequest bound to the node's pod": 403,
    "patch another node's pod status": 403, "delete another node's pod": 403, 'create another Node': 403,
    'logs at the kubelet endpoint': 403, 'exec at the kubelet endpoint': 403, 'logs through the API server': 403, 'exec through the API server': 403,
  },
  'foreign CA': UNAUTHENTICATED,
};

/** The pod of a node other than the caller's: the host's pod for the other node, the other node's pod for everyone else. */
function othersPod(who: Identity): string {
  return who === 'other node' ? 'target' : 'elsewhere';
}

function tokenRequest(boundObjectRef?: Json): Json {
  return { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: boundObjectRef ? { boundObjectRef } : {} };
}

const uids = new Map<string, string>();
async function uidOf(c: Cluster, pod: string): Promise<string> {
  if (!uids.has(pod)) uids.set(pod, ((await json(c, 'GET', `/api/v1/namespaces/vault/pods/${pod}`))['metadata'] as { uid: string }).uid);
  return uids.get(pod)!;
}

/** One HTTPS request as `who`: its status code (and body). */
function send(c: Cluster, credential: Credential, method: string, url: URL, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method, ca: c.ca, ...(credential.cert ? { cert: credential.cert.cert, key: credential.cert.key } : {}),
      headers: {
        ...(credential.token ? { Authorization: `Bearer ${credential.token}` } : {}),
        ...(payload === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(payload)) }),
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function call(c: Cluster, who: Identity, method: string, path: string, body?: unknown, contentType?: string): Promise<number> {
  return (await send(c, c.credentials.get(who)!, method, new URL(path, c.url), body, contentType)).status;
}

async function json(c: Cluster, method: string, path: string, body?: unknown): Promise<Json> {
  const response = await send(c, c.credentials.get('admin')!, method, new URL(path, c.url), body);
  assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.body}`);
  return JSON.parse(response.body) as Json;
}

async function kubeletCall(c: Cluster, who: Identity, path: string): Promise<number> {
  return (await send(c, c.credentials.get(who)!, 'GET', new URL(path, `https://${c.kubelet.host}:${c.kubelet.port}`))).status;
}

/** An exec upgrade (WebSocket, v5.channel.k8s.io): 101 when it is accepted, else the refusal's code. */
function upgrade(c: Cluster, who: Identity, url: string): Promise<number> {
  const credential = c.credentials.get(who)!;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^https/, 'wss'), ['v5.channel.k8s.io'], {
      ca: c.ca,
      ...(credential.cert ? { cert: credential.cert.cert, key: credential.cert.key } : {}),
      headers: credential.token ? { Authorization: `Bearer ${credential.token}` } : {},
    });
    ws.on('upgrade', () => resolve(101));
    ws.on('open', () => ws.close());
    ws.on('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0); });
    ws.on('error', (error) => reject(error));
  });
}

const results: { identity: Identity; action: Action; expected: number; actual: number | string }[] = [];

describe('access control', { skip: rootSkip(), timeout: 300_000 }, () => {
  let dir: string;
  let up: UpProcess;
  let cluster: Cluster;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-access-'));
    up = await startUp(dir, 19000 + Math.floor(Math.random() * 500));
    const config = readFileSync(up.kubeconfig, 'utf8');
    const url = /server: (\S+)/.exec(config)![1]!;
    const ca = { cert: readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'pki', 'ca.key'), 'utf8') };
    const adminToken = readFileSync(join(dir, 'pki', 'admin.token'), 'utf8').trim();
    cluster = { url, ca: ca.cert, node: '', kubelet: { host: '', port: 0 }, credentials: new Map([['admin', { token: adminToken }], ['anonymous', {}]]) };

    const nodes = (await json(cluster, 'GET', '/api/v1/nodes'))['items'] as { metadata: { name: string }; status: { addresses: { type: string; address: string }[]; daemonEndpoints: { kubeletEndpoint: { Port: number } } } }[];
    const host = nodes[0]!;
    cluster.node = host.metadata.name;
    cluster.kubelet = { host: host.status.addresses.find((a) => a.type === 'InternalIP')!.address, port: host.status.daemonEndpoints.kubeletEndpoint.Port };

    // The cluster: a namespace whose Secrets and pods are the targets, another node with a pod.
    await json(cluster, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'vault' } });
    await json(cluster, 'POST', '/api/v1/namespaces/vault/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker' } });
    for (const name of ['top-secret', 'pod-secret']) {
      await json(cluster, 'POST', '/api/v1/namespaces/vault/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { password: 'hunter2' } });
    }
    await json(cluster, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'other' } });
    const hostProcess = { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } };
    await json(cluster, 'POST', '/api/v1/namespaces/vault/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'target' },
      spec: {
        nodeName: cluster.node, serviceAccountName: 'worker', securityContext: hostProcess, hostNetwork: true, terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'echo the log of the target; sleep 3600'],
          env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'pod-secret', key: 'password' } } }],
        }],
      },
    });
    await json(cluster, 'POST', '/api/v1/namespaces/vault/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere' },
      spec: { nodeName: 'other', serviceAccountName: 'worker', securityContext: hostProcess, hostNetwork: true, containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest' }] },
    });
    await eventually(async () => {
      const pod = await json(cluster, 'GET', '/api/v1/namespaces/vault/pods/target');
      return (pod['status'] as { phase?: string }).phase === 'Running' ? true : undefined;
    }, 60_000, 'the target pod to run');

    // The identities.
    const issue = async (commonName: string, organizations: string[], from = ca) => issueCertificate(from, { commonName, organizations, usage: 'client' });
    cluster.credentials.set('kubelet-client', { cert: { cert: readFileSync(join(dir, 'pki', 'apiserver-kubelet-client.crt'), 'utf8'), key: readFileSync(join(dir, 'pki', 'apiserver-kubelet-client.key'), 'utf8') } });
    cluster.credentials.set('node', { cert: await issue(`system:node:${cluster.node}`, ['system:nodes']) });
    cluster.credentials.set('other node', { cert: await issue('system:node:other', ['system:nodes']) });
    cluster.credentials.set('foreign CA', { cert: await issue('kube-apiserver-kubelet-client', ['system:masters'], await createCa()) });
    const token = async (namespace: string, account: string, boundObjectRef?: Json) => ((await json(cluster, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`, tokenRequest(boundObjectRef)))['status'] as { token: string }).token;
    cluster.credentials.set('service account', { token: await token('default', 'default') });
    const ephemeral = await json(cluster, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ephemeral' }, spec: { nodeName: 'other', containers: [{ name: 'c', image: 'busybox' }] } });
    const dead = await token('default', 'default', { apiVersion: 'v1', kind: 'Pod', name: 'ephemeral', uid: (ephemeral['metadata'] as { uid: string }).uid });
    // /version is open to every signed-in user (RBAC's system:public-info-viewer): the token authenticates.
    assert.equal(await call({ ...cluster, credentials: new Map([['dead pod token', { token: dead }]]) }, 'dead pod token', 'GET', '/version'), 200, 'the bound token works while its pod lives');
    await json(cluster, 'DELETE', '/api/v1/namespaces/default/pods/ephemeral?gracePeriodSeconds=0');
    cluster.credentials.set('dead pod token', { token: dead });
  });

  after(async () => {
    await up?.stop();
    if (dir) {
      await removeAllContainers(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const identity of IDENTITIES) {
    for (const action of Object.keys(ACTIONS)) {
      const expected = EXPECTED[identity][action]!;
      test(`${identity} ${action} -> ${expected}`, async () => {
        let actual: number | string;
        try {
          actual = await ACTIONS[action]!(cluster, identity);
        } catch (error) {
          actual = `error: ${(error as Error).message}`;
        }
        results.push({ identity, action, expected, actual });
        assert.equal(actual, expected);
      });
    }
  }

  test('the node agent itself was refused nothing (it does only what the Node authorizer allows)', () => {
    assert.doesNotMatch(up.log(), /forbidden/i);
  });

  test('the matrix, as answered', (t) => {
    const width = (values: readonly string[]): number => Math.max(...values.map((v) => v.length));
    const w = [width(['identity', ...IDENTITIES]), width(['action', ...Object.keys(ACTIONS)])] as const;
    const lines = [`${'identity'.padEnd(w[0])}  ${'action'.padEnd(w[1])}  expected  actual`];
    for (const r of results) lines.push(`${r.identity.padEnd(w[0])}  ${r.action.padEnd(w[1])}  ${String(r.expected).padEnd(8)}  ${r.actual}`);
    // One diagnostic a line: the TAP reporter escapes the newlines of a longer one.
    t.diagnostic(`access-control matrix (hostpod up, ${results.length} requests):`);
    for (const line of lines) t.diagnostic(line);
    assert.equal(results.length, IDENTITIES.length * Object.keys(ACTIONS).length);
  });
});
