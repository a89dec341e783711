/**
 * `hostpod webhook` as a user starts it (the built bin/hostpod.js): a bad configuration file or
 * certificate is refused at start naming the file and field, and SIGTERM stops it cleanly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCa, issueCertificate } from '../../src/pki.js';
import { HOSTPOD_BIN, runHostpod } from '../support/hostpod-cli.js';

describe('hostpod webhook command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-webhook-cli-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  before(async () => {
    const pair = await issueCertificate(await createCa(), { commonName: 'webhook', usage: 'server', hosts: ['127.0.0.1'] });
    writeFileSync(cert, pair.cert);
    writeFileSync(key, pair.key);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('hostpod webhook refuses a configuration field it does not know, naming the file and the field', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'validate:\n  noResourceLimits: block\n');
    const result = await runHostpod(['webhook', '--cert', cert, '--key', key, '--config', config, '--address', '127.0.0.1', '--port', '0']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^error: ${config.replace(/[.]/g, '\\.')}: validate\\.noResourceLimits is "block"; expected deny, warn or off\\n  hint: `));
  });

  test('hostpod webhook refuses a missing certificate, naming it', async () => {
    const result = await runHostpod(['webhook', '--cert', join(dir, 'none.crt'), '--key', key, '--port', '0']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /error: cannot serve TLS with --cert .*none\.crt and --key .*tls\.key: ENOENT/);
  });

  test('hostpod webhook without --cert is a usage error', async () => {
    const result = await runHostpod(['webhook', '--key', key]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /required option '--cert <file>' not specified/);
  });

  test('hostpod webhook logs where it serves and stops on SIGTERM with exit code 0', async () => {
    const child = spawn(process.execPath, [HOSTPOD_BIN, 'webhook', '--cert', cert, '--key', key, '--address', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const serving = new Promise<void>((resolve) => child.stderr.on('data', (c: string) => {
      stderr += c;
      if (stderr.includes('"msg":"webhook serving"')) resolve();
    }));
    await serving;
    assert.match(stderr, /"port":\d+/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM: stopping the webhook/);
  });
});
