/**
 * ValidateCustomResourceDefinition and its update form, with kube-apiserver's words: the name
 * is PLURAL.GROUP, the names are DNS-1035 labels, one storage version among unique versions, a
 * structural schema for each, the conversion strategy's fields; on update the scope cannot
 * change and every stored version stays listed.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../../api/defaults/json.js';
import { FieldPath, goJson, invalid, notSupported, required, type FieldError } from '../../policy/field.js';
import { isDNS1123Subdomain, regexError } from '../../policy/validation/names.js';
import { validateStructuralSchema } from './crd-schema-validation.js';
import { isPlainObject } from './structural-schema.js';

const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_MESSAGE = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

/** apimachinery's IsDNS1035Label. */
export function isDNS1035Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push('must be no more than 63 characters');
  if (!new RegExp(`^${DNS1035_LABEL}$`).test(value)) errors.push(regexError(DNS1035_MESSAGE, DNS1035_LABEL, 'my-name', 'abc-123'));
  return errors;
}

/** The field errors of a CustomResourceDefinition (`current` for an update). */
export function validateCustomResourceDefinition(crd: JsonObject, current?: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const spec = record(crd['spec']);
  const names = record(spec['names']);
  const specPath = FieldPath.root('spec');
  const name = str(record(crd['metadata'])['name']);
  const group = str(spec['group']);
  if (name !== `${str(names['plural'])}.${group}`) errors.push(invalid(FieldPath.root('metadata').child('name'), name, 'must be spec.names.plural+"."+spec.group'));

  if (group === '') errors.push(required(specPath.child('group')));
  else {
    for (const message of isDNS1123Subdomain(group)) errors.push(invalid(specPath.child('group'), group, message));
    if (!group.includes('.')) errors.push(invalid(specPath.child('group'), group, 'should be a domain with at least one dot'));
  }
  const scope = spec['scope'];
  if (scope !== 'Cluster' && scope !== 'Namespaced') {
    if (scope === undefined || scope === '') errors.push(required(specPath.child('scope')));
    else errors.push(notSupported(specPath.child('scope'), scope, ['Cluster', 'Namespaced']));
  }

  const versions = list(spec['versions']).map(record);
  // The internal type hoists what every version has alike to the top level, and names the
  // first version in spec.version: upstream's errors carry those paths.
  const sameSchemas = versions.length > 0 && versions.every((v) => isDeepStrictEqual(v['schema'], versions[0]!['schema']));
  versions.forEach((version, i) => {
    const at = specPath.child('versions').index(i);
    const versionName = str(version['name']);
    if (versionName === '') errors.push(required(at.child('name')));
    for (const message of versionName === '' ? [] : isDNS1035Label(versionName)) {
      errors.push(invalid(at.child('name'), versionName, message));
      if (i === 0) errors.push(invalid(specPath.child('version'), versionName, message));
    }
    if (!isPlainObject(record(version['schema'])['openAPIV3Schema'])) errors.push(required(at.child('schema').child('openAPIV3Schema')));
  });
  versions.forEach((version, i) => {
    const schema = record(version['schema'])['openAPIV3Schema'];
    if (!isPlainObject(schema)) return;
    const path = sameSchemas ? specPath.child('validation', 'openAPIV3Schema') : specPath.child('versions').index(i).child('schema', 'openAPIV3Schema');
    errors.push(...validateStructuralSchema(schema, path));
  });
  errors.push(...validateVersionParts(versions, specPath));
  const shown = versions.length === 0 ? [] : versions;
  if (new Set(versions.map((v) => v['name'])).size !== versions.length) errors.push(invalid(specPath.child('versions'), shown, 'must contain unique version names'));
  if (versions.filter((v) => v['storage'] === true).length !== 1) errors.push(invalid(specPath.child('versions'), shown, 'must have exactly one version marked as storage version'));
  if (versions.length > 0 && !versions.some((v) => v['served'] === true)) errors.push(invalid(specPath.child('versions'), shown, 'must have at least one version marked as served'));

  errors.push(...validateNames(names, specPath.child('names')));
  errors.push(...validateConversion(record(spec['conversion']), specPath.child('conversion')));

  if (current) {
    const old = record(current['spec']);
    if (old['scope'] !== undefined && spec['scope'] !== old['scope']) errors.push(invalid(specPath.child('scope'), spec['scope'] ?? '', 'field is immutable'));
  }
  const stored = list(record(crd['status'])['storedVersions']);
  if (versions.filter((v) => v['storage'] === true).length !== 1 && stored.length === 0) {
    errors.push(invalid(FieldPath.root('status').child('storedVersions'), null, 'must have at least one stored version'));
  }
  stored.forEach((v, i) => {
    if (!versions.some((version) => version['name'] === v)) errors.push(invalid(FieldPath.root('status').child('storedVersions').index(i), v, 'must appear in spec.versions'));
  });
  return errors;
}

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];

