/**
 * Prometheus' own parser of the text exposition format (github.com/prometheus/common/expfmt),
 * built from test/support/prometheus-check with the Go toolchain (modules from the Go module
 * proxy, or its cache). `checkWithPrometheus` answers with each family's name, type and sample
 * count, or throws the parser's error. Outside CI, tests skip without `go`; in CI it must be there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inCi } from './runtime.js';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'prometheus-check');

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why Prometheus' parser cannot be built here, or false. Under CI=true a missing Go toolchain is an error, not a skip. */
export function prometheusCheckSkip(): string | false {
  if (hasGo() || inCi()) return false;
  return 'needs the Go toolchain (go) to build Prometheus\' text parser; runs in CI';
}

export interface PrometheusChecker {
  /** The families Prometheus' parser reads from the text: `name TYPE samples`, one a line, by name. @throws Error with the parser's message */
  check(text: string): string[];
  close(): void;
}

/** Builds the checker into a temporary directory (removed by `close`). */
export function buildPrometheusChecker(): PrometheusChecker {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-promcheck-'));
  const binary = join(dir, 'prometheus-check');
  try {
    execFileSync('go', ['build', '-o', binary, '.'], { cwd: SOURCE, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false' } });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    check(text) {
      try {
        return execFileSync(binary, [], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim().split('\n');
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? String(error);
        throw new Error(`Prometheus' parser refuses the text: ${stderr.trim()}`);
      }
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
