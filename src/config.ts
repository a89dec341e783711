/**
 * hostpod's settings: where its data lives and which registries are insecure. The data
 * directory is `--data-dir`, else HOSTPOD_DATA_DIR, else `dataDir` in the config file, else
 * /var/lib/hostpod. The config file is `--config`, else HOSTPOD_CONFIG, else
 * /etc/hostpod/config.yaml when it exists:
 *
 *   dataDir: /var/lib/hostpod
 *   registries:
 *     insecure: ["registry.lan:5000"]   # no TLS verification, plain HTTP if the registry has no TLS
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { HostpodError } from './errors.js';

export const DEFAULT_DATA_DIR = '/var/lib/hostpod';
export const DEFAULT_CONFIG_FILE = '/etc/hostpod/config.yaml';

export interface HostpodConfig {
  dataDir: string;
  insecureRegistries: string[];
  /** The file the settings came from, when there was one. */
  file: string | undefined;
}

export interface ConfigFlags {
  dataDir?: string;
  config?: string;
}

function bad(file: string, field: string, problem: string): HostpodError {
  return new HostpodError('ERR_HOSTPOD_CONFIG', `config file ${file}: ${field} ${problem}`, {
    hint: 'see the README for the config file format: dataDir (a path) and registries.insecure (a list of host[:port])',
  });
}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): HostpodConfig {
  const explicit = flags.config ?? (env.HOSTPOD_CONFIG || undefined);
  const file = explicit ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  let settings: { dataDir?: string | null; registries?: { insecure?: unknown } } = {};
  if (file !== undefined) {
    if (!existsSync(file)) throw new HostpodError('ERR_HOSTPOD_CONFIG', `config file ${file} does not exist`, { hint: 'create it, or drop --config / HOSTPOD_CONFIG' });
    let parsed: unknown;
    try {
      parsed = parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw bad(file, 'document', `is not valid YAML: ${(error as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) throw bad(file, 'document', 'is not a mapping');
    settings = (parsed ?? {});
  }
  if (settings.dataDir !== undefined && settings.dataDir !== null && (typeof settings.dataDir !== 'string' || settings.dataDir === '')) throw bad(file ?? '', 'dataDir', 'is not a path');
  const insecure = settings.registries?.insecure ?? [];
  if (!Array.isArray(insecure) || insecure.some((r) => typeof r !== 'string' || r === '' || r.includes('/'))) {
    throw bad(file ?? '', 'registries.insecure', 'is not a list of registry hosts (host or host:port, no scheme or path)');
  }
  const dataDir = flags.dataDir ?? (env.HOSTPOD_DATA_DIR || undefined) ?? settings.dataDir ?? DEFAULT_DATA_DIR;
  return { dataDir: resolve(dataDir), insecureRegistries: insecure as string[], file };
}
