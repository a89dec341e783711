/**
 * `hostpod up`'s control plane in one process: the store, the HTTPS API server, and the
 * controllers, over one data directory (`<data-dir>/controlplane`, `<data-dir>/pki`).
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { HostpodError } from '../errors.js';
import { listenFailure } from '../port-owner.js';
import { ObjectApi } from './api/object-api.js';
import { ResourceStrategy } from './api/strategy.js';
import { Authenticator } from './auth/authenticator.js';
import { ensurePki, writeSecret, type Pki } from '../pki.js';
import { ensureTokenKeys, type TokenKeys } from './auth/tokens.js';
import type { Controller, ControllerLog } from './controllers/context.js';
import { startControllers } from './controllers/index.js';
import { AS_CONTROLLER } from './controllers/context.js';
import { reconcileBootstrapPolicy } from './auth/rbac/bootstrap.js';
import { adminKubeconfig } from './kubeconfig.js';
import { lockDataDir } from './data-dir-lock.js';
import { ApiHandler, type RequestLog } from './server/api-handler.js';
import { versionInfo } from '../version.js';
import { Store } from './store/index.js';
import { serviceNetwork, type ServiceNetwork } from './services/service-network.js';
import { DEFAULT_METRIC_RESOLUTION_MS, MetricsScraper, MetricsStorage } from './metrics/index.js';

export interface ControlPlaneOptions {
  dataDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  log?: (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) => void;
  logRequests?: (entry: RequestLog) => void;
  bookmarkIntervalMs?: number;
  /** How long watch history is kept before compaction (kube-apiserver compacts every 5 minutes). */
  compactionIntervalMs?: number;
  /** How long the pod garbage collector waits for a missing node (40 s, as upstream). */
  podGcQuarantineMs?: number;
  /** kube-apiserver's --allow-privileged (default true): false refuses privileged and HostProcess containers. */
  allowPrivileged?: boolean;
  /** kube-apiserver's --service-cluster-ip-range (default 10.96.0.0/12, as kubeadm's). */
  serviceClusterIPRange?: string;
  /** kube-apiserver's --service-node-port-range (default 30000-32767). */
  serviceNodePortRange?: string;
  /** The address the `kubernetes` Service's endpoints name (kube-apiserver's --advertise-address; default: the listen address). */
  advertiseAddress?: string;
  /** How often the nodes' kubelet endpoints are scraped for metrics.k8s.io (metrics-server's --metric-resolution; 15 s). */
  metricResolutionMs?: number;
}

export interface ControlPlanePaths {
  root: string;
  store: string;
  pki: string;
  kubeconfig: string;
}

export function controlPlanePaths(dataDir: string): ControlPlanePaths {
  return {
    root: join(dataDir, 'controlplane'),
    store: join(dataDir, 'controlplane', 'state.db'),
    pki: join(dataDir, 'pki'),
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
  };
}

export class ControlPlane {
  #controllers: Controller[] = [];
  #compaction: NodeJS.Timeout | undefined;
  #scraper: MetricsScraper | undefined;
  #stopped = false;

  private constructor(
    readonly paths: ControlPlanePaths,
    readonly store: Store,
    readonly api: ObjectApi,
    readonly pki: Pki,
    readonly tokens: TokenKeys,
    readonly server: Server,
    private readonly release: () => Promise<void>,
  ) {}

