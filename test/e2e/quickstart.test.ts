/**
 * The README's quickstart command, `npm run walkthrough` (scripts/walkthrough.sh): it starts
 * `hostpod up` and runs the seeds' walkthrough with kubectl, printing what a user sees.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kubectlSkip } from '../support/controlplane.js';
import { alive, removeAllContainers } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

test('npm run walkthrough: hostpod up, then apply, get pods, logs', { skip: rootSkip() || kubectlSkip('1.32'), timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-quickstart-'));
  let pid: number | undefined;
  try {
    const out = await new Promise<string>((resolve, reject) => {
      execFile('sh', [join(import.meta.dirname, '../../scripts/walkthrough.sh')], {
        encoding: 'utf8', timeout: 100_000,
        env: { ...process.env, HOSTPOD_DATA_DIR: dir, HOSTPOD_LISTEN: `127.0.0.1:${17800 + Math.floor(Math.random() * 150)}` },
      }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)));
    });
    pid = Number(/hostpod keeps running \(pid (\d+)\)/.exec(out)?.[1]);
    assert.match(out, /^\$ kubectl apply -f examples\/hostprocess\.yaml\ndaemonset\.apps\/privileged-daemonset created\n/m);
    assert.match(out, /^\$ kubectl get pods --namespace kube-system\nNAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nprivileged-daemonset-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\n/m);
    assert.match(out, /^\$ kubectl logs privileged-daemonset-[a-z0-9]{5} --namespace kube-system\nProcess has admin rights: True\n/m);
    assert.ok(alive(pid), 'hostpod up keeps running for the user');
  } finally {
    if (pid !== undefined && !Number.isNaN(pid)) process.kill(pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await removeAllContainers(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
