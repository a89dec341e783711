/**
 * `spec.volumes`: names, duplicates, one source per volume, and the required field of the common
 * sources (ValidateVolumes).
 */
import type { V1Volume } from '@kubernetes/client-node';
import { duplicate, forbidden, invalid, required, type FieldError, type FieldPath } from '../field.js';
import { isDNS1123Label } from './names.js';

// The API server's order of volume sources, with the child name its errors use where that
// differs from the JSON field (upstream spells the downward API one "downwarAPI").
const SOURCES: ReadonlyArray<[string, string]> = [
  ['emptyDir', 'emptyDir'], ['hostPath', 'hostPath'], ['gitRepo', 'gitRepo'], ['gcePersistentDisk', 'persistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'], ['secret', 'secret'], ['nfs', 'nfs'], ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'], ['flocker', 'flocker'], ['persistentVolumeClaim', 'persistentVolumeClaim'], ['rbd', 'rbd'],
  ['cinder', 'cinder'], ['cephfs', 'cephFS'], ['quobyte', 'quobyte'], ['downwardAPI', 'downwarAPI'], ['fc', 'fc'],
  ['flexVolume', 'flexVolume'], ['configMap', 'configMap'], ['azureFile', 'azureFile'], ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'], ['portworxVolume', 'portworxVolume'], ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'], ['projected', 'projected'], ['scaleIO', 'scaleIO'], ['csi', 'csi'], ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

// The one required field of common sources, checked so that typos surface before apply.
const REQUIRED_FIELD: Readonly<Record<string, string>> = {
  hostPath: 'path', persistentVolumeClaim: 'claimName', nfs: 'path', image: 'reference',
};

/**
 * Validates the volumes and returns the names that mounts may reference: a volume with any error
 * is left out, so mounts of it are reported as not found, as upstream does.
 */
export function validateVolumes(volumes: V1Volume[] | undefined, path: FieldPath): { errors: FieldError[]; names: Set<string> } {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((volume, i) => {
    const p = path.index(i);
    const own: FieldError[] = [];
    const record = volume as unknown as Record<string, unknown>;
    // A volume with no source is defaulted to emptyDir before validation.
    let count = 0;
    for (const [json, child] of SOURCES) {
      const source = record[json];
      if (source === undefined || source === null) continue;
      count++;
      if (count > 1) {
        own.push(forbidden(p.child(child), 'may not specify more than 1 volume type'));
        continue;
      }
      const field = REQUIRED_FIELD[json];
      if (field && typeof source === 'object' && !(source as Record<string, unknown>)[field]) {
        own.push(required(p.child(child, field)));
      }
    }
    const name = volume.name ?? '';
    if (name === '') own.push(required(p.child('name')));
    else for (const message of isDNS1123Label(name)) own.push(invalid(p.child('name'), name, message));
    if (name !== '' && names.has(name)) own.push(duplicate(p.child('name'), name));
    if (own.length === 0) names.add(name);
    errors.push(...own);
  });
  return { errors, names };
}
