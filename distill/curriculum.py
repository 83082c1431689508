"""Curricula for GRPO: which training prompts to roll out next, decided from the rewards seen so far.

A curriculum is a small stateful object. The trainer's sampler asks it for the prompts of each generation
batch (`draw(n)`); the correctness reward function reports each prompt's group of rewards (`observe`); after
every optimizer step `step_end()` updates it and returns its state (logged as one JSONL line).

  none      uniform random order, epoch by epoch (TRL's default behaviour).
  static    easy -> hard by graded difficulty: problems sorted by pass rate (grades on the rows) or level; at
            training progress t the pool is the easiest max(start, t) share of them (competence pacing).
  gated     Saturn: one difficulty level at a time; advance when the level's pass@1 over its last `window`
            prompt groups exceeds `epsilon` (an on-policy estimate from the rollouts, no extra generation).
  sec       Self-Evolving Curriculum: a non-stationary bandit over categories (difficulty bins or families);
            an arm's reward is the mean absolute advantage of its groups in a step, its value an exponential
            moving average (TD(0) with step `alpha`), arms drawn by Boltzmann sampling at temperature `tau`.
  dump      DUMP: UCB over data distributions (categories) scored by advantage magnitude over a sliding window,
            plus an exploration bonus c * sqrt(2 ln N / n_arm); arms drawn by a softmax over the UCB scores.
  balanced  online filtering: a prompt whose last group all agreed (all right or all wrong: zero advantage, no
            gradient) is dropped from sampling for `cooldown` draws of the pool, and the batch is refilled with
            other prompts.

Advantages are computed from a group's rewards as GRPO does: (r - mean) / (std + 1e-4), std with Bessel's
correction (torch's default), so |advantage| is 0 for groups that all agree and largest near pass rate 1/2.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict, deque
from typing import Any, Sequence

from hardgen.core.errors import HardgenError

LEVEL_ORDER = ("trivial", "easy", "medium", "hard", "extreme", "expert")


def mean_abs_advantage(rewards: Sequence[float]) -> float:
    """Mean |advantage| of one group of rewards, with GRPO's group normalisation."""
    r = [float(x) for x in rewards if x is not None and not math.isnan(float(x))]
    if len(r) < 2:
        return 0.0
    mu = sum(r) / len(r)
    std = math.sqrt(sum((x - mu) ** 2 for x in r) / (len(r) - 1))
    return sum(abs(x - mu) for x in r) / len(r) / (std + 1e-4)


def row_pass_rate(row: dict) -> float | None:
    grades = (row.get("difficulty") or {}).get("grades") or {}
    rates = [g.get("pass_rate") for g in grades.values() if isinstance(g, dict) and g.get("pass_rate") is not None]
    return sum(rates) / len(rates) if rates else None


def row_level(row: dict) -> str:
    d = row.get("difficulty") or {}
    return str(d.get("label") or d.get("level") or "unknown")


def level_rank(name: str) -> tuple[int, str]:
    """Sort key for level names: the usual easy < medium < hard order first, other names after, alphabetically."""
    return (LEVEL_ORDER.index(name), "") if name in LEVEL_ORDER else (len(LEVEL_ORDER), name)


def hardness(row: dict) -> tuple:
    """Sort key easy -> hard: graded pass rate (high first) when present, else the level name."""
    p = row_pass_rate(row)
    return (0, -p, "") if p is not None else (1, *level_rank(row_level(row)))


