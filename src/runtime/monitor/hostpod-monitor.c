/*
 * hostpod-monitor: the per-container monitor (the Linux counterpart of a containerd shim).
 *
 * Written in C rather than TypeScript because one runs per container for the container's whole
 * life, and it must cost well under 2 MiB of memory and outlive the hostpod process that started
 * it (kill -9 included). It owns the workload's process, its stdout/stderr pipes, the CRI log
 * files and the exit status; hostpod re-adopts it by reading the files it leaves in the
 * container's state directory.
 *
 *   hostpod-monitor start STATE_DIR        run the container described by STATE_DIR/spec
 *   hostpod-monitor exec STATE_DIR ARG...  become an extra process in the running container
 *   hostpod-monitor stop PID GRACE         ask the monitor PID to stop its container, with GRACE
 *                                          seconds (sigqueue: no file is written, so a full disk
 *                                          cannot keep a container from stopping)
 *   hostpod-monitor grant DIR GID          let group GID read and traverse DIR: a POSIX ACL entry
 *                                          (Node has no setxattr), for a pod of two accounts
 *   hostpod-monitor probe STATE_DIR DIR    whether a private view of DIR can be made (for mount
 *                                          points missing on the host; see private_view)
 *   hostpod-monitor spawner BINARY         start monitors (BINARY start STATE_DIR) on request, so
 *                                          that hostpod need not fork itself for each (run_spawner)
 *
 * The spec is a sequence of NUL-terminated strings: a directive followed by its arguments
 * (hostpod writes it; see src/runtime/monitor/spec.ts). Values are never parsed by a shell.
 *
 * start: in sandbox mode the monitor mounts the sandbox overlay, then it forks the workload. The
 * child joins the container's cgroups (before it runs a single instruction of the workload), starts
 * a session, in bind mode enters a private mount namespace with the sandbox overlay and its binds
 * (so no container's sandbox is mounted on the host), switches to the container's account,
 * changes directory, looks the executable up and execs it. A close-on-exec pipe tells the monitor
 * whether exec succeeded; the result goes to stdout as one line ("ok PID STARTED_NS" or
 * "error MESSAGE"), after which stdout is closed so the monitor never blocks on hostpod.
 *
 * The monitor then copies the workload's output into the CRI log file, reaps every descendant
 * (it is a child subreaper), and handles the end of the container:
 *   - SIGTERM to the monitor asks for a stop: the stop signal goes to init, and after the grace
 *     period the whole cgroup is killed. The grace is the spec's, unless the SIGTERM was queued
 *     with a value (sigqueue, as `stop` does): then that many seconds. A second stop may shorten
 *     the grace, never lengthen it;
 *   - when init exits on its own, the processes left get SIGTERM and, after the grace period,
 *     SIGKILL.
 * The workload's stdin is /dev/null, or with the spec's "stdin" a pipe whose other end the monitor
 * holds for the container's life; with "tty" a pseudo-terminal carries stdin, stdout and stderr
 * (its output goes to the log as stdout, as the kubelet's). Clients attach through
 * STATE_DIR/attach.sock (see "attach" below): they get the live output and write the stdin.
 *
 * When init is reaped, the cgroup is empty and the pipes are drained, it writes STATE_DIR/exit
 * atomically and exits. So an exit file means the log is complete. It writes it into 64 KiB it
 * set aside when the container started, so a disk that filled up meanwhile does not hold it; only
 * without that room does it retry every second until space returns: the exit status is never lost
 * or written in part.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <endian.h>
#include <stdint.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 4096
#define LINE_MAX_BYTES (16 * 1024) /* containerd's CRI log line limit; longer lines become P entries */

struct bind { const char *src, *dst; int ro, file; };

static struct {
  const char *log, *exit_file, *cwd, *kill_file, *freeze_file, *detach_under;
  const char *ov_lower, *ov_upper, *ov_work, *ov_target;
  long log_max_size; int log_max_files;
  const char *procs[8]; int nprocs;
  struct bind binds[256]; int nbinds;
  const char *env[MAX_ITEMS + 1]; int nenv;
  const char *argv[MAX_ITEMS + 1]; int nargv;
  gid_t groups[64]; int ngroups;
  uid_t uid; gid_t gid; int unshare_mnt;
  int open_stdin, tty;
  int stop_signal; long grace;
} spec = { .log_max_size = 10L << 20, .log_max_files = 5, .stop_signal = SIGTERM, .grace = 30 };

static const char *state_dir;

static void die(const char *fmt, ...) {
  va_list ap; va_start(ap, fmt);
  fputs("hostpod-monitor: ", stderr); vfprintf(stderr, fmt, ap); fputc('\n', stderr);
  va_end(ap); exit(125);
}

static long long now_ns(void) {
  struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double mono(void) {
  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_all(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, n = 0; char *buf = malloc(cap + 1);
  for (;;) {
    if (n == cap) { cap *= 2; buf = realloc(buf, cap + 1); }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0) { if (errno == EINTR) continue; free(buf); close(fd); return NULL; }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd); buf[n] = 0; if (len) *len = n;
  return buf;
}

static long num(const char *s, const char *what) {
  char *end; errno = 0; long v = strtol(s, &end, 10);
  if (errno || *end || end == s) die("spec: %s: not a number: %s", what, s);
  return v;
}

/* A number of seconds: any amount is accepted, negative is 0, beyond a long is a long (for ever). */
static long seconds(const char *s, const char *what) {
  char *end; errno = 0; long long v = strtoll(s, &end, 10);
  if (*end || end == s) die("spec: %s: not a number: %s", what, s);
  if (errno == ERANGE) return v < 0 ? 0 : LONG_MAX;
  return v < 0 ? 0 : (long)v;
}

static void load_spec(void) {
  char path[PATH_MAX]; size_t len;
  snprintf(path, sizeof path, "%s/spec", state_dir);
  char *buf = read_all(path, &len);
  if (!buf) die("cannot read %s: %s", path, strerror(errno));
  const char *tok[MAX_ITEMS * 2 + 64]; size_t nt = 0;
  for (size_t i = 0; i < len && nt < sizeof tok / sizeof tok[0];) { tok[nt++] = buf + i; i += strlen(buf + i) + 1; }
  for (size_t i = 0; i < nt;) {
    const char *d = tok[i++];
#define ARG (i < nt ? tok[i++] : (die("spec: %s needs an argument", d), ""))
    if (!strcmp(d, "log")) spec.log = ARG;
    else if (!strcmp(d, "log-max-size")) spec.log_max_size = num(ARG, d);
    else if (!strcmp(d, "log-max-files")) spec.log_max_files = (int)num(ARG, d);
    else if (!strcmp(d, "exit-file")) spec.exit_file = ARG;
    else if (!strcmp(d, "cgroup-procs")) { if (spec.nprocs < 8) spec.procs[spec.nprocs++] = ARG; }
    else if (!strcmp(d, "cgroup-kill")) spec.kill_file = ARG;
    else if (!strcmp(d, "cgroup-freeze")) spec.freeze_file = ARG;
    else if (!strcmp(d, "overlay")) { spec.ov_lower = ARG; spec.ov_upper = ARG; spec.ov_work = ARG; spec.ov_target = ARG; }
    else if (!strcmp(d, "unshare-mount")) spec.unshare_mnt = 1;
    else if (!strcmp(d, "stdin")) spec.open_stdin = 1;
    else if (!strcmp(d, "tty")) spec.tty = 1;
    else if (!strcmp(d, "detach-under")) spec.detach_under = ARG;
    else if (!strcmp(d, "bind")) {
      if (spec.nbinds >= 256) die("spec: too many binds");
      struct bind *b = &spec.binds[spec.nbinds++];
      b->src = ARG; b->dst = ARG; b->ro = !strcmp(ARG, "ro"); b->file = !strcmp(ARG, "file");
    }
    else if (!strcmp(d, "uid")) spec.uid = (uid_t)num(ARG, d);
    else if (!strcmp(d, "gid")) spec.gid = (gid_t)num(ARG, d);
    else if (!strcmp(d, "group")) { if (spec.ngroups < 64) spec.groups[spec.ngroups++] = (gid_t)num(ARG, d); }
    else if (!strcmp(d, "cwd")) spec.cwd = ARG;
    else if (!strcmp(d, "env")) { if (spec.nenv < MAX_ITEMS) spec.env[spec.nenv++] = ARG; }
    else if (!strcmp(d, "arg")) { if (spec.nargv < MAX_ITEMS) spec.argv[spec.nargv++] = ARG; }
    else if (!strcmp(d, "stop-signal")) spec.stop_signal = (int)num(ARG, d);
    else if (!strcmp(d, "grace")) spec.grace = seconds(ARG, d);
    else die("spec: unknown directive %s", d);
#undef ARG
  }
  spec.env[spec.nenv] = NULL; spec.argv[spec.nargv] = NULL;
  if (spec.nargv == 0) die("spec: no command");
}

/* Writes "text" to path, creating it: used for cgroup files and state files. */
static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t r = write(fd, text, strlen(text));
  int saved = errno; close(fd); errno = saved;
  return r < 0 ? -1 : 0;
}

