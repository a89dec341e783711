import { goQuote } from '../../field.js';
import { ALLOWED, describeContainers, forbidden, isSet, joinQuote, pluralize, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const ALLOWED_TYPES = new Set(['RuntimeDefault', 'Localhost']);

function allowedAnnotation(value: string): boolean {
  return value === '' || value === 'runtime/default' || value.startsWith('localhost/');
}

/** Baseline: no Unconfined AppArmor profile, by field (pod, containers) or by annotation. */
export const appArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (meta, spec) => {
      const setters: string[] = [];
      const badTypes: string[] = [];
      const podProfile = spec.securityContext?.appArmorProfile;
      if (isSet(podProfile) && !ALLOWED_TYPES.has(podProfile.type ?? '')) {
        setters.push('pod');
        badTypes.push(podProfile.type ?? '');
      }
      const containers: string[] = [];
      forEachContainer(spec, (c) => {
        const profile = c.securityContext?.appArmorProfile;
        if (isSet(profile) && !ALLOWED_TYPES.has(profile.type ?? '')) {
          containers.push(c.name);
          badTypes.push(profile.type ?? '');
        }
      });
      if (containers.length > 0) setters.push(describeContainers(containers));
      const annotations = Object.entries(meta.annotations ?? {})
        .filter(([key, value]) => key.startsWith(ANNOTATION_PREFIX) && !allowedAnnotation(String(value)))
        .map(([key, value]) => `${key}=${goQuote(String(value))}`)
        .sort();
      const badValues = [...sortedSet(badTypes), ...annotations];
      if (annotations.length > 0) setters.push(pluralize('annotation', 'annotations', annotations.length));
      if (setters.length === 0) return ALLOWED;
      return forbidden(
        pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', badValues.length),
        `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(badValues)}`,
      );
    },
  }],
};
