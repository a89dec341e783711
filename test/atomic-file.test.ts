import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeFileAtomically } from '../src/atomic-file.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-atomic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('writeFileAtomically replaces a file whole, with the mode given, leaving no temporary file', () => {
  const file = join(dir, 'record.json');
  writeFileSync(file, 'old', { mode: 0o644 });
  writeFileAtomically(file, '{"new":true}\n');
  assert.equal(readFileSync(file, 'utf8'), '{"new":true}\n');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the new file has the given mode (0600 by default), not the old one\'s');
  writeFileAtomically(file, Buffer.from('bytes'), 0o644);
  assert.equal(readFileSync(file, 'utf8'), 'bytes');
  assert.equal(statSync(file).mode & 0o777, 0o644 & ~process.umask());
  assert.deepEqual(readdirSync(dir), ['record.json']);
});

test('a rename that fails (the target is a directory) removes the temporary file and keeps the directory', () => {
  const target = mkdtempSync(join(dir, 'is-a-dir-'));
  writeFileSync(join(target, 'inside'), 'kept');
  assert.throws(() => writeFileAtomically(target, 'x'), (error: NodeJS.ErrnoException) => ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(error.code ?? ''));
  assert.equal(readFileSync(join(target, 'inside'), 'utf8'), 'kept');
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
});
