/**
 * `kubectl attach` to a hostpod node's containers, against both control planes: `hostpod up`, and
 * the real kube-apiserver with a hostpod node joined by TLS bootstrapping. A container with
 * `stdin: true` reads what `attach -i` sends, and its stdin stays open from one attachment to the
 * next; `attach` without -i shows only what is written from then on; `stdinOnce` ends the
 * container's input with the first attachment; `tty: true` runs it on a terminal. kubectl 1.27
 * speaks SPDY, 1.33 WebSocket v5, and the plain `kubectl` whichever its dispatcher picks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlDir, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { nodePlanes, type NodePlane } from '../support/node-planes.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.27') || kubectlSkip('1.33');
const BASE = 'localhost/hostprocess-base:latest';
const TOLERATION = { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' };


type Json = Record<string, unknown>;

function hostProcessPod(name: string, container: Json, spec: Json = {}): Json {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      hostNetwork: true, tolerations: [TOLERATION], terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: BASE, ...container }],
      ...spec,
    },
  };
}

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs kubectl with `input` on its stdin, which ends `endAfterMs` later (or stays open until `stop`). */
function attachRun(client: Kubectl, args: string[], input: string, endAfterMs: number | undefined): { done: Promise<Run>; output: () => string; stop: () => void } {
  const child = spawn(client.binary, [...client.baseArgs, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.on('error', () => {});
  child.stdin.write(input);
  if (endAfterMs !== undefined) setTimeout(() => child.stdin.end(), endAfterMs);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<Run>((resolve) => child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); }));
  return { done, output: () => stdout, stop: () => child.kill('SIGINT') };
}

