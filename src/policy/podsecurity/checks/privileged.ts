import { ALLOWED, describeContainers, forbidden, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

/** Baseline: no privileged containers. */
export const privileged: Check = {
  id: 'privileged',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_meta, spec) => {
      const containers: string[] = [];
      forEachContainer(spec, (c) => {
        if (c.securityContext?.privileged === true) containers.push(c.name);
      });
      if (containers.length === 0) return ALLOWED;
      return forbidden('privileged', `${describeContainers(containers)} must not set securityContext.privileged=true`);
    },
  }],
};
