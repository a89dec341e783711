export type { CgroupDriver, CgroupFiles, CgroupLimits, CgroupStats, ContainerCgroup } from './driver.js';
export { detectCgroups, type CgroupSettings } from './detect.js';
export { killQuietly } from './v2.js';
