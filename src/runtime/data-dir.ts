/**
 * Who may reach what under the data directory. The kubelet keeps its pods directory 0750 and
 * lets containers see their volumes through mounts only; a HostProcess container in sandbox mode
 * (containerd 1.6) reaches its sandbox folder and, through its links, its volumes by their real
 * host paths, as its own account. So the shared directories are traversable but not listable, and
 * each container's and each pod's directory opens to its account's group only:
 *
 *   <data-dir>/            0711 root   traversal only (every entry below is closed to others)
 *     containers/          0711 root
 *       <id>/              0700 root; 0710 root:<account's group> in sandbox mode; files 0600
 *     pods/                0711 root
 *       <uid>/             0750 root; in sandbox mode its group is the account's (a second
 *                          account's group gets an ACL entry); volumes keep their defaultMode
 *     logs/                0700 root
 *     images/              0700 root   overlayfs reads the snapshots with the mounter's (root's)
 *                                      credentials, and the copy sandbox is made by root
 *     controlplane/, pki/  0700 root   (the control plane's), admin.kubeconfig 0600
 *
 * Per account, not per container: two containers of one account can already signal and ptrace
 * each other; the temporary users of one group account share that group.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HostpodError } from '../errors.js';
import { monitorBinary } from './monitor/binary.js';

/**
 * Makes `dir` (and missing parents, with `mode` too) and gives it exactly `mode`, whatever existed or the umask.
 * @returns whether it was made now
 */
export function ensureDir(dir: string, mode: number): boolean {
  const made = mkdirSync(dir, { recursive: true, mode }) !== undefined;
  if ((statSync(dir).mode & 0o7777) !== mode) chmodSync(dir, mode);
  return made;
}

/**
 * Gives the data directory and its shared directories their modes (older versions left them
 * 0755), and marks those it makes whose entries are unrelated trees (see markTreeRoots). Root only.
 */
export function secureDataDir(dataDir: string): void {
  ensureDir(dataDir, 0o711);
  const made = [
    ensureDir(join(dataDir, 'containers'), 0o711) && join(dataDir, 'containers'),
    ensureDir(join(dataDir, 'pods'), 0o711) && join(dataDir, 'pods'),
    ensureDir(join(dataDir, 'logs'), 0o700) && false,
    // Its mode as before: the containers' log directories make it with theirs.
    mkdirSync(join(dataDir, 'logs', 'pods'), { recursive: true }) !== undefined && join(dataDir, 'logs', 'pods'),
  ];
  ensureDir(join(dataDir, 'images'), 0o700);
  markTreeRoots(made.filter((dir): dir is string => typeof dir === 'string'));
}

/**
 * Marks directories whose entries are unrelated trees (one per container, one per pod) as top
 * directories for ext4's Orlov allocator (`chattr +T`, FS_TOPDIR_FL), as ext4 documents the flag
 * for: each container's or pod's subtree then goes to a block group of its own. Otherwise every
 * one goes into the data directory's group, and on ext4 without a journal each new inode there
 * is found only after a scan past every inode freed in that group in the last minutes (ext4 does
 * not reuse them sooner): with 110 pods starting right after others were removed, a `mkdir` took
 * about a millisecond, and the node agent's thread spent most of the burst in them. Elsewhere
 * (another file system, no chattr) nothing happens. By hand (spawning chattr) because Node has no
 * ioctl; done once, when the data directory's trees are made.
 */
function markTreeRoots(dirs: readonly string[]): void {
  if (dirs.length > 0) spawnSync('chattr', ['+T', ...dirs], { stdio: 'ignore' });
}

/** A pod's directory, `<data-dir>/pods/<uid>`: 0750 root, its group's accounts only (see grantGroup). */
export function ensurePodDir(dir: string): void {
  if (!existsSync(dirname(dir))) ensureDir(dirname(dir), 0o711);
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const stat = statSync(dir);
  if ((stat.mode & 0o7777) !== 0o750) chmodSync(dir, 0o750);
}

/**
 * Lets the group `gid` read and traverse `dir` (0750 or 0710, owned by root): the directory's
 * group when it has none yet (root's), else an ACL entry beside it.
 * @throws HostpodError when the file system takes no ACL (a second account in one pod needs one)
 */
export function grantGroup(dir: string, gid: number, what: string): void {
  if (gid === 0) return;
  const stat = statSync(dir);
  if (stat.gid === gid) return;
  if (stat.gid === 0) {
    chownSync(dir, 0, gid);
    return;
  }
  // Node has no setxattr(2): the monitor binary writes the ACL.
  const result = spawnSync(monitorBinary(), ['grant', dir, String(gid)], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new HostpodError('ERR_HOSTPOD_SANDBOX', `${what}: cannot let group ${gid} reach ${dir}: ${(result.stderr || result.error?.message || 'failed').trim()}`, {
      hint: 'containers of one pod that run as different accounts share the pod\'s volumes in sandbox mode through a POSIX ACL: use a file system with ACLs for the data dir, run them as one account, or use bind mode',
    });
  }
}
