/**
 * Applies one layer (an uncompressed tar stream) onto a root directory, safely: no entry writes
 * outside the root, whatever its name, its link target or the symbolic links earlier entries
 * and layers left behind.
 *
 * - `..` in an entry's name or a hard link's target is refused; a leading `/` is dropped (the
 *   path is taken relative to the root, as tar does).
 * - Parent directories are resolved inside the root: a symbolic link on the way is followed as if
 *   the root were `/`, so `etc -> /host/etc` followed by `etc/passwd` writes `<root>/host/etc/passwd`.
 *   The final component is never followed: it is replaced.
 * - Hard links must name an existing non-directory inside the root.
 * - Device nodes and FIFOs are created only when running as root, and only the harmless ones
 *   (FIFOs and the character devices null, zero, full, random, urandom, tty); the rest are skipped
 *   and reported.
 * - setuid and setgid bits are kept only as root; ownership is kept as root, and is the current
 *   user's otherwise.
 * - Whiteouts (`.wh.name`) remove `name` from lower layers; an opaque marker (`.wh..wh..opq`)
 *   hides everything lower layers put in its directory.
 *
 * Written by hand because no tar library for Node does scoped resolution and OCI whiteouts; the
 * tar format itself is parsed by tar-stream.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  chmodSync,
  utimesSync,
  chownSync,
} from 'node:fs';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { HostpodError } from '../../errors.js';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const MAX_SYMLINKS = 40;
/** Character devices a container may have without gaining anything: null, zero, full, random, urandom, tty. */
const HARMLESS_CHAR_DEVICES = new Set(['1:3', '1:5', '1:7', '1:8', '1:9', '5:0']);

export interface UnpackOptions {
  /** Whether hostpod runs as root: ownership, setuid bits and device nodes depend on it. */
  asRoot: boolean;
}

export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface UnpackResult {
  /** Entries applied (files, directories, links, whiteouts). */
  entries: number;
  /** Bytes of file content written. */
  bytes: number;
  skipped: SkippedEntry[];
}

export class UnsafeLayerError extends HostpodError {
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super('ERR_HOSTPOD_LAYER_UNSAFE', `layer entry "${entry}": ${reason}`, {
      hint: 'the layer is malformed or malicious and was not applied; rebuild the image from a trusted source',
    });
  }
}

/** An entry's data, as tar-stream hands it over. */
type Content = AsyncIterable<Buffer>;

interface DeferredDir {
  /** Relative to the root ('' is the root itself). */
  rel: string;
  mode: number;
  mtime: Date;
}

/** Splits an entry name into components, refusing `..` and dropping `.`, empty parts and a leading `/`. */
function components(entryName: string, what: string, shown: string): string[] {
  const parts = entryName.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeLayerError(shown, `${what} has a ".." component, which would leave the image's root`);
  if (entryName.includes('\0')) throw new UnsafeLayerError(shown, `${what} contains a NUL byte`);
  return parts;
}

class LayerWriter {
  /** Real directories known inside the root, by their relative path ('' is the root). */
  private readonly dirs = new Set<string>(['']);
  /** Paths this layer wrote: an opaque marker must not hide them. */
  private readonly written = new Set<string>();
  private readonly deferred: DeferredDir[] = [];
  readonly result: UnpackResult = { entries: 0, bytes: 0, skipped: [] };

  private readonly realRoot: string;

  constructor(
    private readonly root: string,
    private readonly options: UnpackOptions,
  ) {
    this.realRoot = realpathSync(root);
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /**
   * Resolves `parts` inside the root, following symbolic links as if the root were `/` and
   * creating missing directories when `create` is set. Returns the real relative path, or
   * undefined when a component is missing and `create` is not set.
   */
  private resolveDir(parts: readonly string[], shown: string, create: boolean): string | undefined {
    let current: string[] = [];
    const queue = [...parts];
    let links = 0;
    while (queue.length > 0) {
      const part = queue.shift() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        current.pop();
        continue;
      }
      const candidate = current.length === 0 ? part : `${current.join('/')}/${part}`;
      if (this.dirs.has(candidate)) {
        current.push(part);
        continue;
      }
      let stats;
      try {
        stats = lstatSync(this.abs(candidate));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        if (!create) return undefined;
        mkdirSync(this.abs(candidate), 0o755);
        this.dirs.add(candidate);
        current.push(part);
        continue;
      }
      if (stats.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw new UnsafeLayerError(shown, 'too many levels of symbolic links in its parent directories');
        const target = readlinkSync(this.abs(candidate));
        if (target.startsWith('/')) current = [];
        queue.unshift(...target.split('/'));
        continue;
      }
      if (!stats.isDirectory()) throw new UnsafeLayerError(shown, `its parent "${candidate}" is not a directory`);
      this.dirs.add(candidate);
      current.push(part);
    }
    return current.join('/');
  }

