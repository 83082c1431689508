"""sat.ksat: uniform random k-SAT, labelled satisfiable or unsatisfiable by a CDCL solver."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hardgen.generators.base import Candidate, Knobs, Reject, knob, register
from hardgen.generators.sat._cnf import (FORMATS, ClauseCountKnobs, CnfFamily, cnf_prompt, make_unique_by_adding, solve,
                                         solved_candidate, uniform_clause)


@dataclass(frozen=True)
class KSatKnobs(ClauseCountKnobs, Knobs):
    n: int = knob(20, lo=1, hi=100_000, help="number of variables")
    k: int = knob(3, lo=1, hi=20, help="literals per clause (distinct variables)")
    ratio: float = knob(4.26, lo=0.0, hi=1000.0, help="clauses per variable (3-SAT threshold is ~4.27)")
    clauses: int = knob(0, lo=0, hi=10_000_000, help="clause count; overrides ratio when > 0")
    allow_unsat: bool = knob(True, help="keep unsatisfiable instances (answer 'unsatisfiable'); else redraw")
    unique: bool = knob(False, help="make satisfiable instances have exactly one model by adding cutting clauses")
    format: str = knob("bits", choices=FORMATS, help="answer format: 'bits' (0/1 string) or 'dimacs' (signed ints)")


@register
class KSat(CnfFamily):
    name = "sat.ksat"
    Knobs = KSatKnobs
    levels = {
        "easy": {"n": 10, "k": 3, "ratio": 3.0},
        "medium": {"n": 50, "k": 3, "ratio": 4.26},
        "hard": {"n": 150, "k": 3, "ratio": 4.26},
        "extreme": {"n": 200, "k": 3, "ratio": 4.26},
    }
    description = ("Uniform random k-SAT: each clause picks k distinct variables and random signs. Hardest near "
                   "the satisfiability threshold (ratio ~4.27 for 3-SAT); satisfiable or not, as proved by CaDiCaL.")
    verification = ("CaDiCaL labels each instance while generating; `gen verify` re-solves it with Glucose (a "
                    "different solver) and requires the same label, checks a stored model clause by clause, and "
                    "for unique instances proves no second model exists with a blocking clause.")

    def generate(self, kn: KSatKnobs, rng: random.Random) -> Candidate:
        m = kn.clause_count()
        clauses = [uniform_clause(kn.n, kn.k, rng) for _ in range(m)]
        res = solve(kn.n, clauses)
        if not res.sat and not kn.allow_unsat:
            raise Reject("unsatisfiable and allow_unsat is off")
        extra: dict = {}
        if res.sat and kn.unique:
            assert res.values is not None
            added = make_unique_by_adding(kn.n, clauses, res.values, kn.k, rng, max_cuts=max(50, 2 * m))
            if added is None:
                raise Reject("could not cut the instance down to one model")
            clauses = clauses + added
            # the cuts sit among the original clauses so their position does not give them away
            rng.shuffle(clauses)
            res = solve(kn.n, clauses)  # effort of the instance as published
            extra["cut_clauses"] = len(added)
        prompt = cnf_prompt(kn.n, clauses, kn.format, kn.allow_unsat)
        return solved_candidate(kn.n, clauses, kn.format, kn.unique and res.sat, kn.allow_unsat, prompt, res,
                                {"k": kn.k, **extra})
