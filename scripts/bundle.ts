/**
 * Bundles the hostpod command for a fast start: `npm run build` runs it, then builds the monitor.
 *
 * 1. esbuild bundles src/cli/main.ts and the packages it uses into one CommonJS file,
 *    dist/cli/main.cjs. The command handlers are imported with import(), so esbuild wraps each in
 *    a function that runs only when its command does: `hostpod lint` never evaluates the control
 *    plane, the runtime or the node agent. Packages only the servers use stay packages, loaded
 *    from node_modules when first needed: better-sqlite3 (a native module), protobufjs (it finds
 *    its optional parts with an eval'd require), @peculiar/x509 with reflect-metadata, and ws.
 * 2. It runs the quick commands in this process (lint, --help, and image ls and ps on a temporary
 *    data directory), with the bundle loaded as bin/hostpod.js loads it, and writes V8's code
 *    cache of what they compiled to dist/cli/main.cjs.cache: later starts deserialize that code
 *    instead of parsing and compiling it. V8 refuses a cache made by another V8 version or with
 *    other V8 flags (node --max-old-space-size=...); the bundle is then compiled as usual.
 *
 * `import.meta.url` in hostpod's own modules becomes the URL the module has in the unbundled
 * layout (src/X.ts as dist/X.js), so paths relative to it hold: the monitor binary built beside
 * it (dist/runtime/monitor/hostpod-monitor), package.json, the packages resolved from it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Script } from 'node:vm';
import { build, type Plugin } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const BUNDLE = join(DIST, 'cli', 'main.cjs');
const EXTERNAL = ['better-sqlite3', 'protobufjs', '@peculiar/x509', 'reflect-metadata', 'ws', '@kubernetes/client-node'];

/** Rewrites `import.meta.url` in src/ to the module's unbundled URL, relative to the bundle's file. */
const moduleUrls: Plugin = {
  name: 'hostpod-module-urls',
  setup(plugin) {
    plugin.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      if (!path.startsWith(`${SRC}/`)) return undefined;
      const source = await readFile(path, 'utf8');
      if (/import\.meta\.(dirname|filename)/.test(source)) {
        return { errors: [{ text: `${relative(ROOT, path)}: use import.meta.url (the bundle rewrites it), not import.meta.dirname or filename` }] };
      }
      if (!source.includes('import.meta.url')) return undefined;
      const unbundled = relative(join(BUNDLE, '..'), join(DIST, relative(SRC, path)).replace(/\.ts$/, '.js'));
      const url = `new URL(${JSON.stringify(unbundled)}, require('node:url').pathToFileURL(__filename)).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * import() of a package left out of the bundle becomes require(): a function V8 restores from a
 * code cache made in another process has lost Node's dynamic import callback (import() there
 * throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). The packages are CommonJS, or ship a CommonJS
 * build, and their namespace comes out as Node's import() gives it (module.exports as default).
 */
const requiredPackages: Plugin = {
  name: 'hostpod-required-packages',
  setup(plugin) {
    const filter = new RegExp(`^(${EXTERNAL.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
    plugin.onResolve({ filter }, ({ path, kind }) => (kind === 'dynamic-import' ? { path, namespace: 'required-package' } : { path, external: true }));
    plugin.onLoad({ filter: /.*/, namespace: 'required-package' }, ({ path }) => ({ contents: `module.exports = require(${JSON.stringify(path)});`, loader: 'js' }));
  },
};

/** The commands whose code the cache holds: the quick ones, whose start is most of their time. */
async function train(main: (argv: string[], io: { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough }) => Promise<number>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-bundle-'));
  try {
    const manifest = join(dir, 'manifest.yaml');
    await writeFile(manifest, TRAINING_MANIFEST);
    for (const argv of [['lint', manifest], ['lint', '-o', 'json', manifest], ['--help'], ['lint', '--help'], ['image', 'ls', '--data-dir', join(dir, 'data')], ['ps', '--data-dir', join(dir, 'data')]]) {
      const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
      let output = '';
      io.stdout.resume();
      io.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await main(argv, io);
      if (code !== 0 && code !== 1) throw new Error(`hostpod ${argv.join(' ')} exited ${code}: ${output}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const TRAINING_MANIFEST = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: trainer, namespace: kube-system}
spec:
  selector: {matchLabels: {app: trainer}}
  template:
    metadata: {labels: {app: trainer}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      securityContext:
        windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}
      hostNetwork: true
      containers:
      - name: main
        image: localhost/hostprocess-base:latest
        command: ["/bin/sh", "-c", "sleep 1"]
        resources: {limits: {memory: 64Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: plain}
spec:
  containers: [{name: main, image: busybox, securityContext: {privileged: true}}]
`;

await rm(DIST, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ['src/cli/main.ts'],
  outfile: BUNDLE,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  charset: 'ascii',
  logLevel: 'warning',
  plugins: [moduleUrls, requiredPackages],
});
if (/[^\w$.]import\(/.test(await readFile(BUNDLE, 'latin1'))) throw new Error(`${BUNDLE} calls import(): see requiredPackages`);
// bin/hostpod.js reads the bundle as latin1, exact for ASCII only (charset: 'ascii' escapes the rest).
if ((await readFile(BUNDLE)).some((byte) => byte > 0x7f)) throw new Error(`${BUNDLE} is not ASCII`);
const { loadBundle } = createRequire(import.meta.url)('../bin/hostpod.js') as {
  loadBundle: (file: string, cachedData: undefined) => { exports: { main: Parameters<typeof train>[0] }; script: Script };
};
const { exports, script } = loadBundle(BUNDLE, undefined);
await train(exports.main);
await writeFile(`${BUNDLE}.cache`, script.createCachedData());
console.log(`hostpod: bundled ${relative(ROOT, BUNDLE)}, with its code cache`);
