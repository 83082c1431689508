"""Runs heavy checks and untrusted code in a killable, resource-limited worker process.

A `LimitedWorker` owns one persistent child Python process, started lazily on the first call and reused across
calls. Each call sends a picklable function and its arguments over a pipe and waits at most `timeout_s` (wall
clock, measured in the caller, so it works from any thread: no SIGALRM). On timeout the whole process group is
killed with SIGKILL, which also stops C-level loops that never return to the interpreter; the next call starts a
fresh worker. Memory is capped in the child with RLIMIT_AS, so a huge allocation fails there as `MemoryError`
(reported as the "memory" outcome) instead of exhausting the host; the worker is then restarted because its heap
may be fragmented or half-initialised.

>>> from hardgen.core.jail import LimitedWorker, Limits
>>> with LimitedWorker(Limits(timeout_s=2, memory_mb=512)) as w:       # doctest: +SKIP
...     w.call(pow, 2, 10)
1024

Functions are pickled by reference, so they must be importable in the child (module-level functions of installed
modules, or builtins such as `eval`); the parent's `sys.path` is handed to the child for that.

Untrusted code (programs a model wrote, EFA files a user downloaded) runs under `Limits.untrusted()`, whose
worker starts inside the kernel jail of `hardgen.core.isolation` (bubblewrap: user/PID/mount/network/IPC/UTS
namespaces, uid 65534, no capabilities, no_new_privs, seccomp, a read-only view, a private /tmp, a cgroup or
rlimits); its results come back as JSON frames only (`Outcome.value` is plain data; an exception comes back as a
built-in exception type or `ProgramError` holding bounded text). Where no jail can be made, starting such a worker
raises `JailUnavailable` unless the user trusts the programs (`trusting_programs()`, `--trust-programs`); then,
and inside the jail as a second layer, the worker stacks the in-process layers below
(`LimitedWorker.isolation()` reports which are active):

- process group + session: the child leads its own session; a kill reaches everything it spawned (kernel);
- cgroup pids limit: where a writable pids cgroup exists (v2 with the controller delegated, or v1 `pids`), the
  worker is placed in a fresh cgroup with `pids.max`, and a kill ends every task in it, even ones that called
  setsid (kernel; binds for root, unlike RLIMIT_NPROC, which root ignores);
- rlimits: address space, CPU seconds, file size, and NPROC (the last binds only for non-root users);
- a new, empty network namespace (`unshare(CLONE_NEWNET)`, or with CLONE_NEWUSER when unprivileged) where the
  kernel permits it: no interface but a down loopback, so no connection can be made (kernel);
- an audit hook (PEP 578) installed before the first call: denies creating processes (fork, exec, spawn,
  subprocess, os.system), signalling other processes, sockets, ctypes, rlimit changes, writes/renames/deletes
  outside the working directory, and reads outside the interpreter's own paths and the working directory (so
  `/proc/<parent>/environ` and the user's files stay unread). Audit hooks are a guard on Python's APIs, not a
  security boundary against deliberately crafted native code; the kernel layers above are;
- a fresh temporary working directory (removed when the worker stops) and a clean environment.
"""

from __future__ import annotations

import atexit
import errno
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

from hardgen.core.errors import HardgenError
from hardgen.core.isolation import ENV_TRUST, RunCgroup

__all__ = ["Limits", "LimitedWorker", "Outcome", "SandboxError", "WorkerTimeout", "WorkerMemoryError",
           "WorkerCrashed", "WorkerError", "SandboxViolation", "ProgramError", "JailUnavailable",
           "trusting_programs"]

_HEADER = struct.Struct("!Q")
_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits of a worker process; `None` means unlimited.

    timeout_s: wall-clock seconds per call (enforced by the parent, kills the process group).
    memory_mb: address-space cap of the worker (RLIMIT_AS), including the interpreter and its imports.
    cpu_s: CPU seconds over the worker's lifetime (RLIMIT_CPU); combine with `max_calls=1` for a per-call cap.
    file_size_mb: largest file the worker may write (RLIMIT_FSIZE).
    max_processes: processes/threads the worker's user may own (RLIMIT_NPROC; counts the whole user on Linux).
    cpus: CPU bandwidth of a jailed worker and everything it forks, in cores (a cgroup CPU quota where the cpu
        controller is writable; elsewhere only `cpu_s` and the timeout bound it).
    max_calls: restart the worker after this many calls (1 = a fresh process per call).
    clean_env: start the child with a minimal environment (PATH, LANG, HOME=workdir) instead of the parent's.
    env: extra environment variables for the child.
    workdir: the child's working directory (None = the parent's).
    network: False puts the child in a new, empty network namespace where the kernel allows it, and (with
        `confine`) denies sockets.
    confine: install the audit hook described in the module doc before running any call.
    temp_workdir: run in a fresh temporary directory, deleted when the worker stops (overrides `workdir`).
    read_paths: extra directories or files a confined child may read (its interpreter's paths, the hardgen
        package and its working directory are always readable).
    jail: "off"; "require" runs the worker in the kernel jail of `hardgen.core.isolation` (bubblewrap namespaces,
        seccomp, uid 65534, a cgroup or rlimits) and raises `JailUnavailable` where none can be made; "prefer"
        falls back to the layers above there. A jailed worker sends results back as JSON data only.
    """

    timeout_s: float | None = 10.0
    memory_mb: int | None = 2048
    cpu_s: int | None = None
    file_size_mb: int | None = None
    max_processes: int | None = None
    cpus: float | None = None
    max_calls: int | None = None
    clean_env: bool = False
    env: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    workdir: str | None = None
    network: bool = True
    confine: bool = False
    temp_workdir: bool = False
    read_paths: tuple[str, ...] = ()
    jail: str = "off"

    @classmethod
    def untrusted(cls, **overrides: Any) -> "Limits":
        """Limits for code that did not ship with hardgen: every containment layer on (see the module doc).

        The kernel jail is required unless the user trusts the programs (`trusting_programs()`), in which case
        it is still used where it works."""
        base = dict(timeout_s=10.0, memory_mb=1024, cpu_s=120, file_size_mb=16, max_processes=32, cpus=1.0,
                    clean_env=True, network=False, confine=True, temp_workdir=True,
                    jail="prefer" if trusting_programs() else "require")
        base.update(overrides)
        return cls(**base)

    def __post_init__(self) -> None:
        for name in ("timeout_s", "memory_mb", "cpu_s", "file_size_mb", "max_processes", "cpus", "max_calls"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0):
                raise ValueError(f"Limits.{name} must be a positive number or None, got {v!r}")
        if self.jail not in ("off", "prefer", "require"):
            raise ValueError(f"Limits.jail must be 'off', 'prefer' or 'require', got {self.jail!r}")
        if isinstance(self.env, dict):  # accept a dict for convenience; stored as a hashable tuple
            object.__setattr__(self, "env", tuple(sorted(self.env.items())))
        if isinstance(self.read_paths, (list, str)):
            paths = [self.read_paths] if isinstance(self.read_paths, str) else self.read_paths
            object.__setattr__(self, "read_paths", tuple(paths))


class SandboxViolation(PermissionError):
    """Raised inside a confined worker when the code attempts something the sandbox denies."""


class ProgramError(Exception):
    """An exception a jailed call raised whose type is not a built-in one: `type_name` and the message text only
    come back (the parent never rebuilds objects a program made)."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(message)
        self.type_name = type_name

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class JailUnavailable(HardgenError):
    """Untrusted code was to run in the kernel jail, but none can be set up on this machine."""


