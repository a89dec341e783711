/**
 * Chaos: the disk of `hostpod up`'s data directory fills up (a tmpfs, filled to the last block)
 * while a HostProcess container counts on the node. While it is full: reads keep working, writes
 * that are not deletions are refused with a clear error, deleting a pod still stops its container
 * and removes it, and the node keeps its Lease. Once space returns: writes are taken again, the
 * counter goes on in the same container with whole log lines, and nothing acknowledged is lost.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseLogLine } from '../../src/runtime/logs.js';
import { adminClient } from '../support/admin-client.js';
import { fillDisk } from '../support/disk.js';
import { eventually, kubectl, kubectlSkip } from '../support/controlplane.js';
import { alive, removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.33');

const pod = (name: string, script: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: {
    securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
    hostNetwork: true, terminationGracePeriodSeconds: 2,
    containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', script] }],
  },
});

describe('hostpod up on a full disk', { skip, timeout: 300_000 }, () => {
  const mount = mkdtempSync(join(tmpdir(), 'hostpod-full-up-'));
  const dataDir = join(mount, 'data');
  const port = 18400 + Math.floor(Math.random() * 400);
  let up: UpProcess | undefined;
  let mounted = false;
  after(async () => {
    rmSync(join(mount, 'filler'), { force: true });
    await up?.stop();
    await removeAllContainers(dataDir);
    if (mounted) execFileSync('umount', ['--lazy', mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  test('keeps reads, stops and removes a deleted pod, keeps the Lease, loses nothing, and resumes when space returns', async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', mount]);
    mounted = true;
    up = await startUp(dataDir, port);
    const call = adminClient(up.kubeconfig);
    const k = kubectl('1.33', up.kubeconfig);
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      if ((await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `before-${i}` }, data: { i: String(i) } })).status === 201) acknowledged.push(`before-${i}`);
    }
    assert.equal((await call('POST', '/api/v1/namespaces/default/pods', pod('counter', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done'))).status, 201);
    assert.equal((await call('POST', '/api/v1/namespaces/default/pods', pod('doomed', 'sleep 600'))).status, 201);
    const running = async (name: string): Promise<string | undefined> => {
      const p = (await call('GET', `/api/v1/namespaces/default/pods/${name}`)).json<{ status?: { containerStatuses?: { containerID?: string; restartCount: number; state?: { running?: unknown } }[] } }>();
      const c = p.status?.containerStatuses?.[0];
      return c?.state?.running && c.containerID ? c.containerID.replace('hostpod://', '') : undefined;
    };
    const counterId = await eventually(() => running('counter'), 30_000, 'counter to run');
    const doomedId = await eventually(() => running('doomed'), 30_000, 'doomed to run');
    const monitor = (id: string): number => Number(readFileSync(join(dataDir, 'containers', id, 'monitor.pid'), 'utf8'));
    const counterMonitor = monitor(counterId);
    const doomedMonitor = monitor(doomedId);
    const lease = async (): Promise<string> => (await call('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases`)).json<{ items: { spec: { renewTime: string } }[] }>().items[0]?.spec.renewTime ?? '';

    fillDisk(join(mount, 'filler'));
    const fullSince = Date.now();

    // Writes that are not deletions are refused, with the reason; some may still fit in the
    // database's free pages, so write until one is refused.
    let refused: { status: number; body: string } | undefined;
    for (let i = 0; i < 2000 && !refused; i++) {
      const res = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `full-${i}` }, data: { pad: 'x'.repeat(32 * 1024) } });
      if (res.status === 201) acknowledged.push(`full-${i}`);
      else refused = res;
    }
    assert.ok(refused, 'a write on the full disk is refused');
    assert.equal(refused.status, 500);
    assert.match(refused.body, /disk of the data directory is full/);

    // Reads keep working.
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps')).status, 200);
    const logs = await k('logs', 'counter', '--tail=5');
    assert.equal(logs.code, 0, logs.stderr);

    // Deleting a pod stops its container, and the pod goes.
    const renewedBefore = await lease();
    const deleted = await k('delete', 'pod', 'doomed', '--wait=false');
    assert.equal(deleted.code, 0, deleted.stderr);
    await eventually(() => (alive(doomedMonitor) ? undefined : true), 30_000, 'the deleted pod\'s container to stop');
    await eventually(async () => ((await call('GET', '/api/v1/namespaces/default/pods/doomed')).status === 404 ? true : undefined), 30_000, 'the deleted pod to go');
    // The Lease is renewed while the disk is full (every 10 s).
    await eventually(async () => ((await lease()) !== renewedBefore ? true : undefined), 25_000, 'a Lease renewal');
    assert.ok(alive(counterMonitor), 'the other container runs on');
    process.stdout.write(`# disk full for ${Date.now() - fullSince} ms: reads served, deletion stopped its container, Lease renewed\n`);

    // Space returns: writes are taken again, the counter goes on in the same container.
    rmSync(join(mount, 'filler'));
    await eventually(async () => ((await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' } })).status === 201 ? true : undefined), 30_000, 'writes to resume');
    acknowledged.push('after');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await running('counter'), counterId, 'the same container');
    const list = (await call('GET', '/api/v1/namespaces/default/configmaps')).json<{ items: { metadata: { name: string } }[] }>();
    const names = new Set(list.items.map((item) => item.metadata.name));
    assert.deepEqual(acknowledged.filter((name) => !names.has(name)), [], 'no acknowledged write is lost');

    // Every line of the counter's log file is a whole CRI entry, and it goes on after the disk was full.
    const logFile = (JSON.parse(readFileSync(join(dataDir, 'containers', counterId, 'container.json'), 'utf8')) as { logPath: string }).logPath;
    const entries = readFileSync(logFile, 'utf8').trimEnd().split('\n');
    assert.deepEqual(entries.filter((line) => parseLogLine(line) === undefined || !/^\d+$/.test(parseLogLine(line)?.text ?? '')), [], 'no torn log line');
    const numbers = entries.map((line) => Number(parseLogLine(line)?.text));
    const last = numbers.at(-1) ?? 0;
    const tail = numbers.slice(-10);
    assert.deepEqual(tail, Array.from({ length: tail.length }, (_, i) => last - tail.length + 1 + i), 'the counter goes on, line after line');
  });
});
