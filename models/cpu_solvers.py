"""Built-in CPU solver panels for SAT-encodable families: budgeted CDCL (`sat:cdcl@CONFLICTS`) and WalkSAT local
search (`sat:walksat@FLIPS[,p=NOISE]`). Their pass rates over budgets give a difficulty ladder without an LLM."""

from __future__ import annotations

import random
from dataclasses import dataclass

from pysat.solvers import Solver as PySatSolver

from hardgen.core.errors import HardgenError
from hardgen.generators.base import SatEncodable, get_family
from hardgen.core.specs import SolverSpec, rollout_seed
from hardgen.models.base import Rollout, Solver, register_solver

GAVE_UP = "I could not solve it within my budget."


def rollout_rng(seed: int, record_id: str, j: int) -> random.Random:
    """Per-(seed, record, rollout) randomness from a hash, so rollouts differ from each other and from seeds."""
    return random.Random(rollout_seed(seed, record_id, j))


def supports_record(record: dict) -> bool:
    """Whether the record's family is SAT-encodable (so these panels can attempt it)."""
    try:
        return isinstance(get_family(record["family"])(), SatEncodable)
    except HardgenError:
        return False


def encodable(record: dict) -> SatEncodable:
    fam = get_family(record["family"])()
    if not isinstance(fam, SatEncodable):
        raise HardgenError(f"the sat solvers need a SAT-encodable family; {record['family']!r} is not one")
    return fam


def walksat(num_vars: int, clauses: list[list[int]], max_flips: int, noise: float,
            rng: random.Random) -> tuple[list[bool] | None, int]:
    """WalkSAT/SKC: from a random assignment, repeatedly pick a false clause and flip one of its variables (a
    zero-break variable if any; else a random one with probability `noise`, else one breaking fewest clauses).
    Returns (model or None, flips used). Cannot prove unsatisfiability."""
    if any(not cl for cl in clauses):
        return None, 0
    val = [False] + [rng.random() < 0.5 for _ in range(num_vars)]
    # occ[lit + num_vars] lists the clauses holding lit (once per occurrence, so counts stay consistent)
    occ: list[list[int]] = [[] for _ in range(2 * num_vars + 1)]
    for ci, cl in enumerate(clauses):
        for lit in cl:
            occ[lit + num_vars].append(ci)
    numtrue = [sum(1 for lit in cl if (lit > 0) == val[abs(lit)]) for cl in clauses]
    false_list = [ci for ci, t in enumerate(numtrue) if t == 0]
    where = {ci: i for i, ci in enumerate(false_list)}
    flips = 0
    while false_list:
        if flips >= max_flips:
            return None, flips
        cl = clauses[false_list[rng.randrange(len(false_list))]]
        best: list[int] = []
        best_break = None
        for lit in cl:
            v = abs(lit)
            true_lit = v if val[v] else -v  # the literal of v that flipping v makes false
            brk = sum(1 for c2 in occ[true_lit + num_vars] if numtrue[c2] == 1)
            if best_break is None or brk < best_break:
                best, best_break = [v], brk
            elif brk == best_break:
                best.append(v)
        if best_break and rng.random() < noise:
            v = abs(rng.choice(cl))
        else:
            v = rng.choice(best)
        old_true = v if val[v] else -v
        val[v] = not val[v]
        flips += 1
        for c2 in occ[old_true + num_vars]:
            numtrue[c2] -= 1
            if numtrue[c2] == 0:
                where[c2] = len(false_list)
                false_list.append(c2)
        for c2 in occ[-old_true + num_vars]:
            numtrue[c2] += 1
            if numtrue[c2] == 1:
                i = where.pop(c2)
                last = false_list.pop()
                if last != c2:
                    false_list[i] = last
                    where[last] = i
    return val[1:], flips


