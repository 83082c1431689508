"""One generated item: the record for (family, knobs, run seed, index), identical wherever it is made."""

from __future__ import annotations

import random

from hardgen.core.errors import HardgenError
from hardgen.core.records import DEFAULT_TEST_FRACTION, item_seed, make_record
from hardgen.generators.base import OverBudget, Reject, get_family, seed_knobs

#: redraws allowed per item when a generator rejects a degenerate sample
MAX_ATTEMPTS = 50


def generate_one(family: str, level: str | None, knobs: dict, run_seed: int, index: int,
                 test_fraction: float = DEFAULT_TEST_FRACTION) -> dict:
    """Generate the record for one (family, knobs, run seed, index); the same inputs give the same record."""
    fam_cls = get_family(family)
    return generate_item(fam_cls(), fam_cls.Knobs.build(knobs), family, level, knobs, run_seed, index, test_fraction)


def generate_item(fam, k, family: str, level: str | None, knobs: dict, run_seed: int, index: int,
                  test_fraction: float, tally: dict[str, int] | None = None) -> dict:
    """The record of one item: attempt 0's draw, or the first later attempt the family does not reject.

    A draw whose proof ran out of its budget (`OverBudget`) is redrawn like any rejected draw and counted in
    `tally["over_budget"]` when a tally is given, so a run reports how many puzzles its budget turned away.
    """
    fam_cls = type(fam)
    drawn_by = seed_knobs(fam_cls.Knobs, knobs)  # budget knobs re-measure the same problems, not new ones
    last = ""
    for attempt in range(MAX_ATTEMPTS):
        seed = item_seed(family, fam_cls.version, drawn_by, run_seed, index, attempt)
        try:
            cand = fam.generate_at(k, index, random.Random(seed))
        except OverBudget as e:
            last = str(e)
            if tally is not None:
                tally["over_budget"] = tally.get("over_budget", 0) + 1
            continue
        except Reject as e:
            last = str(e)
            continue
        source = {"generator": family, "version": fam_cls.version, "knobs": knobs, "seed": seed,
                  "run_seed": run_seed, "index": index}
        difficulty = {"level": level or "custom", **cand.difficulty}
        return make_record(family, cand.prompt, cand.answer, cand.check, source, difficulty, test_fraction)
    why = f" (the last: {last})" if last else ""
    raise HardgenError(f"family {family!r} rejected {MAX_ATTEMPTS} samples in a row at index {index}{why} "
                       f"with knobs {knobs}; the knobs leave too few valid problems, or too small a budget")
