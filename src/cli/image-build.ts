/**
 * What `hostpod image build` and `hostpod image push` do. Apart from the other image commands,
 * as they load the build and push code.
 */
import { createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { HostpodError } from '../errors.js';
import { buildImage } from '../runtime/image/build/build.js';
import { recordBuild, writeOciArchive } from '../runtime/image/build/output.js';
import { shortId } from '../runtime/image/digest.js';
import { isIndexType, parseManifestOrIndex } from '../runtime/image/oci.js';
import { formatPlatform, parsePlatform } from '../runtime/image/platform.js';
import { pushImage } from '../runtime/image/push.js';
import { parseReference } from '../runtime/image/reference.js';
import { CredentialStore, defaultAuthFile } from '../runtime/image/registry/credentials.js';
import type { ImageStore } from '../runtime/image/store.js';
import type { ImageFlags } from './image.js';
import { openStore } from './image-handlers.js';
import type { CommandIO } from './io.js';
import { PushReporter } from './progress.js';

export interface BuildFlags extends ImageFlags {
  file?: string;
  tag?: string[];
  platform?: string;
  osVersion?: string;
  buildArg?: string[];
  output?: string;
  push?: boolean;
  plainHttp?: boolean;
  authfile?: string;
  chunkSize?: string;
  quiet?: boolean;
}

function epochFrom(env: NodeJS.ProcessEnv): number {
  const value = env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return 0;
  if (!/^\d+$/.test(value)) throw new HostpodError('ERR_HOSTPOD_BUILD', `SOURCE_DATE_EPOCH is "${value}", not a number of seconds`, { hint: 'set it to seconds since 1970, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)' });
  return Number(value);
}

function chunkSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)([kKmM]i?B?)?$/.exec(value);
  if (!m) throw new HostpodError('ERR_HOSTPOD_PUSH', `--chunk-size ${value} is not a size`, { hint: 'write bytes, or a number with k or M, e.g. --chunk-size 5M' });
  const unit = (m[2] ?? '').toLowerCase().startsWith('m') ? 1 << 20 : (m[2] ?? '').toLowerCase().startsWith('k') ? 1 << 10 : 1;
  return Number(m[1]) * unit;
}

function outputSpec(value: string | undefined): { dest: string } | undefined {
  if (value === undefined) return undefined;
  const fields = Object.fromEntries(value.split(',').map((kv) => [kv.split('=')[0] ?? '', kv.slice(kv.indexOf('=') + 1)]));
  if (fields.type !== 'oci' || !fields.dest) throw new HostpodError('ERR_HOSTPOD_BUILD', `--output ${value} is not an output hostpod writes`, { hint: 'write --output type=oci,dest=FILE.tar (an OCI layout tarball); the store is the default, and --push sends to a registry' });
  return { dest: fields.dest };
}

function pushOptions(store: ImageStore, flags: BuildFlags, insecureRegistries: string[], reporter: PushReporter, registry: string, baseBlobs: ReadonlyMap<string, string> = new Map()) {
  // Blobs of images pulled from the same registry can be mounted from their repository.
  const sources = new Map<string, string>();
  for (const [digest, name] of baseBlobs) {
    const ref = parseReference(name);
    if (ref.registry === registry) sources.set(digest, ref.repository);
  }
  for (const image of store.list()) {
    const ref = parseReference(image.name);
    if (image.source !== 'registry' || ref.registry !== registry) continue;
    for (const digest of [image.config, ...image.layers.map((l) => l.digest)]) sources.set(digest, ref.repository);
  }
  const chunk = chunkSize(flags.chunkSize);
  return {
    plainHttp: flags.plainHttp === true,
    insecureRegistries,
    credentials: new CredentialStore(flags.authfile ?? defaultAuthFile()),
    sources,
    ...(chunk !== undefined ? { chunkSize: chunk } : {}),
    ...(flags.quiet ? {} : { progress: reporter }),
  };
}