class Curriculum:
    """Base: uniform random order over the rows, epoch by epoch (the `none` curriculum)."""

    name = "none"

    def __init__(self, rows: list[dict], seed: int = 0, arms: str = "difficulty", total_steps: int | None = None):
        if not rows:
            raise HardgenError("a curriculum needs at least one training row")
        if arms not in ("difficulty", "family"):
            raise HardgenError(f"curriculum arms must be 'difficulty' or 'family', got {arms!r}")
        self.rows = rows
        self.rng = random.Random(seed)
        self.arms_by = arms
        self.total_steps = total_steps
        self.step = 0
        self.drawn: dict[str, int] = defaultdict(int)
        self.pending: list[tuple[int, list[float]]] = []  # groups observed since the last step_end
        self._order: list[int] = []
        # categories: difficulty bins or families, in easy -> hard order for difficulty
        cats: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            cats[self.category(r)].append(i)
        self.categories = sorted(cats, key=level_rank) if arms == "difficulty" else sorted(cats)
        self.members = {c: cats[c] for c in self.categories}

    def category(self, row: dict) -> str:
        return row_level(row) if self.arms_by == "difficulty" else str(row.get("family"))

    # -- sampling ----------------------------------------------------------------------------------------
    def draw(self, n: int) -> list[int]:
        """Indices of the next `n` prompts (distinct within a batch where the pool allows)."""
        out = [self.next_index() for _ in range(n)]
        for i in out:
            self.drawn[self.category(self.rows[i])] += 1
        return out

    def next_index(self) -> int:
        if not self._order:
            self._order = list(range(len(self.rows)))
            self.rng.shuffle(self._order)
        return self._order.pop()

    # -- feedback ----------------------------------------------------------------------------------------
    def observe(self, index: int, rewards: list[float]) -> None:
        """One prompt's group of correctness rewards (1/0; None for undecided is dropped)."""
        self.pending.append((index, [float(r) for r in rewards if r is not None]))

    def step_end(self) -> dict[str, Any]:
        """Consume the groups observed during the step, update, and return the state to log."""
        groups, self.pending = self.pending, []
        self.update(groups)
        self.step += 1
        by_cat: dict[str, list[float]] = defaultdict(list)
        for i, rs in groups:
            by_cat[self.category(self.rows[i])].extend(rs)
        return {"step": self.step, "curriculum": self.name, "groups": len(groups),
                "accuracy": {c: round(sum(v) / len(v), 4) for c, v in by_cat.items() if v},
                "drawn": dict(self.drawn), **self.state()}

    def update(self, groups: list[tuple[int, list[float]]]) -> None:
        """Learn from one step's groups; the default curriculum ignores them."""

    def state(self) -> dict[str, Any]:
        return {}

    # -- checkpoints -------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"name": self.name, "step": self.step, "drawn": dict(self.drawn), "order": list(self._order),
                "rng": _rng_state(self.rng), **self.extra_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("name") != self.name:
            raise HardgenError(f"checkpoint holds curriculum {state.get('name')!r}, not {self.name!r}")
        self.step = int(state["step"])
        self.drawn = defaultdict(int, state.get("drawn", {}))
        self._order = list(state.get("order", []))
        self.rng.setstate(_rng_from(state["rng"]))
        self.load_extra(state)

    def extra_state(self) -> dict[str, Any]:
        return {}

    def load_extra(self, state: dict[str, Any]) -> None:
        pass


def _rng_state(rng: random.Random) -> list:
    v, internal, gauss = rng.getstate()
    return [v, list(internal), gauss]


def _rng_from(s: list) -> tuple:
    return (s[0], tuple(s[1]), s[2])


def _pick(rng: random.Random, probs: dict[str, float]) -> str:
    u, acc = rng.random(), 0.0
    keys = list(probs)
    for k in keys:
        acc += probs[k]
        if u < acc:
            return k
    return keys[-1]


def _softmax(values: dict[str, float], tau: float) -> dict[str, float]:
    m = max(values.values())
    ex = {k: math.exp((v - m) / tau) for k, v in values.items()}
    z = sum(ex.values())
    return {k: round(v / z, 6) for k, v in ex.items()}


