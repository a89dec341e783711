/**
 * Request paths as kube-apiserver reads them: percent-decoded, never normalised, so a name of
 * `..` (however it is spelt) never reaches the parent object, and an empty segment never shifts
 * the path onto another resource.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { rawRequest } from '../support/raw-request.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
  await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dots' } } });
  await api(s.plane, 'POST', '/api/v1/namespaces/dots/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep' }, data: { k: 'v' } } });
});
after(async () => {
  await s.stop();
});

interface PathCase {
  method: string;
  path: string;
  code: number;
  message?: RegExp;
}

const CASES: PathCase[] = [
  { method: 'DELETE', path: '/api/v1/namespaces/dots/configmaps/%2e%2e', code: 400, message: /^Name parameter invalid: "\.\.": may not be '\.\.'$/ },
  { method: 'DELETE', path: '/api/v1/namespaces/dots/configmaps/%2E%2E', code: 400, message: /may not be '\.\.'/ },
  { method: 'DELETE', path: '/api/v1/namespaces/dots/configmaps/..', code: 400, message: /may not be '\.\.'/ },
  { method: 'DELETE', path: '/api/v1/namespaces/dots/configmaps/%2e%2e/', code: 400, message: /may not be '\.\.'/ },
  { method: 'GET', path: '/api/v1/namespaces/dots/configmaps/.', code: 400, message: /^Name parameter invalid: "\.": may not be '\.'$/ },
  { method: 'PUT', path: '/api/v1/namespaces/dots/configmaps/%2e', code: 400, message: /may not be '\.'/ },
  { method: 'DELETE', path: '/api/v1/namespaces/%2e%2e', code: 400, message: /may not be '\.\.'/ },
  { method: 'GET', path: '/api/v1/namespaces/dots/configmaps/a%25b', code: 400, message: /^Name parameter invalid: "a%b": may not contain '%'$/ },
  // %2f is a slash once decoded, as Go's URL.Path has it: "keep" then the subresource "..".
  { method: 'DELETE', path: '/api/v1/namespaces/dots/configmaps/keep%2f..', code: 404 },
  { method: 'DELETE', path: '/api/v1/namespaces/dots/configmaps/keep/..', code: 404 },
  // An empty segment is no segment to skip: these name no namespace "dots" and no configmap "keep".
  { method: 'DELETE', path: '/api/v1//namespaces/dots', code: 404 },
  { method: 'DELETE', path: '/api/v1/namespaces//configmaps', code: 404 },
  { method: 'DELETE', path: '/api//v1/namespaces/dots/configmaps/keep', code: 404 },
  { method: 'GET', path: '/api/v1/namespaces/dots/configmaps/%zz', code: 400, message: /^invalid URL escape "%zz"$/ },
  { method: 'GET', path: '/api/v1/namespaces/dots/configmaps/%e2%82', code: 404 },
  { method: 'GET', path: '/api/v1/namespaces/dots/configmaps/%6beep', code: 200 },
  { method: 'GET', path: '/api/v1/namespaces/dots/configmaps/keep/', code: 200 },
  { method: 'GET', path: '/ver%73ion', code: 200 },
  // The absolute form names its path; one whose authority is no host is refused, as Go's ParseRequestURI refuses it.
  { method: 'GET', path: 'https://anything.invalid/api/v1/namespaces/dots/configmaps/keep', code: 200 },
  { method: 'GET', path: 'http://[/api/v1/namespaces/dots/configmaps/keep', code: 400, message: /^invalid request URI "http:\/\/\[\/api/ },
];

describe('request paths', () => {
  for (const c of CASES) {
    test(`request path ${c.method} ${c.path} answers ${c.code}`, async () => {
      const r = await rawRequest(s.plane, { method: c.method, path: c.path });
      assert.equal(r.status, c.code, r.body);
      if (c.code !== 200) {
        const status = JSON.parse(r.body) as { kind: string; code: number; message: string };
        assert.equal(status.kind, 'Status');
        assert.equal(status.code, c.code);
        if (c.message) assert.match(status.message, c.message);
      }
    });
  }

  test('request paths that spell a parent leave the namespace and its objects as they were', async () => {
    const ns = (await api(s.plane, 'GET', '/api/v1/namespaces/dots')).json();
    assert.equal((ns['metadata'] as { deletionTimestamp?: string }).deletionTimestamp, undefined);
    assert.equal((ns['status'] as { phase: string }).phase, 'Active');
    assert.equal((await api(s.plane, 'GET', '/api/v1/namespaces/dots/configmaps/keep')).status, 200);
  });
});
