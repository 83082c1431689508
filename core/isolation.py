"""Kernel isolation of untrusted worker processes: a bubblewrap jail, a seccomp filter, and a cgroup per run.

`jail_command(...)` wraps the worker's command line so that the kernel, not Python, contains it:

- bubblewrap (`bwrap`, the Debian/Flatpak sandbox tool) puts it in fresh user, PID, mount, network, IPC, UTS and
  cgroup namespaces: it runs as uid/gid 65534 in a mapped user namespace with every capability dropped and
  `no_new_privs`; the mount namespace shows read-only exactly the interpreter's prefix(es), the directories on
  its import path (site-packages, hardgen's own package), and the system's shared libraries (`/usr/lib*`, which
  the interpreter links against); the jail's own root is read-only, and a private size-capped tmpfs at `/tmp`
  is the only writable place (it vanishes with the jail: nothing is left on the host); `/proc` is
  its own PID namespace's; the network namespace holds only a down loopback. Everything else is absent.
- a seccomp BPF filter (built here, loaded by bwrap) fails with EPERM the calls that reach across namespaces or
  into the kernel: setns, unshare, clone/clone3 with namespace flags, mount and the new mount API, pivot_root,
  chroot, ptrace, process_vm_*, pidfd_*, kcmp, bpf, perf_event_open, userfaultfd, keyctl/add_key/request_key,
  kexec_*, (f)init_module/delete_module, reboot, swapon/off, acct, quotactl, handle-based opens, set*name.
- `RunCgroup` (where a cgroup hierarchy is writable, as for root or a delegated systemd scope) caps memory and
  pids per worker and kills every task in it at the end; where none is writable the worker's rlimits
  (address space, CPU seconds, file size, processes — counted per user namespace, so they bind for the jail's
  uid even when the caller is root) are the limits, and the PID namespace still ends every process at once.

`jail_status()` says whether the jail works here (probed once per process by running the interpreter in it);
callers refuse untrusted code when it does not, unless the user trusts the programs (`--trust-programs`).
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass

__all__ = ["JailStatus", "jail_status", "jail_command", "jail_host_ids", "jail_view", "spawn_ids", "staging_prefix", "jail_import_path",
           "interpreter_roots", "seccomp_filter", "RunCgroup", "JAIL_UID", "JAIL_TMP_MB", "DENIED_SYSCALLS",
           "METADATA_DENIED", "COUNTED_DENIED", "ALLOWED_SOCKET_FAMILIES", "ENV_TRUST", "ENV_BWRAP"]

#: uid and gid of the program inside the jail ("nobody")
JAIL_UID = 65534
#: size of the jail's private /tmp
JAIL_TMP_MB = 64
#: environment variable set by `--trust-programs`: run untrusted programs without the jail where none can be made
ENV_TRUST = "HARDGEN_TRUST_PROGRAMS"

# ---- seccomp -------------------------------------------------------------------------------------------------

#: syscalls the jailed program may not make (EPERM), by name; numbers per architecture below
DENIED_SYSCALLS = (
    "setns", "unshare", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "ptrace", "process_vm_readv", "process_vm_writev",
    "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "kcmp", "bpf", "perf_event_open", "userfaultfd", "keyctl",
    "add_key", "request_key", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "name_to_handle_at", "open_by_handle_at", "sethostname",
    "setdomainname", "io_uring_setup", "io_uring_enter", "io_uring_register",
)
#: the only socket families the jail may open (the rest reach past the network namespace, e.g. AF_VSOCK to the
#: hypervisor, or are kernel attack surface: AF_ALG, AF_PACKET, AF_NETLINK, ...); others fail with EAFNOSUPPORT
ALLOWED_SOCKET_FAMILIES = (1, 2, 10)  # AF_UNIX, AF_INET, AF_INET6

_NR = {
    "x86_64": dict(
        setns=308, unshare=272, mount=165, umount2=166, pivot_root=155, chroot=161, open_tree=428, move_mount=429,
        fsopen=430, fsconfig=431, fsmount=432, fspick=433, mount_setattr=442, ptrace=101, process_vm_readv=310,
        process_vm_writev=311, pidfd_open=434, pidfd_send_signal=424, pidfd_getfd=438, kcmp=312, bpf=321,
        perf_event_open=298, userfaultfd=323, keyctl=250, add_key=248, request_key=249, kexec_load=246,
        kexec_file_load=320, init_module=175, finit_module=313, delete_module=176, reboot=169, swapon=167,
        swapoff=168, acct=163, quotactl=179, name_to_handle_at=303, open_by_handle_at=304, sethostname=170,
        setdomainname=171, io_uring_setup=425, io_uring_enter=426, io_uring_register=427, socket=41, clone=56,
        clone3=435),
    "aarch64": dict(
        setns=268, unshare=97, mount=40, umount2=39, pivot_root=41, chroot=51, open_tree=428, move_mount=429,
        fsopen=430, fsconfig=431, fsmount=432, fspick=433, mount_setattr=442, ptrace=117, process_vm_readv=270,
        process_vm_writev=271, pidfd_open=434, pidfd_send_signal=424, pidfd_getfd=438, kcmp=272, bpf=280,
        perf_event_open=241, userfaultfd=282, keyctl=219, add_key=217, request_key=218, kexec_load=104,
        kexec_file_load=294, init_module=105, finit_module=273, delete_module=106, reboot=142, swapon=224,
        swapoff=225, acct=89, quotactl=60, name_to_handle_at=264, open_by_handle_at=265, sethostname=161,
        setdomainname=162, io_uring_setup=425, io_uring_enter=426, io_uring_register=427, socket=198, clone=220,
        clone3=435),
}
#: also denied: bwrap binds the host's device nodes into /dev (read-only mounts would make them nodev), and any uid
#: may set the times of the 0666 ones (utime to "now" needs only write access), a root-mapped uid (see
#: `jail_host_ids`) even their mode: with chmod, or with an ACL (setxattr system.posix_acl_access, which the
#: owner may set and which rewrites the mode bits); the programs hardgen runs have no use for any of these calls
METADATA_DENIED = ("chmod", "fchmod", "fchmodat", "fchmodat2", "utime", "utimes", "utimensat", "futimesat",
                   "setxattr", "lsetxattr", "fsetxattr", "setxattrat", "removexattr", "lremovexattr",
                   "fremovexattr", "removexattrat")
_NR_METADATA = {
    "x86_64": dict(chmod=90, fchmod=91, fchmodat=268, fchmodat2=452, utime=132, utimes=235, utimensat=280,
                   futimesat=261, setxattr=188, lsetxattr=189, fsetxattr=190, setxattrat=463, removexattr=197,
                   lremovexattr=198, fremovexattr=199, removexattrat=466),
    # no chmod/utime(s)/futimesat there
    "aarch64": dict(fchmod=52, fchmodat=53, fchmodat2=452, utimensat=88, setxattr=5, lsetxattr=6, fsetxattr=7,
                    setxattrat=463, removexattr=14, lremovexattr=15, fremovexattr=16, removexattrat=466),
}
#: also denied: kernel objects counted per host uid across user namespaces (inotify instances: 128 by default,
#: epoll watches: fs.epoll.max_user_watches, about 5 M, which one jail filled in 11 s; POSIX message queue bytes,
#: fanotify groups). Every jail of a root caller, and every host service, runs as host nobody (an ordinary
#: caller's jails as that user): one jail holding them all would leave the others, and the host's own, none
COUNTED_DENIED = ("inotify_init", "inotify_init1", "fanotify_init", "mq_open", "epoll_create", "epoll_create1")
_NR_COUNTED = {
    "x86_64": dict(inotify_init=253, inotify_init1=294, fanotify_init=300, mq_open=240, epoll_create=213,
                   epoll_create1=291),
    # no inotify_init, epoll_create there
    "aarch64": dict(inotify_init1=26, fanotify_init=262, mq_open=180, epoll_create1=20),
}
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_X32_BIT = 0x40000000
# CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
# CLONE_NEWNET: a clone() that asks for any of them fails like unshare() does
_CLONE_NS_FLAGS = 0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 \
    | 0x40000000
_EPERM, _ENOSYS, _EAFNOSUPPORT = 1, 38, 97
# classic BPF opcodes and seccomp return values
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW, _RET_ERRNO, _RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16  # struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6]}


def _machine() -> str:
    m = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m)


def seccomp_filter(machine: str | None = None) -> bytes:
    """The seccomp program (an array of `struct sock_filter`) bwrap loads with `--seccomp FD`: `DENIED_SYSCALLS`,
    `METADATA_DENIED` and `COUNTED_DENIED` fail with EPERM, sockets outside `ALLOWED_SOCKET_FAMILIES` with
    EAFNOSUPPORT.

    Another architecture's syscall ABI kills the process (so i386 numbers cannot slip past an x86_64 list);
    x32 calls fail; clone3 fails with ENOSYS so libc falls back to clone, whose flags the filter can read.
    """
    machine = machine or _machine()
    if machine not in _NR:
        raise OSError(f"no seccomp syscall table for {machine}")
    nr = _NR[machine]
    prog: list[tuple[int, int, int, int]] = []

    def ret(value: int) -> None:
        prog.append((_RET_K, 0, 0, value))

    prog.append((_LD_W_ABS, 0, 0, _OFF_ARCH))
    prog.append((_JEQ_K, 1, 0, _AUDIT_ARCH[machine]))
    ret(_RET_KILL_PROCESS)
    prog.append((_LD_W_ABS, 0, 0, _OFF_NR))
    if machine == "x86_64":
        prog.append((_JGE_K, 0, 1, _X32_BIT))
        ret(_RET_ERRNO | _EPERM)
    denied = [nr[name] for name in DENIED_SYSCALLS] + list(_NR_METADATA[machine].values()) \
        + list(_NR_COUNTED[machine].values())
    for number in denied:
        prog.append((_JEQ_K, 0, 1, number))
        ret(_RET_ERRNO | _EPERM)
    # socket(family, ...): only the allowed families pass
    fams = ALLOWED_SOCKET_FAMILIES
    prog.append((_JEQ_K, 0, len(fams) + 3, nr["socket"]))
    prog.append((_LD_W_ABS, 0, 0, _OFF_ARG0))
    for i, fam in enumerate(fams):
        prog.append((_JEQ_K, len(fams) - 1 - i, 1 if i == len(fams) - 1 else 0, fam))
    ret(_RET_ALLOW)
    ret(_RET_ERRNO | _EAFNOSUPPORT)
    prog.append((_JEQ_K, 0, 1, nr["clone3"]))
    ret(_RET_ERRNO | _ENOSYS)
    prog.append((_JEQ_K, 0, 3, nr["clone"]))
    prog.append((_LD_W_ABS, 0, 0, _OFF_ARG0))  # the low 32 bits of the flags (little-endian)
    prog.append((_JSET_K, 0, 1, _CLONE_NS_FLAGS))
    ret(_RET_ERRNO | _EPERM)
    ret(_RET_ALLOW)
    return b"".join(struct.pack("=HBBI", *ins) for ins in prog)


# ---- the bwrap command -----------------------------------------------------------------------------------------

#: environment variable naming the bwrap binary to use (default: `bwrap` on PATH, then /usr/bin, /usr/local/bin)
ENV_BWRAP = "HARDGEN_BWRAP"


def _bwrap() -> str | None:
    chosen = os.environ.get(ENV_BWRAP)
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which("bwrap") or next((p for p in ("/usr/bin/bwrap", "/usr/local/bin/bwrap")
                                          if os.access(p, os.X_OK)), None)


def interpreter_roots() -> list[str]:
    """The interpreter's prefixes and site-packages directories (a venv's may lie anywhere, e.g. under /tmp)."""
    import site
    roots = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    try:
        roots += list(site.getsitepackages())
    except AttributeError:  # pragma: no cover - old virtualenvs
        pass
    user = getattr(site, "ENABLE_USER_SITE", False) and site.getusersitepackages()
    if user:
        roots.append(user)
    return [p for p in roots if p and os.path.exists(p)]


def jail_import_path(path: list[str]) -> list[str]:
    """The entries of an import path that lie inside the interpreter's roots (the rest is not shown)."""
    roots = [os.path.realpath(r) for r in interpreter_roots()]
    out = []
    for p in path:
        if not p or not os.path.exists(p):
            continue
        rp = os.path.realpath(p)
        if any(rp == r or rp.startswith(r.rstrip("/") + "/") for r in roots):
            out.append(p)
    return out


