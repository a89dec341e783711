/**
 * The hostpod command line: wires the commands together; failures are reported by
 * report-errors.ts with the exit codes of exit-codes.ts.
 *
 * A command's module holds its command line only (names, help, options); its handler (the
 * `*-handler.ts` beside it) is imported when the command runs, so that a start evaluates what
 * its command needs and no more: `hostpod lint` never the runtime, the control plane or the
 * node agent. Keep it so: a static import of a handler here puts it on every command's start.
 */
import { Command } from 'commander';
import type { CommandIO } from './io.js';
import { reportError } from './report-errors.js';
import { containerCommands } from './containers.js';
import { imageCommand } from './image.js';
import { HOSTPOD_VERSION } from '../version.js';
import { lintCommand } from './lint.js';
import { agentCommand } from './agent.js';
import { runCommand } from './run.js';
import { kubeconfigCommand, upCommand } from './up.js';
import { webhookCommand } from './webhook.js';


/**
 * Runs hostpod with `argv` (without the node and script names).
 * @returns the exit code.
 */
export async function main(argv: readonly string[], io: CommandIO = process): Promise<number> {
  const exit = { code: 0 };
  const program = new Command('hostpod')
    .description('Kubernetes HostProcess containers for Linux hosts')
    .version(HOSTPOD_VERSION)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(lintCommand(io, exit));
  program.addCommand(imageCommand(io, exit));
  program.addCommand(runCommand(io, exit));
  program.addCommand(upCommand(io, exit));
  program.addCommand(kubeconfigCommand(io, exit));
  program.addCommand(agentCommand(io, exit));
  program.addCommand(webhookCommand(io, exit));
  for (const command of containerCommands(io, exit)) program.addCommand(command);
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput(program.configureOutput());
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit.code;
  } catch (error) {
    return reportError(io, error);
  }
}

/**
 * The entry of the node agent's thread that `hostpod up` starts (agent-thread.ts): the thread
 * loads this bundle and calls this.
 */
export async function serveAgentThread(): Promise<void> {
  const thread = await import('./agent-thread.js');
  await thread.serveAgentThread();
}
