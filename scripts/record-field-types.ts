/**
 * Records the field types of Kubernetes' built-in kinds, as server-side apply merges by them
 * (list types and keys, map types), from a real kube-apiserver's OpenAPI v3, into
 * src/controlplane/fieldmanager/field-types.json:
 *
 *   node --import tsx scripts/record-field-types.ts
 *
 * It starts the test suite's real control plane (test/support/real-cluster.ts, no controllers),
 * reads /openapi/v3/<group-version> for the group versions below, converts every kind's schema and
 * the types it refers to with `fieldTypeFromOpenApi` (the conversion a CRD's schema takes too),
 * and stops it. Run it again when the pinned Kubernetes version changes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldTypeFromOpenApi, type FieldType, type OpenApiSchema, type TypeRef } from '../src/controlplane/fieldmanager/field-types.js';
import { startRealCluster } from '../test/support/real-cluster.js';

const GROUP_VERSIONS = [
  'api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/autoscaling/v1', 'apis/rbac.authorization.k8s.io/v1',
  'apis/discovery.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/authorization.k8s.io/v1',
  'apis/authentication.k8s.io/v1', 'apis/scheduling.k8s.io/v1', 'apis/apiextensions.k8s.io/v1',
  'apis/networking.k8s.io/v1', 'apis/policy/v1', 'apis/storage.k8s.io/v1', 'apis/admissionregistration.k8s.io/v1',
];
const OUT = join(import.meta.dirname, '..', 'src', 'controlplane', 'fieldmanager', 'field-types.json');

interface Component extends OpenApiSchema {
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

const cluster = await startRealCluster({ controllers: false });
try {
  const schemas: Record<string, Component> = {};
  const kinds: Record<string, string> = {};
  for (const gv of GROUP_VERSIONS) {
    const answer = await cluster.call('GET', `/openapi/v3/${gv}`);
    if (answer.status !== 200) throw new Error(`/openapi/v3/${gv}: ${answer.status} ${answer.body.slice(0, 200)}`);
    const document = JSON.parse(answer.body) as { components: { schemas: Record<string, Component> } };
    Object.assign(schemas, document.components.schemas);
    const served = gv.replace(/^apis?\//, '');
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        const apiVersion = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
        // A kind's schema is listed under its own group version (not WatchEvent's or DeleteOptions' everywhere).
        if (apiVersion === served && !name.startsWith('io.k8s.apimachinery.')) kinds[`${apiVersion}/${gvk.kind}`] = name;
      }
    }
  }
  const named: Record<string, FieldType> = {};
  const visit = (ref: TypeRef): void => {
    if (typeof ref !== 'string') {
      walk(ref);
      return;
    }
    if (named[ref] !== undefined) return;
    const schema = schemas[ref];
    if (!schema) throw new Error(`no schema ${ref}`);
    const converted = fieldTypeFromOpenApi(schema, schemas);
    named[ref] = typeof converted === 'string' ? { kind: 'untyped' } : converted;
    walk(named[ref]);
  };
  const walk = (type: FieldType): void => {
    if (type.kind === 'struct') Object.values(type.fields).forEach(visit);
    if (type.kind === 'map') visit(type.values);
    if (type.kind === 'list') visit(type.items);
  };
  for (const name of Object.values(kinds)) visit(name);
  const sorted = (record: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const version = JSON.parse((await cluster.call('GET', '/version')).body) as { gitVersion: string };
  writeFileSync(OUT, `${JSON.stringify({ recordedFrom: `kube-apiserver ${version.gitVersion}`, kinds: sorted(kinds), named: sorted(named) })}\n`);
  console.log(`${Object.keys(kinds).length} kinds, ${Object.keys(named).length} types from kube-apiserver ${version.gitVersion} -> ${OUT}`);
} finally {
  await cluster.stop();
}