def trusting_programs() -> bool:
    """Whether the user passed `--trust-programs` (HARDGEN_TRUST_PROGRAMS=1, inherited by worker processes)."""
    return os.environ.get(ENV_TRUST, "") not in ("", "0")


class SandboxError(Exception):
    """A call did not produce a result because the worker hit a limit or died."""

    status = "error"


class WorkerTimeout(SandboxError):
    status = "timeout"


class WorkerMemoryError(SandboxError):
    status = "memory"


class WorkerCrashed(SandboxError):
    status = "crashed"


class WorkerError(SandboxError):
    """The function raised an exception in the worker that could not be sent back as itself."""

    status = "error"


@dataclass(frozen=True)
class Outcome:
    """Result of `LimitedWorker.run`: status is ok / error / timeout / memory / crashed."""

    status: str
    value: Any = None
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# The child is started with `python -I -c _BOOT`: isolated mode keeps the current directory and PYTHON*
# variables out of its import path; the parent's sys.path arrives as argv[1] so the same modules resolve.
_BOOT = ("import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
         "from hardgen.core.jail import _child_main; _child_main(json.loads(sys.argv[2]))")


# where the jail shows the hardgen package (as <root>/hardgen), whatever its path on the host
_JAIL_PKG_ROOT = "/run/hardgen"

# Workers still open at interpreter exit (e.g. cached per-program workers) are killed by `_kill_live_workers`,
# so their cgroups and temporary directories do not outlive the process; __del__ is not reliable at exit.
_LIVE: "weakref.WeakSet[LimitedWorker]" = weakref.WeakSet()


def _kill_live_workers() -> None:
    for w in list(_LIVE):
        try:
            w._kill()
        except Exception:
            pass


atexit.register(_kill_live_workers)
_FINALIZER_PID = 0


def _register_pool_exit() -> None:
    """Pool worker processes (multiprocessing) end with os._exit and skip atexit, but run multiprocessing's
    finalizers: register one there too, so their jails, cgroups and temp dirs go with them."""
    global _FINALIZER_PID
    if _FINALIZER_PID == os.getpid():
        return
    _FINALIZER_PID = os.getpid()
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:
        mp_util.Finalize(None, _kill_live_workers, exitpriority=50)


