import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultRegistry, DEFAULT_CHECKS, LATEST, v1 } from '../../../src/policy/podsecurity/index.js';

describe('Pod Security check registry', () => {
  test('holds every baseline and restricted check once', () => {
    assert.deepEqual(DEFAULT_CHECKS.map((c) => c.id).sort(), [
      'allowPrivilegeEscalation', 'appArmorProfile', 'capabilities_baseline', 'capabilities_restricted', 'hostNamespaces',
      'hostPathVolumes', 'hostPorts', 'hostProbesAndHostLifecycle', 'privileged', 'procMount', 'procMount_restricted',
      'restrictedVolumes', 'runAsNonRoot', 'runAsUser', 'seLinuxOptions', 'seccompProfile_baseline', 'seccompProfile_restricted',
      'sysctls', 'windowsHostProcess',
    ]);
  });

  test('orders baseline checks, then restricted checks, each sorted by ID', () => {
    assert.deepEqual(defaultRegistry.checkIDs({ level: 'restricted', version: LATEST }), [
      'appArmorProfile', 'hostNamespaces', 'hostPorts', 'hostProbesAndHostLifecycle', 'privileged', 'seLinuxOptions', 'sysctls',
      'windowsHostProcess', 'allowPrivilegeEscalation', 'capabilities_restricted', 'procMount_restricted', 'restrictedVolumes',
      'runAsNonRoot', 'runAsUser', 'seccompProfile_restricted',
    ]);
  });

  test('restricted checks replace the baseline checks they override only from their version', () => {
    const v10 = defaultRegistry.checkIDs({ level: 'restricted', version: v1(0) });
    assert.ok(v10.includes('seccompProfile_baseline') && v10.includes('capabilities_baseline') && v10.includes('procMount'));
    assert.ok(!v10.includes('hostPathVolumes') && !v10.includes('allowPrivilegeEscalation') && !v10.includes('runAsUser'));
  });

  test('latest and future versions evaluate like the newest policy version', () => {
    assert.equal(defaultRegistry.maxMinor, 37);
    const newest = defaultRegistry.checkIDs({ level: 'baseline', version: v1(37) });
    assert.deepEqual(defaultRegistry.checkIDs({ level: 'baseline', version: LATEST }), newest);
    assert.deepEqual(defaultRegistry.checkIDs({ level: 'baseline', version: v1(99) }), newest);
    assert.ok(!defaultRegistry.checkIDs({ level: 'baseline', version: v1(33) }).includes('hostProbesAndHostLifecycle'));
  });

  test('privileged runs no checks', () => {
    assert.deepEqual(defaultRegistry.checkIDs({ level: 'privileged', version: LATEST }), []);
  });
});
