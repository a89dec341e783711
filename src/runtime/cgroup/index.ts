export type { CgroupDriver, CgroupEscape, CgroupFiles, CgroupLimits, CgroupStats, ContainerCgroup, KillResult } from './driver.js';
export { detectCgroups, type CgroupSettings } from './detect.js';
export { killQuietly } from './v2.js';