/** `hostpod image build`. */
export async function imageBuild(context: string, flags: BuildFlags, io: CommandIO): Promise<void> {
  const { store, insecureRegistries } = openStore(flags);
  if (!existsSync(context) || !statSync(context).isDirectory()) throw new HostpodError('ERR_HOSTPOD_BUILD', `build context ${context} is not a directory`, { hint: 'give the directory that holds the files to COPY (often .)' });
  const file = flags.file ?? [join(context, 'Containerfile'), join(context, 'Dockerfile')].find((f) => existsSync(f));
  if (file === undefined || !existsSync(file)) throw new HostpodError('ERR_HOSTPOD_BUILD', `no ${flags.file ?? `Containerfile or Dockerfile in ${context}`}`, { hint: 'write a Containerfile in the context, or pass -f FILE' });
  const tags = flags.tag ?? [];
  tags.forEach((t) => parseReference(t));
  const output = outputSpec(flags.output);
  if (flags.push && tags.length === 0) throw new HostpodError('ERR_HOSTPOD_BUILD', '--push needs a name to push to', { hint: 'pass -t registry/repository:tag' });
  if (output && !existsSync(dirname(resolve(output.dest)))) throw new HostpodError('ERR_HOSTPOD_BUILD', `--output dest ${output.dest}: directory ${dirname(resolve(output.dest))} does not exist`, { hint: 'create the directory first, or pick another path' });
  const buildArgs: Record<string, string> = {};
  for (const a of flags.buildArg ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new HostpodError('ERR_HOSTPOD_BUILD', `--build-arg ${a} is not NAME=value`, { hint: 'write --build-arg NAME=value' });
    buildArgs[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const lease = store.beginLease(`build:${resolve(context)}`);
  try {
    const result = await buildImage(
      store,
      {
        context,
        file,
        buildArgs,
        ...(flags.platform ? { platforms: flags.platform.split(',').map((p) => parsePlatform(p.trim())) } : {}),
        ...(flags.osVersion ? { osVersion: flags.osVersion } : {}),
        epoch: epochFrom(process.env),
        pull: { plainHttp: flags.plainHttp === true, insecureRegistries, credentials: new CredentialStore(flags.authfile ?? defaultAuthFile()) },
        ...(flags.quiet ? {} : { onStep: (m: string) => io.stderr.write(`${m}\n`) }),
      },
      lease,
    );
    for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
    const records = await recordBuild(store, result, tags, lease);
    if (output) {
      const out = createWriteStream(output.dest, { mode: 0o644 });
      try {
        await writeOciArchive(store, result.target, tags[0], out);
        await finished(out);
      } catch (error) {
        rmSync(output.dest, { force: true });
        throw error;
      }
    }
    if (flags.push) {
      for (const tag of tags) {
        const reporter = new PushReporter(io.stderr);
        const pushed = await pushImage(store, result.target, tag, pushOptions(store, flags, insecureRegistries, reporter, parseReference(tag).registry, result.baseBlobs)).finally(() => reporter.finish());
        io.stdout.write(`${pushed.ref.canonical}: pushed, digest ${pushed.digest}\n`);
      }
    }
    const id = result.images.length === 1 ? `image ID ${shortId(result.images[0]?.manifest.config.digest ?? '')}, ` : `${result.images.length} platforms, `;
    io.stdout.write(`built ${records.length > 0 ? records.map((r) => r.name).join(', ') : 'an unnamed image'}: ${id}digest ${result.target.digest}${output ? `, written to ${output.dest}` : ''}\n`);
  } finally {
    store.endLease(lease);
  }
}

/** `hostpod image push`. */
export async function imagePush(reference: string, flags: BuildFlags, io: CommandIO): Promise<void> {
  const { store, insecureRegistries } = openStore(flags);
  const record = store.get(reference);
  const destination = flags.tag?.[0] ?? record.name;
  let target = record.target;
  if (isIndexType(target.mediaType)) {
    const index = parseManifestOrIndex(store.content.read(target.digest), target.mediaType, record.name);
    const manifests = index.kind === 'index' ? index.index.manifests : [];
    const missing = manifests.filter((m) => !store.content.has(m.digest));
    if (missing.length > 0) {
      // A pull keeps one platform of an index: that platform's manifest is what can be pushed.
      target = { mediaType: store.manifest(record.manifest, '', record.name).mediaType, digest: record.manifest, size: store.content.size(record.manifest) };
      io.stderr.write(`warning: ${record.name} was pulled for ${formatPlatform(record.platform)} only: pushing that platform's manifest, not the index of ${manifests.length}\n`);
    }
  }
  const reporter = new PushReporter(io.stderr);
  const pushed = await pushImage(store, target, destination, pushOptions(store, flags, insecureRegistries, reporter, parseReference(destination).registry)).finally(() => reporter.finish());
  const counts = ['pushed', 'exists', 'mounted'].map((s) => `${pushed.blobs.filter((b) => b.state === s).length} ${s}`).join(', ');
  io.stdout.write(`${pushed.ref.canonical}: pushed, digest ${pushed.digest} (blobs: ${counts})\n`);
}
