/**
 * The `--help` blocks of the command pages (docs/commands/*.md): each page holds the `--help`
 * output of its command, and of each subcommand, in a fenced block right after a marker line
 * such as `<!-- hostpod image pull --help -->`. `npm run docs:help` (scripts/docs-help.ts)
 * rewrites the blocks from main(); test/cli/help-pages.test.ts fails when one differs.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Writable, Readable } from 'node:stream';

/** hostpod's main(), as src/cli/main.ts exports it. */
export type Main = (argv: readonly string[], io: { stdin: Readable; stdout: Writable; stderr: Writable }) => Promise<number>;

/** A command as its words after `hostpod`: [] for hostpod itself, ['image', 'pull'] for a subcommand. */
export type CommandPath = readonly string[];

/** One help block found on a page. */
export interface HelpBlock {
  command: string;
  /** The block's text, without its fences. */
  text: string;
  /** Line indexes of the marker and of the closing fence. */
  marker: number;
  end: number;
}

/** A page and a command that disagree, with what differs. */
export interface HelpProblem {
  page: string;
  command: string;
  problem: string;
}

export const FIX = 'run `npm run docs:help` to rewrite the blocks from the commands\' --help';

const MARKER = /^<!-- (hostpod(?: [a-z][a-z0-9-]*)*) --help -->$/;
const FENCE = '```';

/** `hostpod image pull` for ['image', 'pull']. */
export function commandName(command: CommandPath): string {
  return ['hostpod', ...command].join(' ');
}

/** The page of a command, relative to the repository: a top-level command's own page; hostpod's is the commands' index. */
export function pageOf(command: CommandPath): string {
  return join('docs', 'commands', `${command[0] ?? 'README'}.md`);
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

/**
 * What `hostpod COMMAND --help` prints, in a fixed setting so that the pages do not depend on who
 * generates them: 80 columns (commander wraps help to the width of process.stdout when it is a
 * terminal), and HOME=~ with REGISTRY_AUTH_FILE and DOCKER_CONFIG unset (`image pull --authfile`
 * prints the credentials file it would use).
 * @throws Error when the command does not exit 0
 */
export async function helpOf(main: Main, command: CommandPath): Promise<string> {
  const stdout = new Capture();
  const stderr = new Capture();
  const saved = { tty: Object.getOwnPropertyDescriptor(process.stdout, 'isTTY'), env: { ...process.env } };
  Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true, writable: true });
  process.env['HOME'] = '~';
  delete process.env['REGISTRY_AUTH_FILE'];
  delete process.env['DOCKER_CONFIG'];
  try {
    const code = await main([...command, '--help'], { stdin: Readable.from([]), stdout, stderr });
    if (code !== 0) throw new Error(`${commandName(command)} --help exited ${code}: ${stderr.text}`);
    return stdout.text.trimEnd();
  } finally {
    if (saved.tty) Object.defineProperty(process.stdout, 'isTTY', saved.tty);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
    for (const key of ['HOME', 'REGISTRY_AUTH_FILE', 'DOCKER_CONFIG']) {
      if (saved.env[key] === undefined) delete process.env[key];
      else process.env[key] = saved.env[key];
    }
  }
}

/** The subcommands a help text lists under "Commands:" (first names, not aliases; not `help`). */
export function subcommandsIn(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf('Commands:');
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    // An entry starts two spaces in; its wrapped description lines are indented further.
    const entry = /^ {2}(\S+)/.exec(line);
    const name = entry?.[1]?.split('|')[0];
    if (name !== undefined && name !== 'help') names.push(name);
  }
  return names;
}

/** Every command, hostpod itself first, with its help, read from the help texts themselves. */
export async function allCommands(main: Main): Promise<Array<{ command: CommandPath; help: string }>> {
  const found: Array<{ command: CommandPath; help: string }> = [];
  const queue: CommandPath[] = [[]];
  for (let command = queue.shift(); command !== undefined; command = queue.shift()) {
    const help = await helpOf(main, command);
    found.push({ command, help });
    for (const sub of subcommandsIn(help)) queue.push([...command, sub]);
  }
  return found;
}

/**
 * The help blocks of a page.
 * @throws Error when a marker is not followed by a fenced block
 */
