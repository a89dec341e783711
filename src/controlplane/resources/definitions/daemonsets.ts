/**
 * DaemonSets (apps/v1): a pod on every eligible node. The strategy keeps the template generation
 * (an annotation in apps/v1) and the selector (immutable); the pod template is validated and
 * checked against Pod Security (warnings) like a pod.
 */
import { podSecurityInNamespace, validateAndAdmitCreate, validateWorkload } from '../../admission/pod-security.js';
import { invalidObject } from '../../api/status-error.js';
import { DAEMONSET_STATUS_COUNTERS, defaultDaemonSet } from '../../../api/defaults/daemonset-defaults.js';
import { ensureObject, objectAt, semanticEqual, stringAt, type JsonObject } from '../../../api/defaults/json.js';
import { DaemonSet } from '../../patch/patch-meta.js';
import { daemonSetPrinter } from '../../tables/daemonsets.js';
import { FieldPath, invalid } from '../../../policy/field.js';
import { ALL_VERBS, defineResource, STATUS_VERBS } from '../definition.js';

/** The annotation that carries the internal spec.templateGeneration in apps/v1. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export const daemonSets = defineResource({
  group: 'apps', version: 'v1', kind: 'DaemonSet', resource: 'daemonsets', singular: 'daemonset',
  verbs: ALL_VERBS, shortNames: ['ds'], categories: ['all'],
  validatesMetadata: true,
  subresources: [{ name: 'status', kind: 'DaemonSet', verbs: STATUS_VERBS }],

  generation: true,
  defaults: defaultDaemonSet,
  prepareForCreate(daemonSet) {
    // An empty status, and template generation 1 (or the one given, if higher).
    daemonSet['status'] = Object.fromEntries(DAEMONSET_STATUS_COUNTERS.map((counter) => [counter, 0]));
    setTemplateGeneration(daemonSet, Math.max(templateGeneration(daemonSet), 1));
  },
  prepareForUpdate(stored, updated, subresource) {
    // The stored template generation, plus one when an update of the DaemonSet changes the template.
    const generation = templateGeneration(stored);
    const templateChanged = subresource !== 'status' && !semanticEqual(templateOf(stored), templateOf(updated));
    setTemplateGeneration(updated, templateChanged ? generation + 1 : generation);
  },
  validate(daemonSet, current, context) {
    if (!current) return validateAndAdmitCreate(daemonSets, daemonSet, context);
    const warnings = validateWorkload(daemonSets, daemonSet);
    const selector = (daemonSet['spec'] as JsonObject | undefined)?.['selector'];
    if (!semanticEqual(selector, (current['spec'] as JsonObject | undefined)?.['selector'])) {
      throw invalidObject(daemonSets, daemonSet, [invalid(FieldPath.root('spec').child('selector'), selector, 'field is immutable')]);
    }
    return [...warnings, ...podSecurityInNamespace(daemonSets, daemonSet, context)];
  },

  patchMeta: DaemonSet,
  printer: daemonSetPrinter,
});

function templateOf(daemonSet: JsonObject): unknown {
  return objectAt(daemonSet, 'spec')?.['template'];
}

function templateGeneration(daemonSet: JsonObject): number {
  const value = stringAt(objectAt(objectAt(daemonSet, 'metadata') ?? {}, 'annotations') ?? {}, TEMPLATE_GENERATION_ANNOTATION);
  const parsed = value !== undefined && /^-?[0-9]+$/.test(value) ? Number(value) : 0;
  return Number.isSafeInteger(parsed) ? parsed : 0;
}

function setTemplateGeneration(daemonSet: JsonObject, generation: number): void {
  ensureObject(ensureObject(daemonSet, 'metadata'), 'annotations')[TEMPLATE_GENERATION_ANNOTATION] = String(generation);
}
