"""Stage settings declared once: a dataclass field per setting, with its default, help and how a flag spells it.

The CLI builds its options from these fields (`hardgen.cli`), `gen run` configs are checked against them
(unknown keys name the closest known one), and the Python API takes the same dataclass; so a default lives in
exactly one place. Adding a setting to a stage is adding one `setting(...)` field to its options class.

>>> @dataclass(frozen=True)
... class Demo:
...     k: int = setting(8, flags=("-k",), help="Rollouts per problem.")
>>> options_from_mapping(Demo, {"k": 4}, "grade").k
4
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import MISSING, field
from typing import Any

from hardgen.core.errors import HardgenError, unknown_name_error
from hardgen.core.specs import SolverSpec, parse_assignments

#: how a setting's text is read: a model SPEC, several, NAME=VALUE pairs (text or typed), or plain
KINDS = ("plain", "spec", "specs", "assignments", "typed_assignments")


def setting(default: Any = MISSING, *, help: str = "", flags: tuple[str, ...] = (), kind: str = "plain",
            choices: tuple | None = None, required: bool = False, metavar: str | None = None,
            cli: bool = True, config: bool = True, flag_inverts: bool = False, show_default: bool = True,
            multiple: bool = False) -> Any:
    """One stage setting. `flags` spell it on the command line (default `--name-with-dashes`); `flag_inverts` for
    a boolean whose flag turns it off (`--no-solvable-check` for require_solvable); `multiple` for a flag given
    once per item (`--knob a=1 --knob b=2`); `cli`/`config` say where it is offered."""
    if kind not in KINDS:
        raise ValueError(f"unknown setting kind {kind!r}")
    meta = {"help": help, "flags": flags, "kind": kind, "choices": choices, "required": required,
            "metavar": metavar, "cli": cli, "config": config, "flag_inverts": flag_inverts,
            "show_default": show_default, "multiple": multiple}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=None if default is MISSING else default, metadata=meta)


def settings_of(cls: type) -> list[dataclasses.Field]:
    return list(dataclasses.fields(cls))


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def setting_type(t: Any) -> Any:
    """`int | None` → int; `tuple[str, ...]` → tuple; `dict[str, Any]` → dict."""
    origin = typing.get_origin(t)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(t) if a is not type(None)]
        return setting_type(args[0]) if len(args) == 1 else str
    return origin or t


def coerce_setting(f: dataclasses.Field, hint: Any, value: Any, where: str) -> Any:
    """Read one setting's value (from a config mapping, the CLI or Python) into its declared shape."""
    kind = f.metadata.get("kind", "plain")
    name = f"{where}.{f.name}" if where else f.name
    if value is None:
        return None
    if kind == "spec":
        return str(SolverSpec.parse(value, name))
    if kind == "specs":
        items = [value] if isinstance(value, (str, SolverSpec)) else list(value)
        return tuple(str(SolverSpec.parse(v, name)) for v in items)
    if kind in ("assignments", "typed_assignments"):
        if isinstance(value, dict):
            return dict(value)
        items = value.split(",") if isinstance(value, str) else list(value)
        return parse_assignments(items, name, typed=kind == "typed_assignments")
    base = setting_type(hint)
    if base is bool:
        if isinstance(value, bool):
            return value
        raise HardgenError(f"{name} must be true or false, got {value!r}")
    if base in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise HardgenError(f"{name} must be a number, got {value!r}")
        try:
            v = base(value) if not (base is int and isinstance(value, float) and not value.is_integer()) else None
        except ValueError:
            v = None
        if v is None:
            raise HardgenError(f"{name} must be {'an integer' if base is int else 'a number'}, got {value!r}")
        if base is float and not math.isfinite(v):
            raise HardgenError(f"{name} must be a finite number, got {value!r}")
        value = v
    elif base is tuple:
        value = tuple([value] if isinstance(value, str) else value)
    choices = f.metadata.get("choices")
    if choices is not None and value not in choices:
        raise HardgenError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def options_from_mapping(cls: type, values: dict[str, Any] | None, where: str = "", *,
                         source: str = "config") -> Any:
    """Build `cls` from a mapping (a `gen run` config section, CLI values, Python keywords): unknown keys are
    errors naming the closest known one; each value is read into its declared shape; required ones are checked."""
    values = dict(values or {})
    fields = {f.name: f for f in settings_of(cls) if f.metadata.get(source, True)}
    for k in values:
        if k not in fields:
            raise HardgenError(f"{where + ': ' if where else ''}{unknown_name_error('key', str(k), sorted(fields))}")
    hints = _hints(cls)
    kwargs = {}
    for name, f in fields.items():
        if name in values:
            kwargs[name] = coerce_setting(f, hints[name], values[name], where)
        if f.metadata.get("required") and kwargs.get(name, _default(f)) in (None, (), [], {}):
            raise HardgenError(f"{where + ' ' if where else ''}needs '{name}'" if source == "config"
                               else f"missing {(f.metadata.get('flags') or ('--' + name.replace('_', '-'),))[0]}")
    return cls(**kwargs)


def _default(f: dataclasses.Field) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return None


def defaults_of(cls: type) -> dict[str, Any]:
    """Every setting's default (what `gen run` applies to a key it is not given)."""
    return {f.name: _default(f) for f in settings_of(cls)}
