/**
 * What kubectl prints, with what legitimately differs between two control planes replaced by
 * placeholders: uids, timestamps, resourceVersions, generated name suffixes, template hashes and
 * event names, ages, the server's address and port, versions, CA certificates and certificate
 * fingerprints, service-account tokens (decoded, their times and key id replaced), managedFields,
 * and column padding (which follows the width of the values replaced). What stays is what a user
 * of either would see differ.
 */

const UID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const RFC3339 = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g;
// describe's dates: Mon, 02 Jan 2006 15:04:05 -0700
const DESCRIBE_TIME = /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}/g;
const RESOURCE_VERSION = /("?resourceVersion"?:\s*)"\d+"/g;
const DESCRIBED_RESOURCE_VERSION = /(Resource Version:\s+)\d+/g;
// A controller's template hash (controller-revision-hash, and its ControllerRevisions' names):
// kube-controller-manager's is an FNV hash of a Go dump of the template, hostpod's of its JSON.
const REVISION_HASH = /(?<=[a-z0-9]-|controller-revision-hash[:=] ?)[bcdfghjklmnpqrstvwxz2456789]{8,10}\b/g;
// A Deployment's pod-template-hash label (its ReplicaSets' names end with it too, which REVISION_HASH
// covers): kube-controller-manager's is an FNV hash of a Go dump of the template, hostpod's of its JSON.
const POD_TEMPLATE_HASH = /(?<=pod-template-hash"?[:=] ?"?)[bcdfghjklmnpqrstvwxz2456789]{8,10}\b/g;
// A generated suffix after a hash already replaced: a ReplicaSet's pod, DEPLOYMENT-HASH-xxxxx.
const HASHED_NAME_SUFFIX = /(?<=<hash>-)[bcdfghjklmnpqrstvwxz2456789]{5}\b/g;
// The apimachinery's generated suffixes (rand.String: consonants and digits that spell no word), five of them.
const SUFFIX = /(?<=[a-z0-9]-)[bcdfghjklmnpqrstvwxz2456789]{5}\b/g;
// kubectl's ages (duration.HumanDuration): 5s, 3m4s, 2d3h, 4y; and an event's "(x3 over 2m)".
const AGE = /(?<![\w.:/-])(?:\d+[ywdhms]){1,2}(?![\w.:/-])/g;
const SERVER = /\bhttps:\/\/(?:127\.0\.0\.1|\[::1\]|localhost):\d+/g;
const VERSION = /\bv1\.\d+\.\d+(?:\+hostpod-[\w.-]+)?/g;
// kubectl version's warning: "version difference between client (1.33) and server (1.36) exceeds ..."
const SKEW = /client \(\d+\.\d+\) and server \(\d+\.\d+\)/g;
const JWT = /\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g;
// Each control plane's own CA (kube-root-ca.crt), whatever indentation the YAML gives its lines.
const PEM = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g;
// A client certificate's credential id (kubectl auth whoami): its SHA-256.
const FINGERPRINT = /\bX509SHA256=[0-9a-f]{64}\b/g;
// An event's name: its object's, then the time it was made in hex (client-go's recorder).
const EVENT_NAME = /(?<=[a-z0-9]\.)[0-9a-f]{16}\b/g;
// kubectl diff's directories and diff(1)'s times: /tmp/LIVE-123/..., 2026-01-02 03:04:05.678 +0000
const DIFF_DIR = /\/(LIVE|MERGED)-\d+\//g;
const DIFF_TIME = /\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [+-]\d{4}/g;
// An event's row in describe's Events and in get events: its type is a column of its own.
const EVENT_LINE = /(?:^|\s)(?:Normal|Warning)\s/;