  /** Removes whatever is at `rel` (file, link or whole tree) and forgets directories under it. */
  private remove(rel: string): void {
    rmSync(this.abs(rel), { recursive: true, force: true });
    for (const dir of this.dirs) if (dir === rel || dir.startsWith(`${rel}/`)) this.dirs.delete(dir);
  }

  private join(dir: string, base: string): string {
    return dir === '' ? base : `${dir}/${base}`;
  }

  async apply(header: tar.Header, content: Content): Promise<void> {
    const shown = header.name;
    const parts = components(header.name, 'its path', shown);
    const base = parts.pop();
    if (base === undefined) {
      // The root itself ("./"): only its metadata changes.
      if (header.type === 'directory') this.deferred.push({ rel: '', mode: this.directoryMode(header), mtime: header.mtime ?? new Date(0) });
      return drain(content);
    }
    this.result.entries++;

    if (base.startsWith(WHITEOUT_PREFIX)) return this.whiteout(parts, base, shown, content);

    const dir = this.resolveDir(parts, shown, true) as string;
    const rel = this.join(dir, base);
    this.markWritten(rel);
    const path = this.abs(rel);

    switch (header.type) {
      case 'directory':
        return this.directory(rel, header, content);
      case 'file':
      case 'contiguous-file':
        return this.file(rel, header, content);
      case 'symlink':
        this.clear(rel, shown);
        symlinkSync(header.linkname ?? '', path);
        if (this.options.asRoot) lchownSync(path, header.uid ?? 0, header.gid ?? 0);
        lutimesSync(path, header.mtime ?? new Date(0), header.mtime ?? new Date(0));
        return drain(content);
      case 'link':
        this.hardlink(rel, header, shown);
        return drain(content);
      case 'character-device':
      case 'block-device':
      case 'fifo':
        this.special(rel, header, shown);
        return drain(content);
      default:
        this.result.skipped.push({ path: shown, reason: `entry type "${String(header.type)}" is not part of an image` });
        return drain(content);
    }
  }

  /** Makes room for a new non-directory entry at `rel`: whatever is there goes. */
  private clear(rel: string, shown: string): void {
    if (rel === '') throw new UnsafeLayerError(shown, 'it would replace the image root');
    let stats;
    try {
      stats = lstatSync(this.abs(rel));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (stats.isDirectory()) this.remove(rel);
    else unlinkSync(this.abs(rel));
  }

  /**
   * Records that this layer wrote `rel`, and so also the directories above it: an opaque marker
   * later in the layer hides only what lower layers left.
   */
  private markWritten(rel: string): void {
    this.written.add(rel);
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) {
      const ancestor = rel.slice(0, i);
      if (this.written.has(ancestor)) break;
      this.written.add(ancestor);
    }
  }

  /** Not root, the owner keeps write access to directories, or later layers could not write into them. */
  private directoryMode(header: tar.Header): number {
    return this.options.asRoot ? this.mode(header, 0o755) : this.mode(header, 0o755) | 0o700;
  }

  private mode(header: tar.Header, fallback: number): number {
    const mode = (header.mode ?? fallback) & 0o7777;
    return this.options.asRoot ? mode : mode & ~0o6000;
  }

