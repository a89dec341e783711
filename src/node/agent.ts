/**
 * The node agent: the kubelet's job for HostProcess pods, over the Kubernetes API only. It
 * registers its Node and keeps the Lease, serves the kubelet endpoint (logs, exec), lists and
 * watches the pods bound to it, admits each, and gives each admitted pod a worker that runs it
 * with the job-container runtime. It adopts the containers an earlier agent left running, and
 * stops those whose pods were deleted while it was away.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Obj } from '../api/object.js';
import type { ContainerRuntime, MountMode } from '../runtime/index.js';
import type { ImageStore } from '../runtime/image/store.js';
import { startCertificateRotation } from './bootstrap/certificate-rotation.js';
import { startServingCertificate } from './bootstrap/serving-certificate.js';
import { WatchedObjects } from './volumes/watched-objects.js';
import { EventRecorder } from './events.js';
import { ImagePuller } from './image-puller.js';
import type { KubeClient } from './kube-client/client.js';
import { deletePodNow, patchPodStatus } from './pod-api.js';
import { KubeletApiServer, type KubeletApiOptions } from './kubelet-api/server.js';
import { AgentKubeletBackend } from './kubelet-backend.js';
import { registerNode, startHeartbeat, type Heartbeat } from './node-registration.js';
import type { NodeTaint } from './node-taints.js';
import type { NodeFacts } from './node-status.js';
import { admitToNode } from './pod-admission.js';
import { PodWorker, type NodeContext } from './pod-worker.js';
import { DEFAULT_SYNC_FREQUENCY_MS } from './node-context.js';
import { RestartBackoff } from './restart-backoff.js';

export interface AgentOptions {
  client: KubeClient;
  runtime: ContainerRuntime;
  images: ImageStore;
  nodeName: string;
  /** The node's address: InternalIP, the pods' hostIP and podIP, where the kubelet endpoint listens. */
  address: string;
  mountMode: MountMode;
  insecureRegistries: readonly string[];
  /** The kubelet endpoint: where it listens (port 0 picks one), its serving pair, the CA its clients' certificates come from, and who authorizes them. */
  kubelet: Omit<KubeletApiOptions, 'backend' | 'log'>;
  hostpodVersion: string;
  log: NodeContext['log'];
  /** How often running containers are checked for an exit (ms). */
  pollMs?: number;
  /** The kubelet's syncFrequency: how often a pod's API-backed volumes are rewritten (ms; default 60,000). */
  syncFrequencyMs?: number;
  /** Request the kubelet endpoint's certificate from the cluster (kubelet-serving CSR), keeping it in this directory. */
  servingCertificate?: { certDir: string };
  /** The taints the Node is created with (default none). */
  registerWithTaints?: readonly NodeTaint[];
  /** Renew the client certificate before it expires, rewriting these files (TLS bootstrapping). */
  rotateClientCertificate?: { kubeconfig: string; certDir: string };
}

type PodList = { metadata?: { resourceVersion?: string }; items: V1Pod[] };

