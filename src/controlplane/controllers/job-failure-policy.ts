/**
 * A Job's pod failure policy applied to a failed pod, as upstream's matchPodFailurePolicy: the
 * first rule whose exit codes (of a container that failed) or pod conditions match decides.
 */
import { metaOf, type Obj } from '../api/object-meta.js';

export interface PolicyMatch {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  /** For FailJob: the FailureTarget and Failed conditions' message. */
  message: string;
}

interface Rule {
  action?: PolicyMatch['action'];
  onExitCodes?: { containerName?: string; operator?: string; values?: number[] };
  onPodConditions?: { type?: string; status?: string }[];
}

interface ContainerStatus { name: string; state?: { terminated?: { exitCode?: number } } }

/** The matching rule's action and message for a failed pod, or undefined when no rule matches (the failure counts). */
export function matchFailurePolicy(policy: unknown, pod: Obj): PolicyMatch | undefined {
  const rules = ((policy ?? {}) as { rules?: Rule[] }).rules ?? [];
  const meta = metaOf(pod);
  const podName = `${meta.namespace ?? ''}/${meta.name ?? ''}`;
  const status = (pod['status'] ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[]; conditions?: { type: string; status: string }[] };
  for (const [index, rule] of rules.entries()) {
    const action = rule.action ?? 'Count';
    if (rule.onExitCodes) {
      const { containerName, operator, values = [] } = rule.onExitCodes;
      for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
        if (containerName !== undefined && container.name !== containerName) continue;
        const code = container.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        const matches = operator === 'In' ? values.includes(code) : !values.includes(code);
        if (matches) return { action, message: `Container ${container.name} for pod ${podName} failed with exit code ${code} matching ${action} rule at index ${index}` };
      }
    }
    for (const pattern of rule.onPodConditions ?? []) {
      if ((status.conditions ?? []).some((c) => c.type === pattern.type && c.status === (pattern.status ?? 'True'))) {
        return { action, message: `Pod ${podName} has condition ${pattern.type ?? ''} matching ${action} rule at index ${index}` };
      }
    }
  }
  return undefined;
}