class LimitedWorker:
    """A persistent, killable worker process with resource limits; a context manager.

    `call(fn, *args, **kwargs)` returns fn's result or raises: the function's own exception (re-raised in the
    caller), `WorkerTimeout`, `WorkerMemoryError`, `WorkerCrashed`. `run(...)` returns an `Outcome` instead of
    raising. Calls are serialised by a lock, so one worker can be shared by threads.
    """

    def __init__(self, limits: Limits | None = None, **kwargs: Any) -> None:
        if limits is not None and kwargs:
            raise TypeError("pass either a Limits object or keyword limits, not both")
        self.limits = limits if limits is not None else Limits(**kwargs)
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._calls = 0
        self.restarts = 0  # how many times a worker was started after the first (kills, crashes, recycling)
        self._started_once = False
        self._tmpdir: str | None = None
        self._cgroup: RunCgroup | None = None
        self._hello: dict = {}
        self._jailed = False
        self._jail_pids: set[int] = set()
        self._jail_task_count: int | None = None
        self._count_fd: int | None = None
        self._count_cgroup: Any = None
        self._worker_pidfd: int | None = None  # a jailed worker's pidfd, to stop it between calls
        self._frozen = False
        self._jailed_at_death = self._oom_at_death = False
        self._seq = 0
        _LIVE.add(self)
        _register_pool_exit()

    # -- lifecycle -------------------------------------------------------------------------------------------
    def __enter__(self) -> "LimitedWorker":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._kill()
        except Exception:
            pass

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.alive else None

    def close(self) -> None:
        """Stop the worker (politely, then by force)."""
        with self._lock:
            proc = self._proc
            if proc is not None and proc.poll() is None:
                self._thaw()
                try:
                    proc.stdin.close()  # EOF asks the child loop to exit
                    proc.wait(timeout=1.0)
                except Exception:
                    pass
            self._kill()

    def _start(self) -> None:
        self._jailed = self._use_jail()
        if self._jailed:
            return self._start_jailed()
        import json
        import tempfile
        lim = self.limits
        workdir = lim.workdir
        if lim.temp_workdir:
            self._tmpdir = workdir = tempfile.mkdtemp(prefix="hardgen-sandbox-")
        if lim.clean_env:
            env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": workdir or "/nonexistent"}
        else:
            env = dict(os.environ)
        env.update(dict(lim.env))
        if lim.max_processes:
            self._cgroup = RunCgroup.create(memory_mb=None, max_pids=int(lim.max_processes))
        cfg = {"memory_mb": lim.memory_mb, "cpu_s": lim.cpu_s, "file_size_mb": lim.file_size_mb,
               "max_processes": lim.max_processes, "network": lim.network, "confine": lim.confine,
               "workdir": os.path.realpath(workdir or os.getcwd()), "read_paths": list(lim.read_paths),
               "package_dir": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
        path = [p for p in sys.path if p]
        # start_new_session: the child leads its own process group, so a kill reaches anything it spawned.
        # No preexec_fn (unsafe with threads); the child applies its own rlimits before running user code.
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, json.dumps(path), json.dumps(cfg)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=workdir, env=env, start_new_session=True, close_fds=True)
        if self._cgroup is not None:
            # the child runs no call before its hello, which it sends only after reading this go-ahead byte,
            # so it is inside the cgroup before any untrusted code can fork
            self._cgroup.add(self._proc.pid)
        self._go(b"\x01")

    def _use_jail(self) -> bool:
        mode = self.limits.jail
        if mode == "off":
            return False
        from hardgen.core.isolation import jail_status
        st = jail_status()
        if st.available:
            return True
        if mode == "require":
            raise JailUnavailable(f"cannot isolate untrusted programs on this machine: {st.reason}. Install "
                                  "bubblewrap where user namespaces are allowed, or pass --trust-programs "
                                  "(trust_programs=True) to run them with in-process guards only")
        return False

    def _start_jailed(self) -> None:
        """Start the worker inside the kernel jail (see `hardgen.core.isolation`)."""
        import json
        from hardgen.core.isolation import (RunCgroup, jail_command, jail_host_ids, jail_import_path, jail_view,
                                            seccomp_filter, spawn_ids)
        import hardgen
        lim = self.limits
        pkg = os.path.dirname(os.path.abspath(hardgen.__file__))  # the package, wherever this module sits in it
        # the package is shown at a fixed place first on the child's path, so an editable install (whose import
        # hook lives in a .pth file the jail does not run) resolves to exactly this copy
        path = [_JAIL_PKG_ROOT] + jail_import_path(sys.path)
        cfg = {"memory_mb": lim.memory_mb, "cpu_s": lim.cpu_s, "file_size_mb": lim.file_size_mb,
               "max_processes": lim.max_processes, "network": lim.network, "confine": lim.confine, "workdir": "/tmp",
               "read_paths": path + list(lim.read_paths), "json": True,
               "package_dir": os.path.join(_JAIL_PKG_ROOT, "hardgen")}
        env = {"PATH": "/nonexistent", "LANG": "C.UTF-8", "HOME": "/tmp", **dict(lim.env)}
        if lim.memory_mb or lim.max_processes or lim.cpus:
            # the cgroup's memory cap sits above the worker's own RLIMIT_AS so that a plain MemoryError is the
            # usual outcome, and the cgroup catches what the rlimit does not count (tmpfs pages, other processes)
            mem = None if not lim.memory_mb else int(lim.memory_mb) + 256
            self._cgroup = RunCgroup.create(memory_mb=mem, max_pids=lim.max_processes, cpus=lim.cpus)
        binds = ((pkg, os.path.join(_JAIL_PKG_ROOT, "hardgen")),)
        # as root, the jail starts as host nobody where nobody can reach its view (see jail_host_ids)
        view = jail_view(path, tuple(lim.read_paths), binds)
        ids = jail_host_ids(view)
        root_mapped = ids is None and os.geteuid() == 0
        r, w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            os.write(w, seccomp_filter())
            os.close(w)
            argv = jail_command([sys.executable, "-I", "-S", "-c", _BOOT, json.dumps(path), json.dumps(cfg)],
                                import_path=path, seccomp_fd=r, read_paths=tuple(lim.read_paths), env=env,
                                binds=binds, root_mapped=root_mapped)
            # sh waits for one line before becoming bwrap, so the parent can put it in its cgroup first and
            # everything bwrap forks is born inside it. Its stderr is a pipe nobody reads, not an open host
            # /dev/null: a program can reach bwrap's descriptors through /proc/1/fd, and a jail whose uid maps to
            # root owns that node (fchmod); the worker points its own stdout/stderr at the jail's /dev/null
            prefix, as_ids = spawn_ids(ids, view)
            self._proc = _on_lasting_thread(lambda: subprocess.Popen(
                ["/bin/sh", "-c", 'read -r _ && exec "$@"', "sh", *prefix, *argv], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=err_w, env={"PATH": "/usr/bin:/bin"},
                start_new_session=True, close_fds=True, pass_fds=(r,), cwd="/", **as_ids))
        finally:
            os.close(r)
            os.close(err_r)
            os.close(err_w)
        if self._cgroup is not None:
            self._cgroup.add(self._proc.pid)
        self._go(b"go\n\x01")
        # the jail's own processes (bwrap, its init, the worker), before any program code ran: anything else found
        # after a call is a process the program left behind
        self._jail_pids = self._jail_tasks()
        self._jail_task_count = self._task_count()
        self._worker_pidfd = _namespace_pid_fd(self._jail_pids, 2)  # bwrap's init is 1, the worker 2

    def _jail_tasks(self) -> set[int]:
        """Host pids of every process of the current jail: its cgroup's, else bwrap's descendants."""
        if self._cgroup is not None:
            return set(self._cgroup.pids())
        return _descendants(self._proc.pid) | {self._proc.pid} if self._proc is not None else set()

    def _task_count(self) -> int | None:
        """Tasks (threads included) in the jail's pids cgroup: one pread of a descriptor kept open for the
        cgroup's life, so the common case costs little."""
        cg = self._cgroup
        path = None if cg is None else (cg.dirs.get("pids") or cg.dirs.get("v2"))
        if path is None:
            return None
        try:
            if self._count_fd is None or self._count_cgroup is not cg:
                self._close_count_fd()
                self._count_fd, self._count_cgroup = os.open(os.path.join(path, "pids.current"), os.O_RDONLY), cg
            return int(os.pread(self._count_fd, 32, 0))
        except (OSError, ValueError):
            return None

    def _close_count_fd(self) -> None:
        fd, self._count_fd, self._count_cgroup = self._count_fd, None, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def _end_strays(self) -> None:
        """End the processes a call left running in the jail (a program's background burners or daemons would
        otherwise run, and burn CPU past every per-call limit, for as long as the worker is reused)."""
        count = self._task_count()
        if count is not None and self._jail_task_count is not None and count <= self._jail_task_count:
            return  # no task more than at start (a new thread would make this scan, correctly, every time)
        for _ in range(50):
            strays = self._jail_tasks() - self._jail_pids
            if not strays:
                return
            for pid in strays:
                try:  # a pidfd pins the process, so the signal cannot reach a reused pid
                    fd = os.pidfd_open(pid)
                except OSError as e:
                    if e.errno == errno.ENOSYS:  # a kernel before 5.3: by pid, right after checking it is ours
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except OSError:
                            pass
                    continue
                try:
                    if pid in self._jail_tasks():
                        signal.pidfd_send_signal(fd, signal.SIGKILL)
                        select.select([fd], [], [], 0.5)  # readable once it has exited: it runs no more
                except OSError:
                    pass
                finally:
                    os.close(fd)
            time.sleep(0.002)

    def _freeze(self) -> None:
        """Stop the jailed worker (every thread of it) until the next call: a program's background thread gets
        no CPU between calls, however long the caller takes (a GRPO step, say) to send the next one."""
        if self._worker_pidfd is not None and not self._frozen:
            try:
                signal.pidfd_send_signal(self._worker_pidfd, signal.SIGSTOP)
                self._frozen = True
            except OSError:
                pass

    def _thaw(self) -> None:
        if self._worker_pidfd is not None and self._frozen:
            try:
                signal.pidfd_send_signal(self._worker_pidfd, signal.SIGCONT)
            except OSError:
                pass
            self._frozen = False

    def _go(self, go_ahead: bytes) -> None:
        """Send the go-ahead and read the child's hello."""
        if self._started_once:
            self.restarts += 1
        self._started_once = True
        self._calls = 0
        self._seq = 0
        self._hello = {}
        try:
            self._proc.stdin.write(go_ahead)
            self._proc.stdin.flush()
            head = _read_exact(self._proc.stdout.fileno(), _HEADER.size, time.monotonic() + 60)
            if head is None or _HEADER.unpack(head)[0] > 4096:
                return
            body = _read_exact(self._proc.stdout.fileno(), _HEADER.unpack(head)[0], time.monotonic() + 60)
            if body is not None:
                hello = _json_frame(body) if self._jailed else _loads(body, self.limits.confine)
                if self._jailed:
                    hello = hello.get("value") if isinstance(hello, dict) and hello.get("seq") == 0 else None
                self._hello = hello if isinstance(hello, dict) else {}
        except (OSError, TimeoutError, ValueError, pickle.UnpicklingError):
            pass  # the first call reports the dead or hung worker

    def isolation(self) -> dict[str, Any]:
        """Which containment layers bind for the current worker (starting it if needed).

        Keys: jail (the kernel jail of `hardgen.core.isolation` holds the worker), process_group (always),
        cgroup_pids (path of the pids cgroup or None), cgroup (the jail's cgroup directories), rlimit_nproc (True
        when RLIMIT_NPROC binds: a non-root child, or any child of the jail's user namespace), netns (a new
        network namespace was entered), audit_hook, temp_workdir, clean_env, uid (the child's, as it sees it).
        """
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._kill()
                self._start()
            h = dict(self._hello)
        lim = self.limits
        cg = self._cgroup
        return {"jail": self._jailed, "process_group": True,
                "cgroup_pids": getattr(cg, "path", None) or (cg.dirs.get("pids") or cg.dirs.get("v2")
                                                             if cg is not None else None),
                "cgroup": dict(getattr(cg, "dirs", {})),
                "rlimit_nproc": bool(lim.max_processes) and (self._jailed or h.get("uid", 0) != 0),
                "netns": bool(h.get("netns")), "audit_hook": bool(h.get("confined")),
                "temp_workdir": self._tmpdir, "clean_env": lim.clean_env, "uid": h.get("uid")}

    def _kill(self) -> None:
        self._close_count_fd()
        pidfd, self._worker_pidfd, self._frozen = self._worker_pidfd, None, False
        if pidfd is not None:
            try:
                os.close(pidfd)
            except OSError:
                pass
        proc, self._proc = self._proc, None
        cgroup, self._cgroup = self._cgroup, None
        tmpdir, self._tmpdir = self._tmpdir, None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.kill()
            except Exception:
                pass
        if cgroup is not None:
            cgroup.kill_all()  # also ends tasks that left the process group with setsid
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except Exception:
                    pass
            try:
                proc.wait(timeout=5.0)
            except Exception:
                pass
        if cgroup is not None:
            cgroup.remove()
        if tmpdir is not None:
            import shutil
            shutil.rmtree(tmpdir, ignore_errors=True)

    # -- calls -----------------------------------------------------------------------------------------------
    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run `fn(*args, **kwargs)` in the worker and return its result, raising on any failure."""
        out = self.run(fn, *args, **kwargs)
        if out.status == "ok":
            return out.value
        if out.status == "raised":
            raise out.value
        raise {"timeout": WorkerTimeout, "memory": WorkerMemoryError, "crashed": WorkerCrashed}.get(
            out.status, WorkerError)(out.error)

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
        """Run `fn(*args, **kwargs)` in the worker; never raises for limits or worker failures.

        Status: "ok" (value = result), "raised" (value = the exception fn raised, when it could be sent back),
        "error" (fn's exception as text), "timeout", "memory", "crashed".
        """
        try:
            payload = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            return Outcome("error", error=f"cannot send the call to the worker: {type(e).__name__}: {e}")
        with self._lock:
            t0 = time.monotonic()
            out = self._run_locked(payload)
            return Outcome(out.status, out.value, out.error, time.monotonic() - t0)

    def _run_locked(self, payload: bytes) -> Outcome:
        lim = self.limits
        if self._proc is None or self._proc.poll() is not None:
            self._kill()
            self._start()
        proc = self._proc
        self._thaw()
        deadline = None if lim.timeout_s is None else time.monotonic() + lim.timeout_s
        try:
            proc.stdin.write(_HEADER.pack(len(payload)) + payload)
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._died(proc, "the worker exited before receiving the call")
        try:
            head = _read_exact(proc.stdout.fileno(), _HEADER.size, deadline)
            if head is None:
                return self._died(proc, "the worker exited during the call")
            size = _HEADER.unpack(head)[0]
            if (lim.confine or self._jailed) and size > MAX_CONFINED_RESULT_BYTES:
                self._kill()
                return Outcome("error", error=f"the worker sent a {size}-byte result, over the "
                                              f"{MAX_CONFINED_RESULT_BYTES}-byte limit of a confined worker")
            body = _read_exact(proc.stdout.fileno(), size, deadline)
            if body is None:
                return self._died(proc, "the worker exited while sending its result")
        except TimeoutError:
            self._kill()
            return Outcome("timeout", error=f"call exceeded {lim.timeout_s:g} s wall clock; worker killed")
        self._calls += 1
        if self._jailed:
            kind, value = self._decode_jailed(body)
            if kind == "forged":
                self._kill()
                return Outcome("error", error=value)
        else:
            try:
                kind, value = _loads(body, lim.confine)
            except Exception as e:
                self._kill()
                return Outcome("error", error=f"unreadable result from the worker: {type(e).__name__}: {e}")
        if self._jailed and self._jail_pids:
            self._end_strays()
            if kind != "memory" and (lim.max_calls is None or self._calls < lim.max_calls):
                self._freeze()
        if kind == "memory":
            self._kill()  # a MemoryError can leave the worker's heap and caches half-built: start clean
            return Outcome("memory", error=f"worker exceeded its memory limit ({lim.memory_mb} MB): {value}")
        if lim.max_calls is not None and self._calls >= lim.max_calls:
            self._kill()
        if kind == "ok":
            return Outcome("ok", value)
        if kind == "raised":
            return Outcome("raised", value, error=_one_line(f"{_type_name(value)}: {value}"))
        return Outcome("error", error=value)

    def _decode_jailed(self, body: bytes) -> tuple[str, Any]:
        """(kind, value) of a jailed worker's JSON frame; ("forged", why) for anything off the protocol."""
        self._seq += 1
        values = _json_value_bound(body)
        if values > MAX_JAILED_RESULT_VALUES:
            return "forged", (f"the worker sent a result of about {values} JSON values, over the "
                              f"{MAX_JAILED_RESULT_VALUES} a jailed worker may send; worker killed")
        frame = _json_frame(body)
        if not isinstance(frame, dict) or frame.get("seq") != self._seq or frame.get("kind") not in _FRAME_KINDS:
            return "forged", ("the worker sent a malformed or out-of-order result frame (a program writing to "
                              "the result channel?); worker killed")
        kind = frame["kind"]
        if kind == "ok":
            return "ok", frame.get("value")
        message = _one_line(frame.get("message"))
        if kind == "raised":
            return "raised", _rebuild_exception(frame.get("type"), message)
        return kind, message

    def _died(self, proc: subprocess.Popen, what: str) -> Outcome:
        try:
            code = proc.wait(timeout=5.0)
        except Exception:
            code = None
        self._jailed_at_death = self._jailed
        self._oom_at_death = bool(self._cgroup is not None and getattr(self._cgroup, "oom_killed", bool)())
        self._kill()
        lim = self.limits
        # RLIMIT_CPU ends the process with SIGXCPU/SIGKILL; an allocation failure inside C code may abort it.
        # (bwrap reports a jailed worker's death by signal N as exit code 128 + N.)
        if code is not None and code > 128 and self._jailed_at_death:
            code = -(code - 128)
        if code in (-signal.SIGXCPU,) and lim.cpu_s is not None:
            return Outcome("timeout", error=f"worker exceeded its CPU limit ({lim.cpu_s} s)")
        if self._oom_at_death:
            return Outcome("memory", error=f"{what} (killed by its cgroup's memory cap, {lim.memory_mb} MB)")
        if code in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS) and lim.memory_mb is not None:
            return Outcome("memory", error=f"{what} (signal {-code}; likely its memory limit of "
                                           f"{lim.memory_mb} MB)")
        return Outcome("crashed", error=f"{what} (exit code {code})")


