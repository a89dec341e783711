/**
 * Pods (core/v1): the registry strategy (pod-strategy.ts), the default cluster's mutating
 * admission (ServiceAccount, Priority, DefaultTolerationSeconds), the policy engine's validation
 * and Pod Security, the few fields an update may change (pod-update.ts), and graceful deletion.
 */
import { admitPodCreate, admitPodUpdate } from '../../admission/pod-admission.js';
import { podSecurityInNamespace, validateAndAdmitCreate } from '../../admission/pod-security.js';
import { syncAppArmorAnnotations } from '../../../policy/validation/index.js';
import { int64 } from '../../api/deletion.js';
import { fieldFlag, fieldText } from '../../api/field-sets.js';
import { metaOf } from '../../api/object-meta.js';
import { StatusError } from '../../api/status-error.js';
import { semanticEqual } from '../../../api/defaults/json.js';
import { defaultPod } from '../../../api/defaults/pod-defaults.js';
import { Pod } from '../../patch/patch-meta.js';
import { podPrinter } from '../../tables/pods.js';
import { ALL_VERBS, defineResource, STATUS_VERBS } from '../definition.js';
import { preparePodForCreate, preparePodForStatusUpdate } from '../pod-strategy.js';
import { checkPodUpdate } from '../pod-update.js';
import { keepOnlyEphemeralContainers, validateEphemeralContainers } from '../pod-ephemeral-containers.js';

export const pods = defineResource({
  group: '', version: 'v1', kind: 'Pod', resource: 'pods', singular: 'pod',
  verbs: ALL_VERBS, shortNames: ['po'], categories: ['all'],
  validatesMetadata: true,
  subresources: [
    { name: 'status', kind: 'Pod', verbs: STATUS_VERBS },
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'ephemeralcontainers', kind: 'Pod', verbs: STATUS_VERBS },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  ],

  // Pods have had metadata.generation since v1.33 (KEP-5067), unconditionally.
  generation: true,
  defaults: defaultPod,
  prepareForCreate: preparePodForCreate,
  prepareForUpdate(stored, updated, subresource) {
    if (subresource === 'status') preparePodForStatusUpdate(stored, updated);
    if (subresource === 'ephemeralcontainers') keepOnlyEphemeralContainers(stored, updated);
  },
  admitCreate(pod, context) {
    const spec = (pod['spec'] ?? {}) as { serviceAccountName?: string; serviceAccount?: string };
    const account = spec.serviceAccountName || spec.serviceAccount || 'default';
    const result = admitPodCreate(pod, { serviceAccount: context.lookup('serviceaccounts', metaOf(pod).namespace ?? '', account) });
    if (!result.allowed) throw new StatusError(403, 'Forbidden', result.message, { name: metaOf(pod).name ?? '', kind: 'pods' });
    // PrepareForCreate's AppArmor sync, after admission as upstream orders them: its warnings go
    // out even if the create then fails.
    context.warnings?.push(...syncAppArmorAnnotations(result.object));
    return result.object;
  },
  // Runs before the generation is decided, so fields it restores are no spec change.
  admitUpdate: admitPodUpdate,
  validate(pod, current, context) {
    if (!current) return validateAndAdmitCreate(pods, pod, context);
    if (context.subresource === 'ephemeralcontainers') return validateEphemeralContainers(pods, pod, current, context);
    checkPodUpdate(pods, pod, current);
    return semanticEqual(pod['spec'], current['spec']) ? [] : podSecurityInNamespace(pods, pod, context);
  },
  gracePeriod(pod, requested) {
    // The request's period, else the pod's own; none for a pod on no node or already ended.
    const spec = (pod['spec'] ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number | bigint };
    const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const period = int64(requested ?? spec.terminationGracePeriodSeconds ?? 30);
    // As upstream: a negative period means "as soon as possible", which is 1 second for a running pod.
    return period < 0 ? 1 : period;
  },

  patchMeta: Pod,
  printer: podPrinter,
  selectableFields: {
    'spec.nodeName': fieldText('spec.nodeName'),
    'spec.restartPolicy': fieldText('spec.restartPolicy'),
    'spec.schedulerName': fieldText('spec.schedulerName'),
    'spec.serviceAccountName': fieldText('spec.serviceAccountName'),
    'spec.hostNetwork': fieldFlag('spec.hostNetwork'),
    'status.phase': fieldText('status.phase'),
    'status.podIP': fieldText('status.podIP'),
    'status.nominatedNodeName': fieldText('status.nominatedNodeName'),
  },
});
