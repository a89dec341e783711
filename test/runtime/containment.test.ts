/**
 * The pieces of containment that need no cgroup hierarchy: the monitor's record of escaped
 * processes, the warnings built from it, and walking a cgroup tree deepest first.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ContainerCgroup } from '../../src/runtime/cgroup/index.js';
import { cgroupTree, pidsInTree, removeTree } from '../../src/runtime/cgroup/files.js';
import { containmentWarnings } from '../../src/runtime/containment.js';
import { parseExitFile, type ContainerRecord } from '../../src/runtime/container.js';

test('exit file: escaped processes are read as pid, hierarchy index and command; malformed entries are skipped', () => {
  const exit = parseExitFile('exitCode=0\nsignal=0\nfinishedAt=1\nescaped=1234:0:sleep,5678:2:s?h,bad,9:x:y\n');
  assert.deepEqual(exit.escaped, [{ pid: 1234, hierarchy: 0, command: 'sleep' }, { pid: 5678, hierarchy: 2, command: 's?h' }]);
  assert.deepEqual(parseExitFile('exitCode=0\n').escaped, []);
});

test('containment warnings name the container, each process once with every hierarchy it left, survivors and busy cgroups', () => {
  const record = { id: 'a'.repeat(64), name: 'app', pod: { namespace: 'ns', name: 'web', uid: 'u' }, cgroup: { files: { procs: ['/cg/pids/x/cgroup.procs', '/cg/memory/x/cgroup.procs'] } } } as unknown as ContainerRecord;
  const cgroup = { hierarchyOf: (path: string) => (path.includes('/pids/') ? 'pids' : 'memory') } as unknown as ContainerCgroup;
  const exit = parseExitFile('exitCode=0\nescaped=10:0:sleep,10:1:sleep\n');
  const warnings = containmentWarnings(record, exit, { empty: false, escaped: [{ pid: 11, command: 'sh', left: ['memory'] }], survivors: [12] }, ['/cg/pids/x: EBUSY'], cgroup);
  const who = 'container aaaaaaaaaaaa (pod ns/web, container app)';
  assert.deepEqual(warnings, [
    `${who}: process 10 (sleep) had left its pids and memory cgroup, out of the container's limits there; it was killed with the container`,
    `${who}: process 11 (sh) had left its memory cgroup, out of the container's limits there; it was killed with the container`,
    `${who}: processes 12 could not be killed (uninterruptible?); they are left running`,
    `${who}: cgroup /cg/pids/x: EBUSY could not be removed`,
  ]);
});

test('cgroup tree: nested cgroups come before their parent, their pids count, and a removal that fails is reported, not thrown', () => {
  const root = mkdtempSync(join(tmpdir(), 'hostpod-tree-'));
  try {
    const cg = join(root, 'c');
    mkdirSync(join(cg, 'a', 'deep'), { recursive: true });
    mkdirSync(join(cg, 'b'));
    writeFileSync(join(cg, 'cgroup.procs'), '1\n');
    writeFileSync(join(cg, 'a', 'deep', 'cgroup.procs'), '2\n3\n');
    const tree = cgroupTree(cg);
    assert.equal(tree.at(-1), cg);
    assert.ok(tree.indexOf(join(cg, 'a', 'deep')) < tree.indexOf(join(cg, 'a')));
    assert.deepEqual(pidsInTree(cg).sort(), [1, 2, 3]);
    // Plain directories with files in them: rmdir fails, as a busy cgroup's would.
    const problems = removeTree(cg);
    assert.deepEqual(problems.map((p) => p.replace(root, '')), ['/c/a/deep: ENOTEMPTY', '/c/a: ENOTEMPTY', '/c: ENOTEMPTY']);
    assert.deepEqual(removeTree(join(root, 'missing')), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
