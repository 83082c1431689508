"""The generate stage: sharded, resumable, deduplicated, identical rows for any number of workers."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Iterator

from hardgen.core.errors import HardgenError
from hardgen.core.records import DEFAULT_TEST_FRACTION
from hardgen.core.workers import resolve_workers
from hardgen.generators.base import get_family
from hardgen.generators.item import generate_item
from hardgen.generators.space import space_warning
from hardgen.stages.options import GenerateOptions
from hardgen.stages.runner import Shard, StageRun, Task

DEFAULT_SHARD_ROWS = 500
#: a top-up round draws max(TOPUP_MIN, TOPUP_FACTOR × missing) items; MAX_EMPTY_ROUNDS fruitless rounds end the run
TOPUP_MIN, TOPUP_FACTOR, MAX_EMPTY_ROUNDS = 32, 4, 6


@dataclass(frozen=True)
class GenTask:
    family: str
    level: str | None
    knobs: dict
    run_seed: int
    start: int
    stop: int
    test_fraction: float


def _run_task(t: GenTask) -> tuple[list[dict], int]:
    """The shard's rows, and how many draws were redrawn because a proof ran out of its budget."""
    fam_cls = get_family(t.family)
    fam, k = fam_cls(), fam_cls.Knobs.build(t.knobs)  # once per shard, not per item
    tally: dict[str, int] = {}
    rows = [generate_item(fam, k, t.family, t.level, t.knobs, t.run_seed, i, t.test_fraction, tally)
            for i in range(t.start, t.stop)]
    return rows, tally.get("over_budget", 0)


def _plan(entry: str | dict, n: int, level: str | None, knobs: dict[str, Any] | None, several: bool) -> dict:
    """Resolve one family entry (a name, or {family, n, level, knobs}) to its knobs, count and size."""
    if isinstance(entry, str):
        entry = {"family": entry}
    if not isinstance(entry, dict) or "family" not in entry:
        raise HardgenError(f"a family entry must be a name or a mapping with 'family', got {entry!r}")
    extra = set(entry) - {"family", "n", "level", "knobs"}
    if extra:
        raise HardgenError(f"family entry {entry['family']!r} has unknown key(s) {', '.join(sorted(extra))}; "
                           "expected family, n, level, knobs")
    fam = get_family(entry["family"])
    own_n = entry.get("n", n)
    if not isinstance(own_n, int) or own_n < 1:
        raise HardgenError(f"-n must be at least 1, got {own_n}")
    lvl = entry.get("level", level)
    names = {k["name"] for k in fam.Knobs.spec()}
    shared = {k: v for k, v in (knobs or {}).items() if not several or k in names}
    resolved = fam.resolve_knobs(lvl, {**shared, **(entry.get("knobs") or {})})
    return {"family": fam.name, "level": lvl, "knobs": resolved.as_dict(), "size": fam().size(resolved),
            "n": own_n}


def _round_tasks(name: str, lvl: str | None, knobs: dict, seed: int, test_fraction: float, shard_rows: int,
                 first_index: int, first_shard: int, want: int) -> Iterator[Task]:
    """The shards of one round, planned lazily: `want` items from `first_index`, `shard_rows` per shard."""
    index, shard_no = first_index, first_shard
    while want > 0:
        rows_here = min(shard_rows, want)
        yield Task(f"part-{shard_no:05d}", GenTask(name, lvl, knobs, seed, index, index + rows_here, test_fraction))
        index, shard_no, want = index + rows_here, shard_no + 1, want - rows_here


