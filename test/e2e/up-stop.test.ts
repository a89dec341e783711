/**
 * SIGTERM to `hostpod up` while one of its containers is being stopped (a deleted pod inside its
 * grace period): hostpod says what it waits for and exits promptly, without waiting for the
 * container, which outlives it by design; a second signal exits at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runHostpod } from '../support/hostpod-cli.js';
import { eventually, kubectl, kubectlSkip } from '../support/controlplane.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.33');
const base = mkdtempSync(join(tmpdir(), 'hostpod-up-stop-'));
const dirs: string[] = [];
const running: UpProcess[] = [];
after(async () => {
  for (const up of running) await up.kill();
  for (const dir of dirs) await removeAllContainers(dir);
  rmSync(base, { recursive: true, force: true });
});

/** A `hostpod up` with a pod whose container ignores SIGTERM, deleted (so being stopped, for 300s). */
async function upStoppingAPod(name: string): Promise<UpProcess> {
  const dir = join(base, name);
  dirs.push(dir);
  const up = await startUp(dir, 18600 + Math.floor(Math.random() * 300));
  running.push(up);
  const k = kubectl('1.33', up.kubeconfig);
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stubborn', namespace: 'default' },
    spec: {
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      hostNetwork: true, terminationGracePeriodSeconds: 300, restartPolicy: 'Never',
      containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', "trap '' TERM; while true; do sleep 1; done"] }],
    },
  };
  writeFileSync(join(dir, 'pod.json'), JSON.stringify(pod));
  assert.equal((await k('apply', '-f', join(dir, 'pod.json'))).code, 0);
  await eventually(async () => ((await k('get', 'pod', 'stubborn', '-o', 'jsonpath={.status.phase}')).stdout === 'Running' ? true : undefined), 60_000, 'the pod running');
  assert.equal((await k('delete', 'pod', 'stubborn', '--wait=false')).code, 0);
  await eventually(() => (up.log().includes('"msg":"stopping container"') ? true : undefined), 30_000, 'the container being stopped');
  return up;
}

describe('SIGTERM to hostpod up while a container is being stopped', { skip, timeout: 300_000 }, () => {
  test('says what it waits for and exits promptly, leaving the container running', async () => {
    const up = await upStoppingAPod('one');
    const started = Date.now();
    // A generous bound: the grace period is 300s, and a hang must fail here rather than time out the suite.
    const code = await Promise.race([up.stop(), new Promise<string>((resolve) => setTimeout(() => resolve('still running after 60s'), 60_000).unref())]);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(code, 0, up.log());
    assert.ok(seconds < 30, `exited after ${seconds}s, not promptly (the grace period is 300s): ${up.log()}`);
    assert.match(up.log(), /"msg":"stopping: waiting for [^"]+"/);
    assert.match(up.log(), /"msg":"stopped"/);
    const ps = await runHostpod(['ps', '--data-dir', join(base, 'one')]);
    assert.match(ps.stdout, /stubborn.*[Rr]unning|[Rr]unning.*stubborn/, `the container outlives hostpod up: ${ps.stdout}${ps.stderr}`);
  });
});
