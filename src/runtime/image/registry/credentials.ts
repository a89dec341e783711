/**
 * Registry credentials from a docker-style `config.json`, the file `docker login`, `podman login`
 * and `skopeo login` write: `auths` entries (base64 `auth`, or `username` and `password`, or an
 * `identitytoken`), and the credential helpers `credHelpers` and `credsStore` name.
 *
 * Where the file is: `--authfile`, else `REGISTRY_AUTH_FILE` (podman's variable), else
 * `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HostpodError } from '../../../errors.js';

export type Credentials = { username: string; password: string } | { identityToken: string; username?: string };

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export function defaultAuthFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(homedir(), '.docker', 'config.json');
}

/** The keys an `auths` entry for `registry` may be stored under. */
function keysFor(registry: string): string[] {
  if (registry === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io', 'https://registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`];
}

/** `https://host:5000/v1/` and `host:5000` both name `host:5000`. */
function normalizeKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

export class CredentialStore {
  private readonly config: DockerConfig;

  /** `file` is read once; a missing file means anonymous access everywhere. */
  constructor(readonly file: string) {
    if (!existsSync(file)) {
      this.config = {};
      return;
    }
    try {
      this.config = JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
    } catch (error) {
      throw new HostpodError('ERR_HOSTPOD_AUTHFILE', `registry credentials file ${file} is not valid JSON: ${(error as Error).message}`, {
        hint: 'fix or remove the file, or log in again with docker login / podman login / skopeo login',
      });
    }
  }

  /** Credentials for `registry` (host[:port]), or undefined for anonymous access. */
  lookup(registry: string): Credentials | undefined {
    const helpers = this.config.credHelpers ?? {};
    const helper = keysFor(registry).map(normalizeKey).map((k) => helpers[k]).find((h) => h !== undefined) ?? helpers[registry] ?? this.config.credsStore;
    // Helpers keep Docker Hub's credentials under its v1 address, as `docker login` stores them.
    const fromHelper = helper ? this.fromHelper(helper, registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry) : undefined;
    if (fromHelper) return fromHelper;
    const auths = this.config.auths ?? {};
    const wanted = keysFor(registry);
    const key = wanted.find((k) => k in auths) ?? Object.keys(auths).find((k) => normalizeKey(k) === registry);
    return key === undefined ? undefined : this.decode(key, auths[key] ?? {});
  }

  private decode(key: string, entry: AuthEntry): Credentials | undefined {
    let username = entry.username;
    let password = entry.password;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) {
        throw new HostpodError('ERR_HOSTPOD_AUTHFILE', `registry credentials file ${this.file}: auths["${key}"].auth is not base64 of "user:password"`, {
          hint: 'log in again with docker login, podman login or skopeo login',
        });
      }
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (entry.identitytoken) return username ? { identityToken: entry.identitytoken, username } : { identityToken: entry.identitytoken };
    if (username !== undefined && password !== undefined && (username !== '' || password !== '')) return { username, password };
    return undefined;
  }

  private fromHelper(helper: string, registry: string): Credentials | undefined {
    const program = `docker-credential-${helper}`;
    const result = spawnSync(program, ['get'], { input: registry, encoding: 'utf8', timeout: 30_000 });
    if (result.error) {
      throw new HostpodError('ERR_HOSTPOD_AUTHFILE', `registry credentials file ${this.file} names the credential helper "${helper}", and ${program} could not run: ${result.error.message}`, {
        hint: `install ${program}, or remove "${helper}" from credHelpers/credsStore`,
      });
    }
    // Helpers answer "credentials not found" with a non-zero exit: anonymous access.
    if (result.status !== 0) return undefined;
    try {
      const answer = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
      if (!answer.Secret) return undefined;
      if (answer.Username === '<token>') return { identityToken: answer.Secret };
      return { username: answer.Username ?? '', password: answer.Secret };
    } catch {
      throw new HostpodError('ERR_HOSTPOD_AUTHFILE', `credential helper ${program} answered with something other than JSON for ${registry}`);
    }
  }
}
