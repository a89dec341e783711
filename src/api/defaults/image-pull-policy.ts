/**
 * The default image pull policy: Always for the `latest` tag (which a reference with neither tag
 * nor digest implies), IfNotPresent otherwise. The tag comes from parsing the reference as
 * distribution/reference's ParseNormalizedNamed does; a reference that does not parse has no tag,
 * so it gets IfNotPresent, as upstream ignores the parse error here and leaves it to validation.
 */

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REMAINDER = new RegExp(
  `^(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,}))?$`,
);
const NAME_TOTAL_LENGTH_MAX = 255;
// go-digest's registered algorithms (kubernetes links crypto/sha256 and crypto/sha512) and their hex lengths.
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed image reference: its tag and digest, either possibly empty. */
export interface ImageReference {
  tag: string;
  digest: string;
}

/** Parses an image reference as ParseNormalizedNamed; undefined when it is not a valid reference. */
export function parseImageReference(image: string): ImageReference | undefined {
  if (/^[a-f0-9]{64}$/.test(image)) return undefined;
  const [domain, remainder] = splitDomain(image);
  const tagSeparator = remainder.indexOf(':');
  const remoteName = tagSeparator >= 0 ? remainder.slice(0, tagSeparator) : remainder;
  if (remoteName.toLowerCase() !== remoteName) return undefined;
  if (!DOMAIN.test(domain)) return undefined;
  const match = REMAINDER.exec(remainder);
  if (!match) return undefined;
  const [, path = '', tag = '', algorithm, hex] = match;
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) return undefined;
  if (algorithm !== undefined && hex !== undefined) {
    if (DIGEST_HEX_LENGTH[algorithm] !== hex.length || !/^[a-f0-9]+$/.test(hex)) return undefined;
    return { tag, digest: `${algorithm}:${hex}` };
  }
  return { tag, digest: '' };
}

/** The pull policy the API server fills in for a container (or image volume) without one. */
export function defaultImagePullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  const reference = typeof image === 'string' ? parseImageReference(image) : undefined;
  if (!reference) return 'IfNotPresent';
  const tag = reference.tag === '' && reference.digest === '' ? 'latest' : reference.tag;
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

// splitDockerDomain: the first component is a registry only when it looks like a host name.
function splitDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    return ['docker.io', name.includes('/') ? name : `library/${name}`];
  }
  return [first, name.slice(slash + 1)];
}
