/**
 * A real kubelet node of a real cluster (real-cluster.ts) for tests and benches: containerd (with
 * runc) and the real kubelet, joined by TLS bootstrapping with the cluster's bootstrap token as
 * kubeadm joins a node, optionally on a "host" of its own (a network namespace, hosts.ts).
 *
 * Everything lives under one temporary directory: containerd's root, state, socket and config, the
 * kubelet's root directory, certificates, pod logs and config, the CNI configuration. Pods run in
 * a cgroup subtree of their own (the kubelet's cgroupRoot). `stop()` leaves nothing behind: the
 * pods and their shims, the mounts under the directory, the cgroups, the files.
 *
 * What containerd 1.6 and the kubelet put outside the directory whatever their configuration, and
 * `stop()` removes: the shims' sockets (/run/containerd/s), the kubelet's links to the pod logs
 * (/var/log/containers) and its device plugin socket (/var/lib/kubelet/device-plugins), and those
 * directories when the node made them. So one kubelet node runs on a machine at a time.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { RUNTIME_PROGRAMS, kubeletBinDir } from './kubelet-binaries.js';
import { PAUSE_IMAGE, writeNodeImages } from './kubelet-node-images.js';
import { freePort, type RealCluster } from './real-cluster.js';
import { untilReady } from './until-ready.js';

export interface KubeletNode {
  name: string;
  dir: string;
  /** The cgroup subtree of the node's pods (the kubelet's cgroupRoot), e.g. /hostpod-kubelet-0123abcd. */
  cgroupRoot: string;
  kubelet: ChildProcess;
  containerd: ChildProcess;
  /** The containerd shims' process ids now (one per pod sandbox in containerd 1.6). */
  shimPids(): number[];
  /** The pod sandboxes' pause processes now (one per pod). */
  pausePids(): number[];
  /** The last lines the kubelet (or containerd) logged, for a failure's message. */
  logTail(component: 'kubelet' | 'containerd', lines?: number): string;
  /** Stops the kubelet and containerd, and removes the pods, shims, mounts, cgroups and files. */
  stop(): Promise<void>;
}

export interface KubeletNodeOptions {
  name: string;
  /** The node's address: the kubelet serves there, and reports it as the node's InternalIP. */
  address: string;
  /** The command prefix that runs a program on the node's host (hosts.ts: `nsenter --net=...`). */
  enter?: string[];
  /** How long to wait for the node Ready (default 120 s). */
  readyTimeoutMs?: number;
}

const CGROUP_HIERARCHIES = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd', 'hugetlb', 'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc', 'unified'];
const SHIM_SOCKETS = '/run/containerd/s';
const POD_LOG_LINKS = '/var/log/containers';
const DEVICE_PLUGINS_PARENT = '/var/lib/kubelet';
/** What the kubelet writes in its device plugin directory, which its --root-dir does not move. */
const DEVICE_PLUGIN_FILES = ['kubelet.sock', 'kubelet_internal_checkpoint'];
/** The directories outside the node's own that containerd 1.6 and the kubelet make. */
const FIXED_DIRS = ['/run/containerd', POD_LOG_LINKS, DEVICE_PLUGINS_PARENT];

function containerdConfig(dir: string): string {
  // containerd 1.6's config, version 2: nothing at its system paths (/var/lib/containerd,
  // /run/containerd, /opt/containerd, /etc/cni/net.d).
  return [
    'version = 2',
    `root = "${dir}/containerd/root"`,
    `state = "${dir}/containerd/state"`,
    `plugin_dir = ""`,
    '[grpc]',
    `  address = "${dir}/containerd.sock"`,
    '[ttrpc]',
    `  address = "${dir}/containerd.ttrpc.sock"`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${dir}/containerd/opt"`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = "${PAUSE_IMAGE}"`,
    // This machine's root lacks CAP_SYS_RESOURCE, so no process may lower its OOM score below its
    // parent's (the pause container's -998 fails in runc): keep each at containerd's, as rootless
    // containerd does.
    '  restrict_oom_score_adj = true',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    default_runtime_name = "runc"',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    `        BinaryName = "${RUNTIME_PROGRAMS.runc}"`,
    `        Root = "${dir}/runc"`,
    '        SystemdCgroup = false',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    '    bin_dir = "/usr/lib/cni"',
    `    conf_dir = "${dir}/cni"`,
    '',
  ].join('\n');
}

/**
 * A CNI network for the runtime's NetworkReady (the kubelet reports the node Ready only with one).
 * The pods here all use the host's network, so it is never set up.
 */
function cniConfig(tag: string): string {
  return JSON.stringify({
    cniVersion: '0.4.0', name: `hostpod-${tag}`,
    plugins: [{ type: 'bridge', bridge: `hpk${tag}`, isGateway: true, ipMasq: false, ipam: { type: 'host-local', subnet: '10.251.0.0/24' } }],
  });
}

