/**
 * Reproducible layers for `hostpod image build`: the entries a COPY or ADD makes, sorted by
 * path, owned by 0:0 (or --chown), with fixed modes (0755 for directories and executables, 0644
 * for the rest) and every mtime set to SOURCE_DATE_EPOCH; gzip-compressed by zlib, whose header
 * carries no time and no name. The same inputs give the same bytes, hence the same digest.
 *
 * A Windows layer is what containerd's Windows snapshotter (hcsshim's ociwclayer) imports: the
 * file system under `Files/`, registry hives under `Hives/` (both directories present even when
 * empty), each entry a PAX entry with `MSWINDOWS.rawsd`, a security descriptor (owner and group
 * BUILTIN\Users) without which Windows does not run binaries from the layer. This is the layout
 * go-containerregistry's `pkg/v1/mutate` Windows() and ko write; see docs/images.md.
 */
import { closeSync, createReadStream, openSync, readSync, type Stats } from 'node:fs';
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { HostpodError } from '../../../errors.js';
import { DigestingStream } from '../digest.js';
import type { ContentStore } from '../content-store.js';

/** owner: BUILTIN\Users, group: BUILTIN\Users (SDDL O:BUG:BU), base64 of the raw descriptor. */
export const WINDOWS_USERS_SD = 'AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==';

export interface LayerEntry {
  /** Path in the image, relative, `/`-separated, no trailing slash. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  /** A file on disk, or bytes (from an ADDed archive). */
  source?: string | Buffer;
  size?: number;
}

export interface LayerOptions {
  /** Seconds since the epoch for every mtime (SOURCE_DATE_EPOCH). */
  epoch: number;
  windows: boolean;
}

function normalMode(type: LayerEntry['type'], mode: number): number {
  if (type === 'directory') return 0o755;
  if (type === 'symlink') return 0o777;
  return mode & 0o111 ? 0o755 : 0o644;
}

/** Adds `entry`, replacing an earlier entry for the same path (a later COPY source wins). */
export class LayerContents {
  private readonly entries = new Map<string, LayerEntry>();

