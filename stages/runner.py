"""The one stage runner: tasks → shards written atomically and resumably → per-shard tallies → one summary.

Every stage that writes a dataset does the same steps: open its output (refusing a different run's), skip the
shards a killed run already finished, run the rest (in-process, on a local pool or on Ray) in a stable order,
write each shard with the tallies a resumed run needs, advance a progress bar, and finish with a summary that
records where the data is. They live here once; a stage supplies only its params, its tasks and its work.

>>> with StageRun("verify", "data/valid", {"src": "data/raw"}, src="data/raw", total=1000) as run:  # doctest: +SKIP
...     run.run(verify_shard, input_tasks(open_dataset("data/raw")), workers=2)
...     summary = run.finish({"counts": add_counts(m["tally"] for m in run.metas())})
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from hardgen.core.engine import map_ordered
from hardgen.core.progress import bar
from hardgen.core.store import Dataset, DatasetWriter


@dataclass
class Shard:
    """What a stage's work returns for one task: the rows to write, the tallies the manifest keeps for it (so a
    resumed run can summarise without rereading rows), and side files (folder → JSON lines, e.g. rollouts)."""

    rows: list[dict]
    meta: dict = field(default_factory=dict)
    side: dict[str, list[dict]] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    """One unit of work: the shard it writes (`key`), what the work function receives, and the input rows it
    covers (for the progress bar)."""

    key: str
    payload: Any
    rows: int = 0


def input_tasks(ds: Dataset, chunk_rows: int | None = None,
                payload: Callable[[list[dict], str], Any] = lambda rows, key: rows) -> Iterator[Task]:
    """Tasks over an input dataset, one per input shard, or per slice of `chunk_rows` rows of it (keys
    `part-NNNNN-MMMM`); `payload(rows, key)` builds what the work function receives."""
    for chunk in ds.chunks():
        if chunk_rows is None:
            yield Task(chunk.key, payload(chunk.rows, chunk.key), len(chunk.rows))
            continue
        for j in range(0, len(chunk.rows), chunk_rows):
            key = f"{chunk.key}-{j // chunk_rows:04d}"
            rows = chunk.rows[j:j + chunk_rows]
            yield Task(key, payload(rows, key), len(rows))


def add_counts(tallies: Iterable[dict | None]) -> dict:
    """Sum nested dicts of counts key by key (`{"valid": 3, "by_family": {"a": {"valid": 2}}}` + ...)."""
    out: dict = {}
    for t in tallies:
        _add_into(out, t or {})
    return out


def _add_into(acc: dict, t: dict) -> None:
    for k, v in t.items():
        if isinstance(v, dict):
            _add_into(acc.setdefault(k, {}), v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            acc[k] = acc.get(k, 0) + v


class StageRun:
    """One run of a stage into the dataset directory `out`: a resumable writer plus a progress bar.

    `params` identify the run (resuming with other params is refused unless `overwrite`). Use it as a context
    manager; `run`/`map` execute tasks, `metas()` gives the per-shard tallies of every finished shard (this
    run's and a resumed run's), and `finish(summary)` marks the output complete and adds its `path`.
    """

    def __init__(self, stage: str, out: str, params: dict, *, src: str | None = None, fmt: str = "jsonl",
                 overwrite: bool = False, total: int | None = None, desc: str | None = None):
        self.writer = DatasetWriter(out, stage=stage, params=params, fmt=fmt, overwrite=overwrite,
                                    inputs=[str(src)] if src is not None else None)
        self._bar = bar(total=total, desc=desc or stage)

    def __enter__(self) -> "StageRun":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._bar.close()

    @property
    def progress(self):
        return self._bar

    def map(self, work: Callable[[Any], Any], tasks: Iterable[Task], *, workers: int | None = 1,
            engine: str = "local", replay: bool = False, size_pool: bool = False,
            collect: Callable[[Task, Any], Shard] | None = None) -> Iterator[tuple[Task, Shard | None]]:
        """Run `work(task.payload)` for every task whose shard is not finished yet, write its shard, and yield
        `(task, shard)` in task order. `collect(task, result)` turns the work's result into a `Shard` in this
        process (for decisions that need every shard before it, like dropping duplicates); by default the work
        returns a `Shard`. Finished shards are yielded with their rows read back when `replay`, else as None.
        `size_pool`: start worker processes only when the work repays them (`hardgen.core.engine.map_ordered`);
        leave it off where a task loads a model."""
        queue: deque[tuple[Task, bool]] = deque()  # tasks pulled so far, with whether their shard was done

        def todo() -> Iterator[Any]:
            for t in tasks:
                done = self.writer.is_done(t.key)
                queue.append((t, done))
                if not done:
                    yield t.payload

        def finished(t: Task) -> tuple[Task, Shard | None]:
            info = self.writer.manifest["shards"][t.key]
            self._bar.update(t.rows or info["rows"])
            return t, (Shard(list(self.writer.done_rows(t.key)), dict(info)) if replay else None)

        # results come in the order of the tasks not done; done ones pulled on the way are yielded in between
        results = map_ordered(work, todo(), workers, engine=engine, size_pool=size_pool)
        while True:
            while queue and queue[0][1]:
                yield finished(queue.popleft()[0])
            try:
                result = next(results)
            except StopIteration:
                while queue:
                    yield finished(queue.popleft()[0])
                return
            while queue[0][1]:
                yield finished(queue.popleft()[0])
            t = queue.popleft()[0]
            yield t, self._write(t, result, collect)

    def _write(self, t: Task, result: Any, collect: Callable[[Task, Any], Shard] | None) -> Shard:
        shard = collect(t, result) if collect is not None else result
        for folder, lines in shard.side.items():  # before the shard, so a finished shard always has its side files
            self.writer.write_side(folder, t.key, lines)
        self.writer.write_shard(t.key, shard.rows, shard.meta)
        self._bar.update(t.rows or len(shard.rows))
        return shard

    def run(self, work: Callable[[Any], Any], tasks: Iterable[Task], **kw: Any) -> None:
        """`map` for stages that need nothing from the shards as they are written."""
        for _ in self.map(work, tasks, **kw):
            pass

    def metas(self) -> list[dict]:
        """The manifest entry (row count and tallies) of every finished shard, in key order."""
        return [info for _, info in sorted(self.writer.manifest["shards"].items())]

    @property
    def rows_written(self) -> int:
        return self.writer.rows_written

    @property
    def path(self):
        return self.writer.path

    def finish(self, summary: dict) -> dict:
        """Mark the output complete with `summary` in its manifest; returns the summary with `path` added."""
        self.writer.finish(summary)
        return {**summary, "path": str(self.writer.path)}
