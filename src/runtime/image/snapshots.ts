/**
 * Snapshots: the unpacked file trees of an image's layers, one per layer chain, shared by every
 * image and container built on that chain (the OCI "ChainID": the chain of layers 1..n has
 * chainID(n) = sha256(chainID(n-1) + " " + diffID(n))).
 *
 * A chain's tree starts as a copy of its parent's that shares file contents by hard links, and
 * then has its own layer applied; applying a layer never writes into a file in place (it
 * replaces it), so the parent is never changed. Trees are built under `tmp/` and renamed into
 * place when whole, so a snapshot that exists is complete. They are read-only by convention:
 * the runtime binds them read-only or copies them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, lchownSync, lutimesSync, chmodSync, utimesSync, chownSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, hexOf } from './digest.js';

export interface SnapshotInfo {
  chainId: string;
  parent?: string;
  diffId: string;
  /** Uncompressed bytes of this layer's files. */
  bytes: number;
  skipped: { path: string; reason: string }[];
}

/** The chain IDs of each prefix of `diffIds`. */
export function chainIds(diffIds: readonly string[]): string[] {
  const ids: string[] = [];
  for (const diffId of diffIds) {
    const previous = ids[ids.length - 1];
    ids.push(previous === undefined ? diffId : sha256(`${previous} ${diffId}`));
  }
  return ids;
}

export class Snapshots {
  private readonly tmpDir: string;

  constructor(readonly dir: string) {
    this.tmpDir = join(dir, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
  }

  /** The directory holding the snapshot: `rootfs/` and `info.json`. */
  path(chainId: string): string {
    return join(this.dir, hexOf(chainId));
  }

  rootfs(chainId: string): string {
    return join(this.path(chainId), 'rootfs');
  }

  has(chainId: string): boolean {
    return existsSync(join(this.path(chainId), 'info.json'));
  }

  info(chainId: string): SnapshotInfo {
    return JSON.parse(readFileSync(join(this.path(chainId), 'info.json'), 'utf8')) as SnapshotInfo;
  }

  list(): string[] {
    return readdirSync(this.dir).filter((name) => /^[a-f0-9]{64}$/.test(name)).map((hex) => `sha256:${hex}`);
  }

  /**
   * Builds the snapshot `chainId` from its parent's tree (if any) and `apply`, which writes the
   * layer into the directory it is given. Nothing is left behind when `apply` fails.
   */
  async create(chainId: string, parent: string | undefined, diffId: string, apply: (rootfs: string) => Promise<{ bytes: number; skipped: SnapshotInfo['skipped'] }>): Promise<SnapshotInfo> {
    const work = join(this.tmpDir, `${hexOf(chainId).slice(0, 16)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const rootfs = join(work, 'rootfs');
    mkdirSync(work);
    try {
      if (parent === undefined) mkdirSync(rootfs, 0o755);
      else cloneTree(this.rootfs(parent), rootfs);
      const { bytes, skipped } = await apply(rootfs);
      const info: SnapshotInfo = { chainId, ...(parent === undefined ? {} : { parent }), diffId, bytes, skipped };
      writeFileSync(join(work, 'info.json'), `${JSON.stringify(info, null, 2)}\n`);
      try {
        renameSync(work, this.path(chainId));
      } catch (error) {
        // Another process built the same snapshot meanwhile: theirs is as good as ours.
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !this.has(chainId)) throw error;
        rmSync(work, { recursive: true, force: true });
        return this.info(chainId);
      }
      return info;
    } catch (error) {
      rmSync(work, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Moves a snapshot out of the way, so that it no longer exists and a crash never leaves half
   * of one; returns where it went, for the caller to delete.
   */
  moveAside(chainId: string): string {
    const trash = join(this.tmpDir, `removed-${hexOf(chainId).slice(0, 16)}-${randomBytes(4).toString('hex')}`);
    renameSync(this.path(chainId), trash);
    return trash;
  }

  /** Removes work directories of builds that died, and removed snapshots (older than `olderThanMs`). */
  async cleanTmp(olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const name of readdirSync(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      try {
        if (!name.startsWith('removed-') && Date.now() - lstatSync(path).mtimeMs < olderThanMs) continue;
        // Not root, a removed tree may hold directories without owner write access.
        if (process.getuid?.() !== 0) chmodTree(path);
        await rm(path, { recursive: true, force: true });
        removed++;
      } catch {
        // Someone else removed it, or it cannot be removed now: the next prune tries again.
      }
    }
    return removed;
  }
}

/** Gives the owner write access to every directory under `dir`, so that it can be removed. */
function chmodTree(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) chmodTree(join(dir, entry.name));
}

/**
 * Copies the tree at `from` to `to`: directories are made anew (so a layer can change their
 * contents and metadata), everything else is hard-linked. Directory modes and times are set
 * last, deepest first, so read-only directories do not stop the copy.
 */
export function cloneTree(from: string, to: string): void {
  const asRoot = process.getuid?.() === 0;
  const dirs: { from: string; to: string }[] = [];
  const walk = (src: string, dst: string): void => {
    mkdirSync(dst, 0o700);
    dirs.push({ from: src, to: dst });
    for (const entry of readdirSync(src, { withFileTypes: true })) {
      const s = join(src, entry.name);
      const d = join(dst, entry.name);
      if (entry.isDirectory()) walk(s, d);
      else if (entry.isSymbolicLink()) {
        // A new link rather than a hard link to the old one, so that its owner and times are its own.
        symlinkSync(readlinkSync(s), d);
        const st = lstatSync(s);
        if (asRoot) lchownSync(d, st.uid, st.gid);
        lutimesSync(d, st.atime, st.mtime);
      } else linkSync(s, d);
    }
  };
  walk(from, to);
  for (let i = dirs.length - 1; i >= 0; i--) {
    const { from: src, to: dst } = dirs[i] as { from: string; to: string };
    const st = lstatSync(src);
    if (asRoot) chownSync(dst, st.uid, st.gid);
    // Not root: the owner keeps write access, or the next layer could not write into it.
    chmodSync(dst, asRoot ? st.mode & 0o7777 : (st.mode & 0o1777) | 0o700);
    utimesSync(dst, st.atime, st.mtime);
  }
}