  /**
   * Starts the control plane: opens (or creates) the store, certificates and keys, listens, and
   * starts the controllers.
   * @throws HostpodError when another hostpod holds the data directory or the address is taken
   */
  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const paths = controlPlanePaths(options.dataDir);
    await mkdir(paths.root, { recursive: true, mode: 0o700 });
    // The claim comes first: nothing is opened, written or served before it is held.
    const network = serviceNetworkOption(options);
    const release = await lockDataDir(paths.root);
    // What a failed start must undo, last first, before the claim is released.
    const undo: (() => unknown)[] = [];
    try {
      const pki = await ensurePki(paths.pki, certificateHosts(options.host));
      const tokens = await ensureTokenKeys(paths.pki);
      const store = Store.open(paths.store);
      undo.push(() => store.close());
      const now = (): Date => new Date();
      const lookup = (resource: string, namespace: string, name: string): Readonly<Record<string, unknown>> | undefined => store.getShared({ resource, namespace, name });
      const podsIn = (namespace: string): Record<string, unknown>[] => store.list('pods', { namespace }).items;
      const listAll = (resource: string): Record<string, unknown>[] => store.list(resource, { namespace: '' }).items;
      const objectsIn = (resource: string, namespace: string): Record<string, unknown>[] => store.list(resource, { namespace }).items;
      const api = new ObjectApi(store, new ResourceStrategy(lookup, now, podsIn, { allowPrivileged: options.allowPrivileged ?? true }, { listAll, network }, objectsIn), now);
      const authenticator = new Authenticator(tokens, lookup, now);
      let ready = false;
      let address = `${options.host}:${options.port}`;
      const resolutionMs = options.metricResolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
      const resourceMetrics = new MetricsStorage(resolutionMs);
      const handler = new ApiHandler({
        api, authenticator, tokens, version: versionInfo(),
        serverAddress: () => address,
        ready: () => ready,
        ...(options.bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs: options.bookmarkIntervalMs }),
        ...(options.logRequests ? { log: options.logRequests } : {}),
        kubelet: { ca: pki.ca.cert, client: pki.kubeletClient },
        resourceMetrics,
        storedObjects: () => storedObjectCounts(store),
      });
      // Client certificates are asked for, not required: most clients bring a token instead.
      // The TLS handshake gets the headers' 32 s, as Go bounds it by ReadHeaderTimeout there
      // (Node's default is 120 s); unfinished headers are looked for every 5 s (Node's: 30 s).
      const server = createServer({
        key: pki.serving.key, cert: pki.serving.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2',
        handshakeTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 5_000,
      }, (request, response) => {
        void handler.handle(request, response);
      });
      // As Go's TLS servers (kube-apiserver's): no renegotiation, so a connection's client
      // certificate, which the handler reads once per connection, stays the one it began with.
      server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
      // As kube-apiserver's server: an idle connection is kept 90 s (Go's IdleTimeout there,
      // matching client-go's idle timeout), and a request's headers may take 32 s
      // (ReadHeaderTimeout). Node's 5 s keep-alive made every client that paused 5 s open a new
      // TLS connection, and a request sent just as the server closed its idle connection could fail.
      server.keepAliveTimeout = IDLE_CONNECTION_MS;
      server.headersTimeout = HEADERS_TIMEOUT_MS;
      trackConnections(server);
      // Event writes waiting for room end with the server (their connections are gone by then).
      server.once('close', () => handler.eventWrites.release());
      server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        void handler.upgrade(request, socket, head);
      });
      await listen(server, options.host, options.port);
      undo.push(() => closeServer(server));
      const bound = server.address() as AddressInfo;
      address = `${clientHost(options.host)}:${bound.port}`;
      const plane = new ControlPlane(paths, store, api, pki, tokens, server, release);
      const log: ControllerLog = options.log ?? (() => {});
      // As kube-apiserver's rbac/bootstrap-roles hook: the bootstrap policy is in place before the controllers start and /readyz says ready.
      const reconciled = reconcileBootstrapPolicy(api, AS_CONTROLLER);
      if (reconciled.length > 0) log('info', 'reconciled the bootstrap RBAC policy', { changes: reconciled.length });
      plane.#controllers = startControllers({
        api, log, caCertificate: pki.ca.cert, ...(options.podGcQuarantineMs === undefined ? {} : { podGcQuarantineMs: options.podGcQuarantineMs }),
        serviceNetwork: network, apiServer: { address: options.advertiseAddress ?? clientHost(options.host), port: bound.port },
      });
      undo.push(() => plane.#controllers.forEach((c) => c.stop()));
      // As metrics-server beside kube-apiserver: the nodes' kubelet endpoints scraped for metrics.k8s.io.
      plane.#scraper = new MetricsScraper({
        api, storage: resourceMetrics, credentials: { ca: pki.ca.cert, client: pki.kubeletClient },
        resolutionMs, log,
      });
      plane.#scraper.start();
      undo.push(() => plane.#scraper?.stop());
      ready = true;
      plane.#scheduleCompaction(options.compactionIntervalMs ?? 5 * 60_000);
      undo.push(() => clearInterval(plane.#compaction));
      await writeKubeconfig(paths.kubeconfig, plane.kubeconfig());
      return plane;
    } catch (error) {
      for (const step of undo.reverse()) await step();
      await release();
      throw error;
    }
  }

  /** The URL clients use: `https://127.0.0.1:6443`. */
  get url(): string {
    const bound = this.server.address() as AddressInfo;
    const host = clientHost(bound.address);
    return `https://${host.includes(':') ? `[${host}]` : host}:${bound.port}`;
  }

  kubeconfig(): string {
    return adminKubeconfig(this.url, this.pki.ca.cert, this.tokens.adminToken);
  }

  /** Stops serving (open watches end), stops the controllers and closes the store. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#compaction);
    this.#scraper?.stop();
    for (const controller of this.#controllers) controller.stop();
    await closeServer(this.server);
    this.store.close();
    await this.release();
  }

  #scheduleCompaction(intervalMs: number): void {
    // Keep one interval of history: compact to the revision seen one interval ago.
    let previous = this.store.revision;
    this.#compaction = setInterval(() => {
      this.store.compact(previous);
      previous = this.store.revision;
    }, intervalMs);
    this.#compaction.unref();
  }
}

/** The objects stored per resource, named as kube-apiserver's apiserver_storage_objects names them: `pods`, `daemonsets.apps`. */
function storedObjectCounts(store: Store): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [resource, n] of store.counts()) {
    const slash = resource.indexOf('/');
    counts.set(slash < 0 ? resource : `${resource.slice(slash + 1)}.${resource.slice(0, slash)}`, n);
  }
  return counts;
}

