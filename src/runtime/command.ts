/**
 * The container's command line, environment and working directory (section 4 of the spec):
 * Kubernetes' `$(VAR)` references, then the runtime's `$CONTAINER_SANDBOX_MOUNT_POINT`,
 * `$env:CONTAINER_SANDBOX_MOUNT_POINT` and `%CONTAINER_SANDBOX_MOUNT_POINT%`.
 */
import type { V1Container, V1EnvFromSource, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseQuantity } from '../api/quantity.js';
import { HostpodError } from '../errors.js';
import type { MountMode } from './mount-mode.js';

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
        // An unclosed reference stays as written; what follows it is still expanded (`$$` too).
        out += '$(';
        i++;
        continue;
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

/**
 * What the node agent fetched from the API server for a pod: its ConfigMaps and Secrets (values
 * decoded), and the service variables that point in-cluster clients at the control plane.
 */
export interface ApiObjects {
  configMap(name: string): Readonly<Record<string, string>> | undefined;
  secret(name: string): Readonly<Record<string, string>> | undefined;
  /** KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and the like. */
  serviceEnv: Readonly<Record<string, string>>;
}

/** The kubelet's check on names that envFrom may define (C identifiers and the like). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export interface Environment {
  /** Ordered `NAME=value` entries, later ones winning. */
  entries: Map<string, string>;
}

export function fieldValue(pod: V1Pod, path: string, hostIP: string): string {
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

export function resourceValue(container: V1Container, resource: string, divisor: string | undefined, what: string): string {
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
 * variables (with `$(VAR)` references to the variables before them, envFrom's and the service
 * variables), then the sandbox path; sandbox references in the values are expanded as hcsshim does.
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
  /** Absent for `hostpod run`, which has no API server. */
  api?: ApiObjects;
}): Map<string, string> {
  const env = new Map<string, string>(Object.entries(options.account));
  for (const entry of options.image) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const serviceEnv = options.api?.serviceEnv ?? {};
  for (const [name, value] of Object.entries(serviceEnv)) env.set(name, value);
  // As the kubelet: an env value refers to the envFrom variables, the env variables before it and
  // the service variables; not to the image's or the account's, which the kubelet does not know.
  const podVars = new Map<string, string>();
  for (const source of options.container.envFrom ?? []) {
    for (const [name, value] of Object.entries(envSource(source, options))) {
      podVars.set(name, value);
      env.set(name, value);
    }
  }
  const lookup = (name: string): string | undefined => podVars.get(name) ?? (Object.hasOwn(serviceEnv, name) ? serviceEnv[name] : undefined);
  for (const variable of options.container.env ?? []) {
    const value = podValue(variable, options, lookup);
    podVars.set(variable.name, value);
    env.set(variable.name, value);
  }
  // As hcsshim: the sandbox references in every value the container is given (the image's and the
  // pod's, after the kubelet's expansion) become the sandbox path; the account's defaults are left.
  for (const [name, value] of env) {
    if (env.get(name) !== options.account[name]) env.set(name, expandSandbox(value, options.sandbox));
  }
  const path = env.get('PATH');
  const sandboxDir = options.sandbox.replace(/\/+$/, '') || '/';
  env.set('PATH', path ? `${path}:${sandboxDir}` : sandboxDir);
  env.set(SANDBOX_VARIABLE, options.sandbox);
  return env;
}

