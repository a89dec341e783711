/**
 * A GET is held back only by a write of the object it reads: while the store's flush of the log
 * is held, a GET of an object written earlier is answered at once, and a GET of one whose
 * creation or deletion waits for the flush is answered once the flush is done (a deleted object's
 * 404 too), never before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type ApiResponse, type StartedPlane } from '../support/controlplane.js';
import { holdFlushes } from '../support/held-flushes.js';

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

/** The response, or 'waiting' when none came within `ms`. */
async function within(ms: number, response: Promise<ApiResponse>): Promise<ApiResponse | 'waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waiting'>((resolve) => (timer = setTimeout(() => resolve('waiting'), ms)));
  try {
    return await Promise.race([response, waited]);
  } finally {
    clearTimeout(timer);
  }
}

describe('reads while the store flushes its log', () => {
  let started: StartedPlane;
  before(async () => {
    started = await startControlPlane();
  });
  after(async () => {
    await started.stop();
  });

  test('a GET waits only for the flush of a write of the object it reads', async () => {
    const { plane } = started;
    for (const name of ['steady', 'doomed']) assert.equal((await api(plane, 'POST', CONFIGMAPS, { body: configMap(name) })).status, 201);

    const flushes = holdFlushes();
    const { held } = flushes;
    try {
      const created = api(plane, 'POST', CONFIGMAPS, { body: configMap('fresh') });
      const deleted = api(plane, 'DELETE', `${CONFIGMAPS}/doomed`);
      // Both writes are committed and wait for the held flush.
      for (let i = 0; i < 100 && held.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(held.length > 0, 'the writes wait for a flush');

      const steady = await within(2_000, api(plane, 'GET', `${CONFIGMAPS}/steady`));
      assert.notEqual(steady, 'waiting', 'an object no waiting write touches is read at once');
      assert.equal((steady as ApiResponse).status, 200);
      assert.equal(((steady as ApiResponse).json()['data'] as Record<string, string>)['k'], 'steady');

      const fresh = api(plane, 'GET', `${CONFIGMAPS}/fresh`);
      const gone = api(plane, 'GET', `${CONFIGMAPS}/doomed`);
      assert.equal(await within(300, fresh), 'waiting', 'a created object is not read before its flush');
      assert.equal(await within(50, gone), 'waiting', 'a deletion is not read (404) before its flush');
      assert.equal(await within(50, created), 'waiting', 'nor is the create answered');

      // Let the flushes go (one at a time, as the store asks for them) until everything is answered.
      let answered = false;
      void Promise.all([created, deleted, fresh, gone]).then(() => (answered = true));
      for (const deadline = Date.now() + 10_000; !answered && Date.now() < deadline;) {
        held.shift()?.();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal((await created).status, 201);
      assert.equal((await deleted).status, 200);
      assert.equal((await fresh).status, 200);
      assert.equal((await gone).status, 404);
    } finally {
      flushes.restore();
    }
  });
});
