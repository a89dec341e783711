/**
 * `hostpod image`: the image store on this host (ls, pull, import, export, inspect, rm, prune).
 */
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { loadConfig, type ConfigFlags } from '../config.js';
import { HostpodError, isHostpodError } from '../errors.js';
import { ensureBuiltin, builtinImage } from '../runtime/image/builtin.js';
import { shortId } from '../runtime/image/digest.js';
import { exportImages } from '../runtime/image/export.js';
import { importImages } from '../runtime/image/import.js';
import { parsePlatform, formatPlatform } from '../runtime/image/platform.js';
import { pullImage } from '../runtime/image/pull.js';
import type { ImageRecord } from '../runtime/image/records.js';
import { parseReference } from '../runtime/image/reference.js';
import { CredentialStore, defaultAuthFile } from '../runtime/image/registry/credentials.js';
import { ImageStore } from '../runtime/image/store.js';
import type { CommandIO } from './io.js';
import { runReported as run } from './report-errors.js';
import { withDataOptions } from './runtime-context.js';
import { formatBytes, PullReporter, type StreamLike } from './progress.js';

type Flags = ConfigFlags & Record<string, unknown>;


function openStore(flags: ConfigFlags): { store: ImageStore; insecureRegistries: string[] } {
  const config = loadConfig(flags);
  return { store: new ImageStore(config.dataDir), insecureRegistries: config.insecureRegistries };
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'unknown';
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return 'unknown';
  const steps: [number, string][] = [
    [60 * 60 * 24 * 365, 'year'],
    [60 * 60 * 24 * 30, 'month'],
    [60 * 60 * 24 * 7, 'week'],
    [60 * 60 * 24, 'day'],
    [60 * 60, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of steps) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'less than a minute ago';
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}

function listRows(images: ImageRecord[]): string[][] {
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
  for (const image of images) {
    const ref = parseReference(image.name);
    rows.push([ref.name, ref.tag ?? '<none>', shortId(image.config), ago(image.created), formatBytes(image.size)]);
  }
  return rows;
}

export function imageCommand(io: CommandIO, exit: { code: number }): Command {
  const image = new Command('image').description('manage the images HostProcess containers run from');

  image.addCommand(
    withDataOptions(new Command('ls'))
      .alias('list')
      .description('list images in the store')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
      .addOption(new Option('-q, --quiet', 'print image IDs only'))
      .action((flags: Flags & { output: string; quiet?: boolean }) =>
        run(io, exit, async () => {
          const { store } = openStore(flags);
          await ensureBuiltin(store);
          const images = store.list();
          if (flags.output === 'json') io.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
          else if (flags.quiet) io.stdout.write([...new Set(images.map((i) => i.config))].map((c) => `${c}\n`).join(''));
          else io.stdout.write(table(listRows(images)));
        }),
      ),
  );

  image.addCommand(
    withDataOptions(new Command('pull'))
      .description('pull an image from a registry (OCI distribution API) into the store')
      .argument('<reference>', 'image reference: [registry[:port]/]repository[:tag][@sha256:digest]')
      .addOption(new Option('--plain-http', 'talk plain HTTP to the registry (no TLS)'))
      .addOption(new Option('--platform <os/arch[/variant]>', 'pull this platform instead of the host\'s'))
      .addOption(new Option('--authfile <file>', `registry credentials (docker config.json format; default: ${defaultAuthFile()})`))
      .addOption(new Option('-q, --quiet', 'no progress output'))
      .action((reference: string, flags: Flags & { plainHttp?: boolean; platform?: string; authfile?: string; quiet?: boolean }) =>
        run(io, exit, async () => {
          const { store, insecureRegistries } = openStore(flags);
          const reporter = new PullReporter(io.stderr);
          const record = await pullImage(store, reference, {
            plainHttp: flags.plainHttp === true,
            insecureRegistries,
            credentials: new CredentialStore(flags.authfile ?? defaultAuthFile()),
            ...(flags.platform ? { platform: parsePlatform(flags.platform) } : {}),
            ...(flags.quiet ? {} : { progress: reporter }),
          }).finally(() => reporter.finish());
          io.stdout.write(flags.quiet ? `${record.name}\n` : `${record.name}: pulled, image ID ${shortId(record.config)}, digest ${record.target.digest}\n`);
        }),
      ),
  );

  image.addCommand(
    withDataOptions(new Command('import'))
      .description('import images from a docker save or OCI layout tarball, an OCI layout directory, or - (stdin)')
      .argument('<source>', 'tarball, OCI layout directory, or - for a tarball on stdin')
      .addOption(new Option('--name <reference>', 'name for an image the archive does not name (or the repository for a bare tag)'))
      .addOption(new Option('--platform <os/arch[/variant]>', 'import this platform instead of the host\'s'))
      .action((source: string, flags: Flags & { name?: string; platform?: string }) =>
        run(io, exit, async () => {
          const { store } = openStore(flags);
          const records = await importImages(store, source, io.stdin, {
            ...(flags.name ? { name: flags.name } : {}),
            ...(flags.platform ? { platform: parsePlatform(flags.platform) } : {}),
            progress: { unpacked: (layer, skipped) => skipped.forEach((s) => io.stderr.write(`warning: layer ${shortId(layer.digest)}: skipped ${s.path}: ${s.reason}\n`)) },
          }).catch((error: unknown) => {
            // A blob that does not match its digest is, in an import, a damaged archive: an input
            // error like any other fault of the archive (in a pull it is the registry's failure).
            throw isHostpodError(error, 'ERR_HOSTPOD_BLOB_INVALID') ? new HostpodError('ERR_HOSTPOD_IMPORT', error.message, { hint: error.hint, cause: error }) : error;
          });
          for (const r of records) io.stdout.write(`${r.name}: imported, image ID ${shortId(r.config)}\n`);
        }),
      ),
  );

  image.addCommand(
    withDataOptions(new Command('export'))
      .description('write images as an OCI layout tarball (readable by hostpod, skopeo, podman and docker load)')
      .argument('<references...>', 'images to export')
      .addOption(new Option('-o, --output <file>', 'the tarball to write; - for stdout'))
      .action((references: string[], flags: Flags & { output?: string }) =>
        run(io, exit, async () => {
          const { store } = openStore(flags);
          if (references.some((r) => r === builtinImage.reference || parseReference(r).canonical === builtinImage.reference)) await ensureBuiltin(store);
          const images = references.map((r) => store.get(r));
          const target = flags.output ?? '-';
          if (target === '-' && (io.stdout as StreamLike).isTTY) {
            throw new HostpodError('ERR_HOSTPOD_EXPORT', 'refusing to write a tarball to the terminal', { hint: 'pass -o FILE, or redirect standard output' });
          }
          if (target !== '-' && !existsSync(dirname(resolve(target)))) {
            throw new HostpodError('ERR_HOSTPOD_EXPORT', `cannot write ${target}: directory ${dirname(resolve(target))} does not exist`, { hint: 'create the directory first, or pick another path' });
          }
          const out: Writable = target === '-' ? io.stdout : createWriteStream(target, { flags: 'w', mode: 0o644 });
          try {
            await exportImages(store, images, out);
          } catch (error) {
            // No half-written tarball is left to be mistaken for a whole one.
            if (target !== '-') rmSync(target, { force: true });
            throw error;
          }
          if (target !== '-') {
            await finished(out).catch(() => undefined);
            io.stderr.write(`exported ${images.map((i) => i.name).join(', ')} to ${target}\n`);
          }
        }),
      ),
  );

  image.addCommand(
    withDataOptions(new Command('inspect'))
      .description('show an image: its record, platform, layers and config')
      .argument('<reference>', 'image reference or ID')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']).default('json'))
      .action((reference: string, flags: Flags & { output: string }) =>
        run(io, exit, async () => {
          const { store } = openStore(flags);
          if (parseReferenceSafe(reference) === builtinImage.reference) await ensureBuiltin(store);
          const record = store.get(reference);
          const config = store.config(record);
          const view = { ...record, id: record.config, platform: formatPlatform(record.platform), rootfs: store.rootfs(record) ?? null, usedBy: store.usersOf(record), config: config.config ?? {}, history: config.history ?? [] };
          io.stdout.write(flags.output === 'yaml' ? stringify(view) : `${JSON.stringify(view, null, 2)}\n`);
        }),
      ),
  );

  image.addCommand(
    withDataOptions(new Command('rm'))
      .alias('remove')
      .description('remove image names; content nothing else uses is deleted')
      .argument('<references...>', 'image references or IDs')
      .addOption(new Option('-f, --force', 'remove even an image a container uses (its content stays while the container lives)'))
      .action((references: string[], flags: Flags & { force?: boolean }) =>
        run(io, exit, async () => {
          const { store } = openStore(flags);
          for (const reference of references) {
            const { removed, gc } = await store.remove(reference, flags.force === true);
            io.stdout.write(`Untagged: ${removed.name}\n`);
            if (gc.blobs + gc.snapshots > 0) io.stdout.write(`Deleted: ${gc.blobs} blobs, ${gc.snapshots} snapshots (${formatBytes(gc.bytes)} of content)\n`);
          }
        }),
      ),
  );

  image.addCommand(
    withDataOptions(new Command('prune'))
      .description('delete content no image uses, and leftovers of interrupted pulls')
      .addOption(new Option('-a, --all', 'also remove every image no container uses (built-in images stay)'))
      .action((flags: Flags & { all?: boolean }) =>
        run(io, exit, async () => {
          const { store } = openStore(flags);
          const gc = await store.gc(flags.all === true);
          for (const name of gc.images) io.stdout.write(`Untagged: ${name}\n`);
          io.stdout.write(`Deleted ${gc.blobs} blobs and ${gc.snapshots} snapshots; reclaimed ${formatBytes(gc.bytes)} of content\n`);
        }),
      ),
  );
  return image;
}

function parseReferenceSafe(value: string): string | undefined {
  try {
    return parseReference(value).canonical;
  } catch {
    return undefined;
  }
}
