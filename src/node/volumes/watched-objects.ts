/**
 * The ConfigMaps and Secrets the node's pods use, kept current by one watch per object, as the
 * kubelet's watch-based manager keeps them (configMapAndSecretChangeDetectionStrategy: Watch):
 * each object is listed and watched by name (`fieldSelector=metadata.name=NAME`, which the Node
 * authorizer allows for objects of the node's pods), shared by every pod that uses it, and its
 * watch ends when the last of those pods is gone. An idle node then asks nothing of the API
 * server for its pods' volumes; polling cost a request per object per pod per minute.
 */
import { ApiError, type KubeClient } from '../kube-client/client.js';

export type ObjectResource = 'configmaps' | 'secrets';

interface Entry {
  value: unknown;
  /** Settles once the first list answered (rejects with its error). */
  ready: Promise<void>;
  holders: Set<string>;
  abort: AbortController;
}

type Listed = { metadata?: { resourceVersion?: string }; items?: unknown[] };
type Named = { metadata?: { resourceVersion?: string } };

export class WatchedObjects {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly client: KubeClient,
    private readonly log: (level: 'warn', message: string, fields?: Record<string, unknown>) => void,
  ) {}

  /**
   * The object as last seen (undefined when it does not exist), for `holder` (a pod's uid), which
   * keeps it watched until released.
   * @throws ApiError when the first list fails (403 for an object the node may not read)
   */
  async get<T>(resource: ObjectResource, namespace: string, name: string, holder: string): Promise<T | undefined> {
    const key = `${resource}/${namespace}/${name}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      const created: Entry = { value: undefined, ready: Promise.resolve(), holders: new Set(), abort: new AbortController() };
      const drop = (): void => {
        created.abort.abort();
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      };
      created.ready = this.#follow(created, resource, namespace, name, drop);
      this.#entries.set(key, created);
      entry = created;
      // A failed first list is not kept: the next sync asks again.
      created.ready.catch(drop);
    }
    entry.holders.add(holder);
    await entry.ready;
    return entry.value as T | undefined;
  }

  /** `holder` no longer uses any object: watches nobody else needs end. */
  release(holder: string): void {
    for (const [key, entry] of this.#entries) {
      if (!entry.holders.delete(holder) || entry.holders.size > 0) continue;
      entry.abort.abort();
      this.#entries.delete(key);
    }
  }

  stop(): void {
    for (const entry of this.#entries.values()) entry.abort.abort();
    this.#entries.clear();
  }

  /** Lists the object, then watches it; resolves after the first list, and goes on in the background. */
  #follow(entry: Entry, resource: ObjectResource, namespace: string, name: string, drop: () => void): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}`;
    const query = { fieldSelector: `metadata.name=${name}` };
    const signal = entry.abort.signal;
    const list = async (): Promise<string> => {
      const listed = await this.client.get<Listed>(path, query);
      entry.value = listed.items?.[0];
      return listed.metadata?.resourceVersion ?? '';
    };
    const first = list();
    void first.then(async (version) => {
      let resourceVersion = version;
      while (!signal.aborted) {
        try {
          // As a reflector: the server ends each watch after 5 to 10 minutes, and it is resumed.
          const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
          const error = await this.client.watch<Named>(path, { ...query, resourceVersion, timeoutSeconds }, (event) => {
            resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
            if (event.type === 'ADDED' || event.type === 'MODIFIED') entry.value = event.object;
            else if (event.type === 'DELETED') entry.value = undefined;
          }, signal);
          // An ERROR (410 Gone: the version is too old) means a fresh list.
          if (error && !signal.aborted) resourceVersion = await list();
        } catch (error) {
          if (signal.aborted) return;
          // No pod of this node uses it any more (it is being removed): the next use lists it again.
          if (error instanceof ApiError && error.code === 403) return drop();
          this.log('warn', `watching ${resource} ${namespace}/${name} failed; retrying`, { error: (error as Error).message });
          await new Promise((resolve) => setTimeout(resolve, 1000));
          resourceVersion = await list().catch(() => resourceVersion);
        }
      }
    }, () => undefined);
    return first.then(() => undefined);
  }
}
