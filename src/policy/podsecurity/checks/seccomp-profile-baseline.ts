import { goQuote } from '../../field.js';
import { ALLOWED, describeContainers, forbidden, isSet, joinQuote, pluralize, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

const POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const ALLOWED_TYPES = new Set(['RuntimeDefault', 'Localhost']);

function allowedAnnotation(value: string): boolean {
  return value === 'runtime/default' || value === 'docker/default' || value.startsWith('localhost/');
}

/** Baseline: no Unconfined seccomp profile, by annotation (v1.0) or by field (v1.19+). */
export const seccompProfileBaseline: Check = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      checkPod: (meta, spec) => {
        const annotations = meta.annotations ?? {};
        const bad: string[] = [];
        const consider = (key: string): void => {
          if (!Object.prototype.hasOwnProperty.call(annotations, key)) return;
          const value = String(annotations[key]);
          if (!allowedAnnotation(value)) bad.push(`${key}=${goQuote(value)}`);
        };
        consider(POD_ANNOTATION);
        forEachContainer(spec, (c) => consider(CONTAINER_ANNOTATION_PREFIX + c.name));
        if (bad.length === 0) return ALLOWED;
        const list = sortedSet(bad);
        return forbidden('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}`);
      },
    },
    {
      minimumVersion: 19,
      checkPod: (_meta, spec) => {
        const setters: string[] = [];
        const badTypes: string[] = [];
        const podProfile = spec.securityContext?.seccompProfile;
        if (isSet(podProfile) && !ALLOWED_TYPES.has(podProfile.type ?? '')) {
          setters.push('pod');
          badTypes.push(podProfile.type ?? '');
        }
        const containers: string[] = [];
        forEachContainer(spec, (c) => {
          const profile = c.securityContext?.seccompProfile;
          if (isSet(profile) && !ALLOWED_TYPES.has(profile.type ?? '')) {
            containers.push(c.name);
            badTypes.push(profile.type ?? '');
          }
        });
        if (containers.length > 0) setters.push(describeContainers(containers));
        if (setters.length === 0) return ALLOWED;
        return forbidden('seccompProfile',
          `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badTypes))}`);
      },
    },
  ],
};
