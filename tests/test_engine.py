"""The local engine: ordered results, identical for any worker count, bounded in-flight work."""

import os
import time

import hardgen.core.engine as engine
from hardgen.core.engine import map_ordered, pool_size


def _square(x):
    return x * x


def _pid_after_nap(x):
    time.sleep(0.02)
    return os.getpid()


def test_map_ordered_same_results_any_workers():
    assert list(map_ordered(_square, range(50), workers=1)) == list(map_ordered(_square, range(50), workers=2))


def test_map_ordered_consumes_input_lazily():
    pulled = []

    def tasks():
        for i in range(1000):
            pulled.append(i)
            yield i

    it = map_ordered(_square, tasks(), workers=2, window=4)
    assert next(it) == 0
    assert len(pulled) <= 5  # a bounded window, not the whole input
    assert sum(1 for _ in it) == 999


def test_a_tiny_run_starts_no_pool_even_when_workers_are_asked_for():
    assert set(map_ordered(_pid_after_nap, range(6), workers=4, size_pool=True)) == {os.getpid()}


def test_work_that_repays_worker_start_up_runs_in_a_pool(monkeypatch):
    monkeypatch.setattr(engine, "POOL_START_S", 0.001)  # as if workers started for free
    monkeypatch.setattr(engine, "default_workers", lambda: 2)  # a pool needs two cores; say we have them
    pids = list(map_ordered(_pid_after_nap, range(12), workers=2, size_pool=True))
    assert pids[:2] == [os.getpid()] * 2  # the first tasks run here and are timed
    assert set(pids[2:]) - {os.getpid()}


def test_pool_size_follows_the_work_and_the_cores(monkeypatch):
    monkeypatch.setattr(engine, "default_workers", lambda: 16)
    assert pool_size(0.001, 50, 8) == 1
    assert pool_size(3.0, 2, 8) == 2
    assert pool_size(3.0, 100, 8) == 8
    assert pool_size(0.5, 100, 8) == 8 and pool_size(0.05, 100, 8) == 2
    monkeypatch.setattr(engine, "default_workers", lambda: 2)
    assert pool_size(3.0, 100, 8) == 2


def test_without_size_pool_the_pool_starts_at_once():
    # stages whose tasks load models must not load one here as well: the first task already runs in a worker
    assert os.getpid() not in set(map_ordered(_pid_after_nap, range(4), workers=2))
