/**
 * `Warning` response headers as kube-apiserver's warning recorder writes them: `299 - "text"`,
 * deduplicated, and once the texts pass 4096 characters in all, each cut to 256 characters.
 * hostpod also stops adding warnings past 12 KiB of text, which kube-apiserver does not, so that
 * no answer outgrows the 16 KiB of headers HTTP clients (Node's among them) accept.
 */

const TRUNCATE_AT_TOTAL = 4 * 1024;
const TRUNCATED_LENGTH = 256;
const MAX_TOTAL = 12 * 1024;

/** The header values for `texts`, in order. */
export function warningHeaders(texts: readonly string[]): string[] {
  const unique = [...new Set(texts)].filter((text) => text !== '');
  const total = unique.reduce((sum, text) => sum + [...text].length, 0);
  const truncating = total > TRUNCATE_AT_TOTAL;
  const headers: string[] = [];
  let written = 0;
  for (const text of unique) {
    const chars = [...text];
    const shown = truncating && chars.length > TRUNCATED_LENGTH ? chars.slice(0, TRUNCATED_LENGTH).join('') : text;
    written += Math.min(chars.length, truncating ? TRUNCATED_LENGTH : chars.length);
    if (written > MAX_TOTAL) break;
    headers.push(warningHeader(shown));
  }
  return headers;
}

/**
 * One warning as a header value: RFC 7234's quoted string, quotes and backslashes escaped,
 * control characters (which a header cannot carry) as spaces, and characters beyond ASCII as
 * `\uXXXX` escapes. kube-apiserver writes those as UTF-8 bytes; Node refuses characters beyond
 * Latin-1 in a header and writes Latin-1 ones as one or two bytes depending on whether the body
 * goes out with the headers, so only ASCII arrives as sent.
 */
export function warningHeader(text: string): string {
  const clean = text
    // eslint-disable-next-line no-control-regex -- control characters are what it replaces
    .replace(/[\u0000-\u0008\u000a-\u001f\u007f]+/g, ' ')
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/[^\x20-\x7e\t]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `299 - "${clean}"`;
}
