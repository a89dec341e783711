// ReplicaSets: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR, as printReplicaSet.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, containerCells, formatLabelSelector, integer, nameOf, record } from './shared.js';

const MORE_INFO = 'More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset';

const REPLICA_SET_COLUMNS = [
  NAME_COLUMN,
  column('Desired', 'integer', `Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. ${MORE_INFO}`),
  column('Current', 'integer', `Replicas is the most recently observed number of non-terminating pods. ${MORE_INFO}`),
  column('Ready', 'integer', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
  AGE_COLUMN,
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column('Selector', 'string', 'Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template\'s labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
];

/** The replicasets table: desired, current and ready replicas and, wide, containers, images and selector. */
export const replicaSetPrinter: ResourcePrinter = {
  columns: REPLICA_SET_COLUMNS,
  row(replicaSet: JsonObject, now: Date): PrintedRow {
    const spec = record(replicaSet['spec']);
    const status = record(replicaSet['status']);
    const [containers, images] = containerCells(record(record(spec['template'])['spec'])['containers']);
    return {
      cells: [
        nameOf(replicaSet),
        integer(spec['replicas']),
        integer(status['replicas']),
        integer(status['readyReplicas']),
        ageOf(replicaSet, now),
        containers,
        images,
        formatLabelSelector(spec['selector']),
      ],
    };
  },
};
