/**
 * lint --server on bad input: seeded mutations of the examples (wrong types, nulls, odd names,
 * apiVersions that name no API or would not make a path) go through the server check against
 * hostpod's control plane in process, and each gets a result with the server's verdict, or none
 * when kubectl would send nothing; the check never throws.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parseDocuments } from '../../src/api/parse-documents.js';
import { formatResult } from '../../src/lint/report.js';
import { ServerLinter } from '../../src/lint/server/index.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { loadKubeconfig } from '../../src/node/kube-client/kubeconfig.js';
import { startControlPlane, type StartedPlane } from '../support/controlplane.js';

const VALUES: unknown[] = [
  null, 0, -1, '', 'x', 'a/b', '../../api/v1', 'apps/v1', 'v1', 'example.com/v1', 'Pod', 'DaemonSet', '%2e%2e', 'NT AUTHORITY\\SYSTEM',
  true, [], [{}], {}, { a: null }, 'kube-system', 'no-such-namespace', 'UPPER', 'a'.repeat(300),
];
const KEYS = ['apiVersion', 'kind', 'metadata', 'name', 'namespace', 'generateName', 'labels', 'annotations', 'spec', 'template', 'hostNetwork', 'containers'];

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function maps(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    out.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) maps(child, out);
  } else if (Array.isArray(value)) {
    for (const child of value) maps(child, out);
  }
  return out;
}

function mutate(object: Record<string, unknown>, next: () => number): Record<string, unknown> {
  const copy = structuredClone(object);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  for (let i = 1 + Math.floor(next() * 3); i > 0; i--) {
    // The top level, where apiVersion, kind and metadata are, half of the time.
    const target = next() < 0.5 ? copy : pick(maps(copy));
    target[pick(KEYS)] = structuredClone(pick(VALUES));
  }
  return copy;
}

describe('lint --server robustness', () => {
  let started: StartedPlane;
  let client: KubeClient;
  before(async () => {
    started = await startControlPlane();
    client = new KubeClient(loadKubeconfig(started.kubeconfig), 'hostpod-test');
  });
  after(async () => {
    client?.close();
    await started?.stop();
  });

  for (const file of ['examples/hostprocess.yaml', 'examples/hostprocess-pod.yaml']) {
    test(`300 mutations of ${file} each get a result, and a server verdict when they have apiVersion and kind`, async () => {
      const seed = parseDocuments(readFileSync(file, 'utf8')).documents[0]?.value as Record<string, unknown>;
      const linter = new ServerLinter({}, { transport: client, namespace: 'default' });
      const next = random(file.length * 31);
      for (let i = 0; i < 300; i++) {
        const object = mutate(seed, next);
        let result;
        try {
          result = await linter.lint({ file, index: 0, line: 1, object });
          formatResult(result);
        } catch (error) {
          assert.fail(`mutation ${i} threw ${(error as Error).stack}\n${JSON.stringify(object)}`);
        }
        const kinded = typeof object['apiVersion'] === 'string' && object['apiVersion'] !== '' && typeof object['kind'] === 'string' && object['kind'] !== '';
        assert.equal(result.server !== undefined, kinded, `mutation ${i}: ${JSON.stringify(object)}`);
        if (result.server) {
          assert.ok(['allowed', 'refused', 'unchecked', 'pending'].includes(result.server.outcome));
          if (result.server.outcome !== 'allowed') assert.ok(result.server.message, `mutation ${i} has no message: ${JSON.stringify(result.server)}`);
        }
      }
    });
  }
});
