/**
 * Numbers in request bodies, decoded as kube-apiserver's Go decoder decodes them into int64 and
 * int32 fields (integers only, in range), every value it admits read back exactly as sent, and
 * time arithmetic on them (graceful deletion) clamped to valid times.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { rawRequest, type RawResponse } from '../support/raw-request.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

const MAX_INT64 = '9223372036854775807';
const PODS = '/api/v1/namespaces/default/pods';

/** A pod bound to a node (so that its deletion is graceful), with `spec` text spliced in. */
const podText = (name: string, spec = ''): string => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}"},"spec":{${spec}${spec ? ',' : ''}
  "nodeName":"nowhere","containers":[{"name":"main","image":"localhost/hostprocess-base:latest"}]}}`;

function send(method: string, path: string, body?: string, contentType = 'application/json'): Promise<RawResponse> {
  return rawRequest(s.plane, { method, path, ...(body === undefined ? {} : { headers: { 'Content-Type': contentType }, body }) });
}

const message = (r: RawResponse): string => (JSON.parse(r.body) as { message: string }).message;
const PREFIX = 'Pod in version "v1" cannot be handled as a Pod: ';

describe('numbers', () => {
  const REFUSED: [string, string, string][] = [
    ['"terminationGracePeriodSeconds":1e308', 'number 1e308', 'PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['"terminationGracePeriodSeconds":9223372036854775808', 'number 9223372036854775808', 'PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['"terminationGracePeriodSeconds":-9223372036854775809', 'number -9223372036854775809', 'PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['"terminationGracePeriodSeconds":30.0', 'number 30.0', 'PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['"terminationGracePeriodSeconds":3e1', 'number 3e1', 'PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['"terminationGracePeriodSeconds":1.5', 'number 1.5', 'PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['"activeDeadlineSeconds":1e400', 'number 1e400', 'PodSpec.spec.activeDeadlineSeconds of type int64'],
    ['"priority":2147483648', 'number 2147483648', 'PodSpec.spec.priority of type int32'],
    ['"securityContext":{"runAsUser":1E2}', 'number 1E2', 'PodSecurityContext.spec.securityContext.runAsUser of type int64'],
    ['"hostname":12', 'number', 'PodSpec.spec.hostname of type string'],
    ['"hostname":1.5', 'number', 'PodSpec.spec.hostname of type string'],
  ];
  for (const [spec, value, field] of REFUSED) {
    test(`numbers: ${spec} is refused as Go's decoder refuses it`, async () => {
      const r = await send('POST', PODS, podText(`refused-${REFUSED.findIndex((c) => c[0] === spec)}`, spec));
      assert.equal(r.status, 400, r.body);
      assert.equal(message(r), `${PREFIX}json: cannot unmarshal ${value} into Go struct field ${field}`);
    });
  }

  test('numbers: a container port beyond int32 and a probe port given as a float are refused', async () => {
    const port = await send('POST', PODS, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"port"},"spec":{"containers":[{"name":"c","image":"x","ports":[{"containerPort":4294967296}]}]}}`);
    assert.equal(message(port), `${PREFIX}json: cannot unmarshal number 4294967296 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32`);
    const probe = await send('POST', PODS, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"probe"},"spec":{"containers":[{"name":"c","image":"x","livenessProbe":{"httpGet":{"port":80.0}}}]}}`);
    assert.equal(message(probe), `${PREFIX}json: cannot unmarshal number 80.0 into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32`);
  });

  test('numbers: the largest int64 is admitted and read back exactly, in a get, a list, a watch and after a patch', async () => {
    const created = await send('POST', PODS, podText('max-grace', `"terminationGracePeriodSeconds":${MAX_INT64},"activeDeadlineSeconds":${MAX_INT64}`));
    assert.equal(created.status, 201, created.body);
    assert.match(created.body, new RegExp(`"terminationGracePeriodSeconds":${MAX_INT64}[,}]`));
    assert.match(created.body, new RegExp(`"activeDeadlineSeconds":${MAX_INT64}[,}]`));
    const got = await send('GET', `${PODS}/max-grace`);
    assert.match(got.body, new RegExp(`"terminationGracePeriodSeconds":${MAX_INT64}[,}]`));
    assert.match((await send('GET', PODS)).body, new RegExp(`"terminationGracePeriodSeconds":${MAX_INT64}[,}]`));
    const patched = await send('PATCH', `${PODS}/max-grace`, '{"metadata":{"labels":{"patched":"yes"}}}', 'application/strategic-merge-patch+json');
    assert.equal(patched.status, 200, patched.body);
    assert.match(patched.body, new RegExp(`"terminationGracePeriodSeconds":${MAX_INT64}[,}]`));
    const merged = await send('PATCH', `${PODS}/max-grace`, `{"spec":{"activeDeadlineSeconds":${MAX_INT64}}}`, 'application/merge-patch+json');
    assert.equal(merged.status, 200, merged.body);
    const watched = await watchOnce(`${PODS}?watch=true&fieldSelector=metadata.name%3Dmax-grace`);
    assert.match(watched, new RegExp(`"terminationGracePeriodSeconds":${MAX_INT64}[,}]`));
  });

  test('numbers: deleting a pod whose grace period is the largest int64 marks it with a valid time and the exact period', async () => {
    await send('POST', PODS, podText('max-delete', `"terminationGracePeriodSeconds":${MAX_INT64}`));
    const deleted = await send('DELETE', `${PODS}/max-delete`);
    assert.equal(deleted.status, 200, deleted.body);
    assertGraceful(deleted.body, MAX_INT64);
    assertGraceful((await send('GET', `${PODS}/max-delete`)).body, MAX_INT64);
  });

  const DELETE_OPTIONS: [string, string, string | undefined][] = [
    ['a gracePeriodSeconds query parameter', `?gracePeriodSeconds=${MAX_INT64}`, undefined],
    ['a DeleteOptions body', '', `{"gracePeriodSeconds":${MAX_INT64}}`],
  ];
  for (const [what, query, body] of DELETE_OPTIONS) {
    test(`numbers: deleting with the largest int64 as ${what} marks the pod with a valid time`, async () => {
      const name = `delete-${what.split(' ').pop()!.toLowerCase()}`;
      assert.equal((await send('POST', PODS, podText(name))).status, 201);
      const deleted = await send('DELETE', `${PODS}/${name}${query}`, body);
      assert.equal(deleted.status, 200, deleted.body);
      assertGraceful(deleted.body, MAX_INT64);
      // A second delete may only shorten the period, and does.
      const shortened = await send('DELETE', `${PODS}/${name}?gracePeriodSeconds=5`);
      assert.equal(shortened.status, 200, shortened.body);
      assert.equal((JSON.parse(shortened.body) as { metadata: { deletionGracePeriodSeconds: number } }).metadata.deletionGracePeriodSeconds, 5);
    });
  }

  test('numbers: a DaemonSet whose template holds the largest int64 makes pods that hold it exactly', async () => {
    const ds = `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"max-ds"},"spec":{"selector":{"matchLabels":{"app":"max-ds"}},
      "template":{"metadata":{"labels":{"app":"max-ds"}},"spec":{"terminationGracePeriodSeconds":${MAX_INT64},"containers":[{"name":"c","image":"x"}]}}}}`;
    assert.equal((await send('POST', '/apis/apps/v1/namespaces/default/daemonsets', ds)).status, 201);
    assert.equal((await send('POST', '/api/v1/nodes', '{"apiVersion":"v1","kind":"Node","metadata":{"name":"max-node","labels":{"kubernetes.io/os":"linux"}}}')).status, 201);
    const pods = await eventually(async () => {
      const list = await send('GET', `${PODS}?labelSelector=app%3Dmax-ds`);
      return list.body.includes('"items":[]') ? undefined : list.body;
    }, 10_000, 'the DaemonSet\'s pod');
    assert.match(pods, new RegExp(`"terminationGracePeriodSeconds":${MAX_INT64}[,}]`));
  });

  test('numbers: a gracePeriodSeconds query parameter beyond int64 is a 400', async () => {
    assert.equal((await send('POST', PODS, podText('beyond'))).status, 201);
    const r = await send('DELETE', `${PODS}/beyond?gracePeriodSeconds=9223372036854775808`);
    assert.equal(r.status, 400, r.body);
    assert.match(message(r), /gracePeriodSeconds/);
  });
});

/** The body marks a graceful deletion with `grace` exactly and a deletionTimestamp that Go can parse. */
function assertGraceful(body: string, grace: string): void {
  assert.match(body, new RegExp(`"deletionGracePeriodSeconds":${grace}[,}]`));
  const stamp = /"deletionTimestamp":"([^"]+)"/.exec(body)?.[1] ?? '';
  assert.match(stamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, `deletionTimestamp ${stamp} is not RFC 3339 as Go writes it`);
  assert.ok(Date.parse(stamp) > Date.now(), `deletionTimestamp ${stamp} is in the past`);
}

/** The watch's text up to its first complete event. */
function watchOnce(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(new URL(path, s.plane.url), { ca: s.plane.pki.ca.cert, headers: { Authorization: `Bearer ${s.plane.tokens.adminToken}` } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\n')) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on('error', (error) => (text === '' ? reject(error) : undefined));
    req.end();
  });
}
