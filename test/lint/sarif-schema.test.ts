/**
 * lint's SARIF output against the official SARIF 2.1.0 JSON schema (shipped by
 * @microsoft/jest-sarif), for findings of every kind.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { loadManifests } from '../../src/api/load-manifests.js';
import { lintObjects } from '../../src/lint/lint.js';
import { parseLevelVersion } from '../../src/policy/podsecurity/level.js';
import { toSarif } from '../../src/lint/sarif.js';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
const FIXTURES = fileURLToPath(new URL('fixtures/containerd/', import.meta.url));

function validate(log: unknown): string[] {
  // The schema is draft-04; ajv 6 reads it with its meta-schema added, and `format: uri` checked.
  const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
  ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json') as object);
  const valid = ajv.validate(schema, log);
  return valid ? [] : (ajv.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`);
}

test('lint -o sarif is a valid SARIF 2.1.0 log: errors, denials, advice, unreadable input, field positions', async () => {
  const { objects, problems } = await loadManifests([`${FIXTURES}calico-3.23.yaml`, `${FIXTURES}for-1.7-only.yaml`, '/nonexistent/x.yaml']);
  const results = lintObjects([...objects, {
    file: 'bad.yaml', index: 0, line: 3,
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: 'c', image: 'x' }] } },
  }], { containerd: '1.6', podSecurity: parseLevelVersion('baseline:latest') ?? assert.fail('baseline:latest') });
  const log = toSarif(results, problems, (_r, field) => (field.startsWith('spec') ? { line: 7, column: 3 } : undefined));
  const run = (log['runs'] as Array<{ results: Array<{ ruleId: string }> }>)[0];
  // Every kind of finding is in it, so the schema sees each shape.
  assert.deepEqual([...new Set(run?.results.map((r) => r.ruleId))].sort(), [
    'containerd16-hpc-path', 'containerd16-volume-path', 'hostpod-invalid', 'hostpod-pod-security', 'hostpod-unreadable', 'hostpod-warning',
  ]);
  assert.deepEqual(validate(log), []);
  // And the validation can fail: a result without its message is refused.
  const broken = JSON.parse(JSON.stringify(log)) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
  delete broken.runs[0]?.results[0]?.['message'];
  assert.notDeepEqual(validate(broken), []);
});
