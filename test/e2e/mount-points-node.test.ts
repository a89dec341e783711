/**
 * Through the node agent, with the real kubectl against `hostpod up`: a pod whose volumes are
 * mounted at paths that do not exist on the host (a ConfigMap key at /hostpod-test-X/config.json,
 * a hostPath at /hostpod-test-Y/deep/dir) sees them, in its own processes and in kubectl exec,
 * while the host never gets those paths, during or after the pod. With runtime.mountPoints:
 * create, the path is on the host while the pod runs, an event says so, and it goes with the pod.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip } from '../support/controlplane.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { freePort } from '../support/real-cluster.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.33');

describe('mount points missing on the host, through the node agent and kubectl', { skip, timeout: 300_000 }, () => {
  const base = mkdtempSync(join(tmpdir(), 'hostpod-mp-node-'));
  chmodSync(base, 0o755);
  const dataDir = join(base, 'data');
  const hostDir = join(base, 'host-volume');
  const configTop = `/hostpod-test-${randomBytes(6).toString('hex')}`;
  const hostTop = `/hostpod-test-${randomBytes(6).toString('hex')}`;
  const createdTop = `/hostpod-test-${randomBytes(6).toString('hex')}`;
  let up: UpProcess | undefined;
  before(() => {
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, 'from-host'), 'hostPath content\n');
  });
  after(async () => {
    await up?.stop();
    await removeAllContainers(dataDir);
    rmSync(base, { recursive: true, force: true });
    const left = [configTop, hostTop, createdTop].filter((p) => existsSync(p));
    // A failed test must not leave its path on the host either.
    for (const path of left) rmSync(path, { recursive: true, force: true });
    assert.deepEqual(left, [], 'a test path was left on the host');
  });

  test('the pod sees its ConfigMap file and hostPath directory; the host never gets their paths', async () => {
    up = await startUp(dataDir, await freePort());
    const k = kubectl('1.33', up.kubeconfig);
    const objects = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: { 'config.json': '{"mode":"private view"}' } },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'mount-points', namespace: 'default' },
          spec: {
            securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
            hostNetwork: true,
            terminationGracePeriodSeconds: 2,
            restartPolicy: 'Never',
            volumes: [
              { name: 'config', configMap: { name: 'app-config' } },
              { name: 'host', hostPath: { path: hostDir, type: 'Directory' } },
            ],
            containers: [
              {
                name: 'app',
                image: 'localhost/hostprocess-base:latest',
                command: ['/bin/sh', '-c', `cat ${configTop}/config.json; echo; cat ${hostTop}/deep/dir/from-host; echo ready; while :; do sleep 1; done`],
                volumeMounts: [
                  { name: 'config', mountPath: `${configTop}/config.json`, subPath: 'config.json' },
                  { name: 'host', mountPath: `${hostTop}/deep/dir` },
                ],
              },
            ],
          },
        },
      ],
    };
    writeFileSync(join(base, 'objects.json'), JSON.stringify(objects));
    const applied = await k('apply', '-f', join(base, 'objects.json'));
    assert.equal(applied.code, 0, applied.stderr);
    const logs = await eventually(async () => {
      const out = (await k('logs', 'mount-points')).stdout;
      return out.includes('ready') ? out : undefined;
    }, 90_000, 'the pod\'s output');
    assert.equal(logs, '{"mode":"private view"}\nhostPath content\nready\n');
    assert.equal(existsSync(configTop), false, `${configTop} exists on the host while the pod runs`);
    assert.equal(existsSync(hostTop), false, `${hostTop} exists on the host while the pod runs`);
    const exec = await k('exec', 'mount-points', '--', '/bin/cat', `${configTop}/config.json`, `${hostTop}/deep/dir/from-host`);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout, '{"mode":"private view"}hostPath content\n');
    const deleted = await k('delete', 'pod', 'mount-points', '--wait=true', '--timeout=60s');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(existsSync(configTop), false, `${configTop} exists on the host after the pod`);
    assert.equal(existsSync(hostTop), false, `${hostTop} exists on the host after the pod`);
    await up.stop();
    up = undefined;
  });

  test('with runtime.mountPoints: create, the path is on the host while the pod runs, a MountPointCreated event says so, and it is gone with the pod', async () => {
    const config = join(base, 'config.yaml');
    writeFileSync(config, 'runtime:\n  mountPoints: create\n');
    up = await startUp(dataDir, await freePort(), ['--config', config]);
    const k = kubectl('1.33', up.kubeconfig);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'created-point', namespace: 'default' },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        hostNetwork: true,
        terminationGracePeriodSeconds: 2,
        restartPolicy: 'Never',
        volumes: [{ name: 'host', hostPath: { path: hostDir, type: 'Directory' } }],
        containers: [{ name: 'app', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', `cat ${createdTop}/dir/from-host; while :; do sleep 1; done`], volumeMounts: [{ name: 'host', mountPath: `${createdTop}/dir` }] }],
      },
    };
    writeFileSync(join(base, 'created.json'), JSON.stringify(pod));
    const applied = await k('apply', '-f', join(base, 'created.json'));
    assert.equal(applied.code, 0, applied.stderr);
    await eventually(async () => ((await k('logs', 'created-point')).stdout === 'hostPath content\n' ? true : undefined), 90_000, 'the pod\'s output');
    assert.equal(existsSync(`${createdTop}/dir`), true);
    const events = await k('get', 'events', '--field-selector', 'involvedObject.name=created-point,reason=MountPointCreated', '-o', 'jsonpath={.items[*].message}');
    assert.match(events.stdout, new RegExp(`Mount point ${createdTop}/dir was created on the host \\(runtime.mountPoints is create\\)`));
    const deleted = await k('delete', 'pod', 'created-point', '--wait=true', '--timeout=60s');
    assert.equal(deleted.code, 0, deleted.stderr);
    await eventually(() => (existsSync(createdTop) ? undefined : true), 10_000, `${createdTop} removed from the host`);
  });
});
