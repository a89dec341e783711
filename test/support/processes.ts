/** Finding a test's workload processes on the host by a command line no other process has. */
import { execFileSync } from 'node:child_process';

let markers = 0;

/** A command line no other process has: sleep with a unique fractional duration (dash has no exec -a). */
export function uniqueSleep(): string {
  markers++;
  return `sleep 3600.${process.pid}${markers}`;
}

/** Whether a process whose command line holds `marker` is alive. */
export function processAlive(marker: string): boolean {
  try {
    execFileSync('pgrep', ['-f', marker], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
