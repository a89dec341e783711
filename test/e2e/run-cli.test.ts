/**
 * `hostpod run`, `ps`, `logs`, `exec`, `stop` as a user runs them, including kill -9 of hostpod
 * while its container works, and a start without root.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { HOSTPOD_BIN, runHostpod } from '../support/hostpod-cli.js';
import { removeCgroupDirs, rootSkip } from '../support/runtime.js';

const skip = rootSkip();

interface PsRow {
  id: string;
  name: string;
  pod: string;
  namespace: string;
  state: string;
  exitCode?: number;
  reason?: string;
}

describe('hostpod run and the container commands', { skip, timeout: 180_000 }, () => {
  let dir: string;
  let dataDir: string;
  let config: string;
  const cgroupRoot = `hostpod-cli-test-${process.pid}`;
  const hp = (args: string[], options: { env?: NodeJS.ProcessEnv } = {}): ReturnType<typeof runHostpod> => runHostpod([args[0] ?? '', '--data-dir', dataDir, '--config', config, ...args.slice(1)], options);
  const ps = async (): Promise<PsRow[]> => JSON.parse((await hp(['ps', '-o', 'json'])).stdout) as PsRow[];
  const manifest = (name: string, object: unknown): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(object));
    return file;
  };
  const pod = (name: string, containers: unknown[], spec: Record<string, unknown> = {}): unknown => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } }, hostNetwork: true, terminationGracePeriodSeconds: 2, ...spec, containers },
  });
  const sh = (name: string, script: string, extra: Record<string, unknown> = {}): unknown => ({ name, image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', script], ...extra });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-cli-'));
    chmodSync(dir, 0o755);
    dataDir = join(dir, 'data');
    config = join(dir, 'config.yaml');
    writeFileSync(config, stringify({ runtime: { cgroup: { root: cgroupRoot }, logs: { maxSize: '8Ki', maxFiles: 3 } } }));
  });
  after(async () => {
    for (const c of await ps()) if (c.state !== 'exited') await hp(['stop', '--grace-period', '0', c.id]);
    // Every container has ended and been finalized: its cgroup is gone, so the subtree is empty.
    removeCgroupDirs(cgroupRoot);
    rmSync(dir, { recursive: true, force: true });
  });

  test('run: one container prints unprefixed, exits with its code', async () => {
    const result = await hp(['run', '-f', manifest('one', pod('one', [sh('app', 'echo hello; echo oops >&2; exit 4')]))]);
    assert.equal(result.stdout, 'hello\n');
    assert.match(result.stderr, /^oops$/m);
    assert.match(result.stderr, /container "app" exited with code 4 \(Error\)/);
    assert.equal(result.code, 4);
  });

  test('run: the workload gets stdin, stdout and stderr only, not the descriptors hostpod was started with', () => {
    // A shell that leaves descriptor 7 open (no close-on-exec) when it runs hostpod, as a careless
    // parent does: the container must not see it.
    const file = manifest('fds', pod('fds', [sh('app', 'ls /proc/self/fd')]));
    const stdout = execFileSync('/bin/sh', ['-c', `exec 7</dev/null; exec "$0" "$@"`, process.execPath, HOSTPOD_BIN, 'run', '--data-dir', dataDir, '--config', config, '-f', file], { encoding: 'utf8' });
    // ls's own descriptor for /proc/self/fd is 3.
    assert.deepEqual(stdout.trim().split('\n').map(Number).sort((a, b) => a - b), [0, 1, 2, 3]);
  });

  test('run: several containers prefix their lines with [name]; the first non-zero exit code wins', async () => {
    const result = await hp(['run', '-f', manifest('two', pod('two', [sh('a', 'echo from-a; sleep 0.5; exit 3'), sh('b', 'echo from-b; exit 0')]))]);
    assert.deepEqual(result.stdout.split('\n').filter((l) => l !== '').sort(), ['[a] from-a', '[b] from-b']);
    assert.equal(result.code, 3);
  });

  test('run: --mount-mode picks the node default; the pod annotation hostpod.io/mount-mode overrides it', async () => {
    const show = [sh('app', 'echo "$CONTAINER_SANDBOX_MOUNT_POINT"')];
    assert.equal((await hp(['run', '-f', manifest('mode-default', pod('mode-default', show))])).stdout, '/hpc/\n');
    assert.match((await hp(['run', '--mount-mode', 'sandbox', '-f', manifest('mode-flag', pod('mode-flag', show))])).stdout, /\/containers\/[0-9a-f]{64}\/rootfs\/\n$/);
    const annotated = pod('mode-annotated', show) as { metadata: Record<string, unknown> };
    annotated.metadata['annotations'] = { 'hostpod.io/mount-mode': 'bind' };
    assert.equal((await hp(['run', '--mount-mode', 'sandbox', '-f', manifest('mode-annotated', annotated)])).stdout, '/hpc/\n');
  });

  test('run: OOMKilled is reported on stderr', async () => {
    const result = await hp(['run', '-f', manifest('oom', pod('oom', [sh('hog', 'x=a; while true; do x="$x$x"; done', { resources: { limits: { memory: '32Mi' } } })]))]);
    assert.match(result.stderr, /container "hog" was OOMKilled/);
    assert.equal(result.code, 137);
  });

  test('run: the seed DaemonSet runs its pod on this node; a windows nodeSelector is refused', async () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'privileged-daemonset', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: {
          metadata: { labels: { app: 'x' } },
          spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } }, hostNetwork: true, containers: [sh('powershell', 'echo "admin: $(id -u)"')] },
        },
      },
    };
    const result = await hp(['run', '-f', manifest('ds', ds)]);
    assert.equal(result.stdout, 'admin: 0\n');
    assert.equal(result.code, 0);
    const row = (await ps()).find((c) => c.name === 'powershell');
    assert.match(row?.pod ?? '', /^privileged-daemonset-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(row?.namespace, 'kube-system');
    const windows = structuredClone(ds);
    windows.spec.template.spec.nodeSelector['kubernetes.io/os'] = 'windows';
    const refused = await hp(['run', '-f', manifest('ds-win', windows)]);
    assert.equal(refused.code, 125, 'hostpod refused the pod: its own failure, not a container exit code');
    assert.match(refused.stderr, /nodeSelector kubernetes\.io\/os=windows does not match \(this node has kubernetes\.io\/os=linux\)/);
  });

  test('run: admission with --pod-security baseline denies a HostProcess pod', async () => {
    const result = await hp(['run', '--pod-security', 'baseline', '-f', manifest('denied', pod('denied', [sh('app', 'true')]))]);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\), hostProcess/);
  });

  test('run without root fails with the cause named (the Linux form of "Access is denied")', async () => {
    const file = manifest('noroot', pod('noroot', [sh('app', 'true')]));
    chmodSync(file, 0o644);
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, HOSTPOD_BIN, 'run', '-f', file, '--data-dir', join(dir, 'noroot-data')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
    });
    assert.equal(result.code, 125);
    assert.match(result.stderr, /hostpod runs as uid 65534, not root/);
    assert.match(result.stderr, /failed to create user process token: failed to logon user: Access is denied/);
    assert.match(result.stderr, /hint: run hostpod as root/);
  });

  test('kill -9 of hostpod while its container logs every 10 ms: the container goes on, no line is lost, the exit code is kept', async () => {
    const file = manifest('survivor', pod('survivor', [sh('counter', 'i=1; while [ $i -le 300 ]; do echo $i; i=$((i+1)); sleep 0.01; done; exit 7')]));
    const child = spawn(process.execPath, [HOSTPOD_BIN, 'run', '-f', file, '--data-dir', dataDir, '--config', config], { stdio: 'ignore' });
    let row: PsRow | undefined;
    while (!(row = (await ps()).find((c) => c.pod === 'survivor' && c.state === 'running'))) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    assert.equal((await ps()).find((c) => c.id === row?.id)?.state, 'running', 'the container outlives hostpod');
    while ((await ps()).find((c) => c.id === row?.id)?.state !== 'exited') await new Promise((r) => setTimeout(r, 200));
    const ended = (await ps()).find((c) => c.id === row?.id);
    assert.equal(ended?.exitCode, 7);
    assert.equal(ended?.reason, 'Error');
    const logs = await hp(['logs', row.id]);
    // 300 CRI entries are about 12 KiB, over maxSize (8Ki): the log was rotated on the way, and nothing lost.
    assert.deepEqual(logs.stdout.trimEnd().split('\n').map(Number), Array.from({ length: 300 }, (_, i) => i + 1));
    const logDir = readdirSync(join(dataDir, 'logs', 'pods')).find((d) => d.startsWith('default_survivor_')) ?? '';
    const files = readdirSync(join(dataDir, 'logs', 'pods', logDir, 'counter')).sort();
    assert.deepEqual(files, ['0.log', '0.log.1'], 'rotated by size');
  });

  test('logs --timestamps and -f; ps -o json has the fields; exec runs in the container; stop ends it', async () => {
    const file = manifest('svc', pod('svc', [sh('svc', 'echo started; exec sleep 3600')], { terminationGracePeriodSeconds: 1 }));
    const child = spawn(process.execPath, [HOSTPOD_BIN, 'run', '-f', file, '--data-dir', dataDir, '--config', config], { stdio: 'ignore' });
    try {
      let row: PsRow | undefined;
      while (!(row = (await ps()).find((c) => c.pod === 'svc' && c.state === 'running'))) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(Object.keys(row).filter((k) => ['id', 'name', 'pod', 'namespace', 'state', 'exitCode', 'reason'].includes(k)).sort(), ['id', 'name', 'namespace', 'pod', 'reason', 'state', 'exitCode'].filter((k) => k in row).sort());
      // ps -q: the full ids alone, one per line, the same containers as -o json.
      const quiet = await hp(['ps', '-q']);
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.deepEqual(quiet.stdout.split('\n').filter(Boolean).sort(), (await ps()).map((c) => c.id).sort());
      assert.match(quiet.stdout, new RegExp(`^${row.id}$`, 'm'));
      assert.match(row.id, /^[0-9a-f]{64}$/);
      const logs = await hp(['logs', '--timestamps', row.id.slice(0, 8)]);
      assert.match(logs.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z started\n$/);
      const exec = await hp(['exec', row.id, '--', '/bin/sh', '-c', 'id -u; echo "$CONTAINER_SANDBOX_MOUNT_POINT"; cat /proc/self/cgroup; readlink /proc/self/ns/mnt; readlink /proc/1/ns/mnt; exit 5']);
      const lines = exec.stdout.split('\n');
      assert.equal(exec.code, 5);
      assert.equal(lines[0], '0');
      assert.equal(lines[1], '/hpc/');
      assert.ok(lines.some((l) => l.includes(row.id)), 'exec joins the container cgroup');
      const ns = lines.filter((l) => l.startsWith('mnt:['));
      assert.notEqual(ns[0], ns[1], "exec runs in the container's mount namespace");
      // A terminal: script(1) gives hostpod a pty; -t passes it to the command.
      const tty = execFileSync('script', ['-qec', `${process.execPath} ${HOSTPOD_BIN} exec -it ${row.id} --data-dir ${dataDir} --config ${config} -- tty`, '/dev/null'], { encoding: 'utf8' });
      assert.match(tty, /\/dev\/pts\/\d+/);
      const stopped = await hp(['stop', row.id]);
      assert.match(stopped.stdout, /: Error, exit code 143/);
      assert.equal((await hp(['exec', row.id, '--', 'true'])).code, 125, 'exec of an ended container: hostpod\'s failure, not the command\'s');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('no temporary user is left after a crash: the next hostpod deletes it', async () => {
    const group = 'hostpod-e2e-group';
    execFileSync('sh', ['-c', `getent group ${group} >/dev/null || groupadd ${group}`]);
    const file = manifest('crash', pod('crash', [sh('app', 'exec sleep 3600')], { securityContext: { windowsOptions: { hostProcess: true, runAsUserName: group } } }));
    const child = spawn(process.execPath, [HOSTPOD_BIN, 'run', '-f', file, '--data-dir', dataDir, '--config', config], { stdio: 'ignore' });
    let row: PsRow | undefined;
    while (!(row = (await ps()).find((c) => c.pod === 'crash' && c.state === 'running'))) await new Promise((r) => setTimeout(r, 50));
    const user = `hostpod-t${row.id.slice(0, 12)}`;
    assert.ok(readFileSync('/etc/passwd', 'utf8').includes(`${user}:`));
    // The whole stack crashes: hostpod, then the monitor (its workload is left to the next hostpod).
    child.kill('SIGKILL');
    const monitor = Number(readFileSync(join(dataDir, 'containers', row.id, 'monitor.pid'), 'utf8'));
    process.kill(monitor, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(readFileSync('/etc/passwd', 'utf8').includes(`${user}:`), 'the crash left the user');
    const after = await hp(['ps']);
    assert.match(after.stderr, /lost its monitor/);
    assert.equal(readFileSync('/etc/passwd', 'utf8').includes(`${user}:`), false, 'the next hostpod deleted it');
    const lost = (await ps()).find((c) => c.id === row?.id);
    assert.equal(lost?.reason, 'ContainerStatusUnknown');
  });
});
