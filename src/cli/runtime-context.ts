/** What the container commands share: the config, the image store and the runtime, re-adopted. */
import { loadConfig, type ConfigFlags, type HostpodConfig } from '../config.js';
import { ImageStore } from '../runtime/image/store.js';
import { LinuxRuntime, type ContainerRuntime } from '../runtime/index.js';
import type { CommandIO } from './io.js';

export interface RuntimeContext {
  config: HostpodConfig;
  images: ImageStore;
  runtime: ContainerRuntime;
}

/**
 * Opens the runtime and, as root, first re-adopts what a crashed hostpod left: containers that
 * ended meanwhile are collected, dead monitors are marked lost, leaked temporary users deleted.
 */
export async function openRuntime(flags: ConfigFlags, io: CommandIO, options: { mountMode?: 'bind' | 'sandbox' | undefined } = {}): Promise<RuntimeContext> {
  const config = loadConfig(flags);
  if (options.mountMode) config.runtime = { ...config.runtime, mountMode: options.mountMode };
  const images = new ImageStore(config.dataDir);
  const runtime = new LinuxRuntime(config.dataDir, config.runtime, images);
  if (process.getuid?.() === 0) {
    const adopted = await runtime.reconcile();
    for (const id of adopted.lost) io.stderr.write(`hostpod: container ${id.slice(0, 12)} lost its monitor; its processes were killed and its status is unknown\n`);
    for (const user of adopted.removedUsers) io.stderr.write(`hostpod: deleted temporary user ${user}, left by a crash\n`);
    for (const warning of adopted.warnings) io.stderr.write(`hostpod: warning: ${warning}\n`);
  }
  return { config, images, runtime };
}
