"""The solver interface every backend implements, and the registry that parses solver SPECs.

A SPEC is `PREFIX:ARG`, e.g. `hf:./tiny`, `openai:http://127.0.0.1:8000/v1#model`, `sat:cdcl@1000`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

from hardgen.core.errors import unknown_name_error
from hardgen.core.specs import SolverSpec


@dataclass
class Rollout:
    """One sampled response to one problem."""

    text: str
    tokens: int | None = None
    meta: dict = field(default_factory=dict)


class Solver:
    """A solver: records in, `k` rollouts per record out. Use as a context manager to release resources.

    `seed` makes sampling reproducible: the same (records, k, seed) gives the same rollouts.
    Model backends also take `on_result(index, rollouts)`, called as each record finishes, and raise
    `hardgen.models.generation.PartialSolveError` (with `.rollouts` of the finished records) when a run fails
    part-way, so callers keep finished work.
    """

    spec: str = ""

    def solve(self, records: list[dict], k: int = 1, seed: int = 0) -> list[list[Rollout]]:
        raise NotImplementedError

    def supports(self, record: dict) -> bool:
        """Whether this solver can attempt `record` (CPU SAT solvers need a SAT-encodable family)."""
        return True

    def close(self) -> None:
        """Release processes, servers or GPU memory."""

    def __enter__(self) -> "Solver":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_FACTORIES: dict[str, Callable[[SolverSpec], Solver]] = {}
_LOADED = False


def register_solver(prefix: str) -> Callable[[Callable[[SolverSpec], Solver]], Callable[[SolverSpec], Solver]]:
    """Decorator: `factory(spec) -> Solver` builds solvers for SPECs `prefix:...` (a parsed `SolverSpec`)."""

    def deco(factory):
        _FACTORIES[prefix] = factory
        return factory

    return deco


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    pkg = importlib.import_module("hardgen.models")
    for mod in pkgutil.walk_packages(pkg.__path__, prefix="hardgen.models."):
        if not mod.name.rsplit(".", 1)[-1].startswith("_"):
            importlib.import_module(mod.name)


def solver_specs() -> list[str]:
    _load()
    return sorted(_FACTORIES)


#: backends whose solvers load a model: checked by prefix only, since building one is expensive
_HEAVY = ("hf", "vllm", "openai")


def check_spec(spec: str | SolverSpec) -> SolverSpec:
    """Parse a SPEC and raise a clear error for a malformed one without loading a model (light solvers are built
    and closed); returns the parsed spec."""
    spec = SolverSpec.parse(spec)
    _load()
    if spec.backend not in _FACTORIES:
        raise unknown_name_error("solver backend", spec.backend, sorted(_FACTORIES))
    if spec.backend not in _HEAVY:
        get_solver(spec).close()
    return spec


def get_solver(spec: str | SolverSpec) -> Solver:
    """Build the solver a SPEC names, e.g. `get_solver("sat:cdcl@1000")` (a bare model directory means `hf:DIR`)."""
    spec = SolverSpec.parse(spec)
    _load()
    if spec.backend not in _FACTORIES:
        raise unknown_name_error("solver backend", spec.backend, sorted(_FACTORIES))
    solver = _FACTORIES[spec.backend](spec)
    solver.spec = str(spec)
    return solver
