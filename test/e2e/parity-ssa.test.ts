/**
 * Server-side apply parity: one scripted kubectl session of applies (`kubectl apply
 * --server-side`, field managers, conflicts, --force-conflicts, removals, managers sharing a list
 * item, client-side apply and back, dry runs, diff, a missing namespace, an undeclared field),
 * each followed by `get -o yaml --show-managed-fields`, run on the real control plane
 * (kube-apiserver 1.36) and on `hostpod up --no-node`, with kubectl 1.33 and 1.27 (each in its
 * own namespace). Outputs are compared with managedFields kept (times normalized, entries sorted,
 * since their order follows their times in seconds); differences must be listed in
 * parity-ssa.known.yaml with why.
 *
 * HOSTPOD_PARITY_TRANSCRIPT=FILE writes every step's normalized output on both sides to FILE.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlSkip } from '../support/controlplane.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { paritySuite } from '../support/parity/suite.js';
import type { ParitySession} from '../support/parity/session.js';
import { type Run } from '../support/parity/session.js';

const KUBECTLS = ['1.33', '1.27'];
const KNOWN = join(import.meta.dirname, 'parity-ssa.known.yaml');
const skip = realClusterSkip() || KUBECTLS.map(kubectlSkip).find(Boolean) || false;

const configMap = (ns: string, data: Record<string, string>, labels?: Record<string, string>): string => JSON.stringify({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, ...(labels ? { labels } : {}) }, data,
}, null, 2);

function daemonSet(ns: string, containers: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers, ...extra } },
    },
  }, null, 2);
}

const MAIN = { name: 'main', image: 'localhost/hostprocess-base:1', command: ['/bin/sh', '-c', 'sleep 3600'], ports: [{ containerPort: 8080 }], env: [{ name: 'A', value: '1' }] };
const HOST_PROCESS = {
  hostNetwork: true, nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ operator: 'Exists' }],
  securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
};


async function session(s: ParitySession, ns: string): Promise<void> {
  const n = (...args: string[]): string[] => [...args, '-n', ns];
  const show = (what: string, name: string): string[] => n('get', what, name, '-o', 'yaml', '--show-managed-fields');
  const step = (name: string, args: string[]): Promise<[Run, Run]> => s.step(`${ns}: ${name}`, args);
  await step('create namespace', ['create', 'namespace', ns]);

  // A ConfigMap applied, re-applied without a field, shared with another manager, conflicting.
  s.write(`${ns}-cm.json`, configMap(ns, { a: '1', b: '2' }, { tier: 'base' }));
  await step('apply --server-side configmap', ['apply', '--server-side', '-f', `${ns}-cm.json`]);
  await step('managed fields after the first apply', show('configmap', 'settings'));
  s.write(`${ns}-cm-less.json`, configMap(ns, { a: '1' }));
  await step('re-apply without b and the label', ['apply', '--server-side', '-f', `${ns}-cm-less.json`]);
  await step('managed fields after the removal', show('configmap', 'settings'));
  await step('another manager applies the same values', ['apply', '--server-side', '--field-manager=other', '-f', `${ns}-cm.json`]);
  await step('managed fields shared', show('configmap', 'settings'));
  s.write(`${ns}-cm-change.json`, configMap(ns, { a: 'changed', z: '9' }));
  await step('a conflicting apply', ['apply', '--server-side', '-f', `${ns}-cm-change.json`]);
  await step('--force-conflicts', ['apply', '--server-side', '--force-conflicts', '-f', `${ns}-cm-change.json`]);
  await step('managed fields after forcing', show('configmap', 'settings'));
  await step('label takes a label', n('label', 'configmap', 'settings', 'tier=top', '--overwrite'));
  await step('managed fields after the label', show('configmap', 'settings'));
  s.write(`${ns}-cm-label.json`, configMap(ns, { a: 'changed', z: '9' }, { tier: 'base' }));
  await step('an apply conflicting with the label', ['apply', '--server-side', '-f', `${ns}-cm-label.json`]);
  // kubectl edit: the editor is a script that rewrites z (kubectl runs it with the file to edit).
  s.write('edit.sh', '#!/bin/sh\nsed -i \'s/^  z: .*/  z: edited/\' "$1"\n');
  for (const side of s.sides) chmodSync(join(side.dir, 'edit.sh'), 0o755);
  await s.step(`${ns}: edit`, n('edit', 'configmap', 'settings'), { env: { KUBE_EDITOR: './edit.sh' } });
  await step('managed fields after the edit', show('configmap', 'settings'));
  await step('an apply conflicting with the edit', ['apply', '--server-side', '-f', `${ns}-cm-change.json`]);
  s.write(`${ns}-cm-third.json`, configMap(ns, { a: 'third', z: 'third' }));
  await step('a conflict on two fields', ['apply', '--server-side', '--field-manager=third', '-f', `${ns}-cm-third.json`]);
  await step('dry run of a change', ['apply', '--server-side', '--dry-run=server', '-f', `${ns}-cm.json`, '--force-conflicts', '-o', 'yaml']);
  await step('diff --server-side', ['diff', '--server-side', '--force-conflicts', '-f', `${ns}-cm.json`]);
  await step('nothing changed by the dry run', show('configmap', 'settings'));

  // A DaemonSet applied, changed by kubectl set image, then applied again.
  s.write(`${ns}-ds.json`, daemonSet(ns, [MAIN], HOST_PROCESS));
  await step('apply --server-side daemonset', ['apply', '--server-side', '-f', `${ns}-ds.json`]);
  await s.settle('the DaemonSet observed', n('get', 'daemonset', 'agent', '-o', 'jsonpath={.status.observedGeneration}'), (run) => run.stdout.trim() === '1');
  await step('managed fields of the daemonset', show('daemonset', 'agent'));
  await step('set image', n('set', 'image', 'daemonset/agent', 'main=localhost/hostprocess-base:2'));
  await s.settle('the new template observed', n('get', 'daemonset', 'agent', '-o', 'jsonpath={.status.observedGeneration}'), (run) => run.stdout.trim() === '2');
  await step('an apply conflicting with set image', ['apply', '--server-side', '-f', `${ns}-ds.json`]);
  s.write(`${ns}-ds-side.json`, daemonSet(ns, [{ name: 'main', env: [{ name: 'B', value: '2' }] }, { name: 'side', image: 'localhost/hostprocess-base:1' }]));
  await step('a second manager shares the main container', ['apply', '--server-side', '--field-manager=sidecar', '-f', `${ns}-ds-side.json`]);
  await s.settle('the shared template observed', n('get', 'daemonset', 'agent', '-o', 'jsonpath={.status.observedGeneration}'), (run) => run.stdout.trim() === '3');
  await step('managed fields of two appliers', show('daemonset', 'agent'));
  s.write(`${ns}-ds-2.json`, daemonSet(ns, [{ ...MAIN, image: 'localhost/hostprocess-base:3', env: [] }], HOST_PROCESS));
  await step('a rollout by apply, forced', ['apply', '--server-side', '--force-conflicts', '-f', `${ns}-ds-2.json`]);
  await s.settle('the rollout observed', n('get', 'daemonset', 'agent', '-o', 'jsonpath={.status.observedGeneration}'), (run) => run.stdout.trim() === '4');
  await step('managed fields after the rollout', show('daemonset', 'agent'));

  // A pod: what admission and the scheduler add is not the applier's.
  s.write(`${ns}-pod.json`, JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'single', namespace: ns, labels: { app: 'single' } },
    spec: { containers: [{ name: 'main', image: 'localhost/hostprocess-base:1', command: ['/bin/sh', '-c', 'sleep 3600'] }] },
  }));
  await s.settle('the default service account', n('get', 'serviceaccount', 'default'), (run) => run.code === 0);
  await step('apply --server-side pod', ['apply', '--server-side', '-f', `${ns}-pod.json`]);
  await s.settle('the pod found unschedulable', n('get', 'pod', 'single', '-o', 'jsonpath={.status.conditions[0].reason}'), (run) => run.stdout.trim() === 'Unschedulable');
  await step('managed fields of the pod', show('pod', 'single'));

  // Client-side apply, then server-side apply (kubectl migrates the managers), then back.
  s.write(`${ns}-mig.json`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'migrated', namespace: ns }, data: { a: '1', b: '2' } }));
  await step('client-side apply', ['apply', '-f', `${ns}-mig.json`]);
  await step('managed fields of a client-side apply', show('configmap', 'migrated'));
  s.write(`${ns}-mig-2.json`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'migrated', namespace: ns }, data: { a: '1', c: '3' } }));
  await step('server-side apply after client-side apply', ['apply', '--server-side', '-f', `${ns}-mig-2.json`]);
  await step('managed fields migrated', show('configmap', 'migrated'));
  await step('client-side apply again', ['apply', '-f', `${ns}-mig.json`]);
  await step('managed fields back to client-side apply', show('configmap', 'migrated'));

  // Refusals.
  await step('apply to a missing namespace', ['apply', '--server-side', '-n', `${ns}-missing`, '-f', `${ns}-nons.json`]);
  await step('apply of an undeclared field', ['apply', '--server-side', '-f', `${ns}-colour.json`]);
}

paritySuite({
  title: 'server-side apply parity: kubectl on the real control plane and on hostpod up',
  skip, known: KNOWN, kubectls: KUBECTLS,
  session: { normalize: { managedFields: 'sorted' } },
  run: async (s, version) => {
    const ns = `ssa-${version.replace('.', '-')}`;
    s.write(`${ns}-nons.json`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nowhere' }, data: { a: '1' } }));
    s.write(`${ns}-colour.json`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'colourful', namespace: ns }, colour: 'red', data: { a: '1' } }));
    await session(s, ns);
  },
});
