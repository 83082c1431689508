"""The Ray engine keeps the local engine's contract: results in task order, bounded in-flight tasks, the same rows
(byte for byte) for the same seed, and task errors raised as themselves."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from hardgen.core.engine import map_ordered  # noqa: E402
from hardgen.core.engine_ray import ensure_ray, map_ordered_ray, shutdown_ray  # noqa: E402
from hardgen.core.errors import HardgenError  # noqa: E402
from hardgen.generators.base import get_family  # noqa: E402
from hardgen.stages.generate import GenTask, _run_task, generate_dataset  # noqa: E402
from hardgen.core.store import encode_rows  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    if ray.is_initialized():  # another test's instance: ours must be the one with 2 CPUs
        ray.shutdown()
    ensure_ray(workers=2)
    yield
    shutdown_ray()


def _tasks(family: str, level: str, shards: int, rows: int, seed: int = 3) -> list[GenTask]:
    knobs = get_family(family).resolve_knobs(level, {}).as_dict()
    return [GenTask(family, level, knobs, seed, i * rows, (i + 1) * rows, 0.1) for i in range(shards)]


def test_same_shard_bytes_as_the_local_engine():
    tasks = (_tasks("math.linear_system", "hard", 4, 25) + _tasks("logic.futoshiki", "easy", 2, 5)
             + _tasks("graph.shortest_path", "medium", 3, 10) + _tasks("sat.planted", "easy", 2, 10))
    local = [encode_rows(rows, "jsonl") for rows, _ in map_ordered(_run_task, tasks, workers=1)]
    remote = [encode_rows(rows, "jsonl") for rows, _ in map_ordered_ray(_run_task, tasks, workers=2)]
    assert len(remote) == len(tasks)
    assert remote == local


def test_results_come_in_task_order_not_finish_order():
    # early tasks sleep longest, so Ray finishes them last
    out = list(map_ordered_ray(lambda x: (time.sleep(0.03 * (6 - x % 6)), x * x)[1], range(18), workers=2))
    assert out == [x * x for x in range(18)]


def test_in_flight_tasks_are_bounded():
    pulled = []

    def tasks():
        for i in range(10_000):
            pulled.append(i)
            yield i

    it = map_ordered_ray(abs, tasks(), workers=2, window=3)
    assert next(it) == 0
    assert len(pulled) == 3  # the window, not the whole input
    assert [next(it) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert len(pulled) <= 3 + 5
    it.close()  # stopping early cancels what is in flight and leaves the input unread
    assert len(pulled) < 20


def test_task_errors_surface_as_themselves():
    bad = [GenTask("math.no_such_family", None, {}, 0, 0, 1, 0.1)]
    with pytest.raises(HardgenError, match="unknown family"):
        list(map_ordered_ray(_run_task, bad, workers=2))
    with pytest.raises(ZeroDivisionError):
        list(map_ordered_ray(lambda x: 1 // x, [1, 0, 2], workers=2))


def test_bad_arguments_are_user_errors():
    with pytest.raises(HardgenError, match="workers"):
        list(map_ordered_ray(abs, [1], workers=0))
    with pytest.raises(HardgenError, match="window"):
        list(map_ordered_ray(abs, [1], workers=1, window=0))


def test_generate_through_ray_writes_the_local_engine_bytes(tmp_path, monkeypatch):
    import hardgen.stages.runner as run

    args = dict(families=["math.modular", "graph.topo_order"], n=60, seed=9, shard_rows=16, level="medium")
    generate_dataset(out=str(tmp_path / "local"), workers=1, **args)
    calls = []

    def via_ray(fn, tasks, workers=None, window=None, engine="local", size_pool=False):
        calls.append(engine)
        return map_ordered_ray(fn, tasks, workers)

    monkeypatch.setattr(run, "map_ordered", via_ray)
    generate_dataset(out=str(tmp_path / "ray"), workers=2, **args)
    assert calls, "the Ray engine was not used"

    def files(d: Path) -> dict[str, bytes]:
        return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}

    local, remote = files(tmp_path / "local"), files(tmp_path / "ray")
    assert sorted(local) == sorted(remote)
    for name in local:  # shards and manifest alike: the engine and worker count are not part of a run's identity
        assert remote[name] == local[name], name


def test_cli_engine_ray_gives_the_local_rows(cli, tmp_path):
    args = ["generate", "math.modular", "logic.sudoku", "-n", 40, "--shard-rows", 16, "--seed", 4]
    cli(*args, "-o", tmp_path / "local", "-w", 1)
    cli(*args, "-o", tmp_path / "ray", "-w", 2, "--engine", "ray")
    for p in sorted((tmp_path / "local" / "shards").iterdir()):
        assert (tmp_path / "ray" / "shards" / p.name).read_bytes() == p.read_bytes()


def test_grade_on_ray_and_on_a_pool_gives_the_in_process_rows(cli, tmp_path):
    cli("generate", "logic.sudoku", "sat.ksat", "-n", 40, "--level", "medium", "-o", tmp_path / "src", "-w", 1)
    args = ["grade", tmp_path / "src", "--solver", "sat:cdcl@5", "--solver", "sat:walksat@200", "-k", 2]
    cli(*args, "-o", tmp_path / "one")
    cli(*args, "-o", tmp_path / "pool", "-w", 2)
    cli(*args, "-o", tmp_path / "ray", "-w", 2, "--engine", "ray")
    for folder in ("shards", "rollouts"):
        ref = {p.name: p.read_bytes() for p in (tmp_path / "one" / folder).iterdir()}
        assert ref and ref == {p.name: p.read_bytes() for p in (tmp_path / "pool" / folder).iterdir()}
        assert ref == {p.name: p.read_bytes() for p in (tmp_path / "ray" / folder).iterdir()}
