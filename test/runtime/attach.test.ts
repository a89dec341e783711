/**
 * Attaching to a running container through its monitor (CRI's Attach): the live output, a stdin
 * the monitor keeps open between attachments, closing it for stdinOnce, a pseudo-terminal for
 * tty, and a monitor that keeps taking attachments after hostpod restarts.
 */
import type { V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LinuxRuntime, type ContainerAttach, type StartRequest } from '../../src/runtime/index.js';
import { hostPod, rootSkip, shell, testRuntime, until, type TestRuntime } from '../support/runtime.js';

/** Collects an attachment's output by stream. */
function collect(attach: ContainerAttach): { stdout: () => string; stderr: () => string } {
  const out = { stdout: '', stderr: '' };
  attach.onOutput((stream, chunk) => { out[stream] += chunk.toString('utf8'); });
  return { stdout: () => out.stdout, stderr: () => out.stderr };
}

for (const mountMode of ['bind', 'sandbox'] as const) {
  describe(`attach, ${mountMode} mode`, { skip: rootSkip(), timeout: 120_000 }, () => {
    let t: TestRuntime;
    before(async () => { t = await testRuntime(); });
    after(async () => { await t?.close(); });
    const request = (pod: V1Pod): StartRequest => ({
      pod, container: pod.spec!.containers[0]!, init: false, restartCount: 0, podDir: t.runtime.preparePod(pod.metadata!.uid!), mountMode,
    });
    const logText = (id: string): string => {
      const { path } = t.runtime.logs(id);
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    };

    test('stdin: true keeps stdin open between attachments; each gets only the output from then on', async () => {
      const pod = hostPod([shell('echo before; while read l; do echo got:$l; done; echo stdin-ended', { stdin: true })], {}, 'reader');
      const info = await t.runtime.start(request(pod));
      await until('the first line in the log', () => logText(info.id).includes('before'));
      const first = await t.runtime.attach(info.id);
      const one = collect(first);
      first.write(Buffer.from('a\n'));
      await until('got:a', () => one.stdout().includes('got:a'));
      first.close();
      await first.ended;
      // Nobody is attached: the workload still waits for input rather than seeing EOF.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(t.runtime.state(info.id), 'running');
      assert.doesNotMatch(logText(info.id), /stdin-ended/);
      const second = await t.runtime.attach(info.id);
      const two = collect(second);
      second.write(Buffer.from('b\n'));
      await until('got:b', () => two.stdout().includes('got:b'));
      assert.doesNotMatch(two.stdout(), /before|got:a/, 'an attachment gets what is written from then on, not the old log');
      // stdinOnce: closing stdin ends the workload's input for good.
      second.closeStdin();
      await until('the end of stdin', () => two.stdout().includes('stdin-ended'));
      await second.ended;
      const status = await t.runtime.wait(info.id);
      assert.equal(status.exitCode, 0);
      assert.match(logText(info.id), /stdout F got:a\n[^]*stdout F got:b\n[^]*stdout F stdin-ended\n/);
      await assert.rejects(t.runtime.attach(info.id), /is not running/);
    });

    test('a container without stdin: attach streams stdout and stderr apart; what is written to it is dropped', async () => {
      const pod = hostPod([shell('i=0; while :; do i=$((i+1)); echo out-$i; echo err-$i >&2; read x && echo read:$x; sleep 0.05; done')], {}, 'ticker');
      const info = await t.runtime.start(request(pod));
      const attach = await t.runtime.attach(info.id);
      const seen = collect(attach);
      attach.write(Buffer.from('ignored\n'));
      await until('both streams', () => /out-\d+/.test(seen.stdout()) && /err-\d+/.test(seen.stderr()));
      assert.doesNotMatch(seen.stdout(), /err-|read:/);
      assert.doesNotMatch(seen.stderr(), /out-/);
      attach.close();
      await attach.ended;
      await t.runtime.stop(info.id, 0);
    });

    test('tty: true runs the workload on a terminal; input, resize and output pass through it and its output is logged as stdout', async () => {
      const pod = hostPod([shell('while read l; do if [ -t 0 ] && [ -t 1 ]; then echo tty:$l; fi; [ "$l" = size ] && stty size; done', { stdin: true, tty: true })], {}, 'terminal');
      const info = await t.runtime.start(request(pod));
      const attach = await t.runtime.attach(info.id);
      const seen = collect(attach);
      attach.resize(123, 45);
      attach.write(Buffer.from('hello\n'));
      await until('tty:hello', () => seen.stdout().includes('tty:hello'));
      attach.write(Buffer.from('size\n'));
      await until('the size', () => seen.stdout().includes('45 123'));
      assert.equal(seen.stderr(), '', 'a terminal carries everything as stdout');
      // The terminal echoes input, as the kubelet's does.
      assert.match(seen.stdout(), /hello\r\n/);
      await until('the log', () => logText(info.id).includes('stdout F tty:hello'));
      attach.close();
      await t.runtime.stop(info.id, 0);
    });

    test('a client that reads nothing holds nothing up: the workload writes 8 MiB, its log is whole, the client is dropped', async () => {
      const pod = hostPod([shell('sleep 1; i=0; while [ $i -lt 8192 ]; do printf "%01023d\\n" $i; i=$((i+1)); done; echo done')], {}, 'flood');
      const info = await t.runtime.start(request(pod));
      const dir = t.runtime.containers.dir(info.id);
      const fd = openSync(dir, 'r');
      const stalled = connect(`/proc/self/fd/${fd}/attach.sock`);
      await new Promise((resolve, reject) => stalled.once('connect', resolve).once('error', reject));
      closeSync(fd);
      stalled.pause();
      const status = await t.runtime.wait(info.id);
      stalled.destroy();
      assert.equal(status.exitCode, 0);
      const lines = logText(info.id).split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 8193, 'every line logged');
      assert.match(lines.at(-1) ?? '', /stdout F done$/);
      assert.match(readFileSync(join(dir, 'monitor.log'), 'utf8'), /an attached client fell 4 MiB behind the output: disconnected/);
    });

    test('a restarted hostpod attaches to the container its predecessor started', async () => {
      const pod = hostPod([shell('while read l; do echo again:$l; done', { stdin: true })], {}, 'adopted');
      const info = await t.runtime.start(request(pod));
      const reopened = new LinuxRuntime(t.runtime.dataDir, t.runtime.settings, t.runtime.images);
      await reopened.reconcile();
      const attach = await reopened.attach(info.id);
      const seen = collect(attach);
      attach.write(Buffer.from('x\n'));
      await until('again:x', () => seen.stdout().includes('again:x'));
      attach.close();
      const stopped = reopened.stop(info.id, 0);
      await stopped;
      await attach.ended;
    });
  });
}
