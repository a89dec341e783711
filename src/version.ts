/** hostpod's version, from its package.json (the CLI's --version, nodeInfo, /version). */
import { createRequire } from 'node:module';

export const HOSTPOD_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
