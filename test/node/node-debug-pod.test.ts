/**
 * Which pods a hostpod node runs as HostProcess pods although they are not: the pod `kubectl debug
 * node/NAME` makes with its legacy, general and sysadmin profiles, and nothing else.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { hostProcessMessage, isNodeDebugPod, runnablePod } from '../../src/node/node-debug-pod.js';
import { admitToNode } from '../../src/node/pod-admission.js';

/** kubectl 1.32's node-debugging pod, legacy profile (debug.go's generateNodeDebugPod). */
function debugSpec(change: (spec: V1PodSpec) => void = () => {}): V1PodSpec {
  const spec: V1PodSpec = {
    containers: [{ name: 'debugger', image: 'busybox', command: ['sh'], terminationMessagePolicy: 'File', volumeMounts: [{ name: 'host-root', mountPath: '/host' }] }],
    hostIPC: true, hostNetwork: true, hostPID: true, nodeName: 'n1', restartPolicy: 'Never',
    tolerations: [{ operator: 'Exists' }],
    volumes: [{ name: 'host-root', hostPath: { path: '/', type: '' } }],
  };
  change(spec);
  return spec;
}

const node = { metadata: { name: 'n1', labels: { 'kubernetes.io/os': 'linux' } }, spec: {}, status: { allocatable: { pods: '110' } } };

describe('node debugging pods', () => {
  const accepted: [string, (spec: V1PodSpec) => void][] = [
    ['the legacy profile', () => {}],
    ['the general profile (no pod securityContext)', (s) => { delete s.securityContext; }],
    ['the sysadmin profile (privileged)', (s) => { s.containers[0]!.securityContext = { privileged: true }; }],
    ['capabilities added (NET_ADMIN, NET_RAW) with the host\'s / mounted', (s) => { s.containers[0]!.securityContext = { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } }; }],
    ['runAsUser 0 said outright', (s) => { s.securityContext = { runAsUser: 0 }; }],
  ];
  for (const [name, change] of accepted) {
    test(`isNodeDebugPod accepts ${name}`, () => {
      assert.equal(isNodeDebugPod(debugSpec(change)), true);
      assert.equal(admitToNode({ metadata: { name: 'd' }, spec: debugSpec(change) }, node, []), undefined);
    });
  }

  const refused: [string, (spec: V1PodSpec) => void][] = [
    ['the baseline profile (isolated namespaces, no host mount)', (s) => { s.hostNetwork = false; s.hostPID = false; s.hostIPC = false; s.volumes = []; s.containers[0]!.volumeMounts = []; }],
    ['a pod without hostPID', (s) => { s.hostPID = false; }],
    // netadmin's node pod shares the host's namespaces but not its /: a HostProcess container would see all of it.
    ['the netadmin profile (host namespaces, no host mount)', (s) => { s.volumes = []; s.containers[0]!.volumeMounts = []; s.containers[0]!.securityContext = { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } }; }],
    ['a pod without the host\'s / mounted', (s) => { s.volumes = [{ name: 'host-root', hostPath: { path: '/var' } }]; }],
    ['a subPath of the host\'s /', (s) => { s.containers[0]!.volumeMounts = [{ name: 'host-root', mountPath: '/host', subPath: 'etc' }]; }],
    ['a non-root user for the pod', (s) => { s.securityContext = { runAsUser: 1000 }; }],
    ['runAsNonRoot on the container', (s) => { s.containers[0]!.securityContext = { runAsNonRoot: true }; }],
    ['a group other than root', (s) => { s.containers[0]!.securityContext = { runAsGroup: 10 }; }],
    ['windowsOptions of its own', (s) => { s.securityContext = { windowsOptions: { runAsUserName: 'NT AUTHORITY\\Local service' } }; }],
    ['a second container', (s) => { s.containers.push({ name: 'other', image: 'busybox' }); }],
    ['an init container', (s) => { s.initContainers = [{ name: 'init', image: 'busybox' }]; }],
  ];
  for (const [name, change] of refused) {
    test(`isNodeDebugPod refuses ${name}: the node refuses it as NotHostProcess`, () => {
      assert.equal(isNodeDebugPod(debugSpec(change)), false);
      assert.equal(admitToNode({ metadata: { name: 'd' }, spec: debugSpec(change) }, node, [])?.reason, 'NotHostProcess');
    });
  }

  test('runnablePod runs the debugging pod as SYSTEM in bind mode, and leaves other pods as they are', () => {
    const pod: V1Pod = { metadata: { name: 'node-debugger-n1-abcde' }, spec: debugSpec() };
    const runnable = runnablePod(pod);
    assert.equal(runnable.mountMode, 'bind');
    assert.deepEqual(runnable.pod.spec?.securityContext?.windowsOptions, { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' });
    assert.equal(pod.spec?.securityContext, undefined, 'the API object is not changed');
    const other: V1Pod = { metadata: { name: 'web' }, spec: debugSpec((s) => { s.hostPID = false; }) };
    assert.equal(runnablePod(other).pod, other);
    assert.equal(runnablePod(other).mountMode, undefined);
  });

  test('hostProcessMessage names root, bind mode, where the host\'s filesystem is and why', () => {
    const message = hostProcessMessage(debugSpec((s) => { s.containers[0]!.volumeMounts = [{ name: 'host-root', mountPath: '/rootfs' }]; }));
    assert.match(message, /^Running as a HostProcess container \(as root, NT AUTHORITY\\SYSTEM, in bind mode, with the host's filesystem at \/rootfs\) because hostpod nodes run only HostProcess pods/);
  });
});
