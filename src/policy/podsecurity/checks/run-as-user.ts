import type { CheckPod } from '../check.js';
import { ALLOWED, describeContainers, forbidden, isUserNamespacePod, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

const notRoot: CheckPod = (_meta, spec) => {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const containers: string[] = [];
  forEachContainer(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) containers.push(c.name);
  });
  if (containers.length > 0) setters.push(describeContainers(containers));
  return setters.length === 0 ? ALLOWED : forbidden('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`);
};

/** Restricted (v1.23+): no explicit runAsUser=0; user-namespace pods are exempt from v1.35. */
export const runAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  versions: [
    { minimumVersion: 23, checkPod: notRoot },
    { minimumVersion: 35, checkPod: (meta, spec) => (isUserNamespacePod(spec) ? ALLOWED : notRoot(meta, spec)) },
  ],
};
