/**
 * Strict field validation on every write (issue 17), hostpod against the real kube-apiserver: the
 * same requests (create, update, JSON patch, merge patch and strategic merge patch, and the
 * creates of bindings, reviews and token requests) with unknown fields at the top, in metadata,
 * nested in a spec and in a list item, and duplicate fields, under fieldValidation Strict, Warn,
 * Ignore and none, go to both servers, which must answer with the same status, `Status` (reason,
 * message and details) and `Warning` headers. Then `kubectl apply`, twice, the second time with an
 * unknown field, is refused by both alike.
 *
 * What the comparison leaves aside is in test/support/two-servers.ts: identities (uids,
 * resourceVersions, timestamps), and in a patched object a failure prints, the order of the
 * fields the patch did not touch (Go's struct order), metadata.managedFields, which hostpod does
 * not keep, and the earlier values of a key a JSON patch's value repeats, which kube-apiserver
 * prints and hostpod does not keep. The errors themselves, their order included, are compared
 * as they are.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { startRealCluster, type RealCluster } from '../support/real-cluster.js';
import { answer, hostpodServer, normalizeText, realServer, send, type Answer, type Sent, type Server } from '../support/two-servers.js';

const skip = realClusterSkip() || kubectlSkip('1.27') || kubectlSkip('1.33');

const NS = 'strict';
const MODES = ['Strict', 'Warn', 'Ignore', undefined] as const;
type Mode = (typeof MODES)[number];

/** The unknown fields the cases write: a success must send none of them back. */
const UNKNOWN_KEYS = ['colour', 'shape', 'zone', 'zeta', 'alpha', 'aa', 'zz'];

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';

interface Case {
  name: string;
  /** Requests that make the objects the case needs; each must succeed on both servers. */
  setup?: Sent[];
  request: Sent;
}

const core = (resource: string, name?: string): string => `/api/v1/namespaces/${NS}/${resource}${name === undefined ? '' : `/${name}`}`;
const leases = (name?: string): string => `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases${name === undefined ? '' : `/${name}`}`;
const daemonSets = (name?: string): string => `/apis/apps/v1/namespaces/${NS}/daemonsets${name === undefined ? '' : `/${name}`}`;
const query = (mode: Mode, extra = ''): string => {
  const parts = [...(mode === undefined ? [] : [`fieldValidation=${mode}`]), ...(extra ? [extra] : [])];
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
};

/** The kinds the cases write, each clean and with unknown and duplicate fields where it has them. */
const OBJECTS = {
  configMap: {
    path: (name?: string) => core('configmaps', name),
    clean: (name: string) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"data":{"a":"1"}}`,
    // Unknown at the top and in metadata; a duplicate key in a map.
    unknown: (name: string) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","colour":"red"},"data":{"a":"1","a":"2"},"shape":"round"}`,
    merge: '{"metadata":{"colour":"red","labels":{"l":"1","l":"2"}},"data":{"b":"1"},"shape":"round"}',
    json: '[{"op":"add","path":"/shape","value":"round"},{"op":"add","path":"/metadata/labels","value":{"b":"1","a":"2","a":"3"}},'
      + '{"op":"replace","path":"/data/a","value":"8","why":"no reason"},{"op":"add","path":"/metadata/colour","value":{"x":1,"x":2}}]',
  },
  lease: {
    path: leases,
    clean: (name: string) => `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"${name}"},"spec":{"holderIdentity":"a"}}`,
    // Unknown nested in a spec; a duplicate field of a struct.
    unknown: (name: string) => `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"${name}"},"spec":{"holderIdentity":"a","colour":"red","leaseDurationSeconds":1,"leaseDurationSeconds":2}}`,
    merge: '{"spec":{"zeta":1,"holderIdentity":"b","alpha":{"y":1,"x":2}}}',
    json: '[{"op":"add","path":"/spec/colour","value":"red"},{"op":"add","path":"/spec/leaseTransitions","value":1,"op":"replace"}]',
  },
  serviceAccount: {
    path: (name?: string) => core('serviceaccounts', name),
    clean: (name: string) => `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"${name}"},"secrets":[{"name":"s"}]}`,
    // Unknown in a list item; a duplicate field in a list item.
    unknown: (name: string) => `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"${name}"},"secrets":[{"name":"s","colour":"red"}],"imagePullSecrets":[{"name":"p","name":"q"}]}`,
    merge: '{"secrets":[{"name":"s","colour":"red"}],"imagePullSecrets":[{"name":"p","name":"q"}]}',
    json: '[{"op":"add","path":"/secrets/0/colour","value":"red"},{"op":"add","path":"/imagePullSecrets","value":[{"name":"p","name":"q","shape":1}]}]',
  },
} as const;