#: largest result a confined worker may send back; a bigger frame is treated as a failed call
MAX_CONFINED_RESULT_BYTES = 64 * _MB


def _namespace_pid_fd(pids: set[int], ns_pid: int) -> int | None:
    """A pidfd of the process among `pids` that is `ns_pid` in the innermost PID namespace among them (the last
    NSpid field; a root caller's staging layer nests the jail's namespace in one of its own, whose pid 2 is the
    jail's bwrap)."""
    best: tuple[int, int] | None = None  # (depth, fd)
    for pid in sorted(pids):
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue
        try:  # read after opening: the pidfd then pins the process whose status was read
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
                nspid = next((ln.split()[1:] for ln in f if ln.startswith("NSpid:")), [])
            if len(nspid) > 1 and nspid[-1] == str(ns_pid) and (best is None or len(nspid) > best[0]):
                if best is not None:
                    os.close(best[1])
                best = (len(nspid), fd)
                continue
        except OSError:
            pass
        os.close(fd)
    return None if best is None else best[1]


def _descendants(root: int) -> set[int]:
    """Host pids of every descendant of `root` (from /proc/PID/task/TID/children; orphans in a PID namespace are
    re-parented to its init, itself a descendant)."""
    out: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                    kids = [int(k) for k in f.read().split()]
            except (OSError, ValueError):
                continue
            for k in kids:
                if k not in out:
                    out.add(k)
                    todo.append(k)
    return out