class _SatPanel(Solver):
    """A CPU SAT solver as a solver panel: k seeded attempts per problem on the family's CNF encoding."""

    def supports(self, record: dict) -> bool:
        return supports_record(record)

    def solve(self, records: list[dict], k: int = 1, seed: int = 0) -> list[list[Rollout]]:
        out = []
        for rec in records:
            fam = encodable(rec)
            n, clauses = fam.cnf(rec)
            out.append([self.attempt(fam, rec, n, clauses, rollout_rng(seed, rec["id"], j)) for j in range(k)])
        return out

    def attempt(self, fam, rec: dict, n: int, clauses: list[list[int]], rng) -> Rollout:
        """One seeded rollout on `rec`'s CNF (n variables)."""
        raise NotImplementedError


@dataclass
class CdclPanel(_SatPanel):
    """CDCL (CaDiCaL) with a conflict budget; rollout j renumbers variables and shuffles clauses by a seeded
    permutation, so repeated rollouts explore differently. Out of budget -> a give-up response (scored wrong)."""

    budget: int
    backend: str = "cadical153"

    def attempt(self, fam, rec: dict, n: int, clauses: list[list[int]], rng) -> Rollout:
        perm = list(range(1, n + 1))
        rng.shuffle(perm)
        back = {new: old for old, new in enumerate(perm, 1)}
        renamed = [[perm[abs(x) - 1] * (1 if x > 0 else -1) for x in cl] for cl in clauses]
        rng.shuffle(renamed)
        with PySatSolver(name=self.backend, bootstrap_with=renamed) as s:
            s.conf_budget(self.budget)
            res = s.solve_limited()
            stats = s.accum_stats() or {}
            model = s.get_model() if res else None
        meta = {"conflicts": int(stats.get("conflicts", 0)), "budget": self.budget}
        if res is None:
            return Rollout(GAVE_UP, meta={**meta, "status": "unknown"})
        if res:
            model = [back[abs(x)] * (1 if x > 0 else -1) for x in model if 0 < abs(x) <= n]
            return Rollout(fam.render_model(rec, model), meta={**meta, "status": "sat"})
        return Rollout(fam.render_model(rec, None), meta={**meta, "status": "unsat"})


@dataclass
class WalkSatPanel(_SatPanel):
    """WalkSAT with a flip budget and noise p; seeded per rollout. Finds models only, never proves UNSAT."""

    max_flips: int
    noise: float = 0.5

    def attempt(self, fam, rec: dict, n: int, clauses: list[list[int]], rng) -> Rollout:
        values, flips = walksat(n, clauses, self.max_flips, self.noise, rng)
        meta = {"flips": flips, "budget": self.max_flips}
        if values is None:
            return Rollout(GAVE_UP, meta={**meta, "status": "unknown"})
        model = [i + 1 if v else -(i + 1) for i, v in enumerate(values)]
        return Rollout(fam.render_model(rec, model), meta={**meta, "status": "sat"})


def _positive_int(text: str, what: str, spec: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = -1
    if v < 1:
        raise HardgenError(f"solver SPEC sat:{spec}: {what} must be a positive integer, got {text!r}")
    return v


@register_solver("sat")
def sat_panel(spec: SolverSpec) -> Solver:
    """`cdcl@CONFLICTS` or `walksat@FLIPS` (optionally `walksat@FLIPS,p=NOISE`), e.g. `sat:cdcl@1000`."""
    arg = spec.text.partition(":")[2]
    name, _, rest = arg.partition("@")
    if name == "cdcl":
        return CdclPanel(_positive_int(rest, "the conflict budget", arg))
    if name == "walksat":
        flips, _, opt = rest.partition(",")
        noise = 0.5
        if opt:
            key, _, value = opt.partition("=")
            try:
                noise = float(value)
            except ValueError:
                noise = -1.0
            if key != "p" or not 0.0 <= noise <= 1.0:
                raise HardgenError(f"solver SPEC sat:{arg}: expected walksat@FLIPS,p=NOISE with NOISE in [0, 1]")
        return WalkSatPanel(_positive_int(flips, "the flip budget", arg), noise)
    raise HardgenError(f"solver SPEC sat:{arg} must be sat:cdcl@CONFLICTS or sat:walksat@FLIPS[,p=NOISE]")
