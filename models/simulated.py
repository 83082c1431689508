"""A simulated solver with known per-problem pass rates, for benchmarking grading and selection without a model.

SPEC `sim:ALPHA,BETA[,ZERO][@SEED]`: each problem's true pass rate p is 0 with probability ZERO (default 0: an
unsolvable problem) and otherwise drawn from Beta(ALPHA, BETA), by hashing the problem id (and the solver seed);
each rollout is correct with probability p — it answers with the reference
answer, or with a wrong one. `true_pass_rate(record, spec)` returns p, so benchmarks can score decisions against
the truth. Only problems with a reference answer can be simulated.
"""

from __future__ import annotations

import hashlib
import random

from hardgen.core.errors import HardgenError
from hardgen.core.specs import SolverSpec
from hardgen.models.base import Rollout, Solver, register_solver


def _unit(*parts: object) -> float:
    h = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


class SimulatedSolver(Solver):
    """Bernoulli solver: rollout i on problem r is correct with the problem's fixed, known probability."""

    def __init__(self, alpha: float, beta: float, zero: float = 0.0, sim_seed: int = 0):
        if alpha <= 0 or beta <= 0:
            raise HardgenError(f"sim: Beta parameters must be positive, got {alpha}, {beta}")
        if not 0 <= zero < 1:
            raise HardgenError(f"sim: the share of unsolvable problems must be in [0, 1), got {zero}")
        self.alpha, self.beta, self.zero, self.sim_seed = alpha, beta, zero, sim_seed

    def true_pass_rate(self, record: dict) -> float:
        from scipy.stats import beta

        if _unit("zero", self.sim_seed, record["id"]) < self.zero:
            return 0.0
        u = min(max(_unit("p", self.sim_seed, record["id"]), 1e-12), 1 - 1e-12)
        return float(beta.ppf(u, self.alpha, self.beta))

    def solve(self, records: list[dict], k: int = 1, seed: int = 0) -> list[list[Rollout]]:
        out = []
        for r in records:
            if r.get("answer") is None:
                raise HardgenError(f"sim: solver needs problems with a reference answer; {r['id']} has none")
            p = self.true_pass_rate(r)
            rng = random.Random(f"{self.sim_seed}|{seed}|{r['id']}")
            rolls = []
            for _ in range(k):
                ok = rng.random() < p
                text = f"The answer is \\boxed{{{r['answer']}}}." if ok else "The answer is \\boxed{\\text{no idea}}."
                rolls.append(Rollout(text, tokens=len(text.split()), meta={"simulated_correct": ok}))
            out.append(rolls)
        return out


@register_solver("sim")
def _make(spec: SolverSpec) -> SimulatedSolver:
    arg = spec.target
    body, _, seed = arg.partition("@")
    try:
        vals = [float(x) for x in body.split(",")]
        if len(vals) not in (2, 3):
            raise ValueError
        return SimulatedSolver(*vals, sim_seed=int(seed) if seed else 0)
    except ValueError:
        raise HardgenError(f"sim: SPEC is sim:ALPHA,BETA[,ZERO][@SEED], e.g. sim:0.5,0.5,0.2; got sim:{arg}") from None
