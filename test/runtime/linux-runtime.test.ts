/** The Linux job-container runtime against the ContainerRuntime contract, in both mount modes. */
import { LinuxRuntime } from '../../src/runtime/index.js';
import { rootSkip, testRuntime } from '../support/runtime.js';
import { containerRuntimeContract } from './contract/container-runtime.contract.js';

for (const mountMode of ['bind', 'sandbox'] as const) {
  containerRuntimeContract(`Linux job containers, ${mountMode} mode`, async () => {
    const t = await testRuntime();
    return {
      runtime: t.runtime,
      reopen: () => new LinuxRuntime(t.runtime.dataDir, t.runtime.settings, t.runtime.images),
      close: () => t.close(),
    };
  }, { mountMode, skip: rootSkip() });
}
