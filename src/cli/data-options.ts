/** The options every command that keeps data on this host takes: --data-dir and --config. */
import { Option, type Command } from 'commander';

export function withDataOptions(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <dir>', 'where hostpod keeps its data (default: $HOSTPOD_DATA_DIR, else the config file\'s dataDir, else /var/lib/hostpod)'))
    .addOption(new Option('--config <file>', "hostpod's config file (default: $HOSTPOD_CONFIG, else /etc/hostpod/config.yaml if it exists)"));
}
