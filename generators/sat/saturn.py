"""sat.saturn: Saturn-compatible SAT prompts (letters for variables, `!` for NOT, `&` between clauses) at any
size, with Saturn's difficulty estimate D(n, k, l) beside solver effort."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Knobs, Reject, knob, register
import numpy as np

from hardgen.generators.sat._cnf import (UNSAT_ANSWER, Budget, Clause, CnfFamily, draw_plant, effort_conflicts_knob,
                                         effort_seconds_knob, make_unique_exact, measure, planted_clauses,
                                         recheck_conflicts_knob, recheck_seconds_knob, solved_candidate,
                                         true_count_weights, uniform_clauses)

#: Saturn's own curriculum and test levels (n literals per clause, k variables, l clauses)
SATURN_LEVELS = [(3, 5, 5), (3, 5, 6), (3, 5, 13), (3, 5, 15), (3, 5, 20), (3, 5, 25), (3, 6, 20), (3, 7, 20),
                 (3, 7, 40), (4, 7, 20), (4, 7, 40), (4, 8, 40), (5, 8, 40), (6, 7, 40)]


def var_name(i: int) -> str:
    """Name of variable i (1-based): A..Z, then AA, AB, ... (spreadsheet columns), lifting Saturn's 26 limit."""
    out = ""
    while i > 0:
        i, r = divmod(i - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def saturn_d(n: int, k: int, l: int) -> float:
    """Saturn's difficulty estimate D(n, k, l) = log2 k + 2 log2 l - n + k / n."""
    return math.log2(k) + 2 * math.log2(l) - n + k / n


def literal_text(lit: int) -> str:
    return var_name(lit) if lit > 0 else "!" + var_name(-lit)


def formula_text(clauses: list[Clause], notation: str) -> str:
    """`saturn`: "!AB!C & A!BD" (literals concatenated, as Saturn writes them; only unambiguous up to 26
    variables); `infix`: "(!A | B | !C) & (A | !B | D)"."""
    top = max((abs(x) for cl in clauses for x in cl), default=0)
    names = [""] + [var_name(i) for i in range(1, top + 1)]  # each name made once, not per occurrence
    names.extend("!" + names[i] for i in range(top, 0, -1))  # names[-i] is !name_i
    if notation == "saturn":
        return " & ".join(["".join([names[x] for x in cl]) for cl in clauses])
    return " & ".join(["(" + " | ".join([names[x] for x in cl]) + ")" for cl in clauses])


def sorted_clauses(lits: np.ndarray) -> np.ndarray:
    """Clauses of equal width with literals sorted by variable, rows sorted as Saturn's files are (by
    (variable, sign) pairs left to right), so neither drawing order nor cuts show."""
    lits = np.take_along_axis(lits, np.argsort(np.abs(lits), axis=1, kind="stable"), axis=1)
    key = 2 * np.abs(lits) + (lits > 0)
    return lits[np.lexsort(key.T[::-1])]


@dataclass(frozen=True)
class SaturnKnobs(Knobs):
    n: int = knob(3, lo=1, hi=64, help="literals per clause (Saturn's n)")
    k: int = knob(5, lo=1, hi=100_000, help="number of variables (Saturn's k); names go A..Z, AA, AB, ...")
    l: int = knob(20, lo=1, hi=10_000_000, help="number of clauses (Saturn's l)")
    unique: bool = knob(True, help="exactly one satisfying assignment (proved by a second solve)")
    allow_unsat: bool = knob(False, help="draw clauses uniformly instead of around a hidden solution and keep "
                                         "unsatisfiable instances (answer 'unsatisfiable')")
    notation: str = knob("infix", choices=("infix", "saturn"),
                         help="'infix': (A | !B | C) & ...; 'saturn': Saturn's own A!BC & ... (k <= 26)")
    effort_conflicts: int = effort_conflicts_knob()
    effort_seconds: float = effort_seconds_knob()
    recheck_conflicts: int = recheck_conflicts_knob()
    recheck_seconds: float = recheck_seconds_knob()

    def check(self) -> None:
        if self.n > self.k:
            raise HardgenError(f"knob n ({self.n}) must not exceed k ({self.k}): a clause uses n distinct variables")
        if self.notation == "saturn" and self.k > 26:
            raise HardgenError(f"notation 'saturn' writes literals back to back, which is ambiguous beyond 26 "
                               f"variables (k={self.k}); use notation=infix")
        per_clause = 2 ** self.n - (0 if self.allow_unsat else 1)
        if self.k <= 64 and self.l > math.comb(self.k, self.n) * per_clause:
            raise HardgenError(f"knob l ({self.l}) exceeds the {math.comb(self.k, self.n) * per_clause} distinct "
                               f"clauses of {self.n} of {self.k} variables")
        # each clause a solution satisfies rules out 2^(k-n) assignments; fewer than 2^k - 1 cannot leave one
        if self.unique and not self.allow_unsat and self.l * 2 ** (self.k - self.n) < 2 ** self.k - 1:
            raise HardgenError(f"unique=true is impossible at n={self.n}, k={self.k}, l={self.l}: {self.l} clauses "
                               f"rule out at most {self.l * 2 ** (self.k - self.n)} of the {2 ** self.k - 1} other "
                               f"assignments; use l >= {math.ceil((2 ** self.k - 1) / 2 ** (self.k - self.n))} "
                               "or unique=false")


@register
class Saturn(CnfFamily):
    name = "sat.saturn"
    # 2: check params name the variables' letters (`names: "letters"`) for the checker
    # 3: vectorised sampling, the plant is the row's proof, effort measured by Glucose within a budget
    version = "3"
    Knobs = SaturnKnobs
    levels = {
        "saturn_3_5_5": {"n": 3, "k": 5, "l": 5, "unique": False, "notation": "saturn"},
        "easy": {"n": 3, "k": 5, "l": 20},
        "medium": {"n": 3, "k": 7, "l": 40},
        "hard": {"n": 4, "k": 8, "l": 40},
        "extreme": {"n": 3, "k": 40, "l": 180},
        "large": {"n": 3, "k": 300, "l": 1200, "unique": False},
        # linear to build and to verify (by the plant); solver effort is a budgeted lower bound at this size
        "huge": {"n": 3, "k": 100_000, "l": 420_000, "unique": False, "effort_seconds": 0.2,
                 "recheck_seconds": 0.2},
    }
    description = ("Saturn-style SAT prompts: n literals per clause over k letter-named variables, l clauses; "
                   "the answer is a k-bit string. Any size (names continue AA, AB, ... past Z), optionally with "
                   "exactly one solution; Saturn's difficulty estimate D(n,k,l) is stored as difficulty.saturn_d.")
    verification = ("Clauses are drawn around a hidden solution (or uniformly, with allow_unsat) and the instance "
                    "is solved with Glucose within the effort budget; uniqueness is enforced with cutting clauses "
                    "(the clause count stays l) and proved by a second solve with a blocking clause. `gen verify` "
                    "checks the hidden solution and the answer clause by clause (linear time), re-solves with "
                    "MiniSat within the re-check budget, and proves uniqueness again (invalid when that proof "
                    "does not finish within budget).")

    def generate(self, kn: SaturnKnobs, rng: random.Random) -> Candidate:
        plant = draw_plant(kn.k, rng)
        weights = true_count_weights(kn.n, "naive")
        clauses: list[Clause] = []
        seen: set[tuple[int, ...]] = set()
        drawn = 0
        while len(clauses) < kn.l:  # distinct clauses, as in Saturn's instances; drawn in batches
            want = kn.l - len(clauses)
            if drawn > 50 * kn.l + 1000:
                raise Reject("could not draw enough distinct clauses")
            batch = (uniform_clauses(kn.k, kn.n, want, rng) if kn.allow_unsat
                     else planted_clauses(kn.k, kn.n, plant, weights, want, rng))
            drawn += want
            for cl in batch:
                cl.sort(key=abs)
                key = tuple(cl)
                if key not in seen:
                    seen.add(key)
                    clauses.append(cl)
        budget = Budget.effort_of(kn)
        res = measure(kn.k, clauses, budget)
        extra: dict = {"saturn_d": round(saturn_d(kn.n, kn.k, kn.l), 4), "saturn_nkl": [kn.n, kn.k, kn.l]}
        if kn.allow_unsat and res.sat is None:
            raise Reject("satisfiability not settled within budget")
        if res.sat is False and not kn.allow_unsat:  # the plant satisfies every clause: a solver or sampler bug
            raise HardgenError("planted instance reported unsatisfiable")
        unique = bool(kn.unique and (res.sat or not kn.allow_unsat))
        if unique:
            keep = res.values if kn.allow_unsat else plant
            assert keep is not None
            made = make_unique_exact(kn.k, clauses, keep, kn.n, rng, budget)
            if made is None:
                raise Reject("uniqueness not proved within budget")
            clauses, extra["cut_clauses"] = made
            res = measure(kn.k, clauses, budget)
            if kn.allow_unsat and not res.sat:
                raise Reject("the cut instance was not re-solved within budget")
        clauses = sorted_clauses(np.asarray(clauses, dtype=np.int64)).tolist()
        prompt = self.prompt(kn, clauses, unique)
        return solved_candidate(kn.k, clauses, "bits", unique, kn.allow_unsat, prompt, res, extra,
                                plant=None if kn.allow_unsat else plant,
                                names="letters")  # the checker then also reads `A=1, B=0, ...`

    def prompt(self, kn: SaturnKnobs, clauses: list[Clause], unique: bool) -> str:
        last = var_name(kn.k)
        order = ", ".join(var_name(i) for i in range(1, min(kn.k, 3) + 1)) + (f", ..., {last}" if kn.k > 3 else "")
        if kn.notation == "saturn":
            rules = ("Clauses are separated by \" & \" (logical AND). Within each clause, variables are combined "
                     "by concatenation (logical OR). A negation is indicated by \"!\" before a variable.")
        else:
            rules = ("Each clause is in parentheses with its literals joined by \"|\" (logical OR); clauses are "
                     "joined by \"&\" (logical AND). A negation is indicated by \"!\" before a variable.")
        many = ("The solution is unique." if unique else
                "If there are multiple solutions, provide any one of them.")
        unsat = (f" If no assignment satisfies the formula, answer \\boxed{{{UNSAT_ANSWER}}}."
                 if kn.allow_unsat else "")
        return ("You are now required to solve a SAT (Boolean Satisfiability) problem.\n\n"
                f"- n_sat = {kn.n}: the number of variables in each clause.\n"
                f"- k = {kn.k}: the number of distinct variables, named {order}.\n"
                f"- The formula: {rules}\n\n"
                f"Formula: {formula_text(clauses, kn.notation)}\n\n"
                f"Find an assignment that makes the formula true. The answer is a string of length {kn.k} giving "
                f"the truth values of the variables in the order {order} (1 for true, 0 for false). {many}"
                f"{unsat}\nPlease reason step by step, and put your final answer within \\boxed{{}}.")
