/**
 * The Pod Security policy of a namespace, from its labels.
 */
import { FieldPath, invalid, type FieldError } from '../field.js';
import {
  compareLevels, INVALID_LEVEL_MESSAGE, INVALID_VERSION_MESSAGE, LATEST, parseLevel, parseVersion,
  type LevelVersion,
} from './level.js';

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LABEL = `${LABEL_PREFIX}enforce`;
export const AUDIT_LABEL = `${LABEL_PREFIX}audit`;
export const WARN_LABEL = `${LABEL_PREFIX}warn`;

/** The three modes of a namespace policy. */
export interface NamespacePolicy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

/** The admission configuration's defaults when it sets none: privileged:latest for every mode. */
export const DEFAULT_POLICY: NamespacePolicy = {
  enforce: { level: 'privileged', version: LATEST },
  audit: { level: 'privileged', version: LATEST },
  warn: { level: 'privileged', version: LATEST },
};

/**
 * Resolves a namespace's policy from its labels, falling back to `defaults` for unset modes.
 *
 * As upstream, a valid policy is always returned, with field errors for the labels that could
 * not be parsed: an invalid enforce level fails closed (restricted), invalid audit and warn
 * levels fail open (privileged), and an invalid version means latest. When warn is not set and
 * the enforce label is stricter, warn follows enforce (Kubernetes 1.26+).
 */
export function policyFromLabels(
  labels: Readonly<Record<string, string>>,
  defaults: NamespacePolicy = DEFAULT_POLICY,
): { policy: NamespacePolicy; errors: FieldError[] } {
  const policy: NamespacePolicy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: FieldError[] = [];
  const labelPath = (key: string): FieldPath => FieldPath.root('metadata').child('labels').key(key);

  const readMode = (mode: keyof NamespacePolicy, onInvalidLevel: 'restricted' | 'privileged'): { level: boolean; version: boolean; validLevel: boolean } => {
    const levelKey = `${LABEL_PREFIX}${mode}`;
    const versionKey = `${levelKey}-version`;
    const seen = { level: false, version: false, validLevel: false };
    const levelText = labels[levelKey];
    if (levelText !== undefined) {
      seen.level = true;
      const level = parseLevel(levelText);
      seen.validLevel = level !== undefined;
      policy[mode].level = level ?? onInvalidLevel;
      if (!level) errors.push(invalid(labelPath(levelKey), levelText, INVALID_LEVEL_MESSAGE));
    }
    const versionText = labels[versionKey];
    if (versionText !== undefined) {
      seen.version = true;
      const version = parseVersion(versionText);
      policy[mode].version = version ?? LATEST;
      if (!version) errors.push(invalid(labelPath(versionKey), versionText, INVALID_VERSION_MESSAGE));
    }
    return seen;
  };

  const enforce = readMode('enforce', 'restricted');
  readMode('audit', 'privileged');
  const warn = readMode('warn', 'privileged');

  if (!warn.level && enforce.validLevel && compareLevels(policy.enforce.level, policy.warn.level) > 0) {
    policy.warn.level = policy.enforce.level;
    if (!warn.version) policy.warn.version = policy.enforce.version;
  }
  return { policy, errors };
}
