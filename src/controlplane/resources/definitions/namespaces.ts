/**
 * Namespaces (core/v1, cluster-scoped): DNS-label names, Pod Security labels that must parse, the
 * `kubernetes` finalizer that only `namespaces/finalize` removes, and a deletion that first
 * terminates (the namespace controller empties the namespace, then finalizes it).
 */
import { metaOf, timestamp, withMeta, type Obj } from '../../api/object-meta.js';
import { forbidden } from '../../api/status-error.js';
import type { DeletionPlan } from '../../api/deletion.js';
import { fieldText } from '../../api/field-sets.js';
import { existingPodsWarnings, validateNamespaceLabels } from '../../admission/pod-security.js';
import { copyField, ensureObject, type JsonObject } from '../../../api/defaults/json.js';
import { defaultNamespace, labelWithName } from '../../../api/defaults/namespace-defaults.js';
import { Namespace } from '../../patch/patch-meta.js';
import { namespacePrinter } from '../../tables/namespaces.js';
import { isDNS1123Label } from '../../../policy/validation/names.js';
import { defineResource, STATUS_VERBS } from '../definition.js';

/** The finalizer of a new namespace: the namespace controller removes it once the namespace is empty. */
export const KUBERNETES_FINALIZER = 'kubernetes';

/** Namespaces the API server refuses to delete (NamespaceLifecycle admission). */
const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

export const namespaces = defineResource({
  group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', singular: 'namespace',
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'], categories: [],
  subresources: [{ name: 'status', kind: 'Namespace', verbs: STATUS_VERBS }, { name: 'finalize', kind: 'Namespace', verbs: ['update'] }],

  defaults: defaultNamespace,
  prepareForCreate(namespace) {
    namespace['status'] = { phase: 'Active' };
    const spec = ensureObject(namespace, 'spec');
    const finalizers = Array.isArray(spec['finalizers']) ? (spec['finalizers'] as unknown[]) : [];
    if (!finalizers.includes(KUBERNETES_FINALIZER)) spec['finalizers'] = [...finalizers, KUBERNETES_FINALIZER];
    labelWithName(namespace);
  },
  prepareForUpdate(stored, updated, subresource) {
    // Only `namespaces/finalize` changes the finalizers.
    if (subresource === '') copyField(ensureObject(stored, 'spec'), ensureObject(updated, 'spec'), 'finalizers');
    labelWithName(updated);
  },
  // Namespaces are DNS labels (they become parts of DNS names), stricter than other objects' subdomains.
  validateName: isDNS1123Label,
  validate(namespace, current, context) {
    validateNamespaceLabels(namespaces, namespace);
    return current ? existingPodsWarnings(namespace, current, context.podsIn) : [];
  },
  checkDelete(namespace) {
    const name = metaOf(namespace).name ?? '';
    if (UNDELETABLE.has(name)) throw forbidden(namespaces, name, 'this namespace may not be deleted');
  },
  planDeletion: terminate,

  patchMeta: Namespace,
  printer: namespacePrinter,
  selectableFields: { 'status.phase': fieldText('status.phase') },
});

/** A namespace first terminates: its controller empties it, then removes the `kubernetes` finalizer. */
function terminate(current: Obj, finalizers: string[], now: Date): DeletionPlan {
  const meta = metaOf(current);
  const specFinalizers = ((current['spec'] as { finalizers?: string[] } | undefined)?.finalizers) ?? [];
  const nonEmpty = finalizers.length > 0 ? finalizers : undefined;
  if (meta.deletionTimestamp !== undefined) {
    if (specFinalizers.length === 0 && finalizers.length === 0) return { remove: true };
    const same = finalizers.length === (meta.finalizers ?? []).length && finalizers.every((f, i) => f === meta.finalizers?.[i]);
    return same ? { remove: false } : { remove: false, object: withMeta(current, { finalizers: nonEmpty }) };
  }
  if (specFinalizers.length === 0 && finalizers.length === 0) return { remove: true };
  const marked = withMeta(current, { deletionTimestamp: timestamp(now), deletionGracePeriodSeconds: 0, finalizers: nonEmpty });
  return { remove: false, object: { ...marked, status: { ...(current['status'] as JsonObject | undefined), phase: 'Terminating' } } };
}
