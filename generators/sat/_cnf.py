"""Shared CNF machinery for the sat.* families: DIMACS read/write, clause samplers, solver effort, uniqueness
proofs, answer formats, and the `CnfFamily` base that gives every SAT family the same check, rederive and
SatEncodable behaviour."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from pysat.solvers import Solver

from hardgen.core.errors import HardgenError
from hardgen.core.progress import note
from hardgen.generators.base import Candidate, Family, SatEncodable, knob
from hardgen.generators.budget import Budget as SolverBudget, Deadline, limited_solve  # noqa: F401  (re-exported)
from hardgen.verifiers.base import Checks

#: backend that labels instances and measures effort while generating; it honours conflict and time budgets
#: (python-sat's CaDiCaL cannot be stopped, so it cannot run where a budget must hold)
GEN_BACKEND = "glucose4"
#: a different backend for `rederive`, so a bug in one solver cannot confirm itself; also stoppable
CHECK_BACKEND = "minisat22"
FORMATS = ("bits", "dimacs")
UNSAT_ANSWER = "unsatisfiable"
EFFORT_KEYS = ("conflicts", "decisions", "propagations", "restarts")

Clause = list[int]

_ASCII_INT = re.compile(r"[+-]?[0-9]+")
#: the largest variable count read from a header; a larger one is a mistake or an attack, not a problem to pose
MAX_DIMACS_VARS = 10_000_000


def _dimacs_int(tok: str) -> int:
    """An ASCII DIMACS integer; `int()` alone would also take '1_0' and non-ASCII digits."""
    if not _ASCII_INT.fullmatch(tok):
        raise ValueError(tok)
    return int(tok)


# ---------------------------------------------------------------- random formula shape


class ClauseCountKnobs:
    """Checks shared by knob classes with `n` variables, `k` literals per clause, and `ratio` or `clauses`."""

    def check(self) -> None:
        if self.k > self.n:
            raise HardgenError(f"knob k ({self.k}) must not exceed n ({self.n}): a clause uses k distinct variables")
        if self.clause_count() < 1:
            raise HardgenError("knobs ratio and clauses give no clauses; set ratio > 0 or clauses >= 1")

    def clause_count(self) -> int:
        return self.clauses if self.clauses > 0 else round(self.ratio * self.n)


# ---------------------------------------------------------------- solver budgets

#: defaults of the budget knobs every sat.* family carries (see `gen list sat.planted`); a family whose label
#: rests on a solve (ksat, dimacs) raises the seconds, one whose label rests on a plant keeps them short
EFFORT_CONFLICTS, EFFORT_SECONDS = 100_000, 0.5
RECHECK_CONFLICTS, RECHECK_SECONDS = 2_000_000, 0.5
LABEL_SECONDS = 10.0


def effort_conflicts_knob(default: int = EFFORT_CONFLICTS) -> Any:
    return knob(default, lo=1, hi=10**9, budget=True,
                help="conflict budget of each solve while generating (effort, labels, uniqueness); effort past "
                     "it is a lower bound marked complete=false")


def effort_seconds_knob(default: float = EFFORT_SECONDS) -> Any:
    return knob(default, lo=0.001, hi=86_400.0, budget=True,
                help="time budget in seconds of the solves for one row while generating (a guard; conflicts "
                     "decide first, so rows are the same on any machine unless this is hit)")


def recheck_conflicts_knob(default: int = RECHECK_CONFLICTS) -> Any:
    return knob(default, lo=1, hi=10**9, budget=True,
                help="conflict budget of `gen verify`'s re-solve and uniqueness proof")


def recheck_seconds_knob(default: float = RECHECK_SECONDS) -> Any:
    return knob(default, lo=0.001, hi=86_400.0, budget=True,
                help="time budget in seconds of `gen verify`'s re-solve and uniqueness proof for one row")


class Budget(SolverBudget):
    """A solver budget (`hardgen.generators.budget.Budget`) read from a sat.* family's knobs or a row."""

    @classmethod
    def effort_of(cls, kn: Any) -> "Budget":
        return cls(getattr(kn, "effort_conflicts", EFFORT_CONFLICTS), getattr(kn, "effort_seconds", EFFORT_SECONDS))

    @classmethod
    def recheck_of(cls, record: dict) -> "Budget":
        """The re-check budget a record's knobs name, or the defaults for rows written before the knobs."""
        kn = (record.get("source") or {}).get("knobs") or {}
        return cls(int(kn.get("recheck_conflicts", RECHECK_CONFLICTS)),
                   float(kn.get("recheck_seconds", RECHECK_SECONDS)))