/** A DaemonSet to apply: its update strategy and volumes are patched with "$retainKeys". */
const appliedDaemonSet = (name: string, strategy: string, volume: string): string => `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ${name}\nspec:\n`
  + `  selector:\n    matchLabels: {app: ${name}}\n  updateStrategy: ${strategy}\n  template:\n    metadata:\n      labels: {app: ${name}}\n`
  + `    spec:\n      volumes:\n      - ${volume}\n      containers:\n      - name: c\n        image: busybox\n`;

/**
 * What the kubectl check applies: a ConfigMap, a Pod and a DaemonSet, then the same with an
 * unknown field at the top of the ConfigMap, in the Pod's container, and in the DaemonSet's
 * update strategy and volume, which kubectl patches with "$retainKeys".
 */
const APPLIED: ((name: string) => string)[] = [
  (name) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n---\n`
    + `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: busybox\n---\n`
    + appliedDaemonSet(name, '{type: RollingUpdate}', '{name: v, hostPath: {path: /tmp}}'),
  (name) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "2"\ncolour: red\n---\n`
    + `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    colour: red\n---\n`
    + appliedDaemonSet(name, '{type: OnDelete, colour: red}', '{name: v, emptyDir: {}, shape: round}'),
];
const KUBECTL_VERSIONS = ['1.27', '1.33'];

/** A pod's unknown fields in all four places and duplicates in three. */
const badPod = (name: string): string => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","colour":"red"},"spec":{"restartPolicy":"Always","restartPolicy":"Never",`
  + '"containers":[{"name":"c","image":"busybox","image":"nginx","colour":"red"}],"colour":"red"},"colour":"red"}';
const cleanPod = (name: string): string => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`;
/** The second `kubectl apply` of a pod whose container gained a field: what kubectl sends. */
const applyPatch = '{"metadata":{"colour":"red"},"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"name":"c","colour":"red","shape":{"b":1,"a":null}}]}}';
const cleanDaemonSet = (name: string): string => JSON.stringify({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }, { name: 'd', image: 'busybox' }] } } },
});

/** Every kind in OBJECTS written every way, and a pod created, updated and patched, under each field validation. */
function writeCases(unique: (what: string) => string): Case[] {
  const cases: Case[] = [];
  for (const mode of MODES) {
    const m = mode ?? 'none';
    for (const [kind, o] of Object.entries(OBJECTS)) {
      const name = (): string => unique(kind.toLowerCase());
      const setup = (x: string): Sent[] => [{ method: 'POST', path: o.path(), body: o.clean(x) }];
      let x = name();
      cases.push({ name: `create ${kind}, ${m}`, request: { method: 'POST', path: o.path() + query(mode), body: o.unknown(x) } });
      x = name();
      // A Lease takes no update without a resourceVersion: this one is refused after its decoding.
      cases.push({ name: `update ${kind}, ${m}`, setup: setup(x), request: { method: 'PUT', path: o.path(x) + query(mode), body: o.unknown(x) } });
      x = name();
      cases.push({ name: `merge patch ${kind}, ${m}`, setup: setup(x), request: { method: 'PATCH', path: o.path(x) + query(mode), body: o.merge, contentType: MERGE_PATCH } });
      x = name();
      cases.push({ name: `strategic merge patch ${kind}, ${m}`, setup: setup(x), request: { method: 'PATCH', path: o.path(x) + query(mode), body: o.merge, contentType: STRATEGIC } });
      x = name();
      cases.push({ name: `JSON patch ${kind}, ${m}`, setup: setup(x), request: { method: 'PATCH', path: o.path(x) + query(mode), body: o.json, contentType: JSON_PATCH } });
    }
    cases.push({ name: `create Pod, ${m}`, request: { method: 'POST', path: core('pods') + query(mode), body: badPod(unique('pod')) } });
    let pod = unique('pod');
    // Only a strict update of a pod fails in decoding; the others fail in validation, which is not what this test compares.
    if (mode === 'Strict') {
      cases.push({ name: `update Pod, ${m}`, setup: [{ method: 'POST', path: core('pods'), body: cleanPod(pod) }], request: { method: 'PUT', path: core('pods', pod) + query(mode), body: badPod(pod) } });
    }
    pod = unique('pod');
    cases.push({
      name: `kubectl apply's strategic merge patch of a Pod, ${m}`, setup: [{ method: 'POST', path: core('pods'), body: cleanPod(pod) }],
      request: { method: 'PATCH', path: core('pods', pod) + query(mode), body: applyPatch, contentType: STRATEGIC },
    });
    const ds = unique('ds');
    cases.push({
      name: `strategic merge patch of a DaemonSet's second container, ${m}`, setup: [{ method: 'POST', path: daemonSets(), body: cleanDaemonSet(ds) }],
      request: {
        method: 'PATCH', path: daemonSets(ds) + query(mode), contentType: STRATEGIC,
        body: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"d"}],"containers":[{"name":"d","zeta":1,"alpha":2}],"zz":1,"aa":2}}},"metadata":{"labels":{"x":"1","x":"2"}}}',
      },
    });
  }
  return cases;
}

