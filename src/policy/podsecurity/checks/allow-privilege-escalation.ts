import type { CheckPod } from '../check.js';
import { ALLOWED, describeContainers, forbidden, isWindowsPod, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

const mustSetFalse: CheckPod = (_meta, spec) => {
  const containers: string[] = [];
  forEachContainer(spec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) containers.push(c.name);
  });
  if (containers.length === 0) return ALLOWED;
  return forbidden('allowPrivilegeEscalation != false', `${describeContainers(containers)} must set securityContext.allowPrivilegeEscalation=false`);
};

/** Restricted (v1.8+): every container sets allowPrivilegeEscalation=false; Windows pods are exempt from v1.25. */
export const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  versions: [
    { minimumVersion: 8, checkPod: mustSetFalse },
    { minimumVersion: 25, checkPod: (meta, spec) => (isWindowsPod(spec) ? ALLOWED : mustSetFalse(meta, spec)) },
  ],
};
