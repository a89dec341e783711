/**
 * What the kubelet endpoint serves on a node agent: the log files of the pods' container
 * instances (the current one, or the one before it for `--previous`), and exec into a running
 * container through the runtime, with pipes, or a pseudo-terminal for `-t`; attach to a running
 * container's workload (attach-container.ts); port-forward to a pod running here (its network is
 * the node's); and the node's and
 * its pods' CPU and memory statistics (resource-stats.ts).
 */
import { exitCodeOf, type ContainerRuntime } from '../runtime/index.js';
import type { ExecRequest, ExecStreams, TerminalSize } from './kubelet-api/exec-session.js';
import type { LogSource } from './kubelet-api/log-stream.js';
import type { PortForwardPod } from './kubelet-api/port-forward.js';
import { KubeletError, type ContainerRef, type KubeletBackend } from './kubelet-api/server.js';
import type { StatsSummary } from './kubelet-api/summary.js';
import { agentMetricsText } from './agent-metrics.js';
import { attachStreams } from './attach-container.js';
import { CpuRates } from './cpu-rates.js';
import { collectStats } from './resource-stats.js';
import type { ContainerTrack } from './container-track.js';
import type { PodWorker } from './pod-worker.js';

export class AgentKubeletBackend implements KubeletBackend {
  readonly #rates = new CpuRates();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly findPod: (namespace: string, name: string) => PodWorker | undefined,
    /** The node's name: its containers are those the runtime records as `node/NAME`'s. */
    private readonly nodeName = '',
  ) {}

  metrics(): string {
    const owner = `node/${this.nodeName}`;
    return agentMetricsText({ nodeName: this.nodeName, containers: this.runtime.list().filter((c) => c.owner === owner) });
  }

  stats(): StatsSummary {
    return collectStats({
      runtime: this.runtime,
      nodeName: this.nodeName,
      rates: this.#rates,
      podStartTime: (namespace, name) => {
        const start = this.findPod(namespace, name)?.pod.status?.startTime as Date | string | undefined;
        return start === undefined ? undefined : new Date(start).toISOString();
      },
    });
  }

  #track(ref: ContainerRef): ContainerTrack {
    const worker = this.findPod(ref.namespace, ref.pod);
    if (!worker) throw new KubeletError(404, `pod "${ref.pod}" in namespace "${ref.namespace}" is not running on this node`);
    const track = worker.track(ref.container);
    if (!track) throw new KubeletError(404, `container "${ref.container}" is not in pod "${ref.pod}"`);
    return track;
  }

  portForwardPod(namespace: string, name: string, uid: string | undefined): PortForwardPod {
    const worker = this.findPod(namespace, name);
    // The kubelet's words: "pod does not exist", and "pod not found" for another uid.
    if (!worker) throw new KubeletError(404, `pod does not exist: pod "${name}" in namespace "${namespace}" is not running on node "${this.nodeName}"`);
    const podUid = worker.pod.metadata?.uid ?? '';
    if (uid !== undefined && uid !== podUid) throw new KubeletError(404, `pod not found: pod "${name}" in namespace "${namespace}" on this node has uid ${podUid}, not ${uid}`);
    const status = worker.pod.status;
    const ips = status?.podIPs?.map((p) => p.ip).filter((ip): ip is string => !!ip) ?? (status?.podIP ? [status.podIP] : []);
    return { namespace, name, uid: podUid, node: this.nodeName, ips };
  }

  logSource(ref: ContainerRef, previous: boolean): LogSource {
    const track = this.#track(ref);
    const id = previous ? track.previous : track.current;
    if (id === undefined) {
      if (previous) throw new KubeletError(400, `previous terminated container "${ref.container}" in pod "${ref.pod}" not found`);
      throw new KubeletError(400, `container "${ref.container}" in pod "${ref.pod}" is waiting to start: ${track.waiting?.reason ?? 'ContainerCreating'}`);
    }
    return this.runtime.logs(id);
  }

  prepareExec(ref: ContainerRef, request: ExecRequest): (streams: ExecStreams) => Promise<number> {
    const track = this.#track(ref);
    const id = track.current;
    if (id === undefined || !track.running(this.runtime)) throw new KubeletError(400, `container not found ("${ref.container}")`);
    return async (streams) => {
      // The terminal gets the client's size, which comes right after the start (later changes are not passed on).
      const size = streams.tty ? await firstSize(streams) : undefined;
      const child = this.runtime.spawnExec(id, request.command, { stdio: [streams.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], tty: size ?? streams.tty });
      if (streams.stdin && child.stdin) {
        streams.stdin.pipe(child.stdin);
        child.stdin.on('error', () => {});
      }
      child.stdout?.on('data', (chunk: Buffer) => streams.stdout?.write(chunk));
      // With a terminal there is no stderr stream: script(1) puts everything on the terminal.
      child.stderr?.on('data', (chunk: Buffer) => (streams.stderr ?? streams.stdout)?.write(chunk));
      const code = await exitCodeOf(child);
      if (streams.stdin && child.stdin) streams.stdin.unpipe(child.stdin);
      return code;
    };
  }

  prepareAttach(ref: ContainerRef, _request: ExecRequest): (streams: ExecStreams) => Promise<number> {
    const worker = this.findPod(ref.namespace, ref.pod);
    const track = this.#track(ref);
    const id = track.current;
    const podSpec = worker?.pod.spec;
    const spec = [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? []), ...(podSpec?.ephemeralContainers ?? [])].find((c) => c.name === ref.container);
    // The kubelet's answer (GetAttach, then streaming.WriteError): plain text, 500, the pod's full
    // name NAME_NAMESPACE. Not track.running(): the monitor records init.pid a moment after the
    // start the pod's status reported.
    if (id === undefined || spec === undefined || this.runtime.state(id) === 'exited') {
      throw new KubeletError(500, `container ${ref.container} not found in pod ${ref.pod}_${ref.namespace}`, true);
    }
    return (streams) => attachStreams(this.runtime, id, spec, streams);
  }
}

/** The first terminal size the client sends, if it comes within a moment. */
function firstSize(streams: ExecStreams): Promise<TerminalSize | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 250);
    streams.onResize((size) => {
      clearTimeout(timer);
      resolve(size);
    });
  });
}
