/**
 * What the validating endpoint finds in a pod spec, each finding under the configuration rule
 * that decides whether it denies or warns. Targets real Windows nodes (unlike `hostpod lint`'s
 * advice, which also says what hostpod's Linux nodes make of a Windows node selector).
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { wellKnownAccount } from '../api/accounts.js';
import { visitContainers } from '../policy/containers.js';
import { formatFieldError, type FieldPath } from '../policy/field.js';
import { effectiveHostProcess, validateHostProcess } from '../policy/validation/index.js';
import { containerdAdvice } from '../lint/containerd/index.js';
import type { RuleName } from './config.js';

/** The annotation that says why a HostProcess pod needs NT AUTHORITY\SYSTEM. */
export const SYSTEM_JUSTIFICATION_ANNOTATION = 'hostpod.io/system-justification';

export interface Finding {
  rule: RuleName;
  /** The field and what to do, without the object's name: `spec.containers[0]: ...`. */
  message: string;
}

/**
 * An extra advisor over a HostProcess pod spec (the containerd 1.6 to 1.7 advisor plugs in here).
 * May be asynchronous: the review's time budget covers it.
 */
export type Advisor = (spec: V1PodSpec, specPath: FieldPath) => Finding[] | Promise<Finding[]>;

/** The findings on a pod spec at `specPath` whose metadata is `meta`; none unless it is a HostProcess pod. */
export function podFindings(meta: V1ObjectMeta, spec: V1PodSpec, specPath: FieldPath, metaPath: FieldPath): Finding[] {
  const findings: Finding[] = [];
  for (const error of validateHostProcess(spec, specPath, { allowPrivileged: true })) {
    findings.push({ rule: 'hostProcessRules', message: formatFieldError(error) });
  }
  const podUser = spec.securityContext?.windowsOptions?.runAsUserName ?? undefined;
  const justification = meta.annotations?.[SYSTEM_JUSTIFICATION_ANNOTATION]?.trim() ?? '';
  for (const { container, path } of visitContainers(spec, specPath)) {
    if (effectiveHostProcess(spec, container) !== true) continue;
    const user = container.securityContext?.windowsOptions?.runAsUserName ?? podUser;
    const name = JSON.stringify(container.name);
    if (user === undefined) {
      findings.push({
        rule: 'noRunAsUserName',
        message: `${path.toString()} (${name}) has no runAsUserName, so it runs as the image's user: ` +
          `set ${specPath.child('securityContext', 'windowsOptions', 'runAsUserName').toString()} or the container's, for example to "NT AUTHORITY\\Local service"`,
      });
    } else if (wellKnownAccount(user) === 'LocalSystem' && justification === '') {
      findings.push({
        rule: 'systemWithoutJustification',
        message: `${path.toString()} (${name}) runs as ${user}, the most privileged account, with no ${SYSTEM_JUSTIFICATION_ANNOTATION} annotation: ` +
          `use "NT AUTHORITY\\Local service", or say why in ${metaPath.child('annotations').key(SYSTEM_JUSTIFICATION_ANNOTATION).toString()}`,
      });
    }
    const limits = (container.resources?.limits ?? {}) as Record<string, unknown>;
    const missing = ['cpu', 'memory'].filter((resource) => limits[resource] === undefined);
    if (missing.length > 0) {
      findings.push({
        rule: 'noResourceLimits',
        message: `${path.toString()} (${name}) has no ${missing.join(' or ')} limit, so it may use all of the host's: ` +
          `set ${path.child('resources', 'limits').toString()} (${missing.map((r) => `${r}: ...`).join(', ')})`,
      });
    }
  }
  return findings;
}

/**
 * The containerd 1.6 to 1.7 hazards of a pod spec, as `hostpod lint --containerd 1.7` finds them
 * (src/lint/containerd): a copy of a volume onto itself, a write into a readOnly mount, a relative
 * program that relied on 1.6's working directory. The webhook sees one object at a time, so a
 * script kept in a ConfigMap is not read.
 */
export function containerd17Findings(spec: V1PodSpec, specPath: FieldPath, namespace: string): Finding[] {
  return containerdAdvice(spec, specPath, { target: '1.7', namespace }).map((advisory) => ({ rule: 'containerd17', message: `${advisory.field}: ${advisory.message}` }));
}
