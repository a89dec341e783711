import { networkInterfaces } from 'node:os';

/** The node's address, which a host-network pod reports as its own. */
export function hostIP(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
