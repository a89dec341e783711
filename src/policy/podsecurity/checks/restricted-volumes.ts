import { ALLOWED, forbidden, joinQuote, pluralize, sortedSet, type Check } from '../check.js';

/** Volume sources that expose nothing of the host. */
const ALLOWED_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];

/** The other sources, in the order upstream names the first one a volume uses. */
const RESTRICTED_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume',
  'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'portworxVolume', 'scaleIO', 'storageos',
];

const present = (volume: Record<string, unknown>, key: string): boolean => volume[key] !== undefined && volume[key] !== null;

/** Restricted: only volume types that expose nothing of the host (replaces hostPathVolumes). */
export const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  versions: [{
    minimumVersion: 0,
    overrideCheckIDs: ['hostPathVolumes'],
    checkPod: (_meta, spec) => {
      const volumes: string[] = [];
      const types: string[] = [];
      for (const volume of spec.volumes ?? []) {
        const record = volume as unknown as Record<string, unknown>;
        if (ALLOWED_SOURCES.some((s) => present(record, s))) continue;
        const type = RESTRICTED_SOURCES.find((s) => present(record, s));
        // A volume that names no source at all is defaulted to emptyDir by the API server.
        if (type === undefined && Object.keys(record).every((k) => k === 'name' || !present(record, k))) continue;
        volumes.push(volume.name);
        types.push(type ?? 'unknown');
      }
      if (volumes.length === 0) return ALLOWED;
      const list = sortedSet(types);
      return forbidden('restricted volume types', `${pluralize('volume', 'volumes', volumes.length)} ${joinQuote(volumes)} ` +
        `${pluralize('uses', 'use', volumes.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`);
    },
  }],
};