class _ArmSampler(Curriculum):
    """Shared by bandit curricula: pick an arm by `probabilities()`, then a prompt of that arm (shuffled cycle)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self._cycles: dict[str, list[int]] = {c: [] for c in self.categories}

    def probabilities(self) -> dict[str, float]:
        raise NotImplementedError

    def next_index(self) -> int:
        return self._from_arm(_pick(self.rng, self.probabilities()))

    def _from_arm(self, arm: str) -> int:
        cyc = self._cycles[arm]
        if not cyc:
            cyc.extend(self.members[arm])
            self.rng.shuffle(cyc)
        return cyc.pop()

    def arm_groups(self, groups: list[tuple[int, list[float]]]) -> dict[str, list[float]]:
        """Mean |advantage| of each observed group, by arm."""
        out: dict[str, list[float]] = defaultdict(list)
        for i, rs in groups:
            out[self.category(self.rows[i])].append(mean_abs_advantage(rs))
        return out

    def extra_state(self) -> dict[str, Any]:
        return {"cycles": {k: list(v) for k, v in self._cycles.items()}}

    def load_extra(self, state: dict[str, Any]) -> None:
        self._cycles = {c: list(state.get("cycles", {}).get(c, [])) for c in self.categories}


class StaticCurriculum(Curriculum):
    """Easy -> hard: the pool grows from the easiest `start` share of problems to all of them."""

    name = "static"

    def __init__(self, *a, start: float = 0.3, **kw):
        super().__init__(*a, **kw)
        if not 0 < start <= 1:
            raise HardgenError(f"static curriculum start share must be in (0, 1], got {start}")
        self.start = start
        self.sorted = sorted(range(len(self.rows)), key=lambda i: (hardness(self.rows[i]), self.rows[i].get("id", "")))

    def competence(self) -> float:
        if not self.total_steps:
            return 1.0
        return min(1.0, self.start + (1 - self.start) * self.step / self.total_steps)

    def next_index(self) -> int:
        pool = self.sorted[:max(1, math.ceil(self.competence() * len(self.sorted)))]
        return pool[self.rng.randrange(len(pool))]

    def state(self) -> dict[str, Any]:
        return {"competence": round(self.competence(), 4)}


class GatedCurriculum(_ArmSampler):
    """Saturn-style levels: sample the current level only; advance once its recent pass@1 exceeds epsilon."""

    name = "gated"

    def __init__(self, *a, epsilon: float = 0.5, window: int = 8, **kw):
        super().__init__(*a, **kw)
        if not 0 <= epsilon < 1 or window < 1:
            raise HardgenError(f"gated curriculum needs 0 <= epsilon < 1 and window >= 1, got {epsilon}, {window}")
        self.epsilon, self.window = epsilon, window
        self.level = 0
        self.recent: deque[float] = deque(maxlen=window)
        self.advanced_at: list[int] = []

    def probabilities(self) -> dict[str, float]:
        return {c: float(i == self.level) for i, c in enumerate(self.categories)}

    def update(self, groups: list[tuple[int, list[float]]]) -> None:
        current = self.categories[self.level]
        for i, rs in groups:
            if rs and self.category(self.rows[i]) == current:
                self.recent.append(sum(rs) / len(rs))
        full = len(self.recent) == self.window
        if full and sum(self.recent) / self.window > self.epsilon and self.level < len(self.categories) - 1:
            self.level += 1
            self.recent.clear()
            self.advanced_at.append(self.step + 1)

    def state(self) -> dict[str, Any]:
        pass1 = sum(self.recent) / len(self.recent) if self.recent else None
        return {"level": self.categories[self.level], "level_index": self.level,
                "level_pass@1": None if pass1 is None else round(pass1, 4), "advanced_at": list(self.advanced_at),
                "probabilities": self.probabilities()}

    def extra_state(self) -> dict[str, Any]:
        return {**super().extra_state(), "level": self.level, "recent": list(self.recent),
                "advanced_at": self.advanced_at}

    def load_extra(self, state: dict[str, Any]) -> None:
        super().load_extra(state)
        self.level = int(state["level"])
        self.recent = deque(state["recent"], maxlen=self.window)
        self.advanced_at = list(state["advanced_at"])


class SECCurriculum(_ArmSampler):
    """Self-Evolving Curriculum: EMA (TD(0)) values of mean |advantage| per arm, Boltzmann sampling."""

    name = "sec"

    def __init__(self, *a, alpha: float = 0.5, tau: float = 0.2, **kw):
        super().__init__(*a, **kw)
        if not 0 < alpha <= 1 or tau <= 0:
            raise HardgenError(f"sec needs 0 < alpha <= 1 and tau > 0, got alpha={alpha}, tau={tau}")
        self.alpha, self.tau = alpha, tau
        self.values = {c: 0.0 for c in self.categories}

    def probabilities(self) -> dict[str, float]:
        return _softmax(self.values, self.tau)

    def update(self, groups: list[tuple[int, list[float]]]) -> None:
        for arm, advs in self.arm_groups(groups).items():
            reward = sum(advs) / len(advs)
            self.values[arm] += self.alpha * (reward - self.values[arm])  # TD(0) / exponential moving average

    def state(self) -> dict[str, Any]:
        return {"values": {k: round(v, 4) for k, v in self.values.items()}, "probabilities": self.probabilities()}

    def extra_state(self) -> dict[str, Any]:
        return {**super().extra_state(), "values": self.values}

    def load_extra(self, state: dict[str, Any]) -> None:
        super().load_extra(state)
        self.values = {c: float(state["values"].get(c, 0.0)) for c in self.categories}


class DUMPCurriculum(_ArmSampler):
    """DUMP: UCB over arms of the windowed mean |advantage|, arms drawn by a softmax over UCB scores."""

    name = "dump"

    def __init__(self, *a, c: float = 1.0, window: int = 50, tau: float = 0.2, **kw):
        super().__init__(*a, **kw)
        if c < 0 or window < 1 or tau <= 0:
            raise HardgenError(f"dump needs c >= 0, window >= 1, tau > 0; got {c}, {window}, {tau}")
        self.c, self.window, self.tau = c, window, tau
        self.history: dict[str, deque] = {a: deque(maxlen=window) for a in self.categories}
        self.pulls = {a: 0 for a in self.categories}

    def ucb(self) -> dict[str, float]:
        total = sum(self.pulls.values())
        out = {}
        for a in self.categories:
            if self.pulls[a] == 0:
                out[a] = 1e3  # never tried: try it first (bounded so the softmax stays finite)
                continue
            mean = sum(self.history[a]) / len(self.history[a]) if self.history[a] else 0.0
            out[a] = mean + self.c * math.sqrt(2 * math.log(max(total, 1)) / self.pulls[a])
        return out

    def probabilities(self) -> dict[str, float]:
        return _softmax(self.ucb(), self.tau)

    def update(self, groups: list[tuple[int, list[float]]]) -> None:
        for arm, advs in self.arm_groups(groups).items():
            self.history[arm].extend(advs)
            self.pulls[arm] += len(advs)

    def state(self) -> dict[str, Any]:
        return {"ucb": {k: round(v, 4) for k, v in self.ucb().items()}, "pulls": dict(self.pulls),
                "probabilities": self.probabilities()}

    def extra_state(self) -> dict[str, Any]:
        return {**super().extra_state(), "history": {k: list(v) for k, v in self.history.items()},
                "pulls": self.pulls}

    def load_extra(self, state: dict[str, Any]) -> None:
        super().load_extra(state)
        self.history = {a: deque(state["history"].get(a, []), maxlen=self.window) for a in self.categories}
        self.pulls = {a: int(state["pulls"].get(a, 0)) for a in self.categories}


class BalancedCurriculum(Curriculum):
    """Online filtering: prompts whose last group all agreed sit out `cooldown` passes; the batch is refilled."""

    name = "balanced"

    def __init__(self, *a, cooldown: int = 2, **kw):
        super().__init__(*a, **kw)
        if cooldown < 0:
            raise HardgenError(f"balanced cooldown must be >= 0, got {cooldown}")
        self.cooldown = cooldown
        self.skip: dict[int, int] = {}  # row -> passes over the pool it still sits out
        self.filtered = 0

    def next_index(self) -> int:
        for _ in range(2 * len(self.rows) + 1):
            if not self._order:
                self._order = list(range(len(self.rows)))
                self.rng.shuffle(self._order)
                # a new pass over the pool: every dropped prompt is one pass closer to coming back
                self.skip = {i: n - 1 for i, n in self.skip.items() if n > 1}
            i = self._order.pop()
            if i not in self.skip:
                return i
        return self.rng.randrange(len(self.rows))  # everything filtered: fall back to uniform

    def update(self, groups: list[tuple[int, list[float]]]) -> None:
        for i, rs in groups:
            if len(rs) >= 2 and (all(r == rs[0] for r in rs)):
                if self.cooldown:
                    # counted down at each new pass over the pool: it sits out the next `cooldown` passes
                    self.skip[i] = self.cooldown + 1
                self.filtered += 1
            else:
                self.skip.pop(i, None)

    def state(self) -> dict[str, Any]:
        return {"filtered_total": self.filtered, "sitting_out": len(self.skip),
                "active_share": round(1 - len(self.skip) / len(self.rows), 4)}

    def extra_state(self) -> dict[str, Any]:
        return {"skip": {str(k): v for k, v in self.skip.items()}, "filtered": self.filtered}

    def load_extra(self, state: dict[str, Any]) -> None:
        self.skip = {int(k): int(v) for k, v in state.get("skip", {}).items()}
        self.filtered = int(state.get("filtered", 0))


CURRICULA: dict[str, type[Curriculum]] = {
    "none": Curriculum, "static": StaticCurriculum, "gated": GatedCurriculum, "sec": SECCurriculum,
    "dump": DUMPCurriculum, "balanced": BalancedCurriculum,
}


def make_curriculum(name: str, rows: list[dict], *, seed: int = 0, arms: str = "difficulty",
                    total_steps: int | None = None, options: dict[str, Any] | None = None) -> Curriculum:
    """Build a curriculum by name; `options` are its own knobs (e.g. {"epsilon": 0.6} for gated)."""
    if name not in CURRICULA:
        raise HardgenError(f"unknown curriculum {name!r}; expected one of {', '.join(CURRICULA)}")
    try:
        return CURRICULA[name](rows, seed=seed, arms=arms, total_steps=total_steps, **(options or {}))
    except TypeError as e:
        raise HardgenError(f"bad option for curriculum {name!r}: {e}") from None
