/**
 * Helpers for the runtime's tests: they need root, cgroups, users and mounts, which CI has.
 * Outside CI they skip with the reason; in CI they never skip.
 */
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUNTIME, type RuntimeSettings } from '../../src/config.js';
import { ensureBuiltin } from '../../src/runtime/image/builtin.js';
import { ImageStore } from '../../src/runtime/image/store.js';
import { runPod, type PodResult } from '../../src/runtime/pod.js';
import { LinuxRuntime } from '../../src/runtime/index.js';
import { isMountPoint } from '../../src/runtime/sandbox.js';

export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/** For `test(name, { skip: rootSkip() }, ...)`. */
export function rootSkip(): string | false {
  if (inCi() || process.getuid?.() === 0) return false;
  return 'needs root (cgroups, mounts, users); runs in CI';
}

/** Polls `check` every 20 ms until it holds. @throws naming `what` after `timeoutMs` */
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const BASE = 'localhost/hostprocess-base:latest';

/** A HostProcess pod with one or more containers. */
export function hostPod(containers: V1Container[], spec: Partial<V1PodSpec> = {}, name = 'test-pod'): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: randomUUID() },
    spec: {
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      hostNetwork: true,
      terminationGracePeriodSeconds: 2,
      ...spec,
      containers,
    },
  };
}

export function shell(script: string, extra: Partial<V1Container> = {}, name = 'app'): V1Container {
  return { name, image: BASE, command: ['/bin/sh', '-c', script], ...extra };
}

export interface TestRuntime {
  runtime: LinuxRuntime;
  dataDir: string;
  /** Runs a pod to its end (or until `signal` aborts), collecting its output lines. */
  run(pod: V1Pod, options?: { mountMode?: 'bind' | 'sandbox'; signal?: AbortSignal }): Promise<PodResult & { lines: string[] }>;
  close(): Promise<void>;
}

/** A runtime on a fresh data dir, with its own cgroup subtree, the built-in image present. */
export async function testRuntime(settings: Partial<RuntimeSettings> = {}): Promise<TestRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hostpod-rt-'));
  // Non-root accounts reach their sandbox folder through the data dir.
  chmodSync(dataDir, 0o755);
  const cgroupRoot = `hostpod-test-${process.pid}-${randomUUID().slice(0, 8)}`;
  const merged: RuntimeSettings = { ...DEFAULT_RUNTIME, ...settings, cgroup: { ...DEFAULT_RUNTIME.cgroup, root: cgroupRoot, ...settings.cgroup } };
  const images = new ImageStore(dataDir);
  await ensureBuiltin(images);
  const runtime = new LinuxRuntime(dataDir, merged, images);
  return {
    runtime,
    dataDir,
    async run(pod, options = {}) {
      const lines: string[] = [];
      const result = await runPod(pod, {
        runtime,
        mountMode: options.mountMode ?? 'bind',
        signal: options.signal ?? new AbortController().signal,
        ensureImage: () => Promise.resolve(),
        output: (name, stream, line) => lines.push(`${name} ${stream} ${line}`),
      });
      return { ...result, lines };
    },
    async close() {
      for (const c of runtime.list()) {
        if (c.state === 'exited') continue;
        await runtime.stop(c.id, 0).catch((error: unknown) => {
          // A node agent on this runtime may have removed the container meanwhile (its pod deleted).
          if (existsSync(runtime.containers.dir(c.id))) throw error;
        });
      }
      await runtime.reconcile();
      for (const id of runtime.containers.ids()) {
        const rootfs = join(runtime.containers.dir(id), 'rootfs');
        if (isMountPoint(rootfs)) throw new Error(`sandbox of ${id} is still mounted`);
      }
      removeCgroupRoot(runtime, cgroupRoot);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function removeCgroupRoot(runtime: LinuxRuntime, root: string): void {
  const driver = runtime.cgroups;
  const leftovers = driver.list();
  if (leftovers.length > 0) throw new Error(`cgroups left under ${root}: ${leftovers.join(', ')}`);
  removeCgroupDirs(root);
}

/**
 * Removes a test's (empty) cgroup subtree root from every hierarchy. The kernel may hold a
 * cgroup busy for a moment after its last process ended and its children went (a loaded machine
 * showed EBUSY), so a busy one is tried again for up to 5 s before the error is thrown.
 */
export function removeCgroupDirs(root: string): void {
  for (const dir of ['/sys/fs/cgroup', ...['memory', 'cpu', 'cpuacct', 'pids', 'freezer', 'unified'].map((c) => `/sys/fs/cgroup/${c}`)]) {
    const path = join(dir, root);
    for (let waited = 0; existsSync(path); waited += 100) {
      try {
        rmdirSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || waited >= 5000) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    }
  }
}
