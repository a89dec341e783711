/**
 * `kubectl logs` and `kubectl exec` through `hostpod up`'s API server to a node's kubelet
 * endpoint, with the real kubectl: 1.27 (exec over SPDY) and 1.33 (exec over WebSocket).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { api, kubectl, kubectlSkip, startControlPlane, type Kubectl, type StartedPlane } from '../support/controlplane.js';
import { startTestKubelet, TestKubelet, type StartedKubelet, type TestContainer } from '../support/kubelet-endpoint.js';

const VERSIONS = ['1.27', '1.33'];

let started: StartedPlane;
let kubelet: StartedKubelet;
before(async () => {
  started = await startControlPlane();
  kubelet = await startTestKubelet(started.plane, started.dir, 'node-l');
});
after(async () => {
  await kubelet.stop();
  await started.stop();
});

for (const version of VERSIONS) {
  describe(`kubectl ${version} logs and exec`, { skip: kubectlSkip(version), timeout: 120_000 }, () => {
    const ns = `logs-${version.replace('.', '-')}`;
    let k: Kubectl;
    let web: TestContainer;
    before(async () => {
      k = kubectl(version, started.kubeconfig);
      assert.equal((await k('create', 'namespace', ns)).code, 0);
      const created = await api(started.plane, 'POST', `/api/v1/namespaces/${ns}/pods`, {
        body: {
          apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' },
          spec: { nodeName: 'node-l', containers: [{ name: 'server', image: 'busybox' }, { name: 'sidecar', image: 'busybox' }] },
        },
      });
      assert.equal(created.status, 201, created.body);
      web = kubelet.backend.add({ namespace: ns, pod: 'web', container: 'server' });
      TestKubelet.write(web, [['stdout', 'listening on :8080', '2026-01-01T00:00:01.000000001Z'], ['stderr', 'warning: no TLS', '2026-01-01T00:00:02.000000001Z'], ['stdout', 'GET /', '2026-01-01T00:00:03.000000001Z']]);
      const sidecar = kubelet.backend.add({ namespace: ns, pod: 'web', container: 'sidecar' });
      TestKubelet.write(sidecar, [['stdout', 'sidecar ready', '2026-01-01T00:00:01.500000001Z']]);
    });

    test('logs: -c, --tail, --timestamps, --since-time, --limit-bytes, --all-containers', async () => {
      const all = await k('logs', '-n', ns, 'web', '-c', 'server');
      assert.equal(all.code, 0, all.stderr);
      assert.equal(all.stdout, 'listening on :8080\nwarning: no TLS\nGET /\n');
      assert.equal((await k('logs', '-n', ns, 'web', '-c', 'server', '--tail=1')).stdout, 'GET /\n');
      assert.equal((await k('logs', '-n', ns, 'web', '-c', 'server', '--tail=1', '--timestamps')).stdout, '2026-01-01T00:00:03.000000001Z GET /\n');
      assert.equal((await k('logs', '-n', ns, 'web', '-c', 'server', '--since-time=2026-01-01T00:00:02Z')).stdout, 'warning: no TLS\nGET /\n');
      assert.equal((await k('logs', '-n', ns, 'web', '-c', 'server', '--limit-bytes=9')).stdout, 'listening');
      const both = await k('logs', '-n', ns, 'web', '--all-containers', '--prefix');
      assert.equal(both.code, 0, both.stderr);
      assert.match(both.stdout, /\[pod\/web\/server\] GET \//);
      assert.match(both.stdout, /\[pod\/web\/sidecar\] sidecar ready/);
      const unknown = await k('logs', '-n', ns, 'web', '-c', 'nope');
      assert.notEqual(unknown.code, 0);
      assert.match(unknown.stderr, /container nope is not valid for pod web/);
    });

    test('logs -f prints lines as they come and returns when the container ends', async () => {
      const follow = k('logs', '-n', ns, 'web', '-c', 'server', '-f', '--tail=1');
      await new Promise((r) => setTimeout(r, 1500));
      TestKubelet.write(web, [['stdout', 'GET /health']]);
      await new Promise((r) => setTimeout(r, 500));
      web.live = false;
      const result = await follow;
      web.live = true;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'GET /\nGET /health\n');
    });

    test('exec: output, stdin, and the exit code', async () => {
      const out = await k('exec', '-n', ns, 'web', '-c', 'server', '--', 'sh', '-c', 'echo hello; echo oops >&2');
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, 'hello\n');
      assert.equal(out.stderr, 'oops\n');
      // More than a 64 KiB window: SPDY's client opens no flow-control window.
      const big = await k('exec', '-n', ns, 'web', '-c', 'server', '--', 'sh', '-c', "head -c 300000 /dev/zero | tr '\\0' x");
      assert.equal(big.code, 0, big.stderr);
      assert.equal(big.stdout.length, 300_000);
      assert.match(big.stdout, /^x+$/);
      // kubectl 1.33's WebSocket client (client-go's) reads the connection before it has made its
      // streams: a status that comes first is dropped, kubectl says so ("Unknown stream id 3,
      // discarding message") and exits 0. A command that ends at once meets that race now and
      // then (1 run in 12 here); that run is tried again, the answer is held to the exit code.
      let failed = await k('exec', '-n', ns, 'web', '-c', 'server', '--', 'sh', '-c', 'exit 3');
      for (let retry = 0; retry < 3 && failed.code === 0 && failed.stderr.includes('Unknown stream id 3, discarding message'); retry++) {
        failed = await k('exec', '-n', ns, 'web', '-c', 'server', '--', 'sh', '-c', 'exit 3');
      }
      assert.equal(failed.code, 3, failed.stderr);
      assert.match(failed.stderr, /command terminated with exit code 3/);
      const piped = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = execFile('/bin/sh', ['-c', `printf 'line one\\nline two\\n' | "$0" "$@"`, ...kubectlArgs(k, ['exec', '-i', '-n', ns, 'web', '-c', 'server', '--', 'wc', '-l'])],
          { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
        child.stdin?.end();
      });
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal(piped.stdout.trim(), '2');
    });
  });
}

/** The binary and arguments `k` runs, for a shell pipeline. */
function kubectlArgs(k: Kubectl, args: string[]): string[] {
  return [k.binary, ...k.baseArgs, ...args];
}
