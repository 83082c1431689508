"""Verdicts and the registry of response checkers, keyed by a record's `check.kind`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from hardgen.core.errors import unknown_name_error


@dataclass(frozen=True)
class Verdict:
    """A strict, three-valued decision: `correct` is True, False, or None when the check could not decide."""

    correct: bool | None
    reason: str = ""

    def as_dict(self) -> dict:
        return {"correct": self.correct, "reason": self.reason}


#: scorer(response, check, answer) -> Verdict
Scorer = Callable[[str, dict, "str | None"], Verdict]
_SCORERS: dict[str, Scorer] = {}

#: check kind -> the module of `hardgen.verifiers` that registers its checker; scoring a record imports only
#: that module (and what it imports), never a generator, difficulty or distill module
CHECK_MODULES: dict[str, str] = {
    "math": "hardgen.verifiers.math",
    "sat": "hardgen.verifiers.sat",
    **{f"graph.{k}": "hardgen.verifiers.graph"
       for k in ("path", "topo_order", "hamiltonian", "spanning_tree", "matching")},
    **{f"logic.{k}": "hardgen.verifiers.logic"
       for k in ("sudoku", "futoshiki", "nqueens", "kakuro", "coloring", "knights_knaves", "nonogram", "zebra")},
}


class Checks(dict):
    """What a family's `rederive` returns: named checks (True / False / None), plus `reasons` (sentences that
    explain a failed or undecided check, e.g. "uniqueness not proved within budget") and `notes` (outcomes of
    extra checks that decide nothing, such as a budgeted re-solve that ran out) copied into `validity`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reasons: list[str] = []
        self.notes: dict[str, Any] = {}


def register_check(kind: str) -> Callable[[Scorer], Scorer]:
    """Decorator: `fn(response, check, answer) -> Verdict` scores responses to records whose check kind is `kind`.

    The built-in kinds are found through CHECK_MODULES; a checker registered by the caller (a plugin) is used
    once its module has been imported.
    """

    def deco(fn: Scorer) -> Scorer:
        _SCORERS[kind] = fn
        return fn

    return deco


def get_scorer(kind: str) -> Scorer:
    if kind not in _SCORERS and kind in CHECK_MODULES:
        importlib.import_module(CHECK_MODULES[kind])
    if kind not in _SCORERS:
        raise unknown_name_error("check kind", kind, check_kinds())
    return _SCORERS[kind]


def check_kinds() -> list[str]:
    return sorted(set(CHECK_MODULES) | set(_SCORERS))
