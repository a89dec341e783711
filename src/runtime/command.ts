/**
 * The container's command line, environment and working directory (section 4 of the spec):
 * Kubernetes' `$(VAR)` references, then the runtime's `$CONTAINER_SANDBOX_MOUNT_POINT`,
 * `$env:CONTAINER_SANDBOX_MOUNT_POINT` and `%CONTAINER_SANDBOX_MOUNT_POINT%`.
 */
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseQuantity } from '../api/quantity.js';
import { HostpodError } from '../errors.js';

export const SANDBOX_VARIABLE = 'CONTAINER_SANDBOX_MOUNT_POINT';

/**
 * Kubernetes' expansion (k8s.io/kubernetes third_party/forked/golang/expansion): `$(NAME)` becomes
 * the variable's value when it is defined and stays as written when not; `$$` is a literal `$`.
 */
export function expandReferences(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = name === '' ? undefined : lookup(name);
      out += value ?? `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

const SANDBOX_REFERENCES = [
  new RegExp(`\\$\\{${SANDBOX_VARIABLE}\\}`, 'g'),
  new RegExp(`\\$(?:env:)?${SANDBOX_VARIABLE}(?![A-Za-z0-9_])`, 'gi'),
  new RegExp(`%${SANDBOX_VARIABLE}%`, 'gi'),
];

/** The runtime's own replacement of the sandbox path (hcsshim does it on the command line and working directory). */
export function expandSandbox(input: string, sandbox: string): string {
  return SANDBOX_REFERENCES.reduce((s, re) => s.replace(re, () => sandbox), input);
}

export interface Environment {
  /** Ordered `NAME=value` entries, later ones winning. */
  entries: Map<string, string>;
}

function fieldValue(pod: V1Pod, path: string, hostIP: string): string {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (labelOrAnnotation) {
    const map = labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[labelOrAnnotation[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? hostname();
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.hostIP':
    case 'status.podIP':
      // Host network: the pod's IP is the node's.
      return hostIP;
    default:
      throw new HostpodError('ERR_HOSTPOD_ENV', `env fieldRef.fieldPath "${path}" is not supported`, {
        hint: 'use metadata.name, metadata.namespace, metadata.uid, metadata.labels[...], metadata.annotations[...], spec.nodeName, spec.serviceAccountName, status.hostIP or status.podIP',
      });
  }
}

function resourceValue(container: V1Container, resource: string, divisor: string | undefined, what: string): string {
  const [kind, name] = resource.split('.');
  const limits = (kind === 'limits' ? container.resources?.limits : container.resources?.requests) as Record<string, unknown> | undefined;
  const raw = limits?.[name ?? ''];
  if (raw === undefined) return '0';
  const quantity = parseQuantity(raw);
  const div = parseQuantity(divisor ?? (name === 'cpu' ? '1' : '1'));
  if ('error' in quantity || 'error' in div || div.value === 0) throw new HostpodError('ERR_HOSTPOD_ENV', `${what}: resourceFieldRef ${resource}: bad quantity`);
  return String(Math.ceil(quantity.value / div.value));
}

/**
 * The environment, in section 4's order: the account's defaults, the image's variables, the pod's
 * variables (with `$(VAR)` references to the variables before them), then the sandbox path.
 * PATH gets the sandbox folder appended, as hcsshim appends it to the container's PATH.
 */
export function buildEnvironment(options: {
  account: Record<string, string>;
  image: readonly string[];
  pod: V1Pod;
  container: V1Container;
  sandbox: string;
  hostIP: string;
  what: string;
}): Map<string, string> {
  const env = new Map<string, string>(Object.entries(options.account));
  for (const entry of options.image) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  if ((options.container.envFrom ?? []).length > 0) {
    throw new HostpodError('ERR_HOSTPOD_ENV', `${options.what}: envFrom needs the API server (ConfigMaps and Secrets)`, {
      hint: 'hostpod run supports env with value, fieldRef and resourceFieldRef; envFrom works once the node agent runs the pod',
    });
  }
  // Pod variables expand only references to the pod's own variables defined before them, as the kubelet does.
  const podVars = new Map<string, string>();
  for (const variable of options.container.env ?? []) {
    const value = podValue(variable, options, podVars);
    podVars.set(variable.name, value);
    env.set(variable.name, value);
  }
  const path = env.get('PATH');
  const sandboxDir = options.sandbox.replace(/\/+$/, '') || '/';
  env.set('PATH', path ? `${path}:${sandboxDir}` : sandboxDir);
  env.set(SANDBOX_VARIABLE, options.sandbox);
  return env;
}

function podValue(variable: V1EnvVar, options: { pod: V1Pod; container: V1Container; hostIP: string; what: string }, before: Map<string, string>): string {
  if (variable.value !== undefined) return expandReferences(variable.value, (n) => before.get(n));
  const from = variable.valueFrom;
  if (from?.fieldRef) return fieldValue(options.pod, from.fieldRef.fieldPath, options.hostIP);
  if (from?.resourceFieldRef) return resourceValue(options.container, from.resourceFieldRef.resource, from.resourceFieldRef.divisor, options.what);
  if (from?.configMapKeyRef || from?.secretKeyRef) {
    throw new HostpodError('ERR_HOSTPOD_ENV', `${options.what}: env ${variable.name} reads a ${from.configMapKeyRef ? 'ConfigMap' : 'Secret'}, which needs the API server`, {
      hint: 'give the value inline for hostpod run; the node agent resolves ConfigMaps and Secrets',
    });
  }
  return '';
}

/**
 * The command line: `command` (else the image's Entrypoint) and `args` (else the image's Cmd, only
 * when `command` is not set), with `$(VAR)` and then the sandbox references expanded.
 */
export function buildArgv(container: V1Container, image: { Entrypoint?: string[] | null; Cmd?: string[] | null }, env: Map<string, string>, sandbox: string, what: string): string[] {
  const command = container.command ?? image.Entrypoint ?? [];
  const args = container.args ?? (container.command ? [] : (image.Cmd ?? []));
  const argv = [...command, ...args].map((a) => expandSandbox(expandReferences(a, (n) => env.get(n)), sandbox));
  if (argv.length === 0 || argv[0] === '') {
    throw new HostpodError('ERR_HOSTPOD_COMMAND', `${what}: no command: the container has no command and the image no Entrypoint or Cmd`, {
      hint: 'set command, e.g. command: ["/bin/sh", "-c", "..."]',
    });
  }
  return argv;
}

/** The working directory: workingDir, else the image's, else the sandbox; relative paths are under the sandbox. */
export function workingDirectory(container: V1Container, imageDir: string | undefined, env: Map<string, string>, sandbox: string): string {
  const raw = container.workingDir ?? imageDir ?? '';
  const dir = expandSandbox(expandReferences(raw, (n) => env.get(n)), sandbox);
  if (dir === '') return sandbox;
  return isAbsolute(dir) ? dir : join(sandbox, dir);
}
