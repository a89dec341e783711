/**
 * The containerd 1.6 -> 1.7 advisor: what in a HostProcess pod spec depends on how its runtime
 * lays out volumes. containerd 1.6 made each volume a symlink under the sandbox folder
 * ($CONTAINER_SANDBOX_MOUNT_POINT) and ignored readOnly; 1.7 binds each volume at its mountPath
 * (readOnly honoured, still reachable under the sandbox folder) and changed the working directory.
 */
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { visitContainers } from '../../policy/containers.js';
import type { FieldPath } from '../../policy/field.js';
import { effectiveHostProcess } from '../../policy/validation/index.js';
import { fileWrites, invocation, mentionsSandbox, readPath, under, type ScriptPath } from './_scripts.js';

export type ContainerdVersion = '1.6' | '1.7';

/** One finding of the advisor: a rule, the field it is about, what happens, where upstream says so. */
export interface Advisory {
  rule: AdvisoryRule;
  field: string;
  message: string;
  url: string;
}

export type AdvisoryRule =
  | 'containerd17-copy-onto-itself'
  | 'containerd17-read-only-mount'
  | 'containerd17-working-directory'
  | 'containerd16-volume-path'
  | 'containerd16-hpc-path';

/** The rules with their short descriptions and upstream references, for SARIF's rule list. */
export const ADVISORY_RULES: Readonly<Record<AdvisoryRule, { description: string; url: string }>> = {
  'containerd17-copy-onto-itself': {
    description: 'a script copies $CONTAINER_SANDBOX_MOUNT_POINT/<mountPath> onto <mountPath>, the same file under containerd 1.7',
    url: 'https://github.com/kubernetes-sigs/sig-windows-tools/issues/277',
  },
  'containerd17-read-only-mount': {
    description: 'a script writes into a readOnly volume, which containerd 1.6 left writable and 1.7 makes read-only',
    url: 'https://github.com/containerd/containerd/issues/8090',
  },
  'containerd17-working-directory': {
    description: 'a relative program that relies on the 1.6 working directory (the sandbox folder with the image\'s WORKDIR)',
    url: 'https://github.com/kubernetes/kubernetes/issues/112885',
  },
  'containerd16-volume-path': {
    description: 'a volume (the service account token too) read at its mountPath, where containerd 1.6 does not put it',
    url: 'https://github.com/kubernetes/client-go/issues/1302',
  },
  'containerd16-hpc-path': {
    description: 'a path under C:\\hpc, which exists only under containerd 1.7',
    url: 'https://github.com/kubernetes/kubernetes/issues/112885',
  },
};

const TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Mount {
  name: string;
  path: string;
  readOnly: boolean;
  /** A hostPath volume mounted at its own host path: the same files whichever way it is reached. */
  samePathOnHost: boolean;
}

/** Scripts the pod runs from its ConfigMaps: `namespace/name` to their data, as given in the input. */
export type ConfigMapData = ReadonlyMap<string, Readonly<Record<string, string>>>;

export interface AdviseOptions {
  target: ContainerdVersion;
  namespace: string;
  configMaps?: ConfigMapData;
}

/** Every finding ends with how to try the manifest both ways on a Linux host. */
const TRY_IT = 'hostpod runs the manifest either way to try it: hostpod run -f FILE --mount-mode sandbox (as containerd 1.6) or --mount-mode bind (as 1.7)';