_SPAWNER: tuple[threading.Thread, Any, int] | None = None
_SPAWNER_LOCK = threading.Lock()


def _on_lasting_thread(start: Callable[[], Any]) -> Any:
    """Run `start` (which forks the jail) on a thread that lives as long as the process.

    bwrap's --die-with-parent is the kernel's parent-death signal, which fires when the *thread* that forked it
    exits; a worker started from a short-lived thread would otherwise die with that thread."""
    import queue
    if threading.current_thread() is threading.main_thread():
        return start()
    global _SPAWNER
    with _SPAWNER_LOCK:
        if _SPAWNER is None or _SPAWNER[2] != os.getpid() or not _SPAWNER[0].is_alive():
            jobs: Any = queue.Queue()

            def loop() -> None:
                while True:
                    fn, reply = jobs.get()
                    try:
                        reply.put((True, fn()))
                    except BaseException as e:  # noqa: BLE001 - handed back to the caller's thread
                        reply.put((False, e))

            t = threading.Thread(target=loop, name="hardgen-jail-spawner", daemon=True)
            t.start()
            _SPAWNER = (t, jobs, os.getpid())
        jobs = _SPAWNER[1]
    reply: Any = queue.Queue(maxsize=1)
    jobs.put((start, reply))
    ok, value = reply.get()
    if not ok:
        raise value
    return value


