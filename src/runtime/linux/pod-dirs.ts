/** Pods' own directories on the host: `<data-dir>/pods/<uid>` (emptyDir volumes, the agent's projected volumes). */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isMountPoint } from '../sandbox.js';

export function podDir(dataDir: string, uid: string): string {
  return join(dataDir, 'pods', uid);
}

/** Removes a pod's directory, unmounting its memory-backed emptyDirs first. */
export function removePodDir(dir: string): void {
  const emptyDirs = join(dir, 'volumes', 'empty-dir');
  try {
    for (const name of readdirSync(emptyDirs)) {
      const path = join(emptyDirs, name);
      if (isMountPoint(path)) execFileSync('umount', [path], { stdio: 'ignore' });
    }
  } catch {
    // No emptyDir volumes.
  }
  rmSync(dir, { recursive: true, force: true });
}
