/**
 * Image references, parsed and normalized exactly as the container ecosystem does it
 * (distribution/reference's ParseNormalizedNamed, which docker, containerd, the kubelet and
 * podman all share):
 *
 *   busybox                      -> docker.io/library/busybox:latest
 *   quay.io/org/app@sha256:...   -> registry quay.io, repository org/app, by digest
 *   localhost:5000/app:v1        -> registry localhost:5000, tag v1
 *   app:v1@sha256:...            -> tag kept for display, the digest decides what is pulled
 *
 * Written by hand: the grammar is a handful of regular expressions, and the error wording must
 * match the one users know from `docker pull` and the kubelet's events.
 */
import { HostpodError } from '../../errors.js';

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
const OFFICIAL_REPOSITORY_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
/** The registry name podman reserves for images that exist only on this host. */
export const LOCAL_ONLY_REGISTRY = 'localhost';
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar of distribution/reference (regexp.go), assembled the same way.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const host = `(?:${domainName}|${ipv6Address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;
const referenceRegExp = new RegExp(`^(${namePattern})(?::(${tag}))?(?:@(${digestPattern}))?$`);
const anchoredTag = new RegExp(`^${tag}$`);
const anchoredIdentifier = /^[a-f0-9]{64}$/;
const anchoredDomainAndPort = new RegExp(`^${domainAndPort}$`);
const anchoredRemoteName = new RegExp(`^${remoteName}$`);

/** A parsed, normalized image reference. */
export interface ImageReference {
  /** Registry host, with port when given: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository path inside the registry: `library/busybox`. */
  readonly repository: string;
  /** The tag, `latest` when neither tag nor digest was given; undefined for a bare digest. */
  readonly tag: string | undefined;
  /** `sha256:<hex>` when the reference pins a digest. */
  readonly digest: string | undefined;
  /** `registry/repository`: the name images are listed under. */
  readonly name: string;
  /** The canonical string: name, then `:tag`, then `@digest`, as each is present. */
  readonly canonical: string;
}

function invalid(input: string, reason: string, hint?: string): HostpodError {
  return new HostpodError('ERR_HOSTPOD_IMAGE_REFERENCE', `invalid image reference "${input}": ${reason}`, {
    hint: hint ?? 'write it as [registry[:port]/]repository[:tag][@sha256:<64 hex digits>], for example docker.io/library/busybox:1.36',
  });
}

/** Splits `name` into registry and repository the way docker does. */
function splitRegistry(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  // The first component is a registry only when it looks like a host: it has a dot or a port,
  // is `localhost`, or has upper-case letters (repository paths never do).
  const isHost = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let registry = isHost ? first : DEFAULT_REGISTRY;
  let repository = isHost ? name.slice(slash + 1) : name;
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = OFFICIAL_REPOSITORY_PREFIX + repository;
  return [registry, repository];
}

/**
 * Parses a reference as a user writes it and fills in docker's defaults. Throws a HostpodError
 * (ERR_HOSTPOD_IMAGE_REFERENCE) naming the reference and the rule it breaks.
 */
export function parseReference(input: string): ImageReference {
  if (input.length === 0) throw invalid(input, 'repository name must have at least one component');
  if (anchoredIdentifier.test(input)) {
    throw invalid(input, 'cannot specify 64-byte hexadecimal strings as a repository name', 'refer to an image by its name, or by name@sha256:<digest>');
  }
  if (/\s/.test(input)) throw invalid(input, 'invalid reference format: it contains white space');

  const [registryPart, rest] = splitRegistry(stripTagAndDigest(input));
  if (rest.toLowerCase() !== rest) {
    throw invalid(input, `repository name (${rest}) must be lowercase`, `use "${input.replace(rest, rest.toLowerCase())}"`);
  }
  const match = referenceRegExp.exec(input);
  if (!match) throw invalid(input, describeFormatError(input));
  const [, fullName = '', tagPart, digestPart] = match;
  if (fullName.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(input, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const digest = digestPart === undefined ? undefined : validateDigestInReference(input, digestPart);
  const registry = registryPart;
  const repository = rest;
  const tagValue = tagPart ?? (digest === undefined ? DEFAULT_TAG : undefined);
  return makeReference(registry, repository, tagValue, digest);
}

/** Builds a reference from its parts (already valid). */
export function makeReference(registry: string, repository: string, tagValue: string | undefined, digest: string | undefined): ImageReference {
  const name = `${registry}/${repository}`;
  const canonical = `${name}${tagValue === undefined ? '' : `:${tagValue}`}${digest === undefined ? '' : `@${digest}`}`;
  return { registry, repository, tag: tagValue, digest, name, canonical };
}

/** The same image pinned to `digest` (the form a pull records next to the tag). */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return makeReference(ref.registry, ref.repository, undefined, digest);
}

/** True for images that live only on this host and are never pulled (`localhost/...`). */
export function isLocalOnly(ref: ImageReference): boolean {
  return ref.registry === LOCAL_ONLY_REGISTRY;
}

/** `name:tag` when tagged, else `name@digest`: the short form listings show. */
export function displayName(ref: ImageReference): string {
  return ref.tag !== undefined ? `${ref.name}:${ref.tag}` : `${ref.name}@${ref.digest ?? ''}`;
}

function stripTagAndDigest(input: string): string {
  const at = input.indexOf('@');
  const withoutDigest = at === -1 ? input : input.slice(0, at);
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

function validateDigestInReference(input: string, value: string): string {
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  const encoded = value.slice(colon + 1);
  if (algorithm !== 'sha256') {
    throw invalid(input, `unsupported digest algorithm "${algorithm}"`, 'image digests are sha256:<64 lowercase hex digits>');
  }
  if (encoded.length !== 64) throw invalid(input, 'invalid checksum digest length', 'a sha256 digest has exactly 64 hex digits');
  if (!/^[a-f0-9]{64}$/.test(encoded)) throw invalid(input, 'invalid checksum digest format', 'digests use lowercase hex digits');
  return value;
}

/** Says which part of a reference that does not match the grammar is wrong. */
function describeFormatError(input: string): string {
  const at = input.indexOf('@');
  if (at !== -1) {
    const digestPart = input.slice(at + 1);
    if (!new RegExp(`^${digestPattern}$`).test(digestPart)) return `invalid digest format "${digestPart}"`;
  }
  const nameAndTag = at === -1 ? input : input.slice(0, at);
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    const tagPart = nameAndTag.slice(colon + 1);
    if (!anchoredTag.test(tagPart)) {
      return `invalid tag format "${tagPart}": up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`;
    }
  }
  const name = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const first = name.slice(0, slash);
    if ((/[.:]/.test(first) || first === 'localhost') && !anchoredDomainAndPort.test(first)) {
      return `invalid registry host "${first}"`;
    }
  }
  const [, repository] = splitRegistry(name);
  if (repository.split('/').some((component) => component === '')) return 'invalid reference format: empty path component';
  if (!anchoredRemoteName.test(repository)) {
    return `invalid reference format: repository "${repository}" may hold only lowercase letters, digits and single separators (".", "_", "__", "-") between them`;
  }
  return 'invalid reference format';
}
