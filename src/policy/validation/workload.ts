/**
 * What workload kinds add around their pod template: a selector that matches the template's
 * labels, and the restart policies their controllers support.
 */
import type { V1LabelSelector } from '@kubernetes/client-node';
import { FieldPath, forbidden, invalid, notSupported, required, type FieldError } from '../field.js';

interface WorkloadRules {
  /** Kinds whose spec.selector must select the template's labels. */
  selector: 'required' | 'optional' | 'none';
  restartPolicies: readonly string[];
}

const RULES: Readonly<Record<string, WorkloadRules>> = {
  DaemonSet: { selector: 'required', restartPolicies: ['Always'] },
  Deployment: { selector: 'required', restartPolicies: ['Always'] },
  ReplicaSet: { selector: 'required', restartPolicies: ['Always'] },
  StatefulSet: { selector: 'required', restartPolicies: ['Always'] },
  ReplicationController: { selector: 'optional', restartPolicies: ['Always'] },
  Job: { selector: 'none', restartPolicies: ['OnFailure', 'Never'] },
  CronJob: { selector: 'none', restartPolicies: ['OnFailure', 'Never'] },
};

// ReplicaSet reuses the Deployment wording upstream.
const EMPTY_SELECTOR_NOUN: Readonly<Record<string, string>> = { DaemonSet: 'daemonset', StatefulSet: 'statefulset' };

/**
 * Validates the workload-level rules of `object` given the path of its pod template.
 * @param template the pod template (`spec.template`, or CronJob's `spec.jobTemplate.spec.template`)
 */
export function validateWorkload(kind: string, object: Record<string, unknown>, template: Record<string, unknown> | undefined, templatePath: FieldPath): FieldError[] {
  const rules = RULES[kind];
  if (!rules) return [];
  const errors: FieldError[] = [];
  const spec = (object['spec'] ?? {}) as Record<string, unknown>;
  if (!template) return [required(templatePath)];
  const labels = ((template['metadata'] as { labels?: Record<string, string> } | undefined)?.labels ?? {});

  if (rules.selector !== 'none') {
    const selector = spec['selector'] as V1LabelSelector | Record<string, string> | undefined | null;
    const selectorPath = FieldPath.root('spec').child('selector');
    if (selector === undefined || selector === null) {
      if (rules.selector === 'required') errors.push(required(selectorPath));
    } else {
      // ReplicationController selectors are plain label maps; the apps kinds use LabelSelector.
      const matches = kind === 'ReplicationController'
        ? mapSelectorMatches(selector as Record<string, string>, labels)
        : labelSelectorMatches(selector, labels);
      const empty = kind === 'ReplicationController'
        ? Object.keys(selector).length === 0
        : !(selector as V1LabelSelector).matchLabels && !(selector as V1LabelSelector).matchExpressions;
      if (empty && kind !== 'ReplicationController') {
        errors.push(invalid(selectorPath, selector, `empty selector is invalid for ${EMPTY_SELECTOR_NOUN[kind] ?? 'deployment'}`));
      } else if (!matches) {
        errors.push(invalid(templatePath.child('metadata', 'labels'), labels, '`selector` does not match template `labels`'));
      }
    }
  }

  const podSpec = (template['spec'] ?? {}) as Record<string, unknown>;
  // Pod defaulting sets an empty restartPolicy to Always before validation, which is why a Job
  // without one is told that "Always" is not supported.
  const restartPolicy = typeof podSpec['restartPolicy'] === 'string' && podSpec['restartPolicy'] !== '' ? podSpec['restartPolicy'] : 'Always';
  if (!rules.restartPolicies.includes(restartPolicy)) {
    errors.push(notSupported(templatePath.child('spec', 'restartPolicy'), restartPolicy, rules.restartPolicies));
  }
  if (rules.selector !== 'none' && podSpec['activeDeadlineSeconds'] !== undefined && podSpec['activeDeadlineSeconds'] !== null) {
    const owner = kind === 'Deployment' ? 'ReplicaSet' : kind;
    errors.push(forbidden(templatePath.child('spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${owner} is not Supported`));
  }
  return errors;
}

function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Whether a LabelSelector selects the given labels (matchLabels and matchExpressions). */
export function labelSelectorMatches(selector: V1LabelSelector, labels: Record<string, string>): boolean {
  if (!mapSelectorMatches(selector.matchLabels ?? {}, labels)) return false;
  return (selector.matchExpressions ?? []).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': return has && values.includes(labels[e.key] ?? '');
      case 'NotIn': return !has || !values.includes(labels[e.key] ?? '');
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}
