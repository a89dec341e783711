/**
 * hostpod's exit codes: one scheme for every command.
 *
 * | code | meaning |
 * | ---- | ------- |
 * | 0    | success |
 * | 1    | the command ran and failed, or found something: lint found an invalid or denied object (with --server: also one the server refused or could not judge); an operation failed (an image not in the store, a registry or API server unreachable, a damaged store, a bad config file or kubeconfig) |
 * | 2    | usage or input error: a bad flag, argument or combination of flags, or an input file that cannot be read or is not what the command takes (the manifests of `lint` and `run -f`, the archive of `image import`); the message names the flag or file and the fix |
 * | 3    | internal error: a bug in hostpod, printed with its stack |
 *
 * `hostpod run` and `hostpod exec` end with the exit code of what they ran (run: the first
 * container that failed, in the order they ended; exec: the command), as `docker run` and
 * `kubectl run --attach` do. So that a workload's 1 is not taken for hostpod's, hostpod's own
 * failures there exit 125, as docker's do: the pod refused by validation, Pod Security or node
 * fit, not root, an image that cannot be pulled, a container exec cannot find or that is not
 * running. Usage and input errors still exit 2 there, as in every other command, so one mistake
 * gets one code: they are found before anything runs, and standard error then starts with
 * `error:`. A container whose command cannot start is the container's result, not hostpod's:
 * StartError with exit code 128, as the kubelet reports it. Bugs exit 3 everywhere.
 */
import { isHostpodError } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** A bug in hostpod: reported with its stack. */
export const EXIT_INTERNAL = 3;
/** `run` and `exec`: hostpod failed before or instead of running the workload (docker run's 125). */
export const EXIT_NOT_RUN = 125;

/** How a command's failures map to exit codes: `pass-through` for the commands that end with their workload's code. */
export type ExitScheme = 'own' | 'pass-through';

/**
 * The HostpodError codes that mean the command line or its input file is wrong, whichever
 * command meets them; every other code a user can fix is a failure.
 */
const USAGE_ERRORS: ReadonlySet<string> = new Set([
  'ERR_HOSTPOD_USAGE', // a flag, argument or combination the command line parser cannot check
  'ERR_HOSTPOD_UNREADABLE', // a manifest that cannot be read or is not text
  'ERR_HOSTPOD_MANIFEST', // a document that is not a Kubernetes object
  'ERR_HOSTPOD_NO_OBJECTS', // manifests without a single object
  'ERR_HOSTPOD_NO_HELM', // lint of a Helm chart without helm
  'ERR_HOSTPOD_NO_KUBECTL', // lint of a kustomization without kubectl
  'ERR_HOSTPOD_RENDER', // lint: helm template or kubectl kustomize failed
  'ERR_HOSTPOD_RUN_KIND', // run -f: not exactly one Pod or DaemonSet
  'ERR_HOSTPOD_IMPORT', // image import: the archive is missing or not a complete image archive
  'ERR_HOSTPOD_KUBELET_ADDRESS', // --kubelet-address and --address
  'ERR_HOSTPOD_ADDRESS_NOT_LOCAL', // --listen or --kubelet-address: not an address of this host
  'ERR_HOSTPOD_NOT_A_TTY', // exec -t without a terminal
]);

/** Whether an error a user can fix is a usage or input error (exit 2) rather than a failure. */
export function isUsageError(error: unknown): boolean {
  return isHostpodError(error) && USAGE_ERRORS.has(error.code);
}

/** The exit code of a failure a user can fix: 2 for usage and input errors, else the scheme's failure code. */
export function exitCodeOf(error: unknown, scheme: ExitScheme = 'own'): number {
  if (isUsageError(error)) return EXIT_USAGE;
  return failedCode(scheme);
}

/** The exit code of "the command ran and failed" in a scheme: 1, or 125 where the workload's code is passed through. */
export function failedCode(scheme: ExitScheme): number {
  return scheme === 'pass-through' ? EXIT_NOT_RUN : EXIT_FAILED;
}
