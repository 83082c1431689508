"""sat.planted: random k-SAT that is satisfiable by construction around a hidden assignment, optionally
quiet (q-planted) so the hidden assignment does not show in literal statistics."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Knobs, Reject, knob, register
from hardgen.generators.sat._cnf import (FORMATS, Budget, ClauseCountKnobs, CnfFamily, cnf_prompt, draw_plant,
                                         effort_conflicts_knob, effort_seconds_knob, make_unique_by_adding, measure,
                                         planted_clauses, recheck_conflicts_knob, recheck_seconds_knob,
                                         solved_candidate, true_count_weights)


@dataclass(frozen=True)
class PlantedKnobs(ClauseCountKnobs, Knobs):
    n: int = knob(20, lo=2, hi=100_000, help="number of variables")
    k: int = knob(3, lo=2, hi=20, help="literals per clause (distinct variables)")
    ratio: float = knob(4.26, lo=0.0, hi=1000.0, help="clauses per variable")
    clauses: int = knob(0, lo=0, hi=10_000_000, help="clause count; overrides ratio when > 0")
    planting: str = knob("quiet", choices=("quiet", "naive"),
                         help="'quiet': q-planting, clauses weighted by q^(true literals) so each variable's "
                              "polarity is balanced; 'naive': uniform over clauses the plant satisfies")
    unique: bool = knob(False, help="the hidden assignment is the only model (cutting clauses added as needed)")
    format: str = knob("bits", choices=FORMATS, help="answer format: 'bits' (0/1 string) or 'dimacs' (signed ints)")
    effort_conflicts: int = effort_conflicts_knob()
    effort_seconds: float = effort_seconds_knob()
    recheck_conflicts: int = recheck_conflicts_knob()
    recheck_seconds: float = recheck_seconds_knob()


@register
class Planted(CnfFamily):
    name = "sat.planted"
    # 2: vectorised sampling, the plant is the row's proof, effort measured by Glucose within a budget
    version = "2"
    Knobs = PlantedKnobs
    levels = {
        "easy": {"n": 12, "k": 3, "ratio": 4.0},
        "medium": {"n": 60, "k": 3, "ratio": 4.2},
        "hard": {"n": 150, "k": 3, "ratio": 4.2},
        "extreme": {"n": 220, "k": 3, "ratio": 4.2},
        "unique": {"n": 40, "k": 3, "ratio": 4.5, "unique": True},
        # linear to build and to verify (by the plant); solver effort is a budgeted lower bound at this size
        "huge": {"n": 100_000, "k": 3, "ratio": 4.2, "effort_seconds": 0.2, "recheck_seconds": 0.2},
    }
    description = ("Random k-SAT built around a hidden assignment, so it is satisfiable by construction. "
                   "Quiet (q-)planting balances every variable's literal polarity, so the hidden assignment "
                   "cannot be read off the clause statistics the way naive planting allows.")
    verification = ("Every clause is drawn so the hidden assignment satisfies it; Glucose measures effort within "
                    "the effort budget (a lower bound, complete=false, when it runs out). `gen verify` proves "
                    "satisfiability by checking the hidden assignment clause by clause (linear time), re-solves "
                    "with MiniSat (a different solver) within the re-check budget and records the outcome, and "
                    "for unique instances proves there is no second model with a blocking clause (invalid when "
                    "that proof does not finish within budget) and that the stored answer is that model.")

    def generate(self, kn: PlantedKnobs, rng: random.Random) -> Candidate:
        plant = draw_plant(kn.n, rng)
        weights = true_count_weights(kn.k, kn.planting)
        clauses = planted_clauses(kn.n, kn.k, plant, weights, kn.clause_count(), rng)
        extra: dict = {"k": kn.k, "planting": kn.planting}
        budget = Budget.effort_of(kn)
        if kn.unique:
            added = make_unique_by_adding(kn.n, clauses, plant, kn.k, rng, max_cuts=max(50, 2 * len(clauses)),
                                          budget=budget)
            if added is None:
                raise Reject("uniqueness not proved within budget")
            clauses = clauses + added
            rng.shuffle(clauses)
            extra["cut_clauses"] = len(added)
        res = measure(kn.n, clauses, budget)
        if res.sat is False:  # impossible by construction; a solver or sampler bug must not produce a row
            raise HardgenError("planted instance reported unsatisfiable; the plant satisfies every clause")
        prompt = cnf_prompt(kn.n, clauses, kn.format, allow_unsat=False)
        return solved_candidate(kn.n, clauses, kn.format, kn.unique, False, prompt, res, extra, plant=plant)
