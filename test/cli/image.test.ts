import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const BIN = join(import.meta.dirname, '../../bin/hostpod.js');
const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(join(tmpdir(), 'hostpod-cli-image-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function hostpod(args: string[], options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...options.env }, ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }) });
}

describe('hostpod image: command line', () => {
  test('a data directory the user cannot write is a clear error, not a crash', { skip: isRoot ? false : 'needs root to run the command as another user' }, () => {
    const dir = mkdtempSync(join(scratch, 'ro-'));
    chmodSync(scratch, 0o755);
    chmodSync(dir, 0o555);
    const result = hostpod(['image', 'ls', '--data-dir', join(dir, 'data')], { uid: 65534 });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^error: EACCES: permission denied, mkdir '.*\/data\/images/);
    assert.match(result.stderr, /hint: run as root, or pass --data-dir/);
    assert.doesNotMatch(result.stderr, /internal error/);
  });

  test('HOSTPOD_DATA_DIR and the config file choose the data directory; a bad config names the field', () => {
    const viaEnv = mkdtempSync(join(scratch, 'env-'));
    const ls = hostpod(['image', 'ls', '-o', 'json'], { env: { HOSTPOD_DATA_DIR: viaEnv, HOSTPOD_CONFIG: '' } });
    assert.equal(ls.status, 0, ls.stderr);
    assert.equal((JSON.parse(ls.stdout) as { name: string }[])[0]?.name, 'localhost/hostprocess-base:latest');
    const config = join(scratch, 'config.yaml');
    const viaConfig = join(scratch, 'from-config');
    writeFileSync(config, `dataDir: ${viaConfig}\nregistries:\n  insecure: ["registry.lan:5000"]\n`);
    assert.equal(hostpod(['image', 'ls', '-q', '--config', config]).status, 0);
    assert.equal(hostpod(['image', 'inspect', 'localhost/hostprocess-base', '--data-dir', viaConfig]).status, 0);
    writeFileSync(config, 'registries:\n  insecure: "registry.lan:5000"\n');
    const bad = hostpod(['image', 'ls', '--config', config, '--data-dir', viaEnv]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /config file .*config\.yaml: registries\.insecure is not a list of registry hosts/);
  });

  test('malformed references and unknown images fail with exit code 1 and a hint', () => {
    const dataDir = mkdtempSync(join(scratch, 'refs-'));
    const bad = hostpod(['image', 'pull', '--data-dir', dataDir, 'Docker.io/Library/App']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^error: invalid image reference "Docker.io\/Library\/App": repository name \(Library\/App\) must be lowercase\n {2}hint: /);
    const rm = hostpod(['image', 'rm', '--data-dir', dataDir, 'nothing:here']);
    assert.equal(rm.status, 1);
    assert.match(rm.stderr, /image "nothing:here" is not in the store/);
  });
});
