// CronJobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE | CONTAINERS IMAGES SELECTOR, as printCronJob.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, containerCells, formatLabelSelector, list, nameOf, parseTime, record, since, text } from './shared.js';

const CRON_JOB_COLUMNS = [
  NAME_COLUMN,
  column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
  column('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones'),
  column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
  column('Active', 'integer', 'A list of pointers to currently running jobs.'),
  column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
  AGE_COLUMN,
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
];

/** The cronjobs table. */
export const cronJobPrinter: ResourcePrinter = {
  columns: CRON_JOB_COLUMNS,
  row(cronJob: JsonObject, now: Date): PrintedRow {
    const spec = record(cronJob['spec']);
    const status = record(cronJob['status']);
    const jobSpec = record(record(spec['jobTemplate'])['spec']);
    const [containers, images] = containerCells(record(record(jobSpec['template'])['spec'])['containers']);
    const last = parseTime(status['lastScheduleTime']);
    const suspend = spec['suspend'];
    return {
      cells: [
        nameOf(cronJob), text(spec['schedule']),
        typeof spec['timeZone'] === 'string' ? spec['timeZone'] : '<none>',
        // printBoolPtr: Go's %v of the bool, or <unset>.
        typeof suspend === 'boolean' ? (suspend ? 'True' : 'False') : '<unset>',
        list(status['active']).length,
        last === undefined ? '<none>' : since(last, now),
        ageOf(cronJob, now), containers, images, formatLabelSelector(jobSpec['selector']),
      ],
    };
  },
};
