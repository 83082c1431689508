"""Values parsed once, at the edge: model SPECs (`SolverSpec`), NAME=VALUE settings, and hashed seeds.

Every option that names a model (`--solver`, `--student`, `--teacher`, `--model`, a `gen run` config, a Python
argument) goes through `SolverSpec.parse`; every NAME=VALUE list (`--knob`, `--param`, `--curriculum-option`,
the `?a=b&c=d` options of a SPEC) through `parse_assignments`; every derived seed through `derive_seed`.

>>> SolverSpec.parse("hf:./tiny?temperature=0.7")
SolverSpec('hf:./tiny?temperature=0.7')
>>> SolverSpec.parse("openai:http://127.0.0.1:8000/v1#m").backend
'openai'
>>> parse_assignments(["n=3", "name=x"], "--knob")
{'n': '3', 'name': 'x'}
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from hardgen.core.errors import HardgenError

# --------------------------------------------------------------------------- NAME=VALUE


def parse_assignments(items: Iterable[str], what: str, *, typed: bool = False) -> dict[str, Any]:
    """`["a=1", "b=x"]` → `{"a": "1", "b": "x"}`; with `typed`, values are read as YAML scalars (numbers,
    booleans, null, strings). `what` names the option in the one-line error for a malformed item."""
    out: dict[str, Any] = {}
    for item in items:
        name, eq, value = str(item).partition("=")
        name = name.strip()
        if not eq or not name:
            raise HardgenError(f"{what} expects NAME=VALUE, got {item!r}")
        value = value.strip()
        if typed:
            import yaml

            try:
                value = yaml.safe_load(value) if value else ""
            except yaml.YAMLError:
                pass  # not a YAML scalar: keep the text
        out[name] = value
    return out


# --------------------------------------------------------------------------- seeds


def derive_seed(*parts: Any, bits: int = 63) -> int:
    """A seed of `bits` bits from a hash of `parts` (never `seed + index`: neighbouring seeds would share
    almost every draw). Parts are hashed by their `repr`, each followed by a unit separator."""
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\x1f")
    return int.from_bytes(h.digest()[:8], "big") >> (64 - bits)


# Rows already written depend on the two schemes below (graded rows record rollouts drawn with them), so they
# keep their encodings; new code uses `derive_seed`. Item seeds of generated problems are `records.item_seed`,
# a hash of the same canonical JSON that record ids use.


def chunk_seed(*parts: Any) -> int:
    """The 32-bit seed of one grading round of one chunk for one solver: (run seed, solver, chunk key, round)."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def rollout_seed(seed: int, record_id: str, j: int) -> int:
    """The 64-bit seed of rollout `j` of one record by a CPU solver panel."""
    return int.from_bytes(hashlib.sha256(f"{seed}\x1f{record_id}\x1f{j}".encode()).digest()[:8], "big")


# --------------------------------------------------------------------------- model SPECs

_BACKEND = re.compile(r"^([a-z][a-z0-9_-]*):(?!//)(.*)$", re.S)
SPEC_FORMS = "hf:PATH_OR_ID, a local model directory, openai:URL#MODEL, vllm:PATH_OR_ID, sat:cdcl@BUDGET"


@dataclass(frozen=True)
class SolverSpec:
    """A model or solver named once: `backend` (hf, vllm, openai, sat, sim, ref, ...), `target` (a path, hub id,
    URL#MODEL or budget) and `options` (the `?name=value&...` part, as text). `str(spec)` is the SPEC as written,
    which is also the key its grades are stored under."""

    backend: str
    target: str = ""
    options: tuple[tuple[str, str], ...] = ()
    text: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", self._render())

    def _render(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.options)
        return f"{self.backend}:{self.target}" + (f"?{query}" if query else "")

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"SolverSpec({self.text!r})"

    @classmethod
    def parse(cls, value: "str | SolverSpec", what: str = "--solver") -> "SolverSpec":
        """Read a SPEC (`hf:DIR`, `openai:URL#MODEL`, `vllm:ID`, `sat:cdcl@1000`, ...); a bare model directory or
        hub id is read as `hf:...`. `what` names the option in errors."""
        if isinstance(value, SolverSpec):
            return value
        text = str(value or "").strip()
        if not text:
            raise HardgenError(f"{what} needs a model SPEC ({SPEC_FORMS})")
        m = _BACKEND.match(text)
        if m is None or Path(text).expanduser().exists():
            # a bare model directory or hub id is a transformers model; whether it exists is for its loader to say
            return cls("hf", text)
        backend, rest = m.groups()
        target, options = rest, {}
        if "?" in rest:
            target, query = rest.split("?", 1)
            options = parse_assignments(filter(None, query.split("&")), f"option in {what} {text!r}")
        elif "=" in rest and not any(c in rest for c in "#/@"):
            options, target = parse_assignments(filter(None, rest.split("&")), f"{what} {text!r}"), ""
        return cls(backend, target, tuple(options.items()), text)

    @property
    def option_dict(self) -> dict[str, str]:
        return dict(self.options)

    def with_options(self, **options: Any) -> "SolverSpec":
        """The same model with options added or replaced (None leaves an option as it is)."""
        merged = self.option_dict
        merged.update({k: str(v) for k, v in options.items() if v is not None})
        return SolverSpec(self.backend, self.target, tuple(merged.items()))

    def local_model(self, what: str) -> str:
        """The path or hub id of a model whose weights hardgen trains or loads itself (`hf:` or a bare directory);
        any other backend is refused in one line naming `what`."""
        if self.backend != "hf" or not self.target:
            raise HardgenError(f"{what} trains or loads model weights here, so it needs a local model directory or "
                               f"hf:PATH_OR_ID; {self.text!r} is a {self.backend}: SPEC")
        if self.options:
            raise HardgenError(f"{what} {self.text!r}: sampling options (?...) do not apply to a model being trained")
        return self.target


def parse_specs(values: Iterable["str | SolverSpec"], what: str = "--solver") -> list[SolverSpec]:
    return [SolverSpec.parse(v, what) for v in values]
