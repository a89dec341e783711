/**
 * Clients' event writes behind the work they report (src/controlplane/server/event-write-turns.ts):
 * while the control plane's thread is busy, a kubelet's burst of events is answered once the
 * thread has room, or after the longest wait, while the node's other requests, a pod's few events
 * and the admin's events are served at once; on a quiet thread an event is served at once.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { KubeClient } from '../../src/node/kube-client/client.js';
import { EVENT_WRITE_BURST, EventWriteTurns, isEventWrite } from '../../src/controlplane/server/event-write-turns.js';
import { api, nodeClient, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { busyFor } from '../support/busy-thread.js';

const TICK = 20;

/** When `promise` settled, in ms after `from`; undefined while it has not. */
function settledAt(promise: Promise<unknown>, from: number): () => number | undefined {
  let at: number | undefined;
  void promise.then(() => (at = performance.now() - from));
  return () => at;
}

describe('event write turns', () => {
  test('on a quiet thread an event write is served at once', async () => {
    const turns = new EventWriteTurns({ tickMs: TICK, maxWaitMs: 1_000, burst: 0 });
    await new Promise((resolve) => setTimeout(resolve, TICK * 2));
    assert.equal(turns.turn(), undefined);
    assert.equal(turns.waiting, 0);
  });

  test('on a busy thread an event write waits until the thread has room', async () => {
    const turns = new EventWriteTurns({ tickMs: TICK, maxWaitMs: 5_000, burst: 0 });
    await busyFor(TICK * 3);
    const asked = performance.now();
    const turn = turns.turn();
    assert.ok(turn, 'the thread was busy: the write waits');
    const seen = settledAt(turn, asked);
    await busyFor(200);
    assert.equal(seen(), undefined, 'still waiting while the thread stays busy');
    assert.equal(turns.waiting, 1);
    const quiet = performance.now() - asked;
    await turn;
    const at = seen();
    assert.ok(at !== undefined && at >= quiet, `served once the thread had room (${quiet.toFixed(0)} ms), at ${at?.toFixed(0)} ms`);
    assert.equal(turns.waiting, 0);
  });

  test('an event write waits for at most its longest wait; then writes go at once until the thread has room again', async () => {
    const turns = new EventWriteTurns({ tickMs: TICK, maxWaitMs: 150, burst: 0 });
    await busyFor(TICK * 3);
    const asked = performance.now();
    const first = turns.turn();
    assert.ok(first);
    const seen = settledAt(first, asked);
    // A client sending one event after the other is held back once, not once per event.
    const following: (Promise<void> | undefined)[] = [];
    await busyFor(500, () => {
      if (seen() !== undefined) following.push(turns.turn());
    });
    const at = seen();
    assert.ok(at !== undefined && at >= 150 && at < 450, `served after its longest wait while the thread stayed busy (at ${at?.toFixed(0)} ms)`);
    assert.ok(following.length > 5 && following.every((t) => t === undefined), 'while the thread stays busy, the writes after it go at once');
    await new Promise((resolve) => setTimeout(resolve, TICK * 3));
    assert.equal(turns.turn(), undefined, 'the thread has room');
    await busyFor(TICK * 3);
    const again = turns.turn();
    assert.ok(again, 'busy again: a write waits again');
    turns.release();
    await again;
    assert.equal(turns.waiting, 0, 'release lets every waiting write go');
  });

  test("on a busy thread a pod's few event writes go at once; those beyond a burst wait", async () => {
    const turns = new EventWriteTurns({ tickMs: TICK, maxWaitMs: 5_000, burst: 5 });
    await busyFor(TICK * 3);
    const first = Array.from({ length: 5 }, () => turns.turn());
    assert.deepEqual(first, [undefined, undefined, undefined, undefined, undefined], 'up to the burst, at once');
    const sixth = turns.turn();
    assert.ok(sixth, 'the sixth in a second waits');
    turns.release();
    await sixth;
  });

  test('the writes that wait: creates, updates and patches of core and events.k8s.io Events', () => {
    for (const verb of ['create', 'update', 'patch']) {
      assert.equal(isEventWrite(verb, '', 'events', undefined), true, verb);
      assert.equal(isEventWrite(verb, 'events.k8s.io', 'events', undefined), true, verb);
    }
    for (const verb of ['get', 'list', 'watch', 'delete', 'deletecollection']) assert.equal(isEventWrite(verb, '', 'events', undefined), false, verb);
    assert.equal(isEventWrite('create', '', 'pods', undefined), false);
    assert.equal(isEventWrite('patch', '', 'pods', 'status'), false);
    assert.equal(isEventWrite('create', 'example.com', 'events', undefined), false, 'a custom resource named events');
  });
});

