/** Where heavy reads take their seat (API Priority and Fairness), and the 429 for those refused. */
import type { ServerResponse } from 'node:http';
import type { ApiHandler } from './api-handler.js';
import { PriorityAndFairness, type Release } from './priority-and-fairness.js';
import type { ResourceRequest } from './resource-handlers.js';
import { sendTooManyRequests } from './respond.js';

const defaults = new WeakMap<ApiHandler, PriorityAndFairness>();

/**
 * Waits for the request's seat. Undefined when it was refused (429 sent, as kube-apiserver
 * answers: plain text and `Retry-After: 1`) or the client left while it waited.
 */
export async function takeSeat(handler: ApiHandler, response: ServerResponse, r: ResourceRequest): Promise<Release | undefined> {
  let flowControl = handler.options.flowControl ?? defaults.get(handler);
  if (!flowControl) defaults.set(handler, (flowControl = new PriorityAndFairness()));
  let left = false;
  const release = await flowControl.acquire(
    { user: r.user, verb: r.verb, group: r.info.group, resource: r.info.resource, namespace: r.namespace },
    (leave) => response.once('close', () => {
      left = true;
      leave();
    }),
  );
  if (release && !left) return release;
  release?.();
  if (!left && !response.headersSent) sendTooManyRequests(response);
  return undefined;
}
