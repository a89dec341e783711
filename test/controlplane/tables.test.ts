import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RESOURCES } from '../../src/controlplane/resources/index.js';
import { deepFreeze } from '../../src/api/json/index.js';
import { humanDuration, toTable, type Printable } from '../../src/controlplane/tables/index.js';

const NOW = new Date('2025-01-10T12:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

type Json = Record<string, unknown>;

/** A resource by its plural name, as served (with its printer); one hostpod does not serve has no printer. */
function served(resource: string): Printable {
  return RESOURCES.find((r) => r.resource === resource) ?? {};
}

function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString();
}

function cellsOf(resource: string, object: Json): unknown[] {
  const row = toTable(served(resource), [object], NOW).rows[0];
  assert.ok(row);
  return row.cells;
}

function columnsOf(resource: string): [string, string, string, number][] {
  return (toTable(served(resource), [], NOW).columnDefinitions ?? []).map((c) => [c.name, c.type, c.format, c.priority]);
}

function pod(status: Json, spec: Json = {}, metadata: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(5 * MINUTE), ...metadata },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
}

const running = (name: string, ready = true): Json => ({ name, ready, started: true, restartCount: 0, state: { running: { startedAt: ago(MINUTE) } } });
const waiting = (name: string, reason: string): Json => ({ name, ready: false, restartCount: 0, state: { waiting: { reason } } });
const terminated = (name: string, state: Json): Json => ({ name, ready: false, restartCount: 0, state: { terminated: state } });
const restarted = (container: Json, restartCount: number, finishedAgo?: number): Json => ({
  ...container,
  restartCount,
  lastState: finishedAgo === undefined ? {} : { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(finishedAgo) } },
});
const initialized = { type: 'Initialized', status: 'True' };
const ready = { type: 'Ready', status: 'True' };
const oneInit = { initContainers: [{ name: 'setup', image: 'busybox' }] };
const twoInits = { initContainers: [{ name: 'setup', image: 'busybox' }, { name: 'migrate', image: 'busybox' }] };

describe('ages', () => {
  const cases: [string, number, string][] = [
    ['0s', 0, '0s'],
    ['a clock one second ahead', -1 * SECOND, '0s'],
    ['a time two seconds in the future', -2 * SECOND, '<invalid>'],
    ['59s', 59 * SECOND, '59s'],
    ['119s', 119 * SECOND, '119s'],
    ['2m', 2 * MINUTE, '2m'],
    ['2m5s', 2 * MINUTE + 5 * SECOND, '2m5s'],
    ['9m59s', 9 * MINUTE + 59 * SECOND, '9m59s'],
    ['10m30s', 10 * MINUTE + 30 * SECOND, '10m'],
    ['179m', 179 * MINUTE, '179m'],
    ['3h', 3 * HOUR, '3h'],
    ['3h5m', 3 * HOUR + 5 * MINUTE, '3h5m'],
    ['7h59m', 7 * HOUR + 59 * MINUTE, '7h59m'],
    ['8h30m', 8 * HOUR + 30 * MINUTE, '8h'],
    ['47h', 47 * HOUR, '47h'],
    ['48h', 48 * HOUR, '2d'],
    ['2d5h', 2 * DAY + 5 * HOUR, '2d5h'],
    ['7d23h', 7 * DAY + 23 * HOUR, '7d23h'],
    ['8d', 8 * DAY, '8d'],
    ['729d', 729 * DAY, '729d'],
    ['2y', 2 * YEAR, '2y'],
    ['2y10d', 2 * YEAR + 10 * DAY, '2y10d'],
    ['8y100d', 8 * YEAR + 100 * DAY, '8y'],
  ];
  for (const [label, ms, expected] of cases) {
    test(`age of ${label} reads ${expected}`, () => {
      assert.equal(humanDuration(ms), expected);
      assert.equal(cellsOf('namespaces', { metadata: { name: 'n', creationTimestamp: ago(ms) } })[2], expected);
    });
  }

  test('age is <unknown> without a creationTimestamp', () => {
    assert.equal(cellsOf('namespaces', { metadata: { name: 'n' } })[2], '<unknown>');
  });
});

