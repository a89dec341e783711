/**
 * One exit-code scheme and one error shape for every command (src/cli/exit-codes.ts): the same
 * mistake gets the same code and reads the same in lint, run and image import.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runHostpod } from '../support/hostpod-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'hostpod-exit-codes-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const dataDir = join(scratch, 'data');
const missing = join(scratch, 'missing.yaml');
const notText = join(scratch, 'binary.yaml');
writeFileSync(notText, Buffer.from([0x61, 0x00, 0x62]));

/** `error: MESSAGE` and then `  hint: HINT`, and nothing else on standard error. */
const ERROR_SHAPE = /^error: \S[^\n]*\n {2}hint: \S[^\n]*\n$/;

describe('an input file that cannot be read', () => {
  for (const [command, args, message] of [
    ['lint', ['lint', missing], `cannot read ${missing}: no such file or directory`],
    ['run -f', ['run', '-f', missing, '--data-dir', dataDir], `cannot read ${missing}: no such file or directory`],
    ['image import', ['image', 'import', missing, '--data-dir', dataDir], `cannot import ${missing}: no such file or directory`],
    ['lint (binary data)', ['lint', notText], `${notText} is not a YAML or JSON manifest`],
    ['run -f (binary data)', ['run', '-f', notText, '--data-dir', dataDir], `${notText} is not a YAML or JSON manifest`],
  ] as const) {
    test(`${command} exits 2 with the file named and a hint`, async () => {
      const result = await runHostpod(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, ERROR_SHAPE);
      assert.ok(result.stderr.startsWith(`error: ${message}`), result.stderr);
    });
  }
});

describe('usage errors exit 2 in every command', () => {
  for (const args of [
    ['frobnicate'],
    ['lint'],
    ['lint', '-o', 'yaml', 'examples/'],
    ['run'],
    ['run', '-f', 'examples/hostprocess-pod.yaml', '--mount-mode', 'overlay'],
    ['ps', '-o', 'yaml', '--data-dir', dataDir],
    ['ps', '-q', '-o', 'json', '--data-dir', dataDir],
    ['image', 'ls', '--bogus', '--data-dir', dataDir],
    ['image', 'import'],
    ['exec', 'some-container'],
    ['up', '--listen', 'nowhere'],
    ['agent', '--kubeconfig', '/nonexistent', '--kubelet-cert', '/nonexistent'],
    ['agent', '--kubeconfig', '/nonexistent', '--kubelet-address', 'not-an-ip'],
  ]) {
    test(`hostpod ${args.join(' ')} exits 2`, async () => {
      const result = await runHostpod(args);
      assert.equal(result.code, 2, result.stderr);
      assert.doesNotMatch(result.stderr, /internal error/);
    });
  }
});

describe('failures exit 1', () => {
  test('an image that is not in the store is a failure, reported in the error shape', async () => {
    const result = await runHostpod(['image', 'inspect', 'nosuch/image', '--data-dir', dataDir]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, ERROR_SHAPE);
  });

  test('lint findings are a failure', async () => {
    const invalid = join(scratch, 'invalid.yaml');
    writeFileSync(invalid, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n');
    assert.equal((await runHostpod(['lint', invalid])).code, 1);
  });
});

describe('run and exec pass their workload\'s exit code through; hostpod\'s own failures there exit 125', () => {
  test('run: a pod that Pod Security refuses', async () => {
    const result = await runHostpod(['run', '-f', 'examples/hostprocess-pod.yaml', '--pod-security', 'baseline', '--data-dir', dataDir]);
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, /violates PodSecurity "baseline:latest"/);
  });

  test('exec: a container that does not exist', async () => {
    const result = await runHostpod(['exec', '--data-dir', dataDir, 'nosuch', '--', 'true']);
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, ERROR_SHAPE);
  });

  test('run: a manifest that is not one Pod or DaemonSet is an input error, 2 as in every command', async () => {
    const two = join(scratch, 'two-pods.yaml');
    writeFileSync(two, 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n');
    const result = await runHostpod(['run', '-f', two, '--data-dir', dataDir]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /hostpod run takes exactly one Pod or DaemonSet, found Pod, Pod/);
  });
});

test('--version and --help exit 0', async () => {
  const version = await runHostpod(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.equal((await runHostpod(['lint', '--help'])).code, 0);
});
