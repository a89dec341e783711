/**
 * OpenAPI v3, as much as kubectl reads: per group/version, the PATCH operation of each kind with
 * its query parameters. kubectl's default `--validate=strict` looks there for a `fieldValidation`
 * parameter, and finding it, leaves validation to the server (`?fieldValidation=Strict`), which
 * decodes strictly against the API types. No request body offers strategic merge patch, so
 * `kubectl apply` computes its patches from its compiled-in types, as for any server without
 * full schemas.
 */
import { createHash } from 'node:crypto';
import { groupVersion, resourceRegistry, type ResourceDefinition, type ResourceRegistry } from '../resources/index.js';
import { KUBERNETES_MINOR } from '../../version.js';

const QUERY_PARAMETERS = [
  { name: 'dryRun', description: 'When present, indicates that modifications should not be persisted.' },
  { name: 'fieldManager', description: 'A name associated with the actor or entity that is making these changes.' },
  { name: 'fieldValidation', description: 'How the server treats unknown and duplicate fields in the request body: Ignore, Warn (the default) or Strict.' },
];

/** The document at an `/openapi/...` path, or undefined (404). */
export function openApiDocument(path: string, registry: ResourceRegistry = resourceRegistry): Record<string, unknown> | undefined {
  if (path === '/openapi/v3') return root(registry);
  const match = /^\/openapi\/v3\/(api\/v1|apis\/[^/]+\/[^/]+)$/.exec(path);
  if (!match) return undefined;
  const gv = registry.groupVersions().find((g) => prefixOf(g) === match[1]);
  return gv ? groupVersionDocument(registry, gv.group, gv.version) : undefined;
}

function root(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of registry.groupVersions()) {
    const document = groupVersionDocument(registry, gv.group, gv.version);
    const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').slice(0, 128).toUpperCase();
    paths[prefixOf(gv)] = { serverRelativeURL: `/openapi/v3/${prefixOf(gv)}?hash=${hash}` };
  }
  return { paths };
}

function groupVersionDocument(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const info of registry.inGroupVersion(group, version).filter((r) => r.verbs.includes('patch'))) {
    paths[itemPath(info)] = {
      parameters: [
        { name: 'name', in: 'path', description: `name of the ${info.kind}`, required: true, schema: { type: 'string', uniqueItems: true } },
        ...(info.namespaced ? [{ name: 'namespace', in: 'path', description: 'object name and auth scope', required: true, schema: { type: 'string', uniqueItems: true } }] : []),
      ],
      patch: {
        description: `partially update the specified ${info.kind}`,
        operationId: `patch${info.namespaced ? 'Namespaced' : ''}${info.kind}`,
        parameters: QUERY_PARAMETERS.map((p) => ({ ...p, in: 'query', schema: { type: 'string', uniqueItems: true } })),
        requestBody: {
          content: {
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
          },
          required: true,
        },
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: info.group, kind: info.kind, version: info.version },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: `v1.${KUBERNETES_MINOR}.0` },
    paths,
    components: { schemas: {} },
  };
}

function prefixOf(gv: { group: string; version: string }): string {
  return gv.group === '' ? 'api/v1' : `apis/${groupVersion(gv)}`;
}

function itemPath(info: ResourceDefinition): string {
  const base = `/${prefixOf(info)}`;
  return info.namespaced ? `${base}/namespaces/{namespace}/${info.resource}/{name}` : `${base}/${info.resource}/{name}`;
}
