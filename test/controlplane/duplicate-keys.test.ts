/**
 * Duplicate keys in request bodies, as kube-apiserver's strict decoding treats them: the last
 * value wins, and each duplicate is an error under fieldValidation=Strict, a warning under Warn
 * (the default), and nothing under Ignore; for creates, updates and the bodies of patches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { rawRequest, type RawResponse } from '../support/raw-request.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

/** The Kubernetes page's HostProcess pod, with `hostProcess` given twice: false, then true. */
const hostProcessPod = (name: string): string => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}"},"spec":{
  "securityContext":{"windowsOptions":{"hostProcess":false,"hostProcess":true,"runAsUserName":"NT AUTHORITY\\\\Local service"}},
  "hostNetwork":true,"nodeSelector":{"example.com/nowhere":"true"},
  "containers":[{"name":"test","image":"localhost/hostprocess-base:latest","command":["ping","127.0.0.1"]}]}}`;

/** kube-apiserver's own field-validation test body, as a DaemonSet (minReadySeconds for paused). */
const daemonSet = (name: string): string => `{"apiVersion":"apps/v1","kind":"DaemonSet",
  "metadata":{"name":"dupename","name":"${name}","labels":{"app":"nginx"},"unknownMeta":"metaVal"},
  "spec":{"unknown1":"val1","unknownDupe":"valDupe","unknownDupe":"valDupe2","minReadySeconds":1,"minReadySeconds":2,
    "selector":{"matchLabels":{"app":"nginx"}},
    "template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"nodeSelector":{"example.com/nowhere":"true"},
      "containers":[{"name":"nginx","image":"nginx:latest","unknownNested":"val1","imagePullPolicy":"Always","imagePullPolicy":"Never"}]}}}}`;

const DS_ERRORS = [
  'duplicate field "metadata.name"', 'unknown field "metadata.unknownMeta"', 'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"',
  'duplicate field "spec.minReadySeconds"', 'unknown field "spec.template.spec.containers[0].unknownNested"',
  'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
];

function send(method: string, path: string, body: string, contentType = 'application/json'): Promise<RawResponse> {
  return rawRequest(s.plane, { method, path, headers: { 'Content-Type': contentType }, body });
}

/** The texts of the Warning headers, unquoted. */
function warnings(r: RawResponse): string[] {
  const header = r.headers['warning'];
  const list = header === undefined ? [] : Array.isArray(header) ? header : header.split(/,\s*(?=299 )/);
  return list.map((w) => JSON.parse(w.replace(/^299 - /, '')) as string);
}

const message = (r: RawResponse): string => (JSON.parse(r.body) as { message: string }).message;

describe('duplicate keys', () => {
  test('duplicate keys make a strict create of a HostProcess pod a 400, and no pod is created', async () => {
    const r = await send('POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', hostProcessPod('dup-strict'));
    assert.equal(r.status, 400, r.body);
    assert.equal(message(r), 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "spec.securityContext.windowsOptions.hostProcess"');
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/default/pods/dup-strict')).status, 404);
  });

  test('duplicate keys are warned about by default, and the last value wins', async () => {
    const r = await send('POST', '/api/v1/namespaces/default/pods', hostProcessPod('dup-warn'));
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(warnings(r), ['duplicate field "spec.securityContext.windowsOptions.hostProcess"']);
    const created = JSON.parse(r.body) as { spec: { securityContext: { windowsOptions: { hostProcess: boolean } } } };
    assert.equal(created.spec.securityContext.windowsOptions.hostProcess, true);
  });

  test('duplicate keys pass silently with fieldValidation=Ignore', async () => {
    const r = await send('POST', '/api/v1/namespaces/default/pods?fieldValidation=Ignore', hostProcessPod('dup-ignore'));
    assert.equal(r.status, 201, r.body);
    assert.equal(r.headers['warning'], undefined);
  });

  test('duplicate and unknown fields are reported together, in the order kube-apiserver reports them', async () => {
    const strict = await send('POST', '/apis/apps/v1/namespaces/default/daemonsets?fieldValidation=Strict', daemonSet('ds-strict'));
    assert.equal(strict.status, 400, strict.body);
    assert.equal(message(strict), `DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: ${DS_ERRORS.join(', ')}`);
    const warned = await send('POST', '/apis/apps/v1/namespaces/default/daemonsets?fieldValidation=Warn', daemonSet('ds-warn'));
    assert.equal(warned.status, 201, warned.body);
    assert.deepEqual(warnings(warned), DS_ERRORS);
    const updated = await send('PUT', '/apis/apps/v1/namespaces/default/daemonsets/ds-warn?fieldValidation=Strict', daemonSet('ds-warn'));
    assert.equal(updated.status, 400, updated.body);
    assert.match(message(updated), /strict decoding error: duplicate field "metadata\.name", unknown field "metadata\.unknownMeta"/);
  });

  test('duplicate keys in a map are named by their key', async () => {
    const r = await send('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-dup","labels":{"a":"1","a":"2"}},"data":{"k":"x","k":"y"}}');
    assert.equal(r.status, 400, r.body);
    assert.equal(message(r), 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.labels.a", duplicate field "data.k"');
  });

  const PATCH_CASES = [
    {
      type: 'merge', contentType: 'application/merge-patch+json', body: '{"data":{"k":"a","k":"b"},"colour":"blue"}',
      strict: ['duplicate field "data.k"', 'unknown field "colour"'],
    },
    {
      type: 'strategic merge', contentType: 'application/strategic-merge-patch+json', body: '{"data":{"k":"a","k":"b"},"colour":"blue"}',
      strict: ['duplicate field "data.k"', 'unknown field "colour"'],
    },
    {
      type: 'JSON', contentType: 'application/json-patch+json',
      body: '[{"op":"add","path":"/data/k","value":"a","foo":"bar"},{"op":"add","path":"/colour","path":"/data/k","value":"b"},{"op":"add","path":"/extra","value":{"x":1,"x":2}}]',
      strict: ['json patch unknown field "[0].foo"', 'json patch duplicate field "[1].path"', 'json patch duplicate field "[2].value.x"', 'unknown field "extra"'],
    },
  ];
  for (const c of PATCH_CASES) {
    test(`duplicate keys in a ${c.type} patch are refused under Strict, warned about under Warn, and ignored under Ignore`, async () => {
      const name = `patch-${c.type.replace(/\W/g, '').toLowerCase()}`;
      await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } } });
      const path = `/api/v1/namespaces/default/configmaps/${name}`;
      const strict = await send('PATCH', `${path}?fieldValidation=Strict`, c.body, c.contentType);
      assert.equal(strict.status, 422, strict.body);
      assert.equal((JSON.parse(strict.body) as { reason: string }).reason, 'Invalid');
      assert.match(message(strict), /^ "" is invalid: patch: Invalid value: /);
      assert.ok(message(strict).endsWith(`: strict decoding error: ${c.strict.join(', ')}`), message(strict));
      assert.equal((await api(s.plane, 'GET', path)).json()['data'] !== undefined, true);
      const warned = await send('PATCH', path, c.body, c.contentType);
      assert.equal(warned.status, 200, warned.body);
      assert.deepEqual(warnings(warned), c.strict);
      assert.equal((JSON.parse(warned.body) as { data: Record<string, string> }).data['k'], 'b');
      const ignored = await send('PATCH', `${path}?fieldValidation=Ignore`, c.body, c.contentType);
      assert.equal(ignored.status, 200, ignored.body);
      assert.equal(ignored.headers['warning'], undefined);
    });
  }
});
