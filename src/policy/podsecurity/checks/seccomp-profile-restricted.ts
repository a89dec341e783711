import type { CheckPod } from '../check.js';
import { ALLOWED, describeContainers, forbidden, isSet, isWindowsPod, joinQuote, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

const VALID = new Set(['RuntimeDefault', 'Localhost']);

const mustSetSeccomp: CheckPod = (_meta, spec) => {
  const setters: string[] = [];
  const badTypes: string[] = [];
  let podSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (isSet(podProfile)) {
    if (VALID.has(podProfile.type ?? '')) podSet = true;
    else {
      setters.push('pod');
      badTypes.push(podProfile.type ?? '');
    }
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  forEachContainer(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (isSet(profile)) {
      if (!VALID.has(profile.type ?? '')) {
        explicit.push(c.name);
        badTypes.push(profile.type ?? '');
      }
    } else if (!podSet) {
      implicit.push(c.name);
    }
  });
  if (explicit.length > 0) setters.push(describeContainers(explicit));
  if (setters.length > 0) {
    return forbidden('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badTypes))}`);
  }
  if (implicit.length > 0) {
    return forbidden('seccompProfile', `pod or ${describeContainers(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  }
  return ALLOWED;
};

/** Restricted (v1.19+): every container has a RuntimeDefault or Localhost profile; Windows pods are exempt from v1.25. */
export const seccompProfileRestricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 19, checkPod: mustSetSeccomp, overrideCheckIDs: ['seccompProfile_baseline'] },
    {
      minimumVersion: 25,
      checkPod: (meta, spec) => (isWindowsPod(spec) ? ALLOWED : mustSetSeccomp(meta, spec)),
      overrideCheckIDs: ['seccompProfile_baseline'],
    },
  ],
};
