/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: every line is a
 * HELP, a TYPE or a sample; a family's HELP and TYPE come once, before its samples, and its
 * samples are together; names, labels, values and timestamps are well formed. It throws saying
 * which line is wrong, so a test that parses the text checks its syntax too.
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs: number | undefined;
}

export interface ParsedFamily {
  name: string;
  help: string | undefined;
  type: string | undefined;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, line: number): ParsedFamily => {
    if (current !== name) {
      if (closed.has(name)) throw new Error(`line ${line}: family ${name} appears again after another family`);
      if (current !== undefined) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help: undefined, type: undefined, samples: [] }));
    return f;
  };
  text.split('\n').slice(0, -1).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
    if (comment) {
      const [, keyword, name = '', rest = ''] = comment;
      if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${JSON.stringify(name)}`);
      const f = enter(name, line);
      if (f.samples.length > 0) throw new Error(`line ${line}: ${keyword} of ${name} after its samples`);
      if (keyword === 'HELP') {
        if (f.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        f.help = rest;
      } else {
        if (f.type !== undefined) throw new Error(`line ${line}: second TYPE for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${JSON.stringify(rest)}`);
        f.type = rest;
      }
      return;
    }
    if (raw.startsWith('#')) return;
    const sample = parseSample(raw, line);
    // A histogram's or summary's _bucket, _sum and _count lines belong to its family.
    const base = /^(.+)_(bucket|sum|count)$/.exec(sample.name)?.[1];
    const owner = base !== undefined && ['histogram', 'summary'].includes(families.get(base)?.type ?? '') ? base : sample.name;
    enter(owner, line).samples.push(sample);
  });
  return families;
}

function parseSample(raw: string, line: number): ParsedSample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(raw);
  if (!head) throw new Error(`line ${line}: no metric name in ${JSON.stringify(raw)}`);
  const name = head[1]!;
  let rest = raw.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const pair = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"(,?)/.exec(rest);
      if (!pair) throw new Error(`line ${line}: malformed labels at ${JSON.stringify(rest)}`);
      const [all, key = '', value = '', comma] = pair;
      if (!LABEL.test(key)) throw new Error(`line ${line}: bad label name ${JSON.stringify(key)}`);
      if (key in labels) throw new Error(`line ${line}: label ${key} twice`);
      labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(all.length);
      if (!comma && !rest.startsWith('}')) throw new Error(`line ${line}: expected , or } at ${JSON.stringify(rest)}`);
    }
    rest = rest.slice(1);
  }
  const fields = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!fields || !VALUE.test(fields[1]!)) throw new Error(`line ${line}: malformed value or timestamp in ${JSON.stringify(raw)}`);
  return { name, labels, value: Number(fields[1]!.replace(/Inf$/, 'Infinity')), timestampMs: fields[2] === undefined ? undefined : Number(fields[2]) };
}
