/**
 * A reader of the Prometheus text exposition format (version 0.0.4), enough for what a kubelet's
 * `/metrics/resource` holds: sample lines (`name{label="value",...} value [timestamp]`), label
 * values with their three escapes, comments skipped. Hand-written: the maintained JavaScript
 * Prometheus packages (prom-client) write the format but do not read it, and metrics-server
 * itself reads only a handful of series from the text.
 */

export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs?: number;
}

/**
 * The samples of an exposition, in order.
 * @throws Error naming the line that is not a sample, a comment or blank
 */
export function parsePrometheusSamples(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (!sample) throw new Error(`line ${i + 1} is not a Prometheus sample: ${JSON.stringify(line.slice(0, 200))}`);
    samples.push(sample);
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseLine(line: string): PrometheusSample | undefined {
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1).trimStart();
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label) return undefined;
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="')) return undefined;
      const read = readQuoted(rest.slice(1));
      if (!read) return undefined;
      labels[label] = read.value;
      rest = read.rest.trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith('}')) return undefined;
    }
    rest = rest.slice(1);
  }
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') return undefined;
  const value = parseValue(fields[0]!);
  if (value === undefined) return undefined;
  if (fields.length === 1) return { name, labels, value };
  const timestampMs = Number(fields[1]);
  if (!Number.isInteger(timestampMs)) return undefined;
  return { name, labels, value, timestampMs };
}

/** A quoted label value, `"` first: its unescaped text and what follows the closing quote. */
function readQuoted(text: string): { value: string; rest: string } | undefined {
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, rest: text.slice(i + 1) };
    if (c === '\\') {
      const next = text[++i];
      if (next === 'n') value += '\n';
      else if (next === '\\' || next === '"') value += next;
      else return undefined;
    } else {
      value += c;
    }
  }
  return undefined;
}

function parseValue(text: string): number | undefined {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}
