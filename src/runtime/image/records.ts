/**
 * Image records (name -> what it points at) and leases (content that must stay while a pull
 * runs or a container uses it), kept as JSON files under the store and changed only under a
 * lock, by writing a new file and renaming it over the old one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  source: 'registry' | 'import' | 'builtin';
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

export function writeJsonAtomically(file: string, value: unknown): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o644 });
  renameSync(temp, file);
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
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { images?: ImageRecord[] };
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
      try {
        leases.push(JSON.parse(readFileSync(join(this.leasesDir, name), 'utf8')) as Lease);
      } catch {
        // A lease being replaced right now; the rename makes it whole again.
      }
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