function kubeletConfig(dir: string, options: KubeletNodeOptions, port: number, cgroupRoot: string, caFile: string): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration',
    // This machine has cgroup v1, which kubelet 1.35+ refuses unless told.
    failCgroupV1: false,
    // containerd 1.6 does not answer the CRI's RuntimeConfig: the kubelet takes the driver from here.
    cgroupDriver: 'cgroupfs',
    cgroupRoot,
    containerRuntimeEndpoint: `unix://${dir}/containerd.sock`,
    address: options.address, port, readOnlyPort: 0, healthzPort: 0,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: caFile } },
    authorization: { mode: 'Webhook' },
    rotateCertificates: true,
    podLogsDir: join(dir, 'pod-logs'),
    volumePluginDir: join(dir, 'volume-plugins'),
    resolvConf: '/etc/resolv.conf',
    failSwapOn: false,
    // A shared test machine: no eviction, no image garbage collection.
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100, imageGCLowThresholdPercent: 99,
    maxPods: 110,
    serializeImagePulls: false,
  });
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (error, stdout, stderr) => (error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout)));
  });
}


/** Whether `pid` is a live process (not gone, not a zombie awaiting its reaper). */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every process id whose command line holds `needle`. */
function pidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Every process in the cgroup subtree `root` (of the pids hierarchy, which every task joins). */
function cgroupPids(root: string): number[] {
  const pids: number[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    try {
      pids.push(...readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      // gone
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  walk(join('/sys/fs/cgroup/pids', root));
  return pids;
}

/** Makes the cgroup subtree `root` in every hierarchy, as the kubelet wants its cgroupRoot there. */
function makeCgroupTree(root: string): void {
  for (const hierarchy of CGROUP_HIERARCHIES) {
    const parent = join('/sys/fs/cgroup', hierarchy);
    if (!existsSync(join(parent, 'cgroup.procs'))) continue;
    const dir = join(parent, root);
    mkdirSync(dir, { recursive: true });
    if (hierarchy === 'cpuset') {
      // A new cpuset has no CPUs and no memory nodes: give it its parent's.
      for (const file of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, file), readFileSync(join(parent, file)));
    }
  }
}

/** Removes `dir` and the directories under it that are (or become) empty, deepest first. */
function removeEmptyTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeEmptyTree(join(dir, entry.name));
  try {
    rmdirSync(dir);
  } catch {
    // not empty: another program's files
  }
}

/** Removes the (emptied) cgroup subtree `root` from every hierarchy, deepest first. */
function removeCgroupTree(root: string): void {
  const remove = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) remove(join(dir, entry.name));
    rmdirSync(dir);
  };
  for (const hierarchy of CGROUP_HIERARCHIES) {
    const dir = join('/sys/fs/cgroup', hierarchy, root);
    if (existsSync(dir)) remove(dir);
  }
}

