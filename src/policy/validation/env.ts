/**
 * A container's `env` (ValidateEnv): names (relaxed: any printable ASCII but '=', as
 * RelaxedEnvironmentVariableValidation has made them since 1.34), and one source per `valueFrom`
 * (downward API fields and resources, ConfigMap and Secret keys), not beside a `value`.
 */
import type { V1EnvVar } from '@kubernetes/client-node';
import { exactQuantity, canonicalQuantity } from '../../api/defaults/index.js';
import { invalid, notSupported, required, type FieldError, type FieldPath } from '../field.js';
import { isDNS1123Subdomain, isQualifiedName, regexError } from './names.js';

const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP',
  'status.hostIPs', 'status.podIP', 'status.podIPs',
];
// What ConvertDownwardAPIFieldLabel knows, beyond which env vars may use.
const KNOWN_FIELD_PATHS = new Set([
  ...ENV_FIELD_PATHS, 'metadata.annotations', 'metadata.labels', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase', 'spec.host',
]);
const RESOURCE_FIELDS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];
const BYTE_DIVISOR_TEXT = BYTE_DIVISORS.join(', ');
const CONFIG_KEY = '[-._a-zA-Z0-9]+';
const RELAXED_NAME = "a valid environment variable name must consist only of printable ASCII characters other than '='";

function envVarName(name: string): string[] {
  return /^[\x20-\x3c\x3e-\x7e]*$/.test(name) ? [] : [RELAXED_NAME];
}

/** IsConfigMapKey. */
export function isConfigMapKey(key: string): string[] {
  const errors: string[] = [];
  if (key.length > 253) errors.push('must be no more than 253 characters');
  if (!new RegExp(`^${CONFIG_KEY}$`).test(key)) errors.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY, 'key.name', 'KEY_NAME', 'key-name'));
  if (key === '.') errors.push("must not be '.'");
  else if (key === '..') errors.push("must not be '..'");
  else if (key.startsWith('..')) errors.push("must not start with '..'");
  return errors;
}

/** `path['subscript']`, as fieldpath.SplitMaybeSubscriptedPath splits it. */
function subscripted(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const inner = fieldPath.slice(0, -2);
  const at = inner.indexOf("['");
  if (at <= 0) return undefined;
  return [inner.slice(0, at), inner.slice(at + 2)];
}

function fieldSelector(ref: Record<string, unknown>, path: FieldPath): FieldError[] {
  // An unset apiVersion is defaulted to v1 before validation.
  const apiVersion = typeof ref['apiVersion'] === 'string' && ref['apiVersion'] !== '' ? ref['apiVersion'] : 'v1';
  const fieldPath = typeof ref['fieldPath'] === 'string' ? ref['fieldPath'] : '';
  if (fieldPath === '') return [required(path.child('fieldPath'))];
  const split = subscripted(fieldPath);
  const unsupported = (why: string): FieldError[] => [invalid(path.child('fieldPath'), fieldPath, `error converting fieldPath: ${why}`)];
  if (apiVersion !== 'v1') return unsupported(`unsupported pod version: ${apiVersion}`);
  if (split) {
    const [base, key] = split;
    if (base === 'metadata.annotations') return isQualifiedName(key.toLowerCase()).map((m) => invalid(path, key.toLowerCase(), m));
    if (base === 'metadata.labels') return isQualifiedName(key).map((m) => invalid(path, key, m));
    return unsupported(`field label does not support subscript: ${fieldPath}`);
  }
  if (!KNOWN_FIELD_PATHS.has(fieldPath)) return unsupported(`field label not supported: ${fieldPath}`);
  const internal = fieldPath === 'spec.host' ? 'spec.nodeName' : fieldPath;
  return ENV_FIELD_PATHS.includes(internal) ? [] : [notSupported(path.child('fieldPath'), internal, [...ENV_FIELD_PATHS].sort())];
}

function resourceSelector(ref: Record<string, unknown>, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const resource = typeof ref['resource'] === 'string' ? ref['resource'] : '';
  const hugePages = resource.startsWith('requests.hugepages-') || resource.startsWith('limits.hugepages-');
  if (resource === '') errors.push(required(path.child('resource')));
  else if (!RESOURCE_FIELDS.includes(resource) && !hugePages) errors.push(notSupported(path.child('resource'), resource, RESOURCE_FIELDS));
  const divisor = ref['divisor'];
  if (divisor === undefined || divisor === null || exactQuantity(divisor)?.nanos === 0n) return errors;
  const text = String(canonicalQuantity(divisor));
  const supported = (values: readonly string[], list: string, what: string): void => {
    if (!values.includes(text)) errors.push(invalid(path.child('divisor'), resource, `only divisor's values ${list} are supported with the ${what}`));
  };
  if (resource === 'limits.cpu' || resource === 'requests.cpu') supported(['1m', '1'], '1m and 1', 'cpu resource');
  else if (resource === 'limits.memory' || resource === 'requests.memory') supported(BYTE_DIVISORS, BYTE_DIVISOR_TEXT, 'memory resource');
  else if (resource.endsWith('.ephemeral-storage')) supported(BYTE_DIVISORS, BYTE_DIVISOR_TEXT, 'local ephemeral storage resource');
  if (hugePages) supported(BYTE_DIVISORS, BYTE_DIVISOR_TEXT, 'hugepages resource');
  return errors;
}

function keySelector(ref: Record<string, unknown>, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const name = typeof ref['name'] === 'string' ? ref['name'] : '';
  for (const message of isDNS1123Subdomain(name)) errors.push(invalid(path.child('name'), name, message));
  const key = typeof ref['key'] === 'string' ? ref['key'] : '';
  if (key === '') errors.push(required(path.child('key')));
  else for (const message of isConfigMapKey(key)) errors.push(invalid(path.child('key'), key, message));
  return errors;
}

export function validateEnv(vars: V1EnvVar[] | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  (vars ?? []).forEach((env, i) => {
    const p = path.index(i);
    const name = env.name ?? '';
    if (name === '') errors.push(required(p.child('name')));
    else for (const message of envVarName(name)) errors.push(invalid(p.child('name'), name, message));
    const from = env.valueFrom as Record<string, unknown> | undefined | null;
    if (!from) return;
    const fp = p.child('valueFrom');
    let sources = 0;
    const sourcesOf: [string, (ref: Record<string, unknown>, path: FieldPath) => FieldError[]][] = [
      ['fieldRef', fieldSelector], ['resourceFieldRef', resourceSelector], ['configMapKeyRef', keySelector], ['secretKeyRef', keySelector],
    ];
    for (const [key, validate] of sourcesOf) {
      const ref = from[key];
      if (typeof ref !== 'object' || ref === null) continue;
      sources++;
      errors.push(...validate(ref as Record<string, unknown>, fp.child(key)));
    }
    if (from['fileKeyRef']) sources++;
    // EnvFiles (beta, on since 1.35) adds fileKeyRef to the sources the error names.
    if (sources === 0) errors.push(invalid(fp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`'));
    else if ((env.value ?? '') !== '') errors.push(invalid(fp, '', 'may not be specified when `value` is not empty'));
    else if (sources > 1) errors.push(invalid(fp, '', 'may not have more than one field specified at a time'));
  });
  return errors;
}