# ---------------------------------------------------------------- DIMACS

def parse_dimacs(text: str, source: str = "<string>") -> tuple[int, list[Clause]]:
    """Parse DIMACS CNF text into `(num_vars, clauses)`; errors name `source` and the line.

    Accepts `c` comment lines, blank lines, clauses spread over several lines and SATLIB's `%` / `0` trailer.
    Rejects a missing or malformed `p cnf` line, non-integer tokens, literals beyond the declared variable
    count, an unterminated last clause, and a clause count that differs from the header.

    >>> parse_dimacs("p cnf 2 2\\n1 -2 0\\n2 0\\n")
    (2, [[1, -2], [2]])
    """
    num_vars: int | None = None
    declared = 0
    header_line = 0
    clauses: list[Clause] = []
    current: Clause = []
    clause_start = 0
    lines = text.splitlines()
    lineno = 0
    while lineno < len(lines):
        raw = lines[lineno]
        lineno += 1
        line = raw.strip()
        if not line or line.startswith("c"):
            continue
        if line.startswith("%"):
            # SATLIB trailer: `%` then a lone `0`; anything else after it is an error
            rest = [ln.strip() for ln in lines[lineno:] if ln.strip() and not ln.strip().startswith("c")]
            if rest not in ([], ["0"]):
                raise HardgenError(f"{source}:{lineno}: unexpected content after the SATLIB '%' trailer")
            break
        if line.startswith("p"):
            if num_vars is not None:
                raise HardgenError(f"{source}:{lineno}: second 'p' line (the first is on line {header_line})")
            if clauses or current:
                raise HardgenError(f"{source}:{lineno}: 'p cnf' line after clauses; it must come first")
            parts = line.split()
            if len(parts) != 4 or parts[1] != "cnf":
                raise HardgenError(f"{source}:{lineno}: malformed header {line!r}; expected 'p cnf VARS CLAUSES'")
            try:
                num_vars, declared = _dimacs_int(parts[2]), _dimacs_int(parts[3])
            except ValueError:
                raise HardgenError(f"{source}:{lineno}: header counts must be integers, got {line!r}") from None
            if num_vars < 0 or declared < 0:
                raise HardgenError(f"{source}:{lineno}: header counts must be non-negative, got {line!r}")
            if num_vars > MAX_DIMACS_VARS:
                raise HardgenError(f"{source}:{lineno}: header declares {num_vars} variables; at most "
                                   f"{MAX_DIMACS_VARS:,} are supported")
            header_line = lineno
            continue
        if num_vars is None:
            raise HardgenError(f"{source}:{lineno}: clause before the 'p cnf VARS CLAUSES' header "
                               "(missing p line?)")
        for tok in line.split():
            try:
                lit = _dimacs_int(tok)
            except ValueError:
                raise HardgenError(f"{source}:{lineno}: {tok!r} is not an integer literal") from None
            if lit == 0:
                clauses.append(current)
                current = []
                continue
            if abs(lit) > num_vars:
                raise HardgenError(f"{source}:{lineno}: literal {lit} is out of range; the header declares "
                                   f"{num_vars} variables")
            if not current:
                clause_start = lineno
            current.append(lit)
    if num_vars is None:
        raise HardgenError(f"{source}: no 'p cnf VARS CLAUSES' header line")
    if current:
        raise HardgenError(f"{source}:{clause_start}: clause starting on this line is not terminated by 0")
    if len(clauses) != declared:
        raise HardgenError(f"{source}:{header_line}: header declares {declared} clauses but the file has "
                           f"{len(clauses)}")
    return num_vars, clauses


