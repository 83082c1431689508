"""The generate stage: sharded, resumable, deduplicated, identical rows for any number of workers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from hardgen.engine import map_ordered, resolve_workers
from hardgen.errors import HardgenError
from hardgen.generators.base import Reject, get_family, seed_knobs
from hardgen.progress import bar
from hardgen.records import DEFAULT_TEST_FRACTION, item_seed, make_record
from hardgen.store import DatasetWriter

#: redraws allowed per item when a generator rejects a degenerate sample
MAX_ATTEMPTS = 50
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


def generate_one(family: str, level: str | None, knobs: dict, run_seed: int, index: int,
                 test_fraction: float = DEFAULT_TEST_FRACTION) -> dict:
    """Generate the record for one (family, knobs, run seed, index); the same inputs give the same record."""
    fam_cls = get_family(family)
    return _generate(fam_cls(), fam_cls.Knobs.build(knobs), family, level, knobs, run_seed, index, test_fraction)


def _generate(fam, k, family: str, level: str | None, knobs: dict, run_seed: int, index: int,
              test_fraction: float) -> dict:
    fam_cls = type(fam)
    drawn_by = seed_knobs(fam_cls.Knobs, knobs)
    for attempt in range(MAX_ATTEMPTS):
        seed = item_seed(family, fam_cls.version, drawn_by, run_seed, index, attempt)
        try:
            cand = fam.generate_at(k, index, random.Random(seed))
        except Reject:
            continue
        source = {"generator": family, "version": fam_cls.version, "knobs": knobs, "seed": seed,
                  "run_seed": run_seed, "index": index}
        difficulty = {"level": level or "custom", **cand.difficulty}
        return make_record(family, cand.prompt, cand.answer, cand.check, source, difficulty, test_fraction)
    raise HardgenError(f"family {family!r} rejected {MAX_ATTEMPTS} samples in a row at index {index} "
                       f"with knobs {knobs}; the knobs leave too few valid problems")


def _run_task(t: GenTask) -> list[dict]:
    fam_cls = get_family(t.family)
    fam, k = fam_cls(), fam_cls.Knobs.build(t.knobs)  # once per shard, not per item
    return [_generate(fam, k, t.family, t.level, t.knobs, t.run_seed, i, t.test_fraction)
            for i in range(t.start, t.stop)]


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
    params = {"families": families, "n": n, "seed": seed, "level": level, "knobs": knobs or {},
              "shard_rows": shard_rows, "test_fraction": test_fraction}
    writer = DatasetWriter(out, stage="generate", params=params, fmt=fmt, overwrite=overwrite)
    summary: dict[str, Any] = {"families": {}, "rows": 0, "duplicates_dropped": 0}
    shard_no = 0
    with bar(total=sum(p["n"] for p in plans), desc="generate") as pbar:
        for p in plans:
            name, resolved, size, lvl = p["family"], p["knobs"], p["size"], p["level"]
            n_fam = p["n"] if size is None else min(p["n"], size)
            if n_fam < p["n"]:
                pbar.total -= p["n"] - n_fam
            seen: set[str] = set()
            have, dropped, next_index, rounds, empty_rounds = 0, 0, 0, 0, 0
            while have < n_fam:
                # plan shards of the indices still needed; top-up rounds replace dropped duplicates and draw
                # extra, since in a small knob space most fresh draws are duplicates too
                tasks, names = [], []
                missing = n_fam - have
                want = missing if rounds == 0 else max(TOPUP_MIN, TOPUP_FACTOR * missing)
                rounds += 1
                if size is not None:  # a finite collection: never ask for items past its end
                    want = min(want, size - next_index)
                    if want <= 0:
                        break
                while want > 0:
                    rows_here = min(shard_rows, want)
                    tasks.append(GenTask(name, lvl, resolved, seed, next_index, next_index + rows_here,
                                         test_fraction))
                    names.append(f"part-{shard_no:05d}")
                    next_index += rows_here
                    want -= rows_here
                    shard_no += 1
                todo = [(t, s) for t, s in zip(tasks, names) if not writer.is_done(s)]
                todo_names = {s for _, s in todo}
                results = map_ordered(_run_task, [t for t, _ in todo], workers, engine=engine,
                                      size_pool=True)
                round_rows = 0
                for t, s in zip(tasks, names):
                    if s in todo_names:
                        rows, shard_dropped = [], 0
                        for r in next(results):
                            if r["id"] in seen:
                                shard_dropped += 1
                                continue
                            seen.add(r["id"])
                            rows.append(r)
                        rows = rows[: n_fam - have]
                        dropped += shard_dropped
                        writer.write_shard(s, rows, {"family": name, "dropped": shard_dropped})
                    else:
                        rows = list(writer.done_rows(s))
                        seen.update(r["id"] for r in rows)
                        dropped += writer.manifest["shards"][s].get("dropped", 0)
                    have += len(rows)
                    round_rows += len(rows)
                    pbar.update(len(rows))
                empty_rounds = empty_rounds + 1 if round_rows == 0 else 0
                if empty_rounds >= MAX_EMPTY_ROUNDS:
                    raise HardgenError(f"family {name!r} produced no new distinct problems in {next_index} draws; "
                                       f"its knob space seems to hold fewer than {n_fam} problems (got {have})")
            key = name if name not in summary["families"] else f"{name}#{len(summary['families'])}"
            summary["families"][key] = {"rows": have, "duplicates_dropped": dropped, "knobs": resolved}
            summary["rows"] += have
            summary["duplicates_dropped"] += dropped
    writer.finish(summary)
    summary["path"] = str(writer.path)
    return summary
