// Jobs: NAME STATUS COMPLETIONS DURATION AGE | CONTAINERS IMAGES SELECTOR, as printJob.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, containerCells, formatLabelSelector, humanDuration, integer, list, nameOf, parseTime, record } from './shared.js';

const JOB_COLUMNS = [
  NAME_COLUMN,
  column('Status', 'string', 'Status of the job.'),
  column('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
  column('Duration', 'string', 'Time required to complete the job.'),
  AGE_COLUMN,
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
];

function hasCondition(status: JsonObject, type: string): boolean {
  return list(status['conditions']).some((c) => record(c)['type'] === type && record(c)['status'] === 'True');
}

/** The STATUS cell: the first of Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet, else Running. */
export function jobStatusCell(job: JsonObject): string {
  const status = record(job['status']);
  if (hasCondition(status, 'Complete')) return 'Complete';
  if (hasCondition(status, 'Failed')) return 'Failed';
  if (record(job['metadata'])['deletionTimestamp'] !== undefined) return 'Terminating';
  for (const type of ['Suspended', 'FailureTarget', 'SuccessCriteriaMet']) if (hasCondition(status, type)) return type;
  return 'Running';
}

function completionsCell(spec: JsonObject, status: JsonObject): string {
  const succeeded = integer(status['succeeded']);
  if (typeof spec['completions'] === 'number') return `${succeeded}/${spec['completions']}`;
  const parallelism = integer(spec['parallelism']);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(status: JsonObject, now: Date): string {
  const start = parseTime(status['startTime']);
  if (start === undefined) return '';
  const end = parseTime(status['completionTime']);
  return humanDuration((end ?? now.getTime()) - start);
}

/** The jobs table. */
export const jobPrinter: ResourcePrinter = {
  columns: JOB_COLUMNS,
  row(job: JsonObject, now: Date): PrintedRow {
    const spec = record(job['spec']);
    const status = record(job['status']);
    const [containers, images] = containerCells(record(record(spec['template'])['spec'])['containers']);
    return {
      cells: [nameOf(job), jobStatusCell(job), completionsCell(spec, status), durationCell(status, now), ageOf(job, now), containers, images, formatLabelSelector(spec['selector'])],
    };
  },
};