def read_dimacs(path: str | Path) -> tuple[int, list[Clause]]:
    """Read a DIMACS CNF file; unreadable files and malformed content raise `HardgenError` naming the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise HardgenError(f"cannot read DIMACS file {p}: {e.strerror or e}") from None
    return parse_dimacs(text, str(p))


def write_dimacs(num_vars: int, clauses: list[Clause], comments: tuple[str, ...] = ()) -> str:
    """DIMACS CNF text for `(num_vars, clauses)`; `parse_dimacs(write_dimacs(n, c)) == (n, c)`."""
    out = [f"c {c}" for c in comments]
    out.append(f"p cnf {num_vars} {len(clauses)}")
    out.extend(" ".join(map(str, cl)) + " 0" for cl in clauses)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- clause samplers

def uniform_clause(n: int, k: int, rng: random.Random) -> Clause:
    """A uniform random k-clause: k distinct variables of 1..n, each negated with probability 1/2."""
    return [v if rng.random() < 0.5 else -v for v in rng.sample(range(1, n + 1), k)]


def quiet_q(k: int) -> float:
    """The q of q-planting for which a literal in a clause agrees with the plant half the time.

    A clause with t literals true under the plant is drawn with weight q**t. Solving
    sum_t C(k,t) q^t (t/k - 1/2) = 0 balances each variable's positive and negative occurrences, so the
    plant cannot be read off literal polarity (for k = 3 this is the golden ratio conjugate 0.618...).
    """
    if k <= 2:
        return 0.0  # only clauses with exactly one true literal are balanced for k <= 2

    def f(q: float) -> float:
        return sum(math.comb(k, t) * q ** t * (t / k - 0.5) for t in range(1, k + 1))

    lo, hi = 1e-9, 1.0  # f < 0 near 0 (t = 1 dominates) and f(1) > 0
    for _ in range(100):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def true_count_weights(k: int, planting: str) -> list[float]:
    """Weights over t = 1..k (number of literals the plant makes true) for a planted clause.

    `naive`: uniform over all clauses the plant satisfies (weight C(k,t)); `quiet`: q-planting with the
    balancing q, so literal polarity statistics match a uniform instance's.
    """
    if planting == "naive":
        return [float(math.comb(k, t)) for t in range(1, k + 1)]
    if planting == "quiet":
        if k <= 2:
            return [1.0] + [0.0] * (k - 1)
        q = quiet_q(k)
        return [math.comb(k, t) * q ** t for t in range(1, k + 1)]
    raise HardgenError(f"planting must be 'naive' or 'quiet', got {planting!r}")


def planted_clause(n: int, k: int, plant: list[bool], weights: list[float], rng: random.Random) -> Clause:
    """A k-clause the plant satisfies, with t true literals drawn by `weights` (see `true_count_weights`)."""
    t = rng.choices(range(1, k + 1), weights=weights)[0]
    vars_ = rng.sample(range(1, n + 1), k)
    true_pos = set(rng.sample(range(k), t))
    # literal i is true under the plant iff its sign matches the plant's value for that variable
    return [v if (plant[v - 1] == (i in true_pos)) else -v for i, v in enumerate(vars_)]


def _numpy_rng(rng: random.Random) -> np.random.Generator:
    """A numpy generator seeded from `rng`, so a row's randomness still comes from its hashed item seed."""
    return np.random.default_rng(rng.getrandbits(64))


def _distinct_vars(n: int, k: int, m: int, g: np.random.Generator) -> np.ndarray:
    """An (m, k) array of variables 1..n, each row k distinct ones (rows with a repeat are redrawn)."""
    vars_ = g.integers(1, n + 1, size=(m, k))
    while k > 1:
        srt = np.sort(vars_, axis=1)
        bad = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))
        if not len(bad):
            break
        vars_[bad] = g.integers(1, n + 1, size=(len(bad), k))
    return vars_


def uniform_clauses(n: int, k: int, m: int, rng: random.Random) -> list[Clause]:
    """`m` uniform random k-clauses over 1..n (as `uniform_clause`, drawn in one vectorised pass)."""
    g = _numpy_rng(rng)
    vars_ = _distinct_vars(n, k, m, g)
    return np.where(g.random((m, k)) < 0.5, vars_, -vars_).tolist()


def draw_plant(n: int, rng: random.Random) -> list[bool]:
    """A hidden assignment of n variables, each true with probability 1/2."""
    return (_numpy_rng(rng).random(n) < 0.5).tolist()


def planted_clauses(n: int, k: int, plant: list[bool], weights: list[float], m: int,
                    rng: random.Random) -> list[Clause]:
    """`m` clauses the plant satisfies, distributed as `planted_clause`, drawn in one vectorised pass: linear
    in m, about a second for 10^6 clauses."""
    note(f"drawing {m:,} clauses")
    g = _numpy_rng(rng)
    vars_ = _distinct_vars(n, k, m, g)
    cum = np.cumsum(weights) / sum(weights)
    t = np.minimum(np.searchsorted(cum, g.random(m), side="right") + 1, k)  # true literals per clause
    ranks = np.argsort(np.argsort(g.random((m, k)), axis=1), axis=1)  # a random order of the k positions
    true_here = ranks < t[:, None]
    plant_of = np.asarray(plant, dtype=bool)[vars_ - 1]
    # a literal is true under the plant iff its sign matches the plant's value for that variable
    return np.where(plant_of == true_here, vars_, -vars_).tolist()


