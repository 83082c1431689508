"""EFA programs: a problem family written as one Python file, admitted by the EFAGen checks, run in the sandbox.

An EFA (executable functional abstraction) file defines

    sample(rng) -> params          # params: JSON data (dict/list/str/int/float/bool/None); rng: random.Random
    solve(params) -> answer        # str or number (a list/tuple is joined with ", ")
    render(params) -> text         # the prompt a solver sees, saying how to format the answer
    SEED_PARAMS = {...}            # the params of the seed problem

and optionally SEED_PROBLEM / SEED_ANSWER (the seed it must reproduce), FAMILY_NAME, an independent re-derivation
`verify(params, answer) -> bool` or `solve_alt(params) -> answer`, and CHECK = {...} options (`min_distinct`,
`samples`, `timeout_s`, `memory_mb`, and the math checker options such as `tolerance`).

`check_efa(path_or_text)` runs the EFAGen checks and returns an `EFAReport`; `load_efa_family(path)` turns an
accepted file into a `Family` named `efa.<name>`, which is what `get_family("efa:path/to/file.py")` returns.
Every line of program code (even the module body) runs in a confined `LimitedWorker` (see `hardgen.core.jail`):
nothing here imports or executes the program in the calling process, and results come back as JSON text.

>>> report = check_efa("examples/efa/quadratic.py")                     # doctest: +SKIP
>>> report.accepted, report.checks["deterministic"]
(True, True)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from hardgen.core.errors import HardgenError
from hardgen.generators.base import (Candidate, Family, Knobs, Reject, knob, register, register_resolver,
                                     registered_family)
from hardgen.core.jail import LimitedWorker, Limits, Outcome, trusting_programs

__all__ = ["EFAReport", "EFAFamily", "check_efa", "extract_program", "load_efa_family", "resolve_efa",
           "family_for_record", "efa_limits", "EFA_CHECKS"]

#: the checks in the order they run; a later check is skipped (and reported as failed) once one fails
EFA_CHECKS = ("extractable", "syntax", "executes", "interface", "varied", "solves_samples", "deterministic",
              "seed_problem", "seed_answer", "independent")
DEFAULT_SAMPLES = 20
DEFAULT_MIN_DISTINCT = 3
MAX_PROMPT_CHARS = 20_000
MAX_ANSWER_CHARS = 2_000
#: longest result text the parent parses from one sandboxed call
MAX_RESULT_CHARS = 8_000_000
#: environment variable mapping loaded EFA family names to their files, so worker processes find them by name
ENV_PROGRAMS = "HARDGEN_EFA_PROGRAMS"
_CHECK_OPTION_KEYS = ("min_distinct", "samples", "timeout_s", "memory_mb")
_MATH_OPTION_KEYS = ("tolerance", "min_sig_digits", "extract")


# ---- code that runs inside the sandbox --------------------------------------------------------------------------
# These module-level functions are what the parent sends to the worker (pickled by reference). They receive the
# program text, execute it once per worker (cached by its hash) and return only JSON text or plain strings.

_PROGRAMS: dict[str, dict] = {}


def _program(source: str) -> dict:
    key = hashlib.sha256(source.encode()).hexdigest()
    ns = _PROGRAMS.get(key)
    if ns is None:
        ns = {"__name__": "efa_program", "__builtins__": __builtins__}
        exec(compile(source, "<efa program>", "exec"), ns)  # noqa: S102 - confined worker
        _PROGRAMS[key] = ns
    return ns


def _json_roundtrip(params: Any) -> Any:
    return json.loads(json.dumps(params, sort_keys=True, allow_nan=False))


def _answer_text(answer: Any) -> str:
    if isinstance(answer, bool) or answer is None:
        raise TypeError(f"solve returned {answer!r}; return the answer as text or a number")
    if isinstance(answer, (list, tuple)):
        return ", ".join(_answer_text(a) for a in answer)
    text = str(answer).strip()
    if not text:
        raise ValueError("solve returned an empty answer")
    if len(text) > MAX_ANSWER_CHARS:
        raise ValueError(f"the answer has {len(text)} characters (at most {MAX_ANSWER_CHARS})")
    return text


def _render_text(ns: dict, params: Any) -> str:
    text = ns["render"](params)
    if not isinstance(text, str) or not text.strip():
        raise TypeError(f"render returned {type(text).__name__}, expected non-empty text")
    if len(text) > MAX_PROMPT_CHARS:
        raise ValueError(f"the prompt has {len(text)} characters (at most {MAX_PROMPT_CHARS})")
    return text


def _sb_syntax(source: str) -> str:
    """Compile only; '' when fine, else the error (compiling deep or huge code can itself blow up)."""
    try:
        compile(source, "<efa program>", "exec")
    except SyntaxError as e:
        return f"SyntaxError: {e.msg} (line {e.lineno})"
    return ""


def _sb_probe(source: str) -> str:
    """Execute the module body; report which parts of the interface it defines and its seed constants."""
    ns = _program(source)
    info: dict[str, Any] = {"callables": sorted(n for n in ("sample", "solve", "render", "verify", "solve_alt")
                                                if callable(ns.get(n)))}
    for name in ("SEED_PARAMS", "SEED_PROBLEM", "SEED_ANSWER", "FAMILY_NAME", "CHECK"):
        if name in ns:
            try:
                info[name] = _json_roundtrip(ns[name])
            except (TypeError, ValueError) as e:
                info.setdefault("bad_constants", []).append(f"{name} is not JSON data ({e})")
    return json.dumps(info)


def _sb_sample(source: str, seeds: list[int]) -> str:
    """Params sampled with each seed, as canonical JSON text."""
    ns = _program(source)
    return json.dumps([json.dumps(_json_roundtrip(ns["sample"](random.Random(s))), sort_keys=True)
                       for s in seeds])


def _sb_solve_render(source: str, params_json: list[str]) -> str:
    """[answer, prompt] for each params (JSON text); solve and render see exactly the stored params."""
    ns = _program(source)
    out = []
    for pj in params_json:
        out.append([_answer_text(ns["solve"](json.loads(pj))), _render_text(ns, json.loads(pj))])
    return json.dumps(out)


def _sb_item(source: str, seed: int) -> str:
    """One generated item: [params JSON, answer, prompt]."""
    ns = _program(source)
    params = _json_roundtrip(ns["sample"](random.Random(seed)))
    pj = json.dumps(params, sort_keys=True)
    return json.dumps([pj, _answer_text(ns["solve"](json.loads(pj))), _render_text(ns, json.loads(pj))])


def _sb_independent(source: str, items: list[list[str]]) -> str:
    """The program's own second route for each [params JSON, answer]: ["verify", bool] or ["alt", answer]."""
    ns = _program(source)
    out = []
    for pj, ans in items:
        if callable(ns.get("verify")):
            ok = ns["verify"](json.loads(pj), ans)
            if not isinstance(ok, bool):
                raise TypeError(f"verify returned {type(ok).__name__}, expected bool")
            out.append(["verify", ok])
        else:
            out.append(["alt", _answer_text(ns["solve_alt"](json.loads(pj)))])
    return json.dumps(out)