_FRAME_KINDS = ("ok", "raised", "memory", "error")
#: most JSON values (arrays, objects, and items after the first in either) a jailed worker's frame may hold: the
#: parent's cost of parsing is per value (a 64 MB frame of `[], [], ...` took 13 s and 1.3 GB to parse; see
#: bench/bench_jail_frames.py), so the byte cap alone does not bound it; real results are a few JSON strings
MAX_JAILED_RESULT_VALUES = 2_000_000


def _json_value_bound(body: bytes) -> int:
    """An upper bound on the values a JSON text holds beyond its first (brackets and commas, in strings or not)."""
    return body.count(b"[") + body.count(b"{") + body.count(b",")
#: longest error text taken from a jailed worker
MAX_MESSAGE_CHARS = 500


def _json_frame(body: bytes) -> Any:
    """A jailed worker's frame as JSON data, or None when it is not (deep nesting, huge numbers, bad UTF-8)."""
    import json
    try:
        return json.loads(body.decode("utf-8"))
    except Exception:  # noqa: BLE001 - RecursionError and ValueError alike: the frame is not ours
        return None


def _one_line(text: Any, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Worker-supplied text made safe to print: a str, one line, no control characters, bounded."""
    if not isinstance(text, str):
        return ""
    text = "".join(c if c.isprintable() else " " for c in text[: limit * 4])
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rebuild_exception(type_name: Any, message: str) -> Exception:
    """A built-in exception type of that name (or SandboxViolation) holding the message; else ProgramError."""
    import builtins
    name = type_name if isinstance(type_name, str) and type_name.isidentifier() else "Exception"
    cls = SandboxViolation if name == "SandboxViolation" else getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(message)
        except Exception:  # noqa: BLE001 - a type whose constructor wants other arguments
            pass
    return ProgramError(_one_line(name, 80), message)


def _type_name(err: Any) -> str:
    return getattr(err, "type_name", None) or type(err).__name__


class _SafeUnpickler(pickle.Unpickler):
    """Unpickles what a confined worker sends: plain data and exceptions only.

    A confined child can write any bytes to its result pipe, and a crafted pickle runs arbitrary code in the
    process that loads it; so no class is resolved except built-in exception types and `SandboxViolation`.
    """

    def find_class(self, module: str, name: str) -> Any:
        import builtins
        if module == "builtins":
            obj = getattr(builtins, name, None)
            if isinstance(obj, type) and issubclass(obj, BaseException):
                return obj
        if module == __name__ and name == "SandboxViolation":
            return SandboxViolation
        raise pickle.UnpicklingError(f"a confined worker may not send {module}.{name}")


def _loads(data: bytes, confined: bool) -> Any:
    if not confined:
        return pickle.loads(data)
    import io
    return _SafeUnpickler(io.BytesIO(data)).load()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes | None:
    """Read n bytes from fd before the deadline; None at EOF, TimeoutError when the deadline passes."""
    chunks, got = [], 0
    while got < n:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


_MAX_SIGPENDING = 256


def _set_limits(cfg: dict) -> None:
    import resource

    def cap(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        # RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL one second later; never above an inherited hard limit
        # (`ulimit -t`, a batch scheduler's), which an unprivileged (jailed) worker cannot raise
        top = value + 1 if which == resource.RLIMIT_CPU else value
        if hard != resource.RLIM_INFINITY:
            top = min(top, hard)
        resource.setrlimit(which, (value, top))

    if cfg.get("memory_mb"):
        cap(resource.RLIMIT_AS, int(cfg["memory_mb"]) * _MB)
    if cfg.get("cpu_s"):
        cap(resource.RLIMIT_CPU, int(cfg["cpu_s"]))
    if cfg.get("file_size_mb"):
        cap(resource.RLIMIT_FSIZE, int(cfg["file_size_mb"]) * _MB)
    if cfg.get("max_processes"):
        cap(resource.RLIMIT_NPROC, int(cfg["max_processes"]))
    # queued signals are counted per host uid as well as per user namespace: a jail may queue at most this many,
    # so one cannot fill the pool (RLIMIT_SIGPENDING of the jail's creator, ~96 k) its host uid shares with every
    # other jail (all host nobody for a root caller) and the host's own processes of that uid
    cap(resource.RLIMIT_SIGPENDING, _MAX_SIGPENDING)


# ---- network namespace ------------------------------------------------------------------------------------------

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def _enter_empty_netns() -> bool:
    """Move this (single-threaded) process into a new network namespace; False where the kernel refuses."""
    flags_tried = (_CLONE_NEWNET, _CLONE_NEWNET | _CLONE_NEWUSER)  # the second works unprivileged with userns
    if hasattr(os, "unshare"):  # Python 3.12+
        for flags in flags_tried:
            try:
                os.unshare(flags)
                return True
            except OSError:
                continue
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return any(libc.unshare(flags) == 0 for flags in flags_tried)
    except Exception:
        return False


_PROCESS_EVENTS = frozenset({
    "os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
    "os.kill", "os.killpg", "pty.spawn", "os.startfile", "resource.setrlimit", "resource.prlimit",
    "sys.addaudithook", "os.setuid", "os.setgid",
})
_SOCKET_EVENTS = frozenset({
    "socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyaddr", "socket.sethostname",
})
_PATH_WRITE_EVENTS = frozenset({
    "os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink", "os.truncate",
    "os.utime", "os.chflags", "os.lchflags", "os.setxattr", "os.removexattr", "os.mkfifo", "os.mknod",
    "shutil.rmtree", "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move",
    "shutil.chown", "shutil.make_archive", "shutil.unpack_archive",
})
_PATH_READ_EVENTS = frozenset({"os.listdir", "os.scandir", "glob.glob", "glob.glob/2"})
_DENIED_IMPORTS = frozenset({"_posixsubprocess"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _install_audit_hook(workdir: str, read_roots: list[str], network: bool) -> None:
    """Deny process creation, sockets (unless network), ctypes, and file access outside the allowed roots."""
    realpath, fsdecode, join, getpid = os.path.realpath, os.fsdecode, os.path.join, os.getpid
    work = realpath(workdir)
    write_roots = (work, "/dev/null")
    reads = tuple(sorted({realpath(p) for p in read_roots if p} | {work, "/dev/null", "/dev/urandom",
                                                                   "/dev/zero", f"/proc/{getpid()}"}))
    deny_process, deny_socket = _PROCESS_EVENTS, (frozenset() if network else _SOCKET_EVENTS)
    deny_write, deny_read, deny_import = _PATH_WRITE_EVENTS, _PATH_READ_EVENTS, _DENIED_IMPORTS
    violation = SandboxViolation

    def inside(path: Any, roots: tuple[str, ...]) -> bool:
        if isinstance(path, int):
            return True  # an already-open descriptor: its opening was checked
        try:
            p = realpath(join(work, fsdecode(path)))
        except Exception:
            return False
        return any(p == r or p.startswith(r.rstrip("/") + "/") for r in roots)

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS)
            if path is None:
                return
            if writing and not inside(path, write_roots):
                raise violation(f"sandbox: writing {fsdecode(path)!r} outside the working directory is denied")
            if not writing and not inside(path, reads):
                raise violation(f"sandbox: reading {fsdecode(path)!r} is denied")
        elif event in deny_process:
            raise violation(f"sandbox: {event} is denied (no new processes, signals or limit changes)")
        elif event in deny_socket:
            raise violation(f"sandbox: {event} is denied (no network)")
        elif event == "import":
            if args and args[0] in deny_import:
                raise ImportError(f"sandbox: importing {args[0]} is denied")
        elif event.startswith("ctypes."):
            raise violation(f"sandbox: {event} is denied")
        elif event in deny_write:
            for p in args[:2]:
                if isinstance(p, (str, bytes, os.PathLike)) and not inside(p, write_roots):
                    raise violation(f"sandbox: {event} on {fsdecode(p)!r} outside the working directory is denied")
        elif event == "os.rename":
            for p in args[:2]:
                if not inside(p, write_roots):
                    raise violation(f"sandbox: renaming {fsdecode(p)!r} outside the working directory is denied")
        elif event == "os.chdir":
            if not inside(args[0], write_roots):
                raise violation("sandbox: leaving the working directory is denied")
        elif event in deny_read:
            if args and isinstance(args[0], (str, bytes, os.PathLike)) and not inside(args[0], reads):
                raise violation(f"sandbox: listing {fsdecode(args[0])!r} is denied")

    sys.addaudithook(hook)


def _confine(cfg: dict) -> None:
    """Close the routes around the audit hook, then install it: after this no call can open them again."""
    sys.dont_write_bytecode = True  # imports would otherwise write __pycache__ outside the working directory
    sub = sys.modules.get("subprocess")
    if sub is not None:  # subprocess keeps a reference that would bypass the import denial
        sub._posixsubprocess = None  # type: ignore[attr-defined]
    sys.modules.pop("_posixsubprocess", None)
    try:  # libraries (sympy) import ctypes, which opens the interpreter's own symbols at import time; after the
        import ctypes  # noqa: F401  hook every ctypes event (loading a library, looking up a symbol) is denied
    except Exception:
        pass
    roots = [p for p in sys.path if p] + [sys.prefix, sys.base_prefix, sys.exec_prefix, cfg["package_dir"],
                                          "/usr/share/zoneinfo", "/etc/localtime"] + list(cfg.get("read_paths", []))
    _install_audit_hook(cfg["workdir"], [p for p in roots if os.path.exists(p)], bool(cfg.get("network", True)))


def _child_main(cfg: dict) -> None:
    """The worker loop: read a call, run it, write (kind, value); exits at EOF on stdin."""
    # The protocol owns the original stdin/stdout; the called code sees /dev/null and prints to stderr
    # (discarded), so it can neither read calls meant for the loop nor write fake results by printing.
    proto_out = os.dup(1)
    proto_in_fd = os.dup(0)
    if cfg.get("json"):  # jailed: stderr is a pipe nobody reads; output goes to the jail's own /dev/null
        null_w = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null_w, 2)
        os.close(null_w)
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull, encoding="utf-8")
    proto_in = os.fdopen(proto_in_fd, "rb")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the parent's terminal must not kill calls
    if proto_in.read(1) != b"\x01":  # the parent's go-ahead: we are in our cgroup by now
        return
    jailed = bool(cfg.get("json"))
    netns = jailed or (False if cfg.get("network", True) else _enter_empty_netns())
    _set_limits(cfg)
    if cfg.get("confine"):
        _confine(cfg)
    hello = {"netns": netns, "confined": bool(cfg.get("confine")), "uid": os.geteuid(), "pid": os.getpid(),
             "jailed": jailed}
    encode = _encode_json if jailed else _encode_pickle
    seq = 0
    _write_all(proto_out, _frame(encode(hello, 0) if jailed else pickle.dumps(hello)))
    while True:
        head = proto_in.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return
        body = proto_in.read(_HEADER.unpack(head)[0])
        seq += 1
        try:
            fn, args, kwargs = pickle.loads(body)
            result: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except MemoryError as e:
            result = ("memory", f"MemoryError: {e}")
        except BaseException as e:  # noqa: BLE001 - everything the call raises is reported, the loop goes on
            result = ("raised", e)
        if result[0] == "raised" and (jailed or cfg.get("confine")):
            # an untrusted exception goes back as its type name and bounded text, never as an object: the
            # parent must not run repr/str on something the program built (it may be exponential)
            result = ("raised_text", _exception_text(result[1]))
        try:
            data = encode(result, seq)
        except MemoryError as e:
            data = encode(("memory", f"MemoryError: {e}"), seq)
        except RecursionError as e:
            data = encode(("error", f"the result is nested too deeply ({e})"), seq)
        except Exception as e:
            data = encode(("error", f"{type(e).__name__}: {e} (from {result[0]!r} result)"), seq)
        _write_all(proto_out, _frame(data))


def _exception_text(e: BaseException) -> tuple[str, str]:
    try:
        name = str(type(e).__name__)[:80]
    except Exception:  # noqa: BLE001
        name = "Exception"
    try:
        msg = str(e)[:MAX_MESSAGE_CHARS * 4]
    except BaseException:  # noqa: BLE001 - a __str__ that raises
        msg = "(the exception's text could not be made)"
    return name, msg


def _encode_json(result: Any, seq: int) -> bytes:
    import json
    if seq == 0:
        return json.dumps({"seq": 0, "kind": "ok", "value": result}).encode()
    kind, value = result
    if kind == "raised_text":
        frame = {"seq": seq, "kind": "raised", "type": value[0], "message": value[1]}
    elif kind == "ok":
        try:
            frame = {"seq": seq, "kind": "ok", "value": value}
            return json.dumps(frame, allow_nan=False).encode()
        except (TypeError, ValueError) as e:
            frame = {"seq": seq, "kind": "error", "message": f"the result is not JSON data ({e})"[:2000]}
    else:
        frame = {"seq": seq, "kind": kind, "message": str(value)[:2000]}
    return json.dumps(frame).encode()


def _encode_pickle(result: tuple[str, Any], seq: int) -> bytes:
    if result[0] == "raised_text":
        result = ("raised", _rebuild_exception(*result[1]))
    data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        if result[0] == "raised":
            pickle.loads(data)  # an exception whose class cannot be rebuilt is sent as text
    except Exception:
        data = pickle.dumps(("error", f"{type(result[1]).__name__}: {result[1]}"))
    return data


def _frame(data: bytes) -> bytes:
    return _HEADER.pack(len(data)) + data


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