function kill(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Unmounts everything mounted at or under `dir`, deepest first. */
function unmountUnder(dir: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((point) => point.replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    try {
      execFileSync('umount', ['-l', point], { stdio: 'ignore' });
    } catch {
      // already gone with its parent
    }
  }
}

/** Starts containerd and the kubelet, joins the node to `cluster` and resolves once it is Ready. */
export async function joinKubeletNode(cluster: RealCluster, options: KubeletNodeOptions): Promise<KubeletNode> {
  const dir = mkdtempSync(join(tmpdir(), `hostpod-kubelet-${options.name}-`));
  const tag = createHash('sha256').update(dir).digest('hex').slice(0, 8);
  const cgroupRoot = `/hostpod-kubelet-${tag}`;
  const socket = join(dir, 'containerd.sock');
  const caFile = join(dir, 'ca.crt');
  const processes: { kubelet?: ChildProcess; containerd?: ChildProcess } = {};
  const exits = new Map<string, string>();
  const [command, ...prefix] = options.enter ?? [];
  const madeHere = FIXED_DIRS.filter((fixed) => !existsSync(fixed));
  const start = (component: 'kubelet' | 'containerd', program: string, args: string[]): ChildProcess => {
    const log = createWriteStream(join(dir, `${component}.log`));
    const child = command === undefined ? spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(command, [...prefix, program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.once('exit', (code, signal) => exits.set(component, `${component} exited (${signal ?? code}):\n${logTail(component)}`));
    processes[component] = child;
    return child;
  };
  const logTail = (component: 'kubelet' | 'containerd', lines = 30): string => {
    try {
      return readFileSync(join(dir, `${component}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const dead = (): string | undefined => [...exits.values()][0];
  const ctr = (...args: string[]): Promise<string> => run(RUNTIME_PROGRAMS.ctr, ['--address', socket, '--namespace', 'k8s.io', ...args]);
  const shimPids = (): number[] => pidsWith(`-address\0${socket}\0`).filter((pid) => {
    try {
      return basename(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '') === basename(RUNTIME_PROGRAMS.shim);
    } catch {
      return false;
    }
  });

  const stop = async (): Promise<void> => {
    const end = async (child: ChildProcess | undefined): Promise<void> => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    };
    await end(processes.kubelet);
    // The pods: every process of the node's cgroup subtree, then their tasks and containers, so
    // each shim exits and removes its socket.
    kill(cgroupPids(cgroupRoot));
    if (processes.containerd && processes.containerd.exitCode === null) {
      const ids = (await ctr('containers', 'list', '--quiet').catch(() => '')).split('\n').filter(Boolean);
      for (let i = 0; i < ids.length; i += 50) {
        const batch = ids.slice(i, i + 50);
        await ctr('tasks', 'delete', '--force', ...batch).catch(() => undefined);
        await ctr('containers', 'delete', ...batch).catch(() => undefined);
      }
    }
    await end(processes.containerd);
    const shims = shimPids();
    kill(shims);
    for (let i = 0; i < 50 && shims.some(running); i++) await new Promise((r) => setTimeout(r, 100));
    // A killed shim leaves its socket: containerd 1.6 names it by the hash of its own address, the
    // namespace and the container.
    const tasks = join(dir, 'containerd', 'state', 'io.containerd.runtime.v2.task', 'k8s.io');
    if (existsSync(tasks)) {
      for (const id of readdirSync(tasks)) {
        const hash = createHash('sha256').update(join(socket, 'k8s.io', id)).digest('hex');
        rmSync(join(SHIM_SOCKETS, hash), { force: true });
      }
    }
    if (existsSync(POD_LOG_LINKS)) {
      for (const link of readdirSync(POD_LOG_LINKS)) {
        try {
          if (readlinkSync(join(POD_LOG_LINKS, link)).startsWith(`${dir}/`)) rmSync(join(POD_LOG_LINKS, link));
        } catch {
          // not a link
        }
      }
    }
    if (madeHere.includes(DEVICE_PLUGINS_PARENT)) {
      for (const file of DEVICE_PLUGIN_FILES) rmSync(join(DEVICE_PLUGINS_PARENT, 'device-plugins', file), { force: true });
    }
    // Only emptied directories go: whatever another program put there meanwhile stays.
    for (const fixed of madeHere) removeEmptyTree(fixed);
    unmountUnder(dir);
    removeCgroupTree(cgroupRoot);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    makeCgroupTree(cgroupRoot);
    mkdirSync(join(dir, 'cni'));
    writeFileSync(join(dir, 'cni', '10-hostpod.conflist'), cniConfig(tag));
    writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir));
    start('containerd', RUNTIME_PROGRAMS.containerd, ['--config', join(dir, 'containerd.toml'), '--log-level', process.env['HOSTPOD_CONTAINERD_LOG_LEVEL'] ?? 'warn']);
    await untilReady('containerd', async () => (statSync(socket).isSocket() && (await ctr('version')) ? true : undefined), 30_000, dead);
    for (const archive of await writeNodeImages(dir)) await ctr('images', 'import', archive);

    writeFileSync(caFile, cluster.files.ca.cert);
    const bootstrap = join(dir, 'bootstrap.kubeconfig');
    writeFileSync(bootstrap, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'bootstrap',
      clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority': caFile } }],
      users: [{ name: 'tls-bootstrap-token-user', user: { token: cluster.bootstrapToken } }],
      contexts: [{ name: 'bootstrap', context: { cluster: 'c', user: 'tls-bootstrap-token-user' } }],
    }), { mode: 0o600 });
    // On a host of its own the kubelet has its port, 10250; beside others, a free one.
    const port = options.enter ? 10250 : await freePort(options.address);
    writeFileSync(join(dir, 'kubelet.yaml'), kubeletConfig(dir, options, port, cgroupRoot, caFile));
    start('kubelet', join(kubeletBinDir(), 'kubelet'), [
      `--config=${join(dir, 'kubelet.yaml')}`, `--bootstrap-kubeconfig=${bootstrap}`, `--kubeconfig=${join(dir, 'kubelet.kubeconfig')}`,
      `--cert-dir=${join(dir, 'pki')}`, `--root-dir=${join(dir, 'kubelet')}`,
      `--hostname-override=${options.name}`, `--node-ip=${options.address}`,
    ]);
    type Node = { status?: { conditions?: { type: string; status: string }[] } };
    await untilReady(`kubelet node ${options.name} Ready`, async () => {
      const got = await cluster.call('GET', `/api/v1/nodes/${options.name}`);
      if (got.status !== 200) return undefined;
      const node = JSON.parse(got.body) as Node;
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    }, options.readyTimeoutMs ?? 120_000, dead);
  } catch (error) {
    const tails = `--- kubelet\n${logTail('kubelet')}\n--- containerd\n${logTail('containerd')}`;
    await stop();
    throw new Error(`${(error as Error).message}\n${tails}`, { cause: error });
  }
  return {
    name: options.name, dir, cgroupRoot,
    kubelet: processes.kubelet!, containerd: processes.containerd!,
    shimPids, logTail, stop,
    pausePids: () => cgroupPids(cgroupRoot).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === '/pause\0';
      } catch {
        return false;
      }
    }),
  };
}
