/**
 * What the hostile-input fuzzer found (test/controlplane/fuzz.test.ts), one request each: every
 * one answered 500 (or no answer at all) before its fix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { rawRequest } from '../support/raw-request.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
  await api(s.plane, 'POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'found' }, data: { k: 'v' } } });
});
after(async () => {
  await s.stop();
});

interface Finding {
  name: string;
  method: string;
  path: string;
  contentType?: string;
  body: string | Buffer;
  code: number;
  message?: RegExp;
  warning?: RegExp;
}

const FINDINGS: Finding[] = [
  {
    name: 'a Binding whose name is not a string', method: 'POST', path: '/api/v1/namespaces/default/bindings',
    body: '{"apiVersion":"v1","kind":"Binding","metadata":{"name":false},"target":{"kind":"Node","name":"n"}}',
    code: 400, message: /^Binding in version "v1" cannot be handled as a Binding: json: cannot unmarshal bool into Go struct field ObjectMeta\.metadata\.name of type string$/,
  },
  {
    name: 'an Event whose name is a number', method: 'POST', path: '/api/v1/namespaces/default/events',
    body: '{"apiVersion":"v1","kind":"Event","metadata":{"name":9223372036854775807},"involvedObject":{"kind":"Pod","name":"p"},"reason":"R"}',
    code: 400, message: /^Event in version "v1" cannot be handled as a Event: json: cannot unmarshal number into Go struct field ObjectMeta\.metadata\.name of type string$/,
  },
  {
    name: 'a Lease whose renewTime nests 9000 deep', method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases',
    body: `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"},"spec":{"renewTime":${'{"a":'.repeat(8996)}{}${'}'.repeat(8996)}}}`,
    code: 400, message: /^Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal object into Go struct field LeaseSpec\.spec\.renewTime of type v1\.MicroTime$/,
  },
  {
    name: 'DeleteOptions whose preconditions.uid is a list nested 2000 deep', method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/found',
    body: `{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":${'['.repeat(2000)}${']'.repeat(2000)}}}`,
    code: 400, message: /^DeleteOptions in version "v1" cannot be handled as a DeleteOptions: json: cannot unmarshal array into Go struct field Preconditions\.preconditions\.uid of type string$/,
  },
  {
    name: 'a strategic merge patch with an unknown $patch', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/found',
    contentType: 'application/strategic-merge-patch+json', body: '{"$patch":"bogus"}', code: 400, message: /^unknown patch type: bogus in map: map\[\$patch:bogus\]$/,
  },
  {
    name: 'an unknown field whose name is not Latin-1 (a Warning header)', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/found',
    contentType: 'application/merge-patch+json', body: Buffer.concat([Buffer.from('{"da'), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from('ta":{"\u00e9\u6f22":"v"}}')]), code: 200, warning: /^299 - "unknown field \\"da(\\ufffd){4}ta\\""$/,
  },
  {
    name: 'a patch with a thousand unknown fields (Warning headers past 16 KiB)', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/found',
    contentType: 'application/merge-patch+json', body: JSON.stringify({ metadata: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`unknown-field-with-a-long-name-${i}`, i])) }), code: 200,
  },
];

describe('fuzz findings', () => {
  for (const f of FINDINGS) {
    test(`fuzz findings: ${f.name} answers ${f.code}`, async () => {
      const r = await rawRequest(s.plane, { method: f.method, path: f.path, headers: { 'Content-Type': f.contentType ?? 'application/json' }, body: f.body });
      assert.equal(r.status, f.code, r.body.slice(0, 300));
      if (f.message) assert.match((JSON.parse(r.body) as { message: string }).message, f.message);
      const warnings = r.headers['warning'];
      if (f.warning) assert.match(String(warnings), f.warning);
      const size = (Array.isArray(warnings) ? warnings : [warnings ?? '']).reduce((sum, w) => sum + w.length, 0);
      assert.ok(size < 16 * 1024, `Warning headers of ${size} bytes`);
    });
  }
});
