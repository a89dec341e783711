/**
 * The texts of an answer's `Warning` headers (RFC 7234: `299 - "text"`), read as client-go's
 * `ParseWarningHeaders` reads them, which is how kubectl prints `Warning: text`.
 */

/**
 * The warning texts of `values`, the raw header values in order (one header may hold several
 * warnings, comma-separated). Only code 299 is a Kubernetes warning; others are skipped, as
 * client-go skips them. A value that does not parse is kept whole rather than lost.
 * @example warningTexts(['299 - "would violate PodSecurity \\"restricted:latest\\""'])
 * // ['would violate PodSecurity "restricted:latest"']
 */
export function warningTexts(values: readonly string[]): string[] {
  const texts: string[] = [];
  for (const raw of values) {
    const value = utf8(raw);
    let rest = value.trim();
    while (rest !== '') {
      const parsed = parseOne(rest);
      if (!parsed) {
        texts.push(value.trim());
        break;
      }
      if (parsed.code === '299') texts.push(parsed.text);
      rest = parsed.rest.replace(/^\s*,\s*/, '');
    }
  }
  return texts;
}

/** `CODE AGENT "TEXT" ["DATE"]`, and what follows it. */
function parseOne(value: string): { code: string; text: string; rest: string } | undefined {
  const head = /^(\d{3}) (\S+) "/.exec(value);
  if (!head) return undefined;
  let text = '';
  let i = head[0].length;
  for (; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      text += value[++i];
    } else if (c === '"') {
      break;
    } else {
      text += c;
    }
  }
  if (i >= value.length) return undefined;
  let rest = value.slice(i + 1);
  // An optional warn-date: ` "Tue, 15 Nov 1994 08:12:31 GMT"`.
  const date = /^ "[^"]*"/.exec(rest);
  if (date) rest = rest.slice(date[0].length);
  return { code: head[1] ?? '', text, rest };
}

/**
 * kube-apiserver writes warnings as UTF-8 bytes and Node hands header bytes over as Latin-1:
 * decode them again when they are UTF-8, else keep them as they came.
 */
function utf8(value: string): string {
  // eslint-disable-next-line no-control-regex -- only values beyond ASCII need decoding
  if (/^[\u0000-\u007f]*$/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}
