/**
 * Image records (name -> what it points at) and leases (content that must stay while a pull
 * runs or a container uses it), kept as JSON files under the store and changed only under a
 * lock, by writing a new file and renaming it over the old one.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../../atomic-file.js';
import { HostpodError } from '../../errors.js';
import type { Descriptor, Platform } from './oci.js';

export interface LayerRecord {
  digest: string;
  size: number;
  mediaType: string;
  diffId: string;
}

export interface ImageRecord {
  /** The full reference the image is known by: `docker.io/library/busybox:1.36`, or `name@sha256:...`. */
  name: string;
  /** What the name resolved to: an index or a manifest (the "repo digest"). */
  target: Descriptor;
  /** The manifest for this host's platform. */
  manifest: string;
  /** The config's digest: the image ID. */
  config: string;
  platform: Platform;
  layers: LayerRecord[];
  /** Content bytes: manifest(s), config and compressed layers. */
  size: number;
  /** Uncompressed bytes of the layers' files. */
  unpackedSize: number;
  /** When the image was built, from its config. */
  created?: string;
  /** When hostpod stored it. */
  stored: string;
  source: 'registry' | 'import' | 'builtin' | 'build';
  /** Blobs of the other platforms of a built index (kept so the whole index can be pushed). */
  otherBlobs?: string[];
}

/** Content a lease keeps alive: blob digests and snapshot chain IDs. */
export interface Lease {
  id: string;
  /** The process holding a pull lease; container leases have none and last until removed. */
  pid?: number;
  image?: string;
  blobs: string[];
  snapshots: string[];
  created: string;
}

/** Writes `value` as JSON to `file`, all or nothing (atomic-file.ts). */
export function writeJsonAtomically(file: string, value: unknown): void {
  writeFileAtomically(file, `${JSON.stringify(value, null, 2)}\n`, 0o644);
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_STORE_CORRUPT', `${what} ${file} cannot be read: ${(error as Error).message}`, {
      hint: 'the file was damaged outside hostpod (it is only ever replaced whole); restore it from a backup, or remove it and pull or import the images again',
    });
  }
}

export class Records {
  private readonly file: string;
  private readonly leasesDir: string;

  constructor(root: string) {
    this.file = join(root, 'images.json');
    this.leasesDir = join(root, 'leases');
    mkdirSync(this.leasesDir, { recursive: true });
  }

  images(): ImageRecord[] {
    if (!existsSync(this.file)) return [];
    const parsed = readJson<{ images?: ImageRecord[] }>(this.file, 'the image list');
    return parsed.images ?? [];
  }

  /** Replaces the list; call under the records lock. */
  save(images: readonly ImageRecord[]): void {
    writeJsonAtomically(this.file, { images: [...images].sort((a, b) => a.name.localeCompare(b.name)) });
  }

  leases(): Lease[] {
    const leases: Lease[] = [];
    for (const name of readdirSync(this.leasesDir)) {
      if (!name.endsWith('.json')) continue;
      // Leases are replaced by rename, so one that cannot be read is damaged: better to stop
      // than to delete content it protects.
      const path = join(this.leasesDir, name);
      if (existsSync(path)) leases.push(readJson<Lease>(path, 'the lease'));
    }
    return leases;
  }

  writeLease(lease: Lease): void {
    writeJsonAtomically(join(this.leasesDir, `${lease.id}.json`), lease);
  }

  removeLease(id: string): void {
    rmSync(join(this.leasesDir, `${id}.json`), { force: true });
  }
}

/** Whether the process that took a pull lease is gone (so the lease is stale). */
export function leaseIsStale(lease: Lease): boolean {
  if (lease.pid === undefined) return false;
  try {
    process.kill(lease.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
