import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isHostpodError } from '../../../src/errors.js';
import { isLocalOnly, parseReference } from '../../../src/runtime/image/reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('parseReference: docker normalization', () => {
  const cases: [string, { registry: string; repository: string; tag: string | undefined; digest?: string; canonical: string }][] = [
    ['busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', canonical: 'docker.io/library/busybox:latest' }],
    ['busybox:1.36', { registry: 'docker.io', repository: 'library/busybox', tag: '1.36', canonical: 'docker.io/library/busybox:1.36' }],
    ['library/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', canonical: 'docker.io/library/busybox:latest' }],
    ['docker.io/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', canonical: 'docker.io/library/busybox:latest' }],
    ['index.docker.io/user/app', { registry: 'docker.io', repository: 'user/app', tag: 'latest', canonical: 'docker.io/user/app:latest' }],
    ['user/app:v2', { registry: 'docker.io', repository: 'user/app', tag: 'v2', canonical: 'docker.io/user/app:v2' }],
    ['quay.io/org/team/app:v1.2-rc_3', { registry: 'quay.io', repository: 'org/team/app', tag: 'v1.2-rc_3', canonical: 'quay.io/org/team/app:v1.2-rc_3' }],
    ['localhost:5000/app', { registry: 'localhost:5000', repository: 'app', tag: 'latest', canonical: 'localhost:5000/app:latest' }],
    ['127.0.0.1:5000/a/b:t', { registry: '127.0.0.1:5000', repository: 'a/b', tag: 't', canonical: '127.0.0.1:5000/a/b:t' }],
    ['localhost/hostprocess-base', { registry: 'localhost', repository: 'hostprocess-base', tag: 'latest', canonical: 'localhost/hostprocess-base:latest' }],
    ['[::1]:5000/app:x', { registry: '[::1]:5000', repository: 'app', tag: 'x', canonical: '[::1]:5000/app:x' }],
    [`app@${DIGEST}`, { registry: 'docker.io', repository: 'library/app', tag: undefined, digest: DIGEST, canonical: `docker.io/library/app@${DIGEST}` }],
    [`reg.io/app:v1@${DIGEST}`, { registry: 'reg.io', repository: 'app', tag: 'v1', digest: DIGEST, canonical: `reg.io/app:v1@${DIGEST}` }],
    ['my-registry/app', { registry: 'docker.io', repository: 'my-registry/app', tag: 'latest', canonical: 'docker.io/my-registry/app:latest' }],
    ['a__b/c--d/e.f_g', { registry: 'docker.io', repository: 'a__b/c--d/e.f_g', tag: 'latest', canonical: 'docker.io/a__b/c--d/e.f_g:latest' }],
  ];
  for (const [input, want] of cases) {
    test(input, () => {
      const ref = parseReference(input);
      assert.equal(ref.registry, want.registry);
      assert.equal(ref.repository, want.repository);
      assert.equal(ref.tag, want.tag);
      assert.equal(ref.digest, want.digest);
      assert.equal(ref.canonical, want.canonical);
      assert.equal(parseReference(ref.canonical).canonical, ref.canonical, 'canonical form parses to itself');
    });
  }

  test('localhost/ marks local-only images; localhost:5000/ is a registry', () => {
    assert.equal(isLocalOnly(parseReference('localhost/x')), true);
    assert.equal(isLocalOnly(parseReference('localhost:5000/x')), false);
    assert.equal(isLocalOnly(parseReference('busybox')), false);
  });
});

describe('parseReference: malformed references get errors that say what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /repository name must have at least one component/],
    ['Busybox', /repository name \(library\/Busybox\) must be lowercase/],
    ['docker.io/Library/app', /repository name \(Library\/app\) must be lowercase/],
    ['a'.repeat(64).replace(/a/g, 'f'), /cannot specify 64-byte hexadecimal strings/],
    ['app:', /invalid reference format|invalid tag format/],
    ['app:-bad', /invalid tag format "-bad"/],
    [`app:${'t'.repeat(129)}`, /invalid tag format/],
    ['app@sha256:abc', /invalid digest format|digest length/],
    [`app@sha256:${'A'.repeat(64)}`, /invalid checksum digest format/],
    [`app@md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
    [`app@sha256:${'a'.repeat(63)}`, /invalid checksum digest length/],
    ['reg.io//app', /empty path component/],
    ['app/', /empty path component/],
    ['a..b/app', /invalid registry host "a..b"/],
    ['bad_host.io:port/app', /invalid registry host "bad_host.io:port"/],
    ['app with space', /white space/],
    ['-app', /may hold only lowercase letters/],
    [`${'a'.repeat(250)}/bbbbbb`, /must not be more than 255 characters/],
  ];
  for (const [input, pattern] of cases) {
    test(JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}...` : input), () => {
      assert.throws(
        () => parseReference(input),
        (error: unknown) => {
          assert.ok(isHostpodError(error, 'ERR_HOSTPOD_IMAGE_REFERENCE'), String(error));
          assert.match(error.message, new RegExp(`^invalid image reference "`));
          assert.match(error.message, pattern);
          assert.ok(error.hint, 'a hint says how to write it');
          return true;
        },
      );
    });
  }
});