# ---- the parent side -----------------------------------------------------------------------------------------

def efa_limits(options: dict | None = None, trust_programs: bool | None = None) -> Limits:
    """Sandbox limits of an EFA program's calls: `Limits.untrusted()` with the program's CHECK timeout/memory.

    The program runs in the kernel jail (`hardgen.core.isolation`); where none can be made, starting it raises
    `JailUnavailable` unless `trust_programs` (or `--trust-programs`, HARDGEN_TRUST_PROGRAMS=1) is set."""
    options, _ = check_options(options or {})
    timeout = float(options.get("timeout_s", 10.0))
    memory = int(options.get("memory_mb", 1024))
    trust = trusting_programs() if trust_programs is None else bool(trust_programs)
    return Limits.untrusted(timeout_s=min(max(timeout, 0.5), 60.0), memory_mb=min(max(memory, 256), 4096),
                            jail="prefer" if trust else "require")


def _number(v: Any, integer: bool) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    if integer:
        return isinstance(v, int) or (math.isfinite(v) and v == int(v))
    return math.isfinite(v)


# CHECK key -> (integer?, lowest allowed, highest allowed)
_OPTION_RANGES = {"min_distinct": (True, 1, 10_000), "samples": (True, 1, 10_000), "timeout_s": (False, 0.001, 3600),
                  "memory_mb": (True, 1, 1 << 20), "tolerance": (False, 0, 1), "min_sig_digits": (True, 1, 100)}
