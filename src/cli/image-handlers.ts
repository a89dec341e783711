/**
 * What the `hostpod image` commands on the store itself do: ls, inspect, rm and prune (pull,
 * import and export are in image-transfers.ts).
 */
import { stringify } from 'yaml';
import { loadConfig, type ConfigFlags } from '../config.js';
import { builtinImage, ensureBuiltin } from '../runtime/image/builtin.js';
import { shortId } from '../runtime/image/digest.js';
import { formatPlatform } from '../runtime/image/platform.js';
import type { ImageRecord } from '../runtime/image/records.js';
import { parseReference } from '../runtime/image/reference.js';
import { ImageStore } from '../runtime/image/store.js';
import type { ImageFlags } from './image.js';
import type { CommandIO } from './io.js';
import { formatBytes } from './progress.js';
import { ago, table } from './table.js';

/** The image store of the data directory `flags` and the config file choose. */
export function openStore(flags: ConfigFlags): { store: ImageStore; insecureRegistries: string[] } {
  const config = loadConfig(flags);
  return { store: new ImageStore(config.dataDir), insecureRegistries: config.insecureRegistries };
}

function listRows(images: ImageRecord[]): string[][] {
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']];
  for (const image of images) {
    const ref = parseReference(image.name);
    rows.push([ref.name, ref.tag ?? '<none>', shortId(image.config), ago(image.created), formatBytes(image.size)]);
  }
  return rows;
}

function parseReferenceSafe(value: string): string | undefined {
  try {
    return parseReference(value).canonical;
  } catch {
    return undefined;
  }
}

/** `hostpod image ls`. */
export async function imageLs(flags: ImageFlags & { output: string; quiet?: boolean }, io: CommandIO): Promise<void> {
  const { store } = openStore(flags);
  await ensureBuiltin(store);
  const images = store.list();
  if (flags.output === 'json') io.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
  else if (flags.quiet) io.stdout.write([...new Set(images.map((i) => i.config))].map((c) => `${c}\n`).join(''));
  else io.stdout.write(table(listRows(images)));
}

/** `hostpod image inspect`. */
export async function imageInspect(reference: string, flags: ImageFlags & { output: string }, io: CommandIO): Promise<void> {
  const { store } = openStore(flags);
  if (parseReferenceSafe(reference) === builtinImage.reference) await ensureBuiltin(store);
  const record = store.get(reference);
  const config = store.config(record);
  const view = { ...record, id: record.config, platform: formatPlatform(record.platform), rootfs: store.rootfs(record) ?? null, usedBy: store.usersOf(record), config: config.config ?? {}, history: config.history ?? [] };
  io.stdout.write(flags.output === 'yaml' ? stringify(view) : `${JSON.stringify(view, null, 2)}\n`);
}

/** `hostpod image rm`. */
export async function imageRm(references: string[], flags: ImageFlags & { force?: boolean }, io: CommandIO): Promise<void> {
  const { store } = openStore(flags);
  for (const reference of references) {
    const { removed, gc } = await store.remove(reference, flags.force === true);
    io.stdout.write(`Untagged: ${removed.name}\n`);
    if (gc.blobs + gc.snapshots > 0) io.stdout.write(`Deleted: ${gc.blobs} blobs, ${gc.snapshots} snapshots (${formatBytes(gc.bytes)} of content)\n`);
  }
}

/** `hostpod image prune`. */
export async function imagePrune(flags: ImageFlags & { all?: boolean }, io: CommandIO): Promise<void> {
  const { store } = openStore(flags);
  const gc = await store.gc(flags.all === true);
  for (const name of gc.images) io.stdout.write(`Untagged: ${name}\n`);
  io.stdout.write(`Deleted ${gc.blobs} blobs and ${gc.snapshots} snapshots; reclaimed ${formatBytes(gc.bytes)} of content\n`);
}
