import { ALLOWED, forbidden, joinQuote, pluralize, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

/**
 * Baseline: no HostProcess containers. Only explicit settings count: the pod if it sets
 * hostProcess=true, and each container that sets it itself.
 */
export const windowsHostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_meta, spec) => {
      const containers: string[] = [];
      forEachContainer(spec, (c) => {
        if (c.securityContext?.windowsOptions?.hostProcess === true) containers.push(c.name);
      });
      const setters: string[] = [];
      if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
      if (containers.length > 0) setters.push(`${pluralize('container', 'containers', containers.length)} ${joinQuote(containers)}`);
      if (setters.length === 0) return ALLOWED;
      return forbidden('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`);
    },
  }],
};