/** One envFrom source's variables, with its prefix; names that are not valid variable names are skipped, as by the kubelet. */
function envSource(source: V1EnvFromSource, options: { pod: V1Pod; what: string; api?: ApiObjects }): Record<string, string> {
  const ref = source.configMapRef ?? source.secretRef;
  const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
  if (!ref) return {};
  if (!options.api) {
    throw new HostpodError('ERR_HOSTPOD_ENV', `${options.what}: envFrom reads a ${kind}, which needs the API server`, {
      hint: 'hostpod run supports env with value, fieldRef and resourceFieldRef; envFrom works once the node agent runs the pod',
    });
  }
  const data = kind === 'ConfigMap' ? options.api.configMap(ref.name ?? '') : options.api.secret(ref.name ?? '');
  if (data === undefined) {
    if (ref.optional === true) return {};
    throw new HostpodError('ERR_HOSTPOD_CONFIG', `${kind.toLowerCase()} "${ref.name ?? ''}" not found`);
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    const name = `${source.prefix ?? ''}${key}`;
    if (ENV_NAME.test(name)) result[name] = value;
  }
  return result;
}

function podValue(variable: V1EnvVar, options: { pod: V1Pod; container: V1Container; hostIP: string; what: string; api?: ApiObjects }, lookup: (name: string) => string | undefined): string {
  // An empty value counts as none: valueFrom, if any, gives it (the kubelet's order).
  if (variable.value) return expandReferences(variable.value, lookup);
  const from = variable.valueFrom;
  if (from?.fieldRef) return fieldValue(options.pod, from.fieldRef.fieldPath, options.hostIP);
  if (from?.resourceFieldRef) return resourceValue(options.container, from.resourceFieldRef.resource, from.resourceFieldRef.divisor, options.what);
  const ref = from?.configMapKeyRef ?? from?.secretKeyRef;
  if (ref) {
    const kind = from?.configMapKeyRef ? 'ConfigMap' : 'Secret';
    if (!options.api) {
      throw new HostpodError('ERR_HOSTPOD_ENV', `${options.what}: env ${variable.name} reads a ${kind}, which needs the API server`, {
        hint: 'give the value inline for hostpod run; the node agent resolves ConfigMaps and Secrets',
      });
    }
    const data = kind === 'ConfigMap' ? options.api.configMap(ref.name ?? '') : options.api.secret(ref.name ?? '');
    const value = data?.[ref.key];
    if (value !== undefined) return value;
    if (ref.optional === true) return '';
    const namespace = options.pod.metadata?.namespace ?? 'default';
    // The kubelet's wording (CreateContainerConfigError).
    throw new HostpodError('ERR_HOSTPOD_CONFIG', data === undefined ? `${kind.toLowerCase()} "${ref.name ?? ''}" not found` : `couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name ?? ''}`);
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

/**
 * The working directory, as hcsshim's job containers choose it: workingDir, else the image's, else
 * the sandbox. A path that names the sandbox variable is taken as expanded. Otherwise, in `sandbox`
 * mode (containerd 1.6, no file binding) every path is under the sandbox, its drive letter dropped
 * (`C:\work\dir` is `<sandbox>/work/dir`, `/debug` is `<sandbox>/debug`); in `bind` mode (1.7) an
 * absolute path is the host's (kubernetes #112885), a drive letter meaning `/`. A relative path is
 * under the sandbox in both. The monitor creates the directory when it does not exist, as hcsshim does.
 */
export function workingDirectory(container: V1Container, imageDir: string | undefined, env: Map<string, string>, sandbox: string, mode: MountMode): string {
  const raw = expandReferences(container.workingDir ?? imageDir ?? '', (n) => env.get(n));
  const expanded = expandSandbox(raw, sandbox);
  if (expanded === '') return sandbox;
  if (expanded !== raw) return isAbsolute(expanded) ? expanded : join(sandbox, expanded);
  const dir = withoutDriveLetter(expanded);
  if (mode === 'sandbox') return join(sandbox, dir);
  return isAbsolute(dir) ? dir : join(sandbox, dir);
}

/** `C:\work\dir` as `/work/dir` and `C:` as `/`; a path without a drive letter as it is. */
function withoutDriveLetter(path: string): string {
  if (!/^[A-Za-z]:/.test(path)) return path;
  return `/${path.slice(2).replace(/\\/g, '/')}`.replace(/\/+/g, '/');
}
