/**
 * The kubelet's events about pods, over the API: one Event per pod, container, reason and
 * message, whose count and lastTimestamp grow when it repeats (client-go's correlator, kept
 * in memory), from `kubelet` on this node. Sending is best effort and never holds up a pod. As the
 * kubelet's event client, it sends at most EVENT_QPS a second after a burst of EVENT_BURST
 * (KubeletConfiguration's eventRecordQPS and eventBurst defaults), so a hundred pods starting at
 * once do not crowd the API server with their events.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from './kube-client/client.js';

export type EventType = 'Normal' | 'Warning';

interface Sent {
  name: string;
  count: number;
  firstTimestamp: string;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * client-go's `<object name>.<hex nanoseconds>`, with the object's name cut so that the whole is
 * a valid name (253 characters) even for a 253-character pod name: the event still names the pod
 * in full in its involvedObject.
 */
function eventName(object: string, suffix: string): string {
  const room = 253 - suffix.length - 1;
  const base = object.length <= room ? object : object.slice(0, room).replace(/[-.]+$/, '');
  return `${base}.${suffix}`;
}

/** KubeletConfiguration's defaults (1.27 and later): eventRecordQPS, eventBurst. */
export const EVENT_QPS = 50;
export const EVENT_BURST = 100;

/**
 * client-go's token bucket (golang.org/x/time/rate, behind its flowcontrol limiter): full at the
 * start, at most `burst` tokens, refilled at `qps` a second; a token taken when none is left is
 * owed, and the taker waits until it is refilled. Written here: it is a subtraction per event,
 * where npm's rate limiters bring timers of their own and a dependency.
 */
export class TokenBucket {
  #tokens: number;
  #at = performance.now();

  constructor(private readonly qps: number, private readonly burst: number) {
    this.#tokens = burst;
  }

  /** Takes a token: how many milliseconds to wait before using it (0: now). */
  take(): number {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.qps);
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.qps) * 1000;
  }
}

export class EventRecorder {
  readonly #sent = new Map<string, Sent>();
  #queue: Promise<void> = Promise.resolve();
  #last = 0n;
  readonly #bucket: TokenBucket;
  /** Stopping: what is queued goes at once. */
  #draining = false;

  constructor(
    private readonly client: KubeClient,
    private readonly nodeName: string,
    private readonly log: (message: string) => void = () => {},
    limits: { qps: number; burst: number } = { qps: EVENT_QPS, burst: EVENT_BURST },
  ) {
    this.#bucket = new TokenBucket(limits.qps, limits.burst);
  }

  /** Records an event about a pod, or about one of its containers when `container` names it. */
  record(pod: V1Pod, type: EventType, reason: string, message: string, container?: { name: string; init: boolean; ephemeral?: boolean }): void {
    const namespace = pod.metadata?.namespace ?? 'default';
    const uid = pod.metadata?.uid ?? '';
    const list = container?.ephemeral ? 'ephemeralContainers' : container?.init ? 'initContainers' : 'containers';
    const fieldPath = container ? `spec.${list}{${container.name}}` : undefined;
    const key = `${uid}\0${fieldPath ?? ''}\0${type}\0${reason}\0${message}`;
    const now = stamp(new Date());
    const previous = this.#sent.get(key);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
    this.#queue = this.#queue.then(async () => {
      const wait = this.#draining ? 0 : this.#bucket.take();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        if (previous) {
          previous.count++;
          await this.client.mergePatch(`${path}/${previous.name}`, { count: previous.count, lastTimestamp: now });
          return;
        }
        const name = eventName(pod.metadata?.name ?? '', this.#nextSuffix());
        this.#sent.set(key, { name, count: 1, firstTimestamp: now });
        await this.client.create(path, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: 'v1', kind: 'Pod', namespace, name: pod.metadata?.name, uid,
            ...(fieldPath ? { fieldPath } : {}),
          },
          reason,
          message,
          type,
          source: { component: 'kubelet', host: this.nodeName },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: 'kubelet',
          reportingInstance: this.nodeName,
        });
      } catch (error) {
        // The namespace may be going away, or the event was garbage-collected: not the pod's problem.
        this.log(`event ${reason} for pod ${namespace}/${pod.metadata?.name ?? ''} not recorded: ${(error as Error).message}`);
        this.#sent.delete(key);
      }
    });
  }

  /** Growing hex nanoseconds, as client-go names events: listing by name lists by time. */
  #nextSuffix(): string {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.#last = now > this.#last ? now : this.#last + 1n;
    return this.#last.toString(16);
  }

  /** Forgets a pod's events (it is gone). */
  forget(uid: string): void {
    for (const key of this.#sent.keys()) if (key.startsWith(`${uid}\0`)) this.#sent.delete(key);
  }

  /** Resolves when every event recorded so far has been sent; they go at once, the rate aside (the agent stops). */
  flush(): Promise<void> {
    this.#draining = true;
    return this.#queue;
  }
}
