/**
 * What workload kinds add around their pod template: a selector that is valid and matches the
 * template's labels, and the restart policies their controllers support, in the order and with
 * the short cuts of each kind's validation (ValidateDaemonSetSpec, ValidateDeploymentSpec, ...).
 */
import type { V1LabelSelector, V1LabelSelectorRequirement } from '@kubernetes/client-node';
import { FieldPath, forbidden, GoJsonValue, invalid, notSupported, required, type FieldError } from '../field.js';
import { validateLabels } from './metadata.js';
import { isQualifiedName } from './names.js';

interface WorkloadRules {
  /**
   * How the kind treats its selector: a LabelSelector that must select the template's labels
   * (`daemonset`, `replicaset`: whether an unparsable selector skips the template), a label map
   * (`map`, ReplicationController), or none (Jobs generate theirs).
   */
  selector: 'daemonset' | 'replicaset' | 'statefulset' | 'map' | 'none';
  restartPolicies: readonly string[];
}

const RULES: Readonly<Record<string, WorkloadRules>> = {
  DaemonSet: { selector: 'daemonset', restartPolicies: ['Always'] },
  Deployment: { selector: 'replicaset', restartPolicies: ['Always'] },
  ReplicaSet: { selector: 'replicaset', restartPolicies: ['Always'] },
  StatefulSet: { selector: 'statefulset', restartPolicies: ['Always'] },
  ReplicationController: { selector: 'map', restartPolicies: ['Always'] },
  Job: { selector: 'none', restartPolicies: ['OnFailure', 'Never'] },
  CronJob: { selector: 'none', restartPolicies: ['OnFailure', 'Never'] },
};

// ReplicaSet reuses the Deployment wording upstream.
const EMPTY_SELECTOR_NOUN: Readonly<Record<string, string>> = { DaemonSet: 'daemonset', StatefulSet: 'statefulset' };

/** A workload's own errors: those upstream finds before validating the pod template, and after. */
export interface WorkloadErrors {
  /** The selector's. */
  before: FieldError[];
  /** The restart policy and active deadline the controller supports. */
  after: FieldError[];
  /** Whether upstream validates no template at all (a selector it cannot parse, but a DaemonSet's). */
  skipTemplate: boolean;
}

function validateRequirement(requirement: V1LabelSelectorRequirement, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const values = requirement.values ?? [];
  if (requirement.operator === 'In' || requirement.operator === 'NotIn') {
    if (values.length === 0) errors.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (requirement.operator === 'Exists' || requirement.operator === 'DoesNotExist') {
    if (values.length > 0) errors.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else {
    errors.push(invalid(path.child('operator'), requirement.operator, 'not a valid selector operator'));
  }
  for (const message of isQualifiedName(requirement.key ?? '')) errors.push(invalid(path.child('key'), requirement.key ?? '', message));
  return errors;
}

/** ValidateLabelSelector: its labels and its requirements. */
export function validateLabelSelector(selector: V1LabelSelector, path: FieldPath): FieldError[] {
  return [
    ...validateLabels(selector.matchLabels, path.child('matchLabels')),
    ...(selector.matchExpressions ?? []).flatMap((e, i) => validateRequirement(e, path.child('matchExpressions').index(i))),
  ];
}

const sortedMap = (map: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** A LabelSelector as a bad value: the v1 struct's fields in order, empty ones left out. */
function selectorValue(selector: unknown): unknown {
  if (typeof selector !== 'object' || selector === null) return selector;
  const s = selector as V1LabelSelector;
  return new GoJsonValue({
    ...(s.matchLabels && Object.keys(s.matchLabels).length > 0 ? { matchLabels: sortedMap(s.matchLabels) } : {}),
    ...(s.matchExpressions && s.matchExpressions.length > 0 ? {
      matchExpressions: s.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values && e.values.length > 0 ? { values: e.values } : {}) })),
    } : {}),
  });
}

