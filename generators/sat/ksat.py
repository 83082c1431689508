"""sat.ksat: uniform random k-SAT, labelled satisfiable or unsatisfiable by a CDCL solver."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hardgen.generators.base import Candidate, Knobs, Reject, knob, register
from hardgen.generators.sat._cnf import (FORMATS, LABEL_SECONDS, Budget, ClauseCountKnobs, CnfFamily, cnf_prompt,
                                         effort_conflicts_knob, effort_seconds_knob, make_unique_by_adding, measure,
                                         recheck_conflicts_knob, recheck_seconds_knob, solved_candidate,
                                         uniform_clauses)


@dataclass(frozen=True)
class KSatKnobs(ClauseCountKnobs, Knobs):
    n: int = knob(20, lo=1, hi=100_000, help="number of variables")
    k: int = knob(3, lo=1, hi=20, help="literals per clause (distinct variables)")
    ratio: float = knob(4.26, lo=0.0, hi=1000.0, help="clauses per variable (3-SAT threshold is ~4.27)")
    clauses: int = knob(0, lo=0, hi=10_000_000, help="clause count; overrides ratio when > 0")
    allow_unsat: bool = knob(True, help="keep unsatisfiable instances (answer 'unsatisfiable'); else redraw")
    unique: bool = knob(False, help="make satisfiable instances have exactly one model by adding cutting clauses")
    format: str = knob("bits", choices=FORMATS, help="answer format: 'bits' (0/1 string) or 'dimacs' (signed ints)")
    effort_conflicts: int = effort_conflicts_knob()
    effort_seconds: float = effort_seconds_knob(LABEL_SECONDS)
    recheck_conflicts: int = recheck_conflicts_knob()
    recheck_seconds: float = recheck_seconds_knob(LABEL_SECONDS)


@register
class KSat(CnfFamily):
    name = "sat.ksat"
    # 2: vectorised sampling; labelled by Glucose within a budget (unsettled rows get status 'unknown')
    version = "2"
    Knobs = KSatKnobs
    levels = {
        "easy": {"n": 10, "k": 3, "ratio": 3.0},
        "medium": {"n": 50, "k": 3, "ratio": 4.26},
        "hard": {"n": 150, "k": 3, "ratio": 4.26},
        "extreme": {"n": 200, "k": 3, "ratio": 4.26},
    }
    description = ("Uniform random k-SAT: each clause picks k distinct variables and random signs. Hardest near "
                   "the satisfiability threshold (ratio ~4.27 for 3-SAT); satisfiable or not, as proved by Glucose "
                   "within the effort budget. Far from the threshold this labels 10^4-10^5 variables; near it, a row the "
                   "budget cannot settle gets status 'unknown' and `gen verify` marks it invalid.")
    verification = ("Glucose labels each instance within the effort budget while generating; `gen verify` checks "
                    "a stored model clause by clause, re-solves with MiniSat (a different solver) within the "
                    "re-check budget and requires the same label (an unsatisfiable label not re-proved within it "
                    "is undecided), and for unique instances proves no second model exists with a blocking clause. "
                    "A row whose label was not settled is invalid: 'satisfiability not settled'.")

    def generate(self, kn: KSatKnobs, rng: random.Random) -> Candidate:
        m = kn.clause_count()
        clauses = uniform_clauses(kn.n, kn.k, m, rng)
        budget = Budget.effort_of(kn)
        res = measure(kn.n, clauses, budget)
        if res.sat is False and not kn.allow_unsat:
            raise Reject("unsatisfiable and allow_unsat is off")
        extra: dict = {}
        if res.sat and kn.unique:
            assert res.values is not None
            added = make_unique_by_adding(kn.n, clauses, res.values, kn.k, rng, max_cuts=max(50, 2 * m),
                                          budget=budget)
            if added is None:
                raise Reject("uniqueness not proved within budget")
            clauses = clauses + added
            # the cuts sit among the original clauses so their position does not give them away
            rng.shuffle(clauses)
            res = measure(kn.n, clauses, budget)  # effort of the instance as published
            if not res.sat:
                raise Reject("the cut instance was not re-solved within budget")
            extra["cut_clauses"] = len(added)
        prompt = cnf_prompt(kn.n, clauses, kn.format, kn.allow_unsat)
        return solved_candidate(kn.n, clauses, kn.format, bool(kn.unique and res.sat), kn.allow_unsat, prompt, res,
                                {"k": kn.k, **extra})
