/**
 * The monitor's start report (hostpod-monitor start, src/runtime/monitor/hostpod-monitor.c): the
 * container reads as running (init.pid written) and its log file exists before the monitor
 * reports "ok", so whatever follows a resolved start at once (a postStart hook, an exec, a read
 * of its log) finds them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { monitorBinary } from '../../src/runtime/monitor/binary.js';
import { encodeSpec } from '../../src/runtime/monitor/spec.js';
import { rootSkip } from '../support/runtime.js';

const base = mkdtempSync(join(tmpdir(), 'hostpod-monitor-start-'));
after(() => rmSync(base, { recursive: true, force: true }));

test('the monitor writes init.pid and opens the log before its report: a report it cannot yet deliver leaves the container running, its log there', { skip: rootSkip() }, async () => {
  const dir = join(base, 'c');
  const fifo = join(base, 'report');
  mkdirSync(dir);
  execFileSync('mkfifo', [fifo]);
  writeFileSync(join(dir, 'spec'), encodeSpec({
    argv: ['/bin/sleep', '30'], env: ['PATH=/usr/bin:/bin'], cwd: '/', uid: 0, gid: 0, groups: [],
    cgroup: { procs: [] }, log: { path: join(dir, 'log'), maxSize: 1 << 20, maxFiles: 1 },
    stopSignal: 15, graceSeconds: 1,
  }));
  // The report's pipe is full and nobody reads it: the monitor's report blocks until we read.
  const reader = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  const chunk = Buffer.alloc(4096, 'x');
  for (;;) {
    try {
      writeSync(reader, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw error;
    }
  }
  const writer = openSync(fifo, constants.O_WRONLY);
  const monitor = spawn(monitorBinary(), ['start', dir], { stdio: ['ignore', writer, 'inherit'], detached: true });
  closeSync(writer);
  let initPid: number | undefined;
  let tail = '';
  try {
    const deadline = Date.now() + 5000;
    while (!existsSync(join(dir, 'init.pid')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(join(dir, 'init.pid')), 'init.pid is written while the report is still undelivered');
    initPid = Number(readFileSync(join(dir, 'init.pid'), 'utf8').split(' ')[0]);
    assert.deepEqual(readFileSync(`/proc/${initPid}/cmdline`, 'utf8').split('\0').slice(0, 2), ['/bin/sleep', '30'], 'the workload runs');
    assert.ok(existsSync(join(dir, 'log')), 'the log file is there before the report too');
  } finally {
    if (initPid !== undefined) process.kill(initPid, 'SIGKILL');
    // Reading the pipe lets the report through; the monitor then sees its workload end and exits.
    const drained = Buffer.alloc(1 << 16);
    const ended = new Promise((resolve) => monitor.once('exit', resolve));
    const drain = setInterval(() => {
      try {
        for (let n; (n = readSync(reader, drained)) > 0;) tail = (tail + drained.toString('latin1', 0, n)).slice(-200);
      } catch {
        // EAGAIN: nothing more for now.
      }
    }, 20);
    const timer = setTimeout(() => monitor.kill('SIGKILL'), 5000);
    await ended;
    clearInterval(drain);
    clearTimeout(timer);
    closeSync(reader);
  }
  assert.match(tail, new RegExp(`ok ${initPid} \\d+\n$`), 'then the report comes, naming the same workload');
});

