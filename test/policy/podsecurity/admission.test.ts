import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admit, defaultRegistry, type AdmissionRequest } from '../../../src/policy/podsecurity/index.js';
import { hostProcessSpec } from '../../helpers.js';

const P = 'pod-security.kubernetes.io/';
const config = { registry: defaultRegistry };

function request(overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    resource: 'pods', group: '', name: 'hp', namespace: 'ns', namespaceLabels: {}, meta: {}, spec: hostProcessSpec(), ...overrides,
  };
}

const HOST_PROCESS_REASONS = 'host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)';

describe('Pod Security admission', () => {
  test('a namespace without labels admits a HostProcess pod', () => {
    const d = admit(config, request());
    assert.equal(d.allowed, true);
    assert.deepEqual(d.warnings, []);
    assert.deepEqual(d.auditAnnotations, { 'enforce-policy': 'privileged:latest' });
  });

  test('enforce=baseline denies a HostProcess pod with both reasons, in check order', () => {
    const d = admit(config, request({ namespaceLabels: { [`${P}enforce`]: 'baseline' } }));
    assert.equal(d.allowed, false);
    assert.equal(d.message, `pods "hp" is forbidden: violates PodSecurity "baseline:latest": ${HOST_PROCESS_REASONS}`);
    // A denied request carries no warnings.
    assert.deepEqual(d.warnings, []);
  });

  test('the printed version is the label\'s, even past the newest policy', () => {
    const d = admit(config, request({ namespaceLabels: { [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'v1.99' } }));
    assert.match(d.message ?? '', /violates PodSecurity "baseline:v1\.99": host namespaces/);
  });

  test('warn produces a warning, audit an annotation, neither denies', () => {
    const d = admit(config, request({ namespaceLabels: { [`${P}warn`]: 'baseline', [`${P}audit`]: 'baseline' } }));
    assert.equal(d.allowed, true);
    assert.deepEqual(d.warnings, [`would violate PodSecurity "baseline:latest": ${HOST_PROCESS_REASONS}`]);
    assert.equal(d.auditAnnotations['audit-violations'], `would violate PodSecurity "baseline:latest": ${HOST_PROCESS_REASONS}`);
  });

  test('workloads are warned, never denied', () => {
    const d = admit(config, request({ resource: 'daemonsets', group: 'apps', namespaceLabels: { [`${P}enforce`]: 'restricted' } }));
    assert.equal(d.allowed, true);
    assert.equal(d.warnings.length, 1);
    assert.match(d.warnings[0] ?? '', /^would violate PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\), hostProcess/);
    assert.equal(d.auditAnnotations['enforce-policy'], undefined);
  });

  test('exempt namespaces, users and runtime classes are admitted with the reason', () => {
    const labels = { [`${P}enforce`]: 'baseline' };
    const exemptions = { namespaces: ['kube-system'], usernames: ['system:serviceaccount:kube-system:daemon-set-controller'], runtimeClasses: ['hostprocess'] };
    const cases: Array<[Partial<AdmissionRequest>, string]> = [
      [{ namespace: 'kube-system' }, 'namespace'],
      [{ username: 'system:serviceaccount:kube-system:daemon-set-controller' }, 'user'],
      [{ spec: { ...hostProcessSpec(), runtimeClassName: 'hostprocess' } }, 'runtimeClass'],
    ];
    for (const [overrides, reason] of cases) {
      const d = admit({ ...config, exemptions }, request({ namespaceLabels: labels, ...overrides }));
      assert.equal(d.allowed, true, reason);
      assert.equal(d.exempt, reason);
      assert.deepEqual(d.auditAnnotations, { exempt: reason });
    }
    assert.equal(admit({ ...config, exemptions }, request({ namespaceLabels: labels })).allowed, false);
  });

  test('an invalid enforce label evaluates restricted and records the error', () => {
    const d = admit(config, request({ namespaceLabels: { [`${P}enforce`]: 'strict' } }));
    assert.equal(d.allowed, false);
    assert.match(d.message ?? '', /violates PodSecurity "restricted:latest": host namespaces/);
    assert.equal(d.auditAnnotations['error'],
      'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted');
  });
});
