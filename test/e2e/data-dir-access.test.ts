/**
 * The access-control matrix's rows for the node's files (issue 14): who may read what under the
 * data directory of `hostpod up`, whoever created it (hostpod itself, 0700, or the admin
 * beforehand, 0755). Identities: a local non-root user of the host, and LocalService workloads
 * in bind and sandbox mode (their commands run through kubectl exec, as the workload's account);
 * actions: reading another pod's Secret and token, another container's sandbox, state files,
 * logs, the images, the control plane's files, pki and admin.kubeconfig. Each row prints the
 * identity, the action, the expected and the actual answer. A workload's own volumes stay
 * readable, in sandbox mode too (a LocalService and a temporary user of a group account).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp } from '../support/hostpod-up.js';
import { hostPod, rootSkip, shell, testRuntime } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.33');
const GROUP = 'hostpod-e2e-group';
const BASE = 'localhost/hostprocess-base:latest';
const LOCAL_SERVICE = 'NT AUTHORITY\\Local service';

/** allowed, denied (EACCES), missing (ENOENT), or what else happened. */
type Answer = string;

/** Tries each path as whoever runs it: lists a directory, reads a file; one answer per line. */
const PROBE = [
  'for p in "$@"; do',
  '  if [ -d "$p" ]; then out=$(ls -A "$p" 2>&1 >/dev/null); else out=$(cat "$p" 2>&1 >/dev/null); fi',
  '  case "$out" in *"Permission denied"*) echo denied;; *"No such file"*) echo missing;; "") echo allowed;; *) echo "error: $out";; esac',
  'done',
].join('\n');

function pod(name: string, account: string, script: string, options: { mountMode?: 'bind' | 'sandbox'; secret?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, ...(options.mountMode ? { annotations: { 'hostpod.io/mount-mode': options.mountMode } } : {}) },
    spec: {
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: account } },
      hostNetwork: true,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: BASE, command: ['/bin/sh', '-c', script], ...(options.secret ? { volumeMounts: [{ name: 'secret', mountPath: '/etc/secret' }] } : {}) }],
      ...(options.secret ? { volumes: [{ name: 'secret', secret: { secretName: options.secret } }] } : {}),
    },
  };
}

/** One pod, two accounts (container-level runAsUserName), one Secret volume: both read it in sandbox mode. */
function mixedPod(): Record<string, unknown> {
  const container = (name: string, account: string): Record<string, unknown> => ({
    name, image: BASE, command: ['/bin/sh', '-c', 'exec sleep 600'],
    securityContext: { windowsOptions: { hostProcess: true, runAsUserName: account } },
    volumeMounts: [{ name: 'secret', mountPath: '/etc/secret' }],
  });
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'mixed-sandbox', annotations: { 'hostpod.io/mount-mode': 'sandbox' } },
    spec: {
      securityContext: { windowsOptions: { hostProcess: true } },
      hostNetwork: true,
      terminationGracePeriodSeconds: 0,
      containers: [container('local-service', LOCAL_SERVICE), container('group', GROUP)],
      volumes: [{ name: 'secret', secret: { secretName: 'own-secret' } }],
    },
  };
}

interface Victim {
  uid: string;
  container: string;
}