_EXTRACT_MODES = ("auto", "boxed", "marker", "last", "raw")


def check_options(raw: Any) -> tuple[dict, list[str]]:
    """The usable CHECK options of a program and one message per malformed one ("nan", "many", None, ...).

    Only the keys hardgen reads are kept; a bad value is dropped (and reported) rather than trusted."""
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [f"CHECK must be a dict, got {type(raw).__name__}"]
    options, errors = {}, []
    for key in _CHECK_OPTION_KEYS + _MATH_OPTION_KEYS:
        if key not in raw:
            continue
        v = raw[key]
        if key == "extract":
            ok = isinstance(v, str) and v in _EXTRACT_MODES
            want = "one of " + ", ".join(_EXTRACT_MODES)
        else:
            integer, lo, hi = _OPTION_RANGES[key]
            ok = _number(v, integer) and lo <= v <= hi
            want = f"{'an integer' if integer else 'a number'} in [{lo:g}, {hi:g}]"
            if ok and integer:
                v = int(v)
        if ok:
            options[key] = v
        else:
            shown = json.dumps(v)[:40] if isinstance(v, (str, int, float, bool, type(None))) else type(v).__name__
            errors.append(f"CHECK[{key!r}] must be {want}, got {shown}")
    return options, errors


class _Malformed(Exception):
    """A sandboxed call's result does not have the shape its function returns: the program tampered with it."""


def _parse(out: Outcome, what: str, shape: Any) -> Any:
    """The JSON a sandboxed call returned, checked against `shape` (see `_fits`); `_Malformed` otherwise."""
    if not isinstance(out.value, str) or len(out.value) > MAX_RESULT_CHARS:
        raise _Malformed(f"{what}: the sandbox returned no JSON text (malformed or forged output)")
    try:
        value = json.loads(out.value)
    except Exception:  # noqa: BLE001 - RecursionError too: the text is not what our function writes
        raise _Malformed(f"{what}: the sandbox returned malformed JSON (forged output?)") from None
    if not _fits(value, shape):
        raise _Malformed(f"{what}: the sandbox returned data of the wrong shape (forged output?)")
    return value


def _fits(value: Any, shape: Any) -> bool:
    """shape: a type (str, bool, dict), a one-element list [item shape] (any length), or a tuple of shapes
    (a list of exactly that length)."""
    if isinstance(shape, tuple):
        return isinstance(value, list) and len(value) == len(shape) and all(map(_fits, value, shape))
    if isinstance(shape, list):
        return isinstance(value, list) and all(_fits(v, shape[0]) for v in value)
    if shape is str:
        return isinstance(value, str) and len(value) <= 100_000
    if shape is Any:
        return True
    return isinstance(value, shape) and (shape is not int or not isinstance(value, bool))


def _outcome_reason(out: Outcome, what: str) -> str:
    if out.status == "raised":  # out.error is the exception's type and text, made one bounded line
        return f"{what} raised {out.error}"
    return f"{what}: {out.status}: {out.error}"


_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.S)


def extract_program(text: str) -> str | None:
    """The program in a file or a model's markdown response: the last fenced block that defines `solve`
    (or the only python block), else the whole text when it defines one of `sample`, `solve`, `render`."""
    if not isinstance(text, str):
        return None
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(text)]
    defining = [b for lang, b in blocks if re.search(r"^def\s+solve\s*\(", b, re.M)]
    if defining:
        return defining[-1].strip() + "\n"
    py = [b for lang, b in blocks if lang in ("python", "py", "python3")]
    if len(py) == 1:
        return py[0].strip() + "\n"
    if re.search(r"^def\s+(sample|solve|render)\s*\(", text, re.M):  # a bare file; `interface` checks the rest
        return text.strip() + "\n"
    return None