def flat_clauses(clauses: list[Clause]) -> tuple[np.ndarray, np.ndarray]:
    """(clause lengths, all literals in order) as int64 arrays: one pass that vectorised checks share."""
    lens = np.fromiter(map(len, clauses), dtype=np.int64, count=len(clauses))
    return lens, np.fromiter(chain.from_iterable(clauses), dtype=np.int64, count=int(lens.sum()))


def literals_in_range(clauses: list[Clause], num_vars: int) -> bool:
    """Every clause non-empty and every literal names a variable 1..num_vars."""
    if len(clauses) < 64:
        return all(cl and all(0 < abs(x) <= num_vars for x in cl) for cl in clauses)
    lens, flat = flat_clauses(clauses)
    return bool(lens.all() and (flat != 0).all() and (np.abs(flat) <= num_vars).all())


def satisfies(clauses: list[Clause], values: list[bool]) -> bool:
    """True when `values` (index 0 = variable 1) makes every clause true; vectorised, linear in the formula."""
    if len(clauses) < 64:
        return all(any((lit > 0) == values[abs(lit) - 1] for lit in cl) for cl in clauses)
    lens, flat = flat_clauses(clauses)
    if not lens.all():
        return False  # an empty clause is false under every assignment
    vals = np.asarray(values, dtype=bool)
    idx = np.abs(flat) - 1
    if len(vals) == 0 or idx.max() >= len(vals):
        return False
    true_lit = (flat > 0) == vals[idx]
    starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
    return bool(np.logical_or.reduceat(true_lit, starts).all())


def model_to_values(model: list[int], num_vars: int) -> list[bool]:
    """A solver model (signed ints, possibly partial) as booleans for variables 1..num_vars (absent = False)."""
    vals = [False] * num_vars
    for lit in model:
        if 0 < abs(lit) <= num_vars:
            vals[abs(lit) - 1] = lit > 0
    return vals


def values_to_lits(values: list[bool]) -> list[int]:
    return [i + 1 if v else -(i + 1) for i, v in enumerate(values)]


# ---------------------------------------------------------------- solving

@dataclass(frozen=True)
class SolveResult:
    """Outcome of one solve: satisfiable (True/False, None when a budget ran out), a model when satisfiable,
    and the solver's effort."""

    sat: bool | None
    values: list[bool] | None
    effort: dict[str, Any]


def solve(num_vars: int, clauses: list[Clause], backend: str = GEN_BACKEND,
          conflict_budget: int | None = None, seconds: float | None = None) -> SolveResult:
    """Solve with a python-sat backend, to completion or within `conflict_budget` conflicts and `seconds` of
    wall-clock time; `effort` holds the solver's accumulated statistics and whether the solve finished."""
    budget = None if conflict_budget is None and seconds is None else Budget(conflict_budget, seconds)
    with Solver(name=backend, bootstrap_with=clauses) as s:
        sat = limited_solve(s, budget)
        stats = s.accum_stats() or {}
        model = s.get_model() if sat else None
    effort: dict[str, Any] = {key: int(stats.get(key, 0)) for key in EFFORT_KEYS}
    if budget is not None:
        effort["complete"] = sat is not None
    return SolveResult(sat, model_to_values(model, num_vars) if model is not None else None, effort)


def other_solution(num_vars: int, clauses: list[Clause], values: list[bool],
                   backend: str = GEN_BACKEND, budget: Budget | None = None) -> list[bool] | None | bool:
    """A satisfying assignment different from `values` (via a blocking clause), None when `values` is the
    only one, or False when `budget` ran out before either was settled."""
    block = [-lit for lit in values_to_lits(values)]
    with Solver(name=backend, bootstrap_with=clauses) as s:
        s.add_clause(block)
        found = limited_solve(s, budget)
        if found is None:
            return False
        if not found:
            return None
        return model_to_values(s.get_model(), num_vars)


