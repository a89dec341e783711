/**
 * `spec.volumes` (ValidateVolumes, validateVolumeSource): names, duplicates, one source per
 * volume, and the rules of the sources HostProcess pods and their neighbours use.
 */
import type { V1Volume } from '@kubernetes/client-node';
import {
  duplicate, forbidden, goQuote, invalid, notSupported, pointerValue, required, tooLong, type FieldError, type FieldPath,
} from '../field.js';
import { exactQuantity } from '../../api/defaults/index.js';
import { isDNS1123Label, isDNS1123Subdomain } from './names.js';
import { validateLocalDescendingPath } from './profiles.js';

type Source = Record<string, unknown>;
type SourceRule = (source: Source, path: FieldPath, context: VolumeContext) => FieldError[];

interface VolumeContext {
  /** Whether the volumes are a Pod's (not a template's): some rules apply only to pods. */
  isPod: boolean;
}

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const FILE_MODE = 'must be a number between 0 and 0777 (octal), both inclusive';

const text = (source: Source, key: string): string => (typeof source[key] === 'string' ? source[key] : '');
const list = (source: Source, key: string): Source[] => (Array.isArray(source[key]) ? (source[key] as Source[]).filter((v) => typeof v === 'object' && v !== null) : []);
const noBacksteps = (value: string, path: FieldPath): FieldError[] => (value.split('/').includes('..') ? [invalid(path, value, "must not contain '..'")] : []);

/** ValidateLocalNonReservedPath: relative, no `..` element, not starting with `..`. */
function localNonReservedPath(value: string, path: FieldPath): FieldError[] {
  const errors = validateLocalDescendingPath(value, path);
  if (value.startsWith('..') && !value.startsWith('../')) errors.push(invalid(path, value, "must not start with '..'"));
  return errors;
}

function fileMode(source: Source, key: string, path: FieldPath): FieldError[] {
  const mode = source[key];
  return typeof mode === 'number' && (mode > 0o777 || mode < 0) ? [invalid(path.child(key), mode, FILE_MODE)] : [];
}

function keyToPaths(source: Source, path: FieldPath): FieldError[] {
  return list(source, 'items').flatMap((item, i) => {
    const p = path.child('items').index(i);
    const errors: FieldError[] = [];
    if (text(item, 'key') === '') errors.push(required(p.child('key')));
    if (text(item, 'path') === '') errors.push(required(p.child('path')));
    errors.push(...localNonReservedPath(text(item, 'path'), p.child('path')), ...fileMode(item, 'mode', p));
    return errors;
  });
}

function downwardAPIFiles(items: Source[], path: FieldPath): FieldError[] {
  return items.flatMap((file) => {
    const errors: FieldError[] = [];
    if (text(file, 'path') === '') errors.push(required(path.child('path')));
    errors.push(...localNonReservedPath(text(file, 'path'), path.child('path')));
    if (file['fieldRef'] && file['resourceFieldRef']) errors.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    else if (!file['fieldRef'] && !file['resourceFieldRef']) errors.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
    errors.push(...fileMode(file, 'mode', path));
    return errors;
  });
}

function projectedSources(source: Source, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  list(source, 'sources').forEach((projection, i) => {
    const p = path.child('sources').index(i);
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const item = projection[kind] as Source | undefined;
      if (!item) continue;
      count++;
      if (text(item, 'name') === '') errors.push(required(p.child(kind, 'name')));
      errors.push(...keyToPaths(item, p.child(kind)));
    }
    const downward = projection['downwardAPI'] as Source | undefined;
    if (downward) {
      count++;
      errors.push(...downwardAPIFiles(list(downward, 'items'), p.child('downwardAPI')));
    }
    const token = projection['serviceAccountToken'] as Source | undefined;
    if (token) {
      count++;
      const seconds = typeof token['expirationSeconds'] === 'number' ? token['expirationSeconds'] : 0;
      if (seconds < 600) errors.push(invalid(p.child('serviceAccountToken', 'expirationSeconds'), seconds, 'may not specify a duration less than 10 minutes'));
      if (seconds > 2 ** 32) errors.push(invalid(p.child('serviceAccountToken', 'expirationSeconds'), seconds, 'may not specify a duration larger than 2^32 seconds'));
      // Upstream names the token's path under the projection, not the source.
      if (text(token, 'path') === '') errors.push(required(path.child('path')));
      else errors.push(...localNonReservedPath(text(token, 'path'), path.child('path')));
    }
    if (count > 1) errors.push(forbidden(p, 'may not specify more than 1 volume type per source'));
  });
  return errors;
}

