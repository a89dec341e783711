// DaemonSets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE | CONTAINERS IMAGES SELECTOR, as printDaemonSet.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, containerCells, formatLabelSelector, formatLabels, integer, nameOf, record } from './shared.js';

const MORE_INFO = 'More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/';

// Upstream takes these descriptions from the extensions/v1beta1 types.
const DAEMON_SET_COLUMNS = [
  NAME_COLUMN,
  column('Desired', 'integer', `The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). ${MORE_INFO}`),
  column('Current', 'integer', `The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. ${MORE_INFO}`),
  column(
    'Ready',
    'integer',
    'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
  ),
  column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
  column(
    'Available',
    'integer',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
  ),
  column(
    'Node Selector',
    'string',
    "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
  ),
  AGE_COLUMN,
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column(
    'Selector',
    'string',
    'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
    1,
  ),
];

/** The daemonsets table: the status counters, the template's node selector and, wide, containers, images and selector. */
export const daemonSetPrinter: ResourcePrinter = {
  columns: DAEMON_SET_COLUMNS,
  row(daemonSet: JsonObject, now: Date): PrintedRow {
    const spec = record(daemonSet['spec']);
    const status = record(daemonSet['status']);
    const podSpec = record(record(spec['template'])['spec']);
    const [containers, images] = containerCells(podSpec['containers']);
    return {
      cells: [
        nameOf(daemonSet),
        integer(status['desiredNumberScheduled']),
        integer(status['currentNumberScheduled']),
        integer(status['numberReady']),
        integer(status['updatedNumberScheduled']),
        integer(status['numberAvailable']),
        formatLabels(podSpec['nodeSelector']),
        ageOf(daemonSet, now),
        containers,
        images,
        formatLabelSelector(spec['selector']),
      ],
    };
  },
};
