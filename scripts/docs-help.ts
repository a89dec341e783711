/**
 * `npm run docs:help`: rewrites the `--help` blocks of docs/commands/*.md from the commands
 * themselves (see scripts/help-pages.ts). `npm run docs:help -- --check` only says which pages
 * differ, and exits 1 when one does.
 */
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { FIX, helpProblems, writeHelpPages } from './help-pages.js';

const root = fileURLToPath(new URL('..', import.meta.url));

if (process.argv.includes('--check')) {
  const problems = await helpProblems(main, root);
  for (const { problem } of problems) process.stderr.write(`${problem}\n`);
  if (problems.length > 0) process.stderr.write(`${FIX}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
} else {
  const changed = await writeHelpPages(main, root);
  process.stdout.write(changed.length > 0 ? `rewrote the --help blocks of ${changed.join(', ')}\n` : 'the --help blocks are up to date\n');
}
