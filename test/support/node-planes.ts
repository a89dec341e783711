/**
 * The two control planes an end-to-end suite runs the same tests on, each with one hostpod node:
 * `hostpod up` (its own node), and the real kube-apiserver with a hostpod node joined by TLS
 * bootstrapping. A suite loops over them: `for (const kind of nodePlanes('attach-node')) describe(...)`.
 */
import { join } from 'node:path';
import { removeAllContainers, startUp } from './hostpod-up.js';
import { componentVersions, realClusterSkip } from './kube-binaries.js';
import { freePort, startRealCluster } from './real-cluster.js';
import { joinRealNode } from './real-node.js';

/** A started control plane with its node. */
export interface NodePlane {
  kubeconfig: string;
  /** What the node agent logged. */
  log(): string;
  /** Stops the node and the control plane and removes the node's containers. */
  stop(): Promise<void>;
}

export interface NodePlaneKind {
  name: string;
  /** Why it cannot run here, or false. */
  skip: string | false;
  /** Starts it with its data under `dir`. */
  start(dir: string): Promise<NodePlane>;
}

/** `hostpod up`, and the real control plane with a node named `realNodeName`. */
export function nodePlanes(realNodeName: string): NodePlaneKind[] {
  return [
    {
      name: 'hostpod up',
      skip: false,
      start: async (dir) => {
        const up = await startUp(dir, await freePort());
        return { kubeconfig: up.kubeconfig, log: () => up.log(), stop: async () => { await up.stop(); await removeAllContainers(dir); } };
      },
    },
    {
      name: 'the real control plane',
      skip: realClusterSkip(),
      start: async (dir) => {
        process.stdout.write(`# ${componentVersions().split('\n').join('\n# ')}\n`);
        const cluster = await startRealCluster();
        const node = await joinRealNode(cluster, { name: realNodeName, dir: join(dir, 'node'), address: '127.0.0.1', kubeletPort: 0 }).catch(async (error: unknown) => {
          await cluster.stop();
          throw error;
        });
        return { kubeconfig: cluster.kubeconfig, log: () => node.output(), stop: async () => {
          try {
            await node.remove();
          } finally {
            await cluster.stop();
          }
        } };
      },
    },
  ];
}
