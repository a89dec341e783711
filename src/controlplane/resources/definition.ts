/**
 * The shape of a served resource: everything that makes one resource different from another,
 * in one object, as kube-apiserver keeps it in `pkg/registry/<group>/<resource>` (the storage's
 * names, verbs and table convertor in storage.go, the strategy in strategy.go). The generic
 * steps (object API, discovery, OpenAPI, tables, patches, field selectors) read it and never
 * switch on a resource's name. Definitions are listed in `index.ts`, one file each in
 * `definitions/`.
 */
import { resolveKind } from '../../api/kinds.js';
import type { FieldValue } from '../api/field-sets.js';
import type { DeletionPlan } from '../api/deletion.js';
import type { ObjectApi, RequestContext } from '../api/object-api.js';
import type { Obj, ObjectLookup } from '../api/object-meta.js';
import type { UpdateSubresource } from '../api/prepare-update.js';
import type { UserInfo } from '../auth/user.js';
import type { JsonObject } from '../../api/defaults/json.js';
import type { TypeMeta } from '../patch/patch-meta.js';
import type { FieldTypes } from '../fieldmanager/field-types.js';
import type { ResourcePrinter } from '../tables/shared.js';
import type { ServiceNetwork } from '../services/service-network.js';

export interface Subresource {
  name: string;
  kind: string;
  /** The subresource's own group/version when its kind lives elsewhere (TokenRequest, Binding). */
  group?: string;
  version?: string;
  verbs: readonly string[];
}

/** What a strategy may look at besides the object: who asks, and the stored objects. */
export interface StrategyContext {
  user: UserInfo;
  /** Reads one stored object (resource as the store names it: `pods`, `apps/daemonsets`). */
  lookup: ObjectLookup;
  /** The pods of a namespace, for Pod Security's warnings when its enforce level changes. */
  podsIn: (namespace: string) => Obj[];
  /** The stored objects of a resource (as the store names it) in a namespace ('' all): RBAC's escalation checks read roles and bindings. */
  objectsIn?: (resource: string, namespace: string) => Obj[];
  /** Where a step before validation records its warnings, which go out even if the request then fails. */
  warnings?: string[];
  /** kube-apiserver's --allow-privileged (true when not said). */
  allowPrivileged?: boolean;
  /** The subresource an update came through (`ephemeralcontainers`), when not the object itself. */
  subresource?: string;
  /** Every stored object of a resource (as the store names it), in all namespaces: what a Service's allocation reads. */
  listAll?: (resource: string) => Obj[];
  /** The service cluster IP and node port ranges (--service-cluster-ip-range, --service-node-port-range). */
  serviceNetwork?: ServiceNetwork;
}

/** A create that is a question answered, not an object stored (a Binding, a SubjectAccessReview). */
export interface AnsweredCreate {
  api: ObjectApi;
  namespace: string;
  /** The body, decoded into the resource's kind as any write's (api/field-validation.ts). */
  body: Obj;
  /** Who asks, and whether it is a dry run. */
  context: RequestContext;
  /** The server's token authentication, for a TokenReview. */
  authenticateToken?: (token: string) => UserInfo | undefined;
}

/** A resource's definition as it is written: its scope comes from the catalogue of built-in kinds. */
export interface ResourceSpec {
  // What discovery says about it.
  group: string;
  version: string;
  kind: string;
  /** The plural name in URLs: `pods`. */
  resource: string;
  singular: string;
  verbs: readonly string[];
  shortNames: readonly string[];
  categories: readonly string[];
  /** Discovery's storageVersionHash (custom resources: of the group, storage version and kind). */
  storageVersionHash?: string;
  /** `status` among them means a status subresource: updates of the object keep the stored status and the reverse. */
  subresources: readonly Subresource[];

