"""sat.saturn: Saturn-compatible SAT prompts (letters for variables, `!` for NOT, `&` between clauses) at any
size, with Saturn's difficulty estimate D(n, k, l) beside solver effort."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Knobs, Reject, knob, register
from hardgen.generators.sat._cnf import (UNSAT_ANSWER, Clause, CnfFamily, make_unique_exact,
                                         planted_clause, render_values, solve, solved_candidate,
                                         true_count_weights, uniform_clause)

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
    if notation == "saturn":
        return " & ".join("".join(literal_text(x) for x in cl) for cl in clauses)
    return " & ".join("(" + " | ".join(literal_text(x) for x in cl) + ")" for cl in clauses)


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
    Knobs = SaturnKnobs
    version = "2"  # 2: check params name the variables' letters (`names: "letters"`) for the checker
    levels = {
        "saturn_3_5_5": {"n": 3, "k": 5, "l": 5, "unique": False, "notation": "saturn"},
        "easy": {"n": 3, "k": 5, "l": 20},
        "medium": {"n": 3, "k": 7, "l": 40},
        "hard": {"n": 4, "k": 8, "l": 40},
        "extreme": {"n": 3, "k": 40, "l": 180},
        "huge": {"n": 3, "k": 300, "l": 1200, "unique": False},
    }
    description = ("Saturn-style SAT prompts: n literals per clause over k letter-named variables, l clauses; "
                   "the answer is a k-bit string. Any size (names continue AA, AB, ... past Z), optionally with "
                   "exactly one solution; Saturn's difficulty estimate D(n,k,l) is stored as difficulty.saturn_d.")
    verification = ("Clauses are drawn around a hidden solution (or uniformly, with allow_unsat) and the instance "
                    "is solved with CaDiCaL; uniqueness is enforced with cutting clauses (the clause count stays l) and proved by a "
                    "second solve with a blocking clause. `gen verify` re-solves with Glucose, checks the answer "
                    "clause by clause, and proves uniqueness again.")

    def generate(self, kn: SaturnKnobs, rng: random.Random) -> Candidate:
        plant = [rng.random() < 0.5 for _ in range(kn.k)]
        weights = true_count_weights(kn.n, "naive")
        clauses: list[Clause] = []
        seen: set[tuple[int, ...]] = set()
        tries = 0
        while len(clauses) < kn.l:  # distinct clauses, as in Saturn's instances
            tries += 1
            if tries > 50 * kn.l + 1000:
                raise Reject("could not draw enough distinct clauses")
            cl = uniform_clause(kn.k, kn.n, rng) if kn.allow_unsat else planted_clause(kn.k, kn.n, plant, weights, rng)
            cl.sort(key=abs)
            key = tuple(cl)
            if key not in seen:
                seen.add(key)
                clauses.append(cl)
        res = solve(kn.k, clauses)
        extra: dict = {"saturn_d": round(saturn_d(kn.n, kn.k, kn.l), 4), "saturn_nkl": [kn.n, kn.k, kn.l]}
        if res.sat and kn.unique:
            assert res.values is not None
            keep = plant if not kn.allow_unsat else res.values
            made = make_unique_exact(kn.k, clauses, keep, kn.n, rng)
            if made is None:
                raise Reject("could not reach a unique solution")
            clauses, extra["cut_clauses"] = made
            for cl in clauses:
                cl.sort(key=abs)
            res = solve(kn.k, clauses)
        # sorted like Saturn's files, so the order of drawing (and of cuts) is not visible
        clauses.sort(key=lambda c: [(abs(x), x > 0) for x in c])
        prompt = self.prompt(kn, clauses, kn.unique and res.sat)
        return solved_candidate(kn.k, clauses, "bits", kn.unique and res.sat, kn.allow_unsat, prompt, res, extra,
                                planted=None if kn.allow_unsat else render_values(plant, "bits"),
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
