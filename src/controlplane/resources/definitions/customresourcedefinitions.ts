/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1, cluster-scoped): the resources users add.
 * Validated as ValidateCustomResourceDefinition; the status (names accepted, Established) is the
 * CRD controller's (controllers/customresourcedefinitions.ts), which also serves the custom
 * resources. A deletion first marks the CRD Terminating with the cleanup finalizer, which the
 * controller removes once every custom resource of it is gone.
 */
import { timestamp, withMeta } from '../../api/object-meta.js';
import { invalidObject } from '../../api/status-error.js';
import { ensureObject, objectAt, type JsonObject } from '../../../api/defaults/json.js';
import { validateCustomResourceDefinition } from '../../customresources/crd-validation.js';
import { CustomResourceDefinition } from '../../patch/patch-meta.js';
import { ALL_VERBS, defineResource, STATUS_VERBS } from '../definition.js';

/** The finalizer that holds a deleted CRD until its custom resources are gone. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export const customResourceDefinitions = defineResource({
  group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition', verbs: ALL_VERBS, shortNames: ['crd', 'crds'], categories: ['api-extensions'],
  subresources: [{ name: 'status', kind: 'CustomResourceDefinition', verbs: STATUS_VERBS }],

  generation: true,
  defaults: defaultCustomResourceDefinition,
  prepareForCreate(crd) {
    // The status is the controller's; the stored versions start with the storage version.
    crd['status'] = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: storageVersions(crd) };
  },
  prepareForUpdate(stored, updated, subresource) {
    if (subresource === 'status') return;
    // A new storage version joins the stored ones (objects may be stored in it from now on).
    const status = ensureObject(updated, 'status');
    const known = Array.isArray(status['storedVersions']) ? (status['storedVersions'] as unknown[]) : [];
    for (const version of storageVersions(updated)) if (!known.includes(version)) known.push(version);
    status['storedVersions'] = known;
    void stored;
  },
  validate(crd, current) {
    const errors = validateCustomResourceDefinition(crd, current);
    if (errors.length > 0) throw invalidObject(customResourceDefinitions, crd, errors);
    return [];
  },
  planDeletion(current, finalizers, now) {
    const meta = current['metadata'] as JsonObject;
    if (meta['deletionTimestamp'] !== undefined) {
      if (finalizers.length === 0) return { remove: true };
      return { remove: false, object: withMeta(current, { finalizers }) };
    }
    // As the CRD registry's Delete: Terminating, held by the cleanup finalizer until the
    // controller has deleted every custom resource of it.
    const held = finalizers.includes(CRD_CLEANUP_FINALIZER) ? finalizers : [...finalizers, CRD_CLEANUP_FINALIZER];
    const marked = withMeta(current, { deletionTimestamp: timestamp(now), deletionGracePeriodSeconds: 0, finalizers: held });
    const status = { ...(objectAt(marked, 'status') ?? {}) };
    const conditions = (Array.isArray(status['conditions']) ? (status['conditions'] as JsonObject[]) : []).filter((c) => c['type'] !== 'Terminating');
    conditions.push({ type: 'Terminating', status: 'True', lastTransitionTime: timestamp(now), reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
    return { remove: false, object: { ...marked, status: { ...status, conditions } } };
  },

  patchMeta: CustomResourceDefinition,
});

/** SetDefaults for v1 CRDs: singular and listKind from the kind, conversion None. */
function defaultCustomResourceDefinition(crd: JsonObject): void {
  const spec = objectAt(crd, 'spec');
  if (!spec) return;
  const names = objectAt(spec, 'names');
  if (names && typeof names['kind'] === 'string' && names['kind'] !== '') {
    if (names['singular'] === undefined || names['singular'] === '') names['singular'] = names['kind'].toLowerCase();
    if (names['listKind'] === undefined || names['listKind'] === '') names['listKind'] = `${names['kind']}List`;
  }
  if (spec['conversion'] === undefined || spec['conversion'] === null) spec['conversion'] = { strategy: 'None' };
  const conversion = objectAt(spec, 'conversion');
  if (conversion && conversion['strategy'] === undefined) conversion['strategy'] = 'None';
}

function storageVersions(crd: JsonObject): string[] {
  const versions = objectAt(crd, 'spec')?.['versions'];
  if (!Array.isArray(versions)) return [];
  return versions.filter((v): v is JsonObject => typeof v === 'object' && v !== null && (v as JsonObject)['storage'] === true).map((v) => String(v['name']));
}
