"""Runs stage work over shards: in-process, or a local process pool with bounded, ordered streaming."""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator

from hardgen.core.errors import HardgenError
from hardgen.core.workers import default_workers, resolve_workers

__all__ = ["map_ordered", "default_workers", "resolve_workers", "ENGINES"]

ENGINES = ("local", "ray")


def map_ordered(fn: Callable[[Any], Any], tasks: Iterable[Any], workers: int | None = None,
                window: int | None = None, engine: str = "local") -> Iterator[Any]:
    """Apply `fn` to each task and yield results in task order.

    With one worker this runs in-process. With more, a process pool runs at most `window` tasks at a time
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
    window = window or 2 * workers
    # forkserver: workers never inherit the parent's threads (progress bars, HTTP clients) mid-lock
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
