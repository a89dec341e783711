/**
 * The webhook's review handling in process: which pods are denied, warned about or left alone
 * under which configuration, the JSONPatch of the defaults, and bad AdmissionReviews.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BadReview, defaultWebhookConfig, mutateReview, normalizeWebhookConfig, parseReview, validateReview, answerReview,
  reviewBudgetMs, type WebhookConfig,
} from '../../src/webhook/index.js';
import { parseGoDuration } from '../../src/api/go-duration.js';

type Json = Record<string, unknown>;

function hostProcessPod(container: Json = {}, pod: Json = {}, meta: Json = {}): Json {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hp', namespace: 'ops', ...meta },
    spec: {
      hostNetwork: true,
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\Local service' } },
      containers: [{ name: 'agent', image: 'agent:1', resources: { limits: { cpu: '1', memory: '1Gi' } }, ...container }],
      ...pod,
    },
  };
}

function review(object: Json | null, kind = { group: '', version: 'v1', kind: 'Pod' }, operation = 'CREATE'): Json {
  const meta = (object?.['metadata'] ?? {}) as Json;
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid: 'u-1', kind, operation, namespace: meta['namespace'] ?? 'ops', name: meta['name'], object },
  };
}

function config(document: Json): WebhookConfig {
  return normalizeWebhookConfig(document, 'webhook.yaml');
}

function podWithoutUser(): Json {
  const pod = hostProcessPod();
  ((pod['spec'] as Json)['securityContext'] as Json)['windowsOptions'] = { hostProcess: true };
  return pod;
}

describe('webhook review', () => {
  test('review of a well-formed HostProcess pod is allowed without warnings', async () => {
    const response = await validateReview(parseReview(review(hostProcessPod())), defaultWebhookConfig());
    assert.deepEqual(response, { uid: 'u-1', allowed: true });
  });

  test('review of a non-HostProcess pod is allowed untouched, whatever it lacks', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    const strict = config({ validate: { noRunAsUserName: 'deny', noResourceLimits: 'deny' }, mutate: { nodeSelector: { 'kubernetes.io/os': 'windows' } } });
    assert.deepEqual(await validateReview(parseReview(review(pod)), strict), { uid: 'u-1', allowed: true });
    assert.deepEqual(mutateReview(parseReview(review(pod)), strict), { uid: 'u-1', allowed: true });
  });

  const rows: { name: string; object: Json; rule: string; field: RegExp }[] = [
    { name: 'no runAsUserName', object: podWithoutUser(), rule: 'noRunAsUserName', field: /spec\.containers\[0\] \("agent"\) has no runAsUserName.*set spec\.securityContext\.windowsOptions\.runAsUserName/ },
    {
      name: 'SYSTEM without the justification annotation',
      object: hostProcessPod({ securityContext: { windowsOptions: { runAsUserName: 'NT AUTHORITY\\SYSTEM' } } }),
      rule: 'systemWithoutJustification', field: /runs as NT AUTHORITY\\SYSTEM.*metadata\.annotations\[hostpod\.io\/system-justification\]/,
    },
    { name: 'no memory limit', object: hostProcessPod({ resources: { limits: { cpu: '1' } } }), rule: 'noResourceLimits', field: /has no memory limit.*set spec\.containers\[0\]\.resources\.limits \(memory: \.\.\.\)/ },
    {
      name: 'a copy of a volume onto itself under containerd 1.7',
      object: hostProcessPod({ command: ['powershell', '-Command'], args: ['cp $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json /etc/app/a.json'], volumeMounts: [{ name: 'c', mountPath: '/etc/app' }] }),
      rule: 'containerd17', field: /spec\.containers\[0\]\.args.*copies \$env:CONTAINER_SANDBOX_MOUNT_POINT\/etc\/app\/a\.json onto \/etc\/app\/a\.json.*sig-windows-tools\/issues\/277/,
    },
    { name: 'no host network', object: hostProcessPod({}, { hostNetwork: false }), rule: 'hostProcessRules', field: /spec\.hostNetwork: Invalid value: false: hostNetwork must be true/ },
  ];
  for (const row of rows) {
    test(`review of a HostProcess pod with ${row.name} warns by default and denies when configured`, async () => {
      const warned = await validateReview(parseReview(review(row.object)), config({ validate: { hostProcessRules: 'warn' } }));
      assert.equal(warned.allowed, true);
      assert.equal(warned.warnings?.length, 1, JSON.stringify(warned.warnings));
      assert.match(warned.warnings?.[0] ?? '', /^Pod ops\/hp: /);
      assert.match(warned.warnings?.[0] ?? '', row.field);
      assert.match(warned.warnings?.[0] ?? '', new RegExp(`\\[hostpod ${row.rule}\\]$`));
      const denied = await validateReview(parseReview(review(row.object)), config({ validate: { [row.rule]: 'deny' } }));
      assert.equal(denied.allowed, false);
      assert.equal(denied.status?.code, 403);
      assert.match(denied.status?.message ?? '', /^Pod ops\/hp is refused by hostpod's HostProcess policy: /);
      assert.match(denied.status?.message ?? '', row.field);
      const off = await validateReview(parseReview(review(row.object)), config({ validate: { [row.rule]: 'off' } }));
      assert.deepEqual(off, { uid: 'u-1', allowed: true });
    });
  }

  test('review accepts SYSTEM with a justification annotation', async () => {
    const pod = hostProcessPod({ securityContext: { windowsOptions: { runAsUserName: 'NT AUTHORITY\\SYSTEM' } } }, {}, { annotations: { 'hostpod.io/system-justification': 'installs drivers' } });
    assert.deepEqual(await validateReview(parseReview(review(pod)), config({ validate: { systemWithoutJustification: 'deny' } })), { uid: 'u-1', allowed: true });
  });

  test('review of each workload kind finds the template and names its fields', async () => {
    const template = { metadata: {}, spec: (podWithoutUser()['spec'] as Json) };
    const kinds: [Json, string, RegExp][] = [
      [{ group: 'apps', version: 'v1', kind: 'DaemonSet' }, 'spec', /spec\.template\.spec\.containers\[0\]/],
      [{ group: 'apps', version: 'v1', kind: 'Deployment' }, 'spec', /spec\.template\.spec\.containers\[0\]/],
      [{ group: 'apps', version: 'v1', kind: 'StatefulSet' }, 'spec', /spec\.template\.spec\.containers\[0\]/],
      [{ group: 'apps', version: 'v1', kind: 'ReplicaSet' }, 'spec', /spec\.template\.spec\.containers\[0\]/],
      [{ group: 'batch', version: 'v1', kind: 'Job' }, 'spec', /spec\.template\.spec\.containers\[0\]/],
      [{ group: '', version: 'v1', kind: 'ReplicationController' }, 'spec', /spec\.template\.spec\.containers\[0\]/],
      [{ group: 'batch', version: 'v1', kind: 'CronJob' }, 'cron', /spec\.jobTemplate\.spec\.template\.spec\.containers\[0\]/],
    ];
    for (const [kind, shape, field] of kinds) {
      const spec = shape === 'cron' ? { schedule: '* * * * *', jobTemplate: { spec: { template } } } : { template };
      const object = { apiVersion: 'x', kind: kind['kind'], metadata: { name: 'w', namespace: 'ops' }, spec };
      const response = await validateReview(parseReview(review(object, kind as never)), config({ validate: { noRunAsUserName: 'deny' } }));
      assert.equal(response.allowed, false, String(kind['kind']));
      assert.match(response.status?.message ?? '', new RegExp(`^${String(kind['kind'])} ops/w is refused`));
      assert.match(response.status?.message ?? '', field);
    }
  });

  test('review of an update judges a changed pod spec only', async () => {
    const strict = config({ validate: { noRunAsUserName: 'deny' } });
    const old = podWithoutUser();
    const relabelled = { ...podWithoutUser(), metadata: { name: 'hp', namespace: 'ops', labels: { tier: 'x' } } };
    const update = (object: Json): ReturnType<typeof parseReview> => {
      const body = review(object, undefined, 'UPDATE');
      (body['request'] as Json)['oldObject'] = old;
      return parseReview(body);
    };
    assert.deepEqual(await validateReview(update(relabelled), strict), { uid: 'u-1', allowed: true });
    const changed = podWithoutUser();
    ((changed['spec'] as Json)['containers'] as Json[])[0]!['image'] = 'agent:2';
    const response = await validateReview(update(changed), strict);
    assert.equal(response.allowed, false);
    assert.match(response.status?.message ?? '', /has no runAsUserName/);
  });

  test('review allows deletes and kinds that make no pods', async () => {
    const strict = config({ validate: { noRunAsUserName: 'deny' } });
    assert.equal((await validateReview(parseReview(review(podWithoutUser(), undefined, 'DELETE')), strict)).allowed, true);
    assert.equal((await validateReview(parseReview(review({ metadata: { name: 'c' } }, { group: '', version: 'v1', kind: 'ConfigMap' })), strict)).allowed, true);
  });

  test('mutate adds the node selector and toleration a HostProcess pod lacks, as a JSONPatch', () => {
    const defaults = config({ mutate: { nodeSelector: { 'kubernetes.io/os': 'windows' }, tolerations: [{ key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' }] } });
    const patchOf = (object: Json, kind?: never): unknown => {
      const response = mutateReview(parseReview(review(object, kind)), defaults);
      return response.patch === undefined ? [] : JSON.parse(Buffer.from(response.patch, 'base64').toString());
    };
    assert.deepEqual(patchOf(hostProcessPod()), [
      { op: 'add', path: '/spec/nodeSelector', value: { 'kubernetes.io/os': 'windows' } },
      { op: 'add', path: '/spec/tolerations', value: [{ key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' }] },
    ]);
    assert.deepEqual(patchOf(hostProcessPod({}, { nodeSelector: { pool: 'a' }, tolerations: [{ key: 'x', operator: 'Exists' }] })), [
      { op: 'add', path: '/spec/nodeSelector/kubernetes.io~1os', value: 'windows' },
      { op: 'add', path: '/spec/tolerations/-', value: { key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' } },
    ]);
    // What the pod already has stays, and nothing is added twice.
    assert.deepEqual(patchOf(hostProcessPod({}, { nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' }] })), []);
    const deployment = { metadata: { name: 'd' }, spec: { template: { spec: hostProcessPod()['spec'] } } };
    assert.deepEqual((patchOf(deployment, { group: 'apps', version: 'v1', kind: 'Deployment' } as never) as Json[])[0], { op: 'add', path: '/spec/template/spec/nodeSelector', value: { 'kubernetes.io/os': 'windows' } });
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', [], /not a JSON object/],
    ['v1beta1', { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }, /admissionReviewVersions: \["v1"\]/],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /no request object/],
    ['no uid', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { version: 'v1', kind: 'Pod' } } }, /request\.uid is missing/],
    ['no kind', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'x' } }, /request\.kind is null/],
    ['a string object', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'x', kind: { version: 'v1', kind: 'Pod' }, object: 'pod' } }, /request\.object is not an object/],
  ];
  for (const [name, body, message] of bad) {
    test(`parseReview refuses ${name} with a clear message`, () => {
      assert.throws(() => parseReview(body), (error: unknown) => error instanceof BadReview && message.test(error.message));
    });
  }

  test('review of a pod with odd field types answers or is a BadReview, never another error', async () => {
    const odd: unknown[] = [null, 1, 'x', [], {}, [null], { windowsOptions: null }];
    const all = config({ mutate: { nodeSelector: { a: 'b' }, tolerations: [{ key: 'k', operator: 'Exists' }] } });
    let badReviews = 0;
    for (const value of odd) {
      for (const field of ['containers', 'securityContext', 'nodeSelector', 'tolerations']) {
        const pod = hostProcessPod({}, { [field]: value });
        for (const run of [() => validateReview(parseReview(review(pod)), all), () => Promise.resolve().then(() => mutateReview(parseReview(review(pod)), all))]) {
          await run().catch((error: Error) => {
            assert.ok(error instanceof BadReview, `${field}=${JSON.stringify(value)}: ${error.stack ?? ''}`);
            assert.match(error.message, /request\.object \(Pod ops\/hp\) cannot be read as a Pod/);
            badReviews++;
          });
        }
      }
    }
    assert.ok(badReviews > 0);
  });

  test('review budget answers per onTimeout when an advisor takes too long', async () => {
    const slow = (): Promise<never[]> => new Promise((resolve) => setTimeout(() => resolve([]), 2000));
    const request = parseReview(review(hostProcessPod()));
    const started = Date.now();
    const allowed = await answerReview('/validate', request, { config: config({ onTimeout: 'allow' }), advisors: [slow] }, 100);
    assert.ok(Date.now() - started < 1000);
    assert.equal(allowed.allowed, true);
    assert.match(allowed.warnings?.[0] ?? '', /did not finish reviewing Pod ops\/hp within 100 ms; it is admitted unreviewed \(onTimeout: allow\)/);
    const denied = await answerReview('/validate', request, { config: config({ onTimeout: 'deny' }), advisors: [slow] }, 100);
    assert.equal(denied.allowed, false);
    assert.match(denied.status?.message ?? '', /onTimeout: deny.*raise timeoutSeconds/);
  });

  test('review budget is the shorter of timeoutSeconds and the API server\'s ?timeout=, less a margin', () => {
    assert.equal(parseGoDuration('10s'), 10_000);
    assert.equal(parseGoDuration('1m0s'), 60_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('10'), undefined);
    assert.equal(reviewBudgetMs(config({ timeoutSeconds: 10 }), null), 9000);
    assert.equal(reviewBudgetMs(config({ timeoutSeconds: 10 }), '2s'), 1600);
    assert.equal(reviewBudgetMs(config({ timeoutSeconds: 3 }), 'junk'), 2400);
  });
});

describe('webhook config', () => {
  const rows: [Json, RegExp][] = [
    [{ validate: { noRunAsUser: 'deny' } }, /webhook\.yaml: validate\.noRunAsUser is "deny"; expected a rule among hostProcessRules, noRunAsUserName/],
    [{ validate: { noResourceLimits: 'block' } }, /validate\.noResourceLimits is "block"; expected deny, warn or off/],
    [{ timeoutSeconds: 40 }, /timeoutSeconds is 40; expected an integer from 1 to 30/],
    [{ onTimeout: 'fail' }, /onTimeout is "fail"; expected allow/],
    [{ mutate: { tolerations: [{ key: 'os', operator: 'Exists', value: 'windows' }] } }, /mutate\.tolerations\[0\]\.value is "windows"; expected no value with operator Exists/],
    [{ mutate: { nodeSelector: { 'kubernetes.io/os': 1 } } }, /mutate\.nodeSelector\.kubernetes\.io\/os is 1; expected a string/],
    [{ kind: 'Other' }, /kind is "Other"; expected WebhookConfiguration/],
    [{ extra: true }, /extra is true; expected one of the fields/],
  ];
  for (const [document, message] of rows) {
    test(`webhook config refuses ${JSON.stringify(document)} naming the field`, () => {
      assert.throws(() => config(document), (error: Error & { code?: string }) => error.code === 'ERR_HOSTPOD_WEBHOOK_CONFIG' && message.test(error.message));
    });
  }
});
