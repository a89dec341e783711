/**
 * hostpod image build: the Containerfile subset (what it reads, what it refuses and how it says
 * so) and reproducible layers (the same inputs give the same digests; SOURCE_DATE_EPOCH and the
 * inputs change them); the Windows layer layout.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { isHostpodError } from '../../../src/errors.js';
import { buildImage } from '../../../src/runtime/image/build/build.js';
import { parseContainerfile } from '../../../src/runtime/image/build/containerfile.js';
import { WINDOWS_USERS_SD } from '../../../src/runtime/image/build/layer.js';
import { ImageStore } from '../../../src/runtime/image/store.js';

const scratch = mkdtempSync(join(tmpdir(), 'hostpod-build-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('Containerfile parser', () => {
  test('reads every supported instruction, with continuations, comments, quotes and variables', () => {
    const parsed = parseContainerfile(
      ['# syntax comment', 'ARG BASE=scratch', 'FROM --platform=linux/arm64 ${BASE}', 'ARG V=1', 'ENV A=$V B="two words" \\', '    C=${MISSING:-dflt}', 'LABEL x=y', 'WORKDIR /app', 'COPY --chown=10:20 a b /dst/', 'ADD x.tgz /opt', 'USER 1000', 'ENTRYPOINT ["/bin/tool", "--flag"]', 'CMD run it'].join('\n'),
      'Containerfile',
      { V: '2' },
    );
    assert.deepEqual(parsed.from, { kind: 'from', line: 3, image: 'scratch', platform: 'linux/arm64' });
    assert.deepEqual(
      parsed.instructions.map((i) => i.kind),
      ['env', 'label', 'workdir', 'copy', 'copy', 'user', 'entrypoint', 'cmd'],
    );
    assert.deepEqual(parsed.instructions[0], { kind: 'env', line: 5, pairs: [['A', '2'], ['B', 'two words'], ['C', 'dflt']] });
    assert.deepEqual(parsed.instructions[3], { kind: 'copy', line: 9, add: false, sources: ['a', 'b'], dest: '/dst/', chown: { uid: 10, gid: 20 } });
    assert.deepEqual(parsed.instructions[6], { kind: 'entrypoint', line: 12, argv: ['/bin/tool', '--flag'], shell: false });
    assert.deepEqual(parsed.instructions[7], { kind: 'cmd', line: 13, argv: ['run it'], shell: true });
    assert.deepEqual(parsed.unusedBuildArgs, []);
  });

  test('an ARG before FROM is seen after it only when declared again', () => {
    const parsed = parseContainerfile('ARG X=1\nFROM scratch\nENV A=$X\nARG X\nENV B=$X\n', 'Containerfile');
    assert.deepEqual(parsed.instructions, [
      { kind: 'env', line: 3, pairs: [['A', '']] },
      { kind: 'env', line: 5, pairs: [['B', '1']] },
    ]);
  });

  const refused: [string, RegExp][] = [
    ['FROM scratch\nRUN echo hi\n', /Containerfile:2: RUN is not supported[\s\S]*nothing runs at build time/],
    ['FROM scratch\nSHELL ["pwsh"]\n', /Containerfile:2: SHELL is not supported/],
    ['COPY a /b\n', /Containerfile:1: COPY comes before FROM[\s\S]*start the Containerfile with FROM/],
    ['FROM scratch AS one\n', /Containerfile:1: FROM needs one image/],
    ['FROM scratch\nFROM scratch\n', /Containerfile:2: a second FROM/],
    ['FROM scratch\nCOPY --from=x a b\n', /Containerfile:2: COPY flag --from is not supported/],
    ['FROM scratch\nADD https://example.com/x /x\n', /Containerfile:2: ADD https:\/\/example.com\/x: remote sources are not supported/],
    ['FROM scratch\nCMD ["a", 1]\n', /Containerfile:2: CMD's exec form must hold only strings/],
    ['FROM scratch\nFROBNICATE x\n', /Containerfile:2: unknown instruction FROBNICATE/],
    ['# nothing\n', /there is no FROM/],
  ];
  for (const [text, expected] of refused) {
    test(`refuses ${JSON.stringify(text.split('\n').at(-2))} naming the line and the fix`, () => {
      assert.throws(
        () => parseContainerfile(text, 'Containerfile'),
        (e: unknown) => {
          assert.ok(isHostpodError(e, 'ERR_HOSTPOD_CONTAINERFILE'), String(e));
          assert.match(`${e.message}\n${e.hint ?? ''}`, expected);
          return true;
        },
      );
    });
  }

  test('a --build-arg no ARG declares is reported as unused', () => {
    assert.deepEqual(parseContainerfile('FROM scratch\n', 'Containerfile', { NOPE: '1' }).unusedBuildArgs, ['NOPE']);
  });
});

function context(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'hello.txt'), 'hello\n');
  writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\necho tool\n');
  chmodSync(join(dir, 'bin', 'tool'), 0o775);
  symlinkSync('tool', join(dir, 'bin', 'link'));
  writeFileSync(join(dir, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /app/\nCOPY bin /app/bin\nENV A=1\nCMD ["/app/bin/tool"]\n');
  return dir;
}

async function build(dir: string, epoch: number, platform = { os: 'linux', architecture: 'amd64' }, osVersion?: string) {
  const store = new ImageStore(mkdtempSync(join(scratch, 'data-')));
  const lease = store.beginLease('test');
  const result = await buildImage(store, { context: dir, file: join(dir, 'Containerfile'), epoch, platforms: [platform], ...(osVersion ? { osVersion } : {}) }, lease);
  return { store, result };
}

async function entries(store: ImageStore, digest: string): Promise<tar.Header[]> {
  const extract = tar.extract();
  const out: tar.Header[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      out.push(entry.header);
      entry.resume();
    }
  })();
  extract.end(gunzipSync(readFileSync(store.content.path(digest))));
  await done;
  return out;
}

describe('reproducible builds', () => {
  test('the same inputs give the same digest twice, whatever the files\' times and modes beyond x', async () => {
    const a = context('repro-a');
    const first = await build(a, 0);
    utimesSync(join(a, 'hello.txt'), new Date(), new Date());
    chmodSync(join(a, 'hello.txt'), 0o600);
    const second = await build(a, 0);
    assert.equal(second.result.target.digest, first.result.target.digest);
    const b = context('repro-b');
    assert.equal((await build(b, 0)).result.target.digest, first.result.target.digest, 'another directory with the same files');
  });

  test('SOURCE_DATE_EPOCH and the content change the digest; entries are sorted, owned by 0:0, with the epoch as mtime', async () => {
    const dir = context('repro-c');
    const at0 = await build(dir, 0);
    const at1 = await build(dir, 1700000000);
    assert.notEqual(at1.result.target.digest, at0.result.target.digest);
    const layer = at1.result.images[0]?.manifest.layers[1]?.digest as string;
    const headers = await entries(at1.store, layer);
    assert.deepEqual(
      headers.map((h) => [h.name, h.type, (h.mode ?? 0).toString(8), h.uid, h.gid, h.mtime?.getTime()]),
      [
        ['app', 'directory', '755', 0, 0, 1700000000000],
        ['app/bin', 'directory', '755', 0, 0, 1700000000000],
        ['app/bin/link', 'symlink', '777', 0, 0, 1700000000000],
        ['app/bin/tool', 'file', '755', 0, 0, 1700000000000],
      ],
    );
    const config = at1.result.images[0]?.config;
    assert.equal(config?.created, '2023-11-14T22:13:20Z');
    assert.deepEqual(config?.config?.Cmd, ['/app/bin/tool']);
    writeFileSync(join(dir, 'hello.txt'), 'changed\n');
    assert.notEqual((await build(dir, 0)).result.target.digest, at0.result.target.digest);
  });

  test('a windows/amd64 layer holds Files/ and Hives/, each entry with the BUILTIN\\Users security descriptor; the config has os.version', async () => {
    const dir = context('windows');
    const { store, result } = await build(dir, 0, { os: 'windows', architecture: 'amd64' }, '10.0.17763.1');
    const image = result.images[0];
    assert.equal(image?.config.os, 'windows');
    assert.equal((image?.config as { 'os.version'?: string })['os.version'], '10.0.17763.1');
    assert.deepEqual(image?.platform, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' });
    const headers = await entries(store, image?.manifest.layers[0]?.digest as string);
    assert.deepEqual(
      headers.map((h) => h.name),
      ['Files', 'Hives', 'Files/app', 'Files/app/hello.txt'],
    );
    for (const h of headers) assert.equal((h.pax as Record<string, string> | undefined)?.['MSWINDOWS.rawsd'], WINDOWS_USERS_SD, h.name);
  });

  test('a windows image FROM scratch without --os-version has none, and a warning says to build FROM Microsoft\'s base image to run it on Windows', async () => {
    const { result } = await build(context('windows-noversion'), 0, { os: 'windows', architecture: 'amd64' });
    assert.equal((result.images[0]?.config as { 'os.version'?: string })['os.version'], undefined);
    assert.deepEqual(result.images[0]?.platform, { os: 'windows', architecture: 'amd64' });
    assert.match(result.warnings.join('\n'), /FROM scratch has no base layer[\s\S]*windows-host-process-containers-base-image:v1\.0\.0/);
  });
});