def _view_paths(import_path: list[str], extra: list[str]) -> list[str]:
    """The host paths the jail shows read-only: interpreter prefixes, import path entries, system libraries."""
    paths = set(interpreter_roots())
    paths.update(p for p in import_path if p)
    paths.update(extra)
    for lib in ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/local/lib", "/etc/ld.so.cache"):
        paths.add(lib)
    real = sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)})
    # a path inside another one comes with it; binding it again would only cost time
    out: list[str] = []
    for p in real:
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out


#: /proc entries shown read-only (the host's, whose namespaced entries still show the jail's own namespaces) in a
#: jail whose uid maps to host root (`root_mapped`): uid 0 needs no capability to write 0644 sysctls such as
#: kernel.core_pattern, whose pipe helper the kernel runs as host root, nor /proc/acpi/wakeup; bwrap itself
#: covers only irq and bus (it skips sys, whose directory is not writable)
_PROC_READ_ONLY = ("sys", "fs", "acpi", "scsi")
#: /proc files replaced by /dev/null in such a jail: a host reset switch and root-only kernel memory/layout files
_PROC_MASKED = ("sysrq-trigger", "kcore", "kmsg", "slabinfo", "kpagecount", "kpageflags", "kpagecgroup",
                "vmallocinfo", "pagetypeinfo", "timer_list", "sched_debug")


