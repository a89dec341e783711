/**
 * CustomResourceDefinitions: a CRD whose names no other CRD of its group holds is accepted and
 * Established (its status says so, as the naming and establishing controllers write it) and its
 * served versions are served from then on; one whose names clash is neither. A deleted CRD
 * (Terminating, held by the cleanup finalizer) has its custom resources deleted, then its
 * finalizer removed, and once it is gone its resources are no longer served.
 */
import { metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { forbidden, StatusError } from '../api/status-error.js';
import { customResourceDefinitions as servedVersions } from '../customresources/custom-resource.js';
import { CRD_CLEANUP_FINALIZER, resourceRegistry, type ResourceDefinition } from '../resources/index.js';
import { AS_CONTROLLER, resource, type Controller, type ControllerContext } from './context.js';
import { WorkQueue, type SyncResult } from './work-queue.js';

type JsonObject = Record<string, unknown>;

/** How often a terminating CRD is checked again while its custom resources finish going. */
const CLEANUP_RECHECK_MS = 500;

export class CustomResourceDefinitionController implements Controller {
  readonly #queue: WorkQueue;
  #unsubscribe = (): void => {};
  /** The CRDs this controller serves, to withdraw them when it stops. */
  readonly #serving = new Set<string>();

  constructor(private readonly context: ControllerContext) {
    this.#queue = new WorkQueue('customresourcedefinitions', (name) => this.#sync(name), context.log, context.api.store);
  }

  start(): void {
    const crds = resource('customresourcedefinitions', 'apiextensions.k8s.io');
    this.#unsubscribe = this.context.api.store.subscribe('apiextensions.k8s.io/customresourcedefinitions', (change) => {
      this.#queue.add(change.key.name);
    });
    // What is stored is served before the first request: a restart serves the same resources.
    for (const crd of this.context.api.list(crds, '').items) {
      this.#serve(crd);
      this.#queue.add(metaOf(crd).name ?? '');
    }
  }

  stop(): void {
    this.#unsubscribe();
    this.#queue.stop();
    for (const name of this.#serving) resourceRegistry.withdraw(name);
    this.#serving.clear();
  }

  #sync(name: string): SyncResult {
    const { api } = this.context;
    const crds = resource('customresourcedefinitions', 'apiextensions.k8s.io');
    const crd = api.find(crds, '', name);
    if (!crd) {
      resourceRegistry.withdraw(name);
      this.#serving.delete(name);
      return;
    }
    if (metaOf(crd).deletionTimestamp !== undefined) return this.#cleanUp(crd);
    const conflict = this.#nameConflict(crd);
    api.mutate(crds, '', name, (current) => withStatus(current, conflict), AS_CONTROLLER, 'status');
    if (conflict) {
      resourceRegistry.withdraw(name);
      this.#serving.delete(name);
      return;
    }
    this.#serve(api.find(crds, '', name) ?? crd);
  }

  #serve(crd: Obj, terminating = false): void {
    const name = metaOf(crd).name ?? '';
    if (!terminating && this.#nameConflict(crd)) return;
    let definitions = servedVersions(crd);
    if (terminating) definitions = definitions.map(refusingCreates);
    try {
      resourceRegistry.serve(name, definitions);
      this.#serving.add(name);
    } catch (error) {
      this.context.log('error', 'cannot serve the custom resource', { crd: name, error: String(error) });
    }
  }

  /** Deletes the CRD's custom resources; once none is left, removes the cleanup finalizer. */
  #cleanUp(crd: Obj): SyncResult {
    const { api } = this.context;
    const name = metaOf(crd).name ?? '';
    const finalizers = metaOf(crd).finalizers ?? [];
    if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) return;
    this.#serve(crd, true);
    const storage = resourceRegistry.servedBy(name)[0];
    let remaining = 0;
    if (storage) {
      for (const item of api.list(storage, '').items) {
        remaining++;
        if (metaOf(item).deletionTimestamp !== undefined) continue;
        try {
          api.delete(storage, metaOf(item).namespace ?? '', metaOf(item).name ?? '', { propagationPolicy: 'Background' }, AS_CONTROLLER);
        } catch (error) {
          if (!(error instanceof StatusError && error.code === 404)) throw error;
        }
      }
    }
    if (remaining > 0 && storage && api.list(storage, '').items.length > 0) return { requeueAfterMs: CLEANUP_RECHECK_MS };
    const crds = resource('customresourcedefinitions', 'apiextensions.k8s.io');
    api.mutate(crds, '', name, (current) => ({
      ...current, metadata: { ...metaOf(current), finalizers: (metaOf(current).finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER) },
    }), AS_CONTROLLER);
  }

  /**
   * The CRD's names checked against those the other CRDs of its group have accepted, as the
   * naming controller checks them: the names it may have, and the last clash found.
   */
  #nameConflict(crd: Obj): NameCheck | undefined {
    const crds = resource('customresourcedefinitions', 'apiextensions.k8s.io');
    const spec = record(crd['spec']);
    const resources = new Set<string>();
    const kinds = new Set<string>();
    for (const other of this.context.api.list(crds, '').items) {
      if (metaOf(other).name === metaOf(crd).name || record(other['spec'])['group'] !== spec['group']) continue;
      const accepted = record(record(other['status'])['acceptedNames']);
      for (const name of [accepted['plural'], accepted['singular'], ...list(accepted['shortNames'])]) if (typeof name === 'string' && name !== '') resources.add(name);
      for (const name of [accepted['kind'], accepted['listKind']]) if (typeof name === 'string' && name !== '') kinds.add(name);
    }
    return checkNames(record(spec['names']), resources, kinds);
  }
}

