import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldPath } from '../../../src/policy/field.js';
import { effectiveHostProcess, validateHostProcess } from '../../../src/policy/validation/index.js';
import { hostProcessSpec, rendered } from '../../helpers.js';

const spec = FieldPath.root('spec');
const allow = { allowPrivileged: true };

describe('HostProcess validation', () => {
  test('a pod-level hostProcess with hostNetwork is valid', () => {
    assert.deepEqual(validateHostProcess(hostProcessSpec(), spec, allow), []);
  });

  test('containers inherit hostProcess from the pod', () => {
    const s = hostProcessSpec();
    assert.equal(effectiveHostProcess(s, s.containers[0]!), true);
    assert.equal(effectiveHostProcess(s, { securityContext: { windowsOptions: { hostProcess: false } } }), false);
    assert.equal(effectiveHostProcess({ containers: [] }, {}), undefined);
  });

  test('pod and container values that differ are rejected on the container field', () => {
    const s = hostProcessSpec({
      containers: [{ name: 'a', image: 'i', securityContext: { windowsOptions: { hostProcess: false } } }, { name: 'b', image: 'i' }],
    });
    assert.deepEqual(rendered(validateHostProcess(s, spec, allow)), [
      'spec.containers[0].securityContext.windowsOptions.hostProcess: Invalid value: false: pod hostProcess value must be identical if both are specified, was true',
      'spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers',
    ]);
  });

  test('init and ephemeral containers count toward all-or-none', () => {
    for (const field of ['initContainers', 'ephemeralContainers'] as const) {
      const s = {
        hostNetwork: true,
        containers: [{ name: 'a', image: 'i', securityContext: { windowsOptions: { hostProcess: true } } }],
        [field]: [{ name: 'b', image: 'i' }],
      };
      assert.deepEqual(rendered(validateHostProcess(s, spec, allow)), [
        'spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers',
      ], field);
    }
  });

  test('an init container that alone sets hostProcess makes the pod a HostProcess pod', () => {
    const s = {
      initContainers: [{ name: 'init', image: 'i', securityContext: { windowsOptions: { hostProcess: true } } }],
      containers: [{ name: 'a', image: 'i' }],
    };
    assert.deepEqual(rendered(validateHostProcess(s, spec, allow)), [
      'spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers',
      'spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ]);
  });

  test('hostNetwork must be true', () => {
    assert.deepEqual(rendered(validateHostProcess(hostProcessSpec({ hostNetwork: false }), spec, allow)), [
      'spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ]);
  });

  test('--allow-privileged=false forbids HostProcess containers', () => {
    assert.deepEqual(rendered(validateHostProcess(hostProcessSpec(), spec, { allowPrivileged: false })), [
      'spec: Forbidden: hostProcess containers are disallowed by cluster policy',
    ]);
  });

  test('errors come in the API server order and carry the template path', () => {
    const s = {
      securityContext: { windowsOptions: { hostProcess: true } },
      containers: [{ name: 'a', image: 'i', securityContext: { windowsOptions: { hostProcess: false } } }, { name: 'b', image: 'i' }],
    };
    assert.deepEqual(rendered(validateHostProcess(s, FieldPath.of(['spec', 'template', 'spec']), { allowPrivileged: false })), [
      'spec.template.spec.containers[0].securityContext.windowsOptions.hostProcess: Invalid value: false: pod hostProcess value must be identical if both are specified, was true',
      'spec.template.spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers',
      'spec.template.spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
      'spec.template.spec: Forbidden: hostProcess containers are disallowed by cluster policy',
    ]);
  });

  test('explicit false everywhere is not a HostProcess pod', () => {
    const s = {
      securityContext: { windowsOptions: { hostProcess: true } },
      containers: [{ name: 'a', image: 'i', securityContext: { windowsOptions: { hostProcess: false } } }],
    };
    assert.deepEqual(rendered(validateHostProcess(s, spec, allow)), [
      'spec.containers[0].securityContext.windowsOptions.hostProcess: Invalid value: false: pod hostProcess value must be identical if both are specified, was true',
    ]);
  });
});
