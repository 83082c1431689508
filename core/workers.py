"""How many worker processes a stage uses: the cores this process may use, or what the user asked for."""

from __future__ import annotations

import os

from hardgen.core.errors import HardgenError


def default_workers() -> int:
    """Workers when the user names none: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if workers < 1:
        raise HardgenError(f"--workers must be at least 1, got {workers}")
    return workers
