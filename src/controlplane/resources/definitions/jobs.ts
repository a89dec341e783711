/**
 * Jobs (batch/v1): pods run to completion. The strategy generates the selector and the labels it
 * selects from the Job's uid and name on create (generateSelector), starts the status empty, and
 * validates as ValidateJob and ValidateJobUpdate: the pod template through the policy engine,
 * the rest in job-validation.ts.
 */
import { podSecurityInNamespace } from '../../admission/pod-security.js';
import { invalidObject, StatusError } from '../../api/status-error.js';
import { resolveKind } from '../../../api/kinds.js';
import { defaultJob } from '../../../api/defaults/job-defaults.js';
import { ensureObject, isJsonObject, type JsonObject } from '../../../api/defaults/json.js';
import { Job } from '../../patch/patch-meta.js';
import { jobPrinter } from '../../tables/jobs.js';
import type { FieldError } from '../../../policy/field.js';
import { validateObject } from '../../../policy/validation/index.js';
import { ALL_VERBS, defineResource, STATUS_VERBS, type ResourceDefinition, type StrategyContext } from '../definition.js';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL, validateJob, validateJobUpdate } from '../job-validation.js';
import type { Obj } from '../../api/object-meta.js';

export const jobs = defineResource({
  group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', singular: 'job',
  verbs: ALL_VERBS, shortNames: [], categories: ['all'],
  validatesMetadata: true,
  subresources: [{ name: 'status', kind: 'Job', verbs: STATUS_VERBS }],

  generation: true,
  defaults: defaultJob,
  prepareForCreate(job) {
    job['status'] = {};
    const spec = ensureObject(job, 'spec');
    if (spec['manualSelector'] === undefined || spec['manualSelector'] === null) spec['manualSelector'] = false;
    if (spec['manualSelector'] !== true) generateSelector(job);
  },
  validate(job, current, context) {
    return validateJobObject(jobs, job, current, context, (errors) => {
      const metadata = errors.filter((e) => e.field.startsWith('metadata.'));
      const rest = errors.filter((e) => !e.field.startsWith('metadata.'));
      return [...metadata, ...validateJob(job), ...(current ? validateJobUpdate(job, current) : []), ...rest];
    });
  },

  patchMeta: Job,
  printer: jobPrinter,
});

/**
 * The policy engine's validation of a Job or CronJob (metadata and pod template) combined with
 * the kind's own errors by `combine`, then Pod Security's warnings from the namespace; an
 * invalid object gets no warnings.
 * @returns the warnings @throws StatusError 422
 */
export function validateJobObject(info: ResourceDefinition, object: Obj, current: Obj | undefined, context: StrategyContext, combine: (policyErrors: FieldError[]) => FieldError[]): string[] {
  const kind = resolveKind('batch/v1', info.kind);
  if (kind.type !== 'pod') throw new Error(`${info.kind} is not a pod kind`);
  const result = validateObject(kind.info, object, { allowPrivileged: context.allowPrivileged ?? true });
  const errors = combine(result.errors);
  // The warnings are the strategy's WarningsOnCreate, which an invalid object never reaches.
  if (errors.length > 0) throw invalidObject(info, object, errors);
  try {
    return [...result.warnings, ...podSecurityInNamespace(info, object, context)];
  } catch (error) {
    if (error instanceof StatusError) error.warnings.unshift(...result.warnings);
    throw error;
  }
}

/** generateSelector: the template labelled with the Job's name and uid, and the selector selecting the uid. */
function generateSelector(job: JsonObject): void {
  const metadata = ensureObject(job, 'metadata');
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const uid = typeof metadata['uid'] === 'string' ? metadata['uid'] : '';
  const spec = ensureObject(job, 'spec');
  const labels = ensureObject(ensureObject(ensureObject(spec, 'template'), 'metadata'), 'labels');
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(key in labels)) labels[key] = name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(key in labels)) labels[key] = uid;
  // The Job took its template's labels as its own when it had none (SetDefaults_Job), sharing the map.
  if (!isJsonObject(metadata['labels']) || Object.keys(metadata['labels']).length === 0) metadata['labels'] = labels;
  if (!isJsonObject(spec['selector'])) spec['selector'] = {};
  const matchLabels = ensureObject(spec['selector'] as JsonObject, 'matchLabels');
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}
