/**
 * Control-plane parity (issue 17): one scripted kubectl session, run step by step against the real
 * control plane (kube-apiserver, controller manager and scheduler 1.36 as kubeadm sets them up)
 * and against `hostpod up --no-node`. Neither has a node, so pods stay Pending on both. Each
 * step's stdout, stderr and exit code, normalized (test/support/parity/normalize.ts), must be the
 * same on both, but for the differences listed with their reason in controlplane-parity.known.yaml;
 * a listed difference that no longer occurs fails too, so the list stays true.
 *
 * HOSTPOD_PARITY_TRANSCRIPT=FILE writes every step's normalized output on both sides to FILE.
 */
import { join } from 'node:path';
import { kubectlSkip } from '../support/controlplane.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { paritySuite } from '../support/parity/suite.js';
import type { ParitySession} from '../support/parity/session.js';
import { type Run } from '../support/parity/session.js';

const KUBECTL = '1.33';
const NS = 'parity';
const KNOWN = join(import.meta.dirname, 'controlplane-parity.known.yaml');
const skip = realClusterSkip() || kubectlSkip(KUBECTL);

function daemonSet(image: string, name = 'agent', selected = 'agent'): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name, namespace: NS, labels: { app: 'agent' } },
    spec: {
      selector: { matchLabels: { app: selected } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          hostNetwork: true,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
          containers: [{ name: 'main', image, command: ['/bin/sh', '-c', 'sleep 3600'] }],
        },
      },
    },
  }, null, 2);
}

function pod(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: name }, ...extra },
    spec: { containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'sleep 3600'] }] },
  }, null, 2);
}

/** A pod the DaemonSet owns (not as its controller, so that the DaemonSet controller leaves it alone): for the cascades. */
const DEPENDENT = pod('dependent', { labels: { role: 'dependent' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: '%{dsUid}' }] });

const ok = (run: Run): boolean => run.code === 0;
const printed = (text: string) => (run: Run): boolean => run.code === 0 && run.stdout.trim() === text;
const n = (...args: string[]): string[] => [...args, '-n', NS];

/** The DaemonSet's status has caught up with its spec. */
async function observed(s: ParitySession, generation: number): Promise<void> {
  await s.settle(`the DaemonSet's generation ${generation} observed`, n('get', 'daemonset', 'agent', '-o', 'jsonpath={.metadata.generation}/{.status.observedGeneration}'), printed(`${generation}/${generation}`));
}

async function setUp(s: ParitySession): Promise<void> {
  await s.step('version', ['version']);
  await s.step('create namespace', ['create', 'namespace', NS]);
  await s.settle('the default service account', n('get', 'serviceaccount', 'default'), ok);
  await s.settle('the root CA configmap', n('get', 'configmap', 'kube-root-ca.crt'), ok);
  await s.step('create serviceaccount', n('create', 'serviceaccount', 'robot'));
  await s.step('create secret', n('create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret'));
  await s.step('get serviceaccounts', n('get', 'serviceaccounts'));
  await s.step('describe serviceaccount', n('describe', 'serviceaccount', 'robot'));
  await s.step('get nodes: none', ['get', 'nodes']);
}

