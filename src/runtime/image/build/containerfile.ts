/**
 * The Containerfile subset `hostpod image build` reads: FROM, COPY, ADD (local files, directories
 * and tar archives), ENV, WORKDIR, ENTRYPOINT, CMD, USER, LABEL and ARG. HostProcess images only
 * add files, so nothing runs at build time: RUN and the instructions that only matter to a build
 * that runs something (SHELL, HEALTHCHECK, ONBUILD...) are refused, naming the line.
 *
 * Lines follow the Dockerfile reference: `\` continues a line, `#` starts a comment line, the
 * exec form is a JSON array, `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` are expanded
 * from ARG and ENV in FROM, COPY, ADD, ENV, WORKDIR, USER, LABEL and ARG.
 */
import { HostpodError } from '../../../errors.js';

export type Instruction =
  | { kind: 'from'; line: number; image: string; platform?: string }
  | { kind: 'copy'; line: number; add: boolean; sources: string[]; dest: string; chown?: { uid: number; gid: number } }
  | { kind: 'env'; line: number; pairs: [string, string][] }
  | { kind: 'label'; line: number; pairs: [string, string][] }
  | { kind: 'workdir'; line: number; path: string }
  | { kind: 'user'; line: number; user: string }
  | { kind: 'entrypoint'; line: number; argv: string[]; shell: boolean }
  | { kind: 'cmd'; line: number; argv: string[]; shell: boolean };

export interface Containerfile {
  /** The instructions after FROM, with variables expanded. */
  instructions: Instruction[];
  from: Extract<Instruction, { kind: 'from' }>;
  /** ARGs declared, with the values they took (for the history). */
  args: Record<string, string>;
  /** --build-arg names that no ARG declares. */
  unusedBuildArgs: string[];
}

const REFUSED: Record<string, string> = {
  RUN: 'HostProcess images add files; nothing runs at build time. Put the files the command would make in the build context and COPY them, or run the command in the container at start (command: in the pod)',
  SHELL: 'there is no build-time shell: nothing runs at build time. Write ENTRYPOINT and CMD in the exec form (["prog", "arg"])',
  HEALTHCHECK: 'the kubelet runs probes: write a livenessProbe or readinessProbe in the pod',
  ONBUILD: 'images built by hostpod are not used as bases by other Dockerfile builds that run commands',
  VOLUME: 'HostProcess containers see the host file system; declare volumes in the pod',
  EXPOSE: 'HostProcess containers use the host network; declare ports in the pod',
  STOPSIGNAL: 'hostpod does not take the stop signal from the image yet',
  MAINTAINER: 'MAINTAINER is deprecated: write LABEL org.opencontainers.image.authors="..."',
};

function fail(file: string, line: number, message: string, hint: string): HostpodError {
  return new HostpodError('ERR_HOSTPOD_CONTAINERFILE', `${file}:${line}: ${message}`, { hint });
}

/** Joins continued lines; returns [line number of the first, text] without comments and blanks. */
function logicalLines(text: string): [number, string][] {
  const out: [number, string][] = [];
  let current: string | undefined;
  let start = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') && current === undefined) continue;
    if (trimmed.startsWith('#')) continue; // comment lines inside a continuation are dropped, as buildkit does
    if (current === undefined) {
      if (trimmed === '') continue;
      start = i + 1;
      current = '';
    }
    if (trimmed.endsWith('\\')) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += trimmed;
    out.push([start, current.trim()]);
    current = undefined;
  }
  if (current !== undefined && current.trim() !== '') out.push([start, current.trim()]);
  return out;
}

/** Expands `$VAR`, `${VAR}`, `${VAR:-word}` and `${VAR:+word}`; `\$` stays a literal `$`. */
export function expand(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced?: string, op?: string, word?: string, bare?: string) => {
    if (match === '\\$') return '$';
    const name = (braced ?? bare) as string;
    const set = Object.prototype.hasOwnProperty.call(vars, name);
    const v = set ? (vars[name] as string) : '';
    if (op === '-') return set && v !== '' ? v : (word ?? '');
    if (op === '+') return set && v !== '' ? (word ?? '') : '';
    return v;
  });
}