/** The service ranges of the options. @throws HostpodError naming the bad range */
function serviceNetworkOption(options: ControlPlaneOptions): ServiceNetwork {
  try {
    return serviceNetwork(options.serviceClusterIPRange, options.serviceNodePortRange);
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_SERVICE_RANGE', (error as Error).message, {
      hint: 'give --service-cluster-ip-range an IPv4 CIDR of at most 2^20 addresses (10.96.0.0/12) and --service-node-port-range FIRST-LAST (30000-32767)',
    });
  }
}

/** The names the serving certificate must cover. */
function certificateHosts(host: string): string[] {
  const hosts = ['127.0.0.1', '::1', 'localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  if (host === '0.0.0.0' || host === '::') {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) if (!a.internal && !a.address.startsWith('fe80')) hosts.push(a.address);
    }
  } else {
    hosts.push(host);
  }
  return hosts;
}

function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '' ) return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

async function listen(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      void listenFailure(error, { host, port, what: 'the API server', flags: '--listen', elsewhere: 'choose another address with --listen HOST:PORT' }).then(reject);
    });
    server.listen(port, host, () => resolve());
  });
}

/** Every TCP connection of a server: its TLS handshake done or not, upgraded or not. */
const openConnections = new WeakMap<Server, Set<Socket>>();

/** kube-apiserver's `IdleTimeout` and `ReadHeaderTimeout` (k8s.io/apiserver, secure serving). */
export const IDLE_CONNECTION_MS = 90_000;
const HEADERS_TIMEOUT_MS = 32_000;

function trackConnections(server: Server): void {
  const open = new Set<Socket>();
  openConnections.set(server, open);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
}

/**
 * Stops listening and ends every connection. `closeAllConnections` would end the HTTP ones only: a
 * connection still in (or never begun) its TLS handshake, or an upgraded one (exec, attach,
 * port-forward), kept `close` from finishing, so a client that opened a connection and sent
 * nothing could keep `hostpod up` from stopping. Every tracked socket is destroyed instead.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const socket of openConnections.get(server) ?? []) socket.destroy();
  });
}

/** Writes the admin kubeconfig (0600); a failure names the file. */
async function writeKubeconfig(path: string, content: string): Promise<void> {
  try {
    await writeSecret(path, content);
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_KUBECONFIG', `cannot write the admin kubeconfig ${path}: ${(error as Error).message}`, {
      hint: 'make room for it (a full disk, or something else in its place), then start hostpod up again',
      cause: error,
    });
  }
}
