import { ALLOWED, forbidden, type Check } from '../check.js';

/** Baseline: the pod must not share the host's network, PID or IPC namespace. */
export const hostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_meta, spec) => {
      const used: string[] = [];
      if (spec.hostNetwork === true) used.push('hostNetwork=true');
      if (spec.hostPID === true) used.push('hostPID=true');
      if (spec.hostIPC === true) used.push('hostIPC=true');
      return used.length === 0 ? ALLOWED : forbidden('host namespaces', used.join(', '));
    },
  }],
};