/**
 * Each version's scale subresource and printer columns; what every version has alike is named
 * at the top level (`spec.subresources`), as the internal type hoists it.
 */
function validateVersionParts(versions: JsonObject[], specPath: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const hoisted = (field: string): boolean => versions.length > 0 && versions.every((v) => isDeepStrictEqual(v[field], versions[0]![field]));
  const at = (field: string, i: number): FieldPath | undefined => {
    if (!hoisted(field)) return specPath.child('versions').index(i).child(field);
    return i === 0 ? specPath.child(field) : undefined;
  };
  versions.forEach((version, i) => {
    const subresources = at('subresources', i);
    const scale = record(version['subresources'])['scale'];
    if (subresources && isPlainObject(scale)) {
      const path = subresources.child('scale');
      checkPath(scale['specReplicasPath'], path.child('specReplicasPath'), ['.spec'], 'should be a json path under .spec', errors, true);
      checkPath(scale['statusReplicasPath'], path.child('statusReplicasPath'), ['.status'], 'should be a json path under .status', errors, true);
      checkPath(scale['labelSelectorPath'], path.child('labelSelectorPath'), ['.spec', '.status'], 'should be a json path under either .spec or .status', errors, false);
    }
    const columns = at('additionalPrinterColumns', i);
    if (!columns) return;
    list(version['additionalPrinterColumns']).map(record).forEach((column, j) => {
      const path = columns.index(j);
      if (str(column['name']) === '') errors.push(required(path.child('name')));
      if (!COLUMN_TYPES.includes(str(column['type']))) errors.push(invalid(path.child('type'), str(column['type']), `must be one of ${COLUMN_TYPES.join(',')}`));
      if (str(column['format']) !== '' && !COLUMN_FORMATS.includes(str(column['format']))) errors.push(invalid(path.child('format'), str(column['format']), `must be one of ${COLUMN_FORMATS.join(',')}`));
      if (str(column['jsonPath']) === '') errors.push(required(path.child('JSONPath')));
    });
  });
  return errors;
}

/** A scale subresource's path: a simple JSON path (`.spec.replicas`) under one of `roots`. */
function checkPath(value: unknown, path: FieldPath, roots: readonly string[], under: string, errors: FieldError[], needed: boolean): void {
  const text = str(value);
  if (text === '') {
    if (needed) errors.push(required(path));
    return;
  }
  if (!/^(\.[^.[\]]+)+$/.test(text)) errors.push(invalid(path, text, 'must be a simple json path starting with .'));
  else if (!roots.some((root) => text.startsWith(`${root}.`))) errors.push(invalid(path, text, under));
}

function validateNames(names: JsonObject, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const label = (field: string, value: unknown, at: FieldPath = path.child(field)): void => {
    const text = str(value);
    if (text === '') errors.push(required(at));
    else for (const message of isDNS1035Label(text)) errors.push(invalid(at, text, message));
  };
  label('plural', names['plural']);
  label('singular', names['singular']);
  list(names['shortNames']).forEach((s, i) => label('shortNames', s, path.child('shortNames').index(i)));
  const kind = str(names['kind']);
  const listKind = str(names['listKind']);
  if (kind === '') errors.push(required(path.child('kind')));
  if (listKind === '') errors.push(required(path.child('listKind')));
  else if (listKind === kind) errors.push(invalid(path.child('listKind'), listKind, 'kind and listKind may not be the same'));
  list(names['categories']).forEach((c, i) => label('categories', c, path.child('categories').index(i)));
  return errors;
}

function validateConversion(conversion: JsonObject, path: FieldPath): FieldError[] {
  const strategy = conversion['strategy'] ?? 'None';
  if (strategy === 'None') {
    if (conversion['webhook'] !== undefined) return [invalid(path.child('webhook'), goJson(conversion['webhook']), 'should not be set when strategy is not set to Webhook')];
    return [];
  }
  if (strategy !== 'Webhook') return [notSupported(path.child('strategy'), strategy, ['None', 'Webhook'])];
  const webhook = record(conversion['webhook']);
  const errors: FieldError[] = [];
  if (!isPlainObject(webhook['clientConfig'])) errors.push(required(path.child('webhookClientConfig'), 'required when strategy is set to Webhook'));
  if (list(webhook['conversionReviewVersions']).length === 0) errors.push(required(path.child('conversionReviewVersions')));
  return errors;
}

function record(value: unknown): JsonObject {
  return isPlainObject(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
