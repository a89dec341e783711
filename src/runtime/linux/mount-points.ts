/**
 * Bind mode's mount points that do not exist on the host (`/hpc`, a volume at `/config.json`).
 * The monitor makes them in a private view of their deepest existing ancestor (an overlay in the
 * container's mount namespace: hostpod-monitor.c's private_view), so the host never gets them.
 * Where that view cannot be made (no overlayfs, an ancestor overlayfs refuses as a lower layer,
 * or `runtime.mountPoints: create`), hostpod creates the path on the host before the start,
 * records each component it created in `<data-dir>/mount-points.json` with the containers that
 * use it, and removes it when the last of them is finalized, deepest first and only while empty.
 * The record is written before anything is created, so a crash leaves it, and reconcile finishes
 * the removal.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomically } from '../../atomic-file.js';
import { readJson } from '../container.js';
import { monitorBinary } from '../monitor/binary.js';
import type { LinuxRuntime } from './linux-runtime.js';

/** How a container got one of its mount points. */
export interface MountPoint {
  path: string;
  /** private: made in the container's own view; created: created on the host by hostpod, removed after. */
  view: 'private' | 'created';
  /** Why the private view could not be made (for created ones). */
  reason?: string;
}

interface Entry {
  path: string;
  file: boolean;
  users: string[];
}

/** The deepest directory above `path` (an absolute path) that exists on the host: `/` for `/calico`. */
export function deepestExistingAncestor(path: string): string {
  let dir = dirname(path);
  while (dir !== '/' && !existsSync(dir)) dir = dirname(dir);
  return dir;
}

/** `/a`, `/a/b`, `/a/b/c` for `/a/b/c`. */
function prefixes(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides, for each bind target missing on the host (in the order they are bound), whether the
 * monitor makes it in a private view or hostpod creates it on the host. `whyNotPrivate(ancestor)` is undefined when a private
 * view of that directory can be made, else the reason.
 */
export function planMountPoints(targets: readonly string[], setting: 'auto' | 'create', whyNotPrivate: (ancestor: string) => string | undefined): MountPoint[] {
  const plans: MountPoint[] = [];
  for (const [i, path] of targets.entries()) {
    // Inside an earlier target (a volume at /data/sub under one at /data): made in that volume, as runc does.
    if (targets.slice(0, i).some((earlier) => path.startsWith(`${earlier}/`))) continue;
    if (exists(path)) continue;
    if (setting === 'create') {
      plans.push({ path, view: 'created', reason: 'runtime.mountPoints is create' });
      continue;
    }
    const reason = whyNotPrivate(deepestExistingAncestor(path));
    plans.push(reason === undefined ? { path, view: 'private' } : { path, view: 'created', reason });
  }
  return plans;
}

/** Asks the monitor whether it can make a private view of `dir` (the same overlay, in a namespace of its own). */
export function probePrivateView(stateDir: string, dir: string): string | undefined {
  const probe = spawnSync(monitorBinary(), ['probe', stateDir, dir], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  return (probe.stderr || probe.error?.message || `the probe exited with ${String(probe.status)}`).trim();
}

function registryPath(rt: LinuxRuntime): string {
  return join(rt.dataDir, 'mount-points.json');
}

function load(rt: LinuxRuntime): Entry[] {
  return readJson<{ entries: Entry[] }>(registryPath(rt))?.entries ?? [];
}

function save(rt: LinuxRuntime, entries: Entry[]): void {
  writeFileAtomically(registryPath(rt), JSON.stringify({ entries }, null, 2));
}

/**
 * Makes container `id` a user of every path hostpod created on the way to its bind targets
 * (another container's fallback, or its own), and creates the `created` ones on the host, with
 * their missing parents. Under the runtime's lock: two starts never both think they created a path.
 */
export async function acquireMountPoints(rt: LinuxRuntime, id: string, targets: readonly { path: string; file: boolean }[], plans: readonly MountPoint[]): Promise<void> {
  if (!plans.some((p) => p.view === 'created') && !existsSync(registryPath(rt))) return;
  await rt.locks.with('mount-points', () => {
    const entries = load(rt);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const toCreate: Entry[] = [];
    let changed = false;
    for (const target of targets) {
      const create = plans.some((p) => p.path === target.path && p.view === 'created');
      for (const path of prefixes(target.path)) {
        let entry = byPath.get(path);
        if (!entry && create && !exists(path)) {
          entry = { path, file: target.file && path === target.path, users: [] };
          byPath.set(path, entry);
          entries.push(entry);
          toCreate.push(entry);
        }
        if (entry && !entry.users.includes(id)) {
          entry.users.push(id);
          changed = true;
        }
      }
    }
    // Recorded first: a crash between the record and the mkdir leaves a record of a path that is
    // not there, which release() forgets; never a path on the host that nobody will remove.
    if (changed) save(rt, entries);
    for (const entry of toCreate) {
      if (entry.file) closeSync(openSync(entry.path, 'a', 0o644));
      else mkdirSync(entry.path, { mode: 0o755 });
    }
    return Promise.resolve();
  });
}

/**
 * Container `id` no longer uses its mount points: what hostpod created and no container uses any
 * more is removed, deepest first, and only while empty (a file only while it has no content).
 * @returns warnings naming what was left on the host and why.
 */
export async function releaseMountPoints(rt: LinuxRuntime, ids: (id: string) => boolean): Promise<string[]> {
  if (!existsSync(registryPath(rt))) return [];
  return rt.locks.with('mount-points', () => {
    const entries = load(rt);
    const warnings: string[] = [];
    let changed = false;
    for (const entry of entries) {
      const users = entry.users.filter((u) => !ids(u));
      if (users.length !== entry.users.length) changed = true;
      entry.users = users;
    }
    const unused = entries.filter((e) => e.users.length === 0).sort((a, b) => b.path.length - a.path.length);
    for (const entry of unused) {
      try {
        if (entry.file) {
          const stat = lstatSync(entry.path);
          if (stat.isFile() && stat.size === 0) unlinkSync(entry.path);
          else warnings.push(`mount point ${entry.path}, created on the host by hostpod, was left there: it is no longer an empty file`);
        } else rmdirSync(entry.path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') warnings.push(`mount point ${entry.path}, created on the host by hostpod, was left there: ${code === 'ENOTEMPTY' || code === 'EEXIST' ? 'something was put in it' : (error as Error).message}`);
      }
    }
    const kept = entries.filter((e) => e.users.length > 0);
    if (changed || kept.length !== entries.length) save(rt, kept);
    return Promise.resolve(warnings);
  });
}
