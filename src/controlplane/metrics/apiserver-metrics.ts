/**
 * The API server's own `/metrics`, a real subset of kube-apiserver's with its names, labels,
 * types and help: requests counted and timed by verb, group, version, resource, subresource,
 * scope, component and code (apiserver_request_total, apiserver_request_duration_seconds), the
 * requests in flight by kind, the objects stored per resource, and the process' CPU, memory,
 * descriptors and start time (the Go client's process collector).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { exposition, type Labels, type MetricFamily } from './exposition.js';

/** apiserver_request_duration_seconds' buckets in kube-apiserver. */
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** What a request is, for its labels; scope '' and empty group, version and resource for non-resource paths. */
export interface RequestAttributes {
  /** kube-apiserver's reported verb: GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION, CONNECT. */
  verb: string;
  dryRun: boolean;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: 'resource' | 'namespace' | 'cluster' | '';
}

interface Timed {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

export class ApiServerMetrics {
  readonly #requests = new Map<string, { labels: Labels; value: number }>();
  readonly #durations = new Map<string, Timed>();
  readonly #inflight = { readOnly: 0, mutating: 0 };
  /** The most in flight in the current second and the one before, per kind: the gauge is "the maximum in the last second". */
  readonly #peak = { readOnly: [0, 0], mutating: [0, 0] };
  #second = Math.floor(Date.now() / 1000);

  /** A request begins; the function returned ends it. */
  begin(mutating: boolean): () => void {
    const kind = mutating ? 'mutating' : 'readOnly';
    this.#inflight[kind]++;
    this.#roll();
    this.#peak[kind][1] = Math.max(this.#peak[kind][1]!, this.#inflight[kind]);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inflight[kind]--;
    };
  }

  /** Counts a finished request and its duration (long-running ones, watches and exec, are counted but not timed, as kube-apiserver). */
  observe(request: RequestAttributes, code: number, seconds: number): void {
    const base: [string, string][] = [
      ['component', 'apiserver'], ['dry_run', request.dryRun ? 'All' : ''], ['group', request.group], ['resource', request.resource],
      ['scope', request.scope], ['subresource', request.subresource], ['verb', request.verb], ['version', request.version],
    ];
    const counted: [string, string][] = [['code', String(code)], ...base];
    const key = JSON.stringify(counted);
    const counter = this.#requests.get(key) ?? { labels: counted, value: 0 };
    counter.value++;
    this.#requests.set(key, counter);
    if (request.verb === 'WATCH' || request.verb === 'CONNECT') return;
    const timedKey = JSON.stringify(base);
    let timed = this.#durations.get(timedKey);
    if (!timed) this.#durations.set(timedKey, (timed = { labels: base, counts: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    DURATION_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) timed.counts[i]!++;
    });
    timed.sum += seconds;
    timed.count++;
  }

  /** The exposition, with `stored` the number of objects per resource (`pods`, `daemonsets.apps`). */
  text(stored: ReadonlyMap<string, number>): string {
    this.#roll();
    const families: MetricFamily[] = [
      {
        name: 'apiserver_request_total', type: 'counter',
        help: '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
        samples: [...this.#requests.values()],
      },
      {
        name: 'apiserver_request_duration_seconds', type: 'histogram',
        help: '[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
        buckets: DURATION_BUCKETS, samples: [...this.#durations.values()],
      },
      {
        name: 'apiserver_current_inflight_requests', type: 'gauge',
        help: '[STABLE] Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
        samples: (['mutating', 'readOnly'] as const).map((kind) => ({ labels: [['request_kind', kind]], value: Math.max(this.#inflight[kind], ...this.#peak[kind]) })),
      },
      {
        name: 'apiserver_storage_objects', type: 'gauge',
        help: '[STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
        samples: [...stored].map(([resource, value]) => ({ labels: [['resource', resource]], value })),
      },
      ...processFamilies(),
    ];
    return exposition(families);
  }

  /** Moves the peaks on when a second has passed. */
  #roll(): void {
    const second = Math.floor(Date.now() / 1000);
    if (second === this.#second) return;
    for (const kind of ['readOnly', 'mutating'] as const) {
      const peak = this.#peak[kind];
      peak[0] = second - this.#second === 1 ? peak[1]! : this.#inflight[kind];
      peak[1] = this.#inflight[kind];
    }
    this.#second = second;
  }
}

/** The Go client's process collector: CPU, memory, descriptors and start time, from /proc and Node. */
function processFamilies(): MetricFamily[] {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const families: MetricFamily[] = [
    { name: 'process_cpu_seconds_total', type: 'counter', help: 'Total user and system CPU time spent in seconds.', samples: [{ labels: [], value: (cpu.user + cpu.system) / 1e6 }] },
    { name: 'process_resident_memory_bytes', type: 'gauge', help: 'Resident memory size in bytes.', samples: [{ labels: [], value: memory.rss }] },
    { name: 'process_start_time_seconds', type: 'gauge', help: 'Start time of the process since unix epoch in seconds.', samples: [{ labels: [], value: Math.round(Date.now() / 10 - process.uptime() * 100) / 100 }] },
  ];
  const virtual = /^VmSize:\s+(\d+) kB/m.exec(readOrEmpty('/proc/self/status'))?.[1];
  if (virtual) families.push({ name: 'process_virtual_memory_bytes', type: 'gauge', help: 'Virtual memory size in bytes.', samples: [{ labels: [], value: Number(virtual) * 1024 }] });
  try {
    families.push({ name: 'process_open_fds', type: 'gauge', help: 'Number of open file descriptors.', samples: [{ labels: [], value: readdirSync('/proc/self/fd').length }] });
  } catch {
    // No /proc: the Go client leaves the family out too.
  }
  const maxFds = /^Max open files\s+(\d+)/m.exec(readOrEmpty('/proc/self/limits'))?.[1];
  if (maxFds) families.push({ name: 'process_max_fds', type: 'gauge', help: 'Maximum number of open file descriptors.', samples: [{ labels: [], value: Number(maxFds) }] });
  return families;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
