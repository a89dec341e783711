/**
 * Survival, as the issue asks: a kill -9 of `hostpod up` leaves the HostProcess containers
 * running; the restarted agent re-adopts them (same container, no restart, no lost log line);
 * a pod deleted while the agent was down is stopped when it comes back.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip } from '../support/controlplane.js';
import { alive, removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.33');

function pod(name: string, script: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      hostNetwork: true, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', script] }],
    },
  });
}

describe('a kill -9 of hostpod up', { skip, timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-survival-'));
  const port = 17300 + Math.floor(Math.random() * 400);
  let up: UpProcess | undefined;
  after(async () => {
    await up?.stop();
    await removeAllContainers(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  test('leaves the containers running; they are re-adopted with every log line; a pod deleted meanwhile is stopped', async () => {
    up = await startUp(dir, port);
    const k = kubectl('1.33', up.kubeconfig);
    const manifest = join(dir, 'pods.json');
    writeFileSync(manifest, `{"apiVersion":"v1","kind":"List","items":[${pod('counter', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done')},${pod('doomed', 'sleep 600')}]}`);
    assert.equal((await k('apply', '-f', manifest)).code, 0);
    const containerId = async (name: string): Promise<string | undefined> => {
      const out = (await k('get', 'pod', name, '-o', 'jsonpath={.status.containerStatuses[0].containerID}')).stdout;
      return out.startsWith('hostpod://') ? out.slice('hostpod://'.length) : undefined;
    };
    const counterId = await eventually(() => containerId('counter'), 30_000, 'counter to run');
    const doomedId = await eventually(() => containerId('doomed'), 30_000, 'doomed to run');
    const monitor = (id: string): number => Number(readFileSync(join(dir, 'containers', id, 'monitor.pid'), 'utf8'));
    const counterMonitor = monitor(counterId);
    const doomedMonitor = monitor(doomedId);

    await up.kill();
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(alive(counterMonitor) && alive(doomedMonitor), 'the containers outlive hostpod up');

    // The pod is deleted while no agent runs: the control plane alone, then a forced delete.
    up = await startUp(dir, port, ['--no-node']);
    const deleted = await k('delete', 'pod', 'doomed', '--grace-period=0', '--force');
    assert.equal(deleted.code, 0, deleted.stderr);
    await up.stop();
    assert.ok(alive(doomedMonitor), 'nothing stopped it yet');

    up = await startUp(dir, port);
    await eventually(() => (alive(doomedMonitor) ? undefined : true), 30_000, 'the deleted pod\'s container to stop');
    await eventually(() => (existsSync(join(dir, 'containers', doomedId)) ? undefined : true), 10_000, 'its records to go');
    assert.ok(alive(counterMonitor), 'the other container still runs');
    const table = await eventually(async () => {
      const out = (await k('get', 'pod', 'counter', '--no-headers')).stdout;
      return /^counter\s+1\/1\s+Running\s+0\s/.test(out) ? out : undefined;
    }, 30_000, 'counter Running');
    assert.ok(table);
    assert.equal(await containerId('counter'), counterId, 'the same container, re-adopted');
    await new Promise((r) => setTimeout(r, 500));
    const lines = (await k('logs', 'counter')).stdout.trim().split('\n').map(Number);
    assert.ok(lines.length > 40, `the counter went on while hostpod was down (${lines.length} lines)`);
    const gaps = lines.filter((n, i) => n !== i + 1);
    assert.deepEqual(gaps, [], 'no line is lost');
  });
});