describe('who may read the data directory of hostpod up', { skip, timeout: 600_000 }, () => {
  for (const created of ['by hostpod (0700)', 'beforehand by the admin (0755)'] as const) {
    test(`access matrix, data directory created ${created}`, async (t: TestContext) => {
      const base = mkdtempSync(join(tmpdir(), 'hostpod-access-'));
      execFileSync('chmod', ['755', base]);
      const dataDir = join(base, 'data');
      if (created.startsWith('beforehand')) mkdirSync(dataDir, { mode: 0o755 });
      const user = `hostpod-e2e-u${process.pid % 100000}`;
      execFileSync('sh', ['-c', `getent group ${GROUP} >/dev/null || groupadd ${GROUP}`]);
      execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', user]);
      const up = await startUp(dataDir, 21000 + Math.floor(Math.random() * 2000));
      try {
        const k: Kubectl = kubectl('1.33', up.kubeconfig);
        const apply = async (...objects: Record<string, unknown>[]): Promise<void> => {
          const file = join(base, `apply-${Math.random()}.json`);
          writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
          const result = await k('apply', '-f', file);
          assert.equal(result.code, 0, result.stderr);
        };
        await apply(
          { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'victim-secret' }, stringData: { password: 'victim-password' } },
          { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'own-secret' }, stringData: { password: 'own-password' } },
          // Two victims: SYSTEM in bind mode and NetworkService in sandbox mode, each with a Secret, a token, a log and a note in its sandbox.
          pod('victim-bind', 'NT AUTHORITY\\SYSTEM', 'echo victim-log; echo private > "$CONTAINER_SANDBOX_MOUNT_POINT/note"; exec sleep 600', { secret: 'victim-secret' }),
          pod('victim-sandbox', 'NT AUTHORITY\\NetworkService', 'echo victim-log; echo private > "$CONTAINER_SANDBOX_MOUNT_POINT/note"; exec sleep 600', { mountMode: 'sandbox', secret: 'victim-secret' }),
          // The workloads that try, each with a Secret of its own.
          pod('ls-bind', LOCAL_SERVICE, 'exec sleep 600', { secret: 'own-secret' }),
          pod('ls-sandbox', LOCAL_SERVICE, 'exec sleep 600', { mountMode: 'sandbox', secret: 'own-secret' }),
          pod('group-sandbox', GROUP, 'exec sleep 600', { mountMode: 'sandbox', secret: 'own-secret' }),
          mixedPod(),
        );
        const names = ['victim-bind', 'victim-sandbox', 'ls-bind', 'ls-sandbox', 'group-sandbox', 'mixed-sandbox'];
        // Each pod's state: running, or why it is not (a start that fails is a row of the matrix too).
        const states = await eventually(async () => {
          const out = await k('get', 'pods', '-o', 'json');
          const items = (JSON.parse(out.stdout) as { items: { metadata: { name: string; uid: string }; status: { containerStatuses?: { containerID?: string; state: { running?: unknown; waiting?: { reason: string; message?: string }; terminated?: { reason: string; message?: string } } }[] } }[] }).items;
          const byName = new Map(items.map((p) => [p.metadata.name, p]));
          const settled = names.map((n) => {
            const statuses = byName.get(n)?.status.containerStatuses ?? [];
            const uid = byName.get(n)?.metadata.uid ?? '';
            const failed = statuses.find((s) => s.state.waiting?.reason === 'CreateContainerError' || s.state.waiting?.reason === 'CrashLoopBackOff' || s.state.terminated);
            if (failed) return { name: n, uid, container: '', error: failed.state.waiting?.message ?? failed.state.terminated?.message ?? failed.state.waiting?.reason };
            if (statuses.length > 0 && statuses.every((s) => s.state.running)) return { name: n, uid, container: (statuses[0]?.containerID ?? '').replace('hostpod://', ''), error: undefined };
            return undefined;
          });
          const all = settled.filter((s) => s !== undefined);
          return all.length === settled.length ? all : undefined;
        }, 60_000, 'every pod to run or fail');
        const byName = new Map(states.map((s) => [s.name, s]));

        const rows: { identity: string; action: string; expected: Answer; actual: Answer }[] = [];
        for (const name of ['ls-sandbox', 'group-sandbox', 'victim-sandbox', 'mixed-sandbox']) {
          const state = byName.get(name)!;
          rows.push({ identity: `${name} (sandbox mode)`, action: 'start', expected: 'started', actual: state.error === undefined ? 'started' : `failed: ${state.error}` });
        }

        // What each victim has on the node, found as root.
        const victims = new Map<string, Victim>();
        for (const name of ['victim-bind', 'victim-sandbox']) {
          const state = byName.get(name)!;
          if (state.error === undefined) victims.set(name, { uid: state.uid, container: state.container });
        }
        const targets: { action: string; path: string }[] = [];
        for (const [name, victim] of victims) {
          const volumes = join(dataDir, 'pods', victim.uid, 'volumes');
          const projected = join(volumes, 'kubernetes.io~projected');
          const tokenDir = readdirSync(projected).find((d) => d.startsWith('kube-api-access-')) ?? 'none';
          const state = join(dataDir, 'containers', victim.container);
          const record = JSON.parse(readFileSync(join(state, 'container.json'), 'utf8')) as { logPath: string };
          // The sandbox's files on the host: the folder itself in sandbox mode; in bind mode the
          // overlay is mounted in the container's namespace only, and its writes are in its upper layer.
          const sandbox = existsSync(join(state, 'rootfs', 'note')) ? join(state, 'rootfs') : join(state, 'upper');
          targets.push(
            { action: `read ${name}'s Secret file`, path: join(volumes, 'kubernetes.io~secret', 'secret', 'password') },
            { action: `read ${name}'s service-account token`, path: join(projected, tokenDir, 'token') },
            { action: `read a file in ${name}'s sandbox`, path: join(sandbox, 'note') },
            { action: `list ${name}'s sandbox`, path: sandbox },
            { action: `read ${name}'s state file container.json`, path: join(state, 'container.json') },
            { action: `read ${name}'s monitor spec (its environment)`, path: join(state, 'spec') },
            { action: `read ${name}'s monitor.log`, path: join(state, 'monitor.log') },
            { action: `read ${name}'s log`, path: record.logPath },
          );
        }
        targets.push(
          { action: 'list the data directory', path: dataDir },
          { action: 'list the containers directory', path: join(dataDir, 'containers') },
          { action: 'list the pods directory', path: join(dataDir, 'pods') },
          { action: 'list the logs directory', path: join(dataDir, 'logs') },
          { action: "read the image store's records", path: join(dataDir, 'images', 'images.json') },
          { action: "read the control plane's store", path: join(dataDir, 'controlplane', 'state.db') },
          { action: "read the control plane's pid file", path: join(dataDir, 'controlplane', 'up.pid') },
          { action: 'read pki/ca.key', path: join(dataDir, 'pki', 'ca.key') },
          { action: 'read pki/service-account.key', path: join(dataDir, 'pki', 'service-account.key') },
          { action: 'read admin.kubeconfig', path: join(dataDir, 'admin.kubeconfig') },
        );
        for (const target of targets) assert.ok(existsSync(target.path), `${target.path} exists (as root)`);
        const paths = targets.map((x) => x.path);

        const answers = async (identity: string, run: () => Promise<string> | string): Promise<void> => {
          const lines = (await run()).trimEnd().split('\n');
          targets.forEach((target, i) => rows.push({ identity, action: target.action, expected: 'denied', actual: lines[i] ?? 'no answer' }));
        };
        await answers(`local user ${user}`, () => {
          try {
            return execFileSync('setpriv', ['--reuid', user, '--regid', user, '--clear-groups', '/bin/sh', '-c', PROBE, 'probe', ...paths], { encoding: 'utf8' });
          } catch (error) {
            return `error: ${(error as Error).message}`;
          }
        });
        for (const [name, identity] of [['ls-bind', 'LocalService workload ls-bind'], ['ls-sandbox', 'LocalService workload ls-sandbox'], ['group-sandbox', `temporary user of ${GROUP} group-sandbox`]] as const) {
          if (byName.get(name)!.error !== undefined) continue;
          await answers(identity, async () => (await k('exec', name, '--', '/bin/sh', '-c', PROBE, 'probe', ...paths)).stdout);
        }
        // Its own volumes stay readable: at its mountPath in bind mode, under the sandbox (a link to the real path) in sandbox mode.
        const sandboxed = '$CONTAINER_SANDBOX_MOUNT_POINT';
        for (const [name, container, action, path, expected] of [
          ['ls-bind', 'main', 'read its own Secret volume', '/etc/secret/password', 'own-password'],
          ['ls-bind', 'main', 'read its own service-account volume', '/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'default'],
          ['ls-sandbox', 'main', 'read its own Secret volume', `${sandboxed}/etc/secret/password`, 'own-password'],
          ['ls-sandbox', 'main', 'read its own service-account volume', `${sandboxed}/var/run/secrets/kubernetes.io/serviceaccount/namespace`, 'default'],
          ['group-sandbox', 'main', 'read its own Secret volume', `${sandboxed}/etc/secret/password`, 'own-password'],
          ['mixed-sandbox', 'local-service', 'read the Secret volume it shares with another account', `${sandboxed}/etc/secret/password`, 'own-password'],
          ['mixed-sandbox', 'group', 'read the Secret volume it shares with another account', `${sandboxed}/etc/secret/password`, 'own-password'],
        ] as const) {
          if (byName.get(name)!.error !== undefined) continue;
          const read = await k('exec', name, '-c', container, '--', '/bin/sh', '-c', `cat "${path}"`);
          rows.push({ identity: `${name}/${container}`, action, expected, actual: read.code === 0 ? read.stdout : `failed: ${read.stderr.trim()}` });
        }

        t.diagnostic(`data directory created ${created}`);
        for (const row of rows) t.diagnostic(`${row.identity} | ${row.action} | expected ${row.expected} | actual ${row.actual}`);
        const wrong = rows.filter((row) => row.actual !== row.expected);
        assert.deepEqual(wrong, [], `${wrong.length} of ${rows.length} rows differ`);
      } finally {
        await up.stop();
        await removeAllContainers(dataDir);
        execFileSync('userdel', ['--force', user]);
        rmSync(base, { recursive: true, force: true });
      }
    });
  }

  for (const sandbox of ['overlay', 'copy'] as const) {
    for (const account of [LOCAL_SERVICE, GROUP]) {
      test(`sandbox mode, ${sandbox} sandbox, ${account}, data dir 0700: the container starts and uses its own volumes through its links`, async () => {
        execFileSync('sh', ['-c', `getent group ${GROUP} >/dev/null || groupadd ${GROUP}`]);
        const t = await testRuntime({ sandbox });
        try {
          chmodSync(t.dataDir, 0o700);
          const pod = hostPod([shell('cd "$CONTAINER_SANDBOX_MOUNT_POINT" && echo mine > scratch/file && cat scratch/file && id -un', { volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] })], {
            securityContext: { windowsOptions: { hostProcess: true, runAsUserName: account } },
            volumes: [{ name: 'scratch', emptyDir: {} }],
          });
          const result = await t.run(pod, { mountMode: 'sandbox' });
          assert.equal(result.exitCode, 0, result.lines.join('\n'));
          assert.equal(result.lines[0], 'app stdout mine');
        } finally {
          await t.close();
        }
      });
    }
  }
});
