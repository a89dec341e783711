/**
 * The served resources a CustomResourceDefinition makes: one definition per served version, its
 * names, scope and subresources from the CRD, and a strategy as kube-apiserver's for custom
 * resources: decoded as unstructured JSON and pruned to the version's structural schema,
 * defaulted from it, validated against it; generation bumped when anything but metadata and
 * status changes; with a status subresource, status kept apart from the rest.
 */
import { createHash } from 'node:crypto';
import { invalidObject } from '../api/status-error.js';
import { cloneJson, semanticEqual, type JsonObject } from '../../api/defaults/json.js';
import { STATUS_VERBS, type ResourceDefinition, type Subresource } from '../resources/definition.js';
import { applySchemaDefaults } from './defaulting.js';
import { customResourcePrinter, type PrinterColumn } from './printer-columns.js';
import { customResourceFieldTypes, type FieldTypes } from '../fieldmanager/index.js';
import { pruneUnknownFields } from './pruning.js';
import { validateAgainstSchema } from './schema-validation.js';
import { isPlainObject, type StructuralSchema } from './structural-schema.js';
import { compareVersions } from '../resources/version-priority.js';

/** What a custom resource's scale subresource reads and writes. */
export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** What hostpod knows of a served custom resource's version beyond its ResourceDefinition. */
export interface CustomResourceVersion {
  /** The CustomResourceDefinition's name: `crontabs.stable.example.com`. */
  crd: string;
  /** The version objects are stored in; objects are served in any served version. */
  storageVersion: string;
  schema: StructuralSchema;
  scale?: ScaleSpec;
}

/** A custom resource's verbs, in the order kube-apiserver's discovery lists them. */
const CUSTOM_RESOURCE_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'] as const;

const VERSIONS = new WeakMap<ResourceDefinition, CustomResourceVersion>();

/**
 * The structural schema of a served custom resource's version (undefined for a built-in
 * resource): what server-side apply reads for a custom resource's list types
 * (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`) and map types (`x-kubernetes-map-type`).
 */
export function customResourceSchema(info: ResourceDefinition): StructuralSchema | undefined {
  return VERSIONS.get(info)?.schema;
}

/** What a served custom resource's version is beyond its definition (undefined for a built-in resource). */
export function customResourceVersion(info: ResourceDefinition): CustomResourceVersion | undefined {
  return VERSIONS.get(info);
}

/** The definitions of a CustomResourceDefinition's served versions, in discovery order (highest priority first). */
export function customResourceDefinitions(crd: JsonObject): ResourceDefinition[] {
  const spec = record(crd['spec']);
  const names = record(spec['names']);
  const versions = list(spec['versions']).map(record);
  const storage = versions.find((v) => v['storage'] === true);
  const served = versions.filter((v) => v['served'] === true).sort((a, b) => compareVersions(String(a['name']), String(b['name'])));
  return served.map((version) => {
    const schema = record(record(version['schema'])['openAPIV3Schema']) as StructuralSchema;
    let types: FieldTypes | undefined;
    const subresources = record(version['subresources']);
    const kind = String(names['kind']);
    const own: Subresource[] = [];
    if (isPlainObject(subresources['status'])) own.push({ name: 'status', kind, verbs: STATUS_VERBS });
    const scale = isPlainObject(subresources['scale']) ? (subresources['scale'] as unknown as ScaleSpec) : undefined;
    if (scale) own.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS });
    const statusSubresource = own.some((s) => s.name === 'status');
    const servedAs = `${String(spec['group'])}/${String(version['name'])}`;
    const storedAs = `${String(spec['group'])}/${String(storage?.['name'] ?? version['name'])}`;
    const definition: ResourceDefinition = {
      group: String(spec['group']), version: String(version['name']), kind, resource: String(names['plural']),
      singular: typeof names['singular'] === 'string' ? names['singular'] : kind.toLowerCase(),
      storageVersionHash: createHash('sha256').update(`${storedAs}/${kind}`).digest().subarray(0, 8).toString('base64'),
      verbs: CUSTOM_RESOURCE_VERBS, shortNames: strings(names['shortNames']), categories: strings(names['categories']), subresources: own,
      namespaced: spec['scope'] !== 'Cluster',

      pruneUnknown: (object) => pruneUnknownFields(object, schema),
      // Server-side apply merges by the schema's list and map types, converted once per version.
      fieldTypes: () => (types ??= customResourceFieldTypes(schema)),
      // Conversion None: stored in the storage version, shown in the version asked for, defaulted.
      present(object) {
        const shown = { ...cloneJson(object), apiVersion: servedAs };
        applySchemaDefaults(shown, schema);
        return shown;
      },
      defaults: (object) => applySchemaDefaults(object, schema),
      prepareForCreate(object) {
        object['apiVersion'] = storedAs;
        // The status subresource is the only way to write a status.
        if (statusSubresource) delete object['status'];
        object['metadata'] = { ...record(object['metadata']), generation: 1 };
      },
      prepareForUpdate(stored, updated, subresource) {
        updated['apiVersion'] = storedAs;
        if (subresource === 'status') {
          // Only the status changes through the status subresource.
          for (const key of Object.keys(updated)) if (key !== 'metadata' && key !== 'status') delete updated[key];
          for (const [key, value] of Object.entries(stored)) if (key !== 'metadata' && key !== 'status') updated[key] = value;
        } else if (statusSubresource) {
          if (stored['status'] === undefined) delete updated['status'];
          else updated['status'] = stored['status'];
        }
        const metadata = { ...record(updated['metadata']) };
        const generation = typeof record(stored['metadata'])['generation'] === 'number' ? (record(stored['metadata'])['generation'] as number) : 0;
        metadata['generation'] = changedBeyond(stored, updated, statusSubresource ? ['metadata', 'status'] : ['metadata']) ? generation + 1 : generation;
        updated['metadata'] = metadata;
      },
      validate(object) {
        const errors = validateAgainstSchema(object, schema);
        if (errors.length > 0) throw invalidObject(definition, object, errors);
        return [];
      },
      printer: customResourcePrinter(list(version['additionalPrinterColumns']).map((c) => record(c) as unknown as PrinterColumn)),
    };
    VERSIONS.set(definition, {
      crd: String(record(crd['metadata'])['name']), storageVersion: String(storage?.['name'] ?? version['name']), schema,
      ...(scale ? { scale } : {}),
    });
    return definition;
  });
}

/** Whether anything but the `ignored` top-level fields differs. */
function changedBeyond(stored: JsonObject, updated: JsonObject, ignored: readonly string[]): boolean {
  const keys = new Set([...Object.keys(stored), ...Object.keys(updated)].filter((k) => !ignored.includes(k) && k !== 'apiVersion' && k !== 'kind'));
  return [...keys].some((k) => !semanticEqual(stored[k], updated[k]));
}

function record(value: unknown): JsonObject {
  return isPlainObject(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return list(value).filter((v): v is string => typeof v === 'string');
}
