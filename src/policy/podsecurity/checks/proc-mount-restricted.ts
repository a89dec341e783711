import type { Check } from '../check.js';
import { procMountDefaultOnly } from './proc-mount.js';

/** Restricted (v1.35+): the default /proc mask only, even in a user namespace. */
export const procMountRestricted: Check = {
  id: 'procMount_restricted',
  level: 'restricted',
  versions: [{ minimumVersion: 35, checkPod: procMountDefaultOnly, overrideCheckIDs: ['procMount'] }],
};
