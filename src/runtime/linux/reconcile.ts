/**
 * Re-adoption: what an earlier hostpod left is collected (containers that ended meanwhile), marked
 * lost (those whose monitor died, their processes killed), or deleted (leaked temporary users).
 * Running containers are left running: their monitors own them.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { instanceTag, removeLeakedTemporaryUsers } from '../identity.js';
import type { ReconcileResult } from '../index.js';
import { finalizeContainer, markLost } from './lifecycle.js';
import { releaseMountPoints } from './mount-points.js';
import type { LinuxRuntime } from './linux-runtime.js';

/** A container that is being started by another hostpod may have no monitor yet for this long. */
const STARTING_GRACE_MS = 60_000;

export async function reconcileContainers(rt: LinuxRuntime): Promise<ReconcileResult> {
  const result: ReconcileResult = { collected: [], lost: [], removedUsers: [], warnings: [] };
  if (process.getuid?.() === 0) rt.secure();
  for (const id of rt.containers.ids()) {
    if (rt.containers.status(id)) continue;
    if (rt.containers.exit(id) !== undefined) {
      result.warnings.push(...((await finalizeContainer(rt, id)).warnings ?? []));
      result.collected.push(id);
    } else if (rt.containers.liveMonitor(id) === undefined && !young(rt, id)) {
      await markLost(rt, id, 'its monitor was gone when hostpod started');
      result.warnings.push(...((await finalizeContainer(rt, id)).warnings ?? []));
      result.lost.push(id);
    }
  }
  // Mount points created on the host for containers that are gone or finalized (a crash between a
  // container's end and their removal): those no container uses any more are removed now.
  result.warnings.push(...(await releaseMountPoints(rt, (id) => !existsSync(rt.containers.dir(id)) || rt.containers.status(id) !== undefined)));
  if (process.getuid?.() === 0) {
    result.removedUsers = removeLeakedTemporaryUsers({ instance: instanceTag(rt.dataDir), has: (id) => /^[0-9a-f]{64}$/.test(id) && existsSync(rt.containers.dir(id)), isLive: (id) => live(rt, id) });
  }
  return result;
}

function live(rt: LinuxRuntime, id: string): boolean {
  if (!existsSync(join(rt.containers.dir(id), 'container.json'))) return existsSync(rt.containers.dir(id)) && young(rt, id);
  if (rt.containers.state(id) === 'exited') return false;
  return rt.containers.liveMonitor(id) !== undefined || young(rt, id);
}

/** Being started by some hostpod right now: no monitor has written its pid yet, and not for long. */
function young(rt: LinuxRuntime, id: string): boolean {
  try {
    if (existsSync(join(rt.containers.dir(id), 'monitor.pid'))) return false;
    return Date.now() - statSync(rt.containers.dir(id)).mtimeMs < STARTING_GRACE_MS;
  } catch {
    return false;
  }
}
