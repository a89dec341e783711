import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatFieldError } from '../../../src/policy/field.js';
import { formatLevelVersion, parseLevelVersion, parseVersion, policyFromLabels } from '../../../src/policy/podsecurity/index.js';

const P = 'pod-security.kubernetes.io/';

function resolve(labels: Record<string, string>): { enforce: string; warn: string; audit: string; errors: string[] } {
  const { policy, errors } = policyFromLabels(labels);
  return {
    enforce: formatLevelVersion(policy.enforce),
    warn: formatLevelVersion(policy.warn),
    audit: formatLevelVersion(policy.audit),
    errors: errors.map(formatFieldError),
  };
}

describe('namespace Pod Security labels', () => {
  const cases: Array<[string, Record<string, string>, string, string, string]> = [
    ['no labels means privileged', {}, 'privileged:latest', 'privileged:latest', 'privileged:latest'],
    ['enforce alone also warns', { [`${P}enforce`]: 'baseline' }, 'baseline:latest', 'baseline:latest', 'privileged:latest'],
    ['warn alone', { [`${P}warn`]: 'restricted' }, 'privileged:latest', 'restricted:latest', 'privileged:latest'],
    ['audit alone', { [`${P}audit`]: 'baseline' }, 'privileged:latest', 'privileged:latest', 'baseline:latest'],
    ['explicit warn wins', { [`${P}enforce`]: 'baseline', [`${P}warn`]: 'restricted' }, 'baseline:latest', 'restricted:latest', 'privileged:latest'],
    ['warn follows the enforce version', { [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'v1.22' }, 'baseline:v1.22', 'baseline:v1.22', 'privileged:latest'],
    ['an explicit warn version is kept', { [`${P}enforce`]: 'baseline', [`${P}warn-version`]: 'v1.23' }, 'baseline:latest', 'baseline:v1.23', 'privileged:latest'],
    ['a less strict warn is kept', { [`${P}enforce`]: 'baseline', [`${P}warn`]: 'privileged' }, 'baseline:latest', 'privileged:latest', 'privileged:latest'],
    ['fully specified', {
      [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'v1.20', [`${P}warn`]: 'restricted', [`${P}warn-version`]: 'v1.21',
      [`${P}audit`]: 'restricted', [`${P}audit-version`]: 'v1.22',
    }, 'baseline:v1.20', 'restricted:v1.21', 'restricted:v1.22'],
  ];
  for (const [name, labels, enforce, warn, audit] of cases) {
    test(name, () => assert.deepEqual(resolve(labels), { enforce, warn, audit, errors: [] }));
  }

  test('an invalid enforce level fails closed to restricted and does not set warn', () => {
    assert.deepEqual(resolve({ [`${P}enforce`]: 'Baseline' }), {
      enforce: 'restricted:latest', warn: 'privileged:latest', audit: 'privileged:latest',
      errors: ['metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "Baseline": must be one of privileged, baseline, restricted'],
    });
  });

  test('invalid warn and audit levels fail open to privileged', () => {
    const r = resolve({ [`${P}enforce`]: 'baseline', [`${P}warn`]: 'foo', [`${P}audit`]: 'bar' });
    assert.equal(r.warn, 'privileged:latest');
    assert.equal(r.audit, 'privileged:latest');
    assert.equal(r.errors.length, 2);
  });

  test('an invalid version means latest', () => {
    assert.deepEqual(resolve({ [`${P}enforce`]: 'baseline', [`${P}enforce-version`]: 'v1.2.3' }), {
      enforce: 'baseline:latest', warn: 'baseline:latest', audit: 'privileged:latest',
      errors: ['metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v1.2.3": must be "latest" or "v1.x"'],
    });
  });

  test('versions parse as upstream does', () => {
    for (const ok of ['latest', 'v1.0', 'v1.25', 'v1.99', 'v1.10000', 'v1.9223372036854775807']) assert.ok(parseVersion(ok), ok);
    for (const bad of ['', 'Latest', 'v1', 'v2.0', '1.25', 'v1.01', 'v1.2.3', 'V1.2', 'v1.-1', 'v1.9223372036854775808', `v1.${'9'.repeat(30)}`]) {
      assert.equal(parseVersion(bad), undefined, bad);
    }
  });

  test('the command line form LEVEL[:VERSION]', () => {
    assert.deepEqual(parseLevelVersion('baseline'), { level: 'baseline', version: { latest: true } });
    assert.deepEqual(parseLevelVersion('restricted:v1.30'), { level: 'restricted', version: { latest: false, minor: 30 } });
    assert.equal(parseLevelVersion('strict'), undefined);
    assert.equal(parseLevelVersion('baseline:1.30'), undefined);
    assert.equal(parseLevelVersion('baseline:v1.30:x'), undefined);
  });
});