def cutting_clause(width: int, keep: list[bool], cut: list[bool], rng: random.Random) -> Clause:
    """A clause of `width` distinct variables that `keep` satisfies and `cut` falsifies.

    It needs one variable where the two differ (its literal is true under `keep`, false under `cut`); every
    other literal is chosen false under `cut`, so `cut` violates the clause while `keep` still satisfies it.
    """
    n = len(keep)
    diff = [i for i in range(n) if keep[i] != cut[i]]
    first = rng.choice(diff)
    others = rng.sample([i for i in range(n) if i != first], width - 1)
    lits = []
    for i in [first] + others:
        # the literal true under `keep` at `first`; elsewhere the literal false under `cut`
        positive = keep[i] if i == first else not cut[i]
        lits.append(i + 1 if positive else -(i + 1))
    rng.shuffle(lits)
    return lits


def make_unique_by_adding(num_vars: int, clauses: list[Clause], plant: list[bool], width: int,
                          rng: random.Random, max_cuts: int, budget: Budget | None = None) -> list[Clause] | None:
    """Add cutting clauses (true under `plant`, false under each other solution found) until `plant` is the
    only model; returns the added clauses, or None when `max_cuts` were not enough or `budget` (conflicts per
    solve, seconds for the whole loop) ran out before uniqueness was proved."""
    added: list[Clause] = []
    block = [-lit for lit in values_to_lits(plant)]
    deadline = Deadline(budget) if budget is not None else None
    with Solver(name=GEN_BACKEND, bootstrap_with=clauses) as s:
        selector = num_vars + 1  # the blocking clause is switched on by assumption only, so cuts stay permanent
        s.add_clause(block + [selector])
        for _ in range(max_cuts + 1):
            found = limited_solve(s, deadline, [-selector])
            if found is None:
                return None
            if not found:
                return added
            if len(added) == max_cuts:
                return None
            other = model_to_values(s.get_model(), num_vars)
            cut = cutting_clause(width, plant, other, rng)
            s.add_clause(cut)
            added.append(cut)
    return None


