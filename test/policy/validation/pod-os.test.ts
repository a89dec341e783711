import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1PodSpec } from '@kubernetes/client-node';
import { FieldPath } from '../../../src/policy/field.js';
import { validatePodOS, validatePodSpec } from '../../../src/policy/validation/index.js';
import { hostProcessSpec, rendered } from '../../helpers.js';

const spec = FieldPath.root('spec');

describe('spec.os', () => {
  test('no spec.os is not checked', () => {
    assert.deepEqual(validatePodOS(hostProcessSpec(), spec), []);
  });

  test('an unknown OS is not supported, at spec.os', () => {
    assert.deepEqual(rendered(validatePodOS({ containers: [], os: { name: 'macos' } }, spec)), [
      'spec.os: Unsupported value: "macos": supported values: "linux", "windows"',
    ]);
  });

  test('an empty OS name is required', () => {
    assert.deepEqual(rendered(validatePodOS({ containers: [], os: { name: '' } }, spec)), ['spec.os.name: Required value']);
  });

  test('linux forbids windowsOptions at pod and container level', () => {
    const s: V1PodSpec = hostProcessSpec({
      os: { name: 'linux' },
      initContainers: [{ name: 'i', image: 'x', securityContext: { windowsOptions: { hostProcess: true } } }],
    });
    assert.deepEqual(rendered(validatePodOS(s, spec)), [
      'spec.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod',
      'spec.initContainers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod',
    ]);
  });

  test('windows allows a HostProcess pod with hostNetwork', () => {
    assert.deepEqual(validatePodOS(hostProcessSpec({ os: { name: 'windows' } }), spec), []);
  });

  test('windows forbids the Linux-only pod and container fields', () => {
    const s: V1PodSpec = hostProcessSpec({
      os: { name: 'windows' },
      hostPID: true,
      hostIPC: true,
      securityContext: {
        windowsOptions: { hostProcess: true }, runAsUser: 0, fsGroup: 1, seccompProfile: { type: 'RuntimeDefault' },
        sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }],
      },
      containers: [{
        name: 'a', image: 'i',
        securityContext: { privileged: true, allowPrivilegeEscalation: false, capabilities: {}, readOnlyRootFilesystem: false, procMount: 'Default', runAsGroup: 3 },
      }],
    });
    assert.deepEqual(rendered(validatePodOS(s, spec)), [
      'spec.hostPID: Forbidden: cannot be set for a windows pod',
      'spec.hostIPC: Forbidden: cannot be set for a windows pod',
      'spec.securityContext.seccompProfile: Forbidden: cannot be set for a windows pod',
      'spec.securityContext.fsGroup: Forbidden: cannot be set for a windows pod',
      'spec.securityContext.sysctls: Forbidden: cannot be set for a windows pod',
      'spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod',
      'spec.containers[0].securityContext.capabilities: Forbidden: cannot be set for a windows pod',
      'spec.containers[0].securityContext.readOnlyRootFilesystem: Forbidden: cannot be set for a windows pod',
      'spec.containers[0].securityContext.privileged: Forbidden: cannot be set for a windows pod',
      'spec.containers[0].securityContext.allowPrivilegeEscalation: Forbidden: cannot be set for a windows pod',
      'spec.containers[0].securityContext.procMount: Forbidden: cannot be set for a windows pod',
      'spec.containers[0].securityContext.runAsGroup: Forbidden: cannot be set for a windows pod',
    ]);
  });

  test('OS errors come last in pod validation', () => {
    const s = hostProcessSpec({ os: { name: 'linux' }, hostNetwork: false });
    assert.deepEqual(rendered(validatePodSpec(s, spec, { allowPrivileged: true })), [
      'spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
      'spec.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod',
    ]);
  });
});