/** Splits on whitespace, keeping "quoted" and 'quoted' parts of a word together (quotes removed). */
function words(text: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      // As docker's shell lexer: inside "", a backslash escapes only ", $ and itself.
      else if (c === '\\' && quote === '"' && ['"', '$', '\\'].includes(text[i + 1] ?? '')) word = `${word ?? ''}${text[++i] as string}`;
      else word = `${word ?? ''}${c}`;
    } else if (c === '"' || c === "'") {
      quote = c;
      word = word ?? '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else word = `${word ?? ''}${c}`;
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** `KEY=value KEY2="v 2"` or the legacy `KEY value` form. */
function pairs(file: string, line: number, name: string, rest: string, vars: Readonly<Record<string, string>>): [string, string][] {
  const list = words(rest);
  if (list.length === 0) throw fail(file, line, `${name} needs KEY=value`, `write ${name} KEY=value`);
  if (!list[0]?.includes('=')) {
    const [key, ...value] = rest.split(/\s+/);
    if (value.length === 0) throw fail(file, line, `${name} ${key ?? ''} has no value`, `write ${name} ${key ?? 'KEY'}=value`);
    return [[key as string, expand(rest.slice((key as string).length).trim(), vars)]];
  }
  return list.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw fail(file, line, `${name}: "${w}" is not KEY=value`, `write ${name} KEY=value, quoting values with spaces`);
    return [w.slice(0, eq), expand(w.slice(eq + 1), vars)];
  });
}

function execOrShell(file: string, line: number, name: string, rest: string): { argv: string[]; shell: boolean } {
  if (rest.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rest);
    } catch (error) {
      throw fail(file, line, `${name}'s exec form is not a JSON array of strings (${(error as Error).message})`, `write ${name} ["program", "arg"], with double quotes`);
    }
    if (!Array.isArray(parsed) || parsed.some((a) => typeof a !== 'string')) throw fail(file, line, `${name}'s exec form must hold only strings`, `write ${name} ["program", "arg"]`);
    return { argv: parsed as string[], shell: false };
  }
  return { argv: [rest], shell: true };
}

/**
 * Parses a Containerfile. `buildArgs` are the `--build-arg` values; an ARG without one takes its
 * default.
 *
 * @throws HostpodError ERR_HOSTPOD_CONTAINERFILE naming the line, the instruction and the fix.
 */