  add(entry: LayerEntry): void {
    const path = posix.normalize(entry.path).replace(/^\/+/, '').replace(/\/+$/, '');
    if (path === '' || path === '.') return;
    if (path.split('/').includes('..')) throw new HostpodError('ERR_HOSTPOD_BUILD', `layer entry ${entry.path} leaves the image root`, { hint: 'destinations and archive entries must stay inside the image' });
    // Every parent is in the layer, as buildkit writes them.
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!this.entries.has(parent)) this.entries.set(parent, { path: parent, type: 'directory', mode: 0o755, uid: 0, gid: 0 });
    }
    this.entries.set(path, { ...entry, path, mode: normalMode(entry.type, entry.mode) });
  }

  sorted(): LayerEntry[] {
    return [...this.entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Adds a file or directory of the build context at `dest` (a directory's contents, as COPY
 * does). Symbolic links are kept as links.
 */
export async function addFromContext(contents: LayerContents, context: string, source: string, dest: string, owner: { uid: number; gid: number }): Promise<void> {
  const info = await lstat(source);
  if (info.isDirectory()) {
    for (const name of (await readdir(source)).sort()) await addFromContext(contents, context, join(source, name), posix.join(dest, name), owner);
    contents.add({ path: dest, type: 'directory', mode: 0o755, ...owner });
    return;
  }
  contents.add(await entryOf(source, dest, info, owner));
}

async function entryOf(source: string, dest: string, info: Stats, owner: { uid: number; gid: number }): Promise<LayerEntry> {
  if (info.isSymbolicLink()) return { path: dest, type: 'symlink', mode: 0o777, linkname: await readlink(source), ...owner };
  if (info.isFile()) return { path: dest, type: 'file', mode: info.mode, source, size: info.size, ...owner };
  throw new HostpodError('ERR_HOSTPOD_BUILD', `${source} is neither a file, a directory nor a symbolic link`, { hint: 'the build context may hold only files, directories and links' });
}

/** Whether a file is a tar archive, plain or gzipped (what ADD extracts). */
export function tarKind(file: string): 'tar' | 'tar+gzip' | undefined {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(512);
  try {
    readSync(fd, head, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tar+gzip';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** Extracts a tar archive (ADD's local archives) under `dest`. */
export async function addArchive(contents: LayerContents, file: string, kind: 'tar' | 'tar+gzip', dest: string, owner: { uid: number; gid: number } | undefined): Promise<void> {
  const extract = tar.extract();
  const input = createReadStream(file);
  const feeding = kind === 'tar+gzip' ? pipeline(input, createGunzip(), extract) : pipeline(input, extract);
  for await (const entry of extract) {
    const h = entry.header;
    const path = posix.join(dest, posix.normalize(h.name).replace(/^(\.\/|\/)+/, ''));
    const own = owner ?? { uid: h.uid ?? 0, gid: h.gid ?? 0 };
    if (h.type === 'file' || h.type === 'contiguous-file') {
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      contents.add({ path, type: 'file', mode: h.mode ?? 0o644, source: bytes, size: bytes.length, ...own });
      continue;
    }
    entry.resume();
    if (h.type === 'directory') contents.add({ path, type: 'directory', mode: 0o755, ...own });
    else if (h.type === 'symlink') contents.add({ path, type: 'symlink', mode: 0o777, linkname: h.linkname ?? '', ...own });
    else throw new HostpodError('ERR_HOSTPOD_BUILD', `ADD ${file}: entry ${h.name} is a ${h.type}, which a HostProcess image cannot hold`, { hint: 'archives ADDed may hold files, directories and symbolic links' });
  }
  await feeding;
}

/**
 * Resolves `source` (as written in COPY) inside the build context, refusing a path or link that
 * leaves it.
 */
export async function contextPath(context: string, source: string, what: string): Promise<string> {
  const root = await realpath(context);
  const joined = join(root, posix.normalize(`/${source.replace(/\\/g, '/')}`));
  let real: string;
  try {
    real = await realpath(joined);
  } catch {
    throw new HostpodError('ERR_HOSTPOD_BUILD', `${what}: ${source} is not in the build context ${context}`, { hint: 'sources are paths relative to the build context (the directory given to hostpod image build)' });
  }
  const rel = relative(root, real);
  if (rel.startsWith(`..${sep}`) || rel === '..') throw new HostpodError('ERR_HOSTPOD_BUILD', `${what}: ${source} leads outside the build context (to ${real})`, { hint: 'copy the file into the build context first' });
  return real;
}

/** Writes the layer into the content store, returning its digest, size and diff ID. */
export async function writeLayer(store: ContentStore, contents: LayerContents, options: LayerOptions, beforeCommit: (digest: string) => Promise<void>): Promise<{ digest: string; size: number; diffId: string }> {
  const pack = tar.pack();
  const mtime = new Date(options.epoch * 1000);
  const pax = options.windows ? { 'MSWINDOWS.rawsd': WINDOWS_USERS_SD } : undefined;
  const prefix = options.windows ? 'Files/' : '';
  const entries = contents.sorted();
  const produce = async (): Promise<void> => {
    const write = (header: Partial<tar.Header> & { name: string }, body?: Buffer | string): Promise<void> =>
      new Promise((resolve, reject) => {
        const full = { ...header, mtime, uname: '', gname: '', ...(pax ? { pax } : {}) };
        const done = (error?: Error | null): void => (error ? reject(error) : resolve());
        if (typeof body === 'string') {
          // A file from the build context is streamed, not read whole.
          const sink = pack.entry(full, done);
          pipeline(createReadStream(body), sink as unknown as NodeJS.WritableStream).catch(reject);
        } else if (body) pack.entry(full, body, done);
        else pack.entry(full, done);
      });
    if (options.windows) {
      await write({ name: 'Files', type: 'directory', mode: 0o555, uid: 0, gid: 0 });
      await write({ name: 'Hives', type: 'directory', mode: 0o555, uid: 0, gid: 0 });
    }
    for (const e of entries) {
      const name = `${prefix}${e.path}`;
      if (e.type === 'directory') await write({ name, type: 'directory', mode: e.mode, uid: e.uid, gid: e.gid });
      else if (e.type === 'symlink') await write({ name, type: 'symlink', linkname: e.linkname ?? '', mode: e.mode, uid: e.uid, gid: e.gid });
      else {
        await write({ name, type: 'file', size: e.size ?? 0, mode: e.mode, uid: e.uid, gid: e.gid }, e.source);
      }
    }
    pack.finalize();
  };
  const diff = new DigestingStream({ highWaterMark: 1 << 20 });
  const producing = produce().catch((error: unknown) => pack.destroy(error as Error));
  const compressed = (pack as unknown as Readable).pipe(diff).pipe(createGzip({ level: 6 }));
  const written = await store.writeStream(compressed, undefined, 'layer', undefined, beforeCommit);
  await producing;
  return { ...written, diffId: diff.digest() };
}
