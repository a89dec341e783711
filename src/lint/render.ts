/**
 * Helm charts and kustomizations as lint input: a directory with Chart.yaml is rendered by
 * `helm template`, one with kustomization.yaml by `kubectl kustomize`, into a temporary file that
 * is linted like any manifest; results then point back at the chart's template files.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { HostpodError } from '../errors.js';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

interface Rendered {
  /** The chart or kustomization directory, as the user named it. */
  dir: string;
  tool: 'helm' | 'kustomize';
  /** Each rendered line's `# Source:` file (helm), by 0-based line; undefined before the first. */
  sources: Array<{ line: number; file: string }>;
}

/** The lint paths with charts and kustomizations replaced by their rendered manifests. */
export interface RenderedPaths {
  paths: string[];
  /** Where a rendered file's object at `line` comes from: the template file and the line in it. */
  origin: (file: string, line: number) => { file: string; line: number };
  cleanup(): Promise<void>;
}

/**
 * Renders the chart and kustomization directories among `paths`; other paths pass through.
 * `helmArgs` (--values FILE, --set K=V) go to every `helm template`.
 * @throws HostpodError ERR_HOSTPOD_NO_HELM / ERR_HOSTPOD_NO_KUBECTL when the tool is missing,
 *   ERR_HOSTPOD_RENDER when it fails (its message included)
 */
export async function renderPaths(paths: readonly string[], env: NodeJS.ProcessEnv = process.env, helmArgs: readonly string[] = []): Promise<RenderedPaths> {
  const rendered = new Map<string, Rendered>();
  let temp: string | undefined;
  const out: string[] = [];
  try {
    for (const path of paths) {
      const kind = directoryKind(path);
      if (!kind) {
        out.push(path);
        continue;
      }
      temp ??= await mkdtemp(join(tmpdir(), 'hostpod-lint-'));
      const text = kind === 'helm' ? await run(helmBinary(env, path), ['template', path, ...helmArgs], path, 'helm template') : await run(kubectlBinary(env, path), ['kustomize', path], path, 'kubectl kustomize');
      const file = join(temp, `${rendered.size}.yaml`);
      await writeFile(file, text);
      rendered.set(file, { dir: path, tool: kind, sources: kind === 'helm' ? helmSources(text) : [] });
      out.push(file);
    }
    if (helmArgs.length > 0 && ![...rendered.values()].some((r) => r.tool === 'helm')) {
      throw new HostpodError('ERR_HOSTPOD_USAGE', `--values and --set are for Helm charts, and none of ${paths.join(', ')} is one (a directory with Chart.yaml)`, {
        hint: 'name the chart directory among the paths, or leave --values and --set out',
      });
    }
  } catch (error) {
    // A render that failed leaves no temporary directory behind.
    if (temp) await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return {
    paths: out,
    origin: (file, line) => {
      const r = rendered.get(file);
      if (!r) return { file, line };
      if (r.tool === 'kustomize') return { file: join(r.dir, kustomizationFile(r.dir)), line: 1 };
      const source = [...r.sources].reverse().find((s) => s.line < line);
      if (!source) return { file: join(r.dir, 'Chart.yaml'), line: 1 };
      return { file: join(r.dir, source.file), line: Math.max(1, line - source.line) };
    },
    cleanup: async () => {
      if (temp) await rm(temp, { recursive: true, force: true });
    },
  };
}

function directoryKind(path: string): 'helm' | 'kustomize' | undefined {
  if (path === '-' || !existsSync(path) || !statSync(path).isDirectory()) return undefined;
  if (existsSync(join(path, 'Chart.yaml'))) return 'helm';
  return KUSTOMIZATION_FILES.some((f) => existsSync(join(path, f))) ? 'kustomize' : undefined;
}

const kustomizationFile = (dir: string): string => KUSTOMIZATION_FILES.find((f) => existsSync(join(dir, f))) ?? 'kustomization.yaml';

/** helm's `# Source: CHART/templates/x.yaml` lines, as the template path inside the chart, by 1-based line. */
function helmSources(text: string): Array<{ line: number; file: string }> {
  const sources: Array<{ line: number; file: string }> = [];
  text.split('\n').forEach((line, i) => {
    const m = /^# Source: [^/]+\/(.+)$/.exec(line);
    // A subchart's templates are under charts/NAME/ in the chart, as helm names them.
    if (m?.[1]) sources.push({ line: i + 1, file: m[1].trim() });
  });
  return sources;
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function helmBinary(env: NodeJS.ProcessEnv, chart: string): string {
  const binary = env['HOSTPOD_HELM'] || onPath('helm', env);
  if (!binary) {
    throw new HostpodError('ERR_HOSTPOD_NO_HELM', `${chart} is a Helm chart (it has Chart.yaml), and helm is not on PATH`, {
      hint: 'install helm, or set HOSTPOD_HELM to its binary; or lint the output of helm template yourself (helm template CHART | hostpod lint -)',
    });
  }
  return binary;
}

function kubectlBinary(env: NodeJS.ProcessEnv, dir: string): string {
  const binary = env['HOSTPOD_KUBECTL'] || onPath('kubectl', env);
  if (!binary) {
    throw new HostpodError('ERR_HOSTPOD_NO_KUBECTL', `${dir} is a kustomization (it has kustomization.yaml), and kubectl is not on PATH`, {
      hint: 'install kubectl, or set HOSTPOD_KUBECTL to its binary; or lint the output yourself (kubectl kustomize DIR | hostpod lint -)',
    });
  }
  return binary;
}

function run(binary: string, args: string[], dir: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      const detail = stderr.trim() || error.message;
      reject(new HostpodError('ERR_HOSTPOD_RENDER', `${what} ${dir} failed: ${detail}`, {
        hint: `run ${what} ${dir} yourself to see the whole output; lint reads what it prints`,
        cause: error,
      }));
    });
  });
}
