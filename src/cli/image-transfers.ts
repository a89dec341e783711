/**
 * What the `hostpod image` commands that move images in and out of the store do: pull, import
 * and export. Apart from the others, as they load the registry client and the tar archives.
 */
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { HostpodError, isHostpodError } from '../errors.js';
import { builtinImage, ensureBuiltin } from '../runtime/image/builtin.js';
import { shortId } from '../runtime/image/digest.js';
import { exportImages } from '../runtime/image/export.js';
import { importImages } from '../runtime/image/import.js';
import { parsePlatform } from '../runtime/image/platform.js';
import { pullImage } from '../runtime/image/pull.js';
import { parseReference } from '../runtime/image/reference.js';
import { CredentialStore, defaultAuthFile } from '../runtime/image/registry/credentials.js';
import type { ImageFlags } from './image.js';
import { openStore } from './image-handlers.js';
import type { CommandIO } from './io.js';
import { PullReporter, type StreamLike } from './progress.js';

/** `hostpod image pull`. */
export async function imagePull(reference: string, flags: ImageFlags & { plainHttp?: boolean; platform?: string; authfile?: string; quiet?: boolean }, io: CommandIO): Promise<void> {
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
}

/** `hostpod image import`. */
export async function imageImport(source: string, flags: ImageFlags & { name?: string; platform?: string }, io: CommandIO): Promise<void> {
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
}

/** `hostpod image export`. */
export async function imageExport(references: string[], flags: ImageFlags & { output?: string }, io: CommandIO): Promise<void> {
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
}