async function daemonSets(s: ParitySession): Promise<void> {
  s.write('ds.json', daemonSet('localhost/hostprocess-base:latest'));
  await s.step('apply: created', ['apply', '-f', 'ds.json']);
  await observed(s, 1);
  await s.step('apply: unchanged', ['apply', '-f', 'ds.json']);
  await s.step('get daemonsets', n('get', 'daemonsets'));
  await s.step('get daemonsets -o wide', n('get', 'daemonsets', '-o', 'wide'));
  await s.step('get daemonset -o yaml', n('get', 'daemonset', 'agent', '-o', 'yaml'));
  await s.step('get daemonset -o json', n('get', 'daemonset', 'agent', '-o', 'json'));
  await s.step('get daemonsets -o name', n('get', 'daemonsets', '-o', 'name'));
  await s.step('get daemonsets -A', ['get', 'daemonsets', '-A']);
  await s.step('describe daemonset', n('describe', 'daemonset', 'agent'));
  await s.step('rollout status', n('rollout', 'status', 'daemonset/agent', '--timeout=10s'));

  s.write('ds.json', daemonSet('localhost/hostprocess-base:v2'));
  await s.step('diff: the modified template', ['diff', '-f', 'ds.json']);
  await s.step('apply --dry-run=server', ['apply', '-f', 'ds.json', '--dry-run=server']);
  await s.step('apply: configured', ['apply', '-f', 'ds.json']);
  await observed(s, 2);
  await s.step('rollout status: rolled', n('rollout', 'status', 'daemonset/agent', '--timeout=10s'));
  await s.step('get daemonset -o yaml: rolled', n('get', 'daemonset', 'agent', '-o', 'yaml'));
  await s.step('rollout history', n('rollout', 'history', 'daemonset/agent'));
  await s.step('rollout history --revision', n('rollout', 'history', 'daemonset/agent', '--revision=1'));
  await s.step('get controllerrevisions', n('get', 'controllerrevisions', '--sort-by=.revision'));
  await s.step('rollout undo', n('rollout', 'undo', 'daemonset/agent'));
  await observed(s, 3);
  await s.step('rollout history: undone', n('rollout', 'history', 'daemonset/agent'));
  await s.step('rollout undo: the current revision', n('rollout', 'undo', 'daemonset/agent', '--to-revision=3'));
  await s.step('rollout undo: no such revision', n('rollout', 'undo', 'daemonset/agent', '--to-revision=9'));
  await s.step('rollout restart', n('rollout', 'restart', 'daemonset/agent'));
  await observed(s, 4);
  await s.step('get daemonset: restarted', n('get', 'daemonset', 'agent', '-o', 'jsonpath={.metadata.generation} {.spec.template.metadata.annotations}'));
}