/** The creates of other kinds than the resource's: an answered Binding and SubjectAccessReview, pods/binding and serviceaccounts/token. */
function otherKindCases(unique: (what: string) => string): Case[] {
  const cases: Case[] = [];
  const binding = (pod: string): string => `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"${pod}","colour":"red"},"target":{"kind":"Node","name":"n1","shape":1},"zone":"a","zone":"b"}`;
  for (const mode of MODES) {
    const m = mode ?? 'none';
    // Dry runs, so that the pods stay unbound on both servers.
    let pod = unique('pod');
    cases.push({ name: `bindings, ${m}`, setup: [{ method: 'POST', path: core('pods'), body: cleanPod(pod) }], request: { method: 'POST', path: core('bindings') + query(mode, 'dryRun=All'), body: binding(pod) } });
    pod = unique('pod');
    cases.push({ name: `pods/binding, ${m}`, setup: [{ method: 'POST', path: core('pods'), body: cleanPod(pod) }], request: { method: 'POST', path: `${core('pods', pod)}/binding${query(mode, 'dryRun=All')}`, body: binding(pod) } });
    cases.push({
      name: `subjectaccessreviews, ${m}`,
      request: {
        method: 'POST', path: `/apis/authorization.k8s.io/v1/subjectaccessreviews${query(mode)}`,
        body: '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"u","user":"v","colour":"red","resourceAttributes":{"verb":"get","resource":"pods","shape":1}},"zone":"a"}',
      },
    });
    const account = unique('serviceaccount');
    cases.push({
      name: `serviceaccounts/token, ${m}`, setup: [{ method: 'POST', path: core('serviceaccounts'), body: OBJECTS.serviceAccount.clean(account) }],
      request: {
        method: 'POST', path: `${core('serviceaccounts', account)}/token${query(mode)}`,
        body: '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["a"],"colour":"red","expirationSeconds":600,"expirationSeconds":700},"zone":"a"}',
      },
    });
  }
  return cases;
}

