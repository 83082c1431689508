"""The composition protocol: a family step whose parameter is taken from the previous step's integer answer."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

#: sentence the composed prompt uses once so every "X mod k" in a step is unambiguous for negative X too
MOD_CONVENTION = ("Here X mod k means the remainder of X on division by k, an integer in {0, 1, ..., k-1} "
                  "(also when X is negative).")


@dataclass(frozen=True)
class Step:
    """One composed step: a question that names the given value symbolically, its integer answer, and the
    JSON-able parameters `rederive_step` needs (including the stated mapping from the given value)."""

    statement: str
    answer: int
    params: dict


@dataclass(frozen=True)
class Param:
    """A step parameter: its value, how the statement shows it, and the definition sentence (empty if drawn)."""

    value: int
    shown: str
    preamble: str
    mapping: list[int] | None


def take_param(rng: random.Random, given_name: str | None, given_value: int | None, symbol: str,
               lo: int, hi: int) -> Param:
    """A parameter in [lo, hi]: `symbol = (given mod (hi-lo+1)) + lo` stated in the text when a previous answer
    is given, else drawn from `rng` and shown as a number. Bounding by `mod` keeps later steps well defined
    however large the previous answer is."""
    if given_name is None or given_value is None:
        v = rng.randint(lo, hi)
        return Param(v, str(v), "", None)
    k = hi - lo + 1
    off = f" + {lo}" if lo > 0 else (f" - {-lo}" if lo < 0 else "")
    expr = f"({given_name} mod {k}){off}" if off else f"{given_name} mod {k}"
    return Param(given_value % k + lo, symbol, f"Let {symbol} = {expr}. ", [k, lo])


def param_value(stored: dict, given_value: int | None) -> int:
    """Re-apply a stored mapping to the given value (the re-derivation side); a drawn value is read back."""
    mp = stored.get("map")
    if mp is None:
        return int(stored["value"])
    if given_value is None:
        raise ValueError("step expects a previous answer but none was given")
    return given_value % int(mp[0]) + int(mp[1])


def param_record(p: Param) -> dict:
    return {"value": p.value, "map": p.mapping}


@runtime_checkable
class Composable(Protocol):
    """What a family implements to take part in `math.compose`.

    `compose_step` builds one step with an integer answer; when `given_name` is set, one parameter of the step
    is `(given_value mod k) + lo` and the statement defines it from `given_name`. `rederive_step` recomputes the
    step's answer from `params` and the given value by a route independent of the construction.
    """

    def compose_step(self, knobs: Any, rng: random.Random, given_name: str | None,
                     given_value: int | None) -> Step: ...

    def rederive_step(self, params: dict, given_value: int | None) -> int: ...
