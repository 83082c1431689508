"""The family contract: knob dataclasses, named levels, candidates, and the registry `gen list` reads."""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import pkgutil
import random
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, get_type_hints

from hardgen.core.errors import HardgenError, unknown_name_error


def knob(default: Any, *, lo: float | None = None, hi: float | None = None, choices: tuple | None = None,
         help: str = "", budget: bool = False) -> Any:
    """Declare a difficulty knob on a `Knobs` dataclass: default, inclusive range or choices, and help text.

    A `budget` knob limits work (solver conflicts, seconds) rather than choosing the problem: it is left out of
    the per-item seed, so raising a budget measures the same problems further instead of drawing new ones.
    """
    return field(default=default, metadata={"lo": lo, "hi": hi, "choices": choices, "help": help,
                                            "budget": budget})


def seed_knobs(knobs_cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """`values` without the knob class's budget knobs: what a row's seed is hashed from."""
    budgets = _budget_names(knobs_cls)
    return {k: v for k, v in values.items() if k not in budgets} if budgets else values


@functools.lru_cache(maxsize=None)
def _budget_names(knobs_cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(knobs_cls) if f.metadata.get("budget"))


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    """Resolved field types of a knob class (resolving annotation strings is slow; once per class)."""
    return get_type_hints(cls)


_PARSERS = {
    int: int,
    float: float,
    str: str,
    bool: lambda s: {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}[s.lower()],
}


@dataclass(frozen=True)
class Knobs:
    """Base for a family's knob dataclass. Fields are declared with `knob(...)`; `validate` checks them all."""

    def validate(self) -> None:
        """Raise `HardgenError` naming the knob and its allowed range when a value is out of bounds."""
        hints = _hints(type(self))
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            typ = hints[f.name]
            if typ is float and isinstance(v, int) and not isinstance(v, bool):
                object.__setattr__(self, f.name, float(v))
                v = float(v)
            if typ in _PARSERS and (not isinstance(v, typ) or (typ is int and isinstance(v, bool))):
                raise HardgenError(f"knob {f.name!r} must be {typ.__name__}, got {v!r}")
            if typ is float and not math.isfinite(v):  # NaN slips past every range test and is not valid JSON
                raise HardgenError(f"knob {f.name!r} must be a finite number, got {v!r}")
            m = f.metadata
            if m.get("choices") is not None and v not in m["choices"]:
                raise HardgenError(f"knob {f.name!r} must be one of {list(m['choices'])}, got {v!r}")
            lo, hi = m.get("lo"), m.get("hi")
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                raise HardgenError(f"knob {f.name!r} must be in [{lo}, {hi}], got {v!r}")
        self.check()

    def check(self) -> None:
        """Cross-knob constraints; override and raise `HardgenError` with a message naming the knobs."""

    @classmethod
    def spec(cls) -> list[dict]:
        """Knob descriptions for `gen list`: name, type, range or choices, default, help."""
        hints = _hints(cls)
        out = []
        for f in dataclasses.fields(cls):
            m = f.metadata
            out.append({"name": f.name, "type": getattr(hints[f.name], "__name__", str(hints[f.name])),
                        "default": f.default, "lo": m.get("lo"), "hi": m.get("hi"),
                        "choices": list(m["choices"]) if m.get("choices") else None, "help": m.get("help", "")})
        return out

    @classmethod
    def build(cls, values: dict[str, Any]) -> "Knobs":
        """Knobs from a dict whose values may be strings (from the CLI); unknown names are an error."""
        hints = _hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        parsed = {}
        for k, v in values.items():
            if k not in names:
                raise unknown_name_error("knob", k, names)
            typ = hints[k]
            if isinstance(v, str) and typ is not str and typ in _PARSERS:
                try:
                    v = _PARSERS[typ](v)
                except (ValueError, KeyError):
                    raise HardgenError(f"knob {k!r} must be {typ.__name__}, got {v!r}") from None
            parsed[k] = v
        knobs = cls(**parsed)
        knobs.validate()
        return knobs

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Reject(Exception):
    """Raised by `Family.generate` when a sampled instance is degenerate; the engine redraws with a new seed."""


class OverBudget(Reject):
    """Raised by `Family.generate` when a solve it needs (a uniqueness proof) ran out of its budget: the draw is
    not written; the engine redraws with a new seed and counts it."""


@dataclass
class Candidate:
    """What a family's generator returns for one item; the engine turns it into a record."""

    prompt: str
    answer: str | None
    check: dict
    difficulty: dict = field(default_factory=dict)


class Family:
    """A problem family. Subclass, set the class attributes, implement `generate` and `rederive`, decorate
    with `@register`.

    `generate(knobs, rng)` builds one problem by construction. `rederive(record)` re-derives the answer by an
    independent route (a second algorithm, brute force, a solver) and returns named checks,
    each True (passed), False (failed) or None (could not decide).
    """

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    Knobs: ClassVar[type[Knobs]]
    levels: ClassVar[dict[str, dict[str, Any]]]
    description: ClassVar[str] = ""
    #: how it is verified, shown by `gen list FAMILY`
    verification: ClassVar[str] = ""

    def generate(self, knobs: Any, rng: random.Random) -> Candidate:
        raise NotImplementedError

    def rederive(self, record: dict) -> dict[str, bool | None]:
        raise NotImplementedError

    def generate_at(self, knobs: Any, index: int, rng: random.Random) -> Candidate:
        """Item `index` of the run; families over a finite collection (files) override this."""
        return self.generate(knobs, rng)

    def size(self, knobs: Any) -> int | None:
        """How many distinct items the knobs allow when that is finite and known (e.g. files); else None."""
        return None

    # ---- knob resolution shared by every family
    @classmethod
    def resolve_knobs(cls, level: str | None = None, overrides: dict[str, Any] | None = None) -> Knobs:
        values: dict[str, Any] = {}
        if level is not None:
            if level not in cls.levels:
                raise HardgenError(f"family {cls.name!r} has no level {level!r}; "
                                   f"its levels are {', '.join(cls.levels)}")
            values.update(cls.levels[level])
        values.update(overrides or {})
        return cls.Knobs.build(values)


_REGISTRY: dict[str, type[Family]] = {}
_LOADED = False


def register(cls: type[Family]) -> type[Family]:
    """Class decorator: make a family known to `gen list` / `gen generate` (one line per family)."""
    for attr in ("name", "Knobs", "levels"):
        if not hasattr(cls, attr):
            raise TypeError(f"family {cls.__name__} lacks class attribute {attr!r}")
    if len(cls.levels) < 3:
        raise TypeError(f"family {cls.name} needs at least three named levels")
    for lvl, vals in cls.levels.items():  # a level naming a bad knob is a bug: fail at import, not at use
        cls.Knobs.build(vals)
    prev = _REGISTRY.get(cls.name)
    if prev is not None and prev is not cls and prev.__qualname__ != cls.__qualname__:
        raise TypeError(f"family name {cls.name!r} registered twice ({prev.__module__}, {cls.__module__})")
    _REGISTRY[cls.name] = cls
    return cls


def _import_package_tree(pkg_name: str) -> None:
    pkg = importlib.import_module(pkg_name)
    for mod in pkgutil.walk_packages(pkg.__path__, prefix=pkg_name + "."):
        if mod.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        importlib.import_module(mod.name)


def load_families() -> dict[str, type[Family]]:
    """Import every module under `hardgen.generators` once so their `@register` lines run."""
    global _LOADED
    if not _LOADED:
        _import_package_tree("hardgen.generators")
        _LOADED = True
    return dict(sorted(_REGISTRY.items()))


def _import_own_module(name: str) -> None:
    """Import the module that by convention holds family `name` (`group.family` lives in
    `hardgen/generators/group/family.py`), so one family's run does not pay for importing all of them (sympy,
    networkx, ...); a family elsewhere is found by `load_families`."""
    parts = name.split(".")
    if len(parts) != 2 or not all(p.isidentifier() and not p.startswith("_") for p in parts):
        return
    try:
        importlib.import_module(f"hardgen.generators.{parts[0]}.{parts[1]}")
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("hardgen.generators."):
            raise  # a missing dependency of the module is a real error, not a missing module


def registered_family(name: str) -> type[Family] | None:
    """The family registered under `name`, or None; no sorting or copying, so it is cheap in per-row loops."""
    fam = _REGISTRY.get(name)
    if fam is None and not _LOADED:
        _import_own_module(name)
        fam = _REGISTRY.get(name)
        if fam is None:
            load_families()
            fam = _REGISTRY.get(name)
    return fam


#: name prefix -> function resolving names no module registers (e.g. `efa:PATH` program files)
_RESOLVERS: dict[str, Callable[[str], "type[Family] | None"]] = {}


def register_resolver(prefixes: tuple[str, ...], resolve: Callable[[str], "type[Family] | None"]) -> None:
    """Let a family module resolve names with these prefixes that are files, not modules (EFA programs)."""
    for p in prefixes:
        _RESOLVERS[p] = resolve


def _lookup(name: str) -> type[Family] | None:
    fam = registered_family(name)  # loads every family module, so their resolvers are registered too
    if fam is None:
        for prefix, resolve in _RESOLVERS.items():
            if name.startswith(prefix):
                return resolve(name)
    return fam


def get_family(name: str) -> type[Family]:
    fam = _lookup(name)
    if fam is None:
        raise unknown_name_error("family", name, list(load_families()), "`gen list` shows all")
    return fam


class SatEncodable:
    """Mixin for families whose instances a SAT solver can solve; the CPU solver panels (`sat:cdcl@B`,
    `sat:walksat@F`) work on any family that has it.

    `cnf(record)` returns `(num_vars, clauses)` (DIMACS-style signed ints). `render_model(record, model)` turns a
    satisfying assignment (list of signed ints) into the response text the family's verifier expects; `model`
    is None when the solver proved the instance unsatisfiable.
    """

    def cnf(self, record: dict) -> tuple[int, list[list[int]]]:
        raise NotImplementedError

    def render_model(self, record: dict, model: list[int] | None) -> str:
        raise NotImplementedError
