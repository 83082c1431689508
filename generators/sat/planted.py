"""sat.planted: random k-SAT that is satisfiable by construction around a hidden assignment, optionally
quiet (q-planted) so the hidden assignment does not show in literal statistics."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Knobs, Reject, knob, register
from hardgen.generators.sat._cnf import (FORMATS, ClauseCountKnobs, CnfFamily, cnf_prompt, make_unique_by_adding,
                                         planted_clause, render_values, solve, solved_candidate, true_count_weights)


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


@register
class Planted(CnfFamily):
    name = "sat.planted"
    Knobs = PlantedKnobs
    levels = {
        "easy": {"n": 12, "k": 3, "ratio": 4.0},
        "medium": {"n": 60, "k": 3, "ratio": 4.2},
        "hard": {"n": 150, "k": 3, "ratio": 4.2},
        "extreme": {"n": 220, "k": 3, "ratio": 4.2},
        "unique": {"n": 40, "k": 3, "ratio": 4.5, "unique": True},
    }
    description = ("Random k-SAT built around a hidden assignment, so it is satisfiable by construction. "
                   "Quiet (q-)planting balances every variable's literal polarity, so the hidden assignment "
                   "cannot be read off the clause statistics the way naive planting allows.")
    verification = ("Every clause is drawn so the hidden assignment satisfies it; CaDiCaL measures effort. "
                    "`gen verify` re-solves with Glucose (a different solver), checks the hidden assignment "
                    "satisfies every clause, and for unique instances proves there is no second model with a "
                    "blocking clause and that the stored answer is that model.")

    def generate(self, kn: PlantedKnobs, rng: random.Random) -> Candidate:
        plant = [rng.random() < 0.5 for _ in range(kn.n)]
        weights = true_count_weights(kn.k, kn.planting)
        clauses = [planted_clause(kn.n, kn.k, plant, weights, rng) for _ in range(kn.clause_count())]
        extra: dict = {"k": kn.k, "planting": kn.planting}
        if kn.unique:
            added = make_unique_by_adding(kn.n, clauses, plant, kn.k, rng, max_cuts=max(50, 2 * len(clauses)))
            if added is None:
                raise Reject("could not cut the instance down to one model")
            clauses = clauses + added
            rng.shuffle(clauses)
            extra["cut_clauses"] = len(added)
        res = solve(kn.n, clauses)
        if not res.sat:  # impossible by construction; a solver or sampler bug must not produce a row
            raise HardgenError("planted instance reported unsatisfiable; the plant satisfies every clause")
        if kn.unique and res.values != plant:
            raise HardgenError("unique planted instance has a model other than the plant")
        prompt = cnf_prompt(kn.n, clauses, kn.format, allow_unsat=False)
        return solved_candidate(kn.n, clauses, kn.format, kn.unique, False, prompt, res, extra,
                                planted=render_values(plant, "bits"))
