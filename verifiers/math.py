"""Strict math answer checking: extract the final answer(s), then decide equivalence with the reference answer.

The scorer is three-valued: True, False, or None with a reason when the check could not decide within its
limits. Cheap paths run in the caller (canonical text, exact rationals, the numeric screen); only pairs that
agree numerically but need a symbolic proof reach sympy, which runs in a persistent, killable worker process
(`hardgen.core.jail.LimitedWorker`) started on first need, so a pathological answer costs at most the time limit.

Check options (keys of `record["check"]`, all optional):
  extract: "auto" | "boxed" | "marker" | "last" | "raw" (see `answer.read_final_answer`); default "auto", or
           "raw" when `response_format` is "raw".
  tolerance: relative tolerance that also accepts decimals (e.g. 0.01); default None (the rounding rule only);
           capped at MAX_TOLERANCE (1e-2): a record (an EFA program's CHECK, say) may tighten checking, never
           loosen it past the cap.
  min_sig_digits: significant digits a decimal needs to stand for a non-integer exact value (default 3; values
           below MIN_SIG_DIGITS (2) are raised to it).
  timeout_s, memory_mb: limits of the symbolic proof (default 5 s, 1024 MB).
  max_answer_chars: longer extracted answers are undecided (default 2000).
See `math_equiv` for the equivalence rules. Every final answer must be right: an empty one (`\\boxed{}`), an
unreadable one, or more than MAX_FINAL_ANSWERS distinct ones make the response wrong (False, never None, so a
malformed response cannot escape its negative reward); an unreadable reference answer leaves it undecided.

Grading conventions (each decided on purpose; bench/verify_corpus/README.md names them):
  last answer counts: no. A box retracted in the text ("\\boxed{3} ... wait, that is wrong ... \\boxed{4}") is
           two different final answers and wrong: a response states one answer, and a reward that takes the
           last of several would pay for a box followed by another in prose ("The final answer is 4.").
  names the prompt uses: they count when the record lists them (`check.params.vars`, e.g. math.recurrence's
           c_1, c_2); names the record does not list bind to x, y, z (then a, b, c) in order, and any other name
           is wrong, so a swapped or invented name can never match.
  decimal comma: `3{,}97` is 3.97 (LaTeX's decimal comma; `{,}` before exactly three digits groups thousands);
           a plain `3,97` is not a decimal, since `3,97` is also the pair 3 and 97 and a list must never match a
           number by being read as one.
  units: two stated units of measure must be the same unit (`201 cm` is wrong for `201 m`; `5 hrs` right for
           `5 hours`); a reference without a unit states none to compare with, so a unit on the answer is not
           held against it; count nouns ("apples", "people") are not compared.
"""

from __future__ import annotations

import functools
import re
import threading

from hardgen.core.jail import LimitedWorker, Limits
from hardgen.verifiers.base import Verdict, register_check
from hardgen.verifiers.math_equiv import DEFAULTS, Cmp, compare_values, prove
from hardgen.verifiers.answer import read_final_answer, read_reference
from hardgen.verifiers.math_parse import (_DEGREE, LimitError, ParseError, clean_text, is_text_answer, max_depth,
                                          normalize, parse_value, unit_of)

__all__ = ["score_math", "math_equal", "clear_cache", "cache_info", "shutdown_workers"]

_OPTION_KEYS = ("extract", "tolerance", "min_sig_digits", "timeout_s", "memory_mb", "max_answer_chars")
_BASE = {**DEFAULTS, "extract": "auto", "timeout_s": 5.0, "memory_mb": 1024, "max_answer_chars": 2000,
         "max_nesting": 60}

#: a response giving more distinct final answers than this is wrong without judging each one: no right
#: response writes the answer in that many forms, and judging them all could cost a proof time limit apiece
MAX_FINAL_ANSWERS = 32

_WORKERS: dict[Limits, LimitedWorker] = {}
_WORKERS_LOCK = threading.Lock()


def _worker(opts: dict) -> LimitedWorker:
    limits = Limits(timeout_s=float(opts["timeout_s"]), memory_mb=int(opts["memory_mb"]))
    with _WORKERS_LOCK:
        w = _WORKERS.get(limits)
        if w is None:
            w = _WORKERS[limits] = LimitedWorker(limits)
        return w


def shutdown_workers() -> None:
    """Stop the proof workers (they restart on the next proof)."""
    with _WORKERS_LOCK:
        workers = list(_WORKERS.values())
        _WORKERS.clear()
    for w in workers:
        w.close()


#: the loosest tolerance a record may ask for, and the fewest significant digits a decimal may show
MAX_TOLERANCE = 1e-2
MIN_SIG_DIGITS = 2