describe('event writes on a busy control plane', () => {
  let started: StartedPlane;
  let node: KubeClient;
  before(async () => {
    started = await startControlPlane();
    node = await nodeClient(started.plane, 'n1');
    assert.equal((await api(started.plane, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } })).status, 201);
    const pod = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } } });
    assert.equal(pod.status, 201, pod.body);
  });
  after(async () => {
    node.close();
    await started.stop();
  });

  const event = (name: string) => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p' },
    reason: 'Started', message: 'Started container c', type: 'Normal', source: { component: 'kubelet', host: 'n1' }, count: 1,
  });

  test("a node's burst of events is answered once the thread has room; its status patch and the admin's event are not held", async () => {
    // The thread busy for 2 s; the requests go out once its load has been judged (a tick in).
    // The node sends its events one after the other, as client-go's broadcaster does.
    let asked: number | undefined;
    const answered: Record<string, number> = {};
    const events: number[] = [];
    const requests: Promise<unknown>[] = [];
    const burst = EVENT_WRITE_BURST + 5;
    const busyBegan = performance.now();
    const busy = busyFor(2_000, () => {
      if (asked !== undefined || performance.now() - busyBegan < 250) return;
      asked = performance.now();
      const at = (name: string) => () => (answered[name] = performance.now() - asked!);
      requests.push((async () => {
        for (let i = 0; i < burst; i++) {
          await node.create('/api/v1/namespaces/default/events', event(`p.node-${i}`));
          events.push(performance.now() - asked);
        }
      })());
      requests.push(node.mergePatch('/api/v1/namespaces/default/pods/p/status', { status: { phase: 'Running' } }).then(at('node status')));
      requests.push(api(started.plane, 'POST', '/api/v1/namespaces/default/events', { body: event('p.admin') }).then((r) => {
        assert.equal(r.status, 201, r.body);
        at('admin event')();
      }));
    });
    await busy;
    const quietAfter = performance.now() - asked!;
    await Promise.all(requests);
    const detail = JSON.stringify({ quietAfter: Math.round(quietAfter), ...answered, events: events.map(Math.round) });
    assert.ok(answered['node status']! < quietAfter, `the node's status patch was served while the thread was busy (${detail})`);
    assert.ok(answered['admin event']! < quietAfter, `the admin's event was served while the thread was busy (${detail})`);
    assert.ok(events[EVENT_WRITE_BURST - 2]! < quietAfter, `the node's first events, below a burst, were served while the thread was busy (${detail})`);
    assert.ok(events[burst - 1]! >= quietAfter, `the node's last event waited for the thread to have room (${detail})`);
    const stored = await api(started.plane, 'GET', `/api/v1/namespaces/default/events/p.node-${burst - 1}`);
    assert.equal(stored.status, 200, 'the event was written, not dropped');
  });

  test("on a quiet thread a node's event is served at once", async () => {
    await node.get('/api/v1/namespaces/default/pods/p');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const began = performance.now();
    await node.create('/api/v1/namespaces/default/events', event('p.quiet'));
    assert.ok(performance.now() - began < 90, `served within a tick (${(performance.now() - began).toFixed(0)} ms)`);
  });
});
