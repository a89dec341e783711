/**
 * What an attach is: the streams asked for, read from the query as the kubelet's remotecommand
 * options are. It rides the exec transports (WebSocket or SPDY, the same channels); it has no
 * command, and it ends with a `Success` status unless attaching failed.
 */
import { ExecRequestError, type ExecRequest } from './exec-session.js';

/**
 * Reads `input`, `output`, `error` and `tty` ("1" each, as kube-apiserver sends them). As the
 * kubelet, stderr is dropped with a TTY rather than refused.
 * @throws ExecRequestError with the kubelet's wording when no stream is asked for
 */
export function parseAttachRequest(query: URLSearchParams): ExecRequest {
  const flag = (name: string): boolean => ['1', 'true'].includes(query.get(name) ?? '');
  const tty = flag('tty');
  const request = { command: [], stdin: flag('input'), stdout: flag('output'), stderr: flag('error') && !tty, tty };
  if (!request.stdin && !request.stdout && !request.stderr) throw new ExecRequestError('you must specify at least 1 of stdin, stdout, stderr');
  return request;
}
