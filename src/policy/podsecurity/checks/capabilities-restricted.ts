import type { CheckPod } from '../check.js';
import { ALLOWED, describeContainers, forbidden, isSet, isWindowsPod, joinQuote, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

const dropAllAddOnlyBind: CheckPod = (_meta, spec) => {
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const added: string[] = [];
  forEachContainer(spec, (c) => {
    const capabilities = c.securityContext?.capabilities;
    if (!isSet(capabilities)) {
      missingDropAll.push(c.name);
      return;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    const bad = (capabilities.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (bad.length > 0) {
      adding.push(c.name);
      added.push(...bad);
    }
  });
  const details: string[] = [];
  if (missingDropAll.length > 0) details.push(`${describeContainers(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length > 0) {
    details.push(`${describeContainers(adding)} must not include ${joinQuote(sortedSet(added))} in securityContext.capabilities.add`);
  }
  return details.length === 0 ? ALLOWED : forbidden('unrestricted capabilities', details.join('; '));
};

/** Restricted (v1.22+): drop ALL, add at most NET_BIND_SERVICE; Windows pods are exempt from v1.25. */
export const capabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 22, checkPod: dropAllAddOnlyBind, overrideCheckIDs: ['capabilities_baseline'] },
    {
      minimumVersion: 25,
      checkPod: (meta, spec) => (isWindowsPod(spec) ? ALLOWED : dropAllAddOnlyBind(meta, spec)),
      overrideCheckIDs: ['capabilities_baseline'],
    },
  ],
};
