"""Runs stage work over shards: in-process, or a local process pool with bounded, ordered streaming."""

from __future__ import annotations

import time
from collections import deque
from itertools import chain
from typing import Any, Callable, Iterable, Iterator

from hardgen.core.errors import HardgenError
from hardgen.core.workers import default_workers, resolve_workers

__all__ = ["map_ordered", "default_workers", "resolve_workers", "ENGINES"]

ENGINES = ("local", "ray")


def map_ordered(fn: Callable[[Any], Any], tasks: Iterable[Any], workers: int | None = None,
                window: int | None = None, engine: str = "local", size_pool: bool = False) -> Iterator[Any]:
    """Apply `fn` to each task and yield results in task order.

    With one worker this runs in-process. With more and `size_pool`, the first tasks run in-process and are
    timed, and a pool starts only with as many workers as the remaining work repays (`pool_size`): a tiny run
    starts none. (Stages whose tasks load models leave `size_pool` off, so no model is loaded in this process
    as well as in every worker.) The pool runs at most `window` tasks at a time
    (default 2 × workers), so memory stays flat however many tasks there are — unlike `Pool.imap`, which
    consumes its whole input eagerly. `fn` and the tasks must be picklable (top-level functions).
    Results are identical for any number of workers. `engine="ray"` runs the same tasks on Ray (a local instance,
    or the cluster at RAY_ADDRESS) with the same contract and the same results.
    """
    if engine == "ray":
        from hardgen.core.engine_ray import map_ordered_ray

        yield from map_ordered_ray(fn, tasks, workers, window)
        return
    if engine != "local":
        raise HardgenError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    workers = resolve_workers(workers)
    if workers == 1:
        for t in tasks:
            yield fn(t)
        return
    if not size_pool:
        yield from _pooled(fn, tasks, workers, window)
        return
    it = iter(tasks)
    # the first two tasks run here and the second (past one-time imports) is timed, so a run too small to repay
    # starting worker processes (each imports the package anew) never starts them; results are the same
    first = next(it, _END)
    if first is _END:
        return
    yield fn(first)
    second = next(it, _END)
    if second is _END:
        return
    t0 = time.perf_counter()
    yield fn(second)
    per_task = time.perf_counter() - t0
    ahead: list[Any] = []
    for t in it:
        ahead.append(t)
        if len(ahead) >= LOOKAHEAD_PER_WORKER * workers:
            break
    workers = pool_size(per_task, len(ahead), workers)
    rest = chain(ahead, it)
    if workers <= 1:
        for t in rest:
            yield fn(t)
        return
    yield from _pooled(fn, rest, workers, window)


#: seconds a worker process costs to start (forkserver, the package's imports) on a small machine; measured
#: by bench/bench_workers.py, generous so that a pool starts only where it clearly pays
POOL_START_S = 1.0
#: tasks read ahead to size the pool; past this many the run counts as large
LOOKAHEAD_PER_WORKER = 4
_END = object()


def pool_size(per_task_s: float, remaining: int, workers: int) -> int:
    """Worker processes worth starting for `remaining` tasks of about `per_task_s` each, at most `workers` and
    the cores this process may use: each must get at least 2 × POOL_START_S of work, else the run stays
    in-process (1).

    >>> pool_size(0.01, 3, 8)
    1
    """
    work = per_task_s * remaining
    # more processes than cores never speeds up CPU-bound rows; it only adds start-up and contention
    return max(1, min(workers, default_workers(), remaining, int(work // (2 * POOL_START_S))))


def _pooled(fn: Callable[[Any], Any], tasks: Iterable[Any], workers: int, window: int | None) -> Iterator[Any]:
    window = window or 2 * workers
    # forkserver: workers never inherit the parent's threads (progress bars, HTTP clients) mid-lock
    import multiprocessing as mp  # here, not at the top: a run too small for a pool never pays their import
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("forkserver") if "forkserver" in mp.get_all_start_methods() else mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: deque = deque()
        it = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                try:
                    pending.append(pool.submit(fn, next(it)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            yield pending.popleft().result()
