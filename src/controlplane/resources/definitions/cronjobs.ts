/**
 * CronJobs (batch/v1): Jobs on a schedule. Validated as ValidateCronJobCreate and
 * ValidateCronJobUpdate: the Job template's pod template through the policy engine, the
 * schedule, time zone, policy and limits in job-validation.ts.
 */
import { defaultCronJob } from '../../../api/defaults/job-defaults.js';
import { CronJob } from '../../patch/patch-meta.js';
import { cronJobPrinter } from '../../tables/cronjobs.js';
import { ALL_VERBS, defineResource, STATUS_VERBS } from '../definition.js';
import { validateCronJob } from '../job-validation.js';
import { validateJobObject } from './jobs.js';

export const cronJobs = defineResource({
  group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs', singular: 'cronjob',
  verbs: ALL_VERBS, shortNames: ['cj'], categories: ['all'],
  validatesMetadata: true,
  subresources: [{ name: 'status', kind: 'CronJob', verbs: STATUS_VERBS }],

  generation: true,
  defaults: defaultCronJob,
  prepareForCreate(cronJob) {
    cronJob['status'] = {};
  },
  validate(cronJob, current, context) {
    return validateJobObject(cronJobs, cronJob, current, context, (errors) => {
      const metadata = errors.filter((e) => e.field.startsWith('metadata.'));
      const rest = errors.filter((e) => !e.field.startsWith('metadata.'));
      return [...metadata, ...validateCronJob(cronJob, current, rest)];
    });
  },

  patchMeta: CronJob,
  printer: cronJobPrinter,
});
