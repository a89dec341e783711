/**
 * Image throughput against real peers on this machine:
 *
 * 1. unpack: the same gzip layer (many small files and a few large ones, well over 100 MB) is
 *    unpacked by `tar -xzf` (the floor) and by hostpod's store (gunzip, tar parsing, the safety
 *    checks, the diff ID check, and the snapshot);
 * 2. pull: the image is pushed to Debian's docker-registry on 127.0.0.1 and fetched by
 *    `skopeo copy docker://... dir:` (the peer: download and verify) and by hostpod's pull, whose
 *    download-and-verify phase is the like-for-like figure; the whole pull, unpack included, is
 *    printed too.
 *
 * Each figure is the best of RUNS runs (default 3), the two sides taking turns. Run:
 * `npm run bench:image` (as root, for ownership handling like tar's; needs docker-registry and skopeo).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { pullImage } from '../src/runtime/image/pull.js';
import { ImageStore } from '../src/runtime/image/store.js';
import { sha256 } from '../src/runtime/image/digest.js';
import { MediaType } from '../src/runtime/image/oci.js';
import { hostPlatform } from '../src/runtime/image/platform.js';
import { push, startRegistry } from '../test/support/registry.js';

const RUNS = Number(process.env.RUNS ?? 3);
const SMALL_FILES = 24_000;
const LARGE_FILES = 4;
const LARGE_SIZE = 12 << 20;
const TARGET = 0.8;

// On tmpfs by default: on this kind of machine the disk's latency swings by a factor of five from
// one run to the next (file creation waits on the journal), which would drown the figures.
// BENCH_DIR picks another file system; both sides always unpack into the same one.
const base = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const work = mkdtempSync(join(base, 'hostpod-bench-image-'));

/** Deterministic, moderately compressible bytes (text-like), so gzip has real work to do. */
function filler(size: number, seed: number): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'kube', 'pod', 'host', 'process', 'image', 'layer', 'node', 'sandbox'];
  const parts: string[] = [];
  let x = seed >>> 0 || 1;
  let length = 0;
  while (length < size) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const word = `${words[x % words.length] ?? 'x'}${x % 1000} `;
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join('').slice(0, size));
}

/** Random bytes (incompressible), like binaries and already-compressed assets. */
function randomish(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
}