/** The advisor's findings for the HostProcess containers of `spec`, found at `specPath`. */
export function containerdAdvice(spec: V1PodSpec, specPath: FieldPath, options: AdviseOptions): Advisory[] {
  const advice: Advisory[] = [];
  for (const { container, path } of visitContainers(spec, specPath)) {
    if (effectiveHostProcess(spec, container) !== true) continue;
    const mounts = mountsOf(spec, container);
    const command = (container.command ?? []).filter((w): w is string => typeof w === 'string');
    const args = (container.args ?? []).filter((w): w is string => typeof w === 'string');
    const run = invocation(command, args);
    const where = path.child(args.length > 0 ? 'args' : 'command').toString();
    const scripts: Array<{ text: string; field: string }> = [];
    if (run.script !== undefined) scripts.push({ text: run.script, field: where });
    const fromConfigMap = run.file === undefined ? undefined : configMapScript(run.file, spec, mounts, options);
    if (fromConfigMap) scripts.push({ text: fromConfigMap.text, field: `${where} (script ${fromConfigMap.source})` });
    const add = (rule: AdvisoryRule, field: string, message: string): void => {
      advice.push({ rule, field, message: `${message} (${ADVISORY_RULES[rule].url}); ${TRY_IT}`, url: ADVISORY_RULES[rule].url });
    };
    const name = `container "${container.name}"`;
    if (options.target === '1.7') {
      for (const script of scripts) adviseWrites17(script.text, script.field, name, mounts, add);
      adviseWorkingDir17(container, run.program, path, name, where, add);
    } else {
      const texts = [...scripts, ...(container.workingDir ? [{ text: container.workingDir, field: path.child('workingDir').toString() }] : [])];
      (container.env ?? []).forEach((e, i) => {
        if (typeof e.value === 'string') texts.push({ text: e.value, field: path.child('env').index(i).child('value').toString() });
      });
      if (run.file !== undefined && run.script === undefined) texts.push({ text: run.file, field: where });
      for (const text of texts) advisePaths16(text.text, text.field, name, mounts, add);
    }
  }
  return advice;
}

function mountsOf(spec: V1PodSpec, container: V1Container): Mount[] {
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const path = typeof m.mountPath === 'string' ? readPath(m.mountPath.startsWith('/') || /^[a-z]:/i.test(m.mountPath) ? m.mountPath : `/${m.mountPath}`) : undefined;
    if (!path || path.sandbox) continue;
    const hostPath = volumes.get(m.name)?.hostPath?.path;
    const host = typeof hostPath === 'string' ? readPath(hostPath) : undefined;
    mounts.push({ name: m.name, path: path.path, readOnly: m.readOnly === true, samePathOnHost: host?.path === path.path });
  }
  // The kubelet adds the service account token unless the pod opts out or mounts something there.
  if (spec.automountServiceAccountToken !== false && !mounts.some((m) => m.path === TOKEN_PATH)) {
    mounts.push({ name: 'kube-api-access (the service account token)', path: TOKEN_PATH, readOnly: true, samePathOnHost: false });
  }
  return mounts;
}

/** The text of a `-File` script that a ConfigMap volume of the pod holds, when the input has that ConfigMap. */
function configMapScript(file: string, spec: V1PodSpec, mounts: Mount[], options: AdviseOptions): { text: string; source: string } | undefined {
  const path = readPath(file);
  if (!path || !options.configMaps) return undefined;
  for (const mount of mounts) {
    if (!under(path.path, mount.path) || path.path === mount.path) continue;
    const volume = (spec.volumes ?? []).find((v) => v.name === mount.name);
    const name = volume?.configMap?.name;
    if (typeof name !== 'string') continue;
    const data = options.configMaps.get(`${options.namespace}/${name}`);
    // The file name in the volume is the key, unless items map it; a key is one path segment.
    const rel = path.path.slice(mount.path === '/' ? 1 : mount.path.length + 1);
    const item = volume?.configMap?.items?.find((i) => i.path.toLowerCase() === rel);
    const key = item?.key ?? Object.keys(data ?? {}).find((k) => k.toLowerCase() === rel);
    const text = key === undefined ? undefined : data?.[key];
    if (typeof text === 'string') return { text, source: `configmap/${name} key ${key ?? ''}` };
  }
  return undefined;
}

type Add = (rule: AdvisoryRule, field: string, message: string) => void;

