import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveKind, type PodKind } from '../../../src/api/kinds.js';
import { validateObject } from '../../../src/policy/validation/index.js';
import { rendered } from '../../helpers.js';

function kind(apiVersion: string, name: string): PodKind {
  const resolved = resolveKind(apiVersion, name);
  assert.equal(resolved.type, 'pod');
  return (resolved as { info: PodKind }).info;
}

const POD = kind('v1', 'Pod');
const options = { allowPrivileged: true };

function pod(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p' }): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

const errorsOf = (object: Record<string, unknown>, info = POD): string[] => rendered(validateObject(info, object, options).errors);

describe('pod validation', () => {
  test('a minimal pod is valid', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'busybox' }] })), []);
  });

  test('names must be DNS-1123', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'Web', image: 'x' }] }, { name: 'My_Pod' })), [
      `metadata.name: Invalid value: "My_Pod": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  test('a name is required', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'x' }] }, {})), [
      'metadata.name: Required value: name or generateName is required',
    ]);
  });

  test('an image is required', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a' }] })), ['spec.containers[0].image: Required value']);
  });

  test('container names are unique across regular and init containers', () => {
    assert.deepEqual(errorsOf(pod({
      containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'x' }],
      initContainers: [{ name: 'a', image: 'x' }],
    })), [
      'spec.containers[1].name: Duplicate value: "a"',
      'spec.initContainers[0].name: Duplicate value: "a"',
    ]);
  });

  test('volume names are unique and mounts reference existing volumes', () => {
    assert.deepEqual(errorsOf(pod({
      volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }],
      containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/d' }, { name: 'logs', mountPath: '/l' }] }],
    })), [
      'spec.volumes[1].name: Duplicate value: "data"',
      'spec.containers[0].volumeMounts[1].name: Not found: "logs"',
    ]);
  });

  test('a volume may have only one source', () => {
    assert.deepEqual(errorsOf(pod({
      volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }],
      containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
    })), [
      'spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type',
      'spec.containers[0].volumeMounts[0].name: Not found: "v"',
    ]);
  });

  test('port names are unique within a container and ports are in range', () => {
    assert.deepEqual(errorsOf(pod({
      containers: [{
        name: 'a', image: 'x',
        ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 70000 }, { name: 'Bad--', containerPort: 81, hostPort: 0, protocol: 'HTTP' }],
      }],
    })), [
      'spec.containers[0].ports[1].name: Duplicate value: "http"',
      'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[2].name: Invalid value: "Bad--": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].ports[2].name: Invalid value: "Bad--": must not contain consecutive hyphens',
      'spec.containers[0].ports[2].name: Invalid value: "Bad--": must not begin or end with a hyphen',
      'spec.containers[0].ports[2].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
  });

  test('restartPolicy must be a known value', () => {
    assert.deepEqual(errorsOf(pod({ restartPolicy: 'Sometimes', containers: [{ name: 'a', image: 'x' }] })), [
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
  });

  test('requests may not exceed limits and quantities may not be negative', () => {
    assert.deepEqual(errorsOf(pod({
      containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '500m', memory: '-1' }, requests: { cpu: '1' } } }],
    })), [
      'spec.containers[0].resources.limits[memory]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
    ]);
  });

  test('label values are reported at the labels field, unkeyed', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'x' }] }, { name: 'p', labels: { app: 'bad value' } })), [
      `metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
  });

  test('images of regular and init containers may not have surrounding whitespace', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'x ' }], initContainers: [{ name: 'i', image: ' y' }] })), [
      'spec.containers[0].image: Invalid value: "x ": must not have leading or trailing whitespace',
      'spec.initContainers[0].image: Invalid value: " y": must not have leading or trailing whitespace',
    ]);
  });

  test('quantities in messages are canonical', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'x', resources: { limits: { memory: '1Gi', cpu: '-0.5' }, requests: { memory: '2048Mi' } } }] })), [
      'spec.containers[0].resources.limits[cpu]: Invalid value: "-500m": must be greater than or equal to 0',
      'spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi',
    ]);
  });

  test('control characters in string values are quoted as Go quotes them', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, name: 'a\u0001' }] }] })).slice(0, 1), [
      'spec.containers[0].ports[0].name: Invalid value: "a\\x01": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ]);
  });

  test('runAsUserName is shown as JSON, as the API server holds it as a pointer (control characters, <, > and & escaped, DEL not)', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'x' }], securityContext: { windowsOptions: { runAsUserName: 'a\u0001b\tc' } } })), [
      'spec.securityContext.windowsOptions.runAsUserName: Invalid value: "a\\u0001b\\tc": runAsUserName cannot contain control characters',
    ]);
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'x' }], securityContext: { windowsOptions: { runAsUserName: '<a&b>\u007f' } } })), [
      'spec.securityContext.windowsOptions.runAsUserName: Invalid value: "\\u003ca\\u0026b\\u003e\u007f": runAsUserName cannot contain control characters',
    ]);
  });

  test('ephemeral containers cannot be set on create', () => {
    assert.deepEqual(errorsOf(pod({ containers: [{ name: 'a', image: 'x' }], ephemeralContainers: [{ name: 'e', image: 'x' }] })), [
      'spec.ephemeralContainers: Forbidden: cannot be set on create',
    ]);
  });

  test('privileged containers are forbidden when the cluster does not allow privileged', () => {
    const object = pod({ containers: [{ name: 'a', image: 'x', securityContext: { privileged: true } }] });
    assert.deepEqual(rendered(validateObject(POD, object, { allowPrivileged: false }).errors), [
      'spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy',
    ]);
  });

  test('with hostNetwork, hostPort must match containerPort', () => {
    assert.deepEqual(errorsOf(pod({ hostNetwork: true, containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] })), [
      'spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true',
    ]);
  });
});

describe('workload validation', () => {
  const template = (spec: Record<string, unknown>, labels: Record<string, string> = { app: 'a' }): Record<string, unknown> => ({ metadata: { labels }, spec });

  test('a DaemonSet selector must match the template labels', () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'b' } }, template: template({ containers: [{ name: 'c', image: 'x' }] }) } };
    assert.deepEqual(errorsOf(ds, kind('apps/v1', 'DaemonSet')), [
      'spec.template.metadata.labels: Invalid value: {"app":"a"}: `selector` does not match template `labels`',
    ]);
  });

  test('a DaemonSet pod must restart Always, a Job pod must not: the API server calls a Job\'s policy required when it is Always or left out', () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'a' } }, template: template({ restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] }) } };
    assert.deepEqual(errorsOf(ds, kind('apps/v1', 'DaemonSet')), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: template({ containers: [{ name: 'c', image: 'x' }] }) } };
    assert.deepEqual(errorsOf(job, kind('batch/v1', 'Job')), [
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
    const sometimes = { ...job, spec: { template: template({ restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'x' }] }) } };
    assert.deepEqual(errorsOf(sometimes, kind('batch/v1', 'Job')), [
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
    ]);
  });

  test('an empty StatefulSet selector is named as such', () => {
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: { selector: {}, template: template({ containers: [{ name: 'c', image: 'x' }] }) } };
    assert.deepEqual(errorsOf(sts, kind('apps/v1', 'StatefulSet')), ['spec.selector: Invalid value: {}: empty selector is invalid for statefulset']);
  });

  test('CronJob errors carry the job template path', () => {
    const cron = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: template({ restartPolicy: 'Never', securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: 'c', image: 'x' }] }) } } },
    };
    assert.deepEqual(errorsOf(cron, kind('batch/v1', 'CronJob')), [
      'spec.jobTemplate.spec.template.spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ]);
  });
});
