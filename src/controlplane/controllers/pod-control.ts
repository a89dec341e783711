/**
 * Creating a controller's pod as kube-controller-manager's PodControl does: the pod is created as
 * the controller, and a SuccessfulCreate or FailedCreate event is recorded on its owner. A
 * namespace being deleted refuses new pods, which is not a failure to retry.
 */
import type { ObjectApi } from '../api/object-api.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { StatusError } from '../api/status-error.js';
import { AS_CONTROLLER, resource } from './context.js';
import { recordEvent } from './events.js';

/** Creates `pod` for `owner`; the refusal's message when the API server refuses it. */
export function createControlledPod(api: ObjectApi, owner: Obj, pod: Obj, component: string): string | undefined {
  try {
    const created = api.create(resource('pods'), metaOf(owner).namespace ?? '', pod, AS_CONTROLLER);
    recordEvent(api, owner, { type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${metaOf(created.object).name ?? ''}`, component });
    return undefined;
  } catch (error) {
    if (!(error instanceof StatusError)) throw error;
    if (error.code === 403 && /being terminated/.test(error.message)) return undefined;
    recordEvent(api, owner, { type: 'Warning', reason: 'FailedCreate', message: `Error creating: ${error.message}`, component });
    return error.message;
  }
}
