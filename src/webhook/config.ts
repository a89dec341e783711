/**
 * The webhook's configuration file: which HostProcess advice denies, which warns and which is
 * off; what to answer when the time budget runs out; and the defaults the mutating endpoint adds.
 * Read once at the edge and normalized, so the review code trusts it.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { HostpodError } from '../errors.js';

/** What a finding of a rule does to the review. */
export type RuleAction = 'deny' | 'warn' | 'off';

/** The rules the validating endpoint applies, by their key in the file's `validate` map. */
export const RULES = ['hostProcessRules', 'noRunAsUserName', 'systemWithoutJustification', 'noResourceLimits', 'containerd17'] as const;
export type RuleName = (typeof RULES)[number];

export interface Toleration {
  key?: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface WebhookConfig {
  validate: Record<RuleName, RuleAction>;
  /** The budget of one review, in seconds; an API server's shorter `?timeout=` wins. */
  timeoutSeconds: number;
  /** The answer when the budget runs out: allowed with a warning, or denied. */
  onTimeout: 'allow' | 'deny';
  mutate: {
    /** Labels added to a HostProcess pod's nodeSelector when it lacks the key. */
    nodeSelector: Record<string, string>;
    /** Tolerations added to a HostProcess pod that has no equal one. */
    tolerations: Toleration[];
  };
}

/** The configuration without a file: the API server's HostProcess rules deny, all advice warns, nothing is added. */
export function defaultWebhookConfig(): WebhookConfig {
  return {
    validate: { hostProcessRules: 'deny', noRunAsUserName: 'warn', systemWithoutJustification: 'warn', noResourceLimits: 'warn', containerd17: 'warn' },
    timeoutSeconds: 10,
    onTimeout: 'allow',
    mutate: { nodeSelector: {}, tolerations: [] },
  };
}

const TOP_KEYS = ['apiVersion', 'kind', 'validate', 'timeoutSeconds', 'onTimeout', 'mutate'];
const TOLERATION_KEYS = ['key', 'operator', 'value', 'effect', 'tolerationSeconds'];

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Normalizes a parsed configuration document over the defaults.
 * @throws HostpodError ERR_HOSTPOD_WEBHOOK_CONFIG naming the file, the field, what was found and what is allowed
 */
export function normalizeWebhookConfig(document: unknown, file: string): WebhookConfig {
  const config = defaultWebhookConfig();
  const fail = (field: string, found: unknown, expected: string): never => {
    throw new HostpodError('ERR_HOSTPOD_WEBHOOK_CONFIG', `${file}: ${field} is ${JSON.stringify(found)}; expected ${expected}`, {
      hint: 'fix the field (docs/webhook.md lists them) or leave it out for its default',
    });
  };
  if (document === null || document === undefined) return config;
  if (!isMap(document)) return fail('the document', document, 'a map (apiVersion: hostpod.io/v1alpha1, kind: WebhookConfiguration, validate, mutate, ...)');
  for (const key of Object.keys(document)) if (!TOP_KEYS.includes(key)) fail(key, document[key], `one of the fields ${TOP_KEYS.join(', ')}`);
  if (document['apiVersion'] !== undefined && document['apiVersion'] !== 'hostpod.io/v1alpha1') fail('apiVersion', document['apiVersion'], 'hostpod.io/v1alpha1');
  if (document['kind'] !== undefined && document['kind'] !== 'WebhookConfiguration') fail('kind', document['kind'], 'WebhookConfiguration');
  const validate = document['validate'];
  if (validate !== undefined) {
    if (!isMap(validate)) fail('validate', validate, `a map of ${RULES.join(', ')} to deny, warn or off`);
    for (const [rule, action] of Object.entries(validate as Record<string, unknown>)) {
      if (!(RULES as readonly string[]).includes(rule)) fail(`validate.${rule}`, action, `a rule among ${RULES.join(', ')}`);
      if (action !== 'deny' && action !== 'warn' && action !== 'off') fail(`validate.${rule}`, action, 'deny, warn or off');
      config.validate[rule as RuleName] = action as RuleAction;
    }
  }
  const seconds = document['timeoutSeconds'];
  if (seconds !== undefined) {
    // admissionregistration.k8s.io/v1 allows 1 to 30 seconds for timeoutSeconds.
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 30) fail('timeoutSeconds', seconds, 'an integer from 1 to 30, as the webhook configuration\'s timeoutSeconds');
    config.timeoutSeconds = seconds as number;
  }
  const onTimeout = document['onTimeout'];
  if (onTimeout !== undefined) {
    if (onTimeout !== 'allow' && onTimeout !== 'deny') fail('onTimeout', onTimeout, 'allow (admit with a warning) or deny');
    config.onTimeout = onTimeout as 'allow' | 'deny';
  }
  const mutate = document['mutate'];
  if (mutate !== undefined) {
    if (!isMap(mutate)) fail('mutate', mutate, 'a map with nodeSelector and tolerations');
    const m = mutate as Record<string, unknown>;
    for (const key of Object.keys(m)) if (key !== 'nodeSelector' && key !== 'tolerations') fail(`mutate.${key}`, m[key], 'nodeSelector or tolerations');
    if (m['nodeSelector'] !== undefined) {
      if (!isMap(m['nodeSelector'])) fail('mutate.nodeSelector', m['nodeSelector'], 'a map of labels, for example {kubernetes.io/os: windows}');
      for (const [key, value] of Object.entries(m['nodeSelector'] as Record<string, unknown>)) {
        if (typeof value !== 'string') fail(`mutate.nodeSelector.${key}`, value, 'a string');
        config.mutate.nodeSelector[key] = value as string;
      }
    }
    if (m['tolerations'] !== undefined) {
      if (!Array.isArray(m['tolerations'])) fail('mutate.tolerations', m['tolerations'], 'a list of tolerations, as a pod spec has them');
      (m['tolerations'] as unknown[]).forEach((t, i) => config.mutate.tolerations.push(toleration(t, `mutate.tolerations[${i}]`, fail)));
    }
  }
  return config;
}

