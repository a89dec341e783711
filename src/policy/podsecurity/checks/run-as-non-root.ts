import type { CheckPod } from '../check.js';
import { ALLOWED, describeContainers, forbidden, isSet, isUserNamespacePod, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

const mustRunAsNonRoot: CheckPod = (_meta, spec) => {
  const setters: string[] = [];
  let podNonRoot = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (isSet(podValue)) {
    if (podValue) podNonRoot = true;
    else setters.push('pod');
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  forEachContainer(spec, (c) => {
    const value = c.securityContext?.runAsNonRoot;
    if (isSet(value)) {
      if (!value) explicit.push(c.name);
    } else if (!podNonRoot) {
      implicit.push(c.name);
    }
  });
  if (explicit.length > 0) setters.push(describeContainers(explicit));
  // An explicit false is the more useful message: say it instead of the implicit one.
  if (setters.length > 0) return forbidden('runAsNonRoot != true', `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicit.length > 0) return forbidden('runAsNonRoot != true', `pod or ${describeContainers(implicit)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
};

/** Restricted: the pod or every container sets runAsNonRoot=true; user-namespace pods are exempt from v1.35. */
export const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  versions: [
    { minimumVersion: 0, checkPod: mustRunAsNonRoot },
    { minimumVersion: 35, checkPod: (meta, spec) => (isUserNamespacePod(spec) ? ALLOWED : mustRunAsNonRoot(meta, spec)) },
  ],
};
