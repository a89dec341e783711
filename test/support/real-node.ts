/**
 * A hostpod node of a real cluster for tests: `hostpod agent` in its own process, joined by TLS
 * bootstrapping with the cluster's bootstrap token, with its own data directory (and so its own
 * containers, temporary users' tag and cgroups), node name and kubelet port; optionally on a
 * "host" of its own (a network namespace, see hosts.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { eventually } from './controlplane.js';
import { HOSTPOD_BIN } from './hostpod-cli.js';
import { removeAllContainers } from './hostpod-up.js';
import { removeCgroupDirs } from './runtime.js';
import type { RealCluster } from './real-cluster.js';

export interface RealNode {
  name: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the agent printed so far. */
  output(): string;
  /** SIGTERM (the containers keep running), and waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** Starts the agent again on the same data directory and kubeconfig (it re-adopts its containers). */
  restart(): Promise<void>;
  /** Stops the agent and removes its containers and their cgroup subtree. */
  remove(): Promise<void>;
}

export interface RealNodeOptions {
  name: string;
  /** Where the node's files go: its data directory, kubeconfigs, config file. */
  dir: string;
  address: string;
  /** The command prefix that runs the agent on its host (hosts.ts: `nsenter --net=...`). */
  enter?: string[];
  /** The cgroup subtree of this node's containers (default: hostpod-<name>). */
  cgroupRoot?: string;
  /** The kubelet endpoint's port (default 10250, the kubelet's; 0 picks a free one). */
  kubeletPort?: number;
  extraArgs?: string[];
}

/** Joins a hostpod node to `cluster` and resolves once it reported itself joined. */
export async function joinRealNode(cluster: RealCluster, options: RealNodeOptions): Promise<RealNode> {
  const dataDir = join(options.dir, 'data');
  mkdirSync(options.dir, { recursive: true });
  const bootstrap = join(options.dir, 'bootstrap.kubeconfig');
  writeFileSync(bootstrap, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'bootstrap',
    clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': Buffer.from(cluster.files.ca.cert).toString('base64') } }],
    users: [{ name: 'tls-bootstrap-token-user', user: { token: cluster.bootstrapToken } }],
    contexts: [{ name: 'bootstrap', context: { cluster: 'c', user: 'tls-bootstrap-token-user' } }],
  }), { mode: 0o600 });
  const config = join(options.dir, 'config.yaml');
  const cgroupRoot = options.cgroupRoot ?? `hostpod-${options.name}`;
  writeFileSync(config, stringify({ runtime: { cgroup: { root: cgroupRoot } } }));
  const args = [HOSTPOD_BIN, 'agent', '--bootstrap-kubeconfig', bootstrap, '--kubeconfig', join(options.dir, 'kubelet.kubeconfig'),
    '--data-dir', dataDir, '--config', config, '--node-name', options.name, '--address', options.address, '--kubelet-address', options.address,
    '--kubelet-port', String(options.kubeletPort ?? 10250), ...(options.extraArgs ?? [])];
  let child: ChildProcess;
  let out = '';
  let exited: Promise<void>;
  const start = async (): Promise<void> => {
    const [command = process.execPath, ...prefix] = [...(options.enter ?? []), process.execPath];
    child = spawn(command, [...prefix, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const joinedBefore = out.split(`hostpod: node ${options.name} joined`).length - 1;
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => (gone = true));
    await eventually(() => {
      if (gone) throw new Error(`hostpod agent ${options.name} exited: ${out}`);
      return out.split(`hostpod: node ${options.name} joined`).length - 1 > joinedBefore ? true : undefined;
    }, 90_000, `node ${options.name} to join`);
  };
  await start();
  const node: RealNode = {
    name: options.name,
    dataDir,
    get child() {
      return child;
    },
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    restart: start,
    remove: async () => {
      if (child.exitCode === null && child.signalCode === null) await node.stop();
      // A start under way when the agent stopped may still complete in its monitor after the first
      // pass (one such container, its cgroups in the way, failed a test's cleanup): passes until
      // the node's cgroups hold no container, for up to 3 s.
      for (let pass = 0; ; pass++) {
        await removeAllContainers(dataDir, cgroupRoot);
        if (!containerCgroupsLeft(cgroupRoot) || pass === 10) break;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      removeCgroupDirs(cgroupRoot);
    },
  };
  return node;
}

/** Whether a container's cgroup is still under `root`, in the memory hierarchy (v1) or the unified one (v2). */
function containerCgroupsLeft(root: string): boolean {
  return ['/sys/fs/cgroup/memory', '/sys/fs/cgroup'].some((hierarchy) => {
    const dir = join(hierarchy, root);
    return existsSync(dir) && readdirSync(dir, { withFileTypes: true }).some((entry) => entry.isDirectory() && /^[0-9a-f]{64}$/.test(entry.name));
  });
}
