/** Where the compiled monitor is (`npm run build` compiles it next to the JavaScript). */
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HostpodError } from '../../errors.js';

// The same path from src/ (tests run through tsx) and from dist/: both are two levels below the package root.
const BINARY = fileURLToPath(new URL('../../../dist/runtime/monitor/hostpod-monitor', import.meta.url));

/** @throws HostpodError when the monitor has not been built. */
export function monitorBinary(): string {
  try {
    accessSync(BINARY, constants.X_OK);
  } catch {
    throw new HostpodError('ERR_HOSTPOD_MONITOR_MISSING', `the container monitor ${BINARY} is not built`, {
      hint: 'install a C compiler (apt-get install gcc libc6-dev musl-tools) and run npm run build',
    });
  }
  return BINARY;
}
