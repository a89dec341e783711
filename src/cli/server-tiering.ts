/**
 * V8's tiering for the long-running commands, `hostpod up` and `hostpod agent`.
 *
 * V8 optimizes a function with TurboFan, on a helper thread, once the function has run enough:
 * V8 11 (Node 20) counts an interrupt budget of bytecode, V8 12 and later (Node 22, 24) count
 * calls. The defaults suit pages and short scripts. In a server under a burst (110 DaemonSets
 * applied at once, docs/speed.md) much of the code is warm for a moment only, and TurboFan
 * compiled it anyway, on the two cores that the control plane, the agent, kubectl and the
 * containers share. With four times the threshold, TurboFan compiles only what stays hot, later:
 * on Node 20, in four turns with the default, the run took 1.72 to 1.90 s against 1.93 to 2.09 s,
 * and `hostpod up` 1.97 to 2.08 CPU-seconds against 2.32 to 2.49. On V8 12 and later the same
 * four times the default threshold: in three turns each against V8's defaults, 2.11 to 2.28
 * CPU-seconds against 2.34 to 2.43 on Node 22, 2.17 to 2.25 against 2.21 to 2.39 on Node 24.
 *
 * Node gives a running process a V8 flag only through `v8.setFlagsFromString`, which it documents
 * as unpredictable after start-up for flags V8 reads once. V8 reads these each time it gives a
 * function a new budget, so setting one before the servers start does what it does on `node`'s
 * command line (test/cli/server-tiering.test.ts holds it to that on the Node it runs on). The
 * flag is the process's: the agent's thread in `hostpod up` gets it too. V8 has no way to ask
 * whether it knows a flag: one it does not know is printed as "unrecognized flag" on stderr and
 * changes nothing, so a V8 older than 11 gets none, and that test fails on a V8 that renamed them.
 */
import { setFlagsFromString } from 'node:v8';

/** The flag that holds TurboFan to four times its default threshold in a V8 of `version`, if known. */
export function serverV8Flags(version = process.versions.v8): string | undefined {
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  // V8 11: an interrupt budget of 66 KiB of bytecode. V8 12 on: 3,000 calls.
  if (major === 11) return `--interrupt-budget=${4 * 66 * 1024}`;
  if (major >= 12) return `--invocation-count-for-turbofan=${4 * 3000}`;
  return undefined;
}

/** Gives this process the servers' tiering; returns the flag set (none on an unknown V8), for the start-up log. */
export function useServerTiering(): string {
  const flags = serverV8Flags();
  if (flags !== undefined) setFlagsFromString(flags);
  return flags ?? 'none (V8 defaults)';
}
