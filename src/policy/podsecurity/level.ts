/**
 * Pod Security levels and policy versions, parsed as pod-security-admission parses namespace labels.
 */

export type Level = 'privileged' | 'baseline' | 'restricted';

/** In order of strictness; this order also appears in the invalid-level message. */
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** A policy version: `latest`, or `v1.<minor>`. */
export type Version = { latest: true } | { latest: false; minor: number };

export const LATEST: Version = { latest: true };

/** `v1.<minor>`. */
export const v1 = (minor: number): Version => ({ latest: false, minor });

/** A level at a version: what one mode of a namespace policy evaluates. */
export interface LevelVersion {
  level: Level;
  version: Version;
}

export const INVALID_LEVEL_MESSAGE = `must be one of ${LEVELS.join(', ')}`;
export const INVALID_VERSION_MESSAGE = 'must be "latest" or "v1.x"';

/** Parses a level label value; exact and case-sensitive, as upstream. */
export function parseLevel(text: string): Level | undefined {
  return (LEVELS as readonly string[]).includes(text) ? (text as Level) : undefined;
}

const VERSION = /^v1\.(0|[1-9][0-9]*)$/;

/** Parses a version label value: `latest` or `v1.N` (no patch, no leading zeros). */
export function parseVersion(text: string): Version | undefined {
  if (text === 'latest') return LATEST;
  const match = VERSION.exec(text);
  if (!match) return undefined;
  // Go's strconv.Atoi accepts up to int64; past that the label is invalid. (Any such version
  // evaluates like the newest policy, so the minor's precision beyond 2^53 does not matter.)
  if (BigInt(match[1] ?? '0') > 2n ** 63n - 1n) return undefined;
  return v1(Number(match[1]));
}

export function formatVersion(version: Version): string {
  return version.latest ? 'latest' : `v1.${version.minor}`;
}

/** `baseline:latest`, `restricted:v1.25`. */
export function formatLevelVersion(lv: LevelVersion): string {
  return `${lv.level}:${formatVersion(lv.version)}`;
}

/** -1, 0 or 1 as `a` is less strict than, as strict as, or stricter than `b`. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

/** Whether `a` is an older version than `b`; latest is never older than anything. */
export function isOlder(a: Version, b: Version): boolean {
  if (a.latest) return false;
  if (b.latest) return true;
  return a.minor < b.minor;
}

/**
 * Parses `LEVEL[:VERSION]` as the command line takes it (`baseline`, `restricted:v1.25`).
 * @returns undefined when either part is invalid.
 */
export function parseLevelVersion(text: string): LevelVersion | undefined {
  const [levelText, versionText, ...rest] = text.split(':');
  if (rest.length > 0 || levelText === undefined) return undefined;
  const level = parseLevel(levelText);
  const version = versionText === undefined ? LATEST : parseVersion(versionText);
  return level && version ? { level, version } : undefined;
}
