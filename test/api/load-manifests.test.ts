import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadManifests } from '../../src/api/load-manifests.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-load-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n';

describe('manifest loading', () => {
  test('reads every document of a multi-document YAML file with its index and line', async () => {
    const path = await file('multi.yaml', `# leading comment\n${POD}---\n---\n# only a comment\n---\n${POD.replace('name: p', 'name: q')}`);
    const { objects, problems } = await loadManifests([path]);
    assert.deepEqual(problems, []);
    assert.deepEqual(objects.map((o) => [o.index, o.line, (o.object['metadata'] as { name: string }).name]), [[0, 2, 'p'], [1, 14, 'q']]);
  });

  test('reads JSON and expands kind: List', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' } }] };
    const path = await file('list.json', JSON.stringify(list, null, 2));
    const { objects, problems } = await loadManifests([path]);
    assert.deepEqual(problems, []);
    assert.deepEqual(objects.map((o) => [o.index, o.item, (o.object['metadata'] as { name: string }).name]), [[0, 0, 'a'], [0, 1, 'b']]);
  });

  test('reads the manifest files of a directory in name order, recursing only with -R', async () => {
    const sub = join(dir, 'tree');
    await mkdir(join(sub, 'nested'), { recursive: true });
    await writeFile(join(sub, 'b.yml'), POD.replace('name: p', 'name: b'));
    await writeFile(join(sub, 'a.yaml'), POD.replace('name: p', 'name: a'));
    await writeFile(join(sub, 'notes.txt'), 'not a manifest');
    await writeFile(join(sub, 'nested', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c' } }));
    const names = async (recursive: boolean): Promise<string[]> =>
      (await loadManifests([sub], { recursive })).objects.map((o) => (o.object['metadata'] as { name: string }).name);
    assert.deepEqual(await names(false), ['a', 'b']);
    assert.deepEqual(await names(true), ['a', 'b', 'c']);
  });

  test('reads standard input for -', async () => {
    const { objects } = await loadManifests(['-'], { stdin: Readable.from([Buffer.from(POD)]) });
    assert.equal(objects.length, 1);
    assert.equal(objects[0]?.file, '-');
  });

  test('a parse error names the file, line and column, and the other documents still load', async () => {
    const path = await file('broken.yaml', `${POD}---\napiVersion: v1\nkind: Pod\nmetadata: {name: [x\n---\n${POD}`);
    const { objects, problems } = await loadManifests([path]);
    assert.equal(objects.length, 2);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.file, path);
    assert.equal(problems[0]?.index, 1);
    assert.equal(problems[0]?.line, 12);
    assert.ok((problems[0]?.column ?? 0) > 1);
  });

  test('a duplicate key is an error at its line', async () => {
    const path = await file('dup.yaml', 'apiVersion: v1\nkind: Pod\nkind: Pod\n');
    const { problems } = await loadManifests([path]);
    assert.deepEqual(problems.map((p) => [p.line, p.column, p.message]), [[3, 1, 'Map keys must be unique: "kind" is repeated']]);
  });

  test('scalars resolve as in Kubernetes: yes is true, dates and 1:20 stay strings', async () => {
    const path = await file('scalars.yaml', 'a: yes\nb: 2001-12-14\nc: 1:20\nd: "yes"\n');
    const { objects } = await loadManifests([path]);
    assert.deepEqual(objects[0]?.object, { a: true, b: '2001-12-14', c: '1:20', d: 'yes' });
  });

  test('a missing file, a binary file and invalid UTF-8 are reported, not thrown', async () => {
    const binary = await file('image.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    const latin1 = await file('latin1.yaml', Buffer.from('name: caf\xe9\n', 'latin1'));
    const { objects, problems } = await loadManifests([join(dir, 'nope.yaml'), binary, latin1]);
    assert.equal(objects.length, 0);
    assert.deepEqual(problems.map((p) => p.message), [
      `cannot read ${join(dir, 'nope.yaml')}: no such file or directory`,
      `${binary} is not a YAML or JSON manifest: it contains binary data (a NUL byte at offset 4)`,
      `${latin1} is not a YAML or JSON manifest: it contains bytes that are not valid UTF-8`,
    ]);
  });

  test('an empty file holds no objects and no problems', async () => {
    const { objects, problems } = await loadManifests([await file('empty.yaml', ''), await file('blank.yaml', '\n# nothing\n')]);
    assert.deepEqual([objects, problems], [[], []]);
  });

  test('Windows line endings read like Unix ones', async () => {
    const lf = await loadManifests([await file('lf.yaml', `${POD}---\n${POD}`)]);
    const crlf = await loadManifests([await file('crlf.yaml', `${POD}---\n${POD}`.replace(/\n/g, '\r\n'))]);
    assert.deepEqual(crlf, { ...lf, objects: lf.objects.map((o) => ({ ...o, file: join(dir, 'crlf.yaml') })) });
  });

  test('concatenated JSON objects are read one by one, as kubectl reads them', async () => {
    const a = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } });
    const { objects, problems } = await loadManifests([await file('stream.json', `${a}\n${a.replace('"a"', '"b"')}{"kind": "x}{"}`)]);
    assert.deepEqual(problems, []);
    assert.deepEqual(objects.map((o) => [o.index, (o.object['metadata'] as { name?: string } | undefined)?.name ?? o.object['kind']]), [[0, 'a'], [1, 'b'], [2, 'x}{']]);
  });

  test('lists inside lists are flattened', async () => {
    const inner = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' } }] };
    const { objects } = await loadManifests([await file('nested.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }, inner] }))]);
    assert.deepEqual(objects.map((o) => [o.item, (o.object['metadata'] as { name: string }).name]), [[0, 'a'], [1, 'b']]);
  });

  test('odd YAML: __proto__ keys stay plain keys, !!binary decodes to text, complex keys do not warn', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.message); };
    process.on('warning', onWarning);
    const { objects } = await loadManifests([await file('odd.yaml', 'a:\n  __proto__: 1\nb: !!binary aGVsbG8=\n? [x, y]\n: z\n')]);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    const object = objects[0]?.object ?? {};
    assert.deepEqual(Object.keys(object['a'] as object), ['__proto__']);
    assert.equal(object['b'], 'hello');
    assert.deepEqual(warnings, []);
  });

  test('symlinked files in a directory are read', async () => {
    const linked = join(dir, 'linked');
    await mkdir(linked);
    await writeFile(join(dir, 'target.yaml'), POD);
    await symlink(join(dir, 'target.yaml'), join(linked, 'pod.yaml'));
    const { objects } = await loadManifests([linked]);
    assert.equal(objects.length, 1);
  });

  test('a named pipe is read to its end, not by its size', async () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat > '${fifo}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
    writer.stdin.end(POD);
    const { objects, problems } = await loadManifests([fifo]);
    assert.deepEqual([objects.length, problems], [1, []]);
  });

  test('a document that is not a mapping is a problem', async () => {
    const { problems } = await loadManifests([await file('scalar.yaml', '- a\n- b\n')]);
    assert.deepEqual(problems.map((p) => p.message), ['document is a list, not a Kubernetes object']);
  });
});

