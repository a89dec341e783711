/**
 * Deployments parity (issue 18, point 6): one scripted kubectl session about Deployments and
 * ReplicaSets, run step by step against the real control plane (kube-apiserver, controller
 * manager and scheduler 1.36 as kubeadm sets them up) and against `hostpod up --no-node`. Neither
 * has a node, so pods stay Pending and no replica becomes available: a rollout goes as far as
 * maxSurge lets it and waits, on both. Each step's normalized output must be the same on both but
 * for the differences listed with their reason in parity-deployments.known.yaml; a listed
 * difference that no longer occurs fails too.
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
const NS = 'deploys';
const IMAGE = 'localhost/hostprocess-base:latest';
const KNOWN = join(import.meta.dirname, 'parity-deployments.known.yaml');
const skip = realClusterSkip() || kubectlSkip(KUBECTL);

const ok = (run: Run): boolean => run.code === 0;
const printed = (text: string) => (run: Run): boolean => run.code === 0 && run.stdout.trim() === text;
const n = (...args: string[]): string[] => [...args, '-n', NS];
/** `kubectl describe`'s Progressing row with its reason masked, where the real controller's reason is a race's outcome. */
const progressReasonMasked = (text: string): string =>
  text.replace(/^(\s+Progressing\s+True\s+)(?:ReplicaSetUpdated|NewReplicaSetCreated)$/m, '$1(ReplicaSetUpdated or NewReplicaSetCreated)');

function deployment(name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: name }, podSpec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: IMAGE, command: ['/bin/sh', '-c', 'sleep 3600'] }], ...podSpec } },
      ...spec,
    },
  }, null, 2);
}

/** The Deployment's status has caught up: generation observed, and the ReplicaSets' sizes as given (`name=replicas` sorted by name is not comparable: hashes differ; sizes sorted). */
async function rolled(s: ParitySession, name: string, generation: number, sizes: string): Promise<void> {
  await s.settle(`${name}'s generation ${generation} observed`, n('get', 'deployment', name, '-o', 'jsonpath={.metadata.generation}/{.status.observedGeneration}'), printed(`${generation}/${generation}`));
  await s.settle(`${name}'s ReplicaSets sized ${sizes}`, n('get', 'replicasets', '-l', `app=${name}`, '-o', 'jsonpath={range .items[*]}{.spec.replicas}={.status.replicas} {end}'),
    (run) => ok(run) && run.stdout.trim().split(' ').filter(Boolean).sort().join(' ') === sizes);
}

async function setUp(s: ParitySession): Promise<void> {
  await s.step('create namespace', ['create', 'namespace', NS]);
  await s.settle('the default service account', n('get', 'serviceaccount', 'default'), ok);
}

