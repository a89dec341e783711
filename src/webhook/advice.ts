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

// The sandbox mount point's variable, as a container's command, args or workingDir name it.
const SANDBOX_VARIABLE = /(\$CONTAINER_SANDBOX_MOUNT_POINT|\$\{CONTAINER_SANDBOX_MOUNT_POINT\}|\$env:CONTAINER_SANDBOX_MOUNT_POINT|%CONTAINER_SANDBOX_MOUNT_POINT%|\$\(CONTAINER_SANDBOX_MOUNT_POINT\))/i;

/**
 * The one containerd 1.7 hazard this module checks itself: a path under the sandbox mount point
 * joined with a volume's mountPath. containerd 1.6 gave volumes there as symlinks; 1.7 bind-mounts
 * them at mountPath itself, so `$CONTAINER_SANDBOX_MOUNT_POINT/<mountPath>` no longer holds the
 * volume (containerd #8090, sig-windows-tools #277). The fuller advisor (`hostpod lint
 * --containerd`) plugs in as an Advisor.
 */
export function containerd17Findings(spec: V1PodSpec, specPath: FieldPath): Finding[] {
  const findings: Finding[] = [];
  for (const { container, path } of visitContainers(spec, specPath)) {
    if (effectiveHostProcess(spec, container) !== true) continue;
    const mountPaths = (container.volumeMounts ?? []).map((m) => m.mountPath.replace(/^[A-Za-z]:/, '').replace(/\\/g, '/').replace(/^\/+|\/+$/g, '')).filter((p) => p !== '');
    const fields: [string, string[]][] = [['command', container.command ?? []], ['args', container.args ?? []], ['workingDir', container.workingDir ? [container.workingDir] : []]];
    for (const [field, values] of fields) {
      values.forEach((value, i) => {
        const match = SANDBOX_VARIABLE.exec(value);
        if (!match) return;
        const rest = value.slice(match.index + match[0].length).replace(/\\/g, '/').replace(/^\/+/, '');
        const volume = mountPaths.find((p) => rest === p || rest.startsWith(`${p}/`));
        if (volume === undefined) return;
        const at = field === 'workingDir' ? path.child(field) : path.child(field).index(i);
        findings.push({
          rule: 'containerd17',
          message: `${at.toString()} reaches the volume at ${volume} through ${match[0]}: containerd 1.7 mounts volumes at their mountPath, ` +
            `not under the sandbox (containerd #8090): use the mountPath itself`,
        });
      });
    }
  }
  return findings;
}