def make_unique_exact(num_vars: int, clauses: list[Clause], plant: list[bool], width: int,
                      rng: random.Random, budget: Budget | None = None) -> tuple[list[Clause], int] | None:
    """Make `plant` the only model while keeping exactly `len(clauses)` distinct clauses.

    The last r drawn clauses are held back, cutting clauses are added to the rest until `plant` is the only
    model, and held-back clauses fill the remaining places (adding clauses never brings a model back). r doubles
    while it is too small, up to every clause. Returns (clauses, cut count) or None.
    """
    total = len(clauses)
    reserve = max(1, total // 16)
    while reserve <= total:
        base = [list(c) for c in clauses[: total - reserve]]
        added = make_unique_by_adding(num_vars, base, plant, width, rng, max_cuts=reserve, budget=budget)
        if added is not None:
            out = base + added
            seen = {tuple(sorted(c)) for c in out}
            for c in clauses[total - reserve:]:
                if len(out) == total:
                    break
                if tuple(sorted(c)) not in seen:
                    seen.add(tuple(sorted(c)))
                    out.append(list(c))
            if len(out) == total:
                return out, len(added)
        if reserve == total:
            break
        reserve = min(total, reserve * 2)
    return None


# ---------------------------------------------------------------- answers

def render_values(values: list[bool], fmt: str) -> str:
    """An assignment in the answer format: `bits` ("0110") or `dimacs` ("-1 2 3 -4")."""
    if fmt == "bits":
        return "".join("1" if v else "0" for v in values)
    if fmt == "dimacs":
        return " ".join(map(str, values_to_lits(values)))
    raise HardgenError(f"answer format must be one of {list(FORMATS)}, got {fmt!r}")


def format_instructions(num_vars: int, fmt: str, allow_unsat: bool,
                        bit_meaning: str = "the i-th character for x_i") -> str:
    """The prompt's answer-format paragraph."""
    if fmt == "bits":
        ex = "".join("1" if i % 3 != 1 else "0" for i in range(min(num_vars, 6)))
        text = (f"Give the assignment as a string of exactly {num_vars} characters 0/1, {bit_meaning} "
                f"(1 = true, 0 = false), inside \\boxed{{}}, e.g. \\boxed{{{ex}{'...' if num_vars > 6 else ''}}}.")
    else:
        text = (f"Give the assignment as the {num_vars} signed variable numbers, i for x_i true and -i for x_i "
                "false, every variable exactly once, separated by spaces, inside \\boxed{}, "
                "e.g. \\boxed{1 -2 3" + (" ...}." if num_vars > 3 else "}."))
    if allow_unsat:
        text += f" If no assignment satisfies every clause, answer \\boxed{{{UNSAT_ANSWER}}}."
    return text


def clause_text(clause: Clause) -> str:
    return "(" + " ∨ ".join(f"x{lit}" if lit > 0 else f"¬x{-lit}" for lit in clause) + ")"


def clauses_text(num_vars: int, clauses: list[Clause]) -> str:
    """The clauses one per line as `clause_text` writes them; literal names are made once, not per occurrence,
    and 3-literal clauses (the common case) take one f-string each, the fastest of the ways measured."""
    names = [""] + [f"x{i}" for i in range(1, num_vars + 1)]
    names.extend(f"¬x{i}" for i in range(num_vars, 0, -1))  # names[-i] is ¬x_i
    if set(map(len, clauses)) == {3}:
        return "\n".join([f"({names[a]} ∨ {names[b]} ∨ {names[c]})" for a, b, c in clauses])
    return "\n".join(["(" + " ∨ ".join([names[lit] for lit in cl]) + ")" for cl in clauses])


def cnf_prompt(num_vars: int, clauses: list[Clause], fmt: str, allow_unsat: bool) -> str:
    """A prompt listing the clauses (one per line) and the answer format."""
    note(f"writing the prompt ({len(clauses):,} clauses)")
    body = clauses_text(num_vars, clauses)
    return (f"Find an assignment of the Boolean variables x1..x{num_vars} that makes every one of the following "
            f"{len(clauses)} clauses true (∨ is OR, ¬ is NOT; the formula is the AND of all clauses).\n\n"
            f"{body}\n\n" + format_instructions(num_vars, fmt, allow_unsat))


def sat_check(num_vars: int, clauses: list[Clause], status: str, fmt: str, unique: bool,
              **extra: Any) -> dict:
    """The record's `check` for kind `sat`."""
    params = {"num_vars": num_vars, "clauses": clauses, "status": status, "format": fmt, "unique": unique}
    params.update(extra)
    return {"kind": "sat", "params": params, "response_format": "boxed"}


#: `status` of a row whose satisfiability no solver settled within its budget; such a row is invalid
UNSETTLED = "unknown"


def effort_features(num_vars: int, clauses: list[Clause], result: SolveResult) -> dict:
    """Size features and `effort` = {backend: {conflicts, decisions, propagations, restarts, complete}}: the
    generating solve's statistics, a lower bound on the instance's effort when `complete` is false."""
    return {"n_vars": num_vars, "n_clauses": len(clauses),
            "ratio": round(len(clauses) / num_vars, 4) if num_vars else 0.0,
            "effort": {GEN_BACKEND: {**result.effort, "complete": result.sat is not None}}}


def measure(num_vars: int, clauses: list[Clause], budget: Budget) -> SolveResult:
    """The generating solve under a row's effort budget (label, model and effort in one call)."""
    note(f"{GEN_BACKEND} on {len(clauses):,} clauses (budget {budget.conflicts:,} conflicts, {budget.seconds:g} s)")
    return solve(num_vars, clauses, GEN_BACKEND, budget.conflicts, budget.seconds)


# ---------------------------------------------------------------- the shared family base

def _budget_text(budget: Budget) -> str:
    return f"{budget.conflicts:,} conflicts, {budget.seconds:g} s"


class CnfFamily(Family, SatEncodable):
    """Base for families whose check is kind `sat`: SatEncodable, and an independent `rederive` that proves a
    planted row by its plant (linear time), re-solves with a different backend (MiniSat vs the generator's
    glucose4) within the row's re-check budget, and re-proves uniqueness within it."""

    def cnf(self, record: dict) -> tuple[int, list[Clause]]:
        p = record["check"]["params"]
        return int(p["num_vars"]), [list(c) for c in p["clauses"]]

    def render_model(self, record: dict, model: list[int] | None) -> str:
        p = record["check"]["params"]
        if model is None:
            return f"The formula is unsatisfiable: \\boxed{{{UNSAT_ANSWER}}}."
        values = model_to_values(model, int(p["num_vars"]))
        return f"A satisfying assignment: \\boxed{{{render_values(values, p['format'])}}}."

    def answer_values(self, record: dict) -> list[bool] | None:
        """The record's reference assignment decoded from its answer text (None when there is none)."""
        ans = record.get("answer")
        p = record["check"]["params"]
        if ans is None or ans == UNSAT_ANSWER:
            return None
        n = int(p["num_vars"])
        if p["format"] == "bits":
            if len(ans) != n or set(ans) - {"0", "1"}:
                raise ValueError(f"answer {ans[:40]!r} is not {n} bits")
            return [c == "1" for c in ans]
        lits = [int(t) for t in ans.split()]
        if sorted(abs(x) for x in lits) != list(range(1, n + 1)):
            raise ValueError("answer does not give every variable exactly once")
        return model_to_values(lits, n)

    def rederive(self, record: dict) -> Checks:
        p = record["check"]["params"]
        n = int(p["num_vars"])
        clauses = p["clauses"]
        budget = Budget.recheck_of(record)
        checks = Checks()
        checks["literals_in_range"] = literals_in_range(clauses, n)
        if p["status"] == UNSETTLED:
            checks["status_settled"] = False
            checks.reasons.append("satisfiability not settled within the generation budget")
            return checks
        note(f"{CHECK_BACKEND} re-solve of {len(clauses):,} clauses (budget {_budget_text(budget)})")
        res = solve(n, clauses, CHECK_BACKEND, budget.conflicts, budget.seconds)
        checks.notes["resolve"] = {"backend": CHECK_BACKEND, "budget": budget.as_dict(),
                                   "outcome": {True: "sat", False: "unsat", None: "budget ran out"}[res.sat]}
        if p["status"] == "unsat":
            checks["unsat_proved"] = None if res.sat is None else not res.sat
            if res.sat is None:
                checks.reasons.append(f"unsatisfiability not re-proved within budget ({_budget_text(budget)})")
            checks["answer_is_unsat"] = record.get("answer") in (None, UNSAT_ANSWER)
            return checks
        if res.sat is not None:  # past the budget the plant or witness below still proves satisfiability
            checks["status_rederived"] = res.sat
        planted = [c == "1" for c in p["planted"]] if p.get("planted") is not None else None
        if planted is not None:
            checks["plant_satisfies"] = len(planted) == n and satisfies(clauses, planted)
        witness = [c == "1" for c in p["witness"]] if p.get("witness") else None
        if witness is not None:
            checks["witness_satisfies"] = len(witness) == n and satisfies(clauses, witness)
        vals = self.answer_values(record)
        if vals is not None and vals != planted and vals != witness:
            checks["answer_satisfies"] = satisfies(clauses, vals)
        if p.get("unique"):
            model = res.values or vals or witness or planted
            if model is not None:
                other = other_solution(n, clauses, model, CHECK_BACKEND, budget)
                checks["unique"] = other is None
                if other is False:
                    checks.reasons.append(f"uniqueness not proved within budget ({_budget_text(budget)})")
                if vals is not None:
                    checks["answer_is_the_solution"] = vals == model
        return checks


def solved_candidate(num_vars: int, clauses: list[Clause], fmt: str, unique: bool, allow_unsat: bool,
                     prompt: str, result: SolveResult, difficulty: dict, *,
                     plant: list[bool] | None = None, **extra: Any) -> Candidate:
    """The candidate for an instance solved (or not, within budget) by `result`: answer, check and features.

    A planted instance stands on its plant: the plant is the stored proof of satisfiability and the answer
    of a unique one, so nothing in the row depends on how far the budgeted solve got. Otherwise a solver
    model is stored as the witness, and an instance no solve settled gets status `unknown`.
    """
    if plant is not None:
        extra["planted"] = render_values(plant, "bits")
        answer = render_values(plant, fmt) if unique else None
        status = "sat"
    elif result.sat:
        assert result.values is not None
        answer = render_values(result.values, fmt) if unique else None
        status = "sat"
        # a model stored with the row lets `gen verify` prove satisfiability clause by clause, solver-free
        extra["witness"] = render_values(result.values, "bits")
    elif result.sat is None:
        answer, status = None, UNSETTLED
    else:
        answer, status = UNSAT_ANSWER, "unsat"
    check = sat_check(num_vars, clauses, status, fmt, unique, **extra)
    feats = {**effort_features(num_vars, clauses, result), "status": status, **difficulty}
    return Candidate(prompt, answer, check, feats)