for (const kind of nodePlanes('attach-node')) describe(`kubectl attach, against ${kind.name}`, { skip: skip || kind.skip, timeout: 600_000 }, () => {
  let dir: string;
  let plane: NodePlane | undefined;
  let k: Kubectl;
  let old: Kubectl;
  let plain: Kubectl;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-attach-'));
    plane = await kind.start(dir);
    k = kubectl('1.33', plane.kubeconfig);
    old = kubectl('1.27', plane.kubeconfig);
    // The plain `kubectl` (a dispatcher that picks a version for the server), with 1.33's cache flags.
    plain = Object.assign((...args: string[]) => k(...args), { version: 'plain', binary: join(kubectlDir() ?? '', 'kubectl'), baseArgs: k.baseArgs });
  });
  after(async () => {
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function apply(...objects: Json[]): Promise<void> {
    const file = join(dir, `apply-${Date.now()}-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    const result = await k('apply', '-f', file);
    assert.equal(result.code, 0, result.stderr);
  }

  async function running(name: string): Promise<void> {
    await eventually(async () => ((await k('get', 'pod', name, '--no-headers')).stdout.includes('Running') ? true : undefined), 60_000, `${name} Running`);
  }

  test('attach -i feeds a stdin: true container, whose stdin stays open for the next attachment; attach alone shows what is written from then on', async () => {
    await apply(hostProcessPod('reader', { stdin: true, command: ['/bin/sh', '-c', 'echo started; while read l; do echo got:$l; done'] }));
    await running('reader');
    const watcher = attachRun(k, ['attach', 'reader'], '', undefined);
    // Until the watcher is attached, its output cannot show what the next clients send.
    await new Promise((r) => setTimeout(r, 3000));
    for (const client of [plain, k, old]) {
      const label = `v${client.version}`;
      // kubectl's stdin ends 2 s after the input: as the kubelet, that ends the attachment (the container's stdin stays open).
      const run = await attachRun(client, ['attach', '-i', 'reader'], `${label}-a\n${label}-b\n`, 2000).done;
      assert.equal(run.code, 0, `${label}: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`got:${label}-a\ngot:${label}-b\n`), `${label}: ${run.stdout}`);
      assert.match(run.stderr, /If you don't see a command prompt, try pressing enter\./);
    }
    await eventually(() => (watcher.output().includes('got:v1.27-b') ? true : undefined), 10_000, 'the watcher sees the last line');
    watcher.stop();
    await watcher.done;
    assert.match(watcher.output(), /got:vplain-a\ngot:vplain-b\ngot:v1\.33-a\ngot:v1\.33-b\ngot:v1\.27-a\ngot:v1\.27-b\n/);
    assert.doesNotMatch(watcher.output(), /started/, 'attach shows the output from then on, not the log');
    const log = await k('logs', 'reader');
    assert.match(log.stdout, /^started\ngot:vplain-a\n/);
    const status = JSON.parse((await k('get', 'pod', 'reader', '-o', 'json')).stdout) as { status: { containerStatuses: { restartCount: number }[] } };
    assert.equal(status.status.containerStatuses[0]?.restartCount, 0, 'no attachment ended the container');
    await k('delete', 'pod', 'reader', '--wait=false');
  });

  test('attach -i to a container without stdin: the input is dropped and its end does not end the attachment, as containerd\'s', async () => {
    await apply(hostProcessPod('ticker', { command: ['/bin/sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick-$i; read x && echo read:$x; sleep 0.2; done'] }));
    await running('ticker');
    const attached = attachRun(old, ['attach', '-i', 'ticker'], 'dropped\n', 0);
    let ended = false;
    void attached.done.then(() => { ended = true; });
    await eventually(() => (/tick-\d+\n/.test(attached.output()) ? true : undefined), 20_000, 'ticks');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(ended, false, 'still attached after kubectl\'s stdin ended');
    attached.stop();
    await attached.done;
    assert.doesNotMatch(attached.output(), /read:/);
    await k('delete', 'pod', 'ticker', '--wait=false');
  });

  test('attach is create on pods/attach: a user who may read the pod but not attach is refused', async () => {
    await apply(hostProcessPod('guarded', { stdin: true, command: ['/bin/sh', '-c', 'while read l; do echo got:$l; done'] }));
    await running('guarded');
    assert.equal((await k('create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods')).code, 0);
    assert.equal((await k('create', 'rolebinding', 'pod-reader', '--role=pod-reader', '--serviceaccount=default:watcher')).code, 0);
    const as = '--as=system:serviceaccount:default:watcher';
    await eventually(async () => ((await k('auth', 'can-i', 'get', 'pods', as)).stdout.trim() === 'yes' ? true : undefined), 10_000, 'the binding');
    assert.equal((await k('auth', 'can-i', 'create', 'pods', '--subresource=attach', as)).stdout.trim(), 'no');
    const refused = await attachRun(k, ['attach', '-i', 'guarded', as], 'x\n', 1000).done;
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /User "system:serviceaccount:default:watcher" cannot create resource "pods\/attach" in API group "" in the namespace "default"/);
    assert.equal((await k('create', 'role', 'attacher', '--verb=create', '--resource=pods/attach')).code, 0);
    assert.equal((await k('create', 'rolebinding', 'attacher', '--role=attacher', '--serviceaccount=default:watcher')).code, 0);
    await eventually(async () => ((await k('auth', 'can-i', 'create', 'pods', '--subresource=attach', as)).stdout.trim() === 'yes' ? true : undefined), 10_000, 'the second binding');
    const allowed = await attachRun(k, ['attach', '-i', 'guarded', as], 'y\n', 2000).done;
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /got:y\n/);
    await k('delete', 'pod', 'guarded', '--wait=false');
  });

  test('a container that is not running cannot be attached to: the kubelet\'s message', async () => {
    await apply(hostProcessPod('crashing', { command: ['/bin/sh', '-c', 'exit 1'] }));
    await eventually(async () => {
      const state = (await k('get', 'pod', 'crashing', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}')).stdout;
      return state === 'CrashLoopBackOff' ? true : undefined;
    }, 60_000, 'CrashLoopBackOff');
    const refused = await attachRun(old, ['attach', 'crashing'], '', 0).done;
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /container main not found in pod crashing_default/);
    await k('delete', 'pod', 'crashing', '--wait=false');
  });

  test('kubectl run -i --rm: the pod gets stdin and stdinOnce, kubectl attaches, the input reaches it and the pod goes', async () => {
    const overrides = { spec: { securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } }, hostNetwork: true, tolerations: [TOLERATION], terminationGracePeriodSeconds: 1 } };
    const run = await attachRun(old, ['run', 'interactive', '-i', '--rm', '--restart=Never', `--image=${BASE}`, `--overrides=${JSON.stringify(overrides)}`, '--', '/bin/sh', '-c', 'read l; echo got:$l'], 'hello\n', 0).done;
    assert.equal(run.code, 0, `${run.stderr}\n${plane?.log() ?? ''}`);
    assert.match(run.stdout, /got:hello\n/);
    await eventually(async () => ((await k('get', 'pod', 'interactive', '--ignore-not-found', '-o', 'name')).stdout === '' ? true : undefined), 30_000, 'the pod removed');
  });

  test('stdinOnce: the container\'s stdin ends with its first attachment, and the container with it', async () => {
    await apply(hostProcessPod('once', { stdin: true, stdinOnce: true, command: ['/bin/sh', '-c', 'while read l; do echo got:$l; done; echo stdin-closed'] }, { restartPolicy: 'Never' }));
    await running('once');
    const run = await attachRun(k, ['attach', '-i', 'once'], 'x\n', 0).done;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'got:x\nstdin-closed\n');
    await eventually(async () => ((await k('get', 'pod', 'once', '-o', 'jsonpath={.status.phase}')).stdout === 'Succeeded' ? true : undefined), 30_000, 'once Succeeded');
    await k('delete', 'pod', 'once', '--wait=false');
  });

  test('tty: true runs on a terminal: attach -it from a pipe (kubectl warns) and from a terminal of the client\'s size', async () => {
    await apply(hostProcessPod('term', { stdin: true, tty: true, command: ['/bin/sh', '-c', 'while read l; do [ -t 0 ] && [ -t 1 ] && echo tty:$l; [ "$l" = size ] && stty size; done'] }));
    await running('term');
    const piped = await attachRun(k, ['attach', '-it', 'term'], 'hi\n', 2000).done;
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stderr, /Unable to use a TTY - input is not a terminal or the right kind of file/);
    assert.match(piped.stdout, /tty:hi\r\n/);
    // A real terminal for kubectl: script(1) gives it one, 100 columns by 30 rows; kubectl sends its size.
    const command = [old.binary, ...old.baseArgs, 'attach', '-it', 'term'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['--quiet', '--return', '--command', `stty cols 100 rows 30; ${command}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Typed until answered, as a user presses enter again: the attachment takes a moment to be made.
    const typing = setInterval(() => child.stdin.write('size\r'), 2000);
    try {
      await eventually(() => (out.includes('30 100') ? true : undefined), 20_000, 'the terminal size').catch((error: Error) => {
        throw new Error(`${error.message}; kubectl showed ${JSON.stringify(out)}`);
      });
    } finally {
      clearInterval(typing);
      child.kill('SIGKILL');
      await exited;
    }
    assert.match(out, /tty:size/);
    await k('delete', 'pod', 'term', '--wait=false');
  });
});