async function pendingPods(s: ParitySession): Promise<void> {
  s.write('web.json', pod('web'));
  await s.step('apply pod: created', ['apply', '-f', 'web.json']);
  await s.settle('the pod found unschedulable', n('get', 'pod', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}'), printed('Unschedulable'));
  // The scheduler's event is sent after the condition is written (the real one's, asynchronously).
  await s.settle('the FailedScheduling event', n('get', 'events', '--field-selector', 'involvedObject.name=web,reason=FailedScheduling', '-o', 'name'), (run) => ok(run) && run.stdout.trim() !== '');
  await s.step('get pods', n('get', 'pods'));
  await s.step('get pods -o wide', n('get', 'pods', '-o', 'wide'));
  await s.step('get pod -o yaml', n('get', 'pod', 'web', '-o', 'yaml'));
  await s.step('get pods -o name', n('get', 'pods', '-o', 'name'));
  await s.step('describe pod', n('describe', 'pod', 'web'));
  await s.step('get events', n('get', 'events'));
  await s.step('get events -o wide', n('get', 'events', '-o', 'wide'));
  await s.step('wait --for=condition', n('wait', '--for=condition=PodScheduled=false', 'pod/web', '--timeout=10s'));
  await s.step('logs: a pod on no node', n('logs', 'web'));
  await s.step('exec: a pod on no node', n('exec', 'web', '--', 'true'));
  await s.step('get all', n('get', 'all'));
  await s.step('get configmap -o yaml', n('get', 'configmap', 'kube-root-ca.crt', '-o', 'yaml'));
}

async function labelsAndAnnotations(s: ParitySession): Promise<void> {
  await s.step('label', n('label', 'pod', 'web', 'tier=front'));
  await s.step('label: without --overwrite', n('label', 'pod', 'web', 'tier=back'));
  await s.step('label --overwrite', n('label', 'pod', 'web', 'tier=back', '--overwrite'));
  await s.step('get pods -l --show-labels', n('get', 'pods', '-l', 'tier=back', '--show-labels'));
  await s.step('label: remove', n('label', 'pod', 'web', 'tier-'));
  // One label: kubectl lists them in Go's map order, which is random.
  await s.step('label --list', n('label', 'pod', 'web', '--list'));
  await s.step('annotate', n('annotate', 'pod', 'web', 'note=first'));
  await s.step('annotate --overwrite', n('annotate', 'daemonset', 'agent', 'note=second', '--overwrite'));
  await s.step('get annotations', n('get', 'pod', 'web', '-o', 'jsonpath={.metadata.annotations.note}'));
  await s.step('describe namespace', ['describe', 'namespace', NS]);
}

async function patches(s: ParitySession): Promise<void> {
  await s.step('patch: strategic merge', n('patch', 'pod', 'web', '-p', '{"spec":{"containers":[{"name":"main","image":"localhost/hostprocess-base:v2"}]}}'));
  await s.step('patch: merge', n('patch', 'daemonset', 'agent', '--type=merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}'));
  await s.step('patch: json', n('patch', 'daemonset', 'agent', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"localhost/hostprocess-base:v3"}]'));
  await s.step('patch: no change', n('patch', 'daemonset', 'agent', '--type=merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}'));
  await observed(s, 5);
  await s.step('patched', n('get', 'daemonset', 'agent', '-o', 'jsonpath={.metadata.labels} {.spec.template.spec.containers[0].image} {.metadata.generation}'));
  await s.step('patched pod', n('get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].image}'));
  await s.step('patch: json test fails', n('patch', 'daemonset', 'agent', '--type=json', '-p', '[{"op":"test","path":"/metadata/name","value":"other"}]'));
  await s.step('patch: json path missing', n('patch', 'daemonset', 'agent', '--type=json', '-p', '[{"op":"remove","path":"/metadata/labels/absent"}]'));
  await s.step('patch: forbidden pod update', n('patch', 'pod', 'web', '-p', '{"spec":{"restartPolicy":"Never"}}'));
}

async function errors(s: ParitySession): Promise<void> {
  await s.step('404: get pod', n('get', 'pod', 'nope'));
  await s.step('404: get two', n('get', 'daemonsets', 'nope', 'other'));
  await s.step('404: delete', n('delete', 'configmap', 'nope'));
  await s.step('404: describe', n('describe', 'pod', 'nope'));
  await s.step('404: list in a missing namespace', ['get', 'pods', '-n', 'nowhere']);
  await s.step('404: resource type', n('get', 'widgets'));

  await s.step('409: namespace exists', ['create', 'namespace', NS]);
  await s.step('409: pod exists', ['create', '-f', 'web.json']);
  await s.step('409: serviceaccount exists', n('create', 'serviceaccount', 'robot'));
  await s.capture('staleDs', n('get', 'daemonset', 'agent', '-o', 'yaml'));
  s.write('stale.yaml', '%{staleDs}\n');
  await s.step('annotate: moves the resourceVersion', n('annotate', 'daemonset', 'agent', 'bump=1'));
  await s.step('409: replace a stale resourceVersion', ['replace', '-f', 'stale.yaml']);
  await s.step('409: label at a stale resourceVersion', n('label', 'pod', 'web', 'stale=yes', '--resource-version=1'));

  s.write('bad-ds.json', daemonSet('localhost/hostprocess-base:latest', 'bad', 'other'));
  await s.step('422: selector does not match the template', ['apply', '-f', 'bad-ds.json']);
  await s.step('422: configmap name', n('create', 'configmap', 'Bad_Name'));
  await s.step('422: namespace name', ['create', 'namespace', 'Bad']);
  await s.step('422: a TLS secret without its keys', n('create', 'secret', 'generic', 'half', '--type=kubernetes.io/tls', '--from-literal=tls.crt=x'));
  await s.step('immutable configmap', n('create', 'configmap', 'fixed', '--from-literal=a=b'));
  await s.step('immutable configmap: made so', n('patch', 'configmap', 'fixed', '--type=merge', '-p', '{"immutable":true}'));
  await s.step('422: an immutable configmap changed', n('patch', 'configmap', 'fixed', '--type=merge', '-p', '{"data":{"a":"c"}}'));
  await s.step('422: a secret\'s type changed', n('patch', 'secret', 'creds', '--type=merge', '-p', '{"type":"kubernetes.io/basic-auth"}'));
  s.write('bad-pod.json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad', namespace: NS }, spec: { containers: [{ name: 'Main', image: '' }] } }));
  await s.step('422: pod', ['apply', '-f', 'bad-pod.json']);
  s.write('unknown.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unknown', namespace: NS }, data: { a: 'b' }, colour: 'blue' }));
  await s.step('400: unknown field', ['apply', '-f', 'unknown.json']);
}

