/**
 * API Priority and Fairness, in small: heavy reads (lists, and watches while they send their
 * initial list) take a seat of their priority level, and wait in the level's queue when all its
 * seats are taken; beyond the queue they are refused with 429 and `Retry-After`, as
 * kube-apiserver refuses them. Requests are classified as upstream's default FlowSchemas do, so
 * a workload's lists cannot take the seats of the node's or the admin's requests.
 *
 * Differences from upstream: only heavy reads take seats (other requests are short synchronous
 * steps here, not goroutines); each level has one queue, served round-robin by flow (user)
 * instead of shuffle-sharded queues; seats do not borrow between levels.
 */
import type { UserInfo } from '../auth/user.js';

export interface RequestDigest {
  user: UserInfo;
  verb: string;
  group: string;
  resource: string;
  namespace: string;
}

interface Level {
  /** Share of the seats (upstream's nominalConcurrencyShares); 0: exempt. */
  shares: number;
  /** Most requests waiting for a seat (0: refused at once). */
  queueLength: number;
}

/** Upstream's default priority levels (flowcontrol v1 bootstrap configuration). */
const LEVELS: Record<string, Level> = {
  'exempt': { shares: 0, queueLength: 0 },
  'node-high': { shares: 40, queueLength: 50 },
  'system': { shares: 30, queueLength: 50 },
  'leader-election': { shares: 10, queueLength: 50 },
  'workload-high': { shares: 40, queueLength: 50 },
  'workload-low': { shares: 100, queueLength: 50 },
  'global-default': { shares: 20, queueLength: 50 },
  'catch-all': { shares: 5, queueLength: 0 },
};

/** The priority level and the flow of a request, after upstream's default FlowSchemas in precedence order. */
export function classify(digest: RequestDigest): { level: string; flow: string } {
  const { user } = digest;
  const flow = user.username;
  const groups = new Set(user.groups);
  if (groups.has('system:masters')) return { level: 'exempt', flow };
  if (groups.has('system:nodes')) {
    // system-node-high: the node's own Node and Lease, whose renewals keep it from being declared dead.
    const nodeHigh = (digest.group === '' && digest.resource === 'nodes')
      || (digest.group === 'coordination.k8s.io' && digest.resource === 'leases' && digest.namespace === 'kube-node-lease');
    return { level: nodeHigh ? 'node-high' : 'system', flow };
  }
  if (user.serviceAccount?.namespace === 'kube-system') return { level: 'workload-high', flow: 'kube-system' };
  if (groups.has('system:serviceaccounts')) return { level: 'workload-low', flow };
  if (groups.has('system:authenticated') || groups.has('system:unauthenticated')) return { level: 'global-default', flow };
  return { level: 'catch-all', flow };
}

export interface FlowControlOptions {
  /** Seats for heavy reads, shared out among the levels by their shares (default 24). */
  seats?: number;
  /** Longest wait in a queue before the request is refused (default 15 s). */
  queueWaitMs?: number;
}

/** Gives a seat back. */
export type Release = () => void;

interface Waiter {
  flow: string;
  admit: (release: Release | undefined) => void;
}

class LevelState {
  busy = 0;
  readonly queues = new Map<string, Waiter[]>();
  waiting = 0;
  constructor(readonly seats: number, readonly queueLength: number) {}
}

/** The seats and queues of every priority level. */
export class PriorityAndFairness {
  readonly #levels = new Map<string, LevelState>();
  readonly #queueWaitMs: number;

  constructor(options: FlowControlOptions = {}) {
    const seats = options.seats ?? 24;
    this.#queueWaitMs = options.queueWaitMs ?? 15_000;
    const total = Object.values(LEVELS).reduce((sum, level) => sum + level.shares, 0);
    for (const [name, level] of Object.entries(LEVELS)) {
      const levelSeats = level.shares === 0 ? Infinity : Math.max(1, Math.ceil((seats * level.shares) / total));
      this.#levels.set(name, new LevelState(levelSeats, level.queueLength));
    }
  }

  /**
   * Waits for a seat for a heavy read. Resolves with the seat's release, or with undefined when
   * the request is refused (its level's queue is full, or it waited too long), or `abandoned`
   * fired first (the client went away).
   */
  acquire(digest: RequestDigest, abandoned?: (listener: () => void) => void): Promise<Release | undefined> {
    const { level: name, flow } = classify(digest);
    const level = this.#levels.get(name)!;
    if (level.busy < level.seats) return Promise.resolve(this.#seat(level));
    if (level.waiting >= level.queueLength) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = { flow, admit: resolve };
      const leave = (): void => {
        const queue = level.queues.get(flow);
        const at = queue?.indexOf(waiter) ?? -1;
        if (queue && at >= 0) {
          queue.splice(at, 1);
          level.waiting--;
          if (queue.length === 0) level.queues.delete(flow);
          resolve(undefined);
        }
      };
      const timer = setTimeout(leave, this.#queueWaitMs);
      waiter.admit = (release) => {
        clearTimeout(timer);
        resolve(release);
      };
      abandoned?.(leave);
      const queue = level.queues.get(flow);
      if (queue) queue.push(waiter);
      else level.queues.set(flow, [waiter]);
      level.waiting++;
    });
  }

  #seat(level: LevelState): Release {
    level.busy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      level.busy--;
      this.#dispatch(level);
    };
  }

  /** Gives a free seat to the flow at the head of the level's round-robin (Map order, rotated). */
  #dispatch(level: LevelState): void {
    while (level.busy < level.seats && level.waiting > 0) {
      const [flow, queue] = level.queues.entries().next().value as [string, Waiter[]];
      const waiter = queue.shift()!;
      level.waiting--;
      level.queues.delete(flow);
      // The flow goes to the back of the rotation, so another flow is served next.
      if (queue.length > 0) level.queues.set(flow, queue);
      waiter.admit(this.#seat(level));
    }
  }
}
