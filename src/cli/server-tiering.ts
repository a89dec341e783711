/**
 * V8's tiering for the long-running commands, `hostpod up` and `hostpod agent`.
 *
 * V8 optimizes a function with TurboFan, on a helper thread, once the function has run through an
 * interrupt budget of bytecode. The default budget suits pages and short scripts. In a server
 * under a burst (110 DaemonSets applied at once, docs/speed.md) much of the code is warm for a
 * moment only, and TurboFan compiled it anyway, on the two cores that the control plane, the
 * agent, kubectl and the containers share. With four times the budget, TurboFan compiles only
 * what stays hot, later: in four turns with the default, the run took 1.72 to 1.90 s against
 * 1.93 to 2.09 s, and `hostpod up` 1.97 to 2.08 CPU-seconds against 2.32 to 2.49.
 *
 * Node gives a running process a V8 flag only through `v8.setFlagsFromString`, which it documents
 * as unpredictable after start-up for flags V8 reads once. V8 reads the interrupt budget each time
 * it gives a function a new budget, so setting it before the servers start does what
 * `node --interrupt-budget` does on the command line (test/cli/server-tiering.test.ts holds it to
 * that). The flag is the process's: the agent's thread in `hostpod up` gets it too. A V8 without
 * the flag would print "unrecognized flag" on stderr and go on with its defaults; that test fails
 * on such a Node first.
 */
import { setFlagsFromString } from 'node:v8';

/** Four times V8's default budget (66 KiB of bytecode in V8 11, Node 20). */
export const SERVER_V8_FLAGS = `--interrupt-budget=${4 * 66 * 1024}`;

/** Gives this process the servers' tiering; returns the flags set, for the start-up log. */
export function useServerTiering(): string {
  setFlagsFromString(SERVER_V8_FLAGS);
  return SERVER_V8_FLAGS;
}