describe('pod status', () => {
  const cases: [string, Json, [string, string, string]][] = [
    ['shows Running when its container runs and is ready', pod({ phase: 'Running', containerStatuses: [running('app')] }), ['1/1', 'Running', '0']],
    ['shows Pending before any container status', pod({ phase: 'Pending' }), ['0/1', 'Pending', '0']],
    ['shows the waiting reason ContainerCreating', pod({ phase: 'Pending', containerStatuses: [waiting('app', 'ContainerCreating')] }), ['0/1', 'ContainerCreating', '0']],
    [
      'shows CrashLoopBackOff with restarts and when the container last restarted',
      pod({ phase: 'Running', containerStatuses: [restarted(waiting('app', 'CrashLoopBackOff'), 5, 3 * MINUTE)] }),
      ['0/1', 'CrashLoopBackOff', '5 (3m ago)'],
    ],
    [
      'shows Completed for a succeeded pod',
      pod({ phase: 'Succeeded', containerStatuses: [terminated('app', { exitCode: 0, reason: 'Completed' })] }),
      ['0/1', 'Completed', '0'],
    ],
    ['shows Signal:9 for a container killed without a reason', pod({ phase: 'Failed', containerStatuses: [terminated('app', { exitCode: 137, signal: 9 })] }), ['0/1', 'Signal:9', '0']],
    ['shows ExitCode:3 for a container that exited without a reason', pod({ phase: 'Failed', containerStatuses: [terminated('app', { exitCode: 3 })] }), ['0/1', 'ExitCode:3', '0']],
    ['shows Init:0/1 while the only init container runs', pod({ phase: 'Pending', initContainerStatuses: [running('setup', false)] }, oneInit), ['0/1', 'Init:0/1', '0']],
    [
      'shows Init:1/2 while the second init container runs',
      pod({ phase: 'Pending', initContainerStatuses: [terminated('setup', { exitCode: 0, reason: 'Completed' }), running('migrate', false)] }, twoInits),
      ['0/1', 'Init:1/2', '0'],
    ],
    [
      'shows Init:0/1 while an init container waits with PodInitializing',
      pod({ phase: 'Pending', initContainerStatuses: [waiting('setup', 'PodInitializing')] }, oneInit),
      ['0/1', 'Init:0/1', '0'],
    ],
    [
      'shows Init:CrashLoopBackOff with the init container restarts',
      pod({ phase: 'Pending', initContainerStatuses: [restarted(waiting('setup', 'CrashLoopBackOff'), 3, 40 * SECOND)], containerStatuses: [waiting('app', 'PodInitializing')] }, oneInit),
      ['0/1', 'Init:CrashLoopBackOff', '3 (40s ago)'],
    ],
    ['shows Init:Error for a failed init container', pod({ phase: 'Pending', initContainerStatuses: [terminated('setup', { exitCode: 1, reason: 'Error' })] }, oneInit), ['0/1', 'Init:Error', '0']],
    ['shows Init:Signal:15 for an init container killed without a reason', pod({ phase: 'Pending', initContainerStatuses: [terminated('setup', { exitCode: 143, signal: 15 })] }, oneInit), ['0/1', 'Init:Signal:15', '0']],
    ['shows Init:ExitCode:1 for an init container that exited without a reason', pod({ phase: 'Pending', initContainerStatuses: [terminated('setup', { exitCode: 1 })] }, oneInit), ['0/1', 'Init:ExitCode:1', '0']],
    [
      'shows PodInitializing once init containers finished and the containers wait to start',
      pod(
        { phase: 'Pending', conditions: [initialized], initContainerStatuses: [terminated('setup', { exitCode: 0, reason: 'Completed' })], containerStatuses: [waiting('app', 'PodInitializing')] },
        oneInit,
      ),
      ['0/1', 'PodInitializing', '0'],
    ],
    ['shows Terminating when deletionTimestamp is set', pod({ phase: 'Running', containerStatuses: [running('app')] }, {}, { deletionTimestamp: ago(0) }), ['1/1', 'Terminating', '0']],
    [
      'keeps Completed for a succeeded pod being deleted',
      pod({ phase: 'Succeeded', containerStatuses: [terminated('app', { exitCode: 0, reason: 'Completed' })] }, {}, { deletionTimestamp: ago(0) }),
      ['0/1', 'Completed', '0'],
    ],
    ['shows NodeLost from the pod reason', pod({ phase: 'Running', reason: 'NodeLost', containerStatuses: [running('app')] }), ['1/1', 'NodeLost', '0']],
    ['shows Unknown for a NodeLost pod being deleted', pod({ phase: 'Running', reason: 'NodeLost', containerStatuses: [running('app')] }, {}, { deletionTimestamp: ago(0) }), ['1/1', 'Unknown', '0']],
    ['shows NodeLost for a pod without container statuses', pod({ phase: 'Running', reason: 'NodeLost' }), ['0/1', 'NodeLost', '0']],
    [
      'shows Running when a container completed while another runs and the pod is Ready',
      pod(
        { phase: 'Running', conditions: [ready], containerStatuses: [terminated('app', { exitCode: 0, reason: 'Completed' }), running('side')] },
        { containers: [{ name: 'app' }, { name: 'side' }] },
      ),
      ['1/2', 'Running', '0'],
    ],
    [
      'shows NotReady when a container completed while another runs and the pod is not Ready',
      pod({ phase: 'Running', containerStatuses: [terminated('app', { exitCode: 0, reason: 'Completed' }), running('side')] }, { containers: [{ name: 'app' }, { name: 'side' }] }),
      ['1/2', 'NotReady', '0'],
    ],
    [
      'shows the first container reason when several containers wait',
      pod({ phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff'), waiting('side', 'CrashLoopBackOff')] }, { containers: [{ name: 'app' }, { name: 'side' }] }),
      ['0/2', 'ImagePullBackOff', '0'],
    ],
    ['shows SchedulingGated for a gated pod', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), ['0/1', 'SchedulingGated', '0']],
    ['shows Evicted for a pod failed with that reason', pod({ phase: 'Failed', reason: 'Evicted' }), ['0/1', 'Evicted', '0']],
    [
      'counts a started restartable init container as a ready container with its restarts',
      pod(
        {
          phase: 'Running',
          conditions: [initialized, ready],
          initContainerStatuses: [restarted(running('proxy'), 2, 10 * MINUTE)],
          containerStatuses: [running('app')],
        },
        { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
      ),
      ['2/2', 'Running', '2 (10m ago)'],
    ],
    [
      'shows restarts without an age when no termination time is known',
      pod({ phase: 'Running', containerStatuses: [restarted(running('app'), 3)] }),
      ['1/1', 'Running', '3'],
    ],
    [
      'shows the latest termination among containers as the restart age',
      pod(
        { phase: 'Running', containerStatuses: [restarted(running('app'), 1, 2 * HOUR), restarted(running('side'), 2, 90 * SECOND)] },
        { containers: [{ name: 'app' }, { name: 'side' }] },
      ),
      ['2/2', 'Running', '3 (90s ago)'],
    ],
    [
      'drops finished init container restarts once the pod is initialised',
      pod(
        { phase: 'Running', conditions: [initialized], initContainerStatuses: [restarted(terminated('setup', { exitCode: 0, reason: 'Completed' }), 4, HOUR)], containerStatuses: [running('app')] },
        oneInit,
      ),
      ['1/1', 'Running', '0'],
    ],
  ];
  for (const [name, object, expected] of cases) {
    test(`pod status ${name}`, () => {
      assert.deepEqual(cellsOf('pods', object).slice(1, 4), expected);
    });
  }
});

describe('pod table', () => {
  test('pod columns are the upstream ones with the wide ones at priority 1', () => {
    assert.deepEqual(columnsOf('pods'), [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ]);
  });

  test('pod row carries every cell including the wide ones', () => {
    const object = pod(
      {
        phase: 'Running',
        podIP: '10.0.0.5',
        podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }],
        nominatedNodeName: 'node-b',
        conditions: [ready, { type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
        containerStatuses: [running('app')],
      },
      { nodeName: 'node-a', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
    );
    assert.deepEqual(cellsOf('pods', object), ['web', '1/1', 'Running', '0', '5m', '10.0.0.5', 'node-a', 'node-b', '1/2']);
  });

  test('pod wide cells show <none> when unset and fall back to podIPs', () => {
    assert.deepEqual(cellsOf('pods', pod({ phase: 'Pending' })).slice(5), ['<none>', '<none>', '<none>', '<none>']);
    assert.equal(cellsOf('pods', pod({ phase: 'Running', podIPs: [{ ip: '10.0.0.9' }] }))[5], '10.0.0.9');
  });

  test("frozen pods (the store's shared objects) print as their copies do, each its own row on every list, the AGE moving with the time", () => {
    const running = pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { finishedAt: ago(3 * MINUTE) } } }] });
    const terminating = pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }] }, {}, { name: 'old', deletionTimestamp: ago(MINUTE), creationTimestamp: ago(2 * HOUR) });
    const waiting = pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }, {}, { name: 'new', creationTimestamp: ago(10 * SECOND) });
    const expected = [running, terminating, waiting].map((p) => cellsOf('pods', p));
    assert.deepEqual(expected.map((cells) => cells.slice(0, 5)), [['web', '1/1', 'Running', '2 (3m ago)', '5m'], ['old', '1/1', 'Terminating', '0', '120m'], ['new', '0/1', 'ContainerCreating', '0', '10s']]);
    const frozen = [running, terminating, waiting].map((p) => deepFreeze(structuredClone(p)));
    for (let round = 0; round < 3; round++) assert.deepEqual(frozen.map((p) => cellsOf('pods', p)), expected, `round ${round}`);
    const later = new Date(NOW.getTime() + HOUR);
    assert.deepEqual(toTable(served('pods'), frozen, later).rows.map((row) => row.cells.slice(3, 5)), [['2 (63m ago)', '65m'], ['0', '3h'], ['0', '60m']]);
  });

  test('pod rows of finished pods carry the Completed row condition', () => {
    const rows = toTable(served('pods'), [pod({ phase: 'Succeeded' }), pod({ phase: 'Failed' }), pod({ phase: 'Running' })], NOW).rows;
    assert.deepEqual(rows[0]?.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    assert.deepEqual(rows[1]?.conditions, [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
    assert.equal(rows[2] !== undefined && 'conditions' in rows[2], false);
  });
});

function node(labels: Json, conditions: Json[], spec: Json = {}): Json {
  return { metadata: { name: 'node-a', labels, creationTimestamp: ago(8 * DAY) }, spec, status: { conditions, nodeInfo: { kubeletVersion: 'v1.31.0' } } };
}

describe('node table', () => {
  const statusCases: [string, Json, string][] = [
    ['shows Ready for a ready node', node({}, [{ type: 'Ready', status: 'True' }]), 'Ready'],
    ['shows NotReady when Ready is False', node({}, [{ type: 'Ready', status: 'False' }]), 'NotReady'],
    ['shows NotReady when Ready is Unknown', node({}, [{ type: 'Ready', status: 'Unknown' }]), 'NotReady'],
    ['shows Unknown without a Ready condition', node({}, [{ type: 'MemoryPressure', status: 'False' }]), 'Unknown'],
    ['appends SchedulingDisabled to a cordoned node', node({}, [{ type: 'Ready', status: 'True' }], { unschedulable: true }), 'Ready,SchedulingDisabled'],
  ];
  for (const [name, object, expected] of statusCases) {
    test(`node status ${name}`, () => {
      assert.equal(cellsOf('nodes', object)[1], expected);
    });
  }

  const roleCases: [string, Json, string][] = [
    ['are <none> without role labels', { 'kubernetes.io/hostname': 'node-a' }, '<none>'],
    ['come sorted from node-role.kubernetes.io/* labels', { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '' }, 'control-plane,worker'],
    ['include the value of the legacy kubernetes.io/role label', { 'kubernetes.io/role': 'master', 'node-role.kubernetes.io/master': '' }, 'master'],
    ['ignore an empty role name', { 'node-role.kubernetes.io/': 'x', 'kubernetes.io/role': '' }, '<none>'],
  ];
  for (const [name, labels, expected] of roleCases) {
    test(`node roles ${name}`, () => {
      assert.equal(cellsOf('nodes', node(labels, []))[2], expected);
    });
  }

  test('node row carries version and the wide address and system info cells', () => {
    const object = node({ 'node-role.kubernetes.io/hostpod': '' }, [{ type: 'Ready', status: 'True' }]);
    object['status'] = {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [
        { type: 'Hostname', address: 'node-a' },
        { type: 'InternalIP', address: '192.168.1.10' },
      ],
      nodeInfo: { kubeletVersion: 'v1.31.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64' },
    };
    assert.deepEqual(cellsOf('nodes', object), ['node-a', 'Ready', 'hostpod', '8d', 'v1.31.0', '192.168.1.10', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', '<unknown>']);
    assert.deepEqual(columnsOf('nodes').map(([name, , , priority]) => `${name}:${priority}`), [
      'Name:0',
      'Status:0',
      'Roles:0',
      'Age:0',
      'Version:0',
      'Internal-IP:1',
      'External-IP:1',
      'OS-Image:1',
      'Kernel-Version:1',
      'Container-Runtime:1',
    ]);
  });
});

describe('daemonset table', () => {
  const daemonSet: Json = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', creationTimestamp: ago(3 * HOUR + 5 * MINUTE) },
    spec: {
      selector: {
        matchLabels: { tier: 'node', app: 'agent' },
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['b', 'a'] },
          { key: 'gpu', operator: 'DoesNotExist' },
        ],
      },
      template: {
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux', 'hostpod.io/enabled': 'true' },
          containers: [
            { name: 'agent', image: 'example/agent:1.2' },
            { name: 'logs', image: 'example/logs:3' },
          ],
        },
      },
    },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
  };

  test('daemonset row carries counters, node selector, age and the wide containers, images and selector', () => {
    assert.deepEqual(cellsOf('daemonsets', daemonSet), [
      'agent',
      3,
      3,
      2,
      3,
      2,
      'hostpod.io/enabled=true,kubernetes.io/os=linux',
      '3h5m',
      'agent,logs',
      'example/agent:1.2,example/logs:3',
      'app=agent,!gpu,tier=node,zone in (a,b)',
    ]);
  });

  test('daemonset columns put containers, images and selector at priority 1', () => {
    assert.deepEqual(columnsOf('daemonsets').map(([name, type, , priority]) => `${name}:${type}:${priority}`), [
      'Name:string:0',
      'Desired:integer:0',
      'Current:integer:0',
      'Ready:integer:0',
      'Up-to-date:integer:0',
      'Available:integer:0',
      'Node Selector:string:0',
      'Age:string:0',
      'Containers:string:1',
      'Images:string:1',
      'Selector:string:1',
    ]);
  });

  test('daemonset cells default to zero counts and <none> selectors', () => {
    assert.deepEqual(cellsOf('daemonsets', { metadata: { name: 'empty', creationTimestamp: ago(MINUTE) } }), ['empty', 0, 0, 0, 0, 0, '<none>', '60s', '', '', '<none>']);
  });

  test('daemonset selector shows <error> for an invalid expression', () => {
    const broken = { ...daemonSet, spec: { selector: { matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] } } };
    assert.equal(cellsOf('daemonsets', broken)[10], '<error>');
  });
});

