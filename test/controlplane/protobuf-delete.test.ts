/**
 * A DELETE whose DeleteOptions come as Protobuf, as client-go's typed clients send them (Helm's
 * release storage purges its Secrets so): hostpod read the body as JSON and answered 400 "invalid
 * character 'k'", so `helm uninstall` failed to purge the release.
 */
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { after, before, describe, test } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

/**
 * The `k8s\0` envelope around a DeleteOptions, written field by field with the numbers of
 * k8s.io/apimachinery's generated.proto (gracePeriodSeconds 1, orphanDependents 3,
 * propagationPolicy 4, dryRun 5), kind left out as client-go leaves it.
 */
function deleteOptions(options: { grace?: number; policy?: string; dryRun?: string[] }): Buffer {
  const inner = protobuf.Writer.create();
  if (options.grace !== undefined) inner.uint32((1 << 3) | 0).int64(options.grace);
  if (options.policy !== undefined) inner.uint32((4 << 3) | 2).string(options.policy);
  for (const d of options.dryRun ?? []) inner.uint32((5 << 3) | 2).string(d);
  const raw = inner.finish();
  const typeMeta = protobuf.Writer.create().uint32((1 << 3) | 2).string('meta.k8s.io/v1').finish();
  const unknown = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(typeMeta).uint32((2 << 3) | 2).bytes(raw).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from(unknown)]);
}

const PB = 'application/vnd.kubernetes.protobuf';
const SECRETS = '/api/v1/namespaces/default/secrets';
const PODS = '/api/v1/namespaces/default/pods';

describe('protobuf delete options', () => {
  test('protobuf DeleteOptions are read: a dry run deletes nothing, a real delete deletes', async () => {
    const created = await api(s.plane, 'POST', SECRETS, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sh.helm.release.v1.agent.v1' }, type: 'helm.sh/release.v1', data: { release: 'e30=' } } });
    assert.equal(created.status, 201, created.body);
    const dry = await api(s.plane, 'DELETE', `${SECRETS}/sh.helm.release.v1.agent.v1`, { body: deleteOptions({ dryRun: ['All'] }), contentType: PB });
    assert.equal(dry.status, 200, dry.body);
    assert.equal((await api(s.plane, 'GET', `${SECRETS}/sh.helm.release.v1.agent.v1`)).status, 200);
    const deleted = await api(s.plane, 'DELETE', `${SECRETS}/sh.helm.release.v1.agent.v1`, { body: deleteOptions({ policy: 'Background' }), contentType: PB });
    assert.equal(deleted.status, 200, deleted.body);
    assert.equal((await api(s.plane, 'GET', `${SECRETS}/sh.helm.release.v1.agent.v1`)).status, 404);
  });

  test('protobuf DeleteOptions keep a grace period of 0: the pod goes at once', async () => {
    const pod = await api(s.plane, 'POST', PODS, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'now' }, spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'busybox' }] } } });
    assert.equal(pod.status, 201, pod.body);
    const deleted = await api(s.plane, 'DELETE', `${PODS}/now`, { body: deleteOptions({ grace: 0 }), contentType: PB });
    assert.equal(deleted.status, 200, deleted.body);
    assert.equal((await api(s.plane, 'GET', `${PODS}/now`)).status, 404, 'a grace of 0 deletes a bound pod at once, not after its 30 s');
  });
});
