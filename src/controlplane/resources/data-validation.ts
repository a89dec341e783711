/** ConfigMap and Secret keys, and Secret data encoding, as the API server validates them. */
import { FieldPath, invalid, type FieldError } from '../../policy/field.js';
import { isObject, type Obj } from '../api/object-meta.js';
import { badRequest, invalidObject } from '../api/status-error.js';
import type { ResourceDefinition } from './definition.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

function checkKeys(fields: Record<string, unknown> | undefined, path: FieldPath, errors: FieldError[]): void {
  for (const key of Object.keys(fields ?? {})) {
    if (!CONFIG_KEY.test(key) || key.length > 253) {
      errors.push(invalid(path, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    } else if (key === '.' || key === '..' || key.startsWith('..')) {
      errors.push(invalid(path, key, `must not be '.' or '..'${key.startsWith('..') && key.length > 2 ? " or start with '..'" : ''}`));
    }
  }
}

export function validateConfigMap(info: ResourceDefinition, object: Obj): void {
  const errors: FieldError[] = [];
  checkKeys(isObject(object['data']) ? object['data'] : undefined, FieldPath.root('data'), errors);
  checkKeys(isObject(object['binaryData']) ? object['binaryData'] : undefined, FieldPath.root('binaryData'), errors);
  if (errors.length > 0) throw invalidObject(info, object, errors);
}

export function validateSecret(info: ResourceDefinition, object: Obj): void {
  const data = isObject(object['data']) ? object['data'] : {};
  for (const [key, value] of Object.entries(data)) {
    // Secret data is []byte in Go: base64 in JSON, and a value that is not base64 fails to decode.
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data[${key}]: encode the value with base64, or put the plain text in stringData`);
    }
  }
  const errors: FieldError[] = [];
  checkKeys(data, FieldPath.root('data'), errors);
  if (errors.length > 0) throw invalidObject(info, object, errors);
}