def _searchable_by_others(path: str) -> bool:
    import stat
    try:
        st = os.stat(path)
    except OSError:
        return False
    return not stat.S_ISDIR(st.st_mode) or bool(st.st_mode & stat.S_IXOTH)


def _blocking_dir(path: str) -> str | None:
    """The topmost directory strictly above `path` that a user with no relation to its owner may not search
    (ACLs aside, which only ever add), or None when every one may be."""
    parts = os.path.realpath(path).split("/")
    for i in range(2, len(parts)):
        d = "/".join(parts[:i])
        if not _searchable_by_others(d):
            return d
    return None


#: directories the staging layer never covers (the jail's own bwrap, loader and /proc live there)
_NEVER_COVER = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc", "/proc", "/dev", "/sys", "/run")


def _setpriv() -> str | None:
    return shutil.which("setpriv") or next((p for p in ("/usr/bin/setpriv", "/bin/setpriv") if os.access(p, os.X_OK)),
                                           None)


def staging_prefix(view: list[str]) -> list[str] | None:
    """For a root caller: the command prefix that lets host nobody show every path of `view` in its jail.

    A path below a directory only its owner may search (an interpreter under `/root/.pyenv`) cannot be looked up
    by nobody, so bwrap running as nobody could not bind it. The prefix is a first bwrap that stays root and makes
    only a private mount namespace: each such directory is covered by an empty tmpfs, and the view's paths below
    it are bound back, read-only, through directories anyone may search (everything else in it stays hidden);
    then `setpriv` drops to nobody and no_new_privs holds, and the jail's own bwrap runs from there with its uid
    mapped to host nobody. `[]` when every path is reachable already; None when one cannot be shown to nobody at
    all (the path itself is not searchable by others), or bwrap/setpriv are missing."""
    real: list[str] = []
    for p in sorted({os.path.realpath(p) for p in view if p and os.path.exists(p)}):
        if not any(p.startswith(q.rstrip("/") + "/") for q in real):  # a path inside another comes with it
            real.append(p)
    if not all(map(_searchable_by_others, real)):
        return None
    covers: dict[str, list[str]] = {}
    for p in real:
        b = _blocking_dir(p)
        if b is not None:
            covers.setdefault(b, []).append(p)
    if not covers:
        return []
    bwrap, setpriv = _bwrap(), _setpriv()
    if bwrap is None or setpriv is None or any(b == "/" or b.startswith(_NEVER_COVER) for b in covers):
        return None
    # a blocking directory inside another one's cover comes with it
    tops = [b for b in sorted(covers) if not any(b != t and b.startswith(t.rstrip("/") + "/") for t in covers)]
    # its own PID namespace: bwrap's monitor drops its capabilities, so the SIGKILL --die-with-parent has the
    # kernel send when the caller dies could not reach the jail's bwrap (host nobody; a root sender without
    # CAP_KILL may not signal it, and setpriv's uid change clears a death signal anyway), which then ran on,
    # program and all; the end of this namespace's init (killed with the monitor: both are root) kills every
    # process below it, the jail's included
    cmd = [bwrap, "--dev-bind", "/", "/", "--unshare-pid", "--die-with-parent"]
    for top in tops:
        cmd += ["--perms", "0755", "--tmpfs", top]
        made = {top}
        for p in sorted(q for b, ps in covers.items() if b == top or b.startswith(top + "/") for q in ps):
            parts = p[len(top):].strip("/").split("/")
            for i in range(1, len(parts)):
                d = top + "/" + "/".join(parts[:i])
                if d not in made:
                    made.add(d)
                    cmd += ["--perms", "0755", "--dir", d]
            if p not in made:
                cmd += ["--ro-bind", p, p]
    return cmd + ["--", setpriv, f"--reuid={JAIL_UID}", f"--regid={JAIL_UID}", "--clear-groups", "--"]


