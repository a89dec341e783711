/**
 * A second SIGTERM or SIGINT while `hostpod up` or `hostpod agent` is stopping exits at once, with
 * 128 + the signal's number as a shell reports it, after a line naming what it did not wait for.
 * The stop itself is too quick to catch in between (test/e2e/up-stop.test.ts), so this runs the
 * handler in a process whose stop never ends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const io = join(import.meta.dirname, '../../src/cli/io.ts');
const script = `
import { exitOnSecondSignal, jsonLog, stopSignal } from ${JSON.stringify(io)};
const log = jsonLog({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
setInterval(() => {}, 1000); // a stop that never ends
const first = stopSignal(); // before 'ready': a signal before its handler is installed kills at once
process.stdout.write('ready\\n');
await first;
exitOnSecondSignal(log, 'the everlasting stop');
process.stdout.write('stopping\\n');
`;

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`a second ${signal} while stopping exits at once with ${code}, naming what it did not wait for`, { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out === 'ready\n') child.kill('SIGTERM');
        if (out.endsWith('stopping\n')) resolve();
      });
      void exited.then((c) => reject(new Error(`exited with ${c} before stopping: ${err}`)));
    });
    child.kill(signal);
    assert.equal(await exited, code, err);
    assert.match(err, new RegExp(`"msg":"second ${signal}: exiting now, without waiting for the everlasting stop"`));
  });
}