export function blocksIn(markdown: string, page = 'the page'): HelpBlock[] {
  const lines = markdown.split('\n');
  const blocks: HelpBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const command = MARKER.exec(lines[i] ?? '')?.[1];
    if (command === undefined) continue;
    const end = lines.indexOf(FENCE, i + 2);
    if (lines[i + 1] !== FENCE || end < 0) throw new Error(`${page}:${i + 1}: the marker of ${command} --help is not followed by a \`\`\` block`);
    blocks.push({ command, text: lines.slice(i + 2, end).join('\n'), marker: i, end });
    i = end;
  }
  return blocks;
}

/** A page's text with the block of `command` set to `help`, appended under its own heading when the page has none. */
export function withHelp(markdown: string, command: string, help: string): string {
  const lines = markdown.split('\n');
  const block = blocksIn(markdown).find((b) => b.command === command);
  const fenced = [`<!-- ${command} --help -->`, FENCE, ...help.split('\n'), FENCE];
  if (block) {
    lines.splice(block.marker, block.end - block.marker + 1, ...fenced);
    return lines.join('\n');
  }
  return `${markdown.trimEnd()}\n\n### \`${command}\`\n\n${fenced.join('\n')}\n`;
}

/** A page's text without the block of a command hostpod no longer has. */
export function withoutHelp(markdown: string, command: string): string {
  const block = blocksIn(markdown).find((b) => b.command === command);
  if (!block) return markdown;
  const lines = markdown.split('\n');
  lines.splice(block.marker, block.end - block.marker + 1);
  return lines.join('\n');
}

/** The first line where a block and a help text differ, for a message a reader can act on. */
export function firstDifference(page: string, help: string): string {
  const a = page.split('\n');
  const b = help.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1} of the block is ${JSON.stringify(a[i] ?? '(none)')}, --help says ${JSON.stringify(b[i] ?? '(none)')}`;
  }
  return 'they differ';
}

/** The command pages under `root`: every .md of docs/commands, and the page each command should have. */
function pagesOf(root: string, commands: ReadonlyArray<{ command: CommandPath }>): string[] {
  const dir = join(root, 'docs', 'commands');
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => join('docs', 'commands', f)) : [];
  return [...new Set([...present, ...commands.map(({ command }) => pageOf(command))])].sort();
}

/**
 * Where the pages under `root` and the commands' --help disagree: a command without its block on
 * its page, a block that differs from its command's --help (on any command page), a block of no command.
 */
export async function helpProblems(main: Main, root: string): Promise<HelpProblem[]> {
  const commands = await allCommands(main);
  const helps = new Map(commands.map(({ command, help }) => [commandName(command), help]));
  const problems: HelpProblem[] = [];
  for (const page of pagesOf(root, commands)) {
    const blocks = existsSync(join(root, page)) ? blocksIn(readFileSync(join(root, page), 'utf8'), page) : [];
    for (const block of blocks) {
      const help = helps.get(block.command);
      if (help === undefined) problems.push({ page, command: block.command, problem: `${page} has a block for \`${block.command} --help\`, which is no hostpod command` });
      else if (block.text !== help) problems.push({ page, command: block.command, problem: `${page}: the block of \`${block.command} --help\` differs from the command's: ${firstDifference(block.text, help)}` });
    }
    for (const { command } of commands.filter((c) => pageOf(c.command) === page)) {
      const name = commandName(command);
      if (!blocks.some((b) => b.command === name)) problems.push({ page, command: name, problem: `${page} has no \`${name} --help\` block` });
    }
  }
  return problems;
}

/**
 * Rewrites the help blocks of the pages under `root` from the commands' --help: stale blocks are
 * replaced, missing ones appended under their own heading (a missing page is created with its
 * title), blocks of commands that no longer exist removed.
 * @returns the pages it changed
 */
export async function writeHelpPages(main: Main, root: string): Promise<string[]> {
  const commands = await allCommands(main);
  const helps = new Map(commands.map(({ command, help }) => [commandName(command), help]));
  const changed: string[] = [];
  for (const page of pagesOf(root, commands)) {
    const path = join(root, page);
    const before = existsSync(path) ? readFileSync(path, 'utf8') : `# \`${commandName([basename(page, '.md')].filter((w) => w !== 'README'))}\`\n\n## Usage\n`;
    let text = before;
    for (const block of blocksIn(before, page)) {
      const help = helps.get(block.command);
      text = help === undefined ? withoutHelp(text, block.command) : withHelp(text, block.command, help);
    }
    for (const { command, help } of commands.filter((c) => pageOf(c.command) === page)) text = withHelp(text, commandName(command), help);
    if (existsSync(path) && text === before) continue;
    writeFileSync(path, text);
    changed.push(page);
  }
  return changed;
}
