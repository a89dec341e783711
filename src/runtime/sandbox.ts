/**
 * The container's sandbox: a fresh, writable, copy-on-write view of the image for each container
 * (overlayfs where the kernel has it, a copy where it does not), removed with the container, as
 * Windows gives each HostProcess container a clean new volume. Volume mounts also appear under the
 * sandbox as symlinks at their mountPath (1.6 semantics, kept for compatibility in bind mode).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statfsSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { HostpodError } from '../errors.js';

export type SandboxKind = 'overlay' | 'copy';

const OVERLAYFS_MAGIC = 0x794c7630;

/** overlay when the kernel has overlayfs and the data dir is not itself on overlayfs (no nesting). */
export function chooseSandbox(setting: 'auto' | SandboxKind, dataDir: string): SandboxKind {
  if (setting !== 'auto') return setting;
  const kernel = (() => {
    try {
      return readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n');
    } catch {
      return false;
    }
  })();
  if (!kernel) return 'copy';
  try {
    return statfsSync(dataDir).type === OVERLAYFS_MAGIC ? 'copy' : 'overlay';
  } catch {
    return 'overlay';
  }
}

export interface SandboxLayout {
  kind: SandboxKind;
  /** The sandbox folder on the host: the overlay's mount point, or the copy. */
  rootfs: string;
  upper: string;
  work: string;
  lower: string;
}

export interface SandboxLink {
  /** Where under the sandbox (a mountPath). */
  mountPath: string;
  /** What it points at. */
  target: string;
}

/**
 * Makes a path of real directories under `root`, replacing any symlink or file on the way: the tree
 * is the container's own copy, and following an image's link could write outside it.
 */
function makeDirsInside(root: string, rel: string): string {
  let dir = root;
  for (const part of rel.split('/').filter((p) => p !== '')) {
    dir = join(dir, part);
    const stat = (() => {
      try {
        return lstatSync(dir);
      } catch {
        return undefined;
      }
    })();
    if (stat?.isDirectory()) continue;
    if (stat) rmSync(dir, { force: true });
    mkdirSync(dir, { mode: 0o755 });
  }
  return dir;
}

function addLinks(tree: string, links: readonly SandboxLink[]): void {
  for (const link of links) {
    const rel = relative('/', link.mountPath);
    const parent = makeDirsInside(tree, dirname(rel));
    const path = join(parent, rel.split('/').at(-1) ?? '');
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory()) rmSync(path, { recursive: true, force: true });
      else unlinkSync(path);
    } catch {
      // Nothing there.
    }
    symlinkSync(link.target, path);
  }
}

/**
 * Prepares the sandbox under `stateDir`. For overlay, the upper layer is made here (owned by the
 * container's account so the workload can write its root, with the compatibility links) and the
 * monitor mounts it; for copy, the image is copied now.
 */
export function prepareSandbox(stateDir: string, lower: string | undefined, kind: SandboxKind, owner: { uid: number; gid: number }, links: readonly SandboxLink[]): SandboxLayout {
  const layout: SandboxLayout = { kind, rootfs: join(stateDir, 'rootfs'), upper: join(stateDir, 'upper'), work: join(stateDir, 'work'), lower: lower ?? join(stateDir, 'empty') };
  mkdirSync(layout.rootfs, { recursive: true });
  if (lower === undefined) mkdirSync(layout.lower, { recursive: true });
  if (kind === 'overlay') {
    for (const p of [layout.lower, layout.upper, layout.work]) {
      if (/[,:]/.test(p)) throw new HostpodError('ERR_HOSTPOD_SANDBOX', `overlayfs cannot use ${p}: the path contains "," or ":"`, { hint: 'use a data dir whose path has neither' });
    }
    mkdirSync(layout.upper, { mode: 0o755 });
    mkdirSync(layout.work, { mode: 0o700 });
    chownSync(layout.upper, owner.uid, owner.gid);
    addLinks(layout.upper, links);
  } else {
    if (existsSync(layout.lower)) execFileSync('cp', ['-a', '--reflink=auto', `${layout.lower}/.`, layout.rootfs], { stdio: ['ignore', 'ignore', 'pipe'] });
    chownSync(layout.rootfs, owner.uid, owner.gid);
    addLinks(layout.rootfs, links);
  }
  return layout;
}

/** Unmounts (overlay) and deletes the sandbox. Idempotent. */
export function removeSandbox(stateDir: string): void {
  const rootfs = join(stateDir, 'rootfs');
  if (isMountPoint(rootfs)) {
    try {
      execFileSync('umount', [rootfs], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      execFileSync('umount', ['--lazy', rootfs], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
  }
  for (const dir of ['rootfs', 'upper', 'work', 'empty']) rmSync(join(stateDir, dir), { recursive: true, force: true });
}

export function isMountPoint(path: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[4] === path);
  } catch {
    return false;
  }
}
