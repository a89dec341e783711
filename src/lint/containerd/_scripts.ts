/**
 * Reading the shell scripts HostProcess containers carry in command and args, just far enough to
 * find file copies and writes. Written by hand: no library parses PowerShell, cmd and sh alike, and
 * the advisor needs only statements split into words, which it reads conservatively (anything it
 * does not understand is skipped, never guessed at).
 */

/** The sandbox variable in its PowerShell, cmd, sh and Kubernetes `$(VAR)` spellings. */
const SANDBOX_VAR = /^(?:\$env:CONTAINER_SANDBOX_MOUNT_POINT|%CONTAINER_SANDBOX_MOUNT_POINT%|\$\{CONTAINER_SANDBOX_MOUNT_POINT\}|\$\(CONTAINER_SANDBOX_MOUNT_POINT\)|\$CONTAINER_SANDBOX_MOUNT_POINT)/i;

/** Whether `text` mentions the sandbox variable in any spelling. */
export const mentionsSandbox = (text: string): boolean => /CONTAINER_SANDBOX_MOUNT_POINT/i.test(text);

export interface ScriptPath {
  /** Whether the path starts with the sandbox variable. */
  sandbox: boolean;
  /** Lower case, `/`-separated, no drive letter, no trailing `/`: `/etc/kube-flannel/net-conf.json`. */
  path: string;
}

/**
 * A path word as Windows reads it: `C:\etc\x` and `/etc/x` are the same, case does not matter.
 * Undefined for anything that is not an absolute or sandbox-relative path (a variable, a relative name).
 */
export function readPath(word: string): ScriptPath | undefined {
  let rest = word;
  let sandbox = false;
  const match = SANDBOX_VAR.exec(rest);
  if (match) {
    sandbox = true;
    rest = rest.slice(match[0].length);
    if (rest === '') return { sandbox, path: '/' };
    if (!/^[\\/]/.test(rest)) rest = `/${rest}`;
  }
  rest = rest.replace(/\\/g, '/').replace(/^[a-z]:(?=\/)/i, '');
  if (!rest.startsWith('/') || rest.includes('$') || rest.includes('%')) return undefined;
  const path = rest.toLowerCase().replace(/\/+/g, '/').replace(/\/$/, '');
  return { sandbox, path: path === '' ? '/' : path };
}

/** Whether `path` is `dir` or below it (both from readPath). */
export const under = (path: string, dir: string): boolean => dir === '/' || path === dir || path.startsWith(`${dir}/`);

/** Splits a script into statements of words; quotes are removed, `>` redirections kept as words. */
export function statements(script: string): string[][] {
  const result: string[][] = [];
  let words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endStatement = (): void => {
    endWord();
    if (words.length > 0) result.push(words);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i] ?? '';
    if (quote) {
      if (c === quote) quote = '';
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === ';' || c === '\n' || c === '\r' || c === '|' || c === '{' || c === '}') {
      endStatement();
    } else if (c === '&') {
      // `&&` and cmd's `&` separate statements.
      endStatement();
    } else if (c === '>') {
      endWord();
      words.push('>');
      if (script[i + 1] === '>') i++;
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endStatement();
  return result;
}

const SHELLS: Record<string, string[]> = {
  powershell: ['-command', '-c', '-file', '-f'],
  pwsh: ['-command', '-c', '-file', '-f'],
  cmd: ['/c', '/k', '/s/c'],
  sh: ['-c'],
  bash: ['-c'],
};

export interface Invocation {
  /** The script text a shell runs (command and args after its -Command, /c or -c), or undefined. */
  script?: string;
  /** The script file a shell runs (`powershell -File X`), or undefined. */
  file?: string;
  /** The program started: command[0], or the first word of the script. */
  program?: string;
}

/** The shell basename, lower case, without .exe: `powershell` for `C:\Windows\...\PowerShell.exe`. */
function shellName(word: string): string | undefined {
  const base = (word.split(/[\\/]/).pop() ?? '').toLowerCase().replace(/\.exe$/, '');
  return base in SHELLS ? base : undefined;
}

/** What a container's command and args run. */
export function invocation(command: readonly string[], args: readonly string[]): Invocation {
  const words = [...command, ...args];
  const first = words[0];
  if (first === undefined) return {};
  const shell = shellName(first);
  if (shell === undefined) return { program: first };
  const flags = SHELLS[shell] ?? [];
  for (let i = 1; i < words.length; i++) {
    const word = (words[i] ?? '').toLowerCase();
    if (shell !== 'cmd' && (word === '-file' || word === '-f') && (shell === 'powershell' || shell === 'pwsh')) {
      const file = words[i + 1];
      return file === undefined ? {} : { file, program: file };
    }
    if (flags.includes(word)) {
      const script = words.slice(i + 1).join(' ');
      return { script, program: statements(script)[0]?.[0] ?? '' };
    }
    if (!word.startsWith('-') && !word.startsWith('/')) {
      // PowerShell runs a bare first argument as its -Command (or a .ps1 as its -File).
      if (shell === 'powershell' || shell === 'pwsh') {
        const script = words.slice(i).join(' ');
        return { script, program: statements(script)[0]?.[0] ?? '' };
      }
      return shell === 'cmd' ? {} : { file: words[i] ?? '', program: words[i] ?? '' };
    }
  }
  return {};
}

export interface FileWrite {
  /** The statement's command word, as written (`cp`, `Copy-Item`, `>`). */
  verb: string;
  /** The copy's source, for copies. */
  source?: string;
  target: string;
}

const COPIES = new Set(['cp', 'copy', 'copy-item', 'xcopy', 'mv', 'move', 'move-item', 'cpi', 'mi']);
const WRITERS = new Set(['set-content', 'add-content', 'out-file', 'new-item', 'mkdir', 'md', 'ni', 'sc', 'ac', 'touch', 'tee', 'tee-object']);
const NAMED_SOURCE = new Set(['-path', '-literalpath']);
const NAMED_TARGET = new Set(['-destination', '-filepath']);

/**
 * The files a script writes: copies and moves (source and destination), PowerShell's content and
 * item cmdlets, mkdir, and `>` redirections. A statement whose words it cannot place is skipped.
 */
export function fileWrites(script: string): FileWrite[] {
  const writes: FileWrite[] = [];
  for (const words of statements(script)) {
    const redirect = words.indexOf('>');
    if (redirect >= 0 && words[redirect + 1] !== undefined) writes.push({ verb: '>', target: words[redirect + 1] ?? '' });
    const verb = (words[0] ?? '').toLowerCase();
    if (!COPIES.has(verb) && !WRITERS.has(verb)) continue;
    const positional: string[] = [];
    let source: string | undefined;
    let target: string | undefined;
    const end = redirect >= 0 ? redirect : words.length;
    for (let i = 1; i < end; i++) {
      const word = words[i] ?? '';
      const lower = word.toLowerCase();
      if (NAMED_SOURCE.has(lower)) source = words[++i];
      else if (NAMED_TARGET.has(lower)) target = words[++i];
      else if (lower === '-itemtype' || lower === '-value' || lower === '-encoding' || lower === '-name') i++;
      else if (/^-/.test(word) || /^\/-?[a-z]$/i.test(word)) continue;
      else positional.push(word);
    }
    if (COPIES.has(verb)) {
      source ??= positional.shift();
      target ??= positional.pop();
      if (source !== undefined && target !== undefined) writes.push({ verb: words[0] ?? '', source, target });
    } else {
      target ??= source ?? positional[0];
      if (target !== undefined) writes.push({ verb: words[0] ?? '', target });
    }
  }
  return writes;
}
