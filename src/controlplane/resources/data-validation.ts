/**
 * ConfigMap and Secret validation as the API server does it (ValidateConfigMap, ValidateSecret
 * and their Update forms): keys, the 1 MiB limit, each Secret type's required keys, and what an
 * update may not change (an immutable object's data, a Secret's type).
 */
import { JsonSyntaxError, parseJson } from '../../api/json/index.js';
import { FieldPath, forbidden, invalid, required, tooLong, type FieldError } from '../../policy/field.js';
import { validateMetadata } from '../api/metadata-validation.js';
import { isObject, metaOf, type Obj } from '../api/object-meta.js';
import { badRequest, invalidObject } from '../api/status-error.js';
import type { ResourceDefinition } from './definition.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
/** core.MaxSecretSize, which ConfigMaps share. */
const MAX_SIZE = 1024 * 1024;
const IMMUTABLE = 'field is immutable when `immutable` is set';

/** IsConfigMapKey's messages for `key`: its length, its characters, then hasChDirPrefix. */
function keyProblems(key: string): string[] {
  const problems: string[] = [];
  if (key.length > 253) problems.push('must be no more than 253 characters');
  if (!CONFIG_KEY.test(key)) {
    problems.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  }
  if (key === '.') problems.push("must not be '.'");
  else if (key === '..') problems.push("must not be '..'");
  else if (key.startsWith('..')) problems.push("must not start with '..'");
  return problems;
}

function checkKeys(fields: Record<string, unknown>, path: FieldPath, errors: FieldError[]): void {
  for (const key of Object.keys(fields)) {
    for (const message of keyProblems(key)) errors.push(invalid(path.key(key), key, message));
  }
}

/** reflect.DeepEqual of two decoded JSON values: an absent map and an empty one differ. */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) =>
    (isObject(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v));
  return canonical(a) === canonical(b);
}

/** ValidateConfigMapUpdate's and ValidateSecretUpdate's rule: an immutable object stays so, its `fields` unchanged. */
function checkImmutable(object: Obj, current: Obj, fields: readonly string[], errors: FieldError[]): void {
  if (current['immutable'] !== true) return;
  if (object['immutable'] !== true) errors.push(forbidden(FieldPath.root('immutable'), IMMUTABLE));
  for (const field of fields) {
    if (!sameJson(object[field], current[field])) errors.push(forbidden(FieldPath.root(field), IMMUTABLE));
  }
}

function mapOf(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

/** @throws StatusError 422 for a bad key or size, or a change to an immutable ConfigMap (`current`, on update) */
export function validateConfigMap(info: ResourceDefinition, object: Obj, current?: Obj): void {
  // A create's metadata errors come with the data's in one 422, as ValidateConfigMap gives them
  // (the definition says validatesMetadata); an update's metadata was checked before.
  const errors: FieldError[] = current ? [] : validateMetadata(info, object);
  if (current) checkImmutable(object, current, ['data', 'binaryData'], errors);
  const data = mapOf(object['data']);
  const binary = mapOf(object['binaryData']);
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const message of keyProblems(key)) errors.push(invalid(FieldPath.root('data').key(key), key, message));
    if (Object.hasOwn(binary, key)) errors.push(invalid(FieldPath.root('data').key(key), key, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(String(value));
  }
  checkKeys(binary, FieldPath.root('binaryData'), errors);
  for (const value of Object.values(binary)) size += Buffer.from(String(value), 'base64').length;
  // The whole object's limit, on field.NewPath(""), which Go prints as "[]".
  if (size > MAX_SIZE) errors.push(tooLong(FieldPath.root('[]'), MAX_SIZE));
  if (errors.length > 0) throw invalidObject(info, object, errors);
}

/**
 * The keys each Secret type requires, as ValidateSecret checks them, given the data decoded.
 * `.dockercfg` and `.dockerconfigjson` must hold a JSON object.
 */
function checkType(object: Obj, data: Record<string, Buffer>, errors: FieldError[]): void {
  const path = FieldPath.root('data');
  const json = (key: string): void => {
    const bytes = data[key];
    if (bytes === undefined) {
      errors.push(required(path.key(key)));
      return;
    }
    const problem = jsonObjectProblem(bytes.toString('utf8'));
    if (problem) errors.push(invalid(path.key(key), '<secret contents redacted>', problem));
  };
  switch (object['type']) {
    case 'kubernetes.io/service-account-token':
      if (!metaOf(object).annotations?.['kubernetes.io/service-account.name']) {
        errors.push(required(FieldPath.root('metadata').child('annotations').key('kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
      json('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      json('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (data['username'] === undefined && data['password'] === undefined) errors.push(required(path.key('username')), required(path.key('password')));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']?.length) errors.push(required(path.key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (data['tls.crt'] === undefined) errors.push(required(path.key('tls.crt')));
      if (data['tls.key'] === undefined) errors.push(required(path.key('tls.key')));
      break;
    default:
  }
}

/** Why `text` is not what json.Unmarshal into a map[string]interface{} takes, as Go says it. */
function jsonObjectProblem(text: string): string | undefined {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.message;
    throw error;
  }
  if (value === null || isObject(value)) return undefined;
  const type = Array.isArray(value) ? 'array' : typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'bool' : 'number';
  return `json: cannot unmarshal ${type} into Go value of type map[string]interface {}`;
}

/** @throws StatusError 400 for data that is not base64; 422 for a bad key, size or type's data, a new type or a change to an immutable Secret */
export function validateSecret(info: ResourceDefinition, object: Obj, current?: Obj): void {
  const decoded: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(mapOf(object['data']))) {
    // Secret data is []byte in Go: base64 in JSON, and a value that is not base64 fails to decode.
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data[${key}]: encode the value with base64, or put the plain text in stringData`);
    }
    decoded[key] = Buffer.from(value, 'base64');
  }
  const errors: FieldError[] = current ? [] : validateMetadata(info, object);
  if (current) {
    if (object['type'] !== current['type']) errors.push(invalid(FieldPath.root('type'), object['type'], 'field is immutable'));
    checkImmutable(object, current, ['data'], errors);
  }
  checkKeys(decoded, FieldPath.root('data'), errors);
  if (Object.values(decoded).reduce((sum, bytes) => sum + bytes.length, 0) > MAX_SIZE) errors.push(tooLong(FieldPath.root('data'), MAX_SIZE));
  checkType(object, decoded, errors);
  if (errors.length > 0) throw invalidObject(info, object, errors);
}
