import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { containerLogPath, followLog, parseLogLine, podLogDir, readLog, type LogEntry } from '../../src/runtime/logs.js';

test('a CRI log line parses into time, stream, tag and text (spaces kept)', () => {
  assert.deepEqual(parseLogLine('2026-01-02T03:04:05.123456789Z stderr P  two  spaces '), { time: '2026-01-02T03:04:05.123456789Z', stream: 'stderr', full: false, text: ' two  spaces ' });
  assert.equal(parseLogLine('garbage'), undefined);
});

test("a pod's log directory keeps the kubelet's layout when it fits, and hashes the pod's name when it does not", () => {
  const uid = '0f0e0d0c-0b0a-0908-0706-050403020100';
  assert.equal(podLogDir('/logs', { namespace: 'default', name: 'web', uid }), `/logs/default_web_${uid}`);
  const namespace = `n${'s'.repeat(61)}n`;
  const long = (tag: string): string => `${tag}${'p'.repeat(253 - tag.length)}`;
  const dir = podLogDir('/logs', { namespace, name: long('a'), uid });
  const base = dir.slice('/logs/'.length);
  assert.ok(Buffer.byteLength(base) <= 255, `${base.length} bytes`);
  assert.match(base, new RegExp(`^${namespace}_ap+-[0-9a-f]{16}_${uid}$`));
  assert.equal(podLogDir('/logs', { namespace, name: long('a'), uid }), dir, 'the same pod gets the same directory');
  assert.notEqual(podLogDir('/logs', { namespace, name: long('b'), uid }), dir);
  assert.equal(containerLogPath('/logs', { namespace, name: long('a'), uid }, 'app', 2), `${dir}/app/2.log`);
  // Even a uid too long to leave room: one hashed name.
  assert.match(podLogDir('/logs', { namespace, name: long('a'), uid: 'u'.repeat(200) }), /^\/logs\/[0-9a-f]{16}$/);
});

test('readLog reads rotated files oldest first, then the live one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-logs-'));
  try {
    const path = join(dir, '0.log');
    writeFileSync(`${path}.2`, 'T stdout F one\n');
    writeFileSync(`${path}.1`, 'T stdout F two\n');
    writeFileSync(path, 'T stdout F three\n');
    assert.deepEqual(readLog(path).map((e) => e.text), ['one', 'two', 'three']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('followLog survives a rotation and a multi-byte character cut between writes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-logs-'));
  try {
    const path = join(dir, '0.log');
    writeFileSync(path, 'T stdout F a\n');
    const seen: LogEntry[] = [];
    let done = false;
    const following = followLog(path, (e) => seen.push(e), () => done, { intervalMs: 10 });
    await new Promise((r) => setTimeout(r, 40));
    const euro = Buffer.from('T stdout F €\n');
    appendFileSync(path, euro.subarray(0, 12));
    await new Promise((r) => setTimeout(r, 40));
    appendFileSync(path, euro.subarray(12));
    appendFileSync(path, 'T stdout F b\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'T stdout F c\n');
    await new Promise((r) => setTimeout(r, 40));
    done = true;
    await following;
    assert.deepEqual(seen.map((e) => e.text), ['a', '€', 'b', 'c']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
