/**
 * The upstream pod-security-admission fixtures, read from ../shared (never copied here): every pass
 * fixture must be allowed and every fail fixture denied with its check's words, at its version.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { parseDocuments } from '../../../src/api/parse-documents.js';
import { defaultRegistry, evaluateLevel, parseVersion, type Level } from '../../../src/policy/podsecurity/index.js';

const ROOT = process.env['HOSTPOD_CONFORMANCE_DIR'] ?? fileURLToPath(new URL('../../../../shared/conformance/pod-security', import.meta.url));

/** CONFORMANCE.md's table: the words a denial must contain, by fixture file prefix. */
const EXPECTED: Readonly<Record<string, string>> = {
  allowprivilegeescalation: 'allowPrivilegeEscalation', apparmorprofile: 'forbidden AppArmor profile',
  capabilities_baseline: 'capabilities', capabilities_restricted: 'unrestricted capabilities', hostnamespaces: 'host namespaces',
  hostpathvolumes: 'hostPath', hostports: 'hostPort', hostprobesandhostlifecycle: 'probe or lifecycle host', privileged: 'privileged',
  procmount: 'procMount', procmount_restricted: 'procMount', restrictedvolumes: 'restricted volume types', runasnonroot: 'runAsNonRoot',
  runasuser: 'runAsUser', selinuxoptions: 'seLinuxOptions', seccompprofile_baseline: 'seccompProfile',
  seccompprofile_restricted: 'seccompProfile', sysctls: 'forbidden sysctl', windowshostprocess: 'hostProcess',
};

const present = existsSync(ROOT);
const skip = present ? false : `conformance fixtures not found at ${ROOT} (they live in ../shared beside the repository)`;

if (!present && process.env['CI'] === 'true') {
  test('conformance fixtures are present in CI', () => assert.fail(`missing ${ROOT}: CI must run with ../shared beside the repository`));
}

function listDir(path: string): string[] {
  return existsSync(path) ? readdirSync(path).sort() : [];
}

describe('Pod Security conformance', { skip }, () => {
  let total = 0;
  let passed = 0;
  for (const level of ['baseline', 'restricted'] as const) {
    for (const versionDir of listDir(join(ROOT, level))) {
      test(`${level} ${versionDir}`, () => {
        const version = parseVersion(versionDir);
        assert.ok(version, `unexpected version directory ${versionDir}`);
        const failures: string[] = [];
        for (const outcome of ['pass', 'fail'] as const) {
          for (const file of listDir(join(ROOT, level, versionDir, outcome))) {
            total++;
            const problem = judge(level, version, outcome, join(ROOT, level, versionDir, outcome, file));
            if (problem) failures.push(`${outcome}/${file}: ${problem}`);
            else passed++;
          }
        }
        assert.deepEqual(failures, []);
      });
    }
  }
  test('every fixture conforms', (t) => {
    assert.ok(total > 0, 'no fixtures were found');
    t.diagnostic(`conformance: ${passed}/${total} fixtures`);
    assert.equal(passed, total);
  });
});

function judge(level: Level, version: NonNullable<ReturnType<typeof parseVersion>>, outcome: 'pass' | 'fail', path: string): string | undefined {
  const parsed = parseDocuments(readFileSync(path, 'utf8'));
  const pod = parsed.documents[0]?.value as { metadata?: V1ObjectMeta; spec?: V1PodSpec } | undefined;
  if (!pod || parsed.errors.length > 0) return `cannot parse: ${parsed.errors[0]?.message ?? 'empty'}`;
  // Pod Security only: fixture names such as base_windows are not valid object names.
  const result = evaluateLevel(defaultRegistry, { level, version }, pod.metadata ?? {}, pod.spec ?? { containers: [] });
  if (outcome === 'pass') return result.allowed ? undefined : `denied: ${result.message}`;
  const prefix = path.split('/').pop()?.replace(/\d+\.yaml$/, '') ?? '';
  const words = EXPECTED[prefix];
  if (!words) return `no expected message for fixture prefix ${prefix}`;
  if (result.allowed) return 'allowed';
  return result.message.includes(words) ? undefined : `message lacks "${words}": ${result.message}`;
}
