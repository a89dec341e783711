/**
 * The monitor's spec: what hostpod-monitor.c reads from STATE_DIR/spec. NUL-separated strings,
 * a directive and its arguments, so no value is ever parsed by a shell or needs quoting.
 */
import type { CgroupFiles } from '../cgroup/index.js';

export interface MonitorBind {
  source: string;
  target: string;
  readOnly: boolean;
  /** The source is a file (its mount point is a file, not a directory). */
  file: boolean;
}

export interface MonitorSpec {
  argv: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  groups: number[];
  cgroup: CgroupFiles;
  log: { path: string; maxSize: number; maxFiles: number };
  overlay?: { lower: string; upper: string; work: string; target: string } | undefined;
  /** A private mount namespace with these binds (bind mode); undefined for sandbox mode. */
  namespace?: { binds: MonitorBind[]; detachUnder: string } | undefined;
  stopSignal: number;
  graceSeconds: number;
  /** The container's `stdin`: the workload reads a pipe the monitor keeps open, which attach writes to. */
  stdin?: boolean | undefined;
  /** The container's `tty`: the workload runs on a pseudo-terminal the monitor allocates. */
  tty?: boolean | undefined;
}

/** Encodes a spec. @throws Error when a value holds a NUL, which no path, argument or variable can. */
export function encodeSpec(spec: MonitorSpec): Buffer {
  const parts: string[] = [];
  const add = (...values: (string | number)[]): void => {
    for (const v of values) {
      const s = String(v);
      if (s.includes('\0')) throw new Error(`monitor spec: a value contains a NUL byte: ${JSON.stringify(s.slice(0, 40))}`);
      parts.push(s);
    }
  };
  add('log', spec.log.path, 'log-max-size', spec.log.maxSize, 'log-max-files', spec.log.maxFiles);
  for (const procs of spec.cgroup.procs) add('cgroup-procs', procs);
  if (spec.cgroup.kill !== undefined) add('cgroup-kill', spec.cgroup.kill);
  if (spec.cgroup.freeze !== undefined) add('cgroup-freeze', spec.cgroup.freeze);
  if (spec.overlay) add('overlay', spec.overlay.lower, spec.overlay.upper, spec.overlay.work, spec.overlay.target);
  if (spec.namespace) {
    add('unshare-mount');
    for (const b of spec.namespace.binds) add('bind', b.source, b.target, b.readOnly ? 'ro' : 'rw', b.file ? 'file' : 'dir');
    add('detach-under', spec.namespace.detachUnder);
  }
  if (spec.stdin) add('stdin');
  if (spec.tty) add('tty');
  add('uid', spec.uid, 'gid', spec.gid);
  for (const g of spec.groups) add('group', g);
  add('cwd', spec.cwd);
  for (const e of spec.env) add('env', e);
  for (const a of spec.argv) add('arg', a);
  add('stop-signal', spec.stopSignal, 'grace', spec.graceSeconds);
  return Buffer.from(parts.map((p) => `${p}\0`).join(''));
}
