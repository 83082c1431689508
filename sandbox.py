"""Runs heavy checks and untrusted code in a killable, resource-limited worker process.

A `LimitedWorker` owns one persistent child Python process, started lazily on the first call and reused across
calls. Each call sends a picklable function and its arguments over a pipe and waits at most `timeout_s` (wall
clock, measured in the caller, so it works from any thread: no SIGALRM). On timeout the whole process group is
killed with SIGKILL, which also stops C-level loops that never return to the interpreter; the next call starts a
fresh worker. Memory is capped in the child with RLIMIT_AS, so a huge allocation fails there as `MemoryError`
(reported as the "memory" outcome) instead of exhausting the host; the worker is then restarted because its heap
may be fragmented or half-initialised.

>>> from hardgen.sandbox import LimitedWorker, Limits
>>> with LimitedWorker(Limits(timeout_s=2, memory_mb=512)) as w:       # doctest: +SKIP
...     w.call(pow, 2, 10)
1024

Functions are pickled by reference, so they must be importable in the child (module-level functions of installed
modules, or builtins such as `eval`); the parent's `sys.path` is handed to the child for that.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Limits", "LimitedWorker", "Outcome", "SandboxError", "WorkerTimeout", "WorkerMemoryError",
           "WorkerCrashed", "WorkerError"]

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
    max_calls: restart the worker after this many calls (1 = a fresh process per call).
    clean_env: start the child with a minimal environment (PATH, LANG, HOME=workdir) instead of the parent's.
    env: extra environment variables for the child.
    workdir: the child's working directory (None = the parent's).
    """

    timeout_s: float | None = 10.0
    memory_mb: int | None = 2048
    cpu_s: int | None = None
    file_size_mb: int | None = None
    max_processes: int | None = None
    max_calls: int | None = None
    clean_env: bool = False
    env: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    workdir: str | None = None

    def __post_init__(self) -> None:
        for name in ("timeout_s", "memory_mb", "cpu_s", "file_size_mb", "max_processes", "max_calls"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0):
                raise ValueError(f"Limits.{name} must be a positive number or None, got {v!r}")
        if isinstance(self.env, dict):  # accept a dict for convenience; stored as a hashable tuple
            object.__setattr__(self, "env", tuple(sorted(self.env.items())))


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
         "from hardgen.sandbox import _child_main; _child_main(json.loads(sys.argv[2]))")


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
                try:
                    proc.stdin.close()  # EOF asks the child loop to exit
                    proc.wait(timeout=1.0)
                except Exception:
                    pass
            self._kill()

    def _start(self) -> None:
        lim = self.limits
        if lim.clean_env:
            env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": lim.workdir or "/nonexistent"}
        else:
            env = dict(os.environ)
        env.update(dict(lim.env))
        import json
        cfg = {"memory_mb": lim.memory_mb, "cpu_s": lim.cpu_s, "file_size_mb": lim.file_size_mb,
               "max_processes": lim.max_processes}
        path = [p for p in sys.path if p]
        # start_new_session: the child leads its own process group, so a kill reaches anything it spawned.
        # No preexec_fn (unsafe with threads); the child applies its own rlimits before running user code.
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, json.dumps(path), json.dumps(cfg)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=lim.workdir, env=env, start_new_session=True, close_fds=True)
        if self._started_once:
            self.restarts += 1
        self._started_once = True
        self._calls = 0

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.kill()
        except Exception:
            pass
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except Exception:
                pass
        try:
            proc.wait(timeout=5.0)
        except Exception:
            pass

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
            body = _read_exact(proc.stdout.fileno(), _HEADER.unpack(head)[0], deadline)
            if body is None:
                return self._died(proc, "the worker exited while sending its result")
        except TimeoutError:
            self._kill()
            return Outcome("timeout", error=f"call exceeded {lim.timeout_s:g} s wall clock; worker killed")
        self._calls += 1
        try:
            kind, value = pickle.loads(body)
        except Exception as e:
            self._kill()
            return Outcome("error", error=f"unreadable result from the worker: {type(e).__name__}: {e}")
        if kind == "memory":
            self._kill()  # a MemoryError can leave the worker's heap and caches half-built: start clean
            return Outcome("memory", error=f"worker exceeded its memory limit ({lim.memory_mb} MB): {value}")
        if lim.max_calls is not None and self._calls >= lim.max_calls:
            self._kill()
        if kind == "ok":
            return Outcome("ok", value)
        if kind == "raised":
            return Outcome("raised", value, error=repr(value))
        return Outcome("error", error=value)

    def _died(self, proc: subprocess.Popen, what: str) -> Outcome:
        try:
            code = proc.wait(timeout=5.0)
        except Exception:
            code = None
        self._kill()
        lim = self.limits
        # RLIMIT_CPU ends the process with SIGXCPU/SIGKILL; an allocation failure inside C code may abort it.
        if code in (-signal.SIGXCPU,) and lim.cpu_s is not None:
            return Outcome("timeout", error=f"worker exceeded its CPU limit ({lim.cpu_s} s)")
        if code in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS) and lim.memory_mb is not None:
            return Outcome("memory", error=f"{what} (signal {-code}; likely its memory limit of "
                                           f"{lim.memory_mb} MB)")
        return Outcome("crashed", error=f"{what} (exit code {code})")


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


def _set_limits(cfg: dict) -> None:
    import resource

    def cap(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value if which != resource.RLIMIT_CPU else value + 1))

    if cfg.get("memory_mb"):
        cap(resource.RLIMIT_AS, int(cfg["memory_mb"]) * _MB)
    if cfg.get("cpu_s"):
        cap(resource.RLIMIT_CPU, int(cfg["cpu_s"]))
    if cfg.get("file_size_mb"):
        cap(resource.RLIMIT_FSIZE, int(cfg["file_size_mb"]) * _MB)
    if cfg.get("max_processes"):
        cap(resource.RLIMIT_NPROC, int(cfg["max_processes"]))


def _child_main(cfg: dict) -> None:
    """The worker loop: read a call, run it, write (kind, value); exits at EOF on stdin."""
    # The protocol owns the original stdout; whatever the called code prints goes to stderr (discarded).
    proto_out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    proto_in = sys.stdin.buffer
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the parent's terminal must not kill calls
    _set_limits(cfg)
    while True:
        head = proto_in.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return
        body = proto_in.read(_HEADER.unpack(head)[0])
        try:
            fn, args, kwargs = pickle.loads(body)
            result: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except MemoryError as e:
            result = ("memory", f"MemoryError: {e}")
        except BaseException as e:  # noqa: BLE001 - everything the call raises is reported, the loop goes on
            result = ("raised", e)
        try:
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError as e:
            data = pickle.dumps(("memory", f"MemoryError: {e}"))
        except Exception as e:
            data = pickle.dumps(("error", f"{type(e).__name__}: {e} (from {result[0]!r} result)"))
        try:
            if result[0] == "raised":
                pickle.loads(data)  # an exception whose class cannot be rebuilt is sent as text
        except Exception:
            data = pickle.dumps(("error", f"{type(result[1]).__name__}: {result[1]}"))
        _write_all(proto_out, _HEADER.pack(len(data)) + data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