def _normalise_ws(text: str) -> str:
    return " ".join(text.split())


@dataclass
class EFAReport:
    """Outcome of the EFAGen checks on one program."""

    accepted: bool
    checks: dict[str, bool]
    reasons: list[str] = field(default_factory=list)
    name: str | None = None
    sha256: str | None = None
    source: str | None = None
    info: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [k for k, v in self.checks.items() if not v]

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "checks": self.checks, "reasons": self.reasons, "name": self.name,
                "sha256": self.sha256}


def _read_program(path_or_text: str | os.PathLike) -> tuple[str, str | None]:
    """(text, path) from a file path, or (text, None) when given program/response text."""
    if isinstance(path_or_text, os.PathLike) or (
            isinstance(path_or_text, str) and "\n" not in path_or_text and path_or_text.endswith(".py")):
        p = Path(path_or_text)
        try:
            return p.read_text(encoding="utf-8"), str(p.resolve())
        except (OSError, UnicodeDecodeError) as e:
            raise HardgenError(f"cannot read EFA program {p}: {getattr(e, 'strerror', None) or e}") from None
    return str(path_or_text), None


def _family_slug(name: Any, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", str(name or fallback).lower()).strip("_")
    return slug[:60] or "program"


def check_efa(path_or_source: str | os.PathLike, *, seed_problem: str | None = None, seed_answer: str | None = None,
              samples: int | None = None, trust_programs: bool | None = None) -> EFAReport:
    """Run the EFAGen checks on a program file, program text, or a model's markdown response.

    `seed_problem` / `seed_answer` (e.g. from the seed row a model was asked to abstract) take precedence over
    the program's own SEED_PROBLEM / SEED_ANSWER, so a program cannot pass by declaring a seed of its own.
    Checks, in order: extractable, syntax, executes, interface, varied (sampled params differ),
    solves_samples, deterministic (same params give the same answer and prompt in two fresh processes),
    seed_problem, seed_answer (math-equivalent), independent (the program's `verify`/`solve_alt` agrees on
    every sample; present only when the program offers one). A failed check stops the run; the checks not run
    are absent from `checks`, and `reasons` says what failed. Output of the program that does not have the
    shape hardgen's own sandboxed functions write (forged frames, tampered results) fails the running check.
    The program runs in the kernel jail; `trust_programs` (see `efa_limits`) allows running it without one.
    """
    try:
        return _check_efa(path_or_source, seed_problem, seed_answer, samples, trust_programs)
    except _Malformed as e:
        return e.args[1]


def _check_efa(path_or_source: str | os.PathLike, seed_problem: str | None, seed_answer: str | None,
               samples: int | None, trust_programs: bool | None) -> EFAReport:
    text, path = _read_program(path_or_source)
    checks: dict[str, bool] = {}
    reasons: list[str] = []
    source = extract_program(text)
    report = EFAReport(False, checks, reasons, source=source)

    def fail(name: str, reason: str) -> EFAReport:
        checks[name] = False
        reasons.append(f"{name}: {reason}")
        return report

    def parse(out: Outcome, check: str, what: str, shape: Any) -> Any:
        try:
            return _parse(out, what, shape)
        except _Malformed as e:
            raise _Malformed(str(e), fail(check, str(e))) from None

    if source is None:
        return fail("extractable", "no program found (expected ```python fences or a file defining "
                                   "sample, solve and render)")
    checks["extractable"] = True
    report.sha256 = hashlib.sha256(source.encode()).hexdigest()
    limits = efa_limits(trust_programs=trust_programs)
    with LimitedWorker(limits) as w:
        out = w.run(_sb_syntax, source)
        if not out.ok:
            return fail("syntax", _outcome_reason(out, "compiling"))
        if out.value:
            return fail("syntax", out.value)
        checks["syntax"] = True
        out = w.run(_sb_probe, source)
        if not out.ok:
            return fail("executes", _outcome_reason(out, "running the module"))
        checks["executes"] = True
        try:
            info = _probe_info(parse(out, "executes", "running the module", dict))
        except _Malformed as e:
            if len(e.args) > 1:
                raise
            return fail("executes", str(e))
        report.info = info
        missing = [n for n in ("sample", "solve", "render") if n not in info["callables"]]
        options, option_errors = check_options(info.get("CHECK"))
        if missing or "SEED_PARAMS" not in info or info.get("bad_constants") or option_errors:
            why = [f"missing function(s) {', '.join(missing)}"] if missing else []
            why += ["missing SEED_PARAMS"] if "SEED_PARAMS" not in info and not info.get("bad_constants") else []
            return fail("interface", "; ".join(why + info.get("bad_constants", []) + option_errors))
        report.name = _family_slug(info.get("FAMILY_NAME"), Path(path).stem if path else "program")
        checks["interface"] = True
    # the program's own timeout/memory options apply from here on
    limits = efa_limits(options, trust_programs)
    n = int(samples or options.get("samples") or DEFAULT_SAMPLES)
    n = min(max(n, 5), 200)
    seeds = [int.from_bytes(hashlib.sha256(f"efa-check:{i}".encode()).digest()[:8], "big") for i in range(n)]
    with LimitedWorker(limits) as w1, LimitedWorker(limits) as w2:
        out = w1.run(_sb_sample, source, seeds)
        if not out.ok:
            return fail("varied", _outcome_reason(out, "sample"))
        params = parse(out, "varied", "sample", (str,) * n)
        distinct = len(set(params))
        need = min(int(options.get("min_distinct", DEFAULT_MIN_DISTINCT)), n)
        if distinct < max(need, 2):
            return fail("varied", f"{distinct} distinct params in {n} samples (need {max(need, 2)}); "
                                  "sample must use its rng")
        checks["varied"] = True
        seed_pj = json.dumps(info["SEED_PARAMS"], sort_keys=True)
        todo = [seed_pj] + params
        out = w1.run(_sb_solve_render, source, todo)
        if not out.ok:
            return fail("solves_samples", _outcome_reason(out, "solve/render"))
        first = parse(out, "solves_samples", "solve/render", ((str, str),) * len(todo))
        checks["solves_samples"] = True
        # a second, fresh process: a different hash seed and no state carried over from the first run
        out = w2.run(_sb_solve_render, source, todo)
        if not out.ok:
            return fail("deterministic", _outcome_reason(out, "solve/render in a second process"))
        second = parse(out, "deterministic", "solve/render in a second process", ((str, str),) * len(todo))
        diff = [i for i, (a, b) in enumerate(zip(first, second)) if a != b]
        if diff:
            i = diff[0]
            return fail("deterministic", f"{len(diff)} of {len(todo)} params gave a different answer or prompt "
                                         f"in a second run (e.g. {first[i][0][:80]!r} vs {second[i][0][:80]!r})")
        checks["deterministic"] = True
        seed_answer_got, seed_prompt_got = first[0]
        want_problem = seed_problem if seed_problem is not None else info.get("SEED_PROBLEM")
        want_answer = seed_answer if seed_answer is not None else info.get("SEED_ANSWER")
        if want_problem is not None:
            if _normalise_ws(str(want_problem)) != _normalise_ws(seed_prompt_got):
                return fail("seed_problem", "render(SEED_PARAMS) does not reproduce the seed problem "
                                            f"(got {seed_prompt_got[:120]!r})")
            checks["seed_problem"] = True
        if want_answer is not None:
            v = _math_equal(str(want_answer), seed_answer_got, options)
            if v is not True:
                return fail("seed_answer", f"solve(SEED_PARAMS) = {seed_answer_got!r}, the seed answer is "
                                           f"{str(want_answer)!r}")
            checks["seed_answer"] = True
        if "verify" in info["callables"] or "solve_alt" in info["callables"]:
            items = [[pj, ans] for pj, (ans, _) in zip(todo, first)]
            try:
                bad = _independent_failures(w2, source, items, options)
            except _Malformed as e:
                bad = str(e)
            if bad:
                return fail("independent", bad)
            checks["independent"] = True
    report.accepted = all(checks.values())
    if not report.accepted:  # pragma: no cover - every failure returns above
        reasons.append("a check failed")
    return report


def _math_equal(gold: str, got: str, options: dict) -> bool | None:
    from hardgen.verifiers.math import math_equal
    opts = {k: options[k] for k in _MATH_OPTION_KEYS if k in options and k != "extract"}
    return math_equal(gold, got, **opts).correct


def _probe_info(info: dict) -> dict:
    """The probe's report with its fields checked (a tampered probe could send anything)."""
    if not isinstance(info.get("callables"), list) or not all(isinstance(c, str) for c in info["callables"]):
        raise _Malformed("running the module: the sandbox returned a malformed interface report (forged output?)")
    bad = info.get("bad_constants", [])
    if not isinstance(bad, list) or not all(isinstance(b, str) for b in bad):
        raise _Malformed("running the module: the sandbox returned a malformed interface report (forged output?)")
    info["bad_constants"] = [b[:300] for b in bad]
    return info


def _independent_results(out: Outcome, n: int) -> list:
    res = _parse(out, "the independent check", ((str, Any),) * n)
    for kind, value in res:
        if not ((kind == "verify" and isinstance(value, bool)) or (kind == "alt" and isinstance(value, str))):
            raise _Malformed("the independent check: the sandbox returned data of the wrong shape (forged output?)")
    return res


def _independent_failures(worker: LimitedWorker, source: str, items: list[list[str]], options: dict) -> str:
    """'' when the program's second route agrees on every item, else what disagreed."""
    out = worker.run(_sb_independent, source, items)
    if not out.ok:
        return _outcome_reason(out, "the independent check")
    for (pj, ans), (kind, value) in zip(items, _independent_results(out, len(items))):
        if kind == "verify" and value is not True:
            return f"verify(params, {ans!r}) is False for params {pj[:120]}"
        if kind == "alt" and _math_equal(ans, value, options) is not True:
            return f"solve gives {ans!r} but solve_alt gives {value!r} for params {pj[:120]}"
    return ""


# ---- the family adapter --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EFAKnobs(Knobs):
    """An EFA program has no difficulty knobs of its own; `program` names the file (set when it is loaded)."""

    program: str = knob("", help="the EFA program file (set by `gen generate efa:FILE.py`)")


_WORKERS: dict[str, LimitedWorker] = {}
_WORKERS_LOCK = threading.Lock()


class EFAFamily(Family):
    """Base of the family classes `load_efa_family` builds; one subclass per accepted program."""

    Knobs = EFAKnobs
    program_path: ClassVar[str]
    program_sha256: ClassVar[str]
    program_source: ClassVar[str]
    program_options: ClassVar[dict]
    option_errors: ClassVar[tuple[str, ...]] = ()
    has_independent: ClassVar[bool]
    verification = ("The program's solve() is re-run in a fresh sandboxed process and must give the stored "
                    "answer (math-equivalent) and render() the stored prompt; when the program offers "
                    "verify(params, answer) or solve_alt(params), that second route must agree too. The program "
                    "file must still have the sha256 recorded in the row.")
    # consecutive sandbox failures (timeouts, crashes) after which generation stops instead of redrawing
    max_failures: ClassVar[int] = 5

    def __init__(self) -> None:
        self._failures = 0

    @classmethod
    def _worker(cls, role: str = "generate") -> LimitedWorker:
        # one persistent confined worker per program and role per process: the module body runs once; rederive
        # never shares a process with generation, so no state left by generating can make an answer look right
        key = f"{role}:{cls.program_sha256}"
        with _WORKERS_LOCK:
            w = _WORKERS.get(key)
            if w is None:
                w = _WORKERS[key] = LimitedWorker(efa_limits(cls.program_options))
            return w

    def generate(self, knobs: EFAKnobs, rng: random.Random) -> Candidate:
        out = self._worker().run(_sb_item, self.program_source, rng.getrandbits(63))
        try:
            if not out.ok:
                raise _Malformed(_outcome_reason(out, f"EFA program {self.program_path}"))
            pj, answer, prompt = _parse(out, f"EFA program {self.program_path}", (str, str, str))
            params = json.loads(pj)
            if not answer.strip() or len(answer) > MAX_ANSWER_CHARS or not prompt.strip():
                raise _Malformed(f"EFA program {self.program_path}: an empty or oversized answer or prompt")
        except (_Malformed, ValueError, RecursionError) as e:
            self._failures += 1
            reason = str(e) if isinstance(e, _Malformed) else f"EFA program {self.program_path}: malformed params"
            if self._failures >= self.max_failures:
                raise HardgenError(f"{self.name}: {self._failures} sandbox failures in a row; last: {reason}")
            raise Reject(reason) from None
        self._failures = 0
        check = {"kind": "math", "params": params,
                 "efa": {"name": self.name, "sha256": self.program_sha256}}
        for k in _MATH_OPTION_KEYS:
            if k in self.program_options:
                check[k] = self.program_options[k]
        return Candidate(prompt, answer, check)

    def rederive(self, record: dict) -> dict[str, bool | None]:
        """Re-run solve and render in this process's rederive worker (never the generating one) and the
        program's own second route when it has one; a sandbox failure raises with its reason."""
        efa = (record.get("check") or {}).get("efa") or {}
        checks: dict[str, bool | None] = {"program_unchanged": efa.get("sha256") == self.program_sha256}
        if not checks["program_unchanged"]:
            return checks
        if self.option_errors:  # a program whose CHECK options are malformed makes no valid rows
            raise HardgenError(f"EFA program {self.program_path}: " + "; ".join(self.option_errors))
        pj = json.dumps(record["check"]["params"], sort_keys=True)
        w = self._worker("rederive")
        out = w.run(_sb_solve_render, self.program_source, [pj])
        if not out.ok:
            raise HardgenError(_outcome_reason(out, "re-running solve"))
        try:
            (answer, prompt), = _parse(out, "re-running solve", ((str, str),))
        except _Malformed as e:
            raise HardgenError(str(e)) from None
        checks["solve_rerun"] = _math_equal(str(record.get("answer")), answer, self.program_options)
        checks["prompt_rerendered"] = _normalise_ws(prompt) == _normalise_ws(record.get("prompt") or "")
        if self.has_independent:
            out = w.run(_sb_independent, self.program_source, [[pj, str(record.get("answer"))]])
            if not out.ok:  # a sandbox failure is a reason to report, not a disagreement
                raise HardgenError(_outcome_reason(out, "the independent check"))
            try:
                (kind, value), = _independent_results(out, 1)
            except _Malformed as e:
                raise HardgenError(str(e)) from None
            checks["independent"] = (value is True if kind == "verify"
                                     else _math_equal(str(record.get("answer")), value, self.program_options))
        return checks


_LOADED: dict[tuple[str, str], type[EFAFamily]] = {}


def load_efa_family(path: str | os.PathLike, *, check: bool = True,
                    trust_programs: bool | None = None) -> type[EFAFamily]:
    """The family class of an EFA program file, registered as `efa.<name>` (FAMILY_NAME or the file's stem).

    With `check=True` (the default) the file must pass `check_efa`, else `HardgenError` lists the failed checks.
    `check=False` skips the checks (for a file already checked, e.g. in worker processes); its code still only
    runs in the sandbox. The name and file are also recorded in the environment variable HARDGEN_EFA_PROGRAMS
    so that worker processes started afterwards can resolve `efa.<name>`.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise HardgenError(f"cannot read EFA program {p}: {getattr(e, 'strerror', None) or e}") from None
    source = extract_program(text)
    if source is None:
        raise HardgenError(f"{p}: no EFA program found (a file must define sample, solve and render)")
    sha = hashlib.sha256(source.encode()).hexdigest()
    key = (str(p.resolve()), sha)
    if key in _LOADED:
        return _LOADED[key]
    if check:
        report = check_efa(p, trust_programs=trust_programs)
        if not report.accepted:
            raise HardgenError(f"EFA program {p} failed the checks: " + "; ".join(report.reasons))
        info = report.info
    else:
        with LimitedWorker(efa_limits(trust_programs=trust_programs)) as w:
            out = w.run(_sb_probe, source)
        if not out.ok:
            raise HardgenError(f"EFA program {p}: " + _outcome_reason(out, "running the module"))
        try:
            info = _probe_info(_parse(out, "running the module", dict))
        except _Malformed as e:
            raise HardgenError(f"EFA program {p}: {e}") from None
    options, option_errors = check_options(info.get("CHECK"))
    slug = _family_slug(info.get("FAMILY_NAME"), p.stem)
    has_alt = "verify" in info.get("callables", []) or "solve_alt" in info.get("callables", [])
    abs_path = key[0]

    # the file is the one allowed value of the program knob, so source.knobs names the file a row came from
    _Knobs = dataclass(frozen=True)(type("EFAKnobs_" + slug, (EFAKnobs,), {
        "__annotations__": {"program": "str"},
        "program": knob(abs_path, choices=(abs_path,), help="the EFA program file")}))
    cls = type(f"EFA_{slug}", (EFAFamily,), {
        "name": f"efa.{slug}", "version": sha[:16], "Knobs": _Knobs,
        "levels": {"easy": {}, "medium": {}, "hard": {}},
        "description": f"EFA program {abs_path} (sha256 {sha[:12]}): its sample/solve/render functions.",
        "program_path": abs_path, "program_sha256": sha, "program_source": source,
        "program_options": options, "option_errors": tuple(option_errors),
        "has_independent": has_alt, "__module__": __name__,
    })
    prev = registered_family(cls.name)
    if prev is not None and getattr(prev, "program_path", None) != abs_path:
        raise HardgenError(f"family name {cls.name!r} is already taken by "
                           f"{getattr(prev, 'program_path', prev.__module__)}; set FAMILY_NAME in {p}")
    register(cls)  # replaces an older version of the same file (same class name)
    known = _env_programs()
    known[cls.name] = [abs_path, sha]
    os.environ[ENV_PROGRAMS] = json.dumps(known, sort_keys=True)
    _LOADED[key] = cls
    return cls


def _env_programs() -> dict[str, list[str]]:
    try:
        known = json.loads(os.environ.get(ENV_PROGRAMS) or "{}")
        return known if isinstance(known, dict) else {}
    except json.JSONDecodeError:
        return {}


def resolve_efa(name: str) -> type[EFAFamily] | None:
    """The family for `efa:PATH` (loads and checks the file) or `efa.<name>` (a program loaded earlier in this
    process or named in HARDGEN_EFA_PROGRAMS); None when `efa.<name>` is unknown. Registered below as the
    resolver `hardgen.generators.base.get_family` calls for names starting with `efa:` or `efa.`."""
    if name.startswith("efa:"):
        return load_efa_family(name[4:])
    fam = registered_family(name)
    if fam is not None:
        return fam
    entry = _env_programs().get(name)
    if not entry or not Path(entry[0]).is_file():
        return None
    cls = load_efa_family(entry[0], check=False)  # accepted by the process that named it
    if cls.program_sha256 != entry[1]:
        raise HardgenError(f"EFA program {entry[0]} changed since it was checked (sha256 "
                           f"{cls.program_sha256[:12]}, expected {entry[1][:12]})")
    return cls if cls.name == name else None


def family_for_record(record: dict) -> type[EFAFamily] | None:
    """The family of an `efa.*` row, from the program file named in its source knobs (for `gen verify` in a
    process that never loaded it). None when the file is gone; a file whose code changed still loads, and
    `rederive` then reports `program_unchanged: False`."""
    fam = record.get("family") or ""
    if not fam.startswith("efa."):
        return None
    known = registered_family(fam)
    if known is not None:
        return known
    path = ((record.get("source") or {}).get("knobs") or {}).get("program")
    if not path or not Path(path).is_file():
        return resolve_efa(fam)
    return load_efa_family(path, check=False)


register_resolver(("efa:", "efa."), resolve_efa)