export function parseContainerfile(text: string, file: string, buildArgs: Readonly<Record<string, string>> = {}): Containerfile {
  const instructions: Instruction[] = [];
  let from: Extract<Instruction, { kind: 'from' }> | undefined;
  const args: Record<string, string> = {};
  const beforeFrom: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const [line, text_] of logicalLines(text)) {
    const match = /^([A-Za-z]+)(?:\s+(.*))?$/s.exec(text_);
    if (!match) throw fail(file, line, `"${text_.slice(0, 40)}" is not an instruction`, 'each line starts with an instruction such as FROM, COPY or ENV');
    const name = (match[1] as string).toUpperCase();
    const rest = (match[2] ?? '').trim();
    const vars = { ...args, ...env };
    const refused = REFUSED[name];
    if (refused !== undefined) throw fail(file, line, `${name} is not supported by hostpod image build`, refused);
    if (name === 'ARG') {
      for (const w of words(rest)) {
        const eq = w.indexOf('=');
        const key = eq < 0 ? w : w.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw fail(file, line, `ARG name "${key}" is not a valid name`, 'ARG names are letters, digits and _');
        // After FROM, an ARG without a default takes the value it had before FROM (as docker).
        args[key] = buildArgs[key] ?? (eq < 0 ? (beforeFrom[key] ?? '') : expand(w.slice(eq + 1), vars));
      }
      continue;
    }
    if (name === 'FROM') {
      if (from) throw fail(file, line, 'a second FROM (a multi-stage build) is not supported', 'build one stage: COPY files from the build context, not --from another stage');
      const list = words(rest);
      let platform: string | undefined;
      while (list[0]?.startsWith('--')) {
        const flag = list.shift() as string;
        if (flag.startsWith('--platform=')) platform = expand(flag.slice('--platform='.length), vars);
        else throw fail(file, line, `FROM flag ${flag} is not supported`, 'FROM takes only --platform=os/arch');
      }
      if (list.length !== 1) throw fail(file, line, `FROM needs one image${list.length > 1 ? ' (AS names a stage, and multi-stage builds are not supported)' : ''}`, 'write FROM scratch or FROM registry/repository:tag');
      // ARGs declared before FROM are seen by FROM only, unless declared again after it.
      Object.assign(beforeFrom, args);
      for (const key of Object.keys(args)) delete args[key];
      from = { kind: 'from', line, image: expand(list[0] as string, vars), ...(platform !== undefined ? { platform } : {}) };
      continue;
    }
    if (!from) throw fail(file, line, `${name} comes before FROM`, 'start the Containerfile with FROM (only ARG may come before it)');
    switch (name) {
      case 'COPY':
      case 'ADD': {
        const list = execOrShell(file, line, name, rest);
        const parts = list.shell ? words(rest) : list.argv;
        let chown: { uid: number; gid: number } | undefined;
        while (parts[0]?.startsWith('--')) {
          const flag = parts.shift() as string;
          const owner = /^--chown=(\d+)(?::(\d+))?$/.exec(flag);
          if (owner) chown = { uid: Number(owner[1]), gid: Number(owner[2] ?? owner[1]) };
          else if (flag.startsWith('--chown=')) throw fail(file, line, `${name} ${flag}: only numeric owners are supported`, 'nothing runs at build time to look names up: write --chown=UID[:GID]');
          else throw fail(file, line, `${name} flag ${flag.split('=')[0] ?? flag} is not supported`, `${name} copies from the build context; write ${name} [--chown=UID:GID] SRC... DEST`);
        }
        const expanded = parts.map((p) => expand(p, vars));
        if (expanded.length < 2) throw fail(file, line, `${name} needs at least one source and a destination`, `write ${name} SRC... DEST`);
        const dest = expanded.pop() as string;
        for (const source of expanded) {
          if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw fail(file, line, `${name} ${source}: remote sources are not supported`, 'download the file into the build context first, then COPY it');
        }
        instructions.push({ kind: 'copy', line, add: name === 'ADD', sources: expanded, dest, ...(chown ? { chown } : {}) });
        break;
      }
      case 'ENV': {
        const p = pairs(file, line, 'ENV', rest, vars);
        for (const [k, v] of p) env[k] = v;
        instructions.push({ kind: 'env', line, pairs: p });
        break;
      }
      case 'LABEL':
        instructions.push({ kind: 'label', line, pairs: pairs(file, line, 'LABEL', rest, vars) });
        break;
      case 'WORKDIR':
        if (rest === '') throw fail(file, line, 'WORKDIR needs a path', 'write WORKDIR /path');
        instructions.push({ kind: 'workdir', line, path: expand(rest, vars) });
        break;
      case 'USER':
        if (rest === '') throw fail(file, line, 'USER needs a user', 'write USER name or USER uid[:gid]');
        instructions.push({ kind: 'user', line, user: expand(rest, vars) });
        break;
      case 'ENTRYPOINT':
      case 'CMD':
        instructions.push({ kind: name === 'CMD' ? 'cmd' : 'entrypoint', line, ...execOrShell(file, line, name, rest) });
        break;
      default:
        throw fail(file, line, `unknown instruction ${name}`, 'hostpod image build reads FROM, COPY, ADD, ENV, WORKDIR, ENTRYPOINT, CMD, USER, LABEL and ARG');
    }
  }
  if (!from) throw fail(file, 1, 'there is no FROM', 'start the Containerfile with FROM scratch or FROM an image');
  // As docker build: a --build-arg no ARG declares is a warning, not an error.
  const unusedBuildArgs = Object.keys(buildArgs).filter((key) => !(key in args) && !(key in beforeFrom));
  return { instructions, from, args, unusedBuildArgs };
}