/** The variables in-cluster clients use to find the API server, as the kubelet sets them for the `kubernetes` service. */
export function serviceEnvironment(server: string): Record<string, string> {
  const url = new URL(server);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const address = host.includes(':') ? `[${host}]` : host;
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: port,
    KUBERNETES_SERVICE_PORT_HTTPS: port,
    KUBERNETES_PORT: `tcp://${address}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${address}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: port,
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
  };
}

function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export class NodeAgent {
  readonly #workers = new Map<string, PodWorker>();
  /** Pods this node refused or found finished with nothing left on it: uid. */
  readonly #idle = new Set<string>();
  readonly #context: NodeContext;
  readonly #abort = new AbortController();
  #heartbeat: Heartbeat | undefined;
  #stopRotation: (() => void) | undefined;
  #stopServing: (() => void) | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #endpoint: KubeletApiServer | undefined;
  #node: { object: Obj; fetchedAt: number } | undefined;
  #watching: Promise<void> | undefined;
  #firstList: (() => void) | undefined;

  private constructor(private readonly options: AgentOptions) {
    const events = new EventRecorder(options.client, options.nodeName, (message) => options.log('warn', message));
    this.#context = {
      client: options.client,
      runtime: options.runtime,
      images: new ImagePuller(options.images, options.insecureRegistries, events),
      events,
      backoff: new RestartBackoff(),
      nodeName: options.nodeName,
      hostIP: options.address,
      mountMode: options.mountMode,
      objects: new WatchedObjects(options.client, options.log),
      serviceEnv: serviceEnvironment(options.client.connection.server),
      syncFrequencyMs: options.syncFrequencyMs ?? DEFAULT_SYNC_FREQUENCY_MS,
      log: options.log,
    };
  }

  /** Starts the agent; resolves once the node is registered and the pods bound to it are being run. */
  static async start(options: AgentOptions): Promise<NodeAgent> {
    const agent = new NodeAgent(options);
    await agent.#start();
    return agent;
  }

  get nodeName(): string {
    return this.options.nodeName;
  }

  get kubeletPort(): number {
    return this.#endpoint?.port ?? 0;
  }

  /** The worker of a pod on this node, by namespace and name. */
  pod(namespace: string, name: string): PodWorker | undefined {
    for (const worker of this.#workers.values()) {
      if (worker.pod.metadata?.namespace === namespace && worker.pod.metadata.name === name) return worker;
    }
    return undefined;
  }

  async #start(): Promise<void> {
    const { options } = this;
    const reconciled = await options.runtime.reconcile();
    if (reconciled.lost.length > 0) options.log('warn', 'containers whose monitor had died were marked lost', { containers: reconciled.lost });
    this.#endpoint = await KubeletApiServer.start({
      ...options.kubelet,
      backend: new AgentKubeletBackend(options.runtime, (namespace, name) => this.pod(namespace, name), options.nodeName),
    });
    const facts: NodeFacts = { name: options.nodeName, address: options.address, kubeletPort: this.#endpoint.port, dataDir: options.runtime.dataDir, hostpodVersion: options.hostpodVersion };
    const node = await registerNode(options.client, facts, options.registerWithTaints);
    this.#heartbeat = startHeartbeat(options.client, facts, node, (message) => options.log('warn', message));
    if (options.servingCertificate) {
      const endpoint = this.#endpoint;
      this.#stopServing = startServingCertificate(options.client, {
        nodeName: options.nodeName, hosts: [options.address, options.nodeName], certDir: options.servingCertificate.certDir,
        use: (pair) => endpoint.useServingCertificate(pair), log: options.log,
      });
    }
    if (options.rotateClientCertificate) {
      this.#stopRotation = startCertificateRotation(options.client, { nodeName: options.nodeName, ...options.rotateClientCertificate, log: options.log });
    }
    const listed = new Promise<void>((resolve) => { this.#firstList = resolve; });
    this.#watching = this.#watchPods();
    await listed;
    this.#ticker = setInterval(() => {
      for (const worker of this.#workers.values()) worker.poll();
    }, options.pollMs ?? 500);
    options.log('info', 'node agent ready', { node: options.nodeName, kubeletPort: this.#endpoint.port, pods: this.#workers.size });
  }

  /** Stops watching and serving; the containers keep running, for the next agent to adopt. */
  async stop(): Promise<void> {
    this.#abort.abort();
    clearInterval(this.#ticker);
    this.#heartbeat?.stop();
    this.#stopRotation?.();
    this.#stopServing?.();
    this.#context.objects.stop();
    await this.#endpoint?.stop();
    await this.#watching?.catch(() => {});
    for (const worker of this.#workers.values()) worker.detach();
    await this.#context.events.flush();
  }

  async #watchPods(): Promise<void> {
    const { client, nodeName, log } = this.options;
    const signal = this.#abort.signal;
    const query = { fieldSelector: `spec.nodeName=${nodeName}` };
    while (!signal.aborted) {
      try {
        const list = await client.get<PodList>('/api/v1/pods', query);
        await this.#syncAll(list.items);
        this.#firstList?.();
        this.#firstList = undefined;
        let resourceVersion = list.metadata?.resourceVersion ?? '';
        for (;;) {
          const error = await client.watch<V1Pod>('/api/v1/pods', { ...query, resourceVersion, timeoutSeconds: 300 }, (event) => {
            resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
            if (event.type === 'BOOKMARK') return;
            if (event.type === 'DELETED') this.#gone(event.object);
            else void this.#seen(event.object);
          }, signal);
          if (signal.aborted) return;
          // An ERROR (410 Gone: the version is too old) means a fresh list.
          if (error) break;
        }
      } catch (error) {
        if (signal.aborted) return;
        log('warn', 'watching pods failed; retrying', { error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** A full list: every pod is seen; workers and containers of pods no longer there are stopped. */
  async #syncAll(pods: readonly V1Pod[]): Promise<void> {
    const uids = new Set(pods.map((p) => p.metadata?.uid ?? ''));
    for (const [uid, worker] of this.#workers) if (!uids.has(uid)) worker.remove();
    for (const uid of this.#idle) if (!uids.has(uid)) this.#idle.delete(uid);
    await this.#stopOrphans(uids);
    for (const pod of pods) await this.#seen(pod);
  }

  /** Containers this node started for pods that are gone (deleted while the agent was down). */
  async #stopOrphans(known: ReadonlySet<string>): Promise<void> {
    const { runtime, nodeName, log } = this.options;
    const owner = `node/${nodeName}`;
    const orphans = runtime.ids().map((id) => runtime.inspect(id, { stats: false })).filter((c) => c.owner === owner && !known.has(c.podUid) && !this.#workers.has(c.podUid));
    const pods = new Set(orphans.map((c) => c.podUid));
    await Promise.all(orphans.map(async (container) => {
      const pod = `${container.namespace}/${container.pod}`;
      let status;
      if (container.state !== 'exited') {
        log('info', 'stopping a container whose pod is gone', { pod, container: container.name });
        status = await runtime.stop(container.id);
      } else status = await runtime.wait(container.id);
      for (const warning of status.warnings ?? []) log('warn', warning, { pod, container: container.name });
      runtime.prune(container.id);
    }));
    for (const uid of pods) runtime.removePod(uid);
  }

  async #nodeObject(): Promise<Obj> {
    if (!this.#node || Date.now() - this.#node.fetchedAt > 10_000) {
      this.#node = { object: await this.options.client.get<Obj>(`/api/v1/nodes/${encodeURIComponent(this.options.nodeName)}`), fetchedAt: Date.now() };
    }
    return this.#node.object;
  }

  #gone(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.#workers.get(uid)?.remove();
    this.#idle.delete(uid);
  }

  async #seen(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const worker = this.#workers.get(uid);
    if (worker) {
      worker.update(pod);
      return;
    }
    const adopted = this.options.runtime.podContainers(uid);
    if (this.#idle.has(uid) || (isTerminal(pod) && adopted.length === 0)) {
      this.#idle.add(uid);
      // A finished pod with nothing on the node is deleted for good once asked.
      if (pod.metadata?.deletionTimestamp) await deletePodNow(this.options.client, pod);
      return;
    }
    if (adopted.length === 0 && !pod.metadata?.deletionTimestamp) {
      const node = await this.#nodeObject();
      if (this.#workers.has(uid) || this.#idle.has(uid)) return;
      // The pods admitted so far, read after the wait for the node object: pods whose events came
      // together each wait there, and each must be admitted against those admitted before it (the
      // kubelet admits its pod additions one at a time). From here to the worker nothing waits.
      const others = [...this.#workers.values()].map((w) => w.pod as unknown as Obj).filter((p) => !isTerminal(p as V1Pod));
      const rejection = admitToNode(pod as unknown as Obj, node, others);
      if (rejection) {
        this.#idle.add(uid);
        this.options.log('info', 'pod rejected', { pod: `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`, reason: rejection.reason });
        this.#context.events.record(pod, 'Warning', rejection.reason, rejection.message);
        await patchPodStatus(this.options.client, pod, { phase: 'Failed', reason: rejection.reason, message: rejection.message });
        return;
      }
    }
    const created = new PodWorker(pod, this.#context, adopted);
    this.#workers.set(uid, created);
    void created.done.then(() => {
      if (this.#workers.get(uid) === created) this.#workers.delete(uid);
    });
  }

}