def _capped(opts: dict) -> dict:
    """Options a record cannot use to loosen checking: tolerance at most MAX_TOLERANCE, digits at least 2."""
    tol = opts.get("tolerance")
    if tol is not None:
        try:
            tol = float(tol)
        except (TypeError, ValueError):
            tol = None
        opts["tolerance"] = None if tol is None or tol != tol or tol <= 0 else min(tol, MAX_TOLERANCE)
    try:
        opts["min_sig_digits"] = max(int(opts["min_sig_digits"]), MIN_SIG_DIGITS)
    except (TypeError, ValueError):
        opts["min_sig_digits"] = DEFAULTS["min_sig_digits"]
    return opts


def _options(check: dict) -> dict:
    opts = dict(_BASE)
    if check.get("response_format") == "raw":
        opts["extract"] = "raw"
    for k in _OPTION_KEYS:
        if check.get(k) is not None:
            opts[k] = check[k]
    params = check.get("params")
    names = params.get("vars") if isinstance(params, dict) else None
    if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
        opts["vars"] = tuple(names)  # the unknowns, in the order a tuple answer lists their values
    return _capped(opts)


def math_equal(gold: str, response_answer: str, **options) -> Verdict:
    """Whether an extracted answer equals the reference answer (no extraction); options as in the module doc.

    >>> math_equal("\\\\frac{1}{2}", "0.5").correct
    True
    """
    opts = dict(_BASE)
    opts.update({k: v for k, v in options.items() if v is not None})
    _capped(opts)
    key = tuple(sorted((k, opts[k]) for k in _BASE if k != "extract"))
    ok, reason = _judge(gold.strip(), response_answer.strip(), key)
    return Verdict(ok, reason)


@functools.lru_cache(maxsize=65536)
def _judge(gold: str, ans: str, key: tuple) -> tuple[bool | None, str]:
    """Decide one (gold, answer) pair; cached on the texts and options."""
    opts = dict(key)
    if len(ans) > opts["max_answer_chars"]:
        return None, f"answer longer than {opts['max_answer_chars']} characters"
    if max_depth(ans) > opts["max_nesting"]:
        return None, f"answer nested deeper than {opts['max_nesting']} brackets"
    if ans == gold:
        return True, "same text"
    based = _based_numbers(gold, ans)
    if based is not None:
        return based
    ok, reason = _judge_values(gold, ans, opts)
    if ok is False and (_DEGREE.search(ans) is None) != (_DEGREE.search(gold) is None):
        # 30 degrees and pi/6 are one angle: read the side in degrees as radians and compare again
        g2, a2 = (gold, _as_radians(ans)) if _DEGREE.search(ans) else (_as_radians(gold), ans)
        if g2 is not None and a2 is not None:
            ok2, reason2 = _judge_values(g2, a2, opts)
            if ok2 is True:
                return ok2, reason2 + " (degrees as radians)"
    return ok, reason


def _as_radians(s: str) -> str | None:
    """`30^\\circ` -> `(30)*\\pi/180`; None when the degree sign is not on a plain value at the end."""
    m = _DEGREE.search(s)
    if not m or s[m.end():].strip():
        return None
    return f"({s[:m.start()]})\\cdot\\frac{{\\pi}}{{180}}"


_BASED = re.compile(r"^\s*([0-9A-Za-z]+)\s*_\s*\{?\s*(?:\\text\{)?\s*(\d{1,2})\s*\}?\s*\}?\s*$")


def _based_numbers(gold: str, ans: str) -> tuple[bool, str] | None:
    """Numerals with a base subscript (`1112112_3`): the same digits in the same base; a bare numeral stands for
    the reference's base. None when the reference has no base subscript."""
    mg = _BASED.match(gold.replace("$", ""))
    if not mg or not mg.group(1).isalnum():
        return None
    ma = _BASED.match(ans.replace("$", ""))
    digits, base = (ma.group(1), ma.group(2)) if ma else (ans.replace("$", "").strip(), mg.group(2))
    if base.lstrip("0") != mg.group(2).lstrip("0"):
        return False, f"a numeral in base {base}, expected base {mg.group(2)}"
    same = digits.upper().lstrip("0") == mg.group(1).upper().lstrip("0")
    return same, "same numeral" if same else "different numeral"


def _squash(s: str) -> str:
    """Text without spaces, except a space between two digits (`4 3` is not `43`)."""
    return re.sub(r"(?<!\d)\s+|\s+(?!\d)", "", s)


