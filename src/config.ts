/**
 * hostpod's settings: where its data lives and which registries are insecure. The data
 * directory is `--data-dir`, else HOSTPOD_DATA_DIR, else `dataDir` in the config file, else
 * /var/lib/hostpod. The config file is `--config`, else HOSTPOD_CONFIG, else
 * /etc/hostpod/config.yaml when it exists:
 *
 *   dataDir: /var/lib/hostpod
 *   registries:
 *     insecure: ["registry.lan:5000"]   # no TLS verification, plain HTTP if the registry has no TLS
 *   runtime:
 *     mountMode: bind          # bind (containerd 1.7+: /hpc in a mount namespace) or sandbox (1.6)
 *     sandbox: auto            # auto, overlay or copy: how each container gets its view of the image
 *     pidsLimit: 4096          # most tasks per container; 0 turns the limit off
 *     cgroup:
 *       version: auto          # auto, v1 or v2
 *       mount: /sys/fs/cgroup  # where cgroup2 is mounted (v2)
 *       root: hostpod          # hostpod's subtree in each hierarchy
 *     logs:
 *       maxSize: 10Mi          # rotate a container's log at this size
 *       maxFiles: 5            # files kept per container, the live one included
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { parseQuantity } from './api/quantity.js';
import { HostpodError } from './errors.js';

export const DEFAULT_DATA_DIR = '/var/lib/hostpod';
export const DEFAULT_CONFIG_FILE = '/etc/hostpod/config.yaml';

export interface RuntimeSettings {
  mountMode: 'bind' | 'sandbox';
  sandbox: 'auto' | 'overlay' | 'copy';
  /** Bind mode's mount points missing on the host: a private view where it can be made (auto), or always created on the host and removed after (create). */
  mountPoints: 'auto' | 'create';
  pidsLimit: number;
  cgroup: { version: 'auto' | 'v1' | 'v2'; mount: string | undefined; root: string };
  logs: { maxSize: number; maxFiles: number };
}

export const DEFAULT_RUNTIME: RuntimeSettings = {
  mountMode: 'bind',
  sandbox: 'auto',
  mountPoints: 'auto',
  pidsLimit: 4096,
  cgroup: { version: 'auto', mount: undefined, root: 'hostpod' },
  logs: { maxSize: 10 * 1024 * 1024, maxFiles: 5 },
};

export interface HostpodConfig {
  dataDir: string;
  insecureRegistries: string[];
  runtime: RuntimeSettings;
  /** The file the settings came from, when there was one. */
  file: string | undefined;
}

export interface ConfigFlags {
  dataDir?: string;
  config?: string;
}

function bad(file: string, field: string, problem: string): HostpodError {
  return new HostpodError('ERR_HOSTPOD_CONFIG', `config file ${file}: ${field} ${problem}`, {
    hint: 'see docs/configuration.md for the config file format (dataDir, registries.insecure, runtime)',
  });
}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): HostpodConfig {
  const explicit = flags.config ?? (env.HOSTPOD_CONFIG || undefined);
  const file = explicit ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  let settings: { dataDir?: string | null; registries?: { insecure?: unknown }; runtime?: unknown } = {};
  if (file !== undefined) {
    if (!existsSync(file)) throw new HostpodError('ERR_HOSTPOD_CONFIG', `config file ${file} does not exist`, { hint: 'create it, or drop --config / HOSTPOD_CONFIG' });
    let parsed: unknown;
    try {
      parsed = parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw bad(file, 'document', `is not valid YAML: ${(error as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) throw bad(file, 'document', 'is not a mapping');
    settings = (parsed ?? {});
  }
  if (settings.dataDir !== undefined && settings.dataDir !== null && (typeof settings.dataDir !== 'string' || settings.dataDir === '')) throw bad(file ?? '', 'dataDir', 'is not a path');
  const insecure = settings.registries?.insecure ?? [];
  if (!Array.isArray(insecure) || insecure.some((r) => typeof r !== 'string' || r === '' || r.includes('/'))) {
    throw bad(file ?? '', 'registries.insecure', 'is not a list of registry hosts (host or host:port, no scheme or path)');
  }
  const dataDir = flags.dataDir ?? (env.HOSTPOD_DATA_DIR || undefined) ?? settings.dataDir ?? DEFAULT_DATA_DIR;
  return { dataDir: resolve(dataDir), insecureRegistries: insecure as string[], runtime: runtimeSettings(settings.runtime, file ?? ''), file };
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, file: string, field: string): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw bad(file, field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function count(value: unknown, fallback: number, file: string, field: string, min: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw bad(file, field, `must be a whole number of at least ${min}`);
  return value;
}

function runtimeSettings(raw: unknown, file: string): RuntimeSettings {
  if (raw === undefined || raw === null) return DEFAULT_RUNTIME;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad(file, 'runtime', 'is not a mapping');
  const r = raw as { mountMode?: unknown; sandbox?: unknown; mountPoints?: unknown; pidsLimit?: unknown; cgroup?: Record<string, unknown>; logs?: Record<string, unknown> };
  const cgroup = r.cgroup ?? {};
  const logs = r.logs ?? {};
  const maxSize = logs.maxSize === undefined ? DEFAULT_RUNTIME.logs.maxSize : parseQuantity(logs.maxSize);
  if (typeof maxSize !== 'number' && ('error' in maxSize || maxSize.value < 1024)) throw bad(file, 'runtime.logs.maxSize', 'must be a size of at least 1Ki, e.g. 10Mi');
  const mount = cgroup.mount;
  if (mount !== undefined && (typeof mount !== 'string' || !mount.startsWith('/'))) throw bad(file, 'runtime.cgroup.mount', 'must be an absolute path');
  const root = cgroup.root ?? DEFAULT_RUNTIME.cgroup.root;
  if (typeof root !== 'string' || root === '' || root.split('/').includes('..') || root.startsWith('/')) throw bad(file, 'runtime.cgroup.root', 'must be a relative path inside the hierarchy, e.g. hostpod');
  return {
    mountMode: oneOf(r.mountMode, ['bind', 'sandbox'], DEFAULT_RUNTIME.mountMode, file, 'runtime.mountMode'),
    sandbox: oneOf(r.sandbox, ['auto', 'overlay', 'copy'], DEFAULT_RUNTIME.sandbox, file, 'runtime.sandbox'),
    mountPoints: oneOf(r.mountPoints, ['auto', 'create'], DEFAULT_RUNTIME.mountPoints, file, 'runtime.mountPoints'),
    pidsLimit: count(r.pidsLimit, DEFAULT_RUNTIME.pidsLimit, file, 'runtime.pidsLimit', 0),
    cgroup: { version: oneOf(cgroup.version, ['auto', 'v1', 'v2'], 'auto', file, 'runtime.cgroup.version'), mount: mount, root },
    logs: { maxSize: typeof maxSize === 'number' ? maxSize : Math.floor(maxSize.value), maxFiles: count(logs.maxFiles, DEFAULT_RUNTIME.logs.maxFiles, file, 'runtime.logs.maxFiles', 1) },
  };
}