/** The fieldValidation and dryRun parameters themselves, warnings sent with a failure, and a field of the wrong type in a patch. */
function edgeCases(unique: (what: string) => string): Case[] {
  const cm = OBJECTS.configMap;
  const cases: Case[] = [];
  let x = unique('configmap');
  cases.push({ name: 'fieldValidation=strict (lower case) on a create', request: { method: 'POST', path: `${cm.path()}?fieldValidation=strict`, body: cm.clean(x) } });
  x = unique('configmap');
  cases.push({ name: 'fieldValidation=strict on an update', setup: [{ method: 'POST', path: cm.path(), body: cm.clean(x) }], request: { method: 'PUT', path: `${cm.path(x)}?fieldValidation=strict`, body: cm.clean(x) } });
  cases.push({ name: 'fieldValidation=strict on a patch', setup: [], request: { method: 'PATCH', path: `${cm.path(x)}?fieldValidation=strict`, body: '{}', contentType: MERGE_PATCH } });
  cases.push({ name: 'fieldValidation=strict on a delete, which has none', request: { method: 'DELETE', path: `${cm.path(x)}?fieldValidation=strict&dryRun=All` } });
  cases.push({ name: 'fieldValidation=strict on a read, which has none', request: { method: 'GET', path: `${cm.path(x)}?fieldValidation=strict&dryRun=x` } });
  cases.push({ name: 'fieldValidation= (empty): the default', request: { method: 'POST', path: `${cm.path()}?fieldValidation=`, body: cm.unknown(unique('configmap')) } });
  cases.push({ name: 'the first of two fieldValidation parameters', request: { method: 'POST', path: `${cm.path()}?fieldValidation=Strict&fieldValidation=Ignore`, body: cm.unknown(unique('configmap')) } });
  cases.push({ name: 'dryRun=x', request: { method: 'POST', path: `${cm.path()}?dryRun=x`, body: cm.clean(unique('configmap')) } });
  cases.push({ name: 'dryRun=x and fieldValidation=x', request: { method: 'PATCH', path: `${cm.path(x)}?dryRun=All&dryRun=x&fieldValidation=x`, body: '{}', contentType: MERGE_PATCH } });
  cases.push({ name: 'a strict create as a dry run', request: { method: 'POST', path: `${cm.path()}?fieldValidation=Strict&dryRun=All`, body: cm.unknown(unique('configmap')) } });
  x = unique('configmap');
  const pod = unique('pod');
  const status = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME"},"status":{"phase":"Pending","colour":"red","conditions":[{"type":"Ready","status":"False","shape":1}]}}';
  cases.push({ name: 'a strict update of pods/status', setup: [{ method: 'POST', path: core('pods'), body: cleanPod(pod) }], request: { method: 'PUT', path: `${core('pods', pod)}/status?fieldValidation=Strict`, body: status.replace('NAME', pod) } });
  cases.push({ name: 'an update of pods/status', request: { method: 'PUT', path: `${core('pods', pod)}/status`, body: status.replace('NAME', pod) } });
  for (const mode of MODES) {
    cases.push({
      name: `a strategic merge patch of pods/status, ${mode ?? 'none'}`,
      request: { method: 'PATCH', path: `${core('pods', pod)}/status${query(mode)}`, body: '{"status":{"colour":"red","conditions":[{"type":"Ready","status":"False","shape":1}]}}', contentType: STRATEGIC },
    });
  }
  // DeleteOptions takes no fieldValidation: its unknown and duplicate fields pass in silence.
  x = unique('configmap');
  cases.push({
    name: 'a delete with unknown and duplicate fields in its DeleteOptions', setup: [{ method: 'POST', path: cm.path(), body: cm.clean(x) }],
    request: { method: 'DELETE', path: `${cm.path(x)}?fieldValidation=Strict&dryRun=All`, body: '{"kind":"DeleteOptions","apiVersion":"v1","colour":"red","gracePeriodSeconds":0,"gracePeriodSeconds":1}' },
  });
  x = unique('configmap');
  cases.push({ name: 'warnings sent with a 409', setup: [{ method: 'POST', path: cm.path(), body: cm.clean(x) }], request: { method: 'POST', path: `${cm.path()}?fieldValidation=Warn`, body: cm.unknown(x) } });
  cases.push({ name: 'warnings sent with a 422', request: { method: 'POST', path: cm.path(), body: cm.unknown('Not A Name') } });
  cases.push({ name: 'warnings sent with a 404', request: { method: 'PATCH', path: cm.path('missing'), body: cm.merge, contentType: MERGE_PATCH } });
  for (const mode of MODES) {
    x = unique('configmap');
    cases.push({
      name: `a merge patch of a field of the wrong type and an unknown one, ${mode ?? 'none'}`, setup: [{ method: 'POST', path: cm.path(), body: cm.clean(x) }],
      request: { method: 'PATCH', path: cm.path(x) + query(mode), body: '{"data":{"b":1},"shape":"round"}', contentType: MERGE_PATCH },
    });
    x = unique('configmap');
    cases.push({
      name: `a strategic merge patch of a field of the wrong type and an unknown one, ${mode ?? 'none'}`, setup: [{ method: 'POST', path: cm.path(), body: cm.clean(x) }],
      request: { method: 'PATCH', path: cm.path(x) + query(mode), body: '{"data":{"b":1},"shape":"round"}', contentType: STRATEGIC },
    });
    x = unique('configmap');
    cases.push({
      name: `a JSON patch of a field of the wrong type and an unknown one, ${mode ?? 'none'}`, setup: [{ method: 'POST', path: cm.path(), body: cm.clean(x) }],
      request: { method: 'PATCH', path: cm.path(x) + query(mode), body: '[{"op":"add","path":"/shape","value":1},{"op":"add","path":"/metadata/labels","value":"x"}]', contentType: JSON_PATCH },
    });
  }
  // A JSON patch that does not apply: a 422 with empty details, whatever the field validation.
  cases.push({ name: 'a JSON patch whose test fails', request: { method: 'PATCH', path: `${cm.path(x)}?fieldValidation=Strict`, body: '[{"op":"add","path":"/shape","value":1},{"op":"test","path":"/data/a","value":"2"}]', contentType: JSON_PATCH } });
  // The unstructured converter's words for a field of the wrong type, in a strategic merge patch.
  x = unique('configmap');
  cases.push({ name: 'strategic merge patch: a float in a string map', setup: [{ method: 'POST', path: cm.path(), body: cm.clean(x) }], request: { method: 'PATCH', path: cm.path(x), body: '{"data":{"b":1.5}}', contentType: STRATEGIC } });
  for (const [what, body] of [
    ['a string in an int64', '{"metadata":{"generation":"x"}}'], ['a fraction in an int64', '{"metadata":{"generation":1.5}}'], ['a string in a bool', '{"immutable":"x"}'],
    ['a list in a map', '{"metadata":{"labels":["a"]}}'], ['a map in a list', '{"metadata":{"finalizers":{"a":1}}}'], ['a string in a struct', '{"metadata":"x"}'],
  ] as const) {
    cases.push({ name: `strategic merge patch: ${what}`, request: { method: 'PATCH', path: `${cm.path(x)}?fieldValidation=Strict`, body, contentType: STRATEGIC } });
  }
  return cases;
}