def _judge_values(gold: str, ans: str, opts: dict) -> tuple[bool | None, str]:
    # an unreadable reference leaves the pair undecided; an unreadable answer (e.g. an unclosed \text{) is
    # wrong: a None reward is ignored by RL trainers, so malformed output must not escape its negative reward
    try:
        gold_is_text = is_text_answer(gold)
    except ParseError as e:
        return None, f"cannot read the reference answer: {e}"
    if gold_is_text:
        try:
            return clean_text(gold) == clean_text(ans), "text comparison"
        except ParseError as e:
            return False, f"cannot read the answer: {e}"
    try:
        ng = normalize(gold)
    except (ParseError, RecursionError) as e:
        return None, f"cannot read the reference answer: {e}"
    try:
        na = normalize(ans)
    except ParseError as e:
        return False, f"cannot read the answer: {e}"
    ug, ua = unit_of(gold), unit_of(ans)
    if ug and ua and ug != ua:  # a bare reference states no unit to compare with: only two stated units can clash
        return False, f"the answer is in {ua}, the reference in {ug}"
    if _squash(ng) == _squash(na):
        return True, "same canonical text"
    try:
        gv = parse_value(ng)
    except (ParseError, RecursionError) as e:
        if _same_text(gold, ans):
            return True, "text comparison"
        return None, f"cannot parse the reference answer: {e}"
    except LimitError as e:
        return None, f"reference answer over the limits: {e}"
    try:
        rv = parse_value(na)
    except RecursionError:
        return None, "answer nested too deeply"
    except LimitError as e:
        return None, str(e)
    except ParseError as e:
        return False, f"cannot read the answer {_clip(ans)!r}: {e}"
    try:
        c = compare_values(gv, rv, opts)
    except LimitError as e:
        return None, str(e)
    except RecursionError:
        return None, "answer nested too deeply"
    if c.ok is not None or not c.pending:
        return c.ok, c.reason
    return _prove(c, opts)


def _same_text(gold: str, ans: str) -> bool:
    """Whether two answers read the same as words; False when the answer's LaTeX is malformed."""
    try:
        return clean_text(gold) == clean_text(ans)
    except ParseError:
        return False


def _prove(c: Cmp, opts: dict) -> tuple[bool | None, str]:
    out = _worker(opts).run(prove, c.pending)
    if out.status == "timeout":
        return None, f"timeout: symbolic check exceeded {opts['timeout_s']:g} s"
    if out.status == "memory":
        return None, f"memory: symbolic check exceeded {opts['memory_mb']} MB"
    if out.status != "ok":
        return None, f"symbolic check failed: {out.error[:200]}"
    results = out.value
    if any(r is False for r in results):
        return False, "not equal (symbolic check)"
    if len(results) == len(c.pending) and all(r is True for r in results):
        return True, "equal (symbolic check)"
    return None, "numerically equal but not proved equal"


def _clip(s: str, n: int = 60) -> str:
    return s if len(s) <= n else s[:n] + "..."


def clear_cache() -> None:
    _judge.cache_clear()
    _reference.cache_clear()


def cache_info():
    """functools cache statistics of the pair cache (hits, misses, maxsize, currsize)."""
    return _judge.cache_info()


#: a final answer longer than max(OVERSIZE_MIN_CHARS, OVERSIZE_FACTOR × len(reference)) is wrong
OVERSIZE_MIN_CHARS = 200
OVERSIZE_FACTOR = 8


@functools.lru_cache(maxsize=16384)
def _reference(answer: str):
    return read_reference(answer)


@register_check("math")
def score_math(response: str, check: dict, answer: str | None) -> Verdict:
    """Score a response to a math record: every final answer it gives must equal the reference answer."""
    if answer is None:
        return Verdict(None, "the record has no reference answer")
    opts = _options(check)
    ref = _reference(str(answer))
    if ref.answer is None:
        return Verdict(None, f"cannot read the reference answer ({ref.reason or 'several different answers'})")
    ex = read_final_answer(response, opts["extract"])
    if not ex.answers:
        return Verdict(False, f"no final answer ({ex.reason})")
    if not all(a.strip() for a in ex.answers):
        return Verdict(False, "an empty final answer (e.g. \\boxed{})")
    if len(ex.answers) > MAX_FINAL_ANSWERS:
        return Verdict(False, f"more than {MAX_FINAL_ANSWERS} different final answers")
    # an answer far longer than the reference is not a way of writing it; deciding False here (not None) keeps a
    # policy from dodging negative reward with answers too big to prove (recursion, time or size limits)
    gold = ref.answer.strip()
    limit = max(OVERSIZE_MIN_CHARS, OVERSIZE_FACTOR * len(gold))
    for a in ex.answers:
        if len(a) > limit:
            return Verdict(False, f"final answer of {len(a)} characters, far longer than the reference "
                                  f"({len(gold)}); limit {limit}")
    key = tuple(sorted((k, opts[k]) for k in _BASE if k != "extract"))
    verdicts = []
    for a in ex.answers:  # stop at the first wrong one: the rest cannot make the response right
        verdicts.append(_judge(gold, a.strip(), key))
        if verdicts[-1][0] is False and len(ex.answers) > 1:
            shown = ", ".join(_clip(a, 30) for a in ex.answers[:4])
            return Verdict(False, f"conflicting final answers ({shown})")
    if len(verdicts) == 1:
        return Verdict(*verdicts[0])
    if all(v[0] is True for v in verdicts):
        return Verdict(True, f"{len(verdicts)} final answers, all equal to the reference")
    return Verdict(None, next(v[1] for v in verdicts if v[0] is None))