/** Which of a CRD's names may be accepted, and the clash its NamesAccepted condition reports. */
interface NameCheck {
  accepted: JsonObject;
  reason: string;
  message: string;
}

function checkNames(names: JsonObject, resources: Set<string>, kinds: Set<string>): NameCheck | undefined {
  const accepted: JsonObject = { ...names };
  let clash: { reason: string; message: string } | undefined;
  const check = (field: string, reason: string, taken: Set<string>): void => {
    const value = names[field];
    if (typeof value !== 'string' || value === '' || !taken.has(value)) return;
    delete accepted[field];
    clash = { reason, message: `"${value}" is already in use` };
  };
  check('plural', 'PluralConflict', resources);
  check('singular', 'SingularConflict', resources);
  const short = list(names['shortNames']).find((n) => typeof n === 'string' && resources.has(n));
  if (typeof short === 'string') {
    delete accepted['shortNames'];
    clash = { reason: 'ShortNamesConflict', message: `"${short}" is already in use` };
  }
  check('kind', 'KindConflict', kinds);
  check('listKind', 'ListKindConflict', kinds);
  return clash ? { accepted, ...clash } : undefined;
}

/** A terminating CRD's resource: read and deleted as before, created no more. */
function refusingCreates(definition: ResourceDefinition): ResourceDefinition {
  return {
    ...definition,
    admitCreate(object) {
      throw forbidden(definition, metaOf(object).name ?? '', 'create not allowed while custom resource definition is terminating');
    },
  };
}

function withStatus(crd: Obj, conflict: NameCheck | undefined): Obj | undefined {
  const spec = record(crd['spec']);
  const status = record(crd['status']);
  const now = timestamp(new Date());
  const names = record(spec['names']);
  const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as JsonObject[]) : [];
  // A CRD whose names clash is not established.
  const wanted: JsonObject[] = conflict === undefined
    ? [
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ]
    : [
        { type: 'NamesAccepted', status: 'False', reason: conflict.reason, message: conflict.message },
        { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' },
      ];
  let changed = false;
  const next = conditions.filter((c) => !wanted.some((w) => w['type'] === c['type']));
  for (const condition of wanted) {
    const old = conditions.find((c) => c['type'] === condition['type']);
    const same = old !== undefined && old['status'] === condition['status'] && old['reason'] === condition['reason'] && old['message'] === condition['message'];
    if (!same) changed = true;
    next.push({ type: condition['type'], status: condition['status'], lastTransitionTime: same && old['status'] === condition['status'] ? old['lastTransitionTime'] : now, reason: condition['reason'], message: condition['message'] });
  }
  const acceptedNames = acceptedOf(conflict === undefined ? names : conflict.accepted);
  if (JSON.stringify(acceptedNames) !== JSON.stringify(status['acceptedNames'])) changed = true;
  if (!changed) return undefined;
  const ordered = [...next].sort((a, b) => order(a['type']) - order(b['type']));
  return { ...crd, status: { ...status, conditions: ordered, acceptedNames } };
}

function order(type: unknown): number {
  return ['NamesAccepted', 'Established', 'Terminating'].indexOf(String(type)) + 1 || 9;
}

function acceptedOf(names: JsonObject): JsonObject {
  const accepted: JsonObject = {};
  for (const key of ['categories', 'kind', 'listKind', 'plural', 'shortNames', 'singular']) {
    const value = names[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) accepted[key] = value;
  }
  accepted['plural'] ??= '';
  accepted['kind'] ??= '';
  return accepted;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function record(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}
