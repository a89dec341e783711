/**
 * Bind mode's mount points that do not exist on the host: the workload sees its volumes there
 * while the host never gets the paths (a private view), or, where no private view can be made,
 * hostpod creates them and removes them when the last container using them ends.
 */
import type { V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { StartRequest } from '../../src/runtime/index.js';
import { deepestExistingAncestor, planMountPoints, probePrivateView } from '../../src/runtime/linux/mount-points.js';
import { hostPod, rootSkip, shell, testRuntime, type TestRuntime } from '../support/runtime.js';

const skip = rootSkip();

const until = async (what: string, check: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const output = (child: ChildProcess): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });

describe('planMountPoints', () => {
  const dir = mkdtempSync('/tmp/hostpod-mp-plan-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('planMountPoints leaves existing paths alone and asks about the deepest existing ancestor of the others', () => {
    const asked: string[] = [];
    mkdirSync(`${dir}/exists`, { recursive: true });
    const plans = planMountPoints([`${dir}/exists`, `${dir}/a/b`, `${dir}/c`], 'auto', (ancestor) => {
      asked.push(ancestor);
      return ancestor === dir ? undefined : 'no';
    });
    assert.deepEqual(plans, [
      { path: `${dir}/a/b`, view: 'private' },
      { path: `${dir}/c`, view: 'private' },
    ]);
    assert.deepEqual(asked, [dir, dir]);
    assert.equal(deepestExistingAncestor(`/hostpod-nothing-${randomBytes(4).toString('hex')}/x/y`), '/');
  });

  test('planMountPoints leaves a target inside an earlier one to that volume, as runc does', () => {
    assert.deepEqual(planMountPoints([`${dir}/v`, `${dir}/v/inner`], 'create', () => undefined).map((p) => p.path), [`${dir}/v`]);
  });

  test('planMountPoints creates on the host where the private view cannot be made, or when runtime.mountPoints is create', () => {
    assert.deepEqual(planMountPoints([`${dir}/x`], 'auto', () => 'mount an overlay: Invalid argument'), [{ path: `${dir}/x`, view: 'created', reason: 'mount an overlay: Invalid argument' }]);
    assert.deepEqual(planMountPoints([`${dir}/x`], 'create', () => assert.fail('not asked')), [{ path: `${dir}/x`, view: 'created', reason: 'runtime.mountPoints is create' }]);
  });

  test('runtime.mountPoints in the config file is auto by default, create when set, and an error naming the field otherwise', () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'runtime:\n  mountPoints: create\n');
    assert.equal(loadConfig({ config: file }, {}).runtime.mountPoints, 'create');
    writeFileSync(file, 'runtime:\n  pidsLimit: 10\n');
    assert.equal(loadConfig({ config: file }, {}).runtime.mountPoints, 'auto');
    writeFileSync(file, 'runtime:\n  mountPoints: always\n');
    assert.throws(() => loadConfig({ config: file }, {}), /runtime\.mountPoints/);
  });
});

