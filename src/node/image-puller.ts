/**
 * Images for the node's pods, as the kubelet's image manager pulls them: by imagePullPolicy,
 * with the Pulling, Pulled, Failed and BackOff events, ErrImagePull on a failed pull and then
 * ImagePullBackOff while the next attempt waits (10 s, doubling, at most 5 minutes).
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { isHostpodError } from '../errors.js';
import { ensureImage } from '../runtime/image/ensure.js';
import type { ImageStore } from '../runtime/image/store.js';
import type { EventRecorder } from './events.js';
import { INITIAL_BACKOFF_MS, MAX_BACKOFF_MS } from './restart-backoff.js';

/** Why a container waits for its image: the reason and message of its `waiting` state. */
export interface ImageWait {
  reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull';
  message: string;
}

export class ImagePuller {
  /** Per pod and image: when the next pull may be tried, and the delay after that. */
  readonly #backoff = new Map<string, { retryAt: number; delayMs: number }>();

  constructor(
    private readonly store: ImageStore,
    private readonly insecureRegistries: readonly string[],
    private readonly events: EventRecorder,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Makes the container's image present.
   * @returns undefined when it is, or why the container waits (and when to try again)
   */
  async ensure(pod: V1Pod, container: V1Container, init: boolean): Promise<(ImageWait & { retryAt: number }) | undefined> {
    const image = container.image ?? '';
    const key = `${pod.metadata?.uid ?? ''}/${image}`;
    const ref = { name: container.name, init };
    const entry = this.#backoff.get(key);
    if (entry && this.now() < entry.retryAt) {
      this.events.record(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, ref);
      this.events.record(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', ref);
      return { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"`, retryAt: entry.retryAt };
    }
    const started = this.now();
    try {
      const pulled = await ensureImage(this.store, container, {
        insecureRegistries: this.insecureRegistries,
        onPull: () => this.events.record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, ref),
      });
      this.#backoff.delete(key);
      const seconds = ((this.now() - started) / 1000).toFixed(3);
      this.events.record(pod, 'Normal', 'Pulled', pulled ? `Successfully pulled image "${image}" in ${seconds}s` : `Container image "${image}" already present on machine`, ref);
      return undefined;
    } catch (error) {
      if (isHostpodError(error, 'ERR_HOSTPOD_IMAGE_MISSING')) {
        // Never pulled (policy Never, or a localhost/ image): looked for again on each try, without backoff.
        const never = `Container image "${image}" is not present with pull policy of Never`;
        this.events.record(pod, 'Warning', 'ErrImageNeverPull', never, ref);
        return { reason: 'ErrImageNeverPull', message: `${never}: ${error.hint ?? error.message}`, retryAt: this.now() + INITIAL_BACKOFF_MS };
      }
      const message = error instanceof Error ? error.message : String(error);
      const delayMs = entry ? Math.min(entry.delayMs * 2, MAX_BACKOFF_MS) : INITIAL_BACKOFF_MS;
      const retryAt = this.now() + (entry?.delayMs ?? INITIAL_BACKOFF_MS);
      this.#backoff.set(key, { retryAt, delayMs });
      this.events.record(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`, ref);
      this.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', ref);
      return { reason: 'ErrImagePull', message: `failed to pull and unpack image "${image}": ${message}`, retryAt };
    }
  }

  /** Forgets a pod's backoffs (it is gone). */
  forget(uid: string): void {
    for (const key of this.#backoff.keys()) if (key.startsWith(`${uid}/`)) this.#backoff.delete(key);
  }
}
