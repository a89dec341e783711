/**
 * The labels `/metrics` counts a request under, as kube-apiserver's instrumented handlers give
 * them: the reported verb, the group, version, resource and subresource, and the scope.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestMetricAttributes } from '../../src/controlplane/server/request-metrics.js';

const APPLY = 'application/apply-patch+yaml';

const cases: [what: string, method: string, url: string, contentType: string | undefined, expected: string | undefined][] = [
  ['a get of one object', 'GET', '/api/v1/namespaces/ns/pods/p', undefined, 'GET  v1 pods  resource'],
  ['a list in a namespace', 'GET', '/api/v1/namespaces/ns/pods', undefined, 'LIST  v1 pods  namespace'],
  ['a list across namespaces', 'GET', '/apis/apps/v1/deployments', undefined, 'LIST apps v1 deployments  cluster'],
  ['a watch', 'GET', '/api/v1/namespaces/ns/pods?watch=true', undefined, 'WATCH  v1 pods  namespace'],
  ['a legacy watch', 'GET', '/api/v1/watch/namespaces/ns/pods', undefined, 'WATCH  v1 pods  namespace'],
  ['a status update', 'PUT', '/api/v1/namespaces/ns/pods/p/status', undefined, 'PUT  v1 pods status resource'],
  ['a server-side apply', 'PATCH', '/apis/apps/v1/namespaces/ns/deployments/d?fieldManager=kubectl', APPLY, 'PATCH→APPLY apps v1 deployments  resource'],
  ['a merge patch', 'PATCH', '/api/v1/nodes/n', 'application/merge-patch+json', 'PATCH  v1 nodes  resource'],
  ['a collection delete', 'DELETE', '/api/v1/namespaces/ns/pods', undefined, 'DELETECOLLECTION  v1 pods  namespace'],
  ['a create', 'POST', '/api/v1/namespaces/ns/configmaps?dryRun=All', undefined, 'POST  v1 configmaps  namespace dry'],
  ['a node metrics list', 'GET', '/apis/metrics.k8s.io/v1beta1/nodes', undefined, 'LIST metrics.k8s.io v1beta1 nodes  cluster'],
  ['a pod metrics get', 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods/p', undefined, 'GET metrics.k8s.io v1beta1 pods  resource'],
  ['a health check', 'GET', '/readyz', undefined, 'GET    /readyz '],
  ['discovery (not counted)', 'GET', '/apis', undefined, undefined],
  ['an unknown resource (not counted)', 'GET', '/api/v1/widgets', undefined, undefined],
];

for (const [what, method, url, contentType, expected] of cases) {
  test(`request metrics label ${what}`, () => {
    const got = requestMetricAttributes(method, url, contentType);
    const text = got && `${got.verb === 'APPLY' ? 'PATCH→APPLY' : got.verb} ${got.group} ${got.version} ${got.resource} ${got.subresource} ${got.scope}${got.dryRun ? ' dry' : ''}`;
    assert.equal(text, expected);
  });
}

test('request metrics label an exec upgrade CONNECT', () => {
  assert.equal(requestMetricAttributes('GET', '/api/v1/namespaces/ns/pods/p/exec?command=id', undefined, true)?.verb, 'CONNECT');
});