function adviseWrites17(script: string, field: string, name: string, mounts: Mount[], add: Add): void {
  const mountOf = (p: ScriptPath | undefined): Mount | undefined =>
    p === undefined ? undefined : mounts.filter((m) => under(p.path, m.path)).sort((a, b) => b.path.length - a.path.length)[0];
  for (const write of fileWrites(script)) {
    const target = readPath(write.target);
    const source = write.source === undefined ? undefined : readPath(write.source);
    const sourceMount = source?.sandbox ? mountOf(source) : undefined;
    const targetMount = target && !target.sandbox ? mountOf(target) : undefined;
    if (sourceMount && targetMount === sourceMount && !sourceMount.samePathOnHost) {
      // Onto itself, or into the directory it is in (cp X DIR/): the same file either way.
      const same = target?.path === source?.path || target?.path === source?.path.replace(/\/[^/]*$/, '');
      const effect = same
        ? 'both paths are the same file and the copy fails or does nothing'
        : `${write.target} is inside the volume too, so the file never reaches the host`;
      add('containerd17-copy-onto-itself', field, `${name} copies ${write.source ?? ''} onto ${write.target} ("${write.verb}"): ` +
        `volume "${sourceMount.name}" is mounted at ${sourceMount.path}, so under containerd 1.7 (volumes bound at their mountPath) ${effect}; ` +
        'under 1.6 the source was a symlink in the sandbox folder and the destination the host\'s path. ' +
        `Mount the volume elsewhere (for example /mounts${sourceMount.path}) and copy from there`);
      continue;
    }
    const written = target ? mountOf(target) : undefined;
    if (written?.readOnly) {
      add('containerd17-read-only-mount', field, `${name} writes to ${write.target} ("${write.verb}"), in volume "${written.name}" which is mounted readOnly at ${written.path}: ` +
        'containerd 1.6 ignored readOnly (a symlink), containerd 1.7 binds it read-only and the write fails with access denied. ' +
        'Drop readOnly from the volumeMount, or write somewhere else');
    }
  }
}

function adviseWorkingDir17(container: V1Container, program: string | undefined, path: FieldPath, name: string, where: string, add: Add): void {
  if (program === undefined || container.workingDir) return;
  if (!/^\.{1,2}[\\/]/.test(program)) return;
  add('containerd17-working-directory', where, `${name} starts "${program}" relative to its working directory, and workingDir is not set: ` +
    'under containerd 1.6 that was the sandbox folder (with the image\'s WORKDIR in it); under 1.7 the image\'s WORKDIR is taken on the host ' +
    '(or C:\\hpc in releases with containerd #10069), so the program is not found. ' +
    `Start it as $env:CONTAINER_SANDBOX_MOUNT_POINT\\${program.replace(/^\.[\\/]/, '')}, or set ${path.child('workingDir').toString()}: $env:CONTAINER_SANDBOX_MOUNT_POINT`);
}

function advisePaths16(text: string, field: string, name: string, mounts: Mount[], add: Add): void {
  // A script that writes a mount's own path means the host's path (as 1.6 made it): only reads count.
  const written = new Set(fileWrites(text).map((w) => readPath(w.target)?.path));
  const seen = new Set<string>();
  for (const word of text.split(/[\s;|&'",=]+/)) {
    if (mentionsSandbox(word)) continue;
    const p = readPath(word);
    if (!p) continue;
    if (p.path === '/hpc' || p.path.startsWith('/hpc/')) {
      add('containerd16-hpc-path', field, `${name} uses ${word}: C:\\hpc holds the image only under containerd 1.7; under 1.6 the image is in the sandbox folder. ` +
        `Use $env:CONTAINER_SANDBOX_MOUNT_POINT${word.replace(/^([a-z]:)?[\\/]hpc/i, '')}, which works under both`);
      continue;
    }
    const mount = mounts.filter((m) => m.path !== '/' && under(p.path, m.path)).sort((a, b) => b.path.length - a.path.length)[0];
    if (!mount || mount.samePathOnHost || written.has(p.path) || written.has(mount.path) || seen.has(mount.path)) continue;
    seen.add(mount.path);
    const token = mount.path === TOKEN_PATH ? ' (client-go\'s in-cluster config reads the token there and fails under 1.6)' : '';
    add('containerd16-volume-path', field, `${name} uses ${word}, in volume "${mount.name}" mounted at ${mount.path}: under containerd 1.6 the volume is only at ` +
      `$env:CONTAINER_SANDBOX_MOUNT_POINT${mount.path}, and ${word} is the host's own path${token}. ` +
      'Use $env:CONTAINER_SANDBOX_MOUNT_POINT before the path, which works under both');
  }
}
