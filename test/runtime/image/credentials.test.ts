import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isHostpodError } from '../../../src/errors.js';
import { CredentialStore, defaultAuthFile } from '../../../src/runtime/image/registry/credentials.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-creds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function authFile(content: unknown): string {
  const file = join(dir, `config-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('registry credentials from config.json', () => {
  test('auths entries by host, by URL, base64 auth or separate fields, Docker Hub under its v1 address', () => {
    const store = new CredentialStore(
      authFile({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw:with:colons').toString('base64') },
          'registry.lan:5000': { username: 'u', password: 'p' },
          'https://ghcr.io/v2/': { auth: Buffer.from('gh:token').toString('base64') },
          'quay.io': { identitytoken: 'refresh-me' },
        },
      }),
    );
    assert.deepEqual(store.lookup('docker.io'), { username: 'hub', password: 'pw:with:colons' });
    assert.deepEqual(store.lookup('registry.lan:5000'), { username: 'u', password: 'p' });
    assert.deepEqual(store.lookup('ghcr.io'), { username: 'gh', password: 'token' });
    assert.deepEqual(store.lookup('quay.io'), { identityToken: 'refresh-me' });
    assert.equal(store.lookup('elsewhere.io'), undefined);
  });

  test('a missing file means anonymous access; a broken one is an error naming it', () => {
    assert.equal(new CredentialStore(join(dir, 'missing.json')).lookup('docker.io'), undefined);
    const broken = authFile('{ not json');
    assert.throws(() => new CredentialStore(broken), (e: unknown) => isHostpodError(e, 'ERR_HOSTPOD_AUTHFILE') && e.message.includes(broken));
    assert.throws(() => new CredentialStore(authFile({ auths: { 'r.io': { auth: Buffer.from('nocolon').toString('base64') } } })).lookup('r.io'), /auths\["r\.io"\]\.auth is not base64 of "user:password"/);
  });

  test('credential helpers are asked as docker asks them, Docker Hub by its v1 address', () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const helper = join(bin, 'docker-credential-fake');
    // Answers only for the server names docker itself would ask about.
    writeFileSync(
      helper,
      `#!/bin/sh\nread server\ncase "$server" in\n  https://index.docker.io/v1/) echo '{"Username":"hubuser","Secret":"hubsecret"}' ;;\n  registry.lan) echo '{"Username":"<token>","Secret":"refresh"}' ;;\n  *) echo "credentials not found in native keychain" >&2; exit 1 ;;\nesac\n`,
    );
    chmodSync(helper, 0o755);
    const previous = process.env.PATH;
    process.env.PATH = `${bin}:${previous ?? ''}`;
    try {
      const store = new CredentialStore(authFile({ credsStore: 'fake' }));
      assert.deepEqual(store.lookup('docker.io'), { username: 'hubuser', password: 'hubsecret' });
      assert.deepEqual(store.lookup('registry.lan'), { identityToken: 'refresh' });
      assert.equal(store.lookup('other.io'), undefined);
      const perRegistry = new CredentialStore(authFile({ credHelpers: { 'index.docker.io': 'fake' } }));
      assert.deepEqual(perRegistry.lookup('docker.io'), { username: 'hubuser', password: 'hubsecret' });
      assert.throws(() => new CredentialStore(authFile({ credsStore: 'absent' })).lookup('x.io'), /docker-credential-absent could not run/);
    } finally {
      process.env.PATH = previous;
    }
  });

  test('the file is found as docker and podman find it', () => {
    assert.equal(defaultAuthFile({ REGISTRY_AUTH_FILE: '/a/auth.json', DOCKER_CONFIG: '/d' }), '/a/auth.json');
    assert.equal(defaultAuthFile({ DOCKER_CONFIG: '/d' }), '/d/config.json');
    assert.match(defaultAuthFile({}), /\/\.docker\/config\.json$/);
  });
});