  private directory(rel: string, header: tar.Header, content: Content): Promise<void> {
    const path = this.abs(rel);
    try {
      mkdirSync(path, 0o755);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!lstatSync(path).isDirectory()) {
        unlinkSync(path);
        mkdirSync(path, 0o755);
      }
    }
    this.dirs.add(rel);
    if (this.options.asRoot) chownSync(path, header.uid ?? 0, header.gid ?? 0);
    // Modes and times are set once everything inside is written: a read-only directory would
    // otherwise stop its own contents (when not root), and writing inside changes the mtime.
    this.deferred.push({ rel, mode: this.directoryMode(header), mtime: header.mtime ?? new Date(0) });
    return drain(content);
  }

  private async file(rel: string, header: tar.Header, content: Content): Promise<void> {
    const path = this.abs(rel);
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      this.clear(rel, header.name);
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    }
    try {
      for await (const buffer of content) {
        let offset = 0;
        while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
        this.result.bytes += buffer.length;
      }
      if (this.options.asRoot) fchownSync(fd, header.uid ?? 0, header.gid ?? 0);
      // After chown, which clears setuid and setgid bits.
      fchmodSync(fd, this.mode(header, 0o644));
      const mtime = header.mtime ?? new Date(0);
      futimesSync(fd, mtime, mtime);
    } finally {
      closeSync(fd);
    }
  }

  private hardlink(rel: string, header: tar.Header, shown: string): void {
    const targetParts = components(header.linkname ?? '', `its link target "${header.linkname ?? ''}"`, shown);
    const targetBase = targetParts.pop();
    if (targetBase === undefined) throw new UnsafeLayerError(shown, 'its link target is the image root');
    const targetDir = this.resolveDir(targetParts, shown, false);
    const target = targetDir === undefined ? undefined : this.join(targetDir, targetBase);
    let stats;
    try {
      stats = target === undefined ? undefined : lstatSync(this.abs(target));
    } catch {
      stats = undefined;
    }
    if (target === undefined || stats === undefined) throw new UnsafeLayerError(shown, `its link target "${header.linkname ?? ''}" does not exist in the image`);
    if (stats.isDirectory()) throw new UnsafeLayerError(shown, `its link target "${header.linkname ?? ''}" is a directory`);
    if (target === rel) return;
    if (target.startsWith(`${rel}/`)) throw new UnsafeLayerError(shown, `its link target "${header.linkname}" lies inside the entry it would replace`);
    this.clear(rel, shown);
    linkSync(this.abs(target), this.abs(rel));
  }

  private special(rel: string, header: tar.Header, shown: string): void {
    const device = `${header.devmajor ?? 0}:${header.devminor ?? 0}`;
    const kind = header.type === 'fifo' ? 'FIFO' : header.type === 'block-device' ? `block device ${device}` : `character device ${device}`;
    if (!this.options.asRoot) {
      this.result.skipped.push({ path: shown, reason: `${kind}: only root may create device nodes and FIFOs` });
      return;
    }
    const harmless = header.type === 'fifo' || (header.type === 'character-device' && HARMLESS_CHAR_DEVICES.has(device));
    if (!harmless) {
      this.result.skipped.push({ path: shown, reason: `${kind} would give the container raw access to host hardware` });
      return;
    }
    this.clear(rel, shown);
    const path = this.abs(rel);
    const args = header.type === 'fifo' ? [path, 'p'] : [path, 'c', String(header.devmajor ?? 0), String(header.devminor ?? 0)];
    const made = spawnSync('mknod', ['-m', (this.mode(header, 0o666) & 0o777).toString(8), ...args], { encoding: 'utf8' });
    if (made.status !== 0) {
      this.result.skipped.push({ path: shown, reason: `${kind}: mknod failed: ${(made.stderr || made.error?.message || '').trim()}` });
      return;
    }
    lchownSync(path, header.uid ?? 0, header.gid ?? 0);
  }

  private whiteout(parts: string[], base: string, shown: string, content: Content): Promise<void> {
    const dir = this.resolveDir(parts, shown, false);
    if (base === OPAQUE_MARKER) {
      if (dir !== undefined) {
        for (const name of readdirSync(this.abs(dir))) {
          const child = this.join(dir, name);
          if (!this.written.has(child)) this.remove(child);
        }
      }
      return drain(content);
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..' || name.startsWith(WHITEOUT_PREFIX)) {
      throw new UnsafeLayerError(shown, `"${base}" is not a valid whiteout: it must name one file of its directory`);
    }
    if (dir !== undefined) {
      const victim = this.join(dir, name);
      if (!this.written.has(victim)) this.remove(victim);
    }
    return drain(content);
  }

  /** Sets directory modes and times, deepest first. */
  finish(): void {
    for (let i = this.deferred.length - 1; i >= 0; i--) {
      const { rel, mode, mtime } = this.deferred[i] as DeferredDir;
      // A later entry may have replaced the directory or one above it, with a symbolic link
      // even, and chmod and utimes follow links: only a directory that is still known, and
      // whose real path is still inside the root, is touched.
      if (rel !== '' && !this.dirs.has(rel)) continue;
      const path = this.abs(rel);
      let real;
      try {
        real = realpathSync(path);
      } catch {
        continue;
      }
      if (real !== (rel === '' ? this.realRoot : `${this.realRoot}/${rel}`) || !lstatSync(path).isDirectory()) continue;
      chmodSync(path, mode);
      utimesSync(path, mtime, mtime);
    }
  }
}

/** Reads past entry content that is not written anywhere. */
async function drain(content: Content): Promise<void> {
  const iterator = content[Symbol.asyncIterator]();
  while (!(await iterator.next()).done);
}

/**
 * Applies the tar stream `layer` onto `root`. Throws UnsafeLayerError naming the first entry
 * that breaks a rule; the caller discards the partly written root.
 */
export async function applyLayer(root: string, layer: Readable, options: UnpackOptions): Promise<UnpackResult> {
  const writer = new LayerWriter(root.replace(/\/+$/, ''), options);
  const extract = tar.extract();
  layer.on('error', (error) => extract.destroy(error));
  layer.pipe(extract);
  for await (const entry of extract) {
    await writer.apply(entry.header, entry as AsyncIterable<Buffer>);
  }
  writer.finish();
  return writer.result;
}