async function tokens(s: ParitySession): Promise<void> {
  await s.step('create token', n('create', 'token', 'robot'));
  await s.step('create token --duration', n('create', 'token', 'robot', '--duration=10m'));
  await s.step('create token: bound to a pod', n('create', 'token', 'default', '--bound-object-kind=Pod', '--bound-object-name=web'));
  await s.step('create token: other account than the pod\'s', n('create', 'token', 'robot', '--bound-object-kind=Pod', '--bound-object-name=web'));
  await s.step('create token: no such account', n('create', 'token', 'nope'));
  await s.step('create token: too short', n('create', 'token', 'robot', '--duration=1s'));
  await s.step('create token: bound to a secret', n('create', 'token', 'robot', '--bound-object-kind=Secret', '--bound-object-name=creds'));
  await s.step('create token: bound to a missing secret', n('create', 'token', 'robot', '--bound-object-kind=Secret', '--bound-object-name=nope'));
  await s.step('create token: bound to a missing node', n('create', 'token', 'robot', '--bound-object-kind=Node', '--bound-object-name=nope'));
  await s.step('create token: another uid', n('create', 'token', 'robot', '--bound-object-kind=Secret', '--bound-object-name=creds', '--bound-object-uid=0c2a6a7e-0000-4000-8000-000000000000'));
  await s.capture('robotToken', n('create', 'token', 'robot'));
  s.asUser('robot', 'robotToken');
  s.sides.forEach((side) => side.vars.set('bogus', 'not-a-token'));
  s.asUser('stranger', 'bogus');
  await s.step('403: another namespace', ['get', 'pods', '-n', 'kube-system'], { user: 'robot' });
  await s.step('403: create elsewhere', ['create', 'configmap', 'intruder', '-n', 'default'], { user: 'robot' });
  await s.step('403: cluster scope', ['get', 'nodes'], { user: 'robot' });
  await s.step('403: delete the namespace', ['delete', 'namespace', NS], { user: 'robot' });
  await s.step('403: its own namespace', n('get', 'configmap', 'kube-root-ca.crt'), { user: 'robot' });
  await s.step('401: a bad token', n('get', 'pods'), { user: 'stranger' });

  await s.step('auth can-i', n('auth', 'can-i', 'list', 'pods'));
  await s.step('auth can-i: a subresource', n('auth', 'can-i', 'create', 'pods/exec'));
  await s.step('auth can-i: a path', ['auth', 'can-i', 'get', '/healthz']);
  await s.step('auth whoami', ['auth', 'whoami']);
  await s.step('auth whoami: a service account', ['auth', 'whoami', '-o', 'yaml'], { user: 'robot' });
  await s.step('auth can-i: a service account elsewhere', ['auth', 'can-i', 'list', 'pods', '-n', 'kube-system'], { user: 'robot' });
  await s.step('auth can-i: a service account at home', n('auth', 'can-i', 'list', 'configmaps'), { user: 'robot' });

  await s.step('--as: the admin as a service account', ['get', 'pods', '-n', 'kube-system', `--as=system:serviceaccount:${NS}:robot`]);
  await s.step('--as: auth whoami as a user and group', ['auth', 'whoami', '--as=jane', '--as-group=devs']);
  await s.step('403: --as by a service account', n('get', 'pods', '--as=someone'), { user: 'robot' });
}

