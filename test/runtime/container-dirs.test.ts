import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ContainerDirs } from '../../src/runtime/container.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hostpod-container-dirs-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const id = (n: number): string => n.toString(16).padStart(64, '0');
function make(n: number, podUid?: string): string {
  const dir = join(dataDir, 'containers', id(n));
  mkdirSync(dir, { recursive: true });
  if (podUid !== undefined) writeFileSync(join(dir, 'container.json'), JSON.stringify({ pod: { uid: podUid } }));
  return dir;
}

test('the containers listed are those with a record, as their directories come and go', () => {
  const dirs = new ContainerDirs(dataDir);
  assert.deepEqual(dirs.ids(), [], 'no containers directory yet');
  make(1, 'pod-a');
  const second = make(2);
  mkdirSync(join(dataDir, 'containers', 'not-an-id'));
  assert.deepEqual(dirs.ids(), [id(1)], 'a directory still without its record is not a container yet');
  assert.equal(dirs.podUid(id(1)), 'pod-a');

  writeFileSync(join(second, 'container.json'), JSON.stringify({ pod: { uid: 'pod-b' } }));
  make(3, 'pod-a');
  assert.deepEqual(dirs.ids().sort(), [id(1), id(2), id(3)], 'its record written, it is listed');
  assert.deepEqual(dirs.ids().filter((c) => dirs.podUid(c) === 'pod-a').sort(), [id(1), id(3)]);

  rmSync(join(dataDir, 'containers', id(1)), { recursive: true });
  assert.deepEqual(dirs.ids().sort(), [id(2), id(3)], 'a removed container is no longer listed');
  assert.equal(dirs.podUid(id(1)), undefined, 'nor is its pod remembered');
});

test('a container whose init.pid is empty or damaged reads as not started, not as running pid 0', () => {
  const dirs = new ContainerDirs(dataDir);
  const dir = make(7, 'pod-c');
  assert.equal(dirs.state(id(7)), 'created', 'no init.pid yet');
  writeFileSync(join(dir, 'init.pid'), '4242 1733500000123456789\n');
  assert.deepEqual(dirs.initPid(id(7)), { pid: 4242, startedAtNs: 1733500000123456789n });
  assert.equal(dirs.state(id(7)), 'running');
  // The monitor does not flush init.pid: after a power cut the file may be there but empty.
  for (const text of ['', '\n', '4242', 'x 1', '0 1733500000123456789\n', '-1 5\n']) {
    writeFileSync(join(dir, 'init.pid'), text);
    assert.equal(dirs.initPid(id(7)), undefined, `init.pid ${JSON.stringify(text)} is no record`);
    assert.equal(dirs.state(id(7)), 'created', `init.pid ${JSON.stringify(text)}: not running`);
  }
});