  // The strategy: what the generic registry does differently for it.
  /** An update (PUT) must name the resourceVersion it replaces (upstream's AllowUnconditionalUpdate false). */
  requireResourceVersion?: boolean;
  /** metadata.generation is 1 on create and goes up when the spec changes. */
  generation?: boolean;
  /**
   * A custom resource's decoding: drops, in place, the fields its schema does not declare, and
   * names them (`spec.foo`) for strict field validation. Without it, the kind's Go type decides.
   */
  pruneUnknown?: (object: JsonObject) => string[];
  /** The defaulting functions (SetDefaults_<Kind>), applied in place to every object decoded. */
  defaults?: (object: JsonObject) => void;
  /** PrepareForCreate after the generic system metadata; `now` is the creationTimestamp. */
  prepareForCreate?: (object: JsonObject, now: string) => void;
  /** PrepareForUpdate (and Canonicalize) after the generic one: system metadata kept, spec and status split. */
  prepareForUpdate?: (stored: JsonObject, updated: JsonObject, subresource: UpdateSubresource) => void;
  /** Mutating admission of a new object, after its preparation. @throws StatusError */
  admitCreate?: (object: Obj, context: StrategyContext) => Obj;
  /** Mutating admission of an update of the object itself (not a subresource), before its preparation. */
  admitUpdate?: (current: Obj, object: Obj) => Obj;
  /**
   * Whether `validate` reports metadata errors itself, with those of the rest of the object (a
   * pod's or workload's validation, as ValidatePodCreate does), so that one 422 names them all
   * instead of the generic metadata check answering first.
   */
  validatesMetadata?: boolean;
  /** The name's rule when it is not ObjectMeta's DNS subdomain (a namespace's DNS label): the messages for a bad name. */
  validateName?: (name: string) => string[];
  /**
   * Validation and validating admission of a create (`current` undefined) or an update of the
   * object itself, after metadata validation.
   * @returns warnings @throws StatusError
   */
  validate?: (object: Obj, current: Obj | undefined, context: StrategyContext) => string[];
  /** @throws StatusError when this object may not be deleted */
  checkDelete?: (object: Obj) => void;
  /** Graceful deletion: the grace period of a delete (`requested` from DeleteOptions); without it, 0. */
  gracePeriod?: (object: Obj, requested: number | bigint | undefined) => number | bigint;
  /** A deletion of its own instead of the generic one, given the finalizers after propagation. */
  planDeletion?: (current: Obj, finalizers: string[], now: Date) => DeletionPlan;
  /** A create answered rather than stored: the response body (201). @throws StatusError */
  answerCreate?: (request: AnsweredCreate) => Obj;

  // What clients read.
  /** The warning every request to the resource gets, as kube-apiserver warns of a deprecated API (`v1 Endpoints is deprecated in v1.33+; ...`). */
  deprecationWarning?: string;
  /**
   * What a stored object is shown as (a custom resource: in the version asked for, defaulted);
   * every response and the object a patch applies to go through it. Without it, as stored.
   */
  present?: (object: Obj) => Obj;
  /** The Go type's patch tags; without them, strategic merge patches are refused (415). */
  patchMeta?: TypeMeta;
  /** The `kubectl get` columns; without a printer, the default table (Name, Created At). */
  printer?: ResourcePrinter;
  /** The fields `--field-selector` takes besides metadata.name and metadata.namespace. */
  selectableFields?: Readonly<Record<string, FieldValue>>;
  /**
   * The field types server-side apply merges by (fieldmanager/field-types.ts), when they are not
   * the built-in kind's recorded ones: a custom resource's structural schema, converted with
   * `fieldTypeFromOpenApi`. Undefined: the recorded ones, or untyped for an unknown kind.
   */
  fieldTypes?: () => FieldTypes | undefined;
}

/** A served resource: its spec, and its scope. */
export interface ResourceDefinition extends Readonly<ResourceSpec> {
  readonly namespaced: boolean;
}

/** The verbs of a resource stored with the full registry. */
export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
/** The verbs of a status subresource. */
export const STATUS_VERBS = ['get', 'patch', 'update'] as const;

/**
 * A definition from its spec, namespaced or not as src/api/kinds.ts (the catalogue of built-in
 * kinds `hostpod lint` uses too) says of its kind.
 * @throws Error for a kind the catalogue does not know: add it there first
 */
export function defineResource(spec: ResourceSpec): ResourceDefinition {
  const apiVersion = groupVersion(spec);
  const resolved = resolveKind(apiVersion, spec.kind);
  if (resolved.type !== 'pod' && resolved.type !== 'other') {
    throw new Error(`${spec.resource}: src/api/kinds.ts does not list kind ${spec.kind} of ${apiVersion}; add it there with its scope`);
  }
  if (resolved.type === 'pod' && resolved.info.resource !== spec.resource) {
    throw new Error(`${spec.resource}: src/api/kinds.ts names the resource of ${spec.kind} ${resolved.info.resource}`);
  }
  // Every kind that makes pods is namespaced.
  return { ...spec, namespaced: resolved.type === 'pod' || resolved.namespaced };
}

/** The group/version string of a resource: `v1`, `apps/v1`. */
export function groupVersion(info: { group: string; version: string }): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** The store's name for a resource: `pods`, `apps/daemonsets`. */
export function storeResource(info: { group: string; resource: string }): string {
  return info.group === '' ? info.resource : `${info.group}/${info.resource}`;
}

/** The key of a kind: `v1/Pod`, `apps/v1/DaemonSet`. */
export function kindKey(info: { group: string; version: string; kind: string }): string {
  return `${groupVersion(info)}/${info.kind}`;
}

/** Whether the resource has a subresource of that name. */
export function hasSubresource(info: ResourceDefinition, name: string): boolean {
  return info.subresources.some((s) => s.name === name);
}
