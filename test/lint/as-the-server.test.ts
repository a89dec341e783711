/**
 * hostpod lint judges an object as the API server does its create, where the differential test
 * found it judging the object as written: defaulted first (a host network pod's ports are host
 * ports), a pod's AppArmor annotations synced to fields, a Job's generated labels, a JSON
 * document's repeated key refused as strict decoding refuses it; and it says which warnings are
 * the API server's own (`serverWarnings`) apart from hostpod's advice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadManifests, type ManifestObject } from '../../src/api/load-manifests.js';
import { lintObjects, type LintResult } from '../../src/lint/lint.js';
import { parseLevelVersion } from '../../src/policy/podsecurity/level.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-lint-server-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function lint(object: Record<string, unknown>, level = 'baseline'): LintResult {
  const source: ManifestObject = { file: 'x.json', index: 0, line: 1, object };
  return lintObjects([source], { podSecurity: parseLevelVersion(level)! })[0]!;
}

const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...metadata }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

describe('lint as the server', () => {
  test('lint defaults a host network pod\'s ports to host ports before Pod Security judges it', () => {
    const result = lint(pod({ hostNetwork: true, containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }] }));
    assert.deepEqual(result.podSecurity?.reasons, ['host namespaces', 'hostPort']);
    assert.match(result.podSecurity?.message ?? '', /hostPort \(container "c" uses hostPort 80\)/);
  });

  test('lint defaults host ports before looking for two containers on the same one', () => {
    const result = lint(pod({ hostNetwork: true, containers: [
      { name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }, { name: 'd', image: 'busybox', ports: [{ containerPort: 80 }] },
    ] }), 'privileged');
    assert.deepEqual(result.errors, [{ field: 'spec.containers[1].ports[0].hostPort', type: 'FieldValueDuplicate', message: 'Duplicate value: "TCP//80"' }]);
  });

  test('lint syncs a pod\'s AppArmor annotation to its field, warning, before Pod Security judges it', () => {
    const result = lint(pod({ initContainers: [{ name: 'i', image: 'busybox' }] }, {
      annotations: { 'container.apparmor.security.beta.kubernetes.io/i': 'unconfined' },
    }));
    assert.match(result.podSecurity?.message ?? '', /forbidden AppArmor profiles \(container "i" and annotation must not set AppArmor profile type to "Unconfined"/);
    assert.deepEqual(result.serverWarnings, [
      'metadata.annotations[container.apparmor.security.beta.kubernetes.io/i]: deprecated since v1.30; use the "appArmorProfile" field instead',
    ]);
  });

  test('lint gives a Job\'s name to its labels and its template\'s, as its create does', () => {
    const job = {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'trailing-' },
      spec: { template: { metadata: { labels: { app: 'a' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    const fields = lint(job, 'privileged').errors.map((e) => e.field);
    assert.deepEqual([...new Set(fields)].sort(), ['metadata.labels', 'metadata.name', 'spec.template.labels']);
  });

  test('lint keeps the API server\'s warnings apart from hostpod\'s advice', () => {
    const result = lint(pod({
      hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true } },
      containers: [{ name: 'c', image: 'busybox', resources: { limits: { memory: '1500m' } } }],
    }), 'privileged');
    assert.deepEqual(result.serverWarnings, [
      'spec.containers[0].resources.limits[memory]: fractional byte value "1500m" is invalid, must be an integer',
      'spec.containers[0].resources.requests[memory]: fractional byte value "1500m" is invalid, must be an integer',
    ]);
    assert.ok(result.warnings.some((w) => w.includes('has no runAsUserName')));
    assert.ok(result.serverWarnings.every((w) => result.warnings.includes(w)));
  });

  test('lint refuses a JSON document\'s repeated key as strict decoding does, and a YAML one as YAML does', async () => {
    const json = join(dir, 'repeated.json');
    writeFileSync(json, '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"hostNetwork":true,"hostNetwork":false,"containers":[{"name":"c","image":"busybox"}]}}');
    const yaml = join(dir, 'repeated.yaml');
    writeFileSync(yaml, 'apiVersion: v1\nkind: Pod\nkind: Pod\n');
    const { objects, problems } = await loadManifests([json, yaml]);
    const result = lintObjects(objects)[0]!;
    assert.equal(result.badRequest, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "spec.hostNetwork"');
    assert.deepEqual(problems.map((p) => p.message), ['Map keys must be unique: "kind" is repeated']);
  });
});