/* Crash safety: state files are written to a temporary name and renamed into place, and only
 * when every byte was written: a short or failed write (ENOSPC) leaves no file. A `durable` one
 * (the exit file, the container's only record of how it ended) is flushed to disk before the
 * rename. The pid files are not: they describe processes, which a power cut ends, so after one
 * they are stale whether flushed or not (hostpod checks the monitor's command line, and finds it
 * gone either way), and their flush was in every start's path, before the start's report. The
 * temporary file is written over, not truncated first, so the blocks reserve_exit_space() set
 * aside for the exit file are used rather than given back. 0 on success. */
static int write_state(const char *name, const char *text, int durable) {
  char path[PATH_MAX], tmp[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", state_dir, name);
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", state_dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) { fprintf(stderr, "hostpod-monitor: %s: %s\n", tmp, strerror(errno)); return -1; }
  size_t len = strlen(text), done = 0;
  errno = 0;
  while (done < len) {
    ssize_t w = pwrite(fd, text + done, len - done, (off_t)done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += (size_t)w;
  }
  int ok = done == len && ftruncate(fd, (off_t)len) == 0 && (!durable || fsync(fd) == 0);
  if (!ok) fprintf(stderr, "hostpod-monitor: %s: %s\n", tmp, strerror(errno ? errno : EIO));
  close(fd);
  /* A failed write keeps the temporary file (and its blocks) for the next try. */
  if (!ok) return -1;
  if (rename(tmp, path) < 0) { fprintf(stderr, "hostpod-monitor: rename %s: %s\n", path, strerror(errno)); unlink(tmp); return -1; }
  return 0;
}

/* Room for the exit file, taken when the container starts: on a disk that fills up meanwhile (the
 * data directory's, shared with the control plane's store) the exit status can still be written
 * at once, instead of waiting for someone to free space. The blocks are the file system's once
 * allocated; nothing is flushed: the reservation serves this monitor, which a power cut ends. */
#define EXIT_RESERVE_BYTES (64 * 1024)
static void reserve_exit_space(void) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/.exit.tmp", state_dir);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  /* Without the reservation the exit file is written as before, waiting for space if need be. */
  if (posix_fallocate(fd, 0, EXIT_RESERVE_BYTES) != 0) { if (ftruncate(fd, 0) < 0) { /* nothing reserved either way */ } }
  close(fd);
}

/* The exit file is the container's only record of how it ended: wait for space rather than lose it. */
static void write_exit(const char *text) {
  while (write_state("exit", text, 1) < 0) sleep(1);
}

/* ---- the child: from fork to the workload's first instruction ---- */

static int errpipe = -1;

static void fail(const char *fmt, ...) {
  char msg[1024]; va_list ap; va_start(ap, fmt); vsnprintf(msg, sizeof msg, fmt, ap); va_end(ap);
  if (errpipe == 2) { fprintf(stderr, "hostpod exec: %s\n", msg); _exit(127); }
  if (write(errpipe, msg, strlen(msg)) < 0) { /* the monitor is gone; nothing to tell */ }
  _exit(127);
}

/* mkdir -p for a mount point; the last component is a file when the source is one. */
static void make_mount_point(const char *path, int file) {
  char buf[PATH_MAX]; snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) fail("create mount point %s: %s", buf, strerror(errno));
    *p = '/';
  }
  if (file) {
    int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EISDIR) fail("create mount point %s: %s", buf, strerror(errno));
    if (fd >= 0) close(fd);
  } else if (mkdir(buf, 0755) < 0 && errno != EEXIST) fail("create mount point %s: %s", buf, strerror(errno));
}

/* Lazily unmounts, in the container's namespace only, every mount under `prefix` (the other
 * containers' sandboxes): the container keeps its own sandbox at /hpc and sees no one else's. */
static void detach_under(const char *prefix) {
  char *info = read_all("/proc/self/mountinfo", NULL);
  if (!info) return;
  size_t plen = strlen(prefix);
  char *points[1024]; int n = 0; char *save = NULL;
  for (char *line = strtok_r(info, "\n", &save); line && n < 1024; line = strtok_r(NULL, "\n", &save)) {
    char *field = line; /* the fifth field is the mount point */
    for (int i = 0; i < 4 && field; i++) { field = strchr(field, ' '); if (field) field++; }
    if (!field) continue;
    char *end = strchr(field, ' '); if (end) *end = 0;
    if (!strncmp(field, prefix, plen) && (field[plen] == '/' || field[plen] == 0)) points[n++] = field;
  }
  for (int i = n - 1; i >= 0; i--) umount2(points[i], MNT_DETACH);
  free(info);
}

/* ---- mount points missing on the host: a private view of their parent (docs/runtime.md) ----
 * A mount needs a directory entry, and a mount namespace isolates mounts, not entries: creating
 * /calico for a volume would create it on the host. Instead the deepest existing ancestor A gets
 * an overlay in this namespace only (lower: A; upper: a tmpfs of this namespace), every entry of
 * A is bound back onto the overlay so the host's files stay the host's (and writable), and the
 * missing components are made in the overlay. The upper is a tmpfs rather than a directory under
 * the data directory because overlayfs refuses an upper inside its lower on the same file system
 * (ELOOP), which is the usual case for A = / and a data directory on the root file system. */

static char *private_dirs[256]; static int nprivate; static int nviews;

/* snprintf that says when the text did not fit: a cut path must never be mounted on. */
static int fmt(char *buf, size_t len, const char *format, ...) {
  va_list ap; va_start(ap, format); int n = vsnprintf(buf, len, format, ap); va_end(ap);
  if (n < 0 || (size_t)n >= len) { errno = ENAMETOOLONG; return -1; }
  return 0;
}

/* A directory made in this namespace's own view (an overlaid ancestor, or a component created in
 * one): what is missing under it can be made there directly. */
static int is_private(const char *path) {
  for (int i = 0; i < nprivate; i++) if (!strcmp(private_dirs[i], path)) return 1;
  return 0;
}

static void add_private(const char *path) { if (nprivate < 256) private_dirs[nprivate++] = strdup(path); }

/* An overlay of `anc` (an existing directory) at `merged`, its upper and work directories in a
 * tmpfs at STATE_DIR/mount-points; returns 0, or -1 with errno and a message in `why`. */
