/**
 * Container mounts: the volumes any host can provide, hostPath (with its type checks) and
 * emptyDir, and those the node agent wrote from the API server (configMap, secret, downwardAPI,
 * projected), given as `provided` directories. Each container mount resolves to a host path that the sandbox binds (bind mode)
 * or links (sandbox mode).
 */
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { HostpodError } from '../errors.js';

export interface ResolvedMount {
  name: string;
  /** The host path the mount shows. */
  source: string;
  /** Where the container sees it (an absolute Linux path). */
  mountPath: string;
  readOnly: boolean;
  /** The source is a file, not a directory. */
  file: boolean;
}

function volumeError(what: string, message: string, hint?: string): HostpodError {
  return new HostpodError('ERR_HOSTPOD_VOLUME', `${what}: ${message}`, hint === undefined ? {} : { hint });
}

/** The kubelet's hostPath type checks, with its messages. */
function checkHostPath(volume: V1Volume, what: string): string {
  const path = volume.hostPath?.path ?? '';
  const type = volume.hostPath?.type ?? '';
  if (!isAbsolute(path)) throw volumeError(what, `hostPath.path "${path}" is not an absolute path`);
  const stat = (): ReturnType<typeof statSync> | undefined => (existsSync(path) ? statSync(path) : undefined);
  const failed = (problem: string): HostpodError => volumeError(what, `hostPath type check failed: ${path} ${problem}`);
  switch (type) {
    case '':
      if (!existsSync(path)) throw volumeError(what, `hostPath ${path} does not exist`, 'create it, or set hostPath.type: DirectoryOrCreate');
      break;
    case 'DirectoryOrCreate':
      if (!existsSync(path)) {
        mkdirSync(path, { recursive: true, mode: 0o755 });
        chmodSync(path, 0o755);
      } else if (!stat()?.isDirectory()) throw failed('is not a directory');
      break;
    case 'Directory':
      if (!stat()?.isDirectory()) throw failed('is not a directory');
      break;
    case 'FileOrCreate':
      if (!existsSync(path)) {
        try {
          closeSync(openSync(path, 'a', 0o644));
        } catch (error) {
          // As the kubelet does, FileOrCreate creates the file but not its directory.
          throw volumeError(what, `hostPath ${path} cannot be created: ${(error as Error).message}`, 'create its directory first');
        }
      } else if (!stat()?.isFile()) throw failed('is not a file');
      break;
    case 'File':
      if (!stat()?.isFile()) throw failed('is not a file');
      break;
    case 'Socket':
      if (!stat()?.isSocket()) throw failed('is not a socket file');
      break;
    case 'CharDevice':
      if (!stat()?.isCharacterDevice()) throw failed('is not a character device');
      break;
    case 'BlockDevice':
      if (!stat()?.isBlockDevice()) throw failed('is not a block device');
      break;
    default:
      throw volumeError(what, `hostPath.type "${type}" is not supported`);
  }
  return path;
}

/** The pod's emptyDir: a directory (or tmpfs for medium Memory) under the pod's directory. */
function emptyDir(volume: V1Volume, podDir: string): string {
  const dir = join(podDir, 'volumes', 'empty-dir', volume.name);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    if (volume.emptyDir?.medium === 'Memory') {
      const size = volume.emptyDir.sizeLimit === undefined ? [] : ['-o', `size=${String(volume.emptyDir.sizeLimit)}`];
      execFileSync('mount', ['-t', 'tmpfs', ...size, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    // World-writable, as the kubelet makes emptyDir: every container account can use it.
    chmodSync(dir, 0o777);
  }
  return dir;
}

/** Where a mountPath is in the container, as the kubelet makes it on Linux: a relative one is under `/` (`config.json` is `/config.json`). */
export function containerPath(mountPath: string): string {
  const path = normalize(isAbsolute(mountPath) ? mountPath : `/${mountPath}`);
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/**
 * Resolves the container's volumeMounts to host paths, creating what their types call for.
 * @throws HostpodError naming the volume for unsupported kinds and failed type checks.
 */
export function resolveMounts(pod: V1Pod, container: V1Container, podDir: string, what: string, provided: ReadonlyMap<string, string> = new Map()): ResolvedMount[] {
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (container.volumeMounts ?? []).map((mount) => {
    const where = `${what}: volumeMounts "${mount.name}"`;
    const volume = volumes.get(mount.name);
    if (!volume) throw volumeError(where, `no volume named "${mount.name}" in spec.volumes`);
    const mountPath = containerPath(mount.mountPath);
    // A Windows path (`C:\\data`) is relative on Linux, so it is `/C:\\data`, as the kubelet on
    // Linux makes it (makeAbsolutePath); only `/` itself cannot be a mount point.
    if (mountPath === '/') {
      throw volumeError(where, `mountPath "${mount.mountPath}" is not a Linux path below /`, 'use a path below /, such as /etc/app');
    }
    let source: string;
    let readOnly = mount.readOnly === true;
    const fromApi = provided.get(mount.name);
    if (fromApi !== undefined) {
      source = fromApi;
      // As the kubelet mounts them: configMap, secret, downwardAPI and projected volumes are read-only.
      readOnly = true;
    } else if (volume.hostPath) source = checkHostPath(volume, where);
    else if (volume.emptyDir) source = emptyDir(volume, podDir);
    else {
      const kind = Object.keys(volume).find((k) => k !== 'name') ?? 'unknown';
      throw volumeError(where, `${kind} volumes need the API server`, 'hostpod run supports hostPath and emptyDir; the node agent provides the others');
    }
    if (mount.subPath) {
      const sub = normalize(mount.subPath);
      if (isAbsolute(sub) || sub.startsWith('..')) throw volumeError(where, `subPath "${mount.subPath}" must be a relative path inside the volume`);
      source = join(source, sub);
      if (!existsSync(source)) {
        if (fromApi !== undefined) throw volumeError(where, `subPath "${mount.subPath}" is not in the volume`, 'name a key of the ConfigMap or Secret, or a path of the volume');
        mkdirSync(source, { recursive: true });
      }
    }
    const file = !statSync(source).isDirectory();
    return { name: mount.name, source, mountPath, readOnly, file };
  });
}