describe('manifest loading on hostile input', () => {
  test('an alias bomb ("billion laughs") is refused before it is expanded', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const path = await file('bomb.yaml', `${lines.join('\n')}\n`);
    const { objects, problems } = await loadManifests([path]);
    assert.equal(objects.length, 0);
    assert.deepEqual(problems.map((p) => p.message), ['Excessive alias count indicates a resource exhaustion attack']);
  });

  test('a 10 MB document is refused before parsing, and the rest of the file still loads', async () => {
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: "${'x'.repeat(10 * 1024 * 1024)}"\n`;
    const path = await file('big.yaml', `${big}---\n${POD}`);
    const { objects, problems } = await loadManifests([path]);
    assert.equal(objects.length, 1);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.index, 0);
    assert.match(problems[0]?.message ?? '', /^document is 10\.0 MiB, more than the 3\.0 MiB the API server accepts for one object$/);
  });

  test('deep nesting is an error, not a crash', async () => {
    const path = await file('deep.yaml', `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const { objects, problems } = await loadManifests([path]);
    assert.equal(objects.length, 0);
    assert.deepEqual(problems.map((p) => p.message), ['document is nested too deeply']);
  });

  test('a map of many keys parses in linear time', { timeout: 60_000 }, async () => {
    // The YAML library's own duplicate-key check is quadratic: this took minutes with it.
    const keys = Array.from({ length: 150_000 }, (_, i) => `  k${i}: v`).join('\n');
    const { objects, problems } = await loadManifests([await file('keys.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n${keys}\n  k7: again\n`)]);
    assert.equal(objects.length, 0);
    assert.deepEqual(problems.map((p) => [p.line, p.message]), [[150_005, 'Map keys must be unique: "k7" is repeated']]);
  });

  test('standard input is capped instead of buffered without bound', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    function* endless(): Generator<Buffer> {
      for (let i = 0; i < 200; i++) yield chunk;
    }
    const { problems } = await loadManifests(['-'], { stdin: Readable.from(endless()) });
    assert.match(problems[0]?.message ?? '', /more than the 64\.0 MiB hostpod reads from one source/);
  });
});
