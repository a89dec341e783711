/** Where a container's volumeMounts go: mountPaths as the kubelet makes them on Linux. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { containerPath, resolveMounts } from '../../src/runtime/volumes.js';

const podDir = mkdtempSync(join(tmpdir(), 'hostpod-volumes-'));
after(() => rmSync(podDir, { recursive: true, force: true }));

const podWith = (mountPath: string): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: {
    volumes: [{ name: 'data', emptyDir: {} }],
    containers: [{ name: 'c', image: 'base', volumeMounts: [{ name: 'data', mountPath }] }],
  },
});

for (const [mountPath, expected] of [
  ['config.json', '/config.json'],
  ['calico', '/calico'],
  ['etc/app/', '/etc/app'],
  ['a/../b', '/b'],
  ['/etc/app', '/etc/app'],
  ['/etc//app/./', '/etc/app'],
  // A Windows path is relative on Linux: the kubelet on Linux makes it `/C:\data`, and so does hostpod.
  ['C:\\data', '/C:\\data'],
  ['c:/data', '/c:/data'],
] as const) {
  test(`mountPath ${JSON.stringify(mountPath)} is ${expected} in the container, as the kubelet makes it on Linux`, () => {
    assert.equal(containerPath(mountPath), expected);
    const pod = podWith(mountPath);
    const [mount] = resolveMounts(pod, pod.spec!.containers[0]!, podDir, 'container "c"');
    assert.equal(mount?.mountPath, expected);
  });
}

for (const mountPath of ['/', '.', 'a/..']) {
  test(`mountPath ${JSON.stringify(mountPath)} is refused, naming the mount and the fix`, () => {
    const pod = podWith(mountPath);
    assert.throws(() => resolveMounts(pod, pod.spec!.containers[0]!, podDir, 'container "c"'), (error: Error) => {
      assert.match(error.message, /container "c": volumeMounts "data".*mountPath ".*" is not a Linux path below \//);
      return true;
    });
  });
}
