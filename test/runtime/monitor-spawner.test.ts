/**
 * The monitor spawner (hostpod-monitor spawner, src/runtime/monitor/spawner.ts): starts asked for
 * together are each answered with their own monitor's outcome, a monitor that ends without a
 * report is answered once it has ended with its complaint in its monitor.log, and a state
 * directory that is not an absolute path is refused before anything runs.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { spawnMonitor } from '../../src/runtime/monitor/spawner.js';

const base = mkdtempSync(join(tmpdir(), 'hostpod-spawner-'));
after(() => rmSync(base, { recursive: true, force: true }));

describe('monitor spawner', () => {
  test('starts asked for together are each answered for their own state directory', async () => {
    // No spec (a missing one, and one the monitor cannot read): each monitor ends without a report.
    const dirs = Array.from({ length: 6 }, (_, i) => {
      const dir = join(base, `c${i}`);
      mkdirSync(dir);
      if (i % 2 === 1) writeFileSync(join(dir, 'spec'), 'not a spec');
      return dir;
    });
    const answers = await Promise.all(dirs.map((dir) => spawnMonitor(dir)));
    assert.deepEqual(answers, dirs.map(() => 'exited'));
    for (const dir of dirs) assert.match(readFileSync(join(dir, 'monitor.log'), 'utf8'), /spec/, `${dir}/monitor.log says what was wrong`);
  });

  test('a state directory that is not an absolute path on one line is refused', async () => {
    await assert.rejects(spawnMonitor('relative/dir'), /absolute path on one line/);
    await assert.rejects(spawnMonitor(`${base}/a\nb`), /absolute path on one line/);
  });

  test('a state directory whose monitor.log cannot be opened is answered with the reason', async () => {
    assert.match(await spawnMonitor(join(base, 'missing', 'dir')), /^error open .*monitor\.log: No such file or directory$/);
  });
});
