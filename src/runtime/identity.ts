/**
 * Accounts: what `runAsUserName` becomes on Linux (section 5 of the spec).
 *
 *   NT AUTHORITY\SYSTEM            root
 *   NT AUTHORITY\Local service     hostpod-localservice, a system user created on first use
 *   NT AUTHORITY\NetworkService    hostpod-networkservice, likewise
 *   any other name                 a local group: a temporary user in it, deleted with the container
 *
 * Temporary users carry the container id and their instance's tag in their comment field, so users
 * left by a crash are found and deleted at the next start (hcsshim leaks them when its shim dies),
 * and one hostpod instance never deletes the users of another (another data directory).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { wellKnownAccount } from '../api/accounts.js';
import { HostpodError } from '../errors.js';

export interface Identity {
  /** The Windows name the pod asked for (or the image's user). */
  account: string;
  /** How it was mapped: a well-known account or a local group. */
  kind: 'LocalSystem' | 'LocalService' | 'NetworkService' | 'group';
  user: string;
  uid: number;
  gid: number;
  groups: number[];
  home: string;
  shell: string;
  /** True for the temporary user of a group account. */
  temporary: boolean;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

const SERVICE_USERS = { LocalService: 'hostpod-localservice', NetworkService: 'hostpod-networkservice' } as const;
const TEMP_PREFIX = 'hostpod-t';
const TEMP_COMMENT = 'hostpod temporary user for container ';
const INSTANCE_MARK = ' of instance ';

/** Each data directory's tag, once its real path was found (see instanceTag). */
const instanceTags = new Map<string, string>();

/**
 * The tag of the hostpod instance that owns a data directory: a short hash of its real path, so
 * two data directories (two instances) tell their temporary users apart. Kept once the directory
 * exists: every container start asks (resolving each component of the path), and a running
 * instance's data directory does not move under it.
 */
export function instanceTag(dataDir: string): string {
  const key = resolve(dataDir);
  const known = instanceTags.get(key);
  if (known !== undefined) return known;
  let path: string;
  try {
    path = realpathSync(dataDir);
  } catch {
    // Not there yet: the tag of the path as given, not kept (its real path may differ once made).
    return createHash('sha256').update(key).digest('hex').slice(0, 12);
  }
  const tag = createHash('sha256').update(path).digest('hex').slice(0, 12);
  instanceTags.set(key, tag);
  return tag;
}

/** A temporary user's comment: `hostpod temporary user for container <id> of instance <tag>`. */
function temporaryComment(containerId: string, instance: string): string {
  return `${TEMP_COMMENT}${containerId}${INSTANCE_MARK}${instance}`;
}

/** The container id and instance tag a temporary user's comment names (no tag: the old format). */
function parseTemporaryComment(comment: string): { containerId: string; instance: string | undefined } | undefined {
  if (!comment.startsWith(TEMP_COMMENT)) return undefined;
  const rest = comment.slice(TEMP_COMMENT.length);
  const mark = rest.indexOf(INSTANCE_MARK);
  if (mark < 0) return { containerId: rest, instance: undefined };
  return { containerId: rest.slice(0, mark), instance: rest.slice(mark + INSTANCE_MARK.length) };
}

export function passwdEntries(file = '/etc/passwd'): PasswdEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [name = '', , uid = '', gid = '', comment = '', home = '', shell = ''] = line.split(':');
      return { name, uid: Number(uid), gid: Number(gid), comment, home, shell };
    });
}

function lookupUser(name: string): PasswdEntry | undefined {
  return passwdEntries().find((e) => e.name === name);
}

function lookupGroup(name: string): number | undefined {
  try {
    // getent, not /etc/group: a directory service's groups count too.
    const line = execFileSync('getent', ['group', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const gid = Number(line.split(':')[2]);
    return Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

function runTool(tool: string, args: string[], what: string): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const raw = (error as { stderr?: unknown }).stderr;
    const stderr = (typeof raw === 'string' ? raw : '').trim();
    throw new HostpodError('ERR_HOSTPOD_ACCOUNT', `${what}: ${tool} failed: ${stderr || (error as Error).message}`, {
      hint: `hostpod manages local users with ${tool} (Debian package passwd); check that it is installed and /etc/passwd is writable`,
      cause: error,
    });
  }
}

/** The account a container runs as: the container's runAsUserName, the pod's, else the image's user. */
export function accountName(containerValue: string | undefined, podValue: string | undefined, imageUser: string | undefined, what: string): string {
  const name = containerValue ?? podValue ?? imageUser ?? '';
  if (name === '') {
    throw new HostpodError('ERR_HOSTPOD_ACCOUNT', `${what}: no account to run as: runAsUserName is not set and the image has no user`, {
      hint: 'set securityContext.windowsOptions.runAsUserName, e.g. "NT AUTHORITY\\\\Local service" (hcsshim rejects an empty user too)',
    });
  }
  return name;
}

/** Fails the way a Windows node does when the runtime lacks the privilege to create logons. */
export function requireRoot(what: string): void {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) {
    throw new HostpodError(
      'ERR_HOSTPOD_NOT_ROOT',
      `${what}: hostpod runs as uid ${uid}, not root, so it cannot create the container's cgroup, mount its sandbox or switch to its account ` +
        '(the Linux form of "failed to create user process token: failed to logon user: Access is denied.")',
      { hint: 'run hostpod as root, e.g. sudo hostpod run -f FILE' },
    );
  }
}

function identityOf(entry: PasswdEntry, account: string, kind: Identity['kind'], temporary: boolean): Identity {
  return { account, kind, user: entry.name, uid: entry.uid, gid: entry.gid, groups: [entry.gid], home: entry.home, shell: entry.shell, temporary };
}

function ensureServiceUser(name: string, account: string, known: string): PasswdEntry {
  const existing = lookupUser(name);
  if (existing) return existing;
  try {
    runTool('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', '--comment', `hostpod account for ${known}`, name], `create user ${name} for ${account}`);
  } catch (error) {
    // Another hostpod may have created it a moment ago.
    const raced = lookupUser(name);
    if (raced) return raced;
    throw error;
  }
  const created = lookupUser(name);
  if (!created) throw new HostpodError('ERR_HOSTPOD_ACCOUNT', `user ${name} was created but is not in /etc/passwd`);
  return created;
}