async function watches(s: ParitySession): Promise<void> {
  // One object's events (a field selector), whatever else the namespace holds: the header and three rows.
  await s.watch('get configmaps --watch', n('get', 'configmaps', '--field-selector=metadata.name=watched', '--watch', '--output-watch-events'), async () => {
    await s.step('watched: create', n('create', 'configmap', 'watched', '--from-literal=a=b'));
    await s.step('watched: label', n('label', 'configmap', 'watched', 'seen=yes'));
    await s.step('watched: delete', n('delete', 'configmap', 'watched'));
  }, 4);
  s.write('watched.json', pod('watched'));
  await s.watch('get pods --watch', n('get', 'pods', '-l', 'app=watched', '--watch'), async () => {
    await s.step('watched pod: create', ['apply', '-f', 'watched.json']);
    await s.settle('the watched pod found unschedulable', n('get', 'pod', 'watched', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}'), printed('Unschedulable'));
    await s.step('watched pod: delete', n('delete', 'pod', 'watched'));
  }, 3);
}

async function deletions(s: ParitySession): Promise<void> {
  await s.step('delete --dry-run=server', n('delete', 'pod', 'web', '--dry-run=server'));
  await s.step('dry run: the pod stays', n('get', 'pod', 'web', '-o', 'name'));
  s.write('dry-run-some.json', JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['Some'] }));
  await s.step('422: delete with a dryRun of Some', ['delete', '--raw', `/api/v1/namespaces/${NS}/pods/web`, '-f', 'dry-run-some.json']);
  await s.step('delete --grace-period', n('delete', 'pod', 'web', '--grace-period=5'));
  await s.step('deleted: not found', n('get', 'pod', 'web'));
  await s.step('apply pod again', ['apply', '-f', 'web.json']);
  await s.step('delete --force', n('delete', 'pod', 'web', '--grace-period=0', '--force'));

  for (const cascade of ['background', 'foreground', 'orphan']) {
    s.write('ds.json', daemonSet('localhost/hostprocess-base:latest'));
    await s.step(`${cascade}: apply`, ['apply', '-f', 'ds.json']);
    await s.capture('dsUid', n('get', 'daemonset', 'agent', '-o', 'jsonpath={.metadata.uid}'));
    s.write('dependent.json', DEPENDENT);
    await s.step(`${cascade}: dependent`, ['apply', '-f', 'dependent.json']);
    await s.step(`${cascade}: delete`, n('delete', 'daemonset', 'agent', `--cascade=${cascade}`));
    if (cascade === 'background') await s.settle('the dependent collected', n('get', 'pods', '-l', 'role=dependent', '-o', 'name'), printed(''));
    await s.step(`${cascade}: dependents left`, n('get', 'pods', '-l', 'role=dependent', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences}{"\\n"}{end}'));
  }
  await s.step('delete namespace --dry-run=server', ['delete', 'namespace', NS, '--dry-run=server']);
  await s.step('dry run: the namespace stays', ['get', 'namespace', NS]);
  await s.step('delete namespace', ['delete', 'namespace', NS, '--timeout=60s']);
  await s.step('deleted namespace: not found', ['get', 'namespace', NS]);
}

paritySuite({
  title: 'control-plane parity: the kubectl session on the real control plane and on hostpod up',
  skip, known: KNOWN, kubectls: [KUBECTL],
  run: async (session) => {
    for (const section of [setUp, daemonSets, pendingPods, labelsAndAnnotations, patches, errors, tokens, watches, deletions]) await section(session);
  },
});