/**
 * Validates the workload-level rules of `object` given the path of its pod template.
 * @param template the pod template (`spec.template`, or CronJob's `spec.jobTemplate.spec.template`)
 */
export function validateWorkload(kind: string, object: Record<string, unknown>, template: Record<string, unknown> | undefined, templatePath: FieldPath): WorkloadErrors {
  const rules = RULES[kind];
  if (!rules) return { before: [], after: [], skipTemplate: false };
  const spec = (object['spec'] ?? {}) as Record<string, unknown>;
  if (!template) return { before: [required(templatePath)], after: [], skipTemplate: false };
  const labels = ((template['metadata'] as { labels?: Record<string, string> } | undefined)?.labels ?? {});
  const before: FieldError[] = [];
  const selectorPath = FieldPath.root('spec').child('selector');
  const mismatch = (): FieldError => invalid(templatePath.child('metadata', 'labels'), labels, '`selector` does not match template `labels`');
  const selector = spec['selector'] as V1LabelSelector | Record<string, string> | undefined | null;
  let skipTemplate = false;

  if (rules.selector === 'map') {
    if (selector && !mapSelectorMatches(selector as Record<string, string>, labels)) before.push(mismatch());
  } else if (rules.selector !== 'none') {
    const labelSelector = (selector ?? undefined) as V1LabelSelector | undefined;
    const problems = labelSelector ? validateLabelSelector(labelSelector, selectorPath) : [];
    // LabelSelectorAsSelector refuses what validation refuses; a missing selector selects nothing.
    const parses = problems.length === 0;
    const matches = parses && labelSelector !== undefined && labelSelectorMatches(labelSelector, labels);
    const empty = labelSelector !== undefined && (labelSelector.matchLabels ? Object.keys(labelSelector.matchLabels).length : 0) + (labelSelector.matchExpressions?.length ?? 0) === 0;
    const emptyError = (): FieldError => invalid(selectorPath, selectorValue(selector), `empty selector is invalid for ${EMPTY_SELECTOR_NOUN[kind] ?? 'deployment'}`);
    if (rules.selector === 'daemonset') {
      before.push(...problems);
      if (parses && !matches && !empty) before.push(mismatch());
      if (empty) before.push(emptyError());
    } else {
      if (!labelSelector) before.push(required(selectorPath));
      else before.push(...problems, ...(empty ? [emptyError()] : []));
      if (!parses) {
        // Upstream validates no template it could not select from; a StatefulSet says no more.
        before.push(invalid(selectorPath, selectorValue(selector), rules.selector === 'statefulset' ? '' : 'invalid label selector'));
        skipTemplate = true;
      } else if (!empty && !matches) {
        before.push(mismatch());
      }
    }
  }

  const after: FieldError[] = [];
  const podSpec = (template['spec'] ?? {}) as Record<string, unknown>;
  // Pod defaulting sets an empty restartPolicy to Always before validation; a Job is told the
  // policy is required whether it was left out or Always.
  const restartPolicy = typeof podSpec['restartPolicy'] === 'string' && podSpec['restartPolicy'] !== '' ? podSpec['restartPolicy'] : 'Always';
  const restartPath = templatePath.child('spec', 'restartPolicy');
  if (rules.selector === 'none' && restartPolicy === 'Always') {
    after.push(required(restartPath, `valid values: ${rules.restartPolicies.map((p) => JSON.stringify(p)).join(', ')}`));
  } else if (!rules.restartPolicies.includes(restartPolicy)) {
    after.push(notSupported(restartPath, restartPolicy, rules.restartPolicies));
  }
  if (rules.selector !== 'none' && podSpec['activeDeadlineSeconds'] !== undefined && podSpec['activeDeadlineSeconds'] !== null) {
    const owner = kind === 'Deployment' ? 'ReplicaSet' : kind;
    after.push(forbidden(templatePath.child('spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${owner} is not Supported`));
  }
  return { before, after: skipTemplate ? [] : after, skipTemplate };
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