/** The temporary user's name for a container. */
export function temporaryUserName(containerId: string): string {
  return `${TEMP_PREFIX}${containerId.slice(0, 12)}`;
}

/**
 * Maps `account` to a Linux identity, creating the service user or the temporary user it needs
 * (tagged with `instance`, see instanceTag).
 * @throws HostpodError for a group that does not exist.
 */
export function acquireIdentity(account: string, containerId: string, instance: string, what: string): Identity {
  const known = wellKnownAccount(account);
  if (known === 'LocalSystem') {
    const root = lookupUser('root') ?? { name: 'root', uid: 0, gid: 0, comment: '', home: '/root', shell: '/bin/sh' };
    return { ...identityOf(root, account, known, false), groups: [0] };
  }
  if (known === 'LocalService' || known === 'NetworkService') return identityOf(ensureServiceUser(SERVICE_USERS[known], account, known), account, known, false);
  const gid = lookupGroup(account);
  if (gid === undefined) {
    throw new HostpodError('ERR_HOSTPOD_ACCOUNT', `${what}: runAsUserName "${account}" is neither a well-known account nor a local group on this host`, {
      hint: 'use "NT AUTHORITY\\\\SYSTEM", "NT AUTHORITY\\\\Local service" or "NT AUTHORITY\\\\NetworkService", or create the group (groupadd NAME)',
    });
  }
  const name = temporaryUserName(containerId);
  runTool(
    'useradd',
    ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--no-user-group', '--gid', String(gid), '--comment', temporaryComment(containerId, instance), name],
    `create temporary user ${name} in group ${account}`,
  );
  const entry = lookupUser(name);
  if (!entry) throw new HostpodError('ERR_HOSTPOD_ACCOUNT', `temporary user ${name} was created but is not in /etc/passwd`);
  return { ...identityOf(entry, account, 'group', true), groups: [gid] };
}

/** Deletes a container's temporary user, if it has one. Idempotent. */
export function releaseIdentity(containerId: string): void {
  const name = temporaryUserName(containerId);
  const entry = lookupUser(name);
  // Only the user made for this very container (ids are 256 random bits: no other instance has it).
  if (!entry || parseTemporaryComment(entry.comment)?.containerId !== containerId) return;
  runTool('userdel', ['--force', name], `delete temporary user ${name}`);
}

/** What a sweep of temporary users asks of the instance that runs it. */
export interface TemporaryUserOwner {
  /** This instance's tag (instanceTag of its data directory). */
  instance: string;
  /** Whether this instance has a container of that id (its directory exists). */
  has: (containerId: string) => boolean;
  /** Whether that container of this instance is still live (running, or being started). */
  isLive: (containerId: string) => boolean;
}

/**
 * This instance's temporary users whose container is not live (left by a crash): deletes them,
 * returns their names. Users of other instances are never touched; a user of the old, untagged
 * format only when its container is provably this instance's (its directory is here).
 */
export function removeLeakedTemporaryUsers(owner: TemporaryUserOwner): string[] {
  const removed: string[] = [];
  for (const entry of passwdEntries()) {
    if (!entry.name.startsWith(TEMP_PREFIX)) continue;
    const parsed = parseTemporaryComment(entry.comment);
    if (!parsed) continue;
    const ours = parsed.instance === undefined ? owner.has(parsed.containerId) : parsed.instance === owner.instance;
    if (!ours || owner.isLive(parsed.containerId)) continue;
    runTool('userdel', ['--force', entry.name], `delete leaked temporary user ${entry.name}`);
    removed.push(entry.name);
  }
  return removed;
}

/** The account's default environment (what a login would set), before the image's and the pod's. */
export function accountEnvironment(identity: Identity): Record<string, string> {
  return {
    PATH: identity.uid === 0 ? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' : '/usr/local/bin:/usr/bin:/bin',
    HOME: identity.home,
    USER: identity.user,
    LOGNAME: identity.user,
    SHELL: identity.shell,
  };
}