describe('event table', () => {
  test('event columns follow the upstream order with the wide ones interleaved', () => {
    assert.deepEqual(columnsOf('events').map(([name, , format, priority]) => `${name}:${format}:${priority}`), [
      'Last Seen::0',
      'Type::0',
      'Reason::0',
      'Object::0',
      'Subobject::1',
      'Source::1',
      'Message::0',
      'First Seen::1',
      'Count::1',
      'Name:name:1',
    ]);
  });

  const cases: [string, Json, unknown[]][] = [
    [
      'keeps LAST SEEN a plain age for a repeated event (no "x3 over" form)',
      {
        metadata: { name: 'web.17a' },
        involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
        type: 'Warning',
        reason: 'BackOff',
        message: '  Back-off restarting failed container\n',
        source: { component: 'kubelet', host: 'node-a' },
        firstTimestamp: ago(10 * MINUTE),
        lastTimestamp: ago(2 * MINUTE),
        count: 3,
      },
      ['2m', 'Warning', 'BackOff', 'pod/web', 'spec.containers{app}', 'kubelet, node-a', 'Back-off restarting failed container', '10m', 3, 'web.17a'],
    ],
    [
      'uses eventTime, count 1 and the reporting controller for a singleton event of the new API',
      {
        metadata: { name: 'node-a.1' },
        involvedObject: { kind: 'Node' },
        type: 'Normal',
        reason: 'Starting',
        message: 'Starting hostpod.',
        eventTime: '2025-01-10T11:59:30.123456Z',
        reportingComponent: 'hostpod',
        reportingInstance: 'node-a',
      },
      ['29s', 'Normal', 'Starting', 'node', '', 'hostpod, node-a', 'Starting hostpod.', '29s', 1, 'node-a.1'],
    ],
    [
      'takes LAST SEEN and COUNT from the series',
      {
        metadata: { name: 'web.2' },
        involvedObject: { kind: 'Pod', name: 'web' },
        type: 'Warning',
        reason: 'Unhealthy',
        message: 'Readiness probe failed',
        source: { component: 'kubelet' },
        eventTime: ago(HOUR),
        series: { count: 12, lastObservedTime: ago(30 * SECOND) },
      },
      ['30s', 'Warning', 'Unhealthy', 'pod/web', '', 'kubelet', 'Readiness probe failed', '60m', 12, 'web.2'],
    ],
    [
      'reads the events.k8s.io/v1 field names',
      {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'web.3' },
        regarding: { kind: 'Pod', name: 'web' },
        type: 'Normal',
        reason: 'Pulled',
        note: 'Image pulled',
        reportingController: 'hostpod',
        reportingInstance: 'node-a',
        deprecatedFirstTimestamp: ago(5 * MINUTE),
        deprecatedLastTimestamp: ago(4 * MINUTE),
        deprecatedCount: 2,
      },
      ['4m', 'Normal', 'Pulled', 'pod/web', '', 'hostpod, node-a', 'Image pulled', '5m', 2, 'web.3'],
    ],
    [
      'shows <unknown> ages when no time is recorded',
      { metadata: { name: 'x' }, involvedObject: { kind: 'ConfigMap', name: 'c' }, reason: 'Synced' },
      ['<unknown>', '', 'Synced', 'configmap/c', '', '', '', '<unknown>', 1, 'x'],
    ],
  ];
  for (const [name, object, expected] of cases) {
    test(`event row ${name}`, () => {
      assert.deepEqual(cellsOf('events', object), expected);
    });
  }
});

