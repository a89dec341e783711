/**
 * Job containers on this host, one test per row of section 5's table and the lifecycle cases.
 * Real root, cgroups, users and mounts (CI is root).
 */
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { importImages } from '../../src/runtime/image/import.js';
import { tarLayer, writeOciLayout } from '../support/oci-layout.js';
import { hostPod, rootSkip, shell, testRuntime, type TestRuntime } from '../support/runtime.js';
import { processAlive, uniqueSleep } from '../support/processes.js';

const skip = rootSkip();


function userExists(name: string): boolean {
  return readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`));
}

// A stop that never ends must fail the suite, not hang CI.
describe('job containers', { skip, timeout: 120_000 }, () => {
  let t: TestRuntime;
  before(async () => {
    t = await testRuntime();
  });
  after(async () => {
    await t.close();
  });

  test('job object: the workload is in its own cgroup from its first instruction', async () => {
    // cat is exec'd directly: what it reads is its own cgroup at its first instruction.
    const result = await t.run(hostPod([{ name: 'app', image: 'localhost/hostprocess-base:latest', command: ['cat', '/proc/self/cgroup'] }]));
    const id = result.containers[0]?.id ?? '';
    const cgroupLines = result.lines.filter((l) => l.includes(`/${t.runtime.settings.cgroup.root}/${id}`));
    assert.ok(cgroupLines.length >= 1, result.lines.join('\n'));
    assert.equal(result.exitCode, 0);
  });

  test('job object: limits.memory and limits.cpu become the cgroup memory limit and CFS quota, pids is limited', async () => {
    const ready = join(t.dataDir, 'limits-ready');
    const pod = hostPod([shell(`touch ${ready}; sleep 30`, { resources: { limits: { memory: '96Mi', cpu: '250m' } } })], { terminationGracePeriodSeconds: 0 });
    const stop = new AbortController();
    const running = t.run(pod, { signal: stop.signal });
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    // The workload can touch its file before the monitor has recorded it as running.
    let info = t.runtime.list().find((c) => c.state === 'running');
    for (let i = 0; i < 100 && !info; i++) {
      await new Promise((r) => setTimeout(r, 20));
      info = t.runtime.list().find((c) => c.state === 'running');
    }
    assert.ok(info);
    const record = t.runtime.containers.record(info.id);
    const read = (file: string): string => {
      for (const dir of record.cgroup.dirs) if (existsSync(join(dir, file))) return readFileSync(join(dir, file), 'utf8').trim();
      return '';
    };
    if (record.cgroup.version === 'v1') {
      assert.equal(read('memory.limit_in_bytes'), String(96 * 1024 * 1024));
      assert.equal(read('cpu.cfs_quota_us'), '25000');
      assert.equal(read('cpu.cfs_period_us'), '100000');
    } else {
      assert.equal(read('memory.max'), String(96 * 1024 * 1024));
      assert.equal(read('cpu.max'), '25000 100000');
    }
    assert.equal(read('pids.max'), '4096');
    const stats = t.runtime.cgroups.open(info.id).stats();
    assert.ok((stats.memoryBytes ?? 0) > 0, 'memory in use is read from the cgroup');
    assert.ok(stats.processes >= 2);
    stop.abort();
    const result = await running;
    // Grace 0: SIGTERM to init, then the cgroup is killed; sh dies of the SIGTERM.
    assert.equal(result.containers[0]?.status.exitCode, 143);
    assert.ok(!existsSync(record.cgroup.dirs[0] ?? ''), 'the cgroup is removed with the container');
  });

  test('job object: OOMKilled under a memory limit', async () => {
    const pod = hostPod([shell('x=a; while true; do x="$x$x"; done', { resources: { limits: { memory: '32Mi' } } })]);
    const result = await t.run(pod);
    const status = result.containers[0]?.status;
    assert.equal(status?.reason, 'OOMKilled');
    assert.equal(status?.exitCode, 137);
    assert.equal(result.exitCode, 137);
  });

  test('job object: a fork bomb is contained by the pids limit and killed with the container', async () => {
    const small = await testRuntime({ pidsLimit: 40 });
    try {
      const marker = uniqueSleep();
      const ready = join(small.dataDir, 'ready');
      const pod = hostPod([shell(`touch ${ready}; bomb() { bomb | bomb & }; bomb; exec ${marker}`)], { terminationGracePeriodSeconds: 1 });
      const stop = new AbortController();
      const running = small.run(pod, { signal: stop.signal });
      while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 500));
      const info = small.runtime.list()[0];
      assert.ok(info);
      const stats = small.runtime.cgroups.open(info.id).stats();
      assert.ok(stats.processes <= 40, `at most 40 tasks, found ${stats.processes}`);
      stop.abort();
      await running;
      assert.equal(small.runtime.cgroups.open(info.id).pids().length, 0);
      assert.equal(processAlive(marker), false);
    } finally {
      await small.close();
    }
  });

  test('stop: the process tree is killed, daemons included, with no stray process', async () => {
    const marker = uniqueSleep();
    const ready = join(t.dataDir, 'tree-ready');
    // A daemon in its own session that ignores SIGTERM, and an orphan: only the cgroup kill reaches them.
    const pod = hostPod([shell(`setsid sh -c 'trap "" TERM; ${marker}; true' & (${marker} &); touch ${ready}; wait`)], { terminationGracePeriodSeconds: 1 });
    const stop = new AbortController();
    const running = t.run(pod, { signal: stop.signal });
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(processAlive(marker));
    stop.abort();
    await running;
    assert.equal(processAlive(marker), false, 'no process of the container survives it');
  });

  test('init exits on its own: what it left gets SIGTERM, then SIGKILL after the pod grace period', async () => {
    const log = join(t.dataDir, 'orphan.log');
    // The leftover notes the SIGTERM and carries on: only the SIGKILL after the grace period ends it.
    const pod = hostPod([shell(`sh -c 'trap "echo got TERM >> ${log}" TERM; while true; do sleep 0.1; done' & sleep 0.3; exit 3`)], { terminationGracePeriodSeconds: 1 });
    const started = Date.now();
    const result = await t.run(pod);
    assert.equal(result.exitCode, 3);
    assert.equal(result.containers[0]?.status.reason, 'Error');
    assert.ok(Date.now() - started >= 1000, 'the leftover was given the grace period');
    assert.match(readFileSync(log, 'utf8'), /got TERM/);
    assert.equal(t.runtime.cgroups.open(result.containers[0]?.id ?? '').pids().length, 0);
  });

  test('LocalSystem maps to root', async () => {
    const result = await t.run(hostPod([shell('id -u; id -g')]));
    assert.deepEqual(result.lines, ['app stdout 0', 'app stdout 0']);
  });

  for (const [account, user] of [
    ['NT AUTHORITY\\Local service', 'hostpod-localservice'],
    ['nt authority\\localservice', 'hostpod-localservice'],
    ['NT AUTHORITY\\NetworkService', 'hostpod-networkservice'],
    ['NT AUTHORITY\\Network Service', 'hostpod-networkservice'],
  ] as const) {
    test(`${account} maps to the dedicated system user ${user}`, async () => {
      const pod = hostPod([shell('id -un; id -u; echo "$HOME $USER"; touch "$CONTAINER_SANDBOX_MOUNT_POINT/mine" && echo writable')], {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: account } },
      });
      const result = await t.run(pod);
      const uid = Number(result.lines[1]?.split(' ')[2]);
      assert.equal(result.lines[0], `app stdout ${user}`);
      assert.ok(uid > 0 && uid < 1000, `a system uid, got ${uid}`);
      assert.equal(result.lines[2], `app stdout /nonexistent ${user}`);
      assert.equal(result.lines[3], 'app stdout writable', 'the sandbox is writable by the account');
      const shellField = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`))?.split(':')[6];
      assert.equal(shellField, '/usr/sbin/nologin');
    });
  }

  test('a local group gets a temporary user in that group, deleted with the container', async () => {
    const group = 'hostpod-e2e-group';
    execFileSync('sh', ['-c', `getent group ${group} >/dev/null || groupadd ${group}`]);
    const pod = hostPod([shell('id -un; id -gn')], { securityContext: { windowsOptions: { hostProcess: true, runAsUserName: group } } });
    const result = await t.run(pod);
    const user = result.lines[0]?.split(' ')[2] ?? '';
    assert.match(user, /^hostpod-t[0-9a-f]{12}$/);
    assert.equal(result.lines[1], `app stdout ${group}`);
    assert.equal(userExists(user), false, 'the temporary user is deleted with the container');
  });

  test('an unknown group and an empty account are errors that name the fix', async () => {
    const unknown = hostPod([shell('true')], { securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'no-such-group-xyz' } } });
    await assert.rejects(t.run(unknown), /neither a well-known account nor a local group/);
    const empty = hostPod([shell('true')], { securityContext: { windowsOptions: { hostProcess: true } } });
    await assert.rejects(t.run(empty), /runAsUserName is not set and the image has no user/);
  });

  test('bind mode: the image at /hpc in a private mount namespace, volumes at their mountPath, read-only enforced, 1.6 links kept', async () => {
    const hostDir = join(t.dataDir, 'host-data');
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, 'hello.txt'), 'from the host\n');
    const ro = `/run/hostpod-e2e-ro-${process.pid}`;
    const rw = `/run/hostpod-e2e-rw-${process.pid}`;
    const pod = hostPod(
      [
        shell(
          [
            'echo "sandbox=$CONTAINER_SANDBOX_MOUNT_POINT"',
            `cat ${ro}/hello.txt`,
            `touch ${ro}/nope 2>/dev/null && echo ro-writable || echo ro-refused`,
            `touch ${rw}/yes && echo rw-ok`,
            `cat "\${CONTAINER_SANDBOX_MOUNT_POINT}${ro.slice(1)}/hello.txt"`,
            'echo mine > /hpc/created && cat /hpc/created',
            'pwd',
            'readlink /proc/self/ns/mnt',
          ].join('; '),
          {
            volumeMounts: [
              { name: 'data', mountPath: ro, readOnly: true },
              { name: 'scratch', mountPath: rw },
            ],
          },
        ),
      ],
      { volumes: [{ name: 'data', hostPath: { path: hostDir, type: 'Directory' } }, { name: 'scratch', emptyDir: {} }] },
    );
    const result = await t.run(pod, { mountMode: 'bind' });
    const out = result.lines.map((l) => l.replace(/^app stdout /, ''));
    assert.equal(out[0], 'sandbox=/hpc/');
    assert.equal(out[1], 'from the host');
    assert.equal(out[2], 'ro-refused');
    assert.equal(out[3], 'rw-ok');
    assert.equal(out[4], 'from the host', '1.6-style path under the sandbox still works');
    assert.equal(out[5], 'mine');
    assert.equal(out[6], '/hpc');
    assert.notEqual(out[7], readlinkSync('/proc/self/ns/mnt'), 'its own mount namespace');
    assert.equal(existsSync('/hpc/created'), false, 'the sandbox is visible only to the container');
    assert.equal(existsSync(`${ro}/hello.txt`), false, 'volumes are not mounted on the host');
  });

  test("bind mode: each container's sandbox is mounted in its own namespace only: the host's mount table does not grow with the containers", async () => {
    const mountCount = (): number => readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').length;
    const before = mountCount();
    const dir = join(t.dataDir, 'sandbox-views');
    mkdirSync(dir);
    const layout = join(t.dataDir, 'layout-views');
    await writeOciLayout(layout, { layers: [{ tar: await tarLayer([{ name: 'from-image.txt', content: 'in the image\n', mode: 0o644 }]) }] });
    await importImages(t.runtime.images, layout, new PassThrough(), { name: 'localhost/e2e-views:v1' });
    const script = (name: string) => shell(`echo ${name} > /hpc/mine; cat /hpc/from-image.txt > ${dir}/${name}.image; cat /hpc/mine > ${dir}/${name}.mine; touch ${dir}/${name}.ready; exec sleep 60`, { image: 'localhost/e2e-views:v1' }, name);
    const stop = new AbortController();
    const running = t.run(hostPod([script('a'), script('b')], { terminationGracePeriodSeconds: 0 }), { mountMode: 'bind', signal: stop.signal });
    try {
      while (!existsSync(join(dir, 'a.ready')) || !existsSync(join(dir, 'b.ready'))) await new Promise((r) => setTimeout(r, 20));
      const ids = t.runtime.list().filter((c) => c.state === 'running').map((c) => c.id);
      assert.equal(ids.length, 2);
      for (const id of ids) assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(t.runtime.containers.dir(id)), false, `no mount of container ${id} on the host`);
      assert.equal(mountCount(), before, "the host's mount table is as before the containers");
      for (const name of ['a', 'b']) {
        assert.equal(readFileSync(join(dir, `${name}.image`), 'utf8'), 'in the image\n', `${name} sees its image at /hpc`);
        assert.equal(readFileSync(join(dir, `${name}.mine`), 'utf8'), `${name}\n`, `${name} has a sandbox of its own`);
      }
    } finally {
      stop.abort();
      await running;
    }
  });

  test('bind mode: host network, PID, IPC and UTS namespaces stay the host\'s', async () => {
    const result = await t.run(hostPod([shell('for n in net pid ipc uts; do readlink /proc/self/ns/$n; done')]));
    const host = ['net', 'pid', 'ipc', 'uts'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
    assert.deepEqual(result.lines.map((l) => l.replace(/^app stdout /, '')), host);
  });

  test('sandbox mode: a per-container folder with symlinked volumes and no mount namespace', async () => {
    const hostDir = join(t.dataDir, 'host-data-16');
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, 'hello.txt'), 'sixteen\n');
    const pod = hostPod([
      shell('echo "$CONTAINER_SANDBOX_MOUNT_POINT"; pwd; cat "${CONTAINER_SANDBOX_MOUNT_POINT}etc/app/hello.txt"; readlink "${CONTAINER_SANDBOX_MOUNT_POINT}etc/app"; readlink /proc/self/ns/mnt', {
        volumeMounts: [{ name: 'data', mountPath: '/etc/app', readOnly: true }],
      }),
    ], { volumes: [{ name: 'data', hostPath: { path: hostDir } }] });
    const result = await t.run(pod, { mountMode: 'sandbox' });
    const id = result.containers[0]?.id ?? '';
    const out = result.lines.map((l) => l.replace(/^app stdout /, ''));
    const folder = join(t.runtime.containers.dir(id), 'rootfs');
    assert.equal(out[0], `${folder}/`);
    assert.equal(out[1], folder);
    assert.equal(out[2], 'sixteen');
    assert.equal(out[3], hostDir);
    assert.equal(out[4], readlinkSync('/proc/self/ns/mnt'));
    assert.equal(existsSync(folder), false, 'the sandbox is removed with the container');
  });

  test('each container gets a fresh copy-on-write view of the image', async () => {
    const pod = hostPod([shell('ls "$CONTAINER_SANDBOX_MOUNT_POINT"; echo x > "$CONTAINER_SANDBOX_MOUNT_POINT/left-behind"')]);
    await t.run(pod);
    const second = await t.run(hostPod([shell('ls "$CONTAINER_SANDBOX_MOUNT_POINT"')]));
    assert.ok(!second.lines.some((l) => l.includes('left-behind')), second.lines.join('\n'));
  });

  test('$CONTAINER_SANDBOX_MOUNT_POINT, %CONTAINER_SANDBOX_MOUNT_POINT% and $(VAR) are expanded in command, args and workingDir', async () => {
    const pod = hostPod([
      {
        name: 'app',
        image: 'localhost/hostprocess-base:latest',
        command: ['/bin/echo', '$CONTAINER_SANDBOX_MOUNT_POINT', '%CONTAINER_SANDBOX_MOUNT_POINT%bin', '$(GREETING)', '$$(GREETING)', '$(UNDEFINED)'],
        env: [{ name: 'GREETING', value: 'hello' }],
        workingDir: '%CONTAINER_SANDBOX_MOUNT_POINT%',
      },
      { name: 'wd', image: 'localhost/hostprocess-base:latest', command: ['pwd'], workingDir: '$(DIR)', env: [{ name: 'DIR', value: '/tmp' }] },
    ]);
    const result = await t.run(pod);
    assert.ok(result.lines.includes('app stdout /hpc/ /hpc/bin hello $(GREETING) $(UNDEFINED)'), result.lines.join('\n'));
    assert.ok(result.lines.includes('wd stdout /tmp'));
  });

  test('environment: account defaults, then the image, then the pod, then the sandbox; PATH ends with the sandbox', async () => {
    const pod = hostPod([shell('echo "$HOME|$USER|$FOO|$PATH|$CONTAINER_SANDBOX_MOUNT_POINT"', { env: [{ name: 'FOO', value: 'pod' }, { name: 'USER', value: 'override' }] })]);
    const result = await t.run(pod);
    assert.equal(result.lines[0], 'app stdout /root|override|pod|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/hpc|/hpc/');
  });

  test('a missing executable fails the start with hcsshim\'s words and a StartError record', async () => {
    const pod = hostPod([{ name: 'app', image: 'localhost/hostprocess-base:latest', command: ['no-such-binary-xyz'] }]);
    await assert.rejects(t.run(pod), /failed to find executable "no-such-binary-xyz"/);
    const record = t.runtime.list().find((c) => c.reason === 'StartError');
    assert.ok(record, 'the failed start is recorded');
    assert.equal(record.exitCode, 128);
  });

  test('init containers run in order before the containers; several containers run together', async () => {
    const pod = hostPod([shell('echo main-a', {}, 'a'), shell('echo main-b', {}, 'b')], {
      initContainers: [shell('echo first', {}, 'init-1'), shell('echo second', {}, 'init-2')],
    });
    const result = await t.run(pod);
    assert.deepEqual(result.lines.slice(0, 2), ['init-1 stdout first', 'init-2 stdout second']);
    assert.deepEqual(result.lines.slice(2).sort(), ['a stdout main-a', 'b stdout main-b']);
    assert.equal(result.exitCode, 0);
  });

  test("an image's WORKDIR is under the sandbox in sandbox mode and the host's in bind mode (kubernetes #112885); a missing one is created, as hcsshim does", async () => {
    const layout = join(t.dataDir, 'layout-workdir');
    const hostDir = `/tmp/hostpod-e2e-workdir-${process.pid}/debug`;
    await writeOciLayout(layout, {
      layers: [{ tar: await tarLayer([{ name: 'debug/', type: 'directory' }, { name: 'debug/tool.sh', content: '#!/bin/sh\necho tool in "$(pwd)"\n', mode: 0o755 }]) }],
      config: { config: { WorkingDir: hostDir, Entrypoint: ['/bin/sh', '-c', 'pwd; ls'] } },
    });
    await importImages(t.runtime.images, layout, new PassThrough(), { name: 'localhost/e2e-workdir:v1' });
    try {
      // 1.7: the WORKDIR is taken on the host, created empty there, and the image's files are not in it.
      const bind = await t.run(hostPod([{ name: 'app', image: 'localhost/e2e-workdir:v1' }]), { mountMode: 'bind' });
      assert.deepEqual(bind.lines, [`app stdout ${hostDir}`]);
      assert.ok(existsSync(hostDir), 'the working directory is left on the host, as hcsshim leaves it');
      // 1.6: a working directory of /debug (kubernetes #112885's) is the sandbox's debug folder, with the image's files.
      const sandbox = await t.run(hostPod([{ name: 'app', image: 'localhost/e2e-workdir:v1', workingDir: '/debug' }]), { mountMode: 'sandbox' });
      assert.match(sandbox.lines[0] ?? '', /^app stdout \/.+\/rootfs\/debug$/, sandbox.lines.join('\n'));
      assert.deepEqual(sandbox.lines.slice(1), ['app stdout tool.sh']);
    } finally {
      rmSync(dirname(hostDir), { recursive: true, force: true });
    }
  });

  test("an image's user, entrypoint and STOPSIGNAL apply; a bare name is found in the working directory (the sandbox)", async () => {
    const layout = join(t.dataDir, 'layout');
    const app = '#!/bin/sh\ntrap \'echo "got USR1 as $(id -un)"; exit 0\' USR1\necho ready\nwhile :; do sleep 0.05; done\n';
    await writeOciLayout(layout, {
      layers: [{ tar: await tarLayer([{ name: 'app.sh', content: app, mode: 0o755 }]) }],
      config: { config: { User: 'NT AUTHORITY\\Local service', Entrypoint: ['app.sh'], StopSignal: 'SIGUSR1' } },
    });
    await importImages(t.runtime.images, layout, new PassThrough(), { name: 'localhost/e2e-app:v1' });
    const pod = hostPod([{ name: 'app', image: 'localhost/e2e-app:v1' }], { securityContext: { windowsOptions: { hostProcess: true } }, terminationGracePeriodSeconds: 10 });
    const stop = new AbortController();
    const running = t.run(pod, { signal: stop.signal });
    while (!t.runtime.list().some((c) => c.state === 'running' && c.image === 'localhost/e2e-app:v1')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    const result = await running;
    assert.deepEqual(result.lines, ['app stdout ready', 'app stdout got USR1 as hostpod-localservice']);
    assert.equal(result.containers[0]?.status.reason, 'Completed');
  });

  test("hostPath types are checked with the kubelet's messages; DirectoryOrCreate creates", async () => {
    const file = join(t.dataDir, 'a-file');
    writeFileSync(file, 'x');
    const volume = (type: string, path: string): Parameters<typeof hostPod>[1] => ({ volumes: [{ name: 'v', hostPath: { path, type } }] });
    const mounted = [shell('true', { volumeMounts: [{ name: 'v', mountPath: '/mnt/hostpod-e2e' }] })];
    await assert.rejects(t.run(hostPod(mounted, volume('Directory', file))), /hostPath type check failed: .*a-file is not a directory/);
    await assert.rejects(t.run(hostPod(mounted, volume('Socket', file))), /is not a socket file/);
    await assert.rejects(t.run(hostPod(mounted, volume('', join(t.dataDir, 'missing')))), /does not exist/);
    const created = join(t.dataDir, 'made', 'here');
    const result = await t.run(hostPod(mounted, volume('DirectoryOrCreate', created)));
    assert.equal(result.exitCode, 0);
    assert.ok(existsSync(created));
  });

  test('logs: CRI format, with stdout and stderr, partial lines and a per-restart file', async () => {
    const result = await t.run(hostPod([shell('echo out; echo err >&2; printf "no newline"')]));
    const id = result.containers[0]?.id ?? '';
    const record = t.runtime.containers.record(id);
    assert.match(record.logPath, /\/default_test-pod_[0-9a-f-]{36}\/app\/0\.log$/);
    const lines = readFileSync(record.logPath, 'utf8').trimEnd().split('\n');
    const cri = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) F (.*)$/;
    assert.deepEqual(lines.map((l) => cri.exec(l)?.slice(1, 3)).sort(), [['stderr', 'err'], ['stdout', 'no newline'], ['stdout', 'out']]);
  });
});

