/**
 * Defaults of pod volumes: a volume without a source is an emptyDir, file modes default to 0644,
 * hostPath types to "" (no check), projected tokens to an hour, and the legacy in-tree sources
 * get their historical defaults.
 */
import { defaultFieldSources } from './container-defaults.js';
import { defaultImagePullPolicy } from './image-pull-policy.js';
import { defaultPointer, defaultString, isUnset, objectAt, objectsAt, type JsonObject } from './json.js';
import { canonicalQuantity, defaultResourceList } from './quantities.js';

/** 0644, the default file mode of secret, configMap, downwardAPI and projected volumes. */
export const DEFAULT_VOLUME_MODE = 0o644;

// Every member of core/v1 VolumeSource: a volume with none of them set becomes an emptyDir.
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc',
  'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

/** Mutates `volume` in place with the API server's defaults. */
export function defaultVolume(volume: JsonObject): void {
  if (VOLUME_SOURCES.every((key) => isUnset(volume[key]))) volume['emptyDir'] = {};

  const hostPath = objectAt(volume, 'hostPath');
  if (hostPath) defaultPointer(hostPath, 'type', '');
  const emptyDir = objectAt(volume, 'emptyDir');
  if (emptyDir && !isUnset(emptyDir['sizeLimit'])) emptyDir['sizeLimit'] = canonicalQuantity(emptyDir['sizeLimit']);
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const source = objectAt(volume, key);
    if (source) defaultPointer(source, 'defaultMode', DEFAULT_VOLUME_MODE);
  }
  const downwardAPI = objectAt(volume, 'downwardAPI');
  if (downwardAPI) for (const item of objectsAt(downwardAPI, 'items')) defaultFieldSources(item);
  const projected = objectAt(volume, 'projected');
  if (projected) for (const source of objectsAt(projected, 'sources')) defaultProjection(source);
  const image = objectAt(volume, 'image');
  if (image) defaultString(image, 'pullPolicy', defaultImagePullPolicy(image['reference']));
  defaultEphemeral(volume);
  defaultInTreeSources(volume);
}

function defaultProjection(source: JsonObject): void {
  const downwardAPI = objectAt(source, 'downwardAPI');
  if (downwardAPI) for (const item of objectsAt(downwardAPI, 'items')) defaultFieldSources(item);
  const token = objectAt(source, 'serviceAccountToken');
  if (token) defaultPointer(token, 'expirationSeconds', 3600);
}

function defaultEphemeral(volume: JsonObject): void {
  const ephemeral = objectAt(volume, 'ephemeral');
  const template = ephemeral && objectAt(ephemeral, 'volumeClaimTemplate');
  const spec = template && objectAt(template, 'spec');
  if (!spec) return;
  defaultPointer(spec, 'volumeMode', 'Filesystem');
  const resources = objectAt(spec, 'resources');
  if (resources) {
    defaultResourceList(resources, 'limits');
    defaultResourceList(resources, 'requests');
  }
}

function defaultInTreeSources(volume: JsonObject): void {
  const iscsi = objectAt(volume, 'iscsi');
  if (iscsi) defaultString(iscsi, 'iscsiInterface', 'default');
  const rbd = objectAt(volume, 'rbd');
  if (rbd) {
    defaultString(rbd, 'pool', 'rbd');
    defaultString(rbd, 'user', 'admin');
    defaultString(rbd, 'keyring', '/etc/ceph/keyring');
  }
  const azureDisk = objectAt(volume, 'azureDisk');
  if (azureDisk) {
    defaultPointer(azureDisk, 'cachingMode', 'ReadWrite');
    defaultPointer(azureDisk, 'kind', 'Shared');
    defaultPointer(azureDisk, 'fsType', 'ext4');
    defaultPointer(azureDisk, 'readOnly', false);
  }
  const scaleIO = objectAt(volume, 'scaleIO');
  if (scaleIO) {
    defaultString(scaleIO, 'storageMode', 'ThinProvisioned');
    defaultString(scaleIO, 'fsType', 'xfs');
  }
}