async function buildLayer(): Promise<{ tarPath: string; gzPath: string; tarBytes: number; files: number }> {
  const pack = tar.pack();
  const tarPath = join(work, 'layer.tar');
  const gzPath = join(work, 'layer.tar.gz');
  const writing = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    writeFileSync(tarPath, Buffer.concat(chunks));
  })();
  const add = (header: tar.Header | { name: string; type?: 'directory'; mode?: number }, body?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => pack.entry(header, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
  let files = 0;
  for (let d = 0; d < 200; d++) {
    await add({ name: `usr/share/pkg${d}/`, type: 'directory', mode: 0o755 });
    for (let f = 0; f < SMALL_FILES / 200; f++) {
      const n = d * 1000 + f;
      await add({ name: `usr/share/pkg${d}/file${f}.txt`, mode: 0o644 }, filler(512 + ((n * 7919) % 7680), n + 1));
      files++;
    }
  }
  for (let i = 0; i < LARGE_FILES; i++) {
    await add({ name: `opt/big/blob${i}.bin`, mode: 0o755 }, randomish(LARGE_SIZE, i + 99));
    files++;
  }
  pack.finalize();
  await writing;
  await pipeline(createReadStream(tarPath), createGzip({ level: 6 }), (await import('node:fs')).createWriteStream(gzPath));
  return { tarPath, gzPath, tarBytes: statSync(tarPath).size, files };
}

/**
 * Flushes what earlier runs wrote, so that no run pays for another's writeback. Trees are only
 * deleted at the end, for the same reason (deleting 24,000 files keeps a disk busy).
 */
function settle(): void {
  execFileSync('sync');
}

function best(times: number[]): number {
  return Math.min(...times);
}

async function timeIt(fn: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function row(name: string, seconds: number, bytes: number, floor?: number): string {
  const mbps = bytes / seconds / 1e6;
  const ratio = floor === undefined ? '' : (floor / seconds).toFixed(2);
  return `| ${name.padEnd(52)} | ${seconds.toFixed(2).padStart(7)} s | ${mbps.toFixed(0).padStart(5)} MB/s | ${ratio.padStart(5)} |`;
}

async function main(): Promise<void> {
  console.log(`building the layer (${SMALL_FILES} small files, ${LARGE_FILES} x ${LARGE_SIZE >> 20} MiB) ...`);
  const layer = await buildLayer();
  const gzBytes = statSync(layer.gzPath).size;
  console.log(`working in ${base}`);
  console.log(`layer: ${layer.files} files, ${(layer.tarBytes / 1e6).toFixed(0)} MB uncompressed, ${(gzBytes / 1e6).toFixed(0)} MB gzip\n`);

  // 1. Unpack.
  const tarTimes: number[] = [];
  const ourTimes: number[] = [];
  const diffId = sha256(await import('node:fs').then((fs) => fs.readFileSync(layer.tarPath)));
  for (let run = 0; run < RUNS; run++) {
    const dest = join(work, `tar-${run}`);
    mkdirSync(dest);
    settle();
    tarTimes.push(await timeIt(() => void execFileSync('tar', ['-xzf', layer.gzPath, '-C', dest])));

    const store = new ImageStore(join(work, `store-${run}`));
    const digest = await store.content.writeStream(createReadStream(layer.gzPath), undefined, 'bench layer');
    settle();
    ourTimes.push(await timeIt(() => store.unpack([{ digest: digest.digest, size: digest.size, mediaType: MediaType.ociLayerGzip, diffId }], 'bench').then(() => undefined)));
  }

  // 2. Pull.
  const registry = await startRegistry();
  const pullRows: string[] = [];
  try {
    const layoutDir = join(work, 'layout');
    mkdirSync(join(layoutDir, 'blobs/sha256'), { recursive: true });
    const gz = await import('node:fs').then((fs) => fs.readFileSync(layer.gzPath));
    const layerDigest = sha256(gz);
    const config = Buffer.from(JSON.stringify({ architecture: hostPlatform().architecture, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length }, layers: [{ mediaType: MediaType.ociLayerGzip, digest: layerDigest, size: gz.length }] }));
    for (const blob of [gz, config, manifest]) writeFileSync(join(layoutDir, 'blobs/sha256', sha256(blob).slice(7)), blob);
    writeFileSync(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(join(layoutDir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaType.ociManifest, digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
    await push(registry, `oci:${layoutDir}:v1`, 'bench:v1');

    const skopeoTimes: number[] = [];
    const fetchTimes: number[] = [];
    const fullTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const dir = join(work, `skopeo-${run}`);
      settle();
      skopeoTimes.push(
        await timeIt(() => {
          const r = spawnSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${registry.host}/bench:v1`, `dir:${dir}`], { encoding: 'utf8' });
          if (r.status !== 0) throw new Error(r.stderr);
        }),
      );

      const store = new ImageStore(join(work, `pull-${run}`));
      settle();
      const start = process.hrtime.bigint();
      let fetched = 0;
      fullTimes.push(await timeIt(() => pullImage(store, `${registry.host}/bench:v1`, { plainHttp: true, progress: { layerDone: () => (fetched = Number(process.hrtime.bigint() - start) / 1e9) } }).then(() => undefined)));
      fetchTimes.push(fetched);
    }
    pullRows.push(row('skopeo copy docker:// -> dir: (peer)', best(skopeoTimes), gzBytes));
    pullRows.push(row('hostpod pull: download + verify + store', best(fetchTimes), gzBytes, best(skopeoTimes)));
    pullRows.push(row('hostpod pull: whole pull, unpack included', best(fullTimes), gzBytes, best(skopeoTimes)));
  } finally {
    await registry.stop();
  }

  console.log(`| ${'unpack (MB/s of uncompressed layer)'.padEnd(52)} | ${'time'.padStart(9)} | ${'rate'.padStart(10)} | ratio |`);
  console.log(`|${'-'.repeat(54)}|${'-'.repeat(11)}|${'-'.repeat(12)}|-------|`);
  console.log(row('tar -xzf (floor)', best(tarTimes), layer.tarBytes));
  console.log(row('hostpod unpack into a snapshot', best(ourTimes), layer.tarBytes, best(tarTimes)));
  console.log(`\n| ${'pull (MB/s of compressed layer)'.padEnd(52)} | ${'time'.padStart(9)} | ${'rate'.padStart(10)} | ratio |`);
  console.log(`|${'-'.repeat(54)}|${'-'.repeat(11)}|${'-'.repeat(12)}|-------|`);
  for (const r of pullRows) console.log(r);
  const unpackRatio = best(tarTimes) / best(ourTimes);
  console.log(`\ntarget: ratio >= ${TARGET} (unpack ${unpackRatio.toFixed(2)}; best of ${RUNS} runs each)`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