static int overlay_of(const char *anc, int anc_fd, char *merged, size_t mlen, char *why, size_t wlen) {
  char base[PATH_MAX], dir[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
  if (fmt(base, sizeof base, "%s/mount-points", state_dir) < 0) { snprintf(why, wlen, "the state directory's path is too long"); return -1; }
  if (nviews == 0) {
    if (mkdir(base, 0700) < 0 && errno != EEXIST) { snprintf(why, wlen, "create %s: %s", base, strerror(errno)); return -1; }
    if (mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0) { snprintf(why, wlen, "mount a tmpfs at %s: %s", base, strerror(errno)); return -1; }
  }
  int n = nviews++;
  if (fmt(dir, sizeof dir, "%s/%d", base, n) < 0 || fmt(upper, sizeof upper, "%s/upper", dir) < 0 || fmt(work, sizeof work, "%s/work", dir) < 0 || fmt(merged, mlen, "%s/merged", dir) < 0) {
    snprintf(why, wlen, "the state directory's path is too long"); return -1;
  }
  if (mkdir(dir, 0700) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(merged, 0700) < 0) { snprintf(why, wlen, "create %s: %s", dir, strerror(errno)); return -1; }
  /* The overlay's root takes the upper directory's owner and mode: give it A's (/tmp is 1777). */
  struct stat st;
  if (fstat(anc_fd, &st) < 0 || chown(upper, st.st_uid, st.st_gid) < 0 || chmod(upper, st.st_mode & 07777) < 0) { snprintf(why, wlen, "copy the owner and mode of %s: %s", anc, strerror(errno)); return -1; }
  /* The lower layer by descriptor: a path with a comma or colon would break the options. */
  char opts[3 * PATH_MAX];
  if (fmt(opts, sizeof opts, "lowerdir=/proc/self/fd/%d,upperdir=%s,workdir=%s", anc_fd, upper, work) < 0) { snprintf(why, wlen, "the state directory's path is too long"); return -1; }
  if (mount("overlay", merged, "overlay", 0, opts) < 0) { snprintf(why, wlen, "mount an overlay of %s: %s", anc, strerror(errno)); return -1; }
  return 0;
}

/* Gives `anc` (canonical, existing, not private yet) its private view in this namespace, for the
 * missing mount point `dst`. */
static void private_view(const char *anc, const char *dst) {
  int afd = open(anc, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (afd < 0) fail("private view of %s: open: %s", anc, strerror(errno));
  char merged[PATH_MAX], why[PATH_MAX + 128], fdpath[64];
  if (overlay_of(anc, afd, merged, sizeof merged, why, sizeof why) < 0) fail("mount point %s does not exist on the host, and a private view of %s cannot be made: %s", dst, anc, why);
  snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", afd);
  DIR *d = opendir(fdpath);
  if (!d) fail("private view of %s: list it: %s", anc, strerror(errno));
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    struct stat st;
    /* A symbolic link needs no bind: it resolves as on the host, to entries that are bound back. */
    if (fstatat(afd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISLNK(st.st_mode)) continue;
    char src[PATH_MAX], dst[PATH_MAX];
    if (fmt(src, sizeof src, "%s/%s", fdpath, e->d_name) < 0 || fmt(dst, sizeof dst, "%s/%s", merged, e->d_name) < 0)
      fail("private view of %s: bind %s back: %s", anc, e->d_name, strerror(errno));
    /* Recursive: the host's mounts below the entry (/proc, /sys/fs/cgroup, /dev/pts) come along. */
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue; /* removed on the host meanwhile */
      fail("private view of %s: bind %s/%s back: %s", anc, anc, e->d_name, strerror(errno));
    }
  }
  closedir(d);
  if (!strcmp(anc, "/")) {
    /* A mount over / is not seen by path lookups that start at the old root: move the view there
     * and make it this process's root (switch_root's way). setns(2) into this namespace, as exec
     * does, finds it by itself (it follows the mounts on the namespace's root). */
    if (chdir(merged) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
      fail("private view of /: make it the root: %s", strerror(errno));
  } else if (mount(merged, anc, NULL, MS_MOVE, NULL) < 0) fail("private view of %s: move it in place: %s", anc, strerror(errno));
  close(afd);
  add_private(anc);
}

/* The mount point `dst` is missing: makes it in a private view, never on the host. Returns the
 * canonical path to mount at (`out`). */
static const char *make_private_mount_point(const char *dst, int file, char *out, size_t outlen) {
  char anc[PATH_MAX]; snprintf(anc, sizeof anc, "%s", dst);
  struct stat st; memset(&st, 0, sizeof st);
  for (;;) {
    char *slash = strrchr(anc, '/');
    if (slash == anc) { anc[1] = 0; break; }
    *slash = 0;
    if (stat(anc, &st) == 0) break;
  }
  const char *rest = dst + strlen(anc);
  char canon[PATH_MAX];
  if (!realpath(anc, canon)) fail("mount point %s: resolve %s: %s", dst, anc, strerror(errno));
  if (!S_ISDIR(st.st_mode) && strcmp(anc, "/")) fail("mount point %s: %s is not a directory", dst, anc);
  if (fmt(out, outlen, "%s%s", strcmp(canon, "/") ? canon : "", rest[0] == '/' ? rest : rest - 1) < 0) fail("mount point %s: %s", dst, strerror(errno));
  if (!is_private(canon)) private_view(canon, dst);
  /* The components below the ancestor, in the view: the intermediate ones are private too. */
  char buf[PATH_MAX]; snprintf(buf, sizeof buf, "%s", out);
  for (char *p = buf + strlen(strcmp(canon, "/") ? canon : "") + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) fail("create mount point %s: %s", buf, strerror(errno));
    add_private(buf);
    *p = '/';
  }
  make_mount_point(out, file);
  return out;
}

static void setup_mounts(void) {
  if (unshare(CLONE_NEWNS) < 0) fail("unshare the mount namespace: %s", strerror(errno));
  /* Slave propagation: host mounts made later still appear; the container's never leak out. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) fail("make / a slave mount: %s", strerror(errno));
  /* The sandbox overlay, in this namespace only (the first bind takes it to /hpc). Mounted on the
   * host, every container's overlay would be copied into each new container's namespace, and
   * propagate into the running ones: n containers would cost n^2 mounts and unmounts. */
  if (spec.ov_target) {
    char opts[3 * PATH_MAX + 64];
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", spec.ov_lower, spec.ov_upper, spec.ov_work);
    if (mount("overlay", spec.ov_target, "overlay", 0, opts) < 0) fail("mount the sandbox overlay at %s: %s", spec.ov_target, strerror(errno));
  }
  for (int i = 0; i < spec.nbinds; i++) {
    struct bind *b = &spec.binds[i];
    char where[PATH_MAX]; struct stat st;
    /* A mount point inside an earlier bind (a volume at /data/sub under one at /data, or under
     * /hpc) is made in that volume, as runc does: it is not the host's own file system. */
    int nested = 0;
    for (int j = 0; j < i; j++) {
      size_t n = strlen(spec.binds[j].dst);
      if (!strncmp(b->dst, spec.binds[j].dst, n) && b->dst[n] == '/') nested = 1;
    }
    if (!nested && lstat(b->dst, &st) < 0 && errno == ENOENT) b->dst = strdup(make_private_mount_point(b->dst, b->file, where, sizeof where));
    else make_mount_point(b->dst, b->file);
    if (mount(b->src, b->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
      fail("bind %s at %s: %s", b->src, b->dst, strerror(errno));
    if (b->ro) {
      /* A read-only bind is a remount of the bind, keeping the flags the kernel locked on it. */
      struct statvfs sv; unsigned long keep = 0;
      if (statvfs(b->dst, &sv) == 0)
        keep = sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
      if (mount(NULL, b->dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
        fail("make %s read-only: %s", b->dst, strerror(errno));
    }
  }
  if (spec.detach_under) detach_under(spec.detach_under);
}

static const char *env_get(const char *name) {
  size_t n = strlen(name);
  const char *found = NULL;
  for (int i = 0; i < spec.nenv; i++)
    if (!strncmp(spec.env[i], name, n) && spec.env[i][n] == '=') found = spec.env[i] + n + 1;
  return found;
}

static int executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Section 4's search order: the working directory, then the container's PATH, then the system
 * folders. A name with a slash is used as given (relative to the working directory). */
static const char *find_executable(const char *name, char *out, size_t outlen) {
  if (strchr(name, '/')) return executable(name) ? name : NULL;
  snprintf(out, outlen, "%s/%s", spec.cwd ? spec.cwd : ".", name);
  if (executable(out)) return out;
  const char *lists[2] = { env_get("PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
  for (int l = 0; l < 2; l++) {
    const char *p = lists[l];
    while (p && *p) {
      const char *colon = strchr(p, ':');
      size_t len = colon ? (size_t)(colon - p) : strlen(p);
      if (len > 0) {
        snprintf(out, outlen, "%.*s/%s", (int)len, p, name);
        if (executable(out)) return out;
      }
      p = colon ? colon + 1 : NULL;
    }
  }
  return NULL;
}

/* mkdir -p for a working directory that does not exist, as hcsshim makes it before starting the
 * process; like hcsshim, hostpod leaves it in place afterwards. */
static void make_working_directory(const char *path) {
  char buf[PATH_MAX]; snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; ; p++) {
    if (*p != '/' && *p) continue;
    char c = *p; *p = 0;
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) fail("working directory %s: create %s: %s", path, buf, strerror(errno));
    if (!c) break;
    *p = c;
  }
}

/* Nothing hostpod's own process was given reaches the workload (descriptors its parent left open
 * without close-on-exec): every descriptor above stderr closes at the exec, as runc closes them.
 * close_range(CLOSE_RANGE_CLOEXEC) where the kernel has it (5.11), else one by one. */
static void close_on_exec_above_stderr(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    int fd = atoi(e->d_name);
    if (fd > 2 && fd != dirfd(d)) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(d);
}

static void become_workload(void) {
  if (spec.cwd && spec.cwd[0] == '/' && access(spec.cwd, F_OK) < 0 && errno == ENOENT) make_working_directory(spec.cwd);
  if (setgroups((size_t)spec.ngroups, spec.groups) < 0) fail("setgroups: %s", strerror(errno));
  if (setgid(spec.gid) < 0) fail("setgid %u: %s", (unsigned)spec.gid, strerror(errno));
  if (setuid(spec.uid) < 0) fail("setuid %u: %s", (unsigned)spec.uid, strerror(errno));
  const char *cwd = spec.cwd ? spec.cwd : "/";
  if (chdir(cwd) < 0) fail("working directory %s: %s", cwd, strerror(errno));
  char found[PATH_MAX];
  const char *path = find_executable(spec.argv[0], found, sizeof found);
  if (!path) fail("failed to find executable \"%s\": not in the working directory %s, the container's PATH or the system folders", spec.argv[0], cwd);
  close_on_exec_above_stderr();
  execve(path, (char *const *)spec.argv, (char *const *)spec.env);
  fail("exec %s: %s", path, strerror(errno));
}

static void join_cgroups(void) {
  char pid[32]; snprintf(pid, sizeof pid, "%d", (int)getpid());
  for (int i = 0; i < spec.nprocs; i++)
    if (write_file(spec.procs[i], pid) < 0) fail("join cgroup %s: %s", spec.procs[i], strerror(errno));
}

/* ---- CRI log files ---- */

struct stream { const char *name; int fd; char buf[LINE_MAX_BYTES]; size_t len; int open; };
/* log_size is the file's size after its last whole record; log_failing is set while writes fail. */
static int log_fd = -1, log_failing; static long log_size;

static void log_open(void) {
  log_fd = open(spec.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0) { fprintf(stderr, "hostpod-monitor: %s: %s\n", spec.log, strerror(errno)); return; }
  struct stat st; log_size = fstat(log_fd, &st) == 0 ? st.st_size : 0;
}

static void log_rotate(void) {
  char from[PATH_MAX], to[PATH_MAX];
  close(log_fd);
  for (int i = spec.log_max_files - 1; i >= 1; i--) {
    if (i == 1) snprintf(from, sizeof from, "%s", spec.log); else snprintf(from, sizeof from, "%s.%d", spec.log, i - 1);
    snprintf(to, sizeof to, "%s.%d", spec.log, i);
    rename(from, to);
  }
  if (spec.log_max_files <= 1) unlink(spec.log);
  log_open();
}

static void log_entry(const char *stream, char tag, const char *line, size_t len) {
  if (!spec.log) return;
  static char entry[LINE_MAX_BYTES + 64];
  struct timespec ts; struct tm tm; clock_gettime(CLOCK_REALTIME, &ts); gmtime_r(&ts.tv_sec, &tm);
  int n = (int)strftime(entry, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  n += snprintf(entry + n, 64, ".%09ldZ %s %c ", ts.tv_nsec, stream, tag);
  memcpy(entry + n, line, len); n += (int)len; entry[n++] = '\n';
  if (log_fd < 0) log_open();
  if (log_fd < 0) return;
  if (log_size > 0 && log_size + n > spec.log_max_size) log_rotate();
  const char *p = entry; size_t left = (size_t)n;
  while (left > 0) {
    ssize_t w = write(log_fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int saved = w < 0 ? errno : EIO;
      /* Whole records or none (a full disk stops a write half-way): cut off the part that reached
       * the file, so the next record does not run into it. The entry itself is lost. */
      if (left < (size_t)n && ftruncate(log_fd, log_size) < 0) {
        struct stat st; if (fstat(log_fd, &st) == 0) log_size = st.st_size;
      }
      if (!log_failing) fprintf(stderr, "hostpod-monitor: write %s: %s (entries are dropped until writes succeed)\n", spec.log, strerror(saved));
      log_failing = 1;
      return;
    }
    p += w; left -= (size_t)w;
  }
  log_size += n;
  if (log_failing) { fprintf(stderr, "hostpod-monitor: writes to %s succeed again\n", spec.log); log_failing = 0; }
}

static void stream_flush_lines(struct stream *s, int at_eof) {
  size_t start = 0;
  for (size_t i = 0; i < s->len; i++)
    if (s->buf[i] == '\n') { log_entry(s->name, 'F', s->buf + start, i - start); start = i + 1; }
  memmove(s->buf, s->buf + start, s->len - start); s->len -= start;
  if (s->len == sizeof s->buf) { log_entry(s->name, 'P', s->buf, s->len); s->len = 0; }
  if (at_eof && s->len > 0) { log_entry(s->name, 'F', s->buf, s->len); s->len = 0; }
}

static void attach_output(char type, const char *data, size_t len);

/* Returns 0 at EOF (a terminal's end is EIO: no process holds its other side any more). */
static int stream_read(struct stream *s) {
  ssize_t r = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
  if (r < 0) return errno == EINTR || errno == EAGAIN ? 1 : (stream_flush_lines(s, 1), 0);
  if (r == 0) { stream_flush_lines(s, 1); return 0; }
  /* Attached clients get the bytes as they come, before they are cut into log lines. */
  attach_output(strcmp(s->name, "stdout") ? '2' : '1', s->buf + s->len, (size_t)r);
  s->len += (size_t)r; stream_flush_lines(s, 0);
  return 1;
}

/* ---- attach: the workload's live output and its stdin, over a socket in the state directory ----
 * hostpod's node agent (the kubelet endpoint's /attach) connects to STATE_DIR/attach.sock, mode
 * 0600 so only root reaches it. Each way, frames of a type byte, a big-endian 32-bit length and
 * the payload:
 *   monitor -> client  '1' stdout bytes, '2' stderr bytes (a terminal's output is all '1'), as the
 *                      workload writes them from the moment the client connected;
 *   client -> monitor  '0' bytes for the workload's stdin, 'c' close the workload's stdin (the
 *                      container's stdinOnce, after its first attach), 'r' a terminal size (columns
 *                      and rows, big-endian 16-bit each).
 * The connections close when the container has ended, after what was left to send went out.
 * The monitor holds the write side of the workload's stdin (or the terminal's master) for the
 * container's whole life, so the workload sees no end of input while nobody is attached, and it
 * never blocks on a client: input waits in a buffer while the workload does not read it (no more
 * is read from clients meanwhile), output to a client that falls 4 MiB behind drops that client.
 * By hand: a Unix socket server of a few dozen lines, in the one process that owns these pipes. */

#define MAX_CLIENTS 16
#define FRAME_MAX (32 * 1024)
#define CLIENT_BEHIND_MAX (4 << 20)

struct client { int fd, dead; unsigned char in[5 + FRAME_MAX]; size_t inlen; char *out; size_t outlen, outcap; };
static struct client clients[MAX_CLIENTS]; static int nclients;
/* attach_dir: the state directory, held open so the socket's path never outgrows sun_path (108 bytes). */
static int attach_fd = -1, attach_dir = -1;
/* input_fd: the workload's stdin (a pipe's write side, or the terminal's master); -1 once closed. */
static int input_fd = -1;
static unsigned char *pending; static size_t pending_len, pending_cap;

static void attach_listen(void) {
  attach_dir = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (attach_dir < 0) { fprintf(stderr, "hostpod-monitor: %s: %s (kubectl attach will not reach this container)\n", state_dir, strerror(errno)); return; }
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/attach.sock", attach_dir);
  unlink(a.sun_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  /* 0600 from the start: whoever connects writes to the workload's stdin. */
  mode_t old = umask(077);
  int ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 8) == 0;
  int saved = errno;
  umask(old);
  if (!ok) {
    fprintf(stderr, "hostpod-monitor: %s/attach.sock: %s (kubectl attach will not reach this container)\n", state_dir, strerror(saved));
    if (fd >= 0) close(fd);
    return;
  }
  attach_fd = fd;
}

static void client_drop(struct client *c) {
  if (c->dead) return;
  close(c->fd); free(c->out); c->out = NULL; c->outlen = c->outcap = 0; c->dead = 1;
}

/* Sends what the client can take now; -1 when it is gone. */
static int client_flush(struct client *c) {
  size_t done = 0;
  while (done < c->outlen) {
    ssize_t w = send(c->fd, c->out + done, c->outlen - done, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (w <= 0) return -1;
    done += (size_t)w;
  }
  memmove(c->out, c->out + done, c->outlen - done); c->outlen -= done;
  return 0;
}

static void attach_output(char type, const char *data, size_t len) {
  for (int i = 0; i < nclients; i++) {
    struct client *c = &clients[i];
    if (c->dead) continue;
    if (c->outlen + 5 + len > CLIENT_BEHIND_MAX) {
      fprintf(stderr, "hostpod-monitor: an attached client fell %d MiB behind the output: disconnected\n", CLIENT_BEHIND_MAX >> 20);
      client_drop(c);
      continue;
    }
    if (c->outlen + 5 + len > c->outcap) {
      size_t cap = c->outcap ? c->outcap : 64 * 1024;
      while (cap < c->outlen + 5 + len) cap *= 2;
      char *grown = realloc(c->out, cap);
      if (!grown) { client_drop(c); continue; }
      c->out = grown; c->outcap = cap;
    }
    uint32_t n = htobe32((uint32_t)len);
    c->out[c->outlen] = type; memcpy(c->out + c->outlen + 1, &n, 4); memcpy(c->out + c->outlen + 5, data, len);
    c->outlen += 5 + len;
    if (client_flush(c) < 0) client_drop(c);
  }
}

static void input_close(void) {
  if (input_fd >= 0) close(input_fd);
  input_fd = -1; pending_len = 0;
}

/* Writes what waits for the workload's stdin, as much as it takes now. */
static void input_flush(void) {
  size_t done = 0;
  while (input_fd >= 0 && done < pending_len) {
    ssize_t w = write(input_fd, pending + done, pending_len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    /* EPIPE: nothing reads the workload's stdin any more; what comes is dropped. */
    if (w <= 0) { pending_len = 0; return; }
    done += (size_t)w;
  }
  memmove(pending, pending + done, pending_len - done); pending_len -= done;
}

static void input_add(const unsigned char *data, size_t len) {
  if (input_fd < 0) return;
  if (pending_len + len > pending_cap) {
    size_t cap = pending_cap ? pending_cap : 64 * 1024;
    while (cap < pending_len + len) cap *= 2;
    unsigned char *grown = realloc(pending, cap);
    if (!grown) return;
    pending = grown; pending_cap = cap;
  }
  memcpy(pending + pending_len, data, len); pending_len += len;
  input_flush();
}

static void client_frame(unsigned char type, const unsigned char *p, size_t n) {
  if (type == '0') input_add(p, n);
  /* A terminal is not closed: its master is also the output (containerd keeps a TTY's stdin open too). */
  else if (type == 'c' && !spec.tty) input_close();
  else if (type == 'r' && n == 4 && spec.tty && input_fd >= 0) {
    struct winsize ws = { .ws_col = (unsigned short)(p[0] << 8 | p[1]), .ws_row = (unsigned short)(p[2] << 8 | p[3]) };
    ioctl(input_fd, TIOCSWINSZ, &ws);
  }
}

/* Reads a client's frames; -1 when it has gone or sent something malformed. */
static int client_read(struct client *c) {
  ssize_t r = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, MSG_DONTWAIT);
  if (r < 0) return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  if (r == 0) return -1;
  c->inlen += (size_t)r;
  size_t off = 0;
  while (c->inlen - off >= 5) {
    uint32_t n; memcpy(&n, c->in + off + 1, 4); n = be32toh(n);
    if (n > FRAME_MAX) return -1;
    if (c->inlen - off - 5 < n) break;
    client_frame(c->in[off], c->in + off + 5, n);
    off += 5 + n;
  }
  memmove(c->in, c->in + off, c->inlen - off); c->inlen -= off;
  return 0;
}

static void attach_accept(void) {
  int fd;
  while ((fd = accept4(attach_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
    if (nclients >= MAX_CLIENTS) { close(fd); continue; }
    struct client *c = &clients[nclients++];
    c->fd = fd; c->dead = 0; c->inlen = 0; c->out = NULL; c->outlen = c->outcap = 0;
  }
}

/* Forgets the clients that have gone: between two polls only, so poll's entries stay in step. */
static void attach_compact(void) {
  int n = 0;
  for (int i = 0; i < nclients; i++) if (!clients[i].dead) { if (n != i) memcpy(&clients[n], &clients[i], sizeof clients[i]); n++; }
  nclients = n;
}

/* The container has ended: what is left goes out (for 2 seconds at most), then every client is
 * disconnected and the socket removed. */
static void attach_finish(void) {
  double until = mono() + 2.0;
  for (;;) {
    struct pollfd fds[MAX_CLIENTS]; int nf = 0;
    for (int i = 0; i < nclients; i++) if (!clients[i].dead && clients[i].outlen > 0) fds[nf++] = (struct pollfd){ clients[i].fd, POLLOUT, 0 };
    if (nf == 0 || mono() >= until) break;
    poll(fds, (nfds_t)nf, 100);
    for (int i = 0; i < nclients; i++) if (!clients[i].dead && clients[i].outlen > 0 && client_flush(&clients[i]) < 0) client_drop(&clients[i]);
  }
  for (int i = 0; i < nclients; i++) client_drop(&clients[i]);
  if (attach_fd >= 0) { close(attach_fd); attach_fd = -1; unlinkat(attach_dir, "attach.sock", 0); }
}

/* ---- the cgroup from outside ----
 * The container's processes are those in any of its cgroups (one per hierarchy on v1) or in a
 * cgroup nested under one: a workload may make child cgroups, or move a process out of some
 * hierarchies. Everything found anywhere is signalled; a process missing from some hierarchy had
 * escaped its limits there, and is reported in the exit file. */

#define MAX_PIDS 4096
#define MAX_ESCAPES 32
static pid_t found[8][MAX_PIDS]; static int nfound[8];
static struct { pid_t pid; int hierarchy; char comm[17]; } escapes[MAX_ESCAPES]; static int nescapes;

/* The pids in DIR's cgroup.procs and in every cgroup below it, appended to out. */
static int collect_tree(const char *dir, pid_t *out, int n, int depth) {
  char path[PATH_MAX]; snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  char *text = read_all(path, NULL);
  if (text) {
    char *save = NULL;
    for (char *t = strtok_r(text, "\n", &save); t && n < MAX_PIDS; t = strtok_r(NULL, "\n", &save)) out[n++] = (pid_t)atoi(t);
    free(text);
  }
  if (depth >= 32) return n;
  DIR *d = opendir(dir);
  if (!d) return n;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    n = collect_tree(path, out, n, depth + 1);
  }
  closedir(d);
  return n;
}

/* Scans every hierarchy's subtree into found[]; returns how many pids it saw in all. */
static int scan_cgroups(void) {
  int total = 0;
  for (int i = 0; i < spec.nprocs; i++) {
    char dir[PATH_MAX]; snprintf(dir, sizeof dir, "%s", spec.procs[i]);
    char *slash = strrchr(dir, '/'); if (slash) *slash = 0;
    nfound[i] = collect_tree(dir, found[i], 0, 0);
    total += nfound[i];
  }
  return total;
}

static int cmp_pid(const void *a, const void *b) { pid_t x = *(const pid_t *)a, y = *(const pid_t *)b; return (x > y) - (x < y); }

static int has_pid(int hierarchy, pid_t pid) {
  return bsearch(&pid, found[hierarchy], (size_t)nfound[hierarchy], sizeof(pid_t), cmp_pid) != NULL;
}

static void note_escape(pid_t pid, int hierarchy) {
  for (int k = 0; k < nescapes; k++) if (escapes[k].pid == pid && escapes[k].hierarchy == hierarchy) return;
  if (nescapes >= MAX_ESCAPES) return;
  escapes[nescapes].pid = pid; escapes[nescapes].hierarchy = hierarchy;
  char path[64]; snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
  char *comm = read_all(path, NULL); size_t c = 0;
  /* Only characters that cannot break the exit file's format. */
  if (comm) for (; comm[c] && comm[c] != '\n' && c < 16; c++) escapes[nescapes].comm[c] = (isalnum((unsigned char)comm[c]) || strchr("._-", comm[c])) ? comm[c] : '?';
  escapes[nescapes].comm[c] = 0; free(comm);
  nescapes++;
}

/* Processes found in some hierarchies but missing from another in two scans running (a fork
 * between two reads is in every hierarchy by the second). */
static void find_escapes(void) {
  if (spec.nprocs < 2) return;
  static pid_t first[8][MAX_PIDS]; int nfirst[8];
  scan_cgroups();
  for (int i = 0; i < spec.nprocs; i++) { memcpy(first[i], found[i], (size_t)nfound[i] * sizeof(pid_t)); nfirst[i] = nfound[i]; qsort(first[i], (size_t)nfirst[i], sizeof(pid_t), cmp_pid); }
  scan_cgroups();
  for (int i = 0; i < spec.nprocs; i++) qsort(found[i], (size_t)nfound[i], sizeof(pid_t), cmp_pid);
  for (int i = 0; i < spec.nprocs; i++)
    for (int k = 0; k < nfound[i]; k++)
      for (int j = 0; j < spec.nprocs; j++) {
        pid_t pid = found[i][k];
        if (j == i || has_pid(j, pid)) continue;
        if (bsearch(&pid, first[j], (size_t)nfirst[j], sizeof(pid_t), cmp_pid) == NULL) note_escape(pid, j);
      }
}

static void signal_cgroup(int sig) {
  scan_cgroups();
  for (int i = 0; i < spec.nprocs; i++) for (int k = 0; k < nfound[i]; k++) kill(found[i][k], sig);
}

/* Kills everything in the container's cgroups: cgroup.kill on v2 (the whole subtree); on v1
 * freeze, kill and thaw, so a fork bomb cannot outrun the loop, plus whatever had left the
 * freezer's cgroup but not the others. Called repeatedly until every cgroup is empty. */
static void kill_cgroup(void) {
  int frozen = spec.freeze_file && write_file(spec.freeze_file, "FROZEN") == 0;
  find_escapes();
  if (!(spec.kill_file && write_file(spec.kill_file, "1") == 0)) signal_cgroup(SIGKILL);
  if (frozen) write_file(spec.freeze_file, "THAWED");
}

/* The exit file's record of escapes: escaped=PID:HIERARCHY:COMM,... (HIERARCHY indexes the spec's cgroup-procs). */
static void escapes_line(char *out, size_t len) {
  out[0] = 0;
  if (nescapes == 0) return;
  size_t n = (size_t)snprintf(out, len, "escaped=");
  for (int k = 0; k < nescapes && n < len; k++)
    n += (size_t)snprintf(out + n, len - n, "%s%d:%d:%s", k ? "," : "", (int)escapes[k].pid, escapes[k].hierarchy, escapes[k].comm);
  if (n < len) snprintf(out + n, len - n, "\n");
}

static void reap(pid_t init, int *init_status, int *init_done) {
  int status; pid_t p;
  while ((p = waitpid(-1, &status, WNOHANG)) > 0)
    if (p == init) { *init_status = status; *init_done = 1; }
}

/* A pseudo-terminal for tty: true. The monitor opens the terminal's side too and the child
 * inherits it, so the master never reads as hung up before the workload holds the terminal. */
static int open_terminal(int *master, int *slave) {
  *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0) return -1;
  char name[64];
  if (grantpt(*master) < 0 || unlockpt(*master) < 0 || ptsname_r(*master, name, sizeof name) != 0) { int e = errno; close(*master); errno = e; return -1; }
  *slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave < 0) { int e = errno; close(*master); errno = e; return -1; }
  /* The workload's account owns its terminal, as a login's does (stty, mesg). */
  if (fchown(*slave, spec.uid, (gid_t)-1) < 0) { /* root's terminal still works through the open descriptor */ }
  return 0;
}

static int run_start(void) {
  if (setsid() < 0 && errno != EPERM) die("setsid: %s", strerror(errno));
  signal(SIGPIPE, SIG_IGN); signal(SIGHUP, SIG_IGN); signal(SIGINT, SIG_IGN);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  char text[128]; snprintf(text, sizeof text, "%d\n", (int)getpid());
  write_state("monitor.pid", text, 0);

  /* Sandbox mode: the workload works in the host's namespace, so the overlay is mounted there
   * (bind mode mounts it in the container's own namespace: setup_mounts). */
  if (spec.ov_target && !spec.unshare_mnt) {
    char opts[3 * PATH_MAX + 64];
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", spec.ov_lower, spec.ov_upper, spec.ov_work);
    if (mount("overlay", spec.ov_target, "overlay", 0, opts) < 0) {
      printf("error mount the sandbox overlay at %s: %s\n", spec.ov_target, strerror(errno)); fflush(stdout);
      snprintf(text, sizeof text, "exitCode=128\nfinishedAt=%lld\nerror=sandbox overlay: %s\n", now_ns(), strerror(errno));
      write_exit(text);
      return 0;
    }
  }

  int out[2], err[2], ep[2], in[2] = { -1, -1 }, master = -1, slave = -1;
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  if (spec.tty && open_terminal(&master, &slave) < 0) {
    int saved = errno;
    printf("error allocate a pseudo-terminal for tty: %s\n", strerror(saved)); fflush(stdout);
    snprintf(text, sizeof text, "exitCode=128\nfinishedAt=%lld\nerror=pseudo-terminal: %s\n", now_ns(), strerror(saved));
    write_exit(text);
    return 0;
  }
  if (!spec.tty && spec.open_stdin && pipe2(in, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  attach_listen();
  sigset_t mask; sigemptyset(&mask); sigaddset(&mask, SIGCHLD); sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  long long started = now_ns();
  pid_t init = fork();
  if (init < 0) die("fork: %s", strerror(errno));
  if (init == 0) {
    errpipe = ep[1];
    sigset_t none; sigemptyset(&none); sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL); signal(SIGHUP, SIG_DFL); signal(SIGINT, SIG_DFL);
    join_cgroups();
    setsid();
    if (spec.tty) {
      /* The terminal becomes the new session's controlling terminal, and carries all three streams. */
      if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("make the pseudo-terminal the controlling terminal: %s", strerror(errno));
      if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) fail("stdio: %s", strerror(errno));
    } else {
      /* stdin: true reads the pipe the monitor holds open; otherwise, as the kubelet, /dev/null. */
      int input = spec.open_stdin ? in[0] : open("/dev/null", O_RDONLY);
      if (input < 0 || dup2(input, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) fail("stdio: %s", strerror(errno));
    }
    if (spec.unshare_mnt) setup_mounts();
    become_workload();
  }
  close(out[1]); close(err[1]); close(ep[1]);
  if (spec.tty) { close(slave); close(out[0]); out[0] = master; input_fd = master; }
  else if (spec.open_stdin) { close(in[0]); input_fd = in[1]; }
  if (input_fd >= 0) fcntl(input_fd, F_SETFL, fcntl(input_fd, F_GETFL) | O_NONBLOCK);
  char msg[1024]; ssize_t m; size_t mlen = 0;
  while ((m = read(ep[0], msg + mlen, sizeof msg - 1 - mlen)) > 0 || (m < 0 && errno == EINTR)) if (m > 0) mlen += (size_t)m;
  close(ep[0]); msg[mlen] = 0;
  /* init.pid and the log file before the report: a start that has resolved finds its container
   * running (a postStart hook or an exec that follows at once is not refused as "not running"),
   * and its log file there, as containerd's CRI creates it before the container starts. */
  snprintf(text, sizeof text, "%d %lld\n", (int)init, started);
  write_state("init.pid", text, 0);
  if (spec.log) log_open();
  if (mlen > 0) printf("error %s\n", msg); else printf("ok %d %lld\n", (int)init, started);
  fflush(stdout);
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) { dup2(devnull, 1); close(devnull); }

  struct stream so = { .name = "stdout", .fd = out[0], .open = 1 }, se = { .name = "stderr", .fd = err[0], .open = 1 };
  static struct stream *streams[2]; streams[0] = &so; streams[1] = &se;
  int init_status = 0, init_done = 0, stopping = 0;
  double deadline = -1, empty_since = -1;
  for (;;) {
    attach_compact();
    if (input_fd < 0) pending_len = 0;
    struct pollfd fds[5 + MAX_CLIENTS] = { { sfd, POLLIN, 0 }, { so.open ? so.fd : -1, POLLIN, 0 }, { se.open ? se.fd : -1, POLLIN, 0 },
      { attach_fd, POLLIN, 0 }, { pending_len > 0 ? input_fd : -1, POLLOUT, 0 } };
    int polled = nclients;
    /* While input waits for the workload, no more is read from clients. */
    for (int i = 0; i < polled; i++) fds[5 + i] = (struct pollfd){ clients[i].fd, (short)((pending_len > 0 ? 0 : POLLIN) | (clients[i].outlen > 0 ? POLLOUT : 0)), 0 };
    int waiting = init_done || stopping;
    int r = poll(fds, (nfds_t)(5 + polled), waiting ? 50 : -1);
    if (r < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo != SIGTERM) continue;
        /* A stop: its grace came with the signal (sigqueue), else it is the spec's. */
        long grace = si.ssi_code == SI_QUEUE ? (si.ssi_int < 0 ? 0 : (long)si.ssi_int) : spec.grace;
        double at = mono() + (double)grace;
        if (!stopping && !init_done) {
          stopping = 1;
          kill(init, spec.stop_signal);
          deadline = at;
        } else if (deadline < 0 || at < deadline) deadline = at;
      }
      int was_done = init_done;
      reap(init, &init_status, &init_done);
      if (init_done && !was_done && !stopping) {
        /* Init exited on its own: ask what it left behind to stop, then kill it after the grace
         * period (hcsshim hard-codes 5 s; hostpod honours the pod's terminationGracePeriodSeconds). */
        find_escapes();
        signal_cgroup(SIGTERM);
        double at = mono() + (double)spec.grace;
        if (deadline < 0 || at < deadline) deadline = at;
      }
    }
    for (int i = 0; i < 2; i++)
      if (streams[i]->open && (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
        if (!stream_read(streams[i])) {
          close(streams[i]->fd); streams[i]->open = 0;
          if (streams[i]->fd == input_fd) input_fd = -1; /* the terminal's master: input and output */
        }
    if (fds[4].revents) input_flush();
    for (int i = 0; i < polled; i++) {
      struct client *c = &clients[i];
      if (c->dead || !fds[5 + i].revents) continue;
      if ((fds[5 + i].revents & POLLOUT) && client_flush(c) < 0) { client_drop(c); continue; }
      if ((fds[5 + i].revents & (POLLIN | POLLHUP | POLLERR)) && client_read(c) < 0) client_drop(c);
    }
    if (fds[3].revents & POLLIN) attach_accept();
    if (!waiting) continue;
    reap(init, &init_status, &init_done);
    int alive = scan_cgroups() > 0;
    if (alive && deadline >= 0 && mono() >= deadline) kill_cgroup();
    if (!alive && init_done) {
      if (empty_since < 0) empty_since = mono();
      /* Something outside the cgroup may still hold the pipes (a descriptor passed over a socket):
       * do not wait for it forever. */
      if ((!so.open && !se.open) || mono() - empty_since > 2.0) break;
    }
  }
  for (int i = 0; i < 2; i++) if (streams[i]->open) stream_flush_lines(streams[i], 1);
  attach_finish();
  int code = WIFEXITED(init_status) ? WEXITSTATUS(init_status) : 128 + WTERMSIG(init_status);
  int sig = WIFSIGNALED(init_status) ? WTERMSIG(init_status) : 0;
  char escaped[MAX_ESCAPES * 48 + 16]; escapes_line(escaped, sizeof escaped);
  char done[sizeof escaped + 160];
  snprintf(done, sizeof done, "exitCode=%d\nsignal=%d\nstartedAt=%lld\nfinishedAt=%lld\n%s", code, sig, started, now_ns(), escaped);
  if (mlen > 0) {
    char full[1200]; snprintf(full, sizeof full, "exitCode=128\nsignal=0\nstartedAt=%lld\nfinishedAt=%lld\nerror=%s\n", started, now_ns(), msg);
    write_exit(full);
  } else write_exit(done);
  return 0;
}

/* Queues SIGTERM with the grace period as its value: the monitor reads it from the signal. */
static int run_stop(const char *pid_text, const char *grace_text) {
  char *end; errno = 0;
  long pid = strtol(pid_text, &end, 10);
  if (errno || *end || pid <= 0) { fprintf(stderr, "hostpod-monitor: stop: not a pid: %s\n", pid_text); return 2; }
  errno = 0;
  long long grace = strtoll(grace_text, &end, 10);
  if (*end || end == grace_text) { fprintf(stderr, "hostpod-monitor: stop: not a number of seconds: %s\n", grace_text); return 2; }
  if (errno == ERANGE || grace > INT_MAX) grace = INT_MAX; /* beyond 68 years: for ever, in practice */
  if (grace < 0) grace = 0;
  union sigval value; value.sival_int = (int)grace;
  if (sigqueue((pid_t)pid, SIGTERM, value) < 0) { fprintf(stderr, "hostpod-monitor: stop %ld: %s\n", pid, strerror(errno)); return errno == ESRCH ? 3 : 1; }
  return 0;
}

static int run_exec(char **argv) {
  /* Same cgroup first (before any instruction of the command), then the mount namespace of the
   * container's init, then its account, environment and directory. stdio stay hostpod's. */
  errpipe = 2;
  join_cgroups();
  if (spec.unshare_mnt) {
    char path[PATH_MAX]; snprintf(path, sizeof path, "%s/init.pid", state_dir);
    char *text = read_all(path, NULL);
    if (!text) fail("the container is not running (no %s)", path);
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", atoi(text)); free(text);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) fail("enter the container's mount namespace (%s): %s", path, strerror(errno));
    close(fd);
  }
  int n = 0; while (argv[n] && n < MAX_ITEMS) { spec.argv[n] = argv[n]; n++; }
  spec.argv[n] = NULL; spec.nargv = n;
  become_workload();
  return 127;
}

/* ---- grant: one group entry in a directory's access ACL (linux/posix_acl_xattr.h's format:
 * a little-endian version 2 header, then entries of tag, permissions and id, sorted by tag and id) */

#define ACL_USER_OBJ 0x01
#define ACL_USER 0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20
#define ACL_NO_ID 0xffffffffu

struct acl_entry { uint16_t tag, perm; uint32_t id; };

static int cmp_acl(const void *a, const void *b) {
  const struct acl_entry *x = a, *y = b;
  if (x->tag != y->tag) return x->tag < y->tag ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static int run_grant(const char *dir, const char *gid_text) {
  char *end; errno = 0;
  unsigned long gid = strtoul(gid_text, &end, 10);
  if (errno || *end || end == gid_text) { fprintf(stderr, "grant: not a group id: %s\n", gid_text); return 2; }
  struct acl_entry e[64]; int n = 0;
  unsigned char buf[4 + 64 * 8];
  ssize_t len = getxattr(dir, "system.posix_acl_access", buf, sizeof buf);
  if (len >= 4) {
    for (size_t off = 4; off + 8 <= (size_t)len && n < 64; off += 8, n++) {
      uint16_t tag, perm; uint32_t id;
      memcpy(&tag, buf + off, 2); memcpy(&perm, buf + off + 2, 2); memcpy(&id, buf + off + 4, 4);
      e[n].tag = le16toh(tag); e[n].perm = le16toh(perm); e[n].id = le32toh(id);
    }
  } else {
    /* No ACL yet: the one the mode stands for. */
    struct stat st;
    if (stat(dir, &st) < 0) { fprintf(stderr, "grant: %s: %s\n", dir, strerror(errno)); return 1; }
    e[n++] = (struct acl_entry){ ACL_USER_OBJ, (uint16_t)((st.st_mode >> 6) & 7), ACL_NO_ID };
    e[n++] = (struct acl_entry){ ACL_GROUP_OBJ, (uint16_t)((st.st_mode >> 3) & 7), ACL_NO_ID };
    e[n++] = (struct acl_entry){ ACL_OTHER, (uint16_t)(st.st_mode & 7), ACL_NO_ID };
  }
  int found = 0, mask = -1; uint16_t group_class = 0;
  for (int i = 0; i < n; i++) {
    if (e[i].tag == ACL_GROUP && e[i].id == (uint32_t)gid) { e[i].perm |= 5; found = 1; }
    if (e[i].tag == ACL_MASK) mask = i;
  }
  if (!found) {
    if (n >= 63) { fprintf(stderr, "grant: %s: too many ACL entries\n", dir); return 1; }
    e[n++] = (struct acl_entry){ ACL_GROUP, 5, (uint32_t)gid };
  }
  for (int i = 0; i < n; i++) if (e[i].tag == ACL_USER || e[i].tag == ACL_GROUP || e[i].tag == ACL_GROUP_OBJ) group_class |= e[i].perm;
  if (mask >= 0) e[mask].perm = group_class; else e[n++] = (struct acl_entry){ ACL_MASK, group_class, ACL_NO_ID };
  qsort(e, (size_t)n, sizeof e[0], cmp_acl);
  uint32_t version = htole32(2); memcpy(buf, &version, 4);
  for (int i = 0; i < n; i++) {
    uint16_t tag = htole16(e[i].tag), perm = htole16(e[i].perm); uint32_t id = htole32(e[i].id);
    memcpy(buf + 4 + i * 8, &tag, 2); memcpy(buf + 6 + i * 8, &perm, 2); memcpy(buf + 8 + i * 8, &id, 4);
  }
  if (setxattr(dir, "system.posix_acl_access", buf, 4 + (size_t)n * 8, 0) < 0) {
    fprintf(stderr, "%s: %s\n", dir, errno == EOPNOTSUPP ? "the file system does not support POSIX ACLs" : strerror(errno));
    return 1;
  }
  return 0;
}

/* Whether a private view of DIR can be made (hostpod asks before a start, and otherwise creates
 * the missing mount point on the host): the same overlay, in a namespace that ends with this
 * process. Exit 0, or 1 with the reason on stderr. */
static int run_probe(const char *dir) {
  char merged[PATH_MAX], why[PATH_MAX + 128];
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) { fprintf(stderr, "a private mount namespace: %s\n", strerror(errno)); return 1; }
  int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) { fprintf(stderr, "open %s: %s\n", dir, strerror(errno)); return 1; }
  if (overlay_of(dir, fd, merged, sizeof merged, why, sizeof why) < 0) { fprintf(stderr, "%s\n", why); return 1; }
  return 0;
}

/* ---- spawner: starts monitors without hostpod forking itself ----
 * fork() costs in proportion to the forking process's memory: hostpod's node agent, a Node process
 * of 150 MiB and more, spends 4 to 8 ms in each, and its other thread stalls meanwhile. hostpod
 * forks `hostpod-monitor spawner` once; the spawner, a few hundred KiB, forks each monitor for it.
 * Requests on stdin, one per line: "ID STATE_DIR". Answers on stdout, one per line, in the order
 * the monitors report: "ID " followed by the monitor's own report line ("ok PID STARTED_NS", or
 * "error MESSAGE" once the monitor has ended), or "ID exited" when it ended without one. Each monitor runs as
 * `hostpod-monitor start STATE_DIR` would from hostpod: its own session, stdin /dev/null, stderr
 * appended to STATE_DIR/monitor.log, default signal handling. The spawner reaps the monitors it
 * started when they end; when its stdin closes it answers the starts in flight, then exits (the
 * monitors live on, reaped by init). */

/* A start in flight: its report is read from `fd`; a failed one ("error ..." or no report) is
 * answered once its monitor has ended, as hostpod expects the exit file written by then. */
struct pending_start { char id[80]; pid_t pid; int fd; char line[512]; size_t len; int reported, exited; };

static int chld_pipe[2] = { -1, -1 };
/* The monitor binary's path, which each monitor is run from, as hostpod gives it: by path, so a
 * rebuilt or upgraded binary is the one that runs (in ps too). */
static char self_path[PATH_MAX];
static void on_sigchld(int sig) { (void)sig; int saved = errno; if (write(chld_pipe[1], "c", 1) < 0) { /* full: a wake-up is already queued */ } errno = saved; }

static void spawner_answer(const char *id, const char *text) {
  /* One write per answer (a line of at most a few hundred bytes): the reader never sees half of one. */
  char out[700]; int n = snprintf(out, sizeof out, "%s %s\n", id, text);
  if (n < 0) return;
  if ((size_t)n >= sizeof out) { n = (int)sizeof out - 1; out[n - 1] = '\n'; }
  if (write(1, out, (size_t)n) < 0) { /* hostpod is gone: nothing to tell */ }
}

static void spawner_start(struct pending_start *p, const char *dir) {
  char logpath[PATH_MAX];
  if (snprintf(logpath, sizeof logpath, "%s/monitor.log", dir) >= (int)sizeof logpath) { spawner_answer(p->id, "error the state directory's path is too long"); return; }
  int diag = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (diag < 0) { char why[PATH_MAX + 64]; snprintf(why, sizeof why, "error open %s: %s", logpath, strerror(errno)); spawner_answer(p->id, why); return; }
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) { close(diag); spawner_answer(p->id, "error pipe: out of file descriptors"); return; }
  pid_t pid = fork();
  if (pid < 0) { close(diag); close(out[0]); close(out[1]); spawner_answer(p->id, "error fork failed"); return; }
  if (pid == 0) {
    sigset_t none; sigemptyset(&none); sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGCHLD, SIG_DFL); signal(SIGPIPE, SIG_DFL);
    setsid();
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC); /* dup2 onto 0 drops the flag there */
    if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(diag, 2) < 0) _exit(127);
    execl(self_path, self_path, "start", dir, (char *)NULL);
    dprintf(2, "hostpod-monitor spawner: exec: %s\n", strerror(errno));
    _exit(127);
  }
  close(diag); close(out[1]);
  p->pid = pid; p->fd = out[0]; p->len = 0; p->reported = 0; p->exited = 0;
}

static int run_spawner(const char *binary) {
  if (snprintf(self_path, sizeof self_path, "%s", binary) >= (int)sizeof self_path) { fprintf(stderr, "hostpod-monitor spawner: the path is too long\n"); return 2; }
  if (pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return 1;
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_sigchld; sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  enum { MAX_PENDING = 256 };
  static struct pending_start pending[MAX_PENDING];
  int npending = 0, open_input = 1;
  char in[8192]; size_t inlen = 0;
  for (;;) {
    /* The whole requests read so far, as far as slots allow: the rest wait in `in` for a slot. */
    char *line = in, *nl;
    while (npending < MAX_PENDING && (nl = memchr(line, '\n', (size_t)(in + inlen - line)))) {
      *nl = 0;
      char *space = strchr(line, ' ');
      if (space && space != line && (size_t)(space - line) < sizeof pending[0].id && space[1] == '/') {
        struct pending_start *p = &pending[npending];
        memcpy(p->id, line, (size_t)(space - line)); p->id[space - line] = 0; p->fd = -1;
        spawner_start(p, space + 1);
        if (p->fd >= 0) npending++;
      } else if (*line) {
        char id[80]; snprintf(id, sizeof id, "%.*s", space ? (int)(space - line) : 0, line);
        spawner_answer(id[0] ? id : "-", "error the request is not \"ID STATE_DIR\"");
      }
      line = nl + 1;
    }
    inlen = (size_t)(in + inlen - line);
    memmove(in, line, inlen);
    if (inlen == sizeof in && !memchr(in, '\n', inlen)) inlen = 0; /* one line longer than any path: dropped */
    int waiting_lines = memchr(in, '\n', inlen) != NULL;
    if (!open_input && npending == 0 && !waiting_lines) break;
    struct pollfd fds[MAX_PENDING + 2]; int nfds = 0;
    fds[nfds++] = (struct pollfd){ chld_pipe[0], POLLIN, 0 };
    /* Requests wait while every slot is taken: hostpod waits for its answers meanwhile. */
    int input_at = -1;
    if (open_input && npending < MAX_PENDING && inlen < sizeof in) { input_at = nfds; fds[nfds++] = (struct pollfd){ 0, POLLIN, 0 }; }
    int first = nfds;
    for (int i = 0; i < npending; i++) fds[nfds++] = (struct pollfd){ pending[i].fd, POLLIN, 0 }; /* -1 once reported: ignored */
    if (poll(fds, (nfds_t)nfds, -1) < 0) { if (errno == EINTR) continue; return 1; }
    if (fds[0].revents) { char drain[64]; while (read(chld_pipe[0], drain, sizeof drain) > 0) {} }
    for (pid_t r; (r = waitpid(-1, NULL, WNOHANG)) > 0;) {
      for (int i = 0; i < npending; i++) if (pending[i].pid == r) pending[i].exited = 1;
    }
    /* Reports first (before new starts move the slots). */
    for (int i = npending - 1; i >= 0; i--) {
      struct pending_start *p = &pending[i];
      if (p->fd >= 0 && fds[first + i].revents) {
        ssize_t n = read(p->fd, p->line + p->len, sizeof p->line - 1 - p->len);
        if (n > 0) {
          p->len += (size_t)n; p->line[p->len] = 0;
          char *nl = strchr(p->line, '\n');
          if (nl) *nl = 0;
          if (nl || p->len >= sizeof p->line - 1) p->reported = 1;
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          /* Ended without a whole line: what it wrote, else "exited". */
          if (p->len == 0) snprintf(p->line, sizeof p->line, "exited");
          p->reported = 1;
        }
        if (p->reported) { close(p->fd); p->fd = -1; }
      }
      if (!p->reported) continue;
      /* A running container is answered at once; a failed start once its monitor has ended. */
      if (strncmp(p->line, "ok ", 3) != 0 && !p->exited) continue;
      spawner_answer(p->id, p->line);
      pending[i] = pending[--npending];
    }
    if (input_at >= 0 && fds[input_at].revents) {
      ssize_t n = read(0, in + inlen, sizeof in - inlen);
      if (n > 0) inlen += (size_t)n;
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) open_input = 0;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "spawner")) return run_spawner(argv[2]);
  if (argc < 3) { fprintf(stderr, "usage: hostpod-monitor start STATE_DIR | exec STATE_DIR ARG... | stop PID GRACE | grant DIR GID | probe STATE_DIR DIR | spawner BINARY\n"); return 2; }
  if (!strcmp(argv[1], "stop") && argc == 4) return run_stop(argv[2], argv[3]);
  if (!strcmp(argv[1], "grant") && argc == 4) return run_grant(argv[2], argv[3]);
  state_dir = argv[2];
  if (!strcmp(argv[1], "probe") && argc == 4) return run_probe(argv[3]);
  load_spec();
  if (!strcmp(argv[1], "start")) {
    reserve_exit_space();
    return run_start();
  }
  if (!strcmp(argv[1], "exec") && argc > 3) return run_exec(argv + 3);
  fprintf(stderr, "hostpod-monitor: unknown mode %s\n", argv[1]);
  return 2;
}
