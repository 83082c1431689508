"""The killable, resource-limited worker: timeouts, memory caps, restarts, calls from threads."""

import threading
import time

import pytest

from hardgen.core.jail import LimitedWorker, Limits, WorkerMemoryError, WorkerTimeout


def test_result_and_exception_come_back():
    with LimitedWorker(Limits(timeout_s=5, memory_mb=512)) as w:
        assert w.call(pow, 2, 100) == 2 ** 100
        with pytest.raises(ZeroDivisionError):
            w.call(eval, "1/0")
        assert w.call(pow, 3, 2) == 9  # an exception in the function leaves the worker usable


def test_infinite_loop_killed_within_timeout_and_worker_restarts():
    with LimitedWorker(timeout_s=1.0, memory_mb=512) as w:
        pid = (w.call(pow, 1, 1), w.pid)[1]
        t0 = time.monotonic()
        out = w.run(exec, "while True: pass")
        assert out.status == "timeout"
        assert time.monotonic() - t0 < 30  # killed, not left running
        assert not w.alive
        assert w.call(pow, 2, 5) == 32
        assert w.pid != pid and w.restarts == 1


def test_huge_allocation_is_memory():
    with LimitedWorker(timeout_s=10, memory_mb=400) as w:
        with pytest.raises(WorkerMemoryError):
            w.call(eval, "bytearray(4 * 1024 ** 3)")
        assert w.call(len, "abc") == 3


def test_call_from_non_main_thread_times_out():
    results = []
    with LimitedWorker(timeout_s=0.5, memory_mb=512) as w:
        def job():
            try:
                w.call(exec, "import time; time.sleep(30)")
            except WorkerTimeout as e:
                results.append(e)
            results.append(w.call(abs, -4))
        th = threading.Thread(target=job)
        th.start()
        th.join(10)
        assert isinstance(results[0], WorkerTimeout) and results[1] == 4


def test_limits_validation_and_clean_env():
    with pytest.raises(ValueError):
        Limits(timeout_s=-1)
    lim = Limits(timeout_s=5, memory_mb=512, clean_env=True, env={"HG_MARK": "1"})
    with LimitedWorker(lim) as w:
        env = w.call(eval, "dict(__import__('os').environ)")
    assert env.get("HG_MARK") == "1" and "PYTHONPATH" not in env and len(env) <= 5


def test_max_calls_recycles_worker():
    with LimitedWorker(Limits(timeout_s=5, memory_mb=512, max_calls=1)) as w:
        p1 = w.call(eval, "__import__('os').getpid()")
        p2 = w.call(eval, "__import__('os').getpid()")
    assert p1 != p2
