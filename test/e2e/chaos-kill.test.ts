/**
 * Chaos: `hostpod up` killed with SIGKILL 20 times in the middle of a write load (creates, deletes
 * and updates from four clients) while a HostProcess container counts on the node. After every
 * restart, and at the end: no acknowledged write is lost (created objects exist with their data,
 * deleted ones stay deleted, the updated counter is at least its last acknowledged value), no line
 * of the counter's log is lost, and the container never restarted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { adminClient, type AdminCall } from '../support/admin-client.js';
import { eventually, kubectl, kubectlSkip } from '../support/controlplane.js';
import { alive, removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const CYCLES = 20;
const skip = rootSkip() || kubectlSkip('1.33');

const counterPod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'counter', namespace: 'default' },
  spec: {
    securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
    hostNetwork: true, terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done'] }],
  },
};

/** What the server acknowledged: the state it must never lose. */
class Acknowledged {
  readonly created = new Map<string, string>();
  readonly deleted = new Set<string>();
  /** Deletes sent but never answered (the server died under them): they may or may not have happened. */
  readonly deletesInFlight = new Set<string>();
  counter = 0;
  /** The highest counter value ever sent (acknowledged or not). */
  counterSent = 0;
  writes = 0;
}

/** Four clients writing until `stop` is set: two create, one deletes what was created, one updates a counter. */
async function writeLoad(call: AdminCall, ack: Acknowledged, cycle: number, stopped: () => boolean): Promise<void> {
  const base = '/api/v1/namespaces/default/configmaps';
  const creator = async (w: number): Promise<void> => {
    for (let i = 0; !stopped(); i++) {
      const name = `c${cycle}-${w}-${i}`;
      const value = `${cycle}.${w}.${i}`;
      const res = await call('POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: value } }).catch(() => undefined);
      if (res === undefined) return; // the server died under us
      if (res.status === 201) {
        ack.created.set(name, value);
        ack.writes++;
      }
    }
  };
  const deleter = async (): Promise<void> => {
    while (!stopped()) {
      const victim = [...ack.created.keys()].find((name) => name.endsWith('0') && !ack.deleted.has(name));
      if (victim === undefined) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const res = await call('DELETE', `${base}/${victim}`).catch(() => undefined);
      if (res === undefined) {
        ack.deletesInFlight.add(victim);
        return;
      }
      if (res.status === 200) {
        ack.created.delete(victim);
        ack.deleted.add(victim);
        ack.writes++;
      }
    }
  };
  const updater = async (): Promise<void> => {
    while (!stopped()) {
      const next = ack.counterSent + 1;
      ack.counterSent = next;
      const res = await call('PUT', `${base}/counter`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter' }, data: { n: String(next) } }).catch(() => undefined);
      if (res === undefined) return;
      if (res.status === 200 || res.status === 201) {
        ack.counter = Math.max(ack.counter, next);
        ack.writes++;
      }
    }
  };
  await Promise.all([creator(0), creator(1), deleter(), updater()]);
}

/** Every acknowledged write is there: one list, compared with what was acknowledged. */
async function checkNothingLost(call: AdminCall, ack: Acknowledged): Promise<void> {
  const list = (await call('GET', '/api/v1/namespaces/default/configmaps')).json<{ items: { metadata: { name: string }; data?: Record<string, string> }[] }>();
  const found = new Map(list.items.map((item) => [item.metadata.name, item.data ?? {}]));
  // A create whose delete was sent as the server died may be gone: that delete may have been done.
  const missing = [...ack.created].filter(([name, value]) => found.get(name)?.['v'] !== value && !(ack.deletesInFlight.has(name) && !found.has(name))).map(([name]) => name);
  assert.deepEqual(missing, [], 'acknowledged creates are all there, with their data');
  const resurrected = [...ack.deleted].filter((name) => found.has(name));
  assert.deepEqual(resurrected, [], 'acknowledged deletes stay deleted');
  const n = Number(found.get('counter')?.['n'] ?? 0);
  assert.ok(n >= ack.counter && n <= ack.counterSent, `the counter is ${n}: at least the last acknowledged ${ack.counter}, at most the last sent ${ack.counterSent}`);
}

describe(`hostpod up killed with SIGKILL ${CYCLES} times under load`, { skip, timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-chaos-'));
  const port = 17800 + Math.floor(Math.random() * 400);
  let up: UpProcess | undefined;
  after(async () => {
    await up?.stop();
    await removeAllContainers(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  test('loses no acknowledged write and no log line, and never restarts the container', async () => {
    up = await startUp(dir, port);
    const call = adminClient(up.kubeconfig);
    const k = kubectl('1.33', up.kubeconfig);
    assert.equal((await call('POST', '/api/v1/namespaces/default/pods', counterPod)).status, 201);
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter' }, data: { n: '0' } })).status, 201);
    const status = async (): Promise<{ id: string; restarts: number } | undefined> => {
      const pod = (await call('GET', '/api/v1/namespaces/default/pods/counter')).json<{ status?: { containerStatuses?: { containerID?: string; restartCount: number; state?: { running?: unknown } }[] } }>();
      const c = pod.status?.containerStatuses?.[0];
      return c?.state?.running && c.containerID ? { id: c.containerID.replace('hostpod://', ''), restarts: c.restartCount } : undefined;
    };
    const first = await eventually(status, 30_000, 'the counter to run');
    const monitor = Number(readFileSync(join(dir, 'containers', first.id, 'monitor.pid'), 'utf8'));

    const ack = new Acknowledged();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      let stop = false;
      const load = writeLoad(adminClient(up.kubeconfig), ack, cycle, () => stop);
      // Kill at a random moment of the load, mid-request more often than not.
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 1200)));
      await up.kill();
      stop = true;
      await load;
      assert.ok(alive(monitor), `cycle ${cycle}: the container outlives hostpod up`);
      up = await startUp(dir, port);
      await checkNothingLost(adminClient(up.kubeconfig), ack);
    }
    assert.ok(ack.writes > CYCLES * 10, `the load wrote (${ack.writes} acknowledged writes)`);

    const last = await eventually(status, 30_000, 'the counter to be reported running');
    assert.deepEqual(last, { id: first.id, restarts: 0 }, 'the same container, never restarted');
    assert.ok(alive(monitor));
    const lines = (await k('logs', 'counter')).stdout.trim().split('\n').map(Number);
    assert.deepEqual(lines.filter((n, i) => n !== i + 1), [], 'no log line is lost');
    process.stdout.write(`# chaos: ${CYCLES} kill -9 cycles, ${ack.writes} acknowledged writes (${ack.created.size} creates kept, ${ack.deleted.size} deletes, counter at ${ack.counter}), ${lines.length} log lines, 0 lost, 0 restarts\n`);
  });
});