def jail_view(import_path: list[str], read_paths: tuple[str, ...] = (),
              binds: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """The host paths a jail with these arguments shows (for `jail_host_ids`)."""
    return _view_paths(import_path, list(read_paths)) + [os.path.realpath(src) for src, _ in binds]


def jail_host_ids(view: list[str] | None = None) -> tuple[int, int] | None:
    """(uid, gid) on the host the jail runs as: nobody when the caller is root, else None (the caller's own).

    Started by root, the jail's uid 65534 would map to host uid 0, which owns /proc/sys, the host's device nodes
    and every root-owned file of the read-only view, capabilities or not. So a root caller's jail runs as host
    nobody wherever `staging_prefix(view)` can show nobody every path of `view` (directly, or through the staging
    layer for paths under a directory like `/root`) and `jail_status()` found nobody may create the namespaces;
    elsewhere the jail keeps the caller's uid, with /proc and /dev read-only inside it."""
    if os.geteuid() != 0:
        return None
    if view is None:  # the probe's question: can nobody jail the interpreter at all?
        return (JAIL_UID, JAIL_UID) if staging_prefix(interpreter_roots()) is not None else None
    st = jail_status()
    if st.host_ids is None or staging_prefix(view) is None:
        return None
    return st.host_ids


def jail_command(argv: list[str], *, import_path: list[str], seccomp_fd: int, chdir: str = "/tmp",
                 tmp_mb: int = JAIL_TMP_MB, read_paths: tuple[str, ...] = (), env: dict[str, str] | None = None,
                 binds: tuple[tuple[str, str], ...] = (), root_mapped: bool = True) -> list[str]:
    """`argv` wrapped in bwrap: run it as uid 65534 in fresh namespaces, seeing only the read-only view
    (plus `binds`, (host path, jail path) pairs, also read-only; a `.git` inside one is hidden).

    `root_mapped`: the jail's uid maps to host root (a root caller that did not drop to nobody, see
    `jail_host_ids`); then /proc's writable and root-only parts are made read-only or masked as well (each mount
    costs bwrap start-up time, and for any other host uid the kernel's own permissions already keep them shut)."""
    bwrap = _bwrap()
    if bwrap is None:
        raise OSError("bubblewrap (bwrap) is not installed")
    cmd = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--uid", str(JAIL_UID), "--gid",
           str(JAIL_UID), "--hostname", "jail", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--clearenv", "--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys"]
    if root_mapped:
        cmd += [a for name in _PROC_READ_ONLY[1:] if os.path.isdir(f"/proc/{name}")
                for a in ("--ro-bind", f"/proc/{name}", f"/proc/{name}")]
        cmd += [a for name in _PROC_MASKED if os.path.exists(f"/proc/{name}")
                for a in ("--ro-bind", "/dev/null", f"/proc/{name}")]
    # /dev/shm gets a size cap like /tmp (bwrap's /dev tmpfs has none, and tmpfs pages escape RLIMIT_AS);
    # /tmp first: an interpreter or venv that lives under /tmp is then bound on top of the fresh tmpfs
    # instead of being hidden by it
    size = str(int(tmp_mb) * 1024 * 1024)
    cmd += ["--dev", "/dev", "--size", size, "--tmpfs", "/dev/shm", "--size", size, "--tmpfs", "/tmp"]
    # bwrap's /dev/pts is a devpts of the jail's own, but the ptys it hands out come from the host's one pool
    # (kernel.pty.max less the initial instance's reserve: 3072 by default), shared with every other jail and
    # container: one jail could take them all. The programs hardgen runs need no terminal: an empty, read-only
    # tmpfs covers it (and so /dev/ptmx, a link into it)
    cmd += ["--size", "4096", "--tmpfs", "/dev/pts", "--remount-ro", "/dev/pts"]

    def ro_bind(src: str, dst: str) -> list[str]:
        return ["--ro-bind", src, dst]

    for p in _view_paths(import_path, list(read_paths)):
        cmd += ro_bind(p, p)
    for src, dst in binds:
        src = os.path.realpath(src)
        cmd += ro_bind(src, dst)
        git = os.path.join(src, ".git")  # an editable checkout: its git config may hold credentials
        if os.path.isdir(git):
            cmd += ["--size", "4096", "--tmpfs", os.path.join(dst, ".git"), "--remount-ro", os.path.join(dst, ".git")]
        elif os.path.exists(git):
            cmd += ["--ro-bind", "/dev/null", os.path.join(dst, ".git")]
    # merged-/usr systems reach the dynamic loader through /lib64 -> usr/lib64; give the jail the same links
    for link in ("/lib", "/lib64", "/lib32"):
        if os.path.islink(link):
            cmd += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            cmd += ro_bind(link, link)
    # a read-only /dev tmpfs: no files of unbounded size next to the nodes (the remount is not recursive: the
    # nodes, /dev/pts and /dev/shm keep their own mounts; a remounted node would turn nodev and stop opening)
    cmd += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", chdir, "--seccomp", str(seccomp_fd)]
    for k, v in (env or {}).items():
        cmd += ["--setenv", k, v]
    return cmd + ["--"] + argv


@dataclass(frozen=True)
class JailStatus:
    """Whether untrusted code can be jailed here; `reason` says why not. `host_ids` is the (uid, gid) the jail is
    started as on the host (None: the caller's own); `note` says why a root caller's jail could not drop to nobody."""

    available: bool
    reason: str = ""
    bwrap: str | None = None
    host_ids: tuple[int, int] | None = None
    note: str = ""


_STATUS: JailStatus | None = None


def jail_status(refresh: bool = False) -> JailStatus:
    """Probe once per process: run the interpreter inside the jail and check it saw the jail's uid."""
    global _STATUS
    if _STATUS is not None and not refresh:
        return _STATUS
    _STATUS = _probe()
    return _STATUS


def spawn_ids(ids: tuple[int, int] | None, view: list[str] | None = None) -> tuple[list[str], dict]:
    """How to start bwrap as `ids` (None: as the caller): a command prefix (the staging layer a root caller
    needs when nobody cannot look up a path of `view` itself, see `staging_prefix`) and subprocess.Popen
    keywords (the uid switch otherwise)."""
    if ids is None:
        return [], {}
    prefix = staging_prefix(interpreter_roots() if view is None else view)
    if prefix:
        return prefix, {}
    return [], {"user": ids[0], "group": ids[1], "extra_groups": []}


def _probe() -> JailStatus:
    bwrap = _bwrap()
    if bwrap is None:
        return JailStatus(False, "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    if sys.platform != "linux":
        return JailStatus(False, f"the jail needs Linux namespaces, not {sys.platform}")
    try:
        prog = seccomp_filter()
    except OSError as e:
        return JailStatus(False, str(e), bwrap)
    ids = jail_host_ids(None)
    status = _probe_as(bwrap, prog, ids)
    if ids is None and status.available and os.geteuid() == 0:
        return JailStatus(True, "", bwrap, None, f"the interpreter ({sys.prefix}) cannot be shown to nobody; the jail "
                                                  "runs with its uid mapped to root, /proc and /dev read-only")
    if status.available or ids is None:
        return status
    # root, but nobody may not create user namespaces here (e.g. kernel.unprivileged_userns_clone=0): the jail
    # runs with its uid mapped to host root; /proc and /dev are read-only in it, but root-owned files in the
    # read-only view are readable
    fallback = _probe_as(bwrap, prog, None)
    if fallback.available:
        return JailStatus(True, "", bwrap, None, f"the jail could not start as nobody ({status.reason}); it runs "
                                                  "with its uid mapped to root, /proc and /dev read-only")
    return fallback


def _probe_as(bwrap: str, prog: bytes, ids: tuple[int, int] | None) -> JailStatus:
    r, w = os.pipe()
    try:
        os.write(w, prog)
        os.close(w)
        w = -1
        cmd = jail_command([sys.executable, "-I", "-S", "-c", "import os; print(os.getuid())"],
                           import_path=[], seccomp_fd=r, root_mapped=ids is None and os.geteuid() == 0)
        prefix, kw = spawn_ids(ids)
        res = subprocess.run(prefix + cmd, pass_fds=(r,), stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=30, **kw)
    except (OSError, subprocess.SubprocessError) as e:
        return JailStatus(False, f"bwrap could not start: {e}", bwrap)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    if res.returncode != 0 or res.stdout.strip() != str(JAIL_UID).encode():
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        why = err[-1] if err else f"exit code {res.returncode}"
        if "execvp" in why:
            return JailStatus(False, f"the interpreter {sys.executable} cannot be shown inside the jail to this "
                                     f"user ({why[:200]}); use an interpreter this user can read", bwrap)
        return JailStatus(False, f"bwrap cannot create the namespaces here ({why[:200]}); user namespaces may be "
                                 "disabled (sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces)",
                          bwrap)
    return JailStatus(True, "", bwrap, ids)


# ---- cgroups -------------------------------------------------------------------------------------------------

def mounts_of(fstype: str) -> list[tuple[str, str]]:
    """(mount point, super options) of the mounted filesystems of a type, from /proc/self/mountinfo."""
    out = []
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                parts, rparts = left.split(), right.split()
                if len(parts) >= 5 and rparts and rparts[0] == fstype:
                    out.append((parts[4], rparts[2] if len(rparts) > 2 else ""))
    except OSError:
        pass
    return out


def own_cgroups() -> dict[str, str]:
    """This process's cgroup per hierarchy: {"": v2 path, "pids": v1 pids path, ...}."""
    out: dict[str, str] = {}
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            for line in f:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                for c in ctrls.split(",") if ctrls else [""]:
                    out[c] = path
    except (OSError, ValueError):
        pass
    return out


def writable_cgroup_roots() -> dict[str, str]:
    """{"v2": dir} with pids (and memory, cpu where enabled) delegated, else {"pids": dir, "memory": dir, "cpu": dir}
    of cgroup v1 (those that are writable)."""
    own = own_cgroups()
    for mnt, _ in mounts_of("cgroup2"):
        d = os.path.join(mnt, own.get("", "/").lstrip("/"))
        try:
            with open(os.path.join(d, "cgroup.subtree_control"), encoding="utf-8") as f:
                ctrls = f.read().split()
        except OSError:
            continue
        if "pids" in ctrls and os.access(d, os.W_OK):
            return {"v2": d}
    roots = {}
    for mnt, opts in mounts_of("cgroup"):
        for ctrl in ("pids", "memory", "cpu"):
            if ctrl in opts.split(",") and ctrl not in roots:
                d = os.path.join(mnt, own.get(ctrl, "/").lstrip("/"))
                if os.path.isfile(os.path.join(d, "cgroup.procs")) and os.access(d, os.W_OK):
                    roots[ctrl] = d
    return roots


class RunCgroup:
    """Throwaway cgroup(s) holding one jailed worker: memory, pids and CPU-bandwidth caps, and a kill of every task
    at the end."""

    _counter = 0
    PREFIX = "hardgen-jail-"
    CPU_PERIOD_US = 100_000

    def __init__(self, dirs: dict[str, str]) -> None:
        self.dirs = dirs  # {"v2": path} or {"pids": path, "memory": path}

    @property
    def limits(self) -> list[str]:
        return sorted(self.dirs)

    @classmethod
    def create(cls, *, memory_mb: int | None, max_pids: int | None,
               cpus: float | None = None) -> "RunCgroup | None":
        roots = writable_cgroup_roots()
        if not roots:
            return None
        cls._counter += 1
        name = f"{cls.PREFIX}{os.getpid()}-{cls._counter}"
        made: dict[str, str] = {}
        quota = None if not cpus else max(1000, int(cpus * cls.CPU_PERIOD_US))
        # v1: memory+swap capped as well (after memory, which it may not be below), like memory.swap.max=0 on v2;
        # without it, where the host has swap, the jail's pages could go on past the cap into swap
        files = {"pids": [("pids.max", max_pids)],
                 "memory": [("memory.limit_in_bytes", memory_mb), ("memory.memsw.limit_in_bytes", memory_mb)],
                 "cpu": [("cpu.cfs_period_us", cls.CPU_PERIOD_US if quota else None), ("cpu.cfs_quota_us", quota)],
                 "v2": [("pids.max", max_pids), ("memory.max", memory_mb), ("memory.swap.max", 0),
                        ("cpu.max", None if quota is None else f"{quota} {cls.CPU_PERIOD_US}")]}
        for kind, root in roots.items():
            cls._sweep(root)
            path = os.path.join(root, name)
            try:
                os.makedirs(path, exist_ok=True)
            except OSError:
                continue
            made[kind] = path
            for fname, value in files[kind]:
                if value is None:
                    continue
                if fname.startswith("memory.") and value:
                    value = int(value) * 1024 * 1024
                try:
                    with open(os.path.join(path, fname), "w") as f:
                        f.write(str(value))
                except OSError:
                    pass  # a controller not enabled there: the rlimits still bind
        return cls(made) if made else None

    @classmethod
    def _sweep(cls, root: str) -> None:
        """Remove empty cgroups of dead hardgen processes (pool workers may exit without cleaning up)."""
        try:
            names = [n for n in os.listdir(root) if n.startswith(cls.PREFIX)]
        except OSError:
            return
        for n in names:
            try:
                os.kill(int(n[len(cls.PREFIX):].split("-")[0]), 0)
                continue
            except (ValueError, PermissionError):
                continue
            except ProcessLookupError:
                pass
            try:
                os.rmdir(os.path.join(root, n))
            except OSError:
                pass

    def add(self, pid: int) -> None:
        for path in self.dirs.values():
            try:
                with open(os.path.join(path, "cgroup.procs"), "w") as f:
                    f.write(str(pid))
            except OSError:
                pass

    def pids(self) -> list[int]:
        out: set[int] = set()
        for path in self.dirs.values():
            try:
                with open(os.path.join(path, "cgroup.procs"), encoding="utf-8") as f:
                    out.update(int(x) for x in f.read().split())
            except (OSError, ValueError):
                pass
        return sorted(out)

    def oom_killed(self) -> bool:
        """Whether the memory cap killed a task (v2 memory.events oom_kill, v1 memory.failcnt)."""
        # v1: oom_control's oom_kill (4.13+); the fail counts stay 0 when the memory+swap cap (equal to the
        # memory one) is the one that binds
        names = {"v2": ("memory.events",), "memory": ("memory.oom_control", "memory.failcnt", "memory.memsw.failcnt")}
        for kind, path in self.dirs.items():
            for fname in names.get(kind, ()):
                try:
                    with open(os.path.join(path, fname), encoding="utf-8") as f:
                        text = f.read()
                except OSError:
                    continue
                if fname in ("memory.events", "memory.oom_control"):
                    if any(ln.split()[:1] == ["oom_kill"] and ln.split()[1:2] != ["0"] for ln in text.splitlines()):
                        return True
                elif text.strip() not in ("", "0"):
                    return True
        return False

    def kill_all(self) -> None:
        v2 = self.dirs.get("v2")
        if v2 and os.path.exists(os.path.join(v2, "cgroup.kill")):
            try:
                with open(os.path.join(v2, "cgroup.kill"), "w") as f:
                    f.write("1")
                return
            except OSError:
                pass
        for _ in range(50):  # v1: no atomic kill; pids.max bounds how many can appear between rounds
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        deadline = time.monotonic() + 2.0
        for path in self.dirs.values():
            while True:  # a killed task leaves the cgroup only once reaped
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    self.kill_all()
                    time.sleep(0.02)