def generate_dataset(families: list[str | dict], n: int, out: str, seed: int = 0, level: str | None = None,
                     knobs: dict[str, Any] | None = None, workers: int | None = None,
                     shard_rows: int = DEFAULT_SHARD_ROWS, fmt: str = "jsonl", overwrite: bool = False,
                     test_fraction: float = DEFAULT_TEST_FRACTION, engine: str = "local") -> dict:
    """Write `n` distinct problems per family to the dataset directory `out`.

    Knobs are the family defaults, then `level`'s values, then `knobs` (with several families, each takes the
    knobs it has; a knob no family has is an error). An entry of `families` may also be a mapping
    `{family, n, level, knobs}` that overrides these for that family.
    Duplicate problems (same id) are dropped and replaced by further indices, so each family gets exactly `n`
    distinct rows unless its knob space is too small. Resumable: rerunning redoes only unfinished shards.
    Shards are planned as they are needed, so memory does not grow with `n`.

    >>> generate_dataset(["math.linear_system"], n=100, out="data/raw", seed=7, level="hard")  # doctest: +SKIP
    """
    if n < 1:
        raise HardgenError(f"-n must be at least 1, got {n}")
    if shard_rows < 1:
        raise HardgenError(f"shard rows must be at least 1, got {shard_rows}")
    if not families:
        raise HardgenError("name at least one family (`gen list` shows them)")
    workers = resolve_workers(workers)
    plans = [_plan(e, n, level, knobs, len(families) > 1) for e in families]
    if knobs and len(families) > 1:
        known = {s["name"] for p in plans for s in get_family(p["family"]).Knobs.spec()}
        unknown = sorted(set(knobs) - known)
        if unknown:
            raise HardgenError(f"no family among {', '.join(p['family'] for p in plans)} has knob(s) "
                               f"{', '.join(unknown)}")
    warnings = [w for p in plans if p["size"] is None
                for w in [space_warning(p["family"], p["knobs"], p["n"])] if w]
    for w in warnings:  # before the run starts: a small space is worth knowing before waiting for it
        print(f"warning: {w}", file=sys.stderr, flush=True)
    params = {"families": families, "n": n, "seed": seed, "level": level, "knobs": knobs or {},
              "shard_rows": shard_rows, "test_fraction": test_fraction}
    summary: dict[str, Any] = {"families": {}, "rows": 0, "duplicates_dropped": 0}
    if warnings:
        summary["warnings"] = warnings
    shard_no = 0
    with StageRun("generate", out, params, fmt=fmt, overwrite=overwrite,
                  total=sum(p["n"] for p in plans)) as run:
        for p in plans:
            name, resolved, size, lvl = p["family"], p["knobs"], p["size"], p["level"]
            n_fam = p["n"] if size is None else min(p["n"], size)
            if n_fam < p["n"]:
                run.progress.total -= p["n"] - n_fam
            seen: set[str] = set()
            have, dropped, over_budget, next_index, rounds, empty_rounds = 0, 0, 0, 0, 0, 0

            def drop_duplicates(task: Task, result: tuple[list[dict], int]) -> Shard:
                # in this process, in shard order: which ids count as new depends on every shard before it
                rows, over = result
                kept, shard_dropped = [], 0
                for r in rows:
                    if r["id"] in seen:
                        shard_dropped += 1
                        continue
                    seen.add(r["id"])
                    kept.append(r)
                meta = {"family": name, "dropped": shard_dropped}
                if over:
                    meta["over_budget"] = over
                return Shard(kept[: n_fam - have], meta)

            while have < n_fam:
                # top-up rounds replace dropped duplicates and draw extra, since in a small knob space most fresh
                # draws are duplicates too
                missing = n_fam - have
                want = missing if rounds == 0 else max(TOPUP_MIN, TOPUP_FACTOR * missing)
                rounds += 1
                if size is not None:  # a finite collection: never ask for items past its end
                    want = min(want, size - next_index)
                    if want <= 0:
                        break
                round_rows = 0
                tasks = _round_tasks(name, lvl, resolved, seed, test_fraction, shard_rows, next_index, shard_no, want)
                for _task, shard in run.map(_run_task, tasks, workers=workers, engine=engine, replay=True, size_pool=True,
                                           collect=drop_duplicates):
                    seen.update(r["id"] for r in shard.rows)  # a no-op unless a killed run wrote this shard
                    dropped += shard.meta.get("dropped", 0)
                    over_budget += shard.meta.get("over_budget", 0)
                    have += len(shard.rows)
                    round_rows += len(shard.rows)
                next_index += want
                shard_no += -(-want // shard_rows)
                empty_rounds = empty_rounds + 1 if round_rows == 0 else 0
                if empty_rounds >= MAX_EMPTY_ROUNDS:
                    raise HardgenError(f"family {name!r} produced no new distinct problems in {next_index} draws; "
                                       f"its knob space seems to hold fewer than {n_fam} problems (got {have})")
            key = name if name not in summary["families"] else f"{name}#{len(summary['families'])}"
            summary["families"][key] = {"rows": have, "duplicates_dropped": dropped, "knobs": resolved}
            if over_budget:  # draws not written because a proof ran out of its budget (each redrawn)
                summary["families"][key]["over_budget"] = over_budget
                summary["over_budget"] = summary.get("over_budget", 0) + over_budget
            summary["rows"] += have
            summary["duplicates_dropped"] += dropped
        return run.finish(summary)


def run(families: list[str | dict], out: str, opts: GenerateOptions, overwrite: bool = False) -> dict:
    """The generate stage with its settings: what `gen generate` and `gen run` call."""
    return generate_dataset(list(families or opts.families), n=opts.n, out=out, seed=opts.seed, level=opts.level,
                            knobs=opts.knobs, workers=opts.workers, shard_rows=opts.shard_rows, fmt=opts.format,
                            overwrite=overwrite, test_fraction=opts.test_fraction, engine=opts.engine)
