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
  // The monitor does not flush init.pid: after a power cut (hostpod starting again) the file may be there but empty.
  for (const text of ['', '\n', '4242', 'x 1', '0 1733500000123456789\n', '-1 5\n']) {
    writeFileSync(join(dir, 'init.pid'), text);
    const restarted = new ContainerDirs(dataDir);
    assert.equal(restarted.initPid(id(7)), undefined, `init.pid ${JSON.stringify(text)} is no record`);
    assert.equal(restarted.state(id(7)), 'created', `init.pid ${JSON.stringify(text)}: not running`);
  }
});

test("a container's files are read once they are there, its state follows them to 'exited', and what was read goes with the container", () => {
  const dirs = new ContainerDirs(dataDir);
  const dir = make(9, 'pod-d');
  assert.equal(dirs.state(id(9)), 'created');
  assert.equal(dirs.initPid(id(9)), undefined, 'not started yet');
  writeFileSync(join(dir, 'init.pid'), '4242 1000\n');
  assert.equal(dirs.state(id(9)), 'running', 'init.pid appearing is seen');
  const record = dirs.record(id(9));
  const initPid = dirs.initPid(id(9));
  assert.equal(initPid?.pid, 4242);
  assert.ok(Object.isFrozen(record) && Object.isFrozen(record.pod), 'shared: frozen');
  assert.throws(() => { (record.pod as { uid: string }).uid = 'x'; }, TypeError);
  // Each is written once and never changes: what was read is not read again.
  writeFileSync(join(dir, 'container.json'), 'damaged');
  writeFileSync(join(dir, 'init.pid'), '');
  assert.equal(dirs.record(id(9)), record);
  assert.equal(dirs.initPid(id(9)), initPid);
  assert.equal(dirs.exit(id(9)), undefined);
  assert.equal(dirs.status(id(9)), undefined);
  writeFileSync(join(dir, 'exit'), 'exitCode=3\nsignal=0\nfinishedAt=2000\n');
  assert.equal(dirs.state(id(9)), 'exited', 'the exit appearing is seen');
  assert.equal(dirs.exit(id(9))?.exitCode, 3);
  writeFileSync(join(dir, 'status.json'), JSON.stringify({ exitCode: 3, reason: 'Error', finishedAt: '2026-01-01T00:00:00Z' }));
  assert.equal(dirs.status(id(9))?.reason, 'Error');
  rmSync(join(dir, 'exit'));
  assert.equal(dirs.state(id(9)), 'exited', 'an ended container stays ended');
  // Removed: listed no more, and nothing read of it is served.
  rmSync(dir, { recursive: true });
  assert.ok(!dirs.ids().includes(id(9)));
  assert.throws(() => dirs.record(id(9)), /no container/);
  assert.equal(dirs.initPid(id(9)), undefined);
  assert.equal(dirs.status(id(9)), undefined);
  make(10, 'pod-e');
  assert.equal(dirs.record(id(10)).pod.uid, 'pod-e');
  dirs.forget(id(10));
  writeFileSync(join(dataDir, 'containers', id(10), 'container.json'), JSON.stringify({ pod: { uid: 'pod-f' } }));
  assert.equal(dirs.record(id(10)).pod.uid, 'pod-f', 'forgotten: read again');
});

test('an exit file that cannot be read still means the workload ended, and a final status without an exit file does too', () => {
  const dirs = new ContainerDirs(dataDir);
  const dir = make(11, 'pod-g');
  writeFileSync(join(dir, 'init.pid'), '4242 1000\n');
  assert.equal(dirs.state(id(11)), 'running');
  assert.equal(dirs.status(id(11)), undefined);
  // Something in the way of reading it (a directory where the file belongs).
  mkdirSync(join(dir, 'exit'));
  assert.equal(dirs.state(id(11)), 'exited', 'there is an exit: ended');
  assert.equal(dirs.exit(id(11)), undefined, 'but none to read');
  rmSync(join(dir, 'exit'), { recursive: true });
  writeFileSync(join(dir, 'exit'), 'exitCode=0\nsignal=0\nfinishedAt=2000\n');
  writeFileSync(join(dir, 'status.json'), JSON.stringify({ exitCode: 0, reason: 'Completed', finishedAt: '2026-01-01T00:00:00Z' }));
  assert.equal(dirs.status(id(11))?.reason, 'Completed', 'once the exit is there, the final status is read');
  // An ended container whose exit file is gone (a crash while it was removed): its final status says it ended.
  const other = make(12, 'pod-h');
  writeFileSync(join(other, 'init.pid'), '4242 1000\n');
  writeFileSync(join(other, 'status.json'), JSON.stringify({ exitCode: 1, reason: 'Error', finishedAt: '2026-01-01T00:00:00Z' }));
  assert.equal(dirs.state(id(12)), 'exited');
  assert.equal(dirs.status(id(12))?.reason, 'Error');
});