function toleration(value: unknown, field: string, fail: (field: string, found: unknown, expected: string) => never): Toleration {
  if (!isMap(value)) return fail(field, value, 'a map with key, operator, value, effect');
  for (const key of Object.keys(value)) if (!TOLERATION_KEYS.includes(key)) fail(`${field}.${key}`, value[key], `one of ${TOLERATION_KEYS.join(', ')}`);
  for (const key of ['key', 'value']) if (value[key] !== undefined && typeof value[key] !== 'string') fail(`${field}.${key}`, value[key], 'a string');
  if (value['operator'] !== undefined && value['operator'] !== 'Equal' && value['operator'] !== 'Exists') fail(`${field}.operator`, value['operator'], 'Equal or Exists');
  if (value['effect'] !== undefined && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(value['effect'] as string)) {
    fail(`${field}.effect`, value['effect'], 'NoSchedule, PreferNoSchedule or NoExecute');
  }
  if (value['tolerationSeconds'] !== undefined && (typeof value['tolerationSeconds'] !== 'number' || !Number.isInteger(value['tolerationSeconds']))) {
    fail(`${field}.tolerationSeconds`, value['tolerationSeconds'], 'an integer');
  }
  if (value['operator'] === 'Exists' && value['value'] !== undefined) fail(`${field}.value`, value['value'], 'no value with operator Exists');
  return value;
}

/**
 * Reads and normalizes the configuration file at `path`.
 * @throws HostpodError ERR_HOSTPOD_WEBHOOK_CONFIG when it cannot be read, is not YAML or has a bad field
 */
export async function loadWebhookConfig(path: string): Promise<WebhookConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_WEBHOOK_CONFIG', `cannot read the webhook configuration ${path}: ${(error as Error).message}`, {
      hint: 'pass an existing file to --config (deploy/webhook/configmap.yaml has an example)', cause: error,
    });
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_WEBHOOK_CONFIG', `${path} is not YAML: ${(error as Error).message}`, { hint: 'fix the YAML syntax', cause: error });
  }
  return normalizeWebhookConfig(document, path);
}
