/**
 * The request log (`hostpod up --log-requests`): every request, with no credential in it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ControlPlane } from '../../src/controlplane/control-plane.js';
import type { RequestLog } from '../../src/controlplane/server/api-handler.js';
import { rawRequest } from '../support/raw-request.js';

let plane: ControlPlane;
let dir: string;
const entries: RequestLog[] = [];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostpod-cp-log-'));
  plane = await ControlPlane.start({ dataDir: dir, host: '127.0.0.1', port: 0, logRequests: (entry) => entries.push(entry) });
});
after(async () => {
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = 'c2VjcmV0LXRva2VuLXZhbHVl';

describe('request log', () => {
  const cases = [
    { query: `access_token=${SECRET}`, logged: 'access_token=REDACTED' },
    { query: `pretty=true&access_token=${SECRET}&limit=5`, logged: 'pretty=true&access_token=REDACTED&limit=5' },
    { query: `ACCESS_TOKEN=${SECRET}`, logged: 'ACCESS_TOKEN=REDACTED' },
    { query: `access%5Ftoken=${SECRET}`, logged: 'access%5Ftoken=REDACTED' },
    { query: `token=${SECRET}&labelSelector=a%3Db`, logged: 'token=REDACTED&labelSelector=a%3Db' },
    { query: `id_token=${SECRET}`, logged: 'id_token=REDACTED' },
    { query: `password=${SECRET}`, logged: 'password=REDACTED' },
    { query: `access_token=${SECRET}&access_token=${SECRET}`, logged: 'access_token=REDACTED&access_token=REDACTED' },
  ];
  for (const c of cases) {
    test(`request log redacts the credential in ${c.query.replaceAll(SECRET, 'SECRET')}`, async () => {
      entries.length = 0;
      const r = await rawRequest(plane, { method: 'GET', path: `/api/v1/namespaces?${c.query}` });
      assert.equal(r.status, 200);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.path, `/api/v1/namespaces?${c.logged}`);
    });
  }

  test('request log never holds a bearer token or a query credential, whatever the answer', async () => {
    entries.length = 0;
    await rawRequest(plane, { method: 'GET', path: `/api/v1/namespaces?access_token=${SECRET}`, token: SECRET });
    await rawRequest(plane, { method: 'GET', path: `/api/v1/namespaces/%zz?access_token=${SECRET}` });
    await rawRequest(plane, { method: 'GET', path: '/api/v1/namespaces' });
    assert.equal(entries.length, 3);
    assert.deepEqual(entries.map((e) => e.code), [401, 400, 200]);
    const text = JSON.stringify(entries);
    assert.ok(!text.includes(SECRET), text);
    assert.ok(!text.includes(plane.tokens.adminToken), 'the admin token is in the log');
  });
});