/** Replaces each distinct match with `<what-N>`, numbered by first appearance, so sameness is kept. */
function numbered(text: string, pattern: RegExp, what: string): string {
  const seen = new Map<string, number>();
  return text.replace(pattern, (match) => {
    if (!seen.has(match)) seen.set(match, seen.size + 1);
    return `<${what}-${seen.get(match)}>`;
  });
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * A token, decoded: its header and claims in the order the server wrote them, the key id, its
 * unique id and times replaced (exp and nbf relative to iat), the signature dropped.
 */
function describeJwt(token: string): string {
  const [headerPart = '', claimsPart = ''] = token.split('.');
  const header = decodeJson(headerPart);
  const claims = decodeJson(claimsPart);
  if (!header || !claims) return '<jwt>';
  if ('kid' in header) header['kid'] = '<kid>';
  const iat = typeof claims['iat'] === 'number' ? claims['iat'] : 0;
  for (const key of ['exp', 'nbf']) {
    if (typeof claims[key] === 'number') claims[key] = `iat${(claims[key] - iat >= 0 ? '+' : '')}${claims[key] - iat}`;
  }
  if ('iat' in claims) claims['iat'] = '<time>';
  return `<jwt header=${JSON.stringify(header)} claims=${JSON.stringify(claims)}>`;
}

/** Drops `managedFields` from YAML and JSON output: the lines from its key to the end of its block. */
function withoutManagedFields(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = /^(\s*)"?managedFields"?:/.exec(lines[i]!);
    if (!start) {
      out.push(lines[i]!);
      continue;
    }
    const indent = start[1]!.length;
    const json = lines[i]!.trimEnd().endsWith('[');
    i++;
    while (i < lines.length) {
      const line = lines[i]!;
      const depth = line.length - line.trimStart().length;
      // YAML: a sequence under the key may sit at the key's own indentation ("- manager: ...").
      if (json ? depth === indent && /^\s*\],?$/.test(line) : depth < indent || (depth === indent && !line.trimStart().startsWith('- '))) break;
      i++;
    }
    if (!json) i--;
  }
  return out.join('\n');
}

/**
 * Collapses adjacent identical event rows (identical once their ages are replaced): how often a
 * retrying controller repeats an event (the scheduler's FailedScheduling) is timing.
 */
function withoutRepeatedEvents(lines: string[]): string[] {
  return lines.filter((line, i) => !(i > 0 && EVENT_LINE.test(line) && line === lines[i - 1]));
}

/**
 * Sorts the entries of each YAML `managedFields` block by operation, manager and subresource:
 * kube-apiserver orders them by their times (in seconds), so two writes in one second on one
 * control plane and in two on the other swap places; what each entry holds is still compared.
 */
function withSortedManagedFields(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]!);
    const start = /^(\s*)managedFields:$/.exec(lines[i]!);
    if (!start) continue;
    const indent = start[1]!.length;
    const entries: string[][] = [];
    while (i + 1 < lines.length) {
      const line = lines[i + 1]!;
      const depth = line.length - line.trimStart().length;
      if (depth < indent || (depth === indent && !line.trimStart().startsWith('- '))) break;
      if (depth === indent) entries.push([]);
      entries.at(-1)?.push(line);
      i++;
    }
    const sortKey = (entry: string[]): string => ['operation', 'manager', 'subresource', 'apiVersion']
      .map((field) => entry.find((l) => l.trimStart().replace(/^- /, '').startsWith(`${field}:`))?.trim().replace(/^- /, '') ?? '').join('\n');
    entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    out.push(...entries.flat());
  }
  return out.join('\n');
}

/** How a session normalizes: managedFields dropped (the default) or kept with their entries sorted. */
export interface NormalizeOptions {
  managedFields?: 'drop' | 'sorted';
}

/** The output of one kubectl run, comparable between two control planes. */
export function normalize(text: string, options: NormalizeOptions = {}): string {
  let out = options.managedFields === 'sorted' ? withSortedManagedFields(text) : withoutManagedFields(text);
  out = out.replace(JWT, describeJwt).replace(PEM, '<$1>').replace(FINGERPRINT, 'X509SHA256=<fingerprint>');
  out = numbered(out, UID, 'uid');
  out = out.replace(RFC3339, '<time>').replace(DESCRIBE_TIME, '<time>').replace(DIFF_TIME, '<time>').replace(DIFF_DIR, '/<$1>/');
  out = out.replace(RESOURCE_VERSION, '$1"<rv>"').replace(DESCRIBED_RESOURCE_VERSION, '$1<rv>').replace(REVISION_HASH, '<hash>');
  out = out.replace(POD_TEMPLATE_HASH, '<hash>').replace(HASHED_NAME_SUFFIX, '<suffix>');
  out = out.replace(SUFFIX, '<suffix>').replace(EVENT_NAME, '<event>');
  out = out.replace(SERVER, 'https://<server>');
  out = out.replace(VERSION, '<version>').replace(SKEW, 'client (<minor>) and server (<minor>)');
  // describe's "(x3 over 2m)" after an event's age: how often it repeated is timing too.
  out = out.replace(AGE, '<age>').replace(/ \(x\d+ over <age>\)/g, '');
  // Columns are padded to their widest value; the values replaced above set those widths.
  const lines = out.split('\n').map((line) => line.replace(/(\S) {2,}/g, '$1  ').trimEnd());
  // Outputs end with a newline, or several (rollout history); where the text ends is no difference.
  return withoutRepeatedEvents(lines).join('\n').trimEnd();
}
