/**
 * A control plane's object API without its server or controllers, on a clock the test drives:
 * for the Job, TTL-after-finished and CronJob controllers' unit tests, which call a controller's
 * `sync` themselves and play the node's part by writing pods' phases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectApi, type RequestContext } from '../../src/controlplane/api/object-api.js';
import { metaOf, type Obj } from '../../src/controlplane/api/object-meta.js';
import { ResourceStrategy } from '../../src/controlplane/api/strategy.js';
import { ADMIN_USER } from '../../src/controlplane/auth/user.js';
import type { ControllerContext } from '../../src/controlplane/controllers/context.js';
import { findResource } from '../../src/controlplane/resources/index.js';
import { Store } from '../../src/controlplane/store/index.js';

export const ADMIN: RequestContext = { user: ADMIN_USER };

export interface BatchHarness {
  api: ObjectApi;
  context: ControllerContext;
  /** The current time of the clock. */
  now(): Date;
  /** Moves the clock on by `ms`. */
  advance(ms: number): void;
  /** The pods of a Job (by name), oldest first. */
  podsOf(job: string): Obj[];
  /** Writes a pod's status as its node would: its phase, and a container's exit code when it ended. */
  setPhase(pod: Obj, phase: 'Running' | 'Succeeded' | 'Failed', exitCode?: number): void;
  close(): void;
}

export function resourceOf(name: string, group = ''): NonNullable<ReturnType<typeof findResource>> {
  const found = findResource(group, 'v1', name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
}

export function startBatchHarness(start = '2026-01-01T00:00:00Z'): BatchHarness {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-batch-'));
  const store = Store.open(join(dir, 'state.db'));
  let clock = Date.parse(start);
  const now = (): Date => new Date(clock);
  const lookup = (resource: string, namespace: string, name: string): Obj | undefined => store.get({ resource, namespace, name });
  const api = new ObjectApi(store, new ResourceStrategy(lookup, now, (namespace) => store.list('pods', { namespace }).items), now);
  api.create(resourceOf('namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, ADMIN);
  api.create(resourceOf('serviceaccounts'), 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, ADMIN);
  const pods = resourceOf('pods');
  return {
    api,
    context: { api, log: () => {}, caCertificate: '' },
    now,
    advance(ms) {
      clock += ms;
    },
    podsOf(job) {
      return api.list(pods, 'default', { labelSelector: `job-name=${job}` }).items
        .sort((a, b) => (metaOf(a).creationTimestamp ?? '').localeCompare(metaOf(b).creationTimestamp ?? '') || Number(metaOf(a).resourceVersion) - Number(metaOf(b).resourceVersion));
    },
    setPhase(pod, phase, exitCode) {
      const container = ((pod['spec'] as { containers: { name: string }[] }).containers[0]!).name;
      const state = phase === 'Running' ? { running: {} } : { terminated: { exitCode: exitCode ?? (phase === 'Succeeded' ? 0 : 1), reason: phase === 'Succeeded' ? 'Completed' : 'Error' } };
      api.mutate(pods, 'default', metaOf(pod).name ?? '', (current) => ({
        ...current,
        status: {
          ...(current['status'] as Obj),
          phase,
          conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }],
          containerStatuses: [{ name: container, image: 'busybox', imageID: '', ready: phase === 'Running', restartCount: 0, state }],
        },
      }), ADMIN, 'status');
    },
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
