/** The options every command that keeps data on this host takes: --data-dir and --config. */
import { Option, type Command } from 'commander';

export function withDataOptions(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <dir>', 'where hostpod keeps its data (default: $HOSTPOD_DATA_DIR or /var/lib/hostpod)'))
    .addOption(new Option('--config <file>', "hostpod's config file (default: $HOSTPOD_CONFIG or /etc/hostpod/config.yaml)"));
}
