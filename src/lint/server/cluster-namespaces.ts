/**
 * The labels of a cluster's namespaces, read once each: hostpod's own Pod Security verdict uses
 * them with `--server`, as the cluster's admission does.
 */
import { statusOf, type ApiTransport } from './api-transport.js';

export class ClusterNamespaces {
  /** The labels of the namespaces read so far that exist. */
  readonly labels = new Map<string, Record<string, string>>();
  readonly #read = new Map<string, string | undefined>();

  constructor(private readonly transport: ApiTransport) {}

  /**
   * Reads namespace `name`'s labels into `labels` (a namespace that does not exist has none).
   * @returns a warning when the server would not say (no permission to get namespaces), else undefined
   */
  async read(name: string): Promise<string | undefined> {
    if (this.#read.has(name)) return this.#read.get(name);
    const answer = await this.transport.exchange('GET', `/api/v1/namespaces/${encodeURIComponent(name)}`);
    let problem: string | undefined;
    if (answer.status === 200) {
      const labels = (answer.body as { metadata?: { labels?: Record<string, unknown> } }).metadata?.labels ?? {};
      this.labels.set(name, Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string')));
    } else if (answer.status !== 404) {
      problem = `cannot read namespace "${name}" from the server (${statusOf(answer)?.reason || answer.status}): hostpod judged its pods ` +
        'as in a namespace without Pod Security labels; pass them with --namespace-labels';
    }
    this.#read.set(name, problem);
    return problem;
  }
}
