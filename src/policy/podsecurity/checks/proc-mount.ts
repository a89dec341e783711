import type { CheckPod } from '../check.js';
import { ALLOWED, describeContainers, forbidden, isSet, isUserNamespacePod, joinQuote, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

/** Any procMount but Default unmasks /proc: forbidden. Shared by the baseline and restricted checks. */
export const procMountDefaultOnly: CheckPod = (_meta, spec) => {
  const containers: string[] = [];
  const types: string[] = [];
  forEachContainer(spec, (c) => {
    const procMount = c.securityContext?.procMount;
    if (!isSet(procMount) || procMount === 'Default') return;
    containers.push(c.name);
    types.push(procMount);
  });
  if (containers.length === 0) return ALLOWED;
  return forbidden('procMount', `${describeContainers(containers)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`);
};

/**
 * Baseline: the default /proc mask only. From v1.35 a pod in its own user namespace
 * (hostUsers: false) may unmask /proc, since its root is not the host's root.
 */
export const procMount: Check = {
  id: 'procMount',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, checkPod: procMountDefaultOnly },
    { minimumVersion: 35, checkPod: (meta, spec) => (isUserNamespacePod(spec) ? ALLOWED : procMountDefaultOnly(meta, spec)) },
  ],
};
