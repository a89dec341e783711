/**
 * Runs the built `hostpod` command (bin/hostpod.js) as a user would, for end-to-end tests.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';

export const HOSTPOD_BIN = join(import.meta.dirname, '../../bin/hostpod.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs hostpod with `args`; `stdinFile` is piped to its standard input, `env` adds variables. */
export function runHostpod(args: readonly string[], options: { stdinFile?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOSTPOD_BIN, ...args], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // Decoded by the streams, so a character split between two chunks arrives whole.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (stdout += c));
    child.stderr.on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (options.stdinFile === undefined) child.stdin.end();
    else createReadStream(options.stdinFile).pipe(child.stdin);
  });
}
