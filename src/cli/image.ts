/**
 * `hostpod image`: the image store on this host (ls, pull, build, push, import, export, inspect, rm,
 * prune).
 * The command lines; the work is in image-handlers.ts, loaded when a command runs.
 */
import { Command, Option } from 'commander';
import type { ConfigFlags } from '../config.js';
import { withDataOptions } from './data-options.js';
import type { CommandIO } from './io.js';
import { runReported as run } from './report-errors.js';

export type ImageFlags = ConfigFlags & Record<string, unknown>;

// Loaded when a command runs: the image store is not read for --help or for the other commands,
// nor the registry client and the tar archives for the commands on the store itself.
const handlers = () => import('./image-handlers.js');
const transfers = () => import('./image-transfers.js');
const builds = () => import('./image-build.js');

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function imageCommand(io: CommandIO, exit: { code: number }): Command {
  const image = new Command('image').description('manage the images HostProcess containers run from');

  image.addCommand(
    withDataOptions(new Command('ls'))
      .alias('list')
      .description('list images in the store')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
      .addOption(new Option('-q, --quiet', 'print image IDs only'))
      .action((flags: ImageFlags & { output: string; quiet?: boolean }) => run(io, exit, async () => (await handlers()).imageLs(flags, io))),
  );

  image.addCommand(
    withDataOptions(new Command('pull'))
      .description('pull an image from a registry (OCI distribution API) into the store')
      .argument('<reference>', 'image reference: [registry[:port]/]repository[:tag][@sha256:digest]')
      .addOption(new Option('--plain-http', 'talk plain HTTP to the registry (no TLS)'))
      .addOption(new Option('--platform <os/arch[/variant]>', 'pull this platform instead of the host\'s'))
      .addOption(new Option('--authfile <file>', 'registry credentials (docker config.json format; default: $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json, else ~/.docker/config.json)'))
      .addOption(new Option('-q, --quiet', 'no progress output'))
      .action((reference: string, flags: ImageFlags & { plainHttp?: boolean; platform?: string; authfile?: string; quiet?: boolean }) => run(io, exit, async () => (await transfers()).imagePull(reference, flags, io))),
  );

  image.addCommand(
    withDataOptions(new Command('build'))
      .description('build an image from a directory and a Containerfile (FROM, COPY, ADD, ENV, WORKDIR, ENTRYPOINT, CMD, USER, LABEL, ARG; nothing runs at build time)')
      .argument('[context]', 'the build context: the directory COPY and ADD read from', '.')
      .addOption(new Option('-f, --file <file>', 'the Containerfile (default: CONTEXT/Containerfile, else CONTEXT/Dockerfile)'))
      .addOption(new Option('-t, --tag <reference>', 'name the image (repeatable); recorded in the store, and where --push sends it').argParser(collect))
      .addOption(new Option('--platform <os/arch,...>', 'platforms to build: linux/amd64, linux/arm64, windows/amd64; several make one index (default: FROM --platform, else this host)'))
      .addOption(new Option('--os-version <version>', 'os.version of windows images, e.g. 10.0.17763.1 (default: the base image\'s)'))
      .addOption(new Option('--build-arg <name=value>', 'set an ARG (repeatable)').argParser(collect))
      .addOption(new Option('--output <spec>', 'also write type=oci,dest=FILE.tar: an OCI layout tarball'))
      .addOption(new Option('--push', 'push the image to the registry of each -t after building'))
      .addOption(new Option('--plain-http', 'talk plain HTTP to registries (no TLS)'))
      .addOption(new Option('--authfile <file>', 'registry credentials for pulling the base and pushing (docker config.json format)'))
      .addOption(new Option('--chunk-size <size>', 'with --push: upload blobs larger than this in chunks (e.g. 5M); whole by default'))
      .addOption(new Option('-q, --quiet', 'no progress output'))
      .addHelpText('after', '\nSOURCE_DATE_EPOCH (seconds) sets every file time and the created time (default 0): the same inputs give the same digest.')
      .action((context: string, flags: ImageFlags) => run(io, exit, async () => (await builds()).imageBuild(context, flags, io))),
  );

  image.addCommand(
    withDataOptions(new Command('push'))
      .description('push an image from the store to a registry (OCI distribution API)')
      .argument('<reference>', 'the image in the store (its name is where it goes, unless -t)')
      .addOption(new Option('-t, --tag <reference>', 'push under this name instead').argParser(collect))
      .addOption(new Option('--plain-http', 'talk plain HTTP to the registry (no TLS)'))
      .addOption(new Option('--authfile <file>', 'registry credentials (docker config.json format; default: $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json, else ~/.docker/config.json)'))
      .addOption(new Option('--chunk-size <size>', 'upload blobs larger than this in chunks (e.g. 5M); whole by default'))
      .addOption(new Option('-q, --quiet', 'no progress output'))
      .action((reference: string, flags: ImageFlags) => run(io, exit, async () => (await builds()).imagePush(reference, flags, io))),
  );

  image.addCommand(
    withDataOptions(new Command('import'))
      .description('import images from a docker save or OCI layout tarball, an OCI layout directory, or - (stdin)')
      .argument('<source>', 'tarball, OCI layout directory, or - for a tarball on stdin')
      .addOption(new Option('--name <reference>', 'name for an image the archive does not name (or the repository for a bare tag)'))
      .addOption(new Option('--platform <os/arch[/variant]>', 'import this platform instead of the host\'s'))
      .action((source: string, flags: ImageFlags & { name?: string; platform?: string }) => run(io, exit, async () => (await transfers()).imageImport(source, flags, io))),
  );

  image.addCommand(
    withDataOptions(new Command('export'))
      .description('write images as an OCI layout tarball (readable by hostpod, skopeo, podman and docker load)')
      .argument('<references...>', 'images to export')
      .addOption(new Option('-o, --output <file>', 'the tarball to write; - for standard output (the default; refused on a terminal)'))
      .action((references: string[], flags: ImageFlags & { output?: string }) => run(io, exit, async () => (await transfers()).imageExport(references, flags, io))),
  );

  image.addCommand(
    withDataOptions(new Command('inspect'))
      .description('show an image: its record, platform, layers and config')
      .argument('<reference>', 'image reference or ID')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']).default('json'))
      .action((reference: string, flags: ImageFlags & { output: string }) => run(io, exit, async () => (await handlers()).imageInspect(reference, flags, io))),
  );

  image.addCommand(
    withDataOptions(new Command('rm'))
      .alias('remove')
      .description('remove image names; content nothing else uses is deleted')
      .argument('<references...>', 'image references or IDs')
      .addOption(new Option('-f, --force', 'remove even an image a container uses (its content stays while the container lives)'))
      .action((references: string[], flags: ImageFlags & { force?: boolean }) => run(io, exit, async () => (await handlers()).imageRm(references, flags, io))),
  );

  image.addCommand(
    withDataOptions(new Command('prune'))
      .description('delete content no image uses, and leftovers of interrupted pulls')
      .addOption(new Option('-a, --all', 'also remove every image no container uses (built-in images stay)'))
      .action((flags: ImageFlags & { all?: boolean }) => run(io, exit, async () => (await handlers()).imagePrune(flags, io))),
  );
  return image;
}