async function createAndScale(s: ParitySession): Promise<void> {
  await s.step('create deployment', n('create', 'deployment', 'web', `--image=${IMAGE}`, '--replicas=2'));
  await rolled(s, 'web', 1, '2=2');
  await s.settle('the pods counted', n('get', 'deployment', 'web', '-o', 'jsonpath={.status.replicas}/{.status.updatedReplicas}/{.status.unavailableReplicas}'), printed('2/2/2'));
  await s.step('get deployments', n('get', 'deployments'));
  await s.step('get deployments -o wide', n('get', 'deployments', '-o', 'wide'));
  await s.step('get replicasets', n('get', 'replicasets'));
  await s.step('get replicasets -o wide', n('get', 'replicasets', '-o', 'wide'));
  await s.step('get pods', n('get', 'pods', '-o', 'name'));
  await s.step('get deploy,rs,pods', n('get', 'deploy,rs,pods'));
  await s.step('get deployment -o yaml', n('get', 'deployment', 'web', '-o', 'yaml'));
  await s.step('get replicaset -o json', n('get', 'replicasets', '-o', 'json'));
  await s.step('pod owners and labels', n('get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.generateName} {.metadata.labels} {.metadata.ownerReferences[0].kind}{"\\n"}{end}'));
  await s.step('describe deployment', n('describe', 'deployment', 'web'));
  await s.step('describe replicaset', n('describe', 'replicasets'));
  await s.step('rollout status: not available', n('rollout', 'status', 'deployment/web', '--timeout=1s'));

  await s.step('scale', n('scale', 'deployment', 'web', '--replicas=3'));
  await rolled(s, 'web', 2, '3=3');
  await s.step('get --subresource=scale', n('get', 'deployment', 'web', '--subresource=scale'));
  await s.step('get --subresource=scale -o json', n('get', 'deployment', 'web', '--subresource=scale', '-o', 'json'));
  await s.capture('rsName', n('get', 'replicasets', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'));
  await s.step('get replicaset --subresource=scale', n('get', 'replicaset', '%{rsName}', '--subresource=scale', '-o', 'json'));
  await s.step('scale: --current-replicas mismatch', n('scale', 'deployment', 'web', '--replicas=4', '--current-replicas=2'));
  await s.step('scale down', n('scale', 'deployment', 'web', '--replicas=1'));
  await rolled(s, 'web', 3, '1=1');
  await s.step('scale back', n('scale', 'deployment', 'web', '--replicas=3'));
  await rolled(s, 'web', 4, '3=3');
}

async function rollouts(s: ParitySession): Promise<void> {
  await s.step('set image', n('set', 'image', 'deployment/web', '*=localhost/hostprocess-base:v2'));
  // 3 replicas, 25%: one surge pod (rounded up), none unavailable (rounded down): 3 old, 1 new.
  await rolled(s, 'web', 5, '1=1 3=3');
  await s.step('get replicasets: rolling', n('get', 'replicasets', '-o', 'custom-columns=DESIRED:.spec.replicas,REVISION:.metadata.annotations.deployment\\.kubernetes\\.io/revision,IMAGE:.spec.template.spec.containers[0].image', '--sort-by=.metadata.annotations.deployment\\.kubernetes\\.io/revision'));
  await s.step('get deployment: rolling', n('get', 'deployment', 'web'));
  await s.step('rollout status: rolling', n('rollout', 'status', 'deployment/web', '--timeout=1s'));
  await s.step('rollout history', n('rollout', 'history', 'deployment/web'));
  await s.step('rollout history --revision', n('rollout', 'history', 'deployment/web', '--revision=2'));
  await s.step('rollout history: no such revision', n('rollout', 'history', 'deployment/web', '--revision=7'));
  // The surge pod counted. The real controller then says ReplicaSetUpdated, or keeps NewReplicaSetCreated when the
  // ReplicaSet's status was counted before the Deployment's own status write landed (that write, made with the
  // Deployment as it was before creating the ReplicaSet, conflicts; the retry then sees no progress to report, and
  // none follows while the pods stay Pending). Either is the real thing, so this one step masks which.
  await s.settle('the rollout\'s progress counted', n('get', 'deployment', 'web', '-o', 'jsonpath={.status.updatedReplicas} {.status.conditions[?(@.type=="Progressing")].reason}'),
    (run) => run.code === 0 && /^1 (ReplicaSetUpdated|NewReplicaSetCreated)$/.test(run.stdout.trim()));
  await s.step('describe deployment: rolling', n('describe', 'deployment', 'web'), { rewrite: progressReasonMasked });

  await s.step('rollout undo', n('rollout', 'undo', 'deployment/web'));
  await rolled(s, 'web', 6, '1=1 3=3');
  await s.step('rollout history: undone', n('rollout', 'history', 'deployment/web'));
  await s.step('replicaset annotations: undone', n('get', 'replicasets', '-o', 'jsonpath={range .items[*]}{.spec.template.spec.containers[0].image} {.metadata.annotations}{"\\n"}{end}', '--sort-by=.spec.template.spec.containers[0].image'));
  await s.step('rollout undo --to-revision: missing', n('rollout', 'undo', 'deployment/web', '--to-revision=9'));
  await s.step('rollout undo --to-revision', n('rollout', 'undo', 'deployment/web', '--to-revision=2'));
  await rolled(s, 'web', 7, '1=1 3=3');
  await s.step('get deployment -o yaml: undone', n('get', 'deployment', 'web', '-o', 'yaml'));

  await s.step('rollout pause', n('rollout', 'pause', 'deployment/web'));
  await s.settle('the pause observed', n('get', 'deployment', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}'), printed('DeploymentPaused'));
  await s.step('rollout pause: again', n('rollout', 'pause', 'deployment/web'));
  await s.step('set image: paused', n('set', 'image', 'deployment/web', '*=localhost/hostprocess-base:v3'));
  await rolled(s, 'web', 9, '1=1 3=3');
  await s.step('get replicasets: paused', n('get', 'replicasets', '-o', 'custom-columns=DESIRED:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image', '--sort-by=.spec.template.spec.containers[0].image'));
  await s.step('rollout status: paused', n('rollout', 'status', 'deployment/web', '--timeout=1s'));
  await s.step('rollout undo: paused', n('rollout', 'undo', 'deployment/web'));
  await s.step('describe deployment: paused', n('describe', 'deployment', 'web'));
  await s.step('rollout resume', n('rollout', 'resume', 'deployment/web'));
  await rolled(s, 'web', 10, '1=1 1=1 2=2');
  await s.step('get deployment -o yaml: resumed', n('get', 'deployment', 'web', '-o', 'yaml'));
  await s.step('rollout resume: again', n('rollout', 'resume', 'deployment/web'));
  await s.step('rollout restart', n('rollout', 'restart', 'deployment/web'));
  await rolled(s, 'web', 11, '1=1 1=1 1=1 1=1');
  await s.step('rollout history: restarted', n('rollout', 'history', 'deployment/web'));
}

async function recreate(s: ParitySession): Promise<void> {
  s.write('recreate.json', deployment('batch', { strategy: { type: 'Recreate' } }));
  await s.step('apply: Recreate', ['apply', '-f', 'recreate.json']);
  await rolled(s, 'batch', 1, '2=2');
  await s.step('get deployment -o yaml: Recreate', n('get', 'deployment', 'batch', '-o', 'yaml'));
  await s.step('set image: Recreate', n('set', 'image', 'deployment/batch', 'main=localhost/hostprocess-base:v2'));
  // Pending pods go at once: the old ReplicaSet is scaled to 0, then the new one up to 2.
  await rolled(s, 'batch', 2, '0=0 2=2');
  await s.step('get replicasets: recreated', n('get', 'replicasets', '-l', 'app=batch', '-o', 'custom-columns=DESIRED:.spec.replicas,REVISION:.metadata.annotations.deployment\\.kubernetes\\.io/revision,IMAGE:.spec.template.spec.containers[0].image', '--sort-by=.metadata.annotations.deployment\\.kubernetes\\.io/revision'));
  await s.step('describe deployment: Recreate', n('describe', 'deployment', 'batch'));
}

async function history(s: ParitySession): Promise<void> {
  s.write('limited.json', deployment('limited', { replicas: 0, revisionHistoryLimit: 1 }));
  await s.step('apply: revisionHistoryLimit 1', ['apply', '-f', 'limited.json']);
  await rolled(s, 'limited', 1, '0=0');
  for (const [i, version] of ['v2', 'v3', 'v4'].entries()) {
    await s.step(`set image: limited ${version}`, n('set', 'image', 'deployment/limited', `main=localhost/hostprocess-base:${version}`));
    await rolled(s, 'limited', i + 2, '0=0 0=0');
  }
  await s.step('rollout history: limited', n('rollout', 'history', 'deployment/limited'));
  await s.step('get replicasets: limited', n('get', 'replicasets', '-l', 'app=limited', '-o', 'custom-columns=REVISION:.metadata.annotations.deployment\\.kubernetes\\.io/revision,IMAGE:.spec.template.spec.containers[0].image', '--sort-by=.metadata.annotations.deployment\\.kubernetes\\.io/revision'));
}

async function invalid(s: ParitySession): Promise<void> {
  const cases: [string, string][] = [
    ['both zero', deployment('bad', { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } })],
    ['Recreate with rollingUpdate', deployment('bad', { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } })],
    ['unknown strategy', deployment('bad', { strategy: { type: 'BlueGreen' } })],
    ['percentages', deployment('bad', { strategy: { rollingUpdate: { maxSurge: 'x', maxUnavailable: '200%' } } })],
    ['replicas, labels and deadline', deployment('bad', { replicas: -1, progressDeadlineSeconds: 5, minReadySeconds: 10 }, { app: 'other' })],
    ['no selector', deployment('bad', { selector: null })],
    ['restart policy', deployment('bad', {}, { app: 'bad' }, { restartPolicy: 'Never' })],
  ];
  for (const [name, body] of cases) {
    s.write('bad.json', body);
    await s.step(`invalid: ${name}`, ['create', '-f', 'bad.json']);
  }
  s.write('bad-rs.json', JSON.stringify({
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'bad', namespace: NS },
    spec: { replicas: -1, minReadySeconds: -2, selector: { matchLabels: { app: 'bad' } }, template: { metadata: { labels: { app: 'bad' } }, spec: { containers: [{ name: 'main', image: IMAGE }] } } },
  }));
  await s.step('invalid: replicaset', ['create', '-f', 'bad-rs.json']);
  await s.step('invalid: selector changed', n('patch', 'deployment', 'web', '-p', '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}'));
  await s.step('invalid: scale below 0', n('patch', 'deployment', 'web', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":-1}}'));
  await s.step('invalid: strategy patched', n('patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"strategy":{"type":"Recreate"}}}'));
  await s.step('strategy patched with rollingUpdate removed', n('patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}'));
}

async function replicaSets(s: ParitySession): Promise<void> {
  s.write('rs.json', JSON.stringify({
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'plain', namespace: NS },
    spec: { replicas: 2, selector: { matchLabels: { tier: 'plain' } }, template: { metadata: { labels: { tier: 'plain' } }, spec: { containers: [{ name: 'main', image: IMAGE }] } } },
  }, null, 2));
  s.write('orphan.json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: NS, labels: { tier: 'plain' } }, spec: { containers: [{ name: 'main', image: IMAGE }] } }, null, 2));
  await s.step('orphan pod', ['apply', '-f', 'orphan.json']);
  await s.step('apply replicaset', ['apply', '-f', 'rs.json']);
  await s.settle('the orphan adopted', n('get', 'pods', '-l', 'tier=plain', '-o', 'jsonpath={range .items[*]}{.metadata.ownerReferences[0].name} {end}'), printed('plain plain'));
  await s.step('get replicaset: adopted', n('get', 'replicaset', 'plain'));
  await s.step('orphan owner', n('get', 'pod', 'orphan', '-o', 'jsonpath={.metadata.ownerReferences}'));
  await s.step('release: label changed', n('label', 'pod', 'orphan', 'tier=gone', '--overwrite'));
  await s.settle('the pod released and replaced', n('get', 'pods', '-l', 'tier=plain', '-o', 'name'), (run) => ok(run) && run.stdout.trim().split('\n').length === 2 && !run.stdout.includes('orphan'));
  await s.step('released owner', n('get', 'pod', 'orphan', '-o', 'jsonpath={.metadata.ownerReferences}'));
  await s.step('scale replicaset', n('scale', 'replicaset', 'plain', '--replicas=0'));
  await s.settle('the replicaset emptied', n('get', 'pods', '-l', 'tier=plain', '-o', 'name'), printed(''));
  await s.step('get replicaset: empty', n('get', 'replicaset', 'plain', '-o', 'jsonpath={.status}'));
}

async function failures(s: ParitySession): Promise<void> {
  const strict = `${NS}-strict`;
  await s.step('create namespace: restricted', ['create', 'namespace', strict]);
  await s.step('label namespace: enforce restricted', ['label', 'namespace', strict, 'pod-security.kubernetes.io/enforce=restricted']);
  await s.settle('the restricted default service account', ['get', 'serviceaccount', 'default', '-n', strict], ok);
  const refused = JSON.parse(deployment('refused', { replicas: 1 }, { app: 'refused' }, { hostNetwork: true })) as { metadata: { namespace: string } };
  refused.metadata.namespace = strict;
  s.write('refused.json', JSON.stringify(refused, null, 2));
  await s.step('apply: pods Pod Security refuses', ['apply', '-f', 'refused.json']);
  await s.settle('the failure on the Deployment', ['get', 'deployment', 'refused', '-n', strict, '-o', 'jsonpath={.status.conditions[?(@.type=="ReplicaFailure")].reason}'], printed('FailedCreate'));
  await s.step('replicaset: ReplicaFailure', ['get', 'replicasets', '-n', strict, '-o', 'jsonpath={.items[0].status.conditions}']);
  await s.step('deployment: ReplicaFailure', ['get', 'deployment', 'refused', '-n', strict, '-o', 'jsonpath={.status.conditions[?(@.type=="ReplicaFailure")]}']);
}

async function deletions(s: ParitySession): Promise<void> {
  await s.step('delete: orphan', n('delete', 'deployment', 'batch', '--cascade=orphan'));
  await s.settle('the orphaned ReplicaSets left', n('get', 'replicasets', '-l', 'app=batch', '-o', 'jsonpath={range .items[*]}{.metadata.ownerReferences}{end}'), printed(''));
  await s.step('orphaned replicasets', n('get', 'replicasets', '-l', 'app=batch', '-o', 'jsonpath={range .items[*]}{.spec.replicas} {.metadata.ownerReferences}{"\\n"}{end}', '--sort-by=.spec.replicas'));
  await s.step('delete: background', n('delete', 'deployment', 'web'));
  await s.settle('the ReplicaSets and pods collected', n('get', 'replicasets,pods', '-l', 'app=web', '-o', 'name'), printed(''));
  await s.step('delete: foreground', n('delete', 'deployment', 'limited', '--cascade=foreground'));
  await s.settle('the Deployment gone', n('get', 'deployments', '-o', 'name'), printed(''));
  await s.step('get all: what is left', n('get', 'all'));
}

paritySuite({
  title: 'deployments parity: the kubectl session on the real control plane and on hostpod up',
  skip, known: KNOWN, kubectls: [KUBECTL],
  run: async (session) => {
    for (const section of [setUp, createAndScale, rollouts, recreate, history, invalid, replicaSets, failures, deletions]) await section(session);
  },
});