// Each source's rules, by its JSON field.
const RULES: Readonly<Record<string, SourceRule>> = {
  emptyDir: (s, p) => ((exactQuantity(s['sizeLimit'])?.nanos ?? 0n) < 0n ? [forbidden(p.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity')] : []),
  hostPath: (s, p) => {
    if (text(s, 'path') === '') return [required(p.child('path'))];
    const type = s['type'];
    return [
      ...noBacksteps(text(s, 'path'), p.child('path')),
      ...(typeof type === 'string' && !HOST_PATH_TYPES.includes(type) ? [notSupported(p.child('type'), pointerValue(type), HOST_PATH_TYPES)] : []),
    ];
  },
  gitRepo: (s, p) => [...(text(s, 'repository') === '' ? [required(p.child('repository'))] : []), ...validateLocalDescendingPath(text(s, 'directory'), p.child('directory'))],
  secret: (s, p) => [...(text(s, 'secretName') === '' ? [required(p.child('secretName'))] : []), ...fileMode(s, 'defaultMode', p), ...keyToPaths(s, p)],
  nfs: (s, p) => [
    ...(text(s, 'server') === '' ? [required(p.child('server'))] : []),
    ...(text(s, 'path') === '' ? [required(p.child('path'))] : []),
    ...(text(s, 'path').startsWith('/') ? [] : [invalid(p.child('path'), text(s, 'path'), 'must be an absolute path')]),
  ],
  persistentVolumeClaim: (s, p) => (text(s, 'claimName') === '' ? [required(p.child('claimName'))] : []),
  downwardAPI: (s, p) => [...fileMode(s, 'defaultMode', p), ...downwardAPIFiles(list(s, 'items'), p)],
  configMap: (s, p) => [...(text(s, 'name') === '' ? [required(p.child('name'))] : []), ...fileMode(s, 'defaultMode', p), ...keyToPaths(s, p)],
  projected: (s, p) => [...fileMode(s, 'defaultMode', p), ...projectedSources(s, p)],
  csi: (s, p) => {
    const driver = text(s, 'driver');
    if (driver === '') return [required(p.child('driver'))];
    return [
      ...(Buffer.byteLength(driver) > 63 ? [tooLong(p.child('driver'), 63)] : []),
      ...isDNS1123Subdomain(driver.toLowerCase()).map((m) => invalid(p.child('driver'), driver, m)),
    ];
  },
  ephemeral: (s, p) => (s['volumeClaimTemplate'] ? [] : [required(p.child('volumeClaimTemplate'))]),
  image: (s, p, context) => {
    const policy = text(s, 'pullPolicy');
    return [
      ...(context.isPod && text(s, 'reference') === '' ? [required(p.child('reference'))] : []),
      ...(policy === '' ? [required(p.child('pullPolicy'))] : PULL_POLICIES.includes(policy) ? [] : [notSupported(p.child('pullPolicy'), policy, PULL_POLICIES)]),
    ];
  },
};

// The API server's order of volume sources: the child name its "more than 1" error uses, and the
// one its source's own errors use (upstream spells the downward API one "downwarAPI", and names
// gcePersistentDisk's errors persistentDisk and cephfs's cephfs after calling it cephFS).
const SOURCES: ReadonlyArray<[json: string, forbiddenChild: string, child: string]> = [
  ['emptyDir', 'emptyDir', 'emptyDir'], ['hostPath', 'hostPath', 'hostPath'], ['gitRepo', 'gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk', 'persistentDisk'], ['awsElasticBlockStore', 'awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret', 'secret'], ['nfs', 'nfs', 'nfs'], ['iscsi', 'iscsi', 'iscsi'], ['glusterfs', 'glusterfs', 'glusterfs'],
  ['flocker', 'flocker', 'flocker'], ['persistentVolumeClaim', 'persistentVolumeClaim', 'persistentVolumeClaim'], ['rbd', 'rbd', 'rbd'],
  ['cinder', 'cinder', 'cinder'], ['cephfs', 'cephFS', 'cephfs'], ['quobyte', 'quobyte', 'quobyte'], ['downwardAPI', 'downwarAPI', 'downwardAPI'],
  ['fc', 'fc', 'fc'], ['flexVolume', 'flexVolume', 'flexVolume'], ['configMap', 'configMap', 'configMap'], ['azureFile', 'azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume', 'vsphereVolume'], ['photonPersistentDisk', 'photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume', 'portworxVolume'], ['azureDisk', 'azureDisk', 'azureDisk'], ['storageos', 'storageos', 'storageos'],
  ['projected', 'projected', 'projected'], ['scaleIO', 'scaleIO', 'scaleIO'], ['csi', 'csi', 'csi'], ['ephemeral', 'ephemeral', 'ephemeral'],
  ['image', 'image', 'image'],
];

/**
 * Validates the volumes and returns the names that mounts may reference: a volume with any error
 * is left out, so mounts of it are reported as not found, as upstream does. `pod` is given for a
 * Pod's volumes (not a template's): an ephemeral volume's claim is named after the pod.
 */
export function validateVolumes(volumes: V1Volume[] | undefined, path: FieldPath, pod?: { name: string }): { errors: FieldError[]; names: Set<string> } {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  const context: VolumeContext = { isPod: pod !== undefined };
  const podName = pod?.name;
  (volumes ?? []).forEach((volume, i) => {
    const p = path.index(i);
    const own: FieldError[] = [];
    const record = volume as unknown as Record<string, unknown>;
    const name = volume.name ?? '';
    let count = 0;
    for (const [json, forbiddenChild, child] of SOURCES) {
      const source = record[json];
      if (source === undefined || source === null) continue;
      if (++count > 1) {
        own.push(forbidden(p.child(forbiddenChild), 'may not specify more than 1 volume type'));
        continue;
      }
      if (typeof source === 'object') own.push(...(RULES[json]?.(source as Source, p.child(child), context) ?? []));
      if (json === 'ephemeral' && podName && name !== '') {
        const claim = `${podName}-${name}`;
        for (const message of isDNS1123Subdomain(claim)) own.push(invalid(p.child('name'), name, `PVC name ${goQuote(claim)}: ${message}`));
      }
    }
    // A volume with no source is defaulted to emptyDir before validation.
    if (name === '') own.push(required(p.child('name')));
    else for (const message of isDNS1123Label(name)) own.push(invalid(p.child('name'), name, message));
    if (names.has(name)) own.push(duplicate(p.child('name'), name));
    if (own.length === 0) names.add(name);
    errors.push(...own);
  });
  return { errors, names };
}
