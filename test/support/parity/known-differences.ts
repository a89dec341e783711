/**
 * The differences between hostpod and the real control plane that are known and kept, each with
 * why, read from a checked-in YAML file; and the check that the list is exactly what a session
 * found: a difference it does not list is a failure, and so is a listed one that no longer occurs.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { Difference, Stream } from './session.js';

/** One listed difference: a hunk of one step's stream, what it is and why hostpod keeps it. */
export interface KnownDifference {
  step: string;
  stream: Stream;
  /** The real control plane's lines, normalized, one string (absent for none). */
  real?: string;
  /** hostpod's lines in their place. */
  hostpod?: string;
  what: string;
  why: string;
}

const STREAMS: readonly Stream[] = ['stdout', 'stderr', 'exit code'];

/**
 * Reads the list.
 * @throws when an entry lacks a field or names no stream, naming the entry.
 */
export function readKnownDifferences(path: string): KnownDifference[] {
  const entries = (parse(readFileSync(path, 'utf8')) ?? []) as Partial<KnownDifference>[];
  return entries.map((entry, i) => {
    for (const field of ['step', 'stream', 'what', 'why'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '') throw new Error(`${path}: entry ${i + 1} (${entry.step ?? 'no step'}) has no ${field}`);
    }
    if (!STREAMS.includes(entry.stream!)) throw new Error(`${path}: entry ${i + 1} (${entry.step}): stream is ${entry.stream}, expected one of ${STREAMS.join(', ')}`);
    return entry as KnownDifference;
  });
}

// A hunk's lines as one string, exactly (a YAML block scalar keeps them); none is absent, not ''.
function text(lines: readonly string[]): string | undefined {
  return lines.length === 0 ? undefined : lines.join('\n');
}

function key(step: string, stream: string, real: string | undefined, hostpod: string | undefined): string {
  return JSON.stringify([step, stream, real ?? null, hostpod ?? null]);
}

/** What the session found against the list: the differences it does not list, and the entries nothing matched. */
export function checkKnownDifferences(found: readonly Difference[], known: readonly KnownDifference[]): { unlisted: Difference[]; gone: KnownDifference[] } {
  const listed = new Set(known.map((k) => key(k.step, k.stream, k.real, k.hostpod)));
  const seen = new Set(found.map((d) => key(d.step, d.stream, text(d.real), text(d.hostpod))));
  return {
    unlisted: found.filter((d) => !listed.has(key(d.step, d.stream, text(d.real), text(d.hostpod)))),
    gone: known.filter((k) => !seen.has(key(k.step, k.stream, k.real, k.hostpod))),
  };
}

/** Unlisted differences as entries of the list, to fix in hostpod or to add with what and why. */
export function asEntries(differences: readonly Difference[]): string {
  return stringify(differences.map((d) => ({ step: d.step, stream: d.stream, real: text(d.real), hostpod: text(d.hostpod), what: 'TODO', why: 'TODO' })), { lineWidth: 0 });
}