describe('bind mode mount points missing on the host', { skip, timeout: 180_000 }, () => {
  let t: TestRuntime;
  let created: TestRuntime;
  /** The overlaid ancestor of the tests' mount points: a directory of their own under /tmp. */
  let base: string;
  let volume: string;
  const top = `/hostpod-test-${randomBytes(6).toString('hex')}`;

  before(async () => {
    t = await testRuntime();
    created = await testRuntime({ mountPoints: 'create' });
    base = mkdtempSync('/tmp/hostpod-mp-');
    chmodSync(base, 0o751);
    mkdirSync(join(base, 'existing'));
    writeFileSync(join(base, 'existing-file'), 'before\n');
    volume = mkdtempSync('/tmp/hostpod-mp-volume-');
    writeFileSync(join(volume, 'f'), 'from the volume\n');
    writeFileSync(join(volume, 'config.json'), '{"from":"hostPath"}\n');
  });
  after(async () => {
    await t?.close();
    await created?.close();
    rmSync(base, { recursive: true, force: true });
    rmSync(volume, { recursive: true, force: true });
    assert.equal(existsSync(top), false, `${top} was left on the host`);
  });

  const request = (rt: TestRuntime, pod: V1Pod, index = 0): StartRequest => ({
    pod,
    container: pod.spec!.containers[index]!,
    init: false,
    restartCount: 0,
    podDir: rt.runtime.preparePod(pod.metadata!.uid!),
    mountMode: 'bind',
  });
  const volumes: V1Volume[] = [
    { name: 'dir', hostPath: { path: '' } },
    { name: 'file', hostPath: { path: '', type: 'File' } },
  ];
  const withVolumes = (script: string, mounts: V1VolumeMount[], name: string): V1Pod => {
    const pod = hostPod([shell(script, { volumeMounts: mounts })], { volumes: volumes.map((v) => ({ ...v, hostPath: { ...v.hostPath, path: v.name === 'dir' ? volume : join(volume, 'config.json') } })) }, name);
    return pod;
  };

  test('a volume whose mountPath is missing is seen by the workload; the host never gets the path, during or after', async () => {
    const ready = join(base, 'existing', `ready-${randomBytes(4).toString('hex')}`);
    const script = [
      `cat ${base}/missing/deep/dir/f ${top}/config.json`,
      `stat -c 'mode %a' ${base}`,
      `echo written > ${base}/existing/written`,
      'echo after > ' + join(base, 'existing-file'),
      `echo private > ${base}/new-entry`,
      `cat ${base}/new-entry`,
      `touch ${ready}`,
      'while :; do sleep 0.1; done',
    ].join('; ');
    const pod = withVolumes(script, [{ name: 'dir', mountPath: `${base}/missing/deep/dir` }, { name: 'file', mountPath: `${top}/config.json` }], 'private-view');
    const info = await t.runtime.start(request(t, pod));
    await until('the workload', () => existsSync(ready));
    // The monitor copies the output to the log as it comes: wait for the last line.
    await until('the log', () => /stdout F private$/m.test(readFileSync(t.runtime.logs(info.id).path, 'utf8')));
    const log = readFileSync(t.runtime.logs(info.id).path, 'utf8');
    assert.match(log, /stdout F from the volume$/m);
    assert.match(log, /stdout F \{"from":"hostPath"\}$/m);
    // The view of the overlaid ancestor keeps the host's owner and mode.
    assert.match(log, /stdout F mode 751$/m);
    assert.match(log, /stdout F private$/m);
    // Writes to the ancestor's existing entries reach the host; a new entry of it stays private.
    assert.equal(readFileSync(join(base, 'existing', 'written'), 'utf8'), 'written\n');
    assert.equal(readFileSync(join(base, 'existing-file'), 'utf8'), 'after\n');
    for (const path of [`${base}/missing`, `${base}/new-entry`, top]) assert.equal(existsSync(path), false, `${path} exists on the host while the container runs`);
    assert.equal(statSync(base).mode & 0o7777, 0o751);
    // A process exec'd into the container sees the same view.
    const exec = await output(t.runtime.spawnExec(info.id, ['/bin/sh', '-c', `cat ${top}/config.json ${base}/new-entry`], { stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.deepEqual(exec, { code: 0, out: '{"from":"hostPath"}\nprivate\n' });
    assert.deepEqual(t.runtime.inspect(info.id).mountPoints, [
      { path: '/hpc', view: 'private' },
      { path: `${base}/missing/deep/dir`, view: 'private' },
      { path: `${top}/config.json`, view: 'private' },
    ].filter((m) => m.path !== '/hpc' || !existsSync('/hpc')));
    await t.runtime.stop(info.id, 0);
    for (const path of [`${base}/missing`, `${base}/new-entry`, top]) assert.equal(existsSync(path), false, `${path} exists on the host after the container`);
  });

  test('a mount the host makes later below an entry of the overlaid directory reaches the view (slave propagation)', async () => {
    // The test's own shared tmpfs as the overlaid directory: this host's / may be private.
    const shared = mkdtempSync('/tmp/hostpod-mp-shared-');
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', shared]);
    try {
      execFileSync('mount', ['--make-shared', shared]);
      mkdirSync(join(shared, 'sub', 'later'), { recursive: true });
      const go = join(shared, 'sub', 'go');
      const pod = withVolumes(`touch ${base}/existing/prop-ready; while [ ! -e ${go} ]; do sleep 0.05; done; ls ${shared}/sub/later; ls ${shared}`, [{ name: 'dir', mountPath: `${shared}/missing/x` }], 'propagation');
      const info = await t.runtime.start(request(t, pod));
      await until('the workload', () => existsSync(`${base}/existing/prop-ready`));
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(shared, 'sub', 'later')]);
      try {
        writeFileSync(join(shared, 'sub', 'later', 'in-the-later-mount'), '');
        writeFileSync(go, '');
        assert.equal((await t.runtime.wait(info.id)).exitCode, 0);
        const out = readFileSync(t.runtime.logs(info.id).path, 'utf8').split('\n').map((l) => l.split(' ').slice(3).join(' '));
        assert.deepEqual(out.filter((l) => l !== ''), ['in-the-later-mount', 'missing', 'sub']);
        assert.equal(existsSync(join(shared, 'missing')), false);
      } finally {
        execFileSync('umount', [join(shared, 'sub', 'later')]);
      }
    } finally {
      execFileSync('umount', [shared]);
      rmSync(shared, { recursive: true, force: true });
    }
  });

  test('a volume inside another at a missing mount point is mounted in that volume, as runc does; the host never gets the path', async () => {
    const outer = `/hostpod-test-${randomBytes(6).toString('hex')}`;
    const pod = hostPod(
      [shell(`cat ${outer}/a/f; echo inner > ${outer}/a/b/file; cat ${outer}/a/b/file`, { volumeMounts: [{ name: 'dir', mountPath: `${outer}/a` }, { name: 'scratch', mountPath: `${outer}/a/b` }] })],
      { volumes: [{ name: 'dir', hostPath: { path: volume } }, { name: 'scratch', emptyDir: {} }] },
      'nested',
    );
    try {
      const result = await t.run(pod);
      assert.deepEqual(result.lines, ['app stdout from the volume', 'app stdout inner']);
      assert.equal(existsSync(outer), false);
    } finally {
      rmSync(join(volume, 'b'), { recursive: true, force: true });
      rmSync(outer, { recursive: true, force: true });
    }
  });

  test('two containers sharing a missing mount point each see their volume; the host never gets it', async () => {
    const shared = `${base}/shared/point`;
    const pod = hostPod(
      [
        shell(`cat ${shared}/f; touch ${base}/existing/one-ready; while :; do sleep 0.1; done`, { volumeMounts: [{ name: 'dir', mountPath: shared }] }, 'one'),
        shell(`cat ${shared}/f; touch ${base}/existing/two-ready; while :; do sleep 0.1; done`, { volumeMounts: [{ name: 'dir', mountPath: shared }] }, 'two'),
      ],
      { volumes: [{ name: 'dir', hostPath: { path: volume } }] },
      'shared',
    );
    const one = await t.runtime.start(request(t, pod, 0));
    const two = await t.runtime.start(request(t, pod, 1));
    await until('both workloads', () => existsSync(`${base}/existing/one-ready`) && existsSync(`${base}/existing/two-ready`));
    assert.equal(existsSync(`${base}/shared`), false);
    await t.runtime.stop(one.id, 0);
    const exec = await output(t.runtime.spawnExec(two.id, ['/bin/cat', `${shared}/f`], { stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.deepEqual(exec, { code: 0, out: 'from the volume\n' });
    await t.runtime.stop(two.id, 0);
    assert.equal(existsSync(`${base}/shared`), false);
  });

  test('runtime.mountPoints create: the path is created on the host while a container uses it and removed after the last one, never what existed before', async () => {
    const point = `${base}/existing/made/here`;
    const pod = hostPod(
      [
        shell(`cat ${point}/f; touch ${base}/existing/c1-ready; while :; do sleep 0.1; done`, { volumeMounts: [{ name: 'dir', mountPath: point }] }, 'c1'),
        shell(`cat ${point}/f; touch ${base}/existing/c2-ready; while :; do sleep 0.1; done`, { volumeMounts: [{ name: 'dir', mountPath: point }] }, 'c2'),
      ],
      { volumes: [{ name: 'dir', hostPath: { path: volume } }] },
      'created',
    );
    const c1 = await created.runtime.start(request(created, pod, 0));
    const c2 = await created.runtime.start(request(created, pod, 1));
    await until('both workloads', () => existsSync(`${base}/existing/c1-ready`) && existsSync(`${base}/existing/c2-ready`));
    assert.equal(statSync(point).isDirectory(), true);
    assert.deepEqual(created.runtime.inspect(c1.id).mountPoints?.find((m) => m.path === point), { path: point, view: 'created', reason: 'runtime.mountPoints is create' });
    await created.runtime.stop(c1.id, 0);
    assert.equal(existsSync(point), true, 'removed while the second container still uses it');
    // A restarted hostpod (a new runtime on the same data directory) still knows who uses it.
    const { LinuxRuntime } = await import('../../src/runtime/index.js');
    const again = new LinuxRuntime(created.dataDir, created.runtime.settings, created.runtime.images);
    await again.stop(c2.id, 0);
    assert.equal(existsSync(`${base}/existing/made`), false);
    assert.equal(existsSync(`${base}/existing`), true, 'a directory that existed before was removed');
    assert.deepEqual(JSON.parse(readFileSync(join(created.dataDir, 'mount-points.json'), 'utf8')), { entries: [] });
  });

  test('a created mount point of a container that ended while no hostpod ran is removed by the next reconcile', async () => {
    const point = `${base}/ended/point`;
    const pod = withVolumes('exit 0', [{ name: 'dir', mountPath: point }], 'ended');
    const info = await created.runtime.start(request(created, pod));
    // Nobody waits for it: as if hostpod had been killed after the start.
    await until('the container to end', () => created.runtime.containers.exit(info.id) !== undefined);
    assert.equal(existsSync(point), true);
    const { LinuxRuntime } = await import('../../src/runtime/index.js');
    const result = await new LinuxRuntime(created.dataDir, created.runtime.settings, created.runtime.images).reconcile();
    assert.deepEqual(result.collected, [info.id]);
    assert.equal(existsSync(`${base}/ended`), false);
  });

  test('a created mount point something was put in is left on the host, with a warning naming it', async () => {
    const point = `${base}/kept/point`;
    const pod = withVolumes(`touch ${base}/existing/kept-ready; while :; do sleep 0.1; done`, [{ name: 'dir', mountPath: point }], 'kept');
    const info = await created.runtime.start(request(created, pod));
    await until('the workload', () => existsSync(`${base}/existing/kept-ready`));
    writeFileSync(`${base}/kept/someone-elses`, 'x');
    const status = await created.runtime.stop(info.id, 0);
    assert.equal(existsSync(point), false);
    assert.equal(readFileSync(`${base}/kept/someone-elses`, 'utf8'), 'x');
    assert.ok(status.warnings?.some((w) => w.includes(`${base}/kept`) && w.includes('something was put in it')), JSON.stringify(status.warnings));
  });

  test('under a directory overlayfs cannot stack on again, the mount point is created on the host and removed after', async () => {
    // Two overlays deep: a third (the private view) passes the kernel's stacking limit.
    const layers = mkdtempSync('/tmp/hostpod-mp-layers-');
    const dirs = ['l1', 'u1', 'w1', 'm1', 'u2', 'w2', 'm2'].map((d) => join(layers, d));
    for (const d of dirs) mkdirSync(d);
    const [l1, u1, w1, m1, u2, w2, m2] = dirs as [string, string, string, string, string, string, string];
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${l1},upperdir=${u1},workdir=${w1}`, m1]);
    try {
      execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${m1},upperdir=${u2},workdir=${w2}`, m2]);
      try {
        const stateDir = mkdtempSync('/tmp/hostpod-mp-probe-');
        assert.match(probePrivateView(stateDir, m2) ?? '', new RegExp(`mount an overlay of ${m2}: `));
        assert.equal(probePrivateView(stateDir, base), undefined);
        rmSync(stateDir, { recursive: true, force: true });
        const point = `${m2}/missing/x`;
        const pod = withVolumes(`cat ${point}/f; touch ${base}/existing/deep-ready; while :; do sleep 0.1; done`, [{ name: 'dir', mountPath: point }], 'too-deep');
        const info = await t.runtime.start(request(t, pod));
        await until('the workload', () => existsSync(`${base}/existing/deep-ready`));
        // The monitor copies the output to the log as it comes: the line may follow the ready file.
        await until('the volume\'s content in the log', () => /stdout F from the volume$/m.test(readFileSync(t.runtime.logs(info.id).path, 'utf8')));
        assert.equal(t.runtime.inspect(info.id).mountPoints?.find((m) => m.path === point)?.view, 'created');
        assert.equal(existsSync(point), true);
        await t.runtime.stop(info.id, 0);
        assert.equal(existsSync(`${m2}/missing`), false);
      } finally {
        execFileSync('umount', [m2]);
      }
    } finally {
      execFileSync('umount', [m1]);
      rmSync(layers, { recursive: true, force: true });
    }
  });
});
