/**
 * Bad input gets a clear error, never a crash: lint thousands of seeded random mutations of real
 * manifests (wrong types, nulls, empty lists, unknown fields at every depth) and require a result
 * for each.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseDocuments } from '../../src/api/parse-documents.js';
import { main } from '../../src/cli/main.js';
import { lintObjects } from '../../src/lint/lint.js';

const FIELDS = [
  'spec', 'metadata', 'template', 'containers', 'initContainers', 'ephemeralContainers', 'securityContext', 'windowsOptions',
  'hostProcess', 'runAsUserName', 'hostNetwork', 'volumes', 'volumeMounts', 'ports', 'hostPort', 'resources', 'limits',
  'requests', 'selector', 'matchLabels', 'matchExpressions', 'labels', 'annotations', 'nodeSelector', 'os', 'name', 'image',
  'sysctls', 'capabilities', 'add', 'drop', 'seccompProfile', 'appArmorProfile', 'seLinuxOptions', 'livenessProbe',
  'httpGet', 'host', 'lifecycle', 'hostPath', 'runtimeClassName', 'hostUsers', 'procMount', 'restartPolicy', 'jobTemplate',
];
const VALUES: unknown[] = [null, 0, -1, 70000, '', 'x', 'NT AUTHORITY\\SYSTEM', true, false, [], [null], [{}], {}, { a: null }, [[]], '1Gi', 1e308];

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function containersOf(value: unknown, out: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (typeof value === 'object' && value !== null) {
    out.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) containersOf(child, out);
  }
  return out;
}

function mutate(object: Record<string, unknown>, next: () => number): Record<string, unknown> {
  const copy = structuredClone(object);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const mutations = 1 + Math.floor(next() * 4);
  for (let i = 0; i < mutations; i++) {
    const target = pick(containersOf(copy));
    const value = structuredClone(pick(VALUES));
    if (Array.isArray(target)) {
      target[Math.floor(next() * (target.length + 1))] = value;
    } else {
      const keys = Object.keys(target);
      const key = next() < 0.6 && keys.length > 0 ? pick(keys) : pick(FIELDS);
      target[key] = value;
    }
  }
  return copy;
}

const seeds = ['examples/hostprocess.yaml', 'examples/hostprocess-pod.yaml'].map((file) => {
  const value = parseDocuments(readFileSync(file, 'utf8')).documents[0]?.value as Record<string, unknown>;
  return { file, value };
});

describe('lint robustness', () => {
  for (const { file, value } of seeds) {
    test(`3000 mutations of ${file} each get a result`, () => {
      const next = random(file.length);
      for (let i = 0; i < 3000; i++) {
        const object = mutate(value, next);
        let results;
        try {
          results = lintObjects([{ file, index: 0, line: 1, object }], { podSecurity: { level: 'restricted', version: { latest: true } } });
        } catch (error) {
          assert.fail(`mutation ${i} threw ${(error as Error).stack}\n${JSON.stringify(object)}`);
        }
        assert.equal(results.length, 1);
        assert.equal(typeof results[0]?.valid, 'boolean');
        if (!results[0]?.valid) assert.ok(results[0]?.errors.length, `mutation ${i} is invalid without an error`);
      }
    });
  }
});

const TEXT_EDITS = [':', '-', ' ', '  ', '\n', '\t', '[', ']', '{', '}', '"', "'", '&a', '*a', '!!str ', '!!binary ', '---\n', '? ', '#', '|', '>', '%', '\\', 'null', '\u0000', '\r\n', '\ufeff', '0x', '1e999'];

function mutateText(text: string, next: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(next() * 5);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (out.length + 1));
    const roll = next();
    if (roll < 0.3) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 8));
    else if (roll < 0.85) out = out.slice(0, at) + (TEXT_EDITS[Math.floor(next() * TEXT_EDITS.length)] ?? '') + out.slice(at);
    else {
      const lines = out.split('\n');
      const line = Math.floor(next() * lines.length);
      lines.splice(line, 0, lines[line] ?? '');
      out = lines.join('\n');
    }
  }
  return out;
}

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stdout.resume();
  stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, stderr: err };
}

describe('hostpod lint robustness on mutated text', () => {
  test('1500 mutated manifests each end in exit 0, 1 or 2 without an internal error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostpod-fuzz-'));
    try {
      const next = random(7);
      const texts = ['examples/hostprocess.yaml', 'examples/hostprocess-pod.yaml'].map((f) => readFileSync(f, 'utf8'));
      for (let i = 0; i < 1500; i++) {
        const text = mutateText(texts[i % texts.length] ?? '', next);
        const path = join(dir, `m${i}.yaml`);
        writeFileSync(path, text);
        const { code, stderr } = await run(['lint', i % 2 === 0 ? '-o' : '--output', i % 3 === 0 ? 'json' : 'text', '--pod-security', 'restricted', path]);
        assert.ok([0, 1, 2].includes(code) && !stderr.includes('internal error'), `mutation ${i} (exit ${code}): ${stderr}\n${JSON.stringify(text)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
