/**
 * A parity suite, as every parity test runs one: the real control plane (kube-apiserver 1.36 as
 * kubeadm sets it up) and `hostpod up --no-node` started side by side; one kubectl session per
 * kubectl version, each run section by section on both; then the differences checked against the
 * suite's known-differences file, where a difference not listed fails, and so does a listed one
 * that no longer occurs (so the list stays true). HOSTPOD_PARITY_TRANSCRIPT=FILE writes every
 * step's normalized output on both sides to FILE.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubectlDir } from '../controlplane.js';
import { startUp, type UpProcess } from '../hostpod-up.js';
import { freePort, startRealCluster, type RealCluster } from '../real-cluster.js';
import { asEntries, checkKnownDifferences, readKnownDifferences } from './known-differences.js';
import { ParitySession, type SessionOptions } from './session.js';

export interface ParitySuiteOptions {
  /** The describe block's title. */
  title: string;
  /** Why it cannot run here (realClusterSkip() || kubectlSkip(...)), or false. */
  skip: string | false;
  /** The known-differences file. */
  known: string;
  /** The kubectl versions (`1.33`): a session each, run in turn. */
  kubectls: readonly string[];
  /** Runs one session's steps. */
  run: (session: ParitySession, kubectl: string) => Promise<void>;
  /** The sessions' normalization options. */
  session?: Omit<SessionOptions, 'kubectl' | 'kubeconfigs'>;
}

export function paritySuite(options: ParitySuiteOptions): void {
  const transcriptFile = process.env['HOSTPOD_PARITY_TRANSCRIPT'];
  describe(options.title, { skip: options.skip, timeout: 240_000 }, () => {
    let real: RealCluster | undefined;
    let up: UpProcess | undefined;
    let dataDir: string;
    const sessions: ParitySession[] = [];
    let finished = false;
    const started = Date.now();

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'hostpod-parity-'));
      // Both start at once; whichever started is stopped in after() even when the other failed.
      const [realStart, upStart] = await Promise.allSettled([startRealCluster(), freePort().then((port) => startUp(dataDir, port, ['--no-node']))]);
      if (realStart.status === 'fulfilled') real = realStart.value;
      if (upStart.status === 'fulfilled') up = upStart.value;
      if (!real || !up) throw [realStart, upStart].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))[0]!;
      for (const version of options.kubectls) {
        sessions.push(new ParitySession({ ...options.session, kubectl: join(kubectlDir()!, `kubectl.${version}`), kubeconfigs: { real: real.kubeconfig, hostpod: up.kubeconfig } }));
      }
    });
    after(async () => {
      // The control planes first: a session whose kubectl still runs (a failed settle leaves the
      // other side's going) cannot remove its directory yet.
      await Promise.all([real?.stop(), up?.stop()]);
      for (const session of sessions) {
        try {
          session.close();
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          session.close();
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('the session runs step by step on both', async (t) => {
      try {
        for (const [i, version] of options.kubectls.entries()) await options.run(sessions[i]!, version);
        finished = true;
      } finally {
        if (transcriptFile) writeFileSync(transcriptFile, sessions.map((s) => s.transcriptText()).join('\n'));
      }
      const steps = sessions.reduce((sum, s) => sum + s.transcript.length, 0);
      const differences = sessions.reduce((sum, s) => sum + s.differences.length, 0);
      t.diagnostic(`${steps} steps compared, ${differences} differences, ${Math.round((Date.now() - started) / 1000)} s with the control planes' start`);
    });

    test('each difference is fixed in hostpod or listed with its reason, and each listed one occurs', (t) => {
      // Half a session would find listed differences missing: the failure above is the one to read.
      if (!finished) return t.skip('the session did not finish');
      const known = options.known;
      const { unlisted, gone } = checkKnownDifferences(sessions.flatMap((s) => s.differences), readKnownDifferences(known));
      const problems = [
        ...(unlisted.length ? [`${unlisted.length} differences are not in ${known}: fix hostpod, or list them with what differs and why:\n${asEntries(unlisted)}`] : []),
        ...(gone.length ? [`${gone.length} listed differences no longer occur: remove them from ${known}:\n${gone.map((g) => `- ${g.step} (${g.stream}): ${g.what}`).join('\n')}`] : []),
      ];
      assert.equal(problems.join('\n\n'), '');
    });
  });
}