describe('simple tables', () => {
  const cases: [string, string, Json, unknown[]][] = [
    ['namespace row shows the phase', 'namespaces', { metadata: { name: 'default', creationTimestamp: ago(5 * DAY) }, status: { phase: 'Active' } }, ['default', 'Active', '5d']],
    // kube-apiserver 1.35+ counts no secrets (kubernetes#117160): the real 1.36 prints NAME AGE.
    ['serviceaccount row shows no secret count', 'serviceaccounts', { metadata: { name: 'default', creationTimestamp: ago(HOUR) }, secrets: [{ name: 'a' }] }, ['default', '60m']],
    [
      'configmap row counts data and binaryData keys together',
      'configmaps',
      { metadata: { name: 'settings', creationTimestamp: ago(30 * SECOND) }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
      ['settings', 3, '30s'],
    ],
    ['secret row shows type and data key count', 'secrets', { metadata: { name: 'tls', creationTimestamp: ago(2 * YEAR) }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }, ['tls', 'kubernetes.io/tls', 2, '2y']],
    ['lease row shows the holder', 'leases', { metadata: { name: 'node-a', creationTimestamp: ago(8 * DAY) }, spec: { holderIdentity: 'node-a' } }, ['node-a', 'node-a', '8d']],
    ['lease row shows an empty holder for a free lease', 'leases', { metadata: { name: 'free', creationTimestamp: ago(MINUTE) }, spec: {} }, ['free', '', '60s']],
  ];
  for (const [name, resource, object, expected] of cases) {
    test(name, () => {
      assert.deepEqual(cellsOf(resource, object), expected);
    });
  }

  test('simple table columns are the upstream ones', () => {
    assert.deepEqual(columnsOf('namespaces').map(([name]) => name), ['Name', 'Status', 'Age']);
    assert.deepEqual(columnsOf('serviceaccounts').map(([name, type]) => `${name}:${type}`), ['Name:string', 'Age:string']);
    assert.deepEqual(columnsOf('configmaps').map(([name]) => name), ['Name', 'Data', 'Age']);
    assert.deepEqual(columnsOf('secrets').map(([name]) => name), ['Name', 'Type', 'Data', 'Age']);
    assert.deepEqual(columnsOf('leases').map(([name]) => name), ['Name', 'Holder', 'Age']);
  });
});

describe('default table', () => {
  test('default table shows Name and Created At for any other resource', () => {
    const table = toTable(served('statefulsets'), [{ metadata: { name: 'web', creationTimestamp: '2024-03-01T10:20:30.123456Z' } }, { metadata: { name: 'bare' } }], NOW);
    assert.deepEqual(columnsOf('statefulsets'), [
      ['Name', 'string', 'name', 0],
      ['Created At', 'date', '', 0],
    ]);
    assert.deepEqual(
      table.rows.map((row) => row.cells),
      [
        ['web', '2024-03-01T10:20:30Z'],
        ['bare', '0001-01-01T00:00:00Z'],
      ],
    );
  });
});

describe('table envelope', () => {
  test('table is a meta.k8s.io/v1 Table whose rows carry the objects', () => {
    const object = pod({ phase: 'Running' });
    const table = toTable(served('pods'), [object], NOW, { metadata: { resourceVersion: '42' } });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '42' });
    assert.equal(table.rows[0]?.object, object);
    assert.equal(table.columnDefinitions?.[0]?.description.startsWith('Name must be unique within a namespace.'), true);
  });

  test('table with noHeaders has null columnDefinitions but full rows', () => {
    const table = toTable(served('nodes'), [node({}, [])], NOW, { noHeaders: true });
    assert.equal(table.columnDefinitions, null);
    assert.equal(table.rows[0]?.cells.length, 10);
    assert.equal(JSON.stringify(table).includes('"columnDefinitions":null'), true);
  });

  test('table metadata keeps only the list fields that are set', () => {
    assert.deepEqual(toTable(served('pods'), [], NOW, { metadata: { resourceVersion: '7', continue: 'abc', remainingItemCount: 0 } }).metadata, {
      resourceVersion: '7',
      continue: 'abc',
      remainingItemCount: 0,
    });
    assert.deepEqual(toTable(served('pods'), [], NOW, { metadata: { resourceVersion: '', continue: '' } }).metadata, {});
    assert.deepEqual(toTable(served('pods'), [], NOW).rows, []);
  });

  test('table column definitions are fresh copies', () => {
    const first = toTable(served('leases'), [], NOW);
    first.columnDefinitions?.splice(0, 3);
    assert.equal(toTable(served('leases'), [], NOW).columnDefinitions?.length, 3);
  });
});
