/**
 * `hostpod run -f FILE`: admits one Pod (or the pod a DaemonSet would create on this node) with
 * the policy engine and runs it here as HostProcess containers until it ends or is stopped. The
 * command line; the work is in run-handler.ts, loaded when the command runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
// level.js, not the folder's index: the index builds every check, which only the handlers need.
import { parseLevelVersion, type LevelVersion } from '../policy/podsecurity/level.js';
import { MOUNT_MODE_ANNOTATION, type MountMode } from '../runtime/mount-mode.js';
import { withDataOptions } from './data-options.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';

export interface RunFlags {
  filename: string;
  dataDir?: string;
  config?: string;
  mountMode?: MountMode;
  podSecurity: LevelVersion;
}

function parseMode(value: string): MountMode {
  if (value !== 'bind' && value !== 'sandbox') throw new InvalidArgumentError('expected bind (containerd 1.7+: the image at /hpc in a mount namespace) or sandbox (1.6: a per-container folder)');
  return value;
}

export function runCommand(io: CommandIO, exit: { code: number }): Command {
  return withDataOptions(
    new Command('run')
      .description('run one Pod, or the pod a DaemonSet would create on this node, as HostProcess containers on this host')
      .requiredOption('-f, --filename <file>', 'the manifest: one Pod or one DaemonSet (Namespace objects may come first; required)')
      .addOption(new Option('--mount-mode <mode>', `bind (the image at /hpc in a mount namespace) or sandbox (a per-container folder); the pod annotation ${MOUNT_MODE_ANNOTATION} overrides it (default: the config file's runtime.mountMode, else bind)`).argParser(parseMode))
      .addOption(
        new Option('--pod-security <level[:version]>', 'admit the pod at this Pod Security level')
          .default(parseLevelVersion('privileged'), 'privileged')
          .argParser((value) => {
            const parsed = parseLevelVersion(value);
            if (!parsed) throw new InvalidArgumentError('expected LEVEL[:VERSION], e.g. privileged or baseline:v1.30');
            return parsed;
          }),
      ),
  ).action((flags: RunFlags) =>
    runReported(io, exit, async () => {
      const { runPodFile } = await import('./run-handler.js');
      exit.code = await runPodFile(flags, io);
    }, 'pass-through'),
  );
}