describe('strict field validation, hostpod against kube-apiserver', { skip, timeout: 600_000 }, () => {
  let cluster: RealCluster;
  let started: StartedPlane;
  let servers: [Server, Server];
  before(async () => {
    [cluster, started] = await Promise.all([startRealCluster(), startControlPlane()]);
    servers = [realServer(cluster), hostpodServer(started.plane)];
    for (const server of servers) {
      const created = await send(server, { method: 'POST', path: '/api/v1/namespaces', body: `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"${NS}"}}` });
      assert.equal(created.status, 201, `${server.name}: ${created.body}`);
      // Pods need the namespace's default service account, which a controller makes.
      await eventually(async () => ((await send(server, { method: 'GET', path: core('serviceaccounts', 'default') })).status === 200 ? true : undefined), 30_000, `${server.name}: ${NS}/default`);
    }
  });
  after(async () => {
    await Promise.all([cluster?.stop(), started?.stop()]);
  });

  test('every write answers unknown and duplicate fields as kube-apiserver does', async () => {
    let n = 0;
    const unique = (what: string): string => `${what}-${++n}`;
    const mismatches: string[] = [];
    for (const c of [...writeCases(unique), ...otherKindCases(unique), ...edgeCases(unique)]) {
      const answers: Answer[] = [];
      for (const server of servers) {
        for (const step of c.setup ?? []) {
          const r = await send(server, step);
          assert.ok(r.status < 300, `${c.name}: setup ${step.method} ${step.path} on ${server.name}: ${r.status} ${r.body}`);
        }
        answers.push(await answer(server, c.request, UNKNOWN_KEYS));
      }
      try {
        assert.deepEqual(answers[1], answers[0]);
      } catch (error) {
        mismatches.push(`${c.name} (${c.request.method} ${c.request.path})\n${(error as Error).message}`);
      }
    }
    assert.equal(mismatches.length, 0, mismatches.join('\n\n'));
  });

  for (const version of KUBECTL_VERSIONS) {
    test(`kubectl ${version} apply, twice, an unknown field the second time: refused by both alike`, async () => {
      const outputs: string[] = [];
      for (const [server, kubeconfig] of [[servers[0], cluster.kubeconfig], [servers[1], started.kubeconfig]] as const) {
        const k = kubectl(version, kubeconfig);
        const lines: string[] = [];
        for (const [i, manifest] of APPLIED.entries()) {
          // The same file names for both servers: kubectl's messages name them.
          const file = join(started.dir, `apply-${version}-${i}.yaml`);
          writeFileSync(file, manifest(`applied-${version.replace('.', '-')}`));
          for (const validate of ['strict', 'warn', 'false']) {
            const r = await k('apply', '-n', NS, `--validate=${validate}`, '--dry-run=server', '-f', file);
            lines.push(`apply ${i} --validate=${validate} --dry-run=server: exit ${r.code}\n${r.stdout}${r.stderr}`);
          }
          const r = await k('apply', '-n', NS, '-f', file);
          lines.push(`apply ${i}: exit ${r.code}\n${r.stdout}${r.stderr}`);
        }
        outputs.push(normalizeText(lines.join('\n')));
        for (const refused of ['unknown field "colour"', 'unknown field "spec.containers[0].colour"', 'unknown field "spec.template.spec.volumes[0].shape", unknown field "spec.updateStrategy.colour"']) {
          assert.ok(outputs.at(-1)!.split('apply 1: exit 1\n')[1]?.includes(`strict decoding error: ${refused}`), `${server.name} should refuse with ${refused}:\n${outputs.at(-1)!}`);
        }
      }
      assert.equal(outputs[1], outputs[0]);
    });
  }
});
