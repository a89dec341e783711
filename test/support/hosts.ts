/**
 * Several "hosts" on one machine for tests: each a network namespace with its own address on a
 * bridge the test creates, so each runs a node agent with its own network (its kubelet port
 * 10250, its pods' host network), as separate machines would. The root namespace holds the
 * bridge's address, where the control plane listens and from which it reaches every host.
 *
 * Processes enter a host with `nsenter --net`, not `ip netns exec`: the latter also gives them a
 * mount namespace with a fresh /sys, which hides the cgroup hierarchies the agent needs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface Host {
  name: string;
  /** The network namespace's name (under /var/run/netns). */
  netns: string;
  address: string;
}

export interface HostNetwork {
  /** The bridge's address in the root namespace: where the control plane listens. */
  gateway: string;
  hosts: Host[];
  /** The command prefix that runs a program on a host. */
  enter(host: Host): string[];
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates `count` hosts on a new bridge, 10.<a>.<b>.0/24 picked at random to stay clear of others. */
export function createHosts(names: readonly string[]): HostNetwork {
  const tag = randomBytes(3).toString('hex');
  const subnet = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]! % 250}`;
  const bridge = `hpbr${tag}`;
  const gateway = `${subnet}.1`;
  const hosts: Host[] = [];
  const remove = (): void => {
    for (const host of hosts) {
      try {
        ip('netns', 'delete', host.netns);
      } catch {
        // already gone
      }
    }
    try {
      ip('link', 'delete', bridge);
    } catch {
      // already gone
    }
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    names.forEach((name, i) => {
      const host: Host = { name, netns: `hostpod-${tag}-${i}`, address: `${subnet}.${10 + i}` };
      const outside = `hpv${tag}${i}`;
      const inside = `hpw${tag}${i}`;
      ip('netns', 'add', host.netns);
      hosts.push(host);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
      ip('link', 'set', inside, 'netns', host.netns);
      ip('-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', inside);
      ip('-n', host.netns, 'link', 'set', inside, 'up');
      ip('-n', host.netns, 'link', 'set', 'lo', 'up');
      ip('-n', host.netns, 'route', 'add', 'default', 'via', gateway);
    });
  } catch (error) {
    remove();
    throw error;
  }
  return {
    gateway,
    hosts,
    enter: (host) => ['nsenter', `--net=/var/run/netns/${host.netns}`, '--'],
    remove,
  };
}
