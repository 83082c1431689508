"""How many distinct problems a family makes at a level, estimated by sampling, and the -n warning it drives.

Two runs with different seeds draw from the same space, so they share about n²/S rows when each draws n of S
equally likely problems. A space whose draws are not equally likely behaves like a smaller one, so the estimate
is the *effective* size S = 1 / Σ pᵢ², read from how often independent draws repeat: m draws with C repeated pairs
give S ≈ m(m−1) / (2C). With no repeat only a lower bound is known (95%, Poisson). `bench/bench_space.py`
samples every family at every level and writes the table in `generators/_space_table.py`, keyed by family
version so a changed family shows no stale figure; `space_estimate` reads it, `estimate_space` samples afresh.

>>> estimate_space("math.modular", "easy", draws=500).effective  # doctest: +SKIP
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Iterator

from hardgen.generators.base import Reject, get_family
from hardgen.core.records import item_seed, record_id

#: -n above this share of the estimated space triggers a warning: two seeds would then share more than this share
WARN_SHARE = 0.01


@dataclass(frozen=True)
class SpaceEstimate:
    """The result of sampling one family at one level: `draws` items, `repeats` pairs of identical items."""

    family: str
    version: str
    level: str
    draws: int
    repeats: int

    @property
    def effective(self) -> float | None:
        """Effective number of distinct problems, m(m−1)/(2C); None when no draw repeated (see `lower`)."""
        if self.repeats == 0:
            return None
        return self.draws * (self.draws - 1) / (2 * self.repeats)

    @property
    def lower(self) -> float:
        """95% lower bound on the effective size (the repeat count's Poisson upper bound in the formula)."""
        return self.draws * (self.draws - 1) / (2 * _poisson_upper(self.repeats))

    def describe(self) -> str:
        """One phrase for `gen list` and warnings: '~12,300 (4,000 draws, 650 repeats)' or '> 666,000 (...)'."""
        if self.effective is None:
            return f"> {_round(self.lower):,} ({self.draws:,} draws, none repeated)"
        return f"~{_round(self.effective):,} ({self.draws:,} draws, {self.repeats:,} repeated pairs)"

    def as_dict(self) -> dict:
        return {"draws": self.draws, "repeats": self.repeats, "effective": self.effective, "lower": self.lower,
                "text": self.describe()}


def _round(x: float) -> int:
    """Two significant figures: the estimate is not better than that."""
    if x < 100:
        return int(round(x))
    p = 10 ** (int(math.log10(x)) - 1)
    return int(round(x / p) * p)


def _poisson_upper(c: int, conf: float = 0.975) -> float:
    """Upper confidence bound on a Poisson mean after observing `c` events (exact, via the chi-square link)."""
    from scipy.stats import chi2

    return 0.5 * float(chi2.ppf(conf, 2 * c + 2))


#: the label of a family's knob defaults (what `gen generate` uses without --level) in the table
DEFAULTS = "default"


def level_knobs(family: str, level: str) -> dict:
    """The knobs a level resolves to (`DEFAULTS` is the knob defaults)."""
    return get_family(family).resolve_knobs(None if level == DEFAULTS else level).as_dict()


def space_labels(family: str) -> list[str]:
    """The labels the table measures for a family: its levels, then its knob defaults."""
    return [*get_family(family).levels, DEFAULTS]


def iter_ids(family: str, level: str, seed: int) -> Iterator[str]:
    """Record ids of items 0, 1, 2, ... of a `gen generate` run at `level` and `seed` (same redraws on rejection,
    same ids), without writing rows."""
    return (i for i, _ in iter_items(family, level, seed))


def iter_items(family: str, level: str, seed: int) -> Iterator[tuple[str, dict]]:
    """(record id, check) of items 0, 1, 2, ... of a run; the check is what the verifier needs, so two items with
    equal checks (and answers) pose the same problem in possibly different words."""
    from hardgen.generators.item import MAX_ATTEMPTS

    cls = get_family(family)
    fam, knobs = cls(), cls.resolve_knobs(None if level == DEFAULTS else level)
    kd = knobs.as_dict()
    index = 0
    while True:
        for attempt in range(MAX_ATTEMPTS):
            try:
                c = fam.generate_at(knobs, index, random.Random(item_seed(family, cls.version, kd, seed, index,
                                                                            attempt)))
            except Reject:
                continue
            yield record_id(family, c.prompt, c.answer, c.check), {"check": c.check, "answer": c.answer}
            break
        index += 1


def sample_ids(family: str, level: str, seed: int, draws: int, budget_s: float | None = None) -> list[str]:
    """The first `draws` ids of a run (fewer when `budget_s` seconds run out first)."""
    t0, ids = time.monotonic(), []
    for i in iter_ids(family, level, seed):
        ids.append(i)
        if len(ids) >= draws or (budget_s is not None and time.monotonic() - t0 > budget_s):
            break
    return ids


def repeated_pairs(ids: list[str]) -> int:
    """Pairs of equal items among `ids`."""
    counts: dict[str, int] = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    return sum(c * (c - 1) // 2 for c in counts.values())


def estimate_space(family: str, level: str, draws: int = 2000, seeds: tuple[int, ...] = (7, 8),
                   budget_s: float | None = None) -> SpaceEstimate:
    """Sample `draws` items split over `seeds` (independent hashes) and count repeats."""
    ids: list[str] = []
    per = max(1, draws // len(seeds))
    for s in seeds:
        ids += sample_ids(family, level, s, per, None if budget_s is None else budget_s / len(seeds))
    cls = get_family(family)
    return SpaceEstimate(family, cls.version, level, len(ids), repeated_pairs(ids))


def space_estimate(family: str, level: str) -> SpaceEstimate | None:
    """The stored estimate for `family` at `level` (or `DEFAULTS`) for the family's current version and knobs;
    None when not measured."""
    from hardgen.generators._space_table import SPACE

    cls = get_family(family)
    e = SPACE.get(family, {}).get(level)
    if not e or e.get("version") != cls.version:
        return None
    return SpaceEstimate(family, cls.version, level, e["draws"], e["repeats"])


def estimate_for_knobs(family: str, knobs: dict) -> SpaceEstimate | None:
    """The stored estimate of the level (or defaults) whose knobs are exactly `knobs`; None for custom knobs."""
    for label in space_labels(family):
        if level_knobs(family, label) == knobs:
            est = space_estimate(family, label)
            if est is not None:
                return est
    return None


def space_warning(family: str, knobs: dict, n: int) -> str | None:
    """A warning when `n` exceeds `WARN_SHARE` of the estimated space of these knobs (a level's or the defaults)."""
    est = estimate_for_knobs(family, knobs)
    if est is None or est.effective is None or n <= WARN_SHARE * est.effective:
        return None
    where = "its knob defaults" if est.level == DEFAULTS else f"level {est.level!r}"
    return (f"{family} at {where} has about {_round(est.effective):,} distinct problems (estimated by sampling: "
            f"{est.describe()}); with -n {n:,}, two runs with different seeds are expected to share about "
            f"{min(1.0, n / est.effective):.0%} of their rows")
