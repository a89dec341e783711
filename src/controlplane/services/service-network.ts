/**
 * The service network of `hostpod up`: the range cluster IPs come from (kube-apiserver's
 * --service-cluster-ip-range, IPv4 single-stack here) and the range node ports come from
 * (--service-node-port-range).
 */

export interface ServiceNetwork {
  /** The cluster IP range as written: `10.96.0.0/12`. */
  readonly cidr: string;
  /** The range's first address (the network address), as a 32-bit number. */
  readonly base: number;
  /** How many addresses the range holds. */
  readonly size: number;
  /** The node port range, both ends included. */
  readonly nodePorts: { readonly first: number; readonly last: number };
}

/** kubeadm's service subnet, and kube-apiserver's node port range. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

/** An IPv4 address as a number, or undefined when the text is not one (Go's ParseIP rules for IPv4: no leading zeros). */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** The dotted form of a 32-bit address. */
export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * A service network from its two ranges.
 * @throws Error naming the range and what is wrong with it
 */
export function serviceNetwork(cidr = DEFAULT_SERVICE_CIDR, nodePortRange = DEFAULT_NODE_PORT_RANGE): ServiceNetwork {
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(cidr);
  const address = match ? parseIPv4(match[1]!) : undefined;
  const bits = Number(match?.[2]);
  if (!match || address === undefined || bits > 32) throw new Error(`invalid service cluster IP range ${JSON.stringify(cidr)}: expected an IPv4 CIDR such as 10.96.0.0/12`);
  // kube-apiserver refuses ranges with more than 2^20 addresses for IPv4 (a /12 at most): its bitmap allocator's limit.
  if (bits < 12) throw new Error(`invalid service cluster IP range ${cidr}: specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12`);
  const size = 2 ** (32 - bits);
  const base = address - (address % size);
  const ports = /^([0-9]+)-([0-9]+)$/.exec(nodePortRange);
  const first = Number(ports?.[1]);
  const last = Number(ports?.[2]);
  if (!ports || first < 1 || last > 65535 || first > last) {
    throw new Error(`invalid service node port range ${JSON.stringify(nodePortRange)}: expected FIRST-LAST, such as 30000-32767`);
  }
  return { cidr: `${formatIPv4(base)}/${bits}`, base, size, nodePorts: { first, last } };
}

/** The addresses services may get: the range without its network and broadcast addresses (for ranges larger than a /31). */
export function usableAddresses(network: ServiceNetwork): { first: number; last: number } {
  if (network.size <= 2) return { first: network.base, last: network.base + network.size - 1 };
  return { first: network.base + 1, last: network.base + network.size - 2 };
}

/** The `kubernetes` Service's address: the range's first usable address (10.96.0.1). */
export function kubernetesServiceIP(network: ServiceNetwork): string {
  return formatIPv4(usableAddresses(network).first);
}

/** Whether an address is inside the range. */
export function inRange(network: ServiceNetwork, ip: number): boolean {
  return ip >= network.base && ip < network.base + network.size;
}
