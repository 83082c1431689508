"""Verdicts and the registry of response checkers, keyed by a record's `check.kind`."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

from hardgen.errors import unknown_name_error


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
_LOADED = False


class Checks(dict):
    """What a family's `rederive` returns: named checks (True / False / None), plus `reasons` (sentences that
    explain a failed or undecided check, e.g. "uniqueness not proved within budget") and `notes` (outcomes of
    extra checks that decide nothing, such as a budgeted re-solve that ran out) copied into `validity`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reasons: list[str] = []
        self.notes: dict[str, Any] = {}


def register_check(kind: str) -> Callable[[Scorer], Scorer]:
    """Decorator: `fn(response, check, answer) -> Verdict` scores responses to records whose check kind is `kind`."""

    def deco(fn: Scorer) -> Scorer:
        _SCORERS[kind] = fn
        return fn

    return deco


_VERIFIERS_LOADED = False


def _load_verifiers() -> None:
    global _VERIFIERS_LOADED
    if _VERIFIERS_LOADED:
        return
    _VERIFIERS_LOADED = True
    pkg = importlib.import_module("hardgen.verifiers")
    for mod in pkgutil.walk_packages(pkg.__path__, prefix="hardgen.verifiers."):
        if not mod.name.rsplit(".", 1)[-1].startswith("_"):
            importlib.import_module(mod.name)


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    # checkers live in hardgen.verifiers; families may register their own puzzle checkers too
    _load_verifiers()
    from hardgen.generators.base import load_families

    load_families()


def get_scorer(kind: str) -> Scorer:
    if kind not in _SCORERS:
        _load_verifiers()  # the checkers' own modules first: most kinds live there, and they import no families
    if kind not in _SCORERS:
        _load()
    if kind not in _SCORERS:
        raise unknown_name_error("check kind", kind, sorted(_SCORERS))
    return _SCORERS[kind]


def check_kinds() -> list[str]:
    _load()
    return sorted(_SCORERS)
