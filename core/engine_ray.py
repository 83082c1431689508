"""Runs stage work as Ray tasks, on a local Ray instance or a cluster, with the contract of `engine.map_ordered`.

`map_ordered_ray(fn, tasks, workers)` yields `fn(task)` for each task in task order, with at most `window` tasks
in flight (default 2 × workers), so memory stays flat however many tasks there are; results are the same rows
the local engine gives for the same inputs, because each task is a pure function of its inputs and the order of
results is the order of tasks, not the order in which Ray finishes them.

Where Ray runs:
  * `address=` (or the `RAY_ADDRESS` environment variable, as Ray itself reads it) connects to a running cluster
    (`ray start --head` prints the address, e.g. "ray://head:10001" or "10.0.0.5:6379"); the cluster's Python
    environment must have hardgen installed, since `fn` is shipped by reference;
  * otherwise a local instance is started once per process with `workers` CPUs and no dashboard, and reused by
    later calls (starting Ray costs seconds); `shutdown_ray()` stops it.

>>> from hardgen.core.engine_ray import map_ordered_ray        # doctest: +SKIP
>>> list(map_ordered_ray(abs, [-1, -2, 3], workers=2))      # doctest: +SKIP
[1, 2, 3]

Ray is optional (`pip install "hardgen[ray]"`); without it these functions raise a `HardgenError` saying so.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from typing import Any, Callable, Iterable, Iterator

from hardgen.core.workers import resolve_workers
from hardgen.core.errors import HardgenError

__all__ = ["map_ordered_ray", "ensure_ray", "shutdown_ray", "ray_available"]

_LOCK = threading.Lock()
#: the remote wrapper, built once per process after `import ray` (ray.remote needs an imported ray)
_REMOTE: Any = None
#: True when this module called ray.init (so `shutdown_ray` may stop it; an instance the caller started is theirs)
_INIT_HERE = False


def ray_available() -> bool:
    """Whether Ray can be imported here."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def _import_ray():
    try:
        import ray
    except ImportError:
        raise HardgenError('the Ray engine needs Ray: pip install "ray[data]" (or "hardgen[ray]"), '
                           "or use the local engine") from None
    return ray


def _apply(fn: Callable[[Any], Any], task: Any) -> Any:
    """Body of every Ray task: one call of the stage's function on one task."""
    return fn(task)


def ensure_ray(workers: int | None = None, address: str | None = None) -> Any:
    """Connect to Ray once per process and return the `ray` module.

    `address` (else `RAY_ADDRESS`) joins a running cluster; without either, a local instance with `workers`
    CPUs (default: this machine's usable cores) is started without the dashboard. An instance already
    initialised in this process (by the caller or an earlier call) is reused as it is.
    """
    global _REMOTE, _INIT_HERE
    ray = _import_ray()
    with _LOCK:
        if not ray.is_initialized():
            address = address or os.environ.get("RAY_ADDRESS") or None
            kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False,
                                      "ignore_reinit_error": True}
            try:
                if address:
                    ray.init(address=address, **kwargs)
                else:
                    ray.init(num_cpus=resolve_workers(workers), include_dashboard=False, **kwargs)
            except HardgenError:
                raise
            except Exception as e:  # Ray raises ConnectionError, RuntimeError, ValueError... for a bad address
                where = f"the Ray cluster at {address!r}" if address else "a local Ray instance"
                raise HardgenError(f"cannot start or reach {where}: {type(e).__name__}: {e}") from None
            _INIT_HERE = True
        if _REMOTE is None:
            # max_retries=0: a task that dies (worker OOM-killed) fails the stage instead of silently rerunning
            # a non-idempotent call; the stage itself is resumable shard by shard
            _REMOTE = ray.remote(max_retries=0)(_apply)
    return ray


def shutdown_ray() -> None:
    """Stop the local Ray instance `ensure_ray` started, or close its cluster connection; an instance the caller
    initialised itself is left running."""
    global _REMOTE, _INIT_HERE
    if not ray_available():
        return
    import ray

    with _LOCK:
        if _INIT_HERE and ray.is_initialized():
            ray.shutdown()
        _REMOTE = None
        _INIT_HERE = False


def map_ordered_ray(fn: Callable[[Any], Any], tasks: Iterable[Any], workers: int | None = None,
                    window: int | None = None, address: str | None = None) -> Iterator[Any]:
    """Apply `fn` to each task as a Ray task and yield the results in task order.

    At most `window` tasks (default 2 × workers; on a cluster, 2 × its CPUs when `workers` is None) are
    submitted and not yet consumed, so a long stream of tasks never piles up in the object store. `fn` and the
    tasks must be picklable and importable where Ray runs them (top-level functions of installed modules).
    A task's exception is raised here as itself (a `HardgenError` stays a `HardgenError`); the tasks not yet
    consumed are cancelled when the caller stops early or a task fails.
    """
    if workers is not None:
        workers = resolve_workers(workers)
    if window is not None and window < 1:
        raise HardgenError(f"window must be at least 1, got {window}")
    ray = ensure_ray(workers, address)
    if window is None:
        cpus = workers or int(ray.cluster_resources().get("CPU", 1)) or 1
        window = 2 * cpus
    fn_ref = ray.put(fn)  # shipped once, not once per task
    pending: deque = deque()
    it = iter(tasks)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < window:
                try:
                    task = next(it)
                except StopIteration:
                    exhausted = True
                    break
                pending.append(_REMOTE.remote(fn_ref, task))
            if not pending:
                return
            ref = pending.popleft()
            try:
                result = ray.get(ref)
            except ray.exceptions.RayTaskError as e:
                cause = getattr(e, "cause", None)
                if isinstance(cause, BaseException):
                    raise cause from None
                raise
            del ref  # drop the reference so the object store frees the result
            yield result
    finally:
        for ref in pending:
            try:
                ray.cancel(ref)
            except Exception:  # already finished or the instance is gone; nothing left to free
                pass
