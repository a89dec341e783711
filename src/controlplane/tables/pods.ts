// Pods: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES, as printPod in kube-apiserver.
import { onceForFrozen } from '../store/index.js';
import type { TableRowCondition } from './table.js';
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, integer, isSet, list, nameOf, optional, parseTime, record, since, text } from './shared.js';

const POD_COLUMNS = [
  NAME_COLUMN,
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  AGE_COLUMN,
  column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
  column(
    'Node',
    'string',
    'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
    1,
  ),
  column(
    'Nominated Node',
    'string',
    'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
    1,
  ),
  column(
    'Readiness Gates',
    'string',
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    1,
  ),
];

const SUCCEEDED_CONDITIONS: readonly TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const FAILED_CONDITIONS: readonly TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

// node.NodeUnreachablePodReason: the node controller marks pods of a lost node with it.
const NODE_LOST = 'NodeLost';

/** The pods table: the STATUS and RESTARTS logic of kube-apiserver's printPod. */
export const podPrinter: ResourcePrinter = {
  columns: POD_COLUMNS,
  row: printPod,
};

interface Tally {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  lastRestart: number | undefined;
}

function printPod(pod: JsonObject, now: Date): PrintedRow {
  const spec = record(pod['spec']);
  const status = record(pod['status']);
  const phase = text(status['phase']);
  const tally = talliedOnce(pod, spec, status);

  if (isSet(record(pod['metadata'])['deletionTimestamp'])) {
    if (text(status['reason']) === NODE_LOST) tally.reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') tally.reason = 'Terminating';
  }

  let restarts = String(tally.restarts);
  if (tally.restarts !== 0 && tally.lastRestart !== undefined) restarts = `${tally.restarts} (${since(tally.lastRestart, now)} ago)`;

  const cells: unknown[] = [nameOf(pod), `${tally.ready}/${tally.total}`, tally.reason, restarts, ageOf(pod, now)];
  cells.push(firstPodIP(status) || '<none>', text(spec['nodeName']) || '<none>', text(status['nominatedNodeName']) || '<none>');
  cells.push(readinessGates(spec, status));

  const row: PrintedRow = { cells };
  if (phase === 'Succeeded') row.conditions = SUCCEEDED_CONDITIONS.map((c) => ({ ...c }));
  else if (phase === 'Failed') row.conditions = FAILED_CONDITIONS.map((c) => ({ ...c }));
  return row;
}

/** The tallies of frozen pods (the store's shared objects, which no one changes), by pod. */
const frozenTallies = new WeakMap<JsonObject, Readonly<Tally>>();

/** `podTally`, made once for a frozen (shared) pod, which every list printed anew; a copy of the caller's own. */
function talliedOnce(pod: JsonObject, spec: JsonObject, status: JsonObject): Tally {
  return { ...onceForFrozen(frozenTallies, pod, () => podTally(spec, status)) };
}

/** READY, STATUS and RESTARTS before the deletion rules: init containers first, then (once initialised) the app containers. */
function podTally(spec: JsonObject, status: JsonObject): Tally {
  const initContainers = list(spec['initContainers']).map(record);
  const sidecars = initContainers.filter((c) => c['restartPolicy'] === 'Always');
  const restartable = new Set(sidecars.map((c) => text(c['name'])));
  const tally: Tally = {
    ready: 0,
    total: list(spec['containers']).length + sidecars.length,
    reason: text(status['reason']) || text(status['phase']),
    restarts: 0,
    lastRestart: undefined,
  };
  for (const condition of list(status['conditions']).map(record)) {
    if (condition['type'] === 'PodScheduled' && condition['reason'] === 'SchedulingGated') tally.reason = 'SchedulingGated';
  }

  // Restarts of sidecars (restartable init containers) count even after initialisation; the others only while initialising.
  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;
  let initializing = false;
  const initStatuses = list(status['initContainerStatuses']).map(record);
  for (const [index, container] of initStatuses.entries()) {
    const restartCount = integer(container['restartCount']);
    const finishedAt = lastFinishedAt(container);
    tally.restarts += restartCount;
    tally.lastRestart = later(tally.lastRestart, finishedAt);
    const isSidecar = restartable.has(text(container['name']));
    if (isSidecar) {
      sidecarRestarts += restartCount;
      lastSidecarRestart = later(lastSidecarRestart, finishedAt);
    }
    const state = record(container['state']);
    const terminated = optional(state['terminated']);
    const waiting = optional(state['waiting']);
    if (terminated !== undefined && integer(terminated['exitCode']) === 0) continue;
    if (isSidecar && container['started'] === true) {
      if (container['ready'] === true) tally.ready++;
      continue;
    }
    if (terminated !== undefined) tally.reason = `Init:${terminatedReason(terminated)}`;
    else if (waiting !== undefined && text(waiting['reason']) !== '' && waiting['reason'] !== 'PodInitializing') tally.reason = `Init:${text(waiting['reason'])}`;
    else tally.reason = `Init:${index}/${initContainers.length}`;
    initializing = true;
    break;
  }

  if (!initializing || isInitialized(status)) {
    tally.restarts = sidecarRestarts;
    tally.lastRestart = lastSidecarRestart;
    let hasRunning = false;
    // Upstream walks the statuses backwards, so the first container with a waiting or terminated reason wins.
    for (const container of list(status['containerStatuses']).map(record).reverse()) {
      tally.restarts += integer(container['restartCount']);
      tally.lastRestart = later(tally.lastRestart, lastFinishedAt(container));
      const state = record(container['state']);
      const waitingReason = text(record(state['waiting'])['reason']);
      const terminated = optional(state['terminated']);
      if (waitingReason !== '') tally.reason = waitingReason;
      else if (terminated !== undefined) tally.reason = terminatedReason(terminated);
      else if (container['ready'] === true && optional(state['running']) !== undefined) {
        hasRunning = true;
        tally.ready++;
      }
    }
    // A pod whose finished container reports Completed is still Running while another container runs.
    if (tally.reason === 'Completed' && hasRunning) tally.reason = hasCondition(status, 'Ready') ? 'Running' : 'NotReady';
  }
  return tally;
}

function terminatedReason(terminated: JsonObject): string {
  const reason = text(terminated['reason']);
  if (reason !== '') return reason;
  const signal = integer(terminated['signal']);
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${integer(terminated['exitCode'])}`;
}

function lastFinishedAt(container: JsonObject): number | undefined {
  return parseTime(record(record(container['lastState'])['terminated'])['finishedAt']);
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined) return a;
  return a === undefined || a < b ? b : a;
}

function isInitialized(status: JsonObject): boolean {
  const condition = list(status['conditions']).map(record).find((c) => c['type'] === 'Initialized');
  return condition?.['status'] === 'True';
}

function hasCondition(status: JsonObject, type: string): boolean {
  return list(status['conditions']).map(record).some((c) => c['type'] === type && c['status'] === 'True');
}

// The internal Pod keeps only podIPs; converting from v1 puts status.podIP first when it is set.
function firstPodIP(status: JsonObject): string {
  return text(status['podIP']) || text(record(list(status['podIPs'])[0])['ip']);
}

function readinessGates(spec: JsonObject, status: JsonObject): string {
  const gates = list(spec['readinessGates']).map(record);
  if (gates.length === 0) return '<none>';
  const conditions = list(status['conditions']).map(record);
  const satisfied = gates.filter((gate) => conditions.find((c) => c['type'] === gate['conditionType'])?.['status'] === 'True').length;
  return `${satisfied}/${gates.length}`;
}
