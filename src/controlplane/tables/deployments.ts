// Deployments: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR, as printDeployment.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, containerCells, formatLabelSelector, integer, nameOf, record } from './shared.js';

const DEPLOYMENT_COLUMNS = [
  NAME_COLUMN,
  column('Ready', 'string', 'Number of the pod with ready state'),
  column('Up-to-date', 'string', 'Total number of non-terminating pods targeted by this deployment that have the desired template spec.'),
  column('Available', 'string', 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
  AGE_COLUMN,
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template\'s labels.', 1),
];

/** The deployments table: ready of desired, up to date, available and, wide, containers, images and selector. */
export const deploymentPrinter: ResourcePrinter = {
  columns: DEPLOYMENT_COLUMNS,
  row(deployment: JsonObject, now: Date): PrintedRow {
    const spec = record(deployment['spec']);
    const status = record(deployment['status']);
    const [containers, images] = containerCells(record(record(spec['template'])['spec'])['containers']);
    return {
      cells: [
        nameOf(deployment),
        `${integer(status['readyReplicas'])}/${integer(spec['replicas'])}`,
        integer(status['updatedReplicas']),
        integer(status['availableReplicas']),
        ageOf(deployment, now),
        containers,
        images,
        formatLabelSelector(spec['selector']),
      ],
    };
  },
};
