/**
 * Request bodies nested as deep as Go's decoder admits (10,000 levels), and deeper: never a 500,
 * Go's error past the limit, and the server serves the next request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_OBJECT_DEPTH } from '../../src/api/json/index.js';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { rawRequest } from '../support/raw-request.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
  await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' }, data: { k: 'v' } } });
});
after(async () => {
  await s.stop();
});

/** `{"a":{"a":...{}...}}`, `depth` objects in all. */
const objects = (depth: number, key = 'a'): string => `${`{"${key}":`.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
/** A document whose `field` holds `depth - 1` more levels: `depth` levels in all. */
const under = (field: string, depth: number): string => `{"${field}":${objects(depth - 1)}}`;

const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

interface DeepCase {
  name: string;
  method: string;
  path: string;
  contentType: string;
  body: string;
  code: number;
  message?: RegExp;
  warning?: RegExp;
}

const CM = '/api/v1/namespaces/default/configmaps';
const cmBody = (name: string, extra: string): string => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},${extra}}`;
const LIMIT = MAX_OBJECT_DEPTH;

const CASES: DeepCase[] = [
  // Go's limit: 10,000 levels admitted by the decoder, 10,001 refused with its error.
  { name: 'a merge patch nested 10,001 deep', method: 'PATCH', path: `${CM}/target`, contentType: MERGE, body: objects(10_001), code: 400, message: /^error decoding patch: invalid character '\{' exceeded max depth$/ },
  { name: 'a strategic merge patch nested 10,001 deep', method: 'PATCH', path: `${CM}/target`, contentType: STRATEGIC, body: objects(10_001), code: 400, message: /^invalid character '\{' exceeded max depth$/ },
  { name: 'a JSON patch nested 10,001 deep', method: 'PATCH', path: `${CM}/target`, contentType: JSON_PATCH, body: `[{"op":"add","path":"/x","value":${objects(9_999)}}]`, code: 400, message: /^error decoding patch: invalid character '\{' exceeded max depth$/ },
  { name: 'a create nested 10,001 deep', method: 'POST', path: CM, contentType: 'application/json', body: cmBody('deep-create', `"x":${objects(10_000)}`), code: 400, message: /invalid character '\{' exceeded max depth/ },
  // Within Go's limit: admitted and answered as kube-apiserver answers it, or past hostpod's own
  // (lower) limit for patches, a 400 that says so.
  { name: 'a merge patch nested 10,000 deep', method: 'PATCH', path: `${CM}/target`, contentType: MERGE, body: objects(10_000), code: 400, message: new RegExp(`^error decoding patch: hostpod applies patches nested at most ${LIMIT} levels deep`) },
  { name: 'a strategic merge patch nested 10,000 deep', method: 'PATCH', path: `${CM}/target`, contentType: STRATEGIC, body: objects(10_000), code: 400, message: /nested at most/ },
  { name: 'a JSON patch with a value nested 9,998 deep', method: 'PATCH', path: `${CM}/target`, contentType: JSON_PATCH, body: `[{"op":"add","path":"/x","value":${objects(9_998)}}]`, code: 400, message: /nested at most/ },
  { name: 'a merge patch nested to hostpod\'s limit', method: 'PATCH', path: `${CM}/target`, contentType: MERGE, body: under('metadata', LIMIT), code: 200, warning: /unknown field \\"metadata\.a\\"/ },
  { name: 'a strategic merge patch nested to hostpod\'s limit', method: 'PATCH', path: `${CM}/target`, contentType: STRATEGIC, body: under('metadata', LIMIT), code: 200, warning: /unknown field \\"metadata\.a\\"/ },
  { name: 'a JSON patch nested to hostpod\'s limit', method: 'PATCH', path: `${CM}/target`, contentType: JSON_PATCH, body: `[{"op":"add","path":"/metadata/a","value":${objects(LIMIT - 2)}}]`, code: 200, warning: /unknown field \\"metadata\.a\\"/ },
  { name: 'a strict merge patch nested to hostpod\'s limit', method: 'PATCH', path: `${CM}/target?fieldValidation=Strict`, contentType: MERGE, body: under('metadata', LIMIT), code: 422, message: /strict decoding error: unknown field "metadata\.a"$/ },
  { name: 'a strict strategic merge patch nested to hostpod\'s limit', method: 'PATCH', path: `${CM}/target?fieldValidation=Strict`, contentType: STRATEGIC, body: under('metadata', LIMIT), code: 422, message: /strict decoding error: unknown field "metadata\.a"$/ },
  { name: 'a strict JSON patch nested to hostpod\'s limit', method: 'PATCH', path: `${CM}/target?fieldValidation=Strict`, contentType: JSON_PATCH, body: `[{"op":"add","path":"/metadata/a","value":${objects(LIMIT - 2)}}]`, code: 422, message: /strict decoding error: unknown field "metadata\.a"$/ },
  { name: 'a create with an unknown field nested 10,000 deep', method: 'POST', path: CM, contentType: 'application/json', body: cmBody('deep-unknown', `"x":${objects(9_999)}`), code: 201, warning: /unknown field \\"x\\"/ },
  { name: 'a strict create with an unknown field nested 10,000 deep', method: 'POST', path: `${CM}?fieldValidation=Strict`, contentType: 'application/json', body: cmBody('deep-strict', `"x":${objects(9_999)}`), code: 400, message: /strict decoding error: unknown field "x"/ },
  { name: 'a create with managedFields nested 9,000 deep', method: 'POST', path: CM, contentType: 'application/json',
    body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep-fields","managedFields":[{"manager":"m","fieldsV1":${objects(8_996)}}]}}`,
    code: 400, message: new RegExp(`^ConfigMap in version "v1" cannot be handled as a ConfigMap: metadata\\.managedFields\\[0\\]\\.fieldsV1: nested more than ${LIMIT} levels deep`) },
  { name: 'a delete whose options nest 10,000 deep', method: 'DELETE', path: `${CM}/absent`, contentType: 'application/json', body: `{"preconditions":${objects(9_999)}}`, code: 404 },
];

describe('deep bodies', () => {
  test('deep bodies: an object nested to hostpod\'s limit is stored, read, listed, patched and deleted, and one level more is a 400', async () => {
    // metadata (2), managedFields (3), the entry (4), then fieldsV1 down to the limit.
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"at-limit","managedFields":[{"manager":"m","fieldsV1":${objects(LIMIT - 4)}}]}}`;
    const created = await rawRequest(s.plane, { method: 'POST', path: CM, body });
    assert.equal(created.status, 201, created.body.slice(0, 300));
    assert.equal((await rawRequest(s.plane, { method: 'GET', path: `${CM}/at-limit` })).status, 200);
    assert.equal((await rawRequest(s.plane, { method: 'GET', path: CM })).status, 200);
    assert.equal((await rawRequest(s.plane, { method: 'GET', path: CM, headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).status, 200);
    const patched = await rawRequest(s.plane, { method: 'PATCH', path: `${CM}/at-limit`, headers: { 'Content-Type': MERGE }, body: '{"metadata":{"labels":{"a":"b"}}}' });
    assert.equal(patched.status, 200, patched.body.slice(0, 300));
    const strategic = await rawRequest(s.plane, { method: 'PATCH', path: `${CM}/at-limit`, headers: { 'Content-Type': STRATEGIC }, body: '{"data":{"k":"v"}}' });
    assert.equal(strategic.status, 200, strategic.body.slice(0, 300));
    assert.equal((await rawRequest(s.plane, { method: 'DELETE', path: `${CM}/at-limit` })).status, 200);
    const over = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"over-limit","managedFields":[{"manager":"m","fieldsV1":${objects(LIMIT - 3)}}]}}`;
    const refused = await rawRequest(s.plane, { method: 'POST', path: CM, body: over });
    assert.equal(refused.status, 400, refused.body.slice(0, 300));
  });

  for (const c of CASES) {
    test(`deep bodies: ${c.name} answers ${c.code}`, async () => {
      const r = await rawRequest(s.plane, { method: c.method, path: c.path, headers: { 'Content-Type': c.contentType }, body: c.body });
      assert.equal(r.status, c.code, r.body.slice(0, 500));
      if (c.code >= 400) {
        const status = JSON.parse(r.body) as { kind: string; message: string };
        assert.equal(status.kind, 'Status');
        if (c.message) assert.match(status.message, c.message);
      }
      if (c.warning) assert.match(String(r.headers['warning']), c.warning);
      assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces')).status, 200);
    });
  }
});
