/**
 * The kubelet's atomic writer for API-backed volumes: the files live in a hidden timestamped
 * directory, `..data` points at it, and each top-level name is a link through `..data`. An
 * update writes a new directory and swaps `..data` with one rename, so a reader never sees half
 * of an update, and a process that watches `..data` sees each change.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';

export interface Projected {
  content: Buffer;
  /** File mode, e.g. 0o644. */
  mode: number;
}

const DATA = '..data';

/**
 * The API server's rule for projected paths: relative, with no `..` element and no element
 * starting with `..` (the writer's own names), checked before normalising; undefined when refused.
 */
export function safeRelativePath(path: string): string | undefined {
  if (path === '' || path.startsWith(sep) || path.split(sep).some((part) => part.startsWith('..'))) return undefined;
  const normal = normalize(path);
  return normal === '.' ? undefined : normal;
}

function stamp(): string {
  const now = new Date();
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.${process.hrtime.bigint() % 1_000_000_000n}`;
}

function unchanged(dir: string, files: ReadonlyMap<string, Projected>): boolean {
  const current = join(dir, DATA);
  if (!existsSync(current)) return false;
  const seen = new Set<string>();
  const walk = (sub: string): boolean => {
    for (const entry of readdirSync(join(current, sub), { withFileTypes: true })) {
      const path = join(sub, entry.name);
      if (entry.isDirectory()) {
        if (!walk(path)) return false;
        continue;
      }
      const wanted = files.get(path);
      if (!wanted) return false;
      const full = join(current, path);
      if ((statSync(full).mode & 0o777) !== wanted.mode || !readFileSync(full).equals(wanted.content)) return false;
      seen.add(path);
    }
    return true;
  };
  return walk('') && seen.size === files.size;
}

/**
 * Makes `dir` hold exactly `files` (relative paths), swapping them in at once.
 * @returns whether anything changed
 */
export function writeAtomically(dir: string, files: ReadonlyMap<string, Projected>): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (unchanged(dir, files)) return false;
  const version = stamp();
  const versionDir = join(dir, version);
  mkdirSync(versionDir, { mode: 0o755 });
  for (const [path, file] of files) {
    const full = join(versionDir, path);
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    writeFileSync(full, file.content, { mode: file.mode });
    // Exactly the mode asked for, whatever the umask takes away.
    chmodSync(full, file.mode);
  }
  const temporary = join(dir, '..data_tmp');
  rmSync(temporary, { force: true });
  symlinkSync(version, temporary);
  renameSync(temporary, join(dir, DATA));
  const top = new Set([...files.keys()].map((path) => path.split(sep)[0] ?? path));
  for (const name of top) {
    const link = join(dir, name);
    if (!existsSync(link)) symlinkSync(join(DATA, name), link);
  }
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    // Older versions go once ..data points past them; links to names no longer projected go too.
    if (entry.startsWith('..')) {
      if (entry !== DATA && entry !== version) rmSync(path, { recursive: true, force: true });
    } else if (!top.has(entry) && lstatSync(path).isSymbolicLink()) rmSync(path);
  }
  return true;
}