describe('job containers on every cgroup hierarchy this host has', { skip, timeout: 60_000 }, () => {
  // The unified hierarchy of a hybrid host offers no controllers, but placement, cgroup.kill and
  // cpu.stat work there: the v2 driver runs on it when the host itself is v1.
  const hierarchies: { version: 'v1' | 'v2'; mount?: string }[] = [];
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  if (/ - cgroup2 /.test(mounts)) hierarchies.push({ version: 'v2', mount: / \/sys\/fs\/cgroup - cgroup2 /.test(mounts) ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified' });
  if (/ - cgroup /.test(mounts)) hierarchies.push({ version: 'v1' });
  for (const h of hierarchies) {
    test(`cgroup ${h.version}: placement before the first instruction, kill on stop, CPU time`, async () => {
      const t = await testRuntime({ pidsLimit: 0, cgroup: { version: h.version, mount: h.mount, root: 'unused' } });
      try {
        assert.equal(t.runtime.cgroups.version, h.version);
        const marker = uniqueSleep();
        const ready = join(t.dataDir, 'ready');
        const pod = hostPod([shell(`cat /proc/self/cgroup; (${marker} &); i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; touch ${ready}; exec sleep 60`)], { terminationGracePeriodSeconds: 0 });
        const stop = new AbortController();
        const running = t.run(pod, { signal: stop.signal });
        while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
        const info = t.runtime.list()[0];
        assert.ok(info);
        assert.ok((t.runtime.cgroups.open(info.id).stats().cpuNanos ?? 0) > 0, 'CPU time is read from the cgroup');
        stop.abort();
        const result = await running;
        assert.ok(result.lines.some((l) => l.includes(info.id) && (h.version === 'v1' ? /:(pids|memory)/.test(l) : l.includes('0::'))), result.lines.join('\n'));
        assert.equal(processAlive(marker), false);
      } finally {
        await t.close();
      }
    });
  }
});
