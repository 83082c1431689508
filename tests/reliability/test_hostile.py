"""Hostile input: garbage, huge, deeply nested and random responses against every registered checker, and random
DIMACS text against the DIMACS reader. Nothing may crash or hang: a checker answers True/False/None within its time
limit, the reader returns a well-formed formula or raises HardgenError. Property tests (hypothesis) and seeded
mutation fuzzing, each bounded in examples and time."""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hardgen.core.errors import HardgenError
from hardgen.generators.base import load_families
from hardgen.generators.item import generate_one
from hardgen.generators.sat._cnf import parse_dimacs, read_dimacs, write_dimacs
from hardgen.verifiers import Verdict, score, score_check
from hardgen.verifiers.base import check_kinds
from hardgen.stages.verify import reference_response

#: wall-clock bound of one check: the math checker's symbolic proof may use its time limit (check["timeout_s"],
#: default 5 s) plus worker start-up; the other checkers are plain code
MATH_LIMIT_S = 8.0
OTHER_LIMIT_S = 2.0
#: families that need an input file (no record can be made from knobs alone)
NEEDS_INPUT = {"sat.dimacs"}

FAST = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@lru_cache(maxsize=1)
def records_by_kind() -> dict[str, list[dict]]:
    """One real record per family (easy level, index 0), grouped by the check kind that scores it; a kind that only
    a harder level asks for (e.g. MST edges rather than the MST weight) gets a record of that level."""
    fams = load_families()
    out: dict[str, list[dict]] = {}
    for level in ("easy", "hard"):
        for name in sorted(fams):
            if name in NEEDS_INPUT:
                continue
            knobs = fams[name].resolve_knobs(level, {}).as_dict()
            if level == "hard" and not any(k.get("choices") for k in fams[name].Knobs.spec()):
                continue  # without a choice knob the hard level asks the same kind of answer
            rec = generate_one(name, level, knobs, 0, 0)
            kind = rec["check"]["kind"]
            if level == "easy" or kind not in out:
                out.setdefault(kind, []).append(rec)
    return out


KINDS = check_kinds()


def _limit(rec: dict) -> float:
    if rec["check"]["kind"] != "math":
        return OTHER_LIMIT_S
    return float(rec["check"].get("timeout_s") or 5.0) + 3.0


class Hang(BaseException):
    """A call ran past its watchdog: the checker would stall a grading worker. A BaseException, so the scorer's
    own `except Exception` (which turns checker bugs into undecided verdicts) cannot swallow it."""


@contextmanager
def watchdog(seconds: float, what: str):
    """Fail (instead of hanging the suite) when the body runs past `seconds`; SIGALRM also stops a runaway regex."""
    def fire(signum, frame):
        raise Hang(f"{what} still running after {seconds:g} s")

    # pytest-timeout may own SIGALRM too: keep its handler and re-arm its timer with the time it had left
    t0 = time.monotonic()
    old = signal.signal(signal.SIGALRM, fire)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if old_delay > 0:
            signal.setitimer(signal.ITIMER_REAL, max(old_delay - (time.monotonic() - t0), 0.001), old_interval)


def _judge(rec: dict, response) -> Verdict:
    """Score and assert the contract: a Verdict, no checker exception, and no hang (a generous watchdog; the
    checkers' speed on hostile input is timed in bench/, not asserted here where load would make it flaky)."""
    with watchdog(4 * _limit(rec) + 10, f"{rec['family']} checker on {_show(response)}"):
        v = score(rec, response)
    assert isinstance(v, Verdict) and v.correct in (True, False, None), v
    assert not v.reason.startswith("checker error"), f"{rec['family']}: checker raised on {_show(response)}: {v}"
    return v


def _show(s) -> str:
    s = repr(s)
    return s if len(s) < 120 else f"{s[:100]}... ({len(s)} chars)"


def test_every_registered_check_kind_has_a_family_record():
    missing = sorted(set(KINDS) - set(records_by_kind()))
    assert not missing, f"check kinds with no family to build a record from: {missing}"


# --------------------------------------------------------------------------- fixed pathological responses

MB = 1 << 20
PATHOLOGICAL: list[str] = [
    "", " ", "\n" * 1000, "\x00" * 100, "\ud800\udfff lone surrogates", "\u202e\u2066 bidi \u2069",
    "\\boxed{}", "\\boxed{", "\\boxed}", "}{" * 500, "\\boxed{" + "}" * 1000,
    "\\boxed{" * 300, "\\boxed{" * 300 + "}" * 300, "\\boxed{" + "{" * 5000 + "}" * 5000 + "}",
    "\\boxed{" + "(" * 5000 + ")" * 5000 + "}", "\\boxed{" + "[" * 3000 + "}",
    "\\boxed{" + "\\frac{" * 500 + "1}{2}" * 500 + "}",
    "\\boxed{" + "\\sqrt{" * 200 + "2" + "}" * 200 + "}",
    "\\boxed{" + "-" * 10000 + "1}", "\\boxed{" + "1" * 100_000 + "}", "\\boxed{" + "9" * 5000 + "/" + "7" * 5000 + "}",
    "\\boxed{10**10**10}", "\\boxed{9^{9^{9^{9}}}}", "\\boxed{2^{2^{2^{2^{2^{2}}}}}}", "\\boxed{10^{10^{100}}}",
    "\\boxed{(10^{100})!}", "\\boxed{100000000!}", "\\boxed{1e999999999}", "\\boxed{1/0}", "\\boxed{0/0}",
    "\\boxed{\\infty}", "\\boxed{-\\infty}", "\\boxed{nan}", "\\boxed{\\frac{1}{0}}", "\\boxed{\\log(0)}",
    "\\boxed{\\sum_{n=1}^{\\infty} n}", "\\boxed{\\int_0^1 x\\,dx}", "\\boxed{x}", "\\boxed{x = x}",
    "\\boxed{\\begin{pmatrix}1&2\\end{pmatrix}}", "\\boxed{\\text{\\text{\\text{\\text{5}}}}}",
    "\\boxed{" + "\\text{" * 400 + "5" + "}" * 400 + "}", "\\boxed{\\\\\\\\\\\\}", "\\boxed{$$$$}",
    "\\boxed{" + ",".join(["1"] * 20000) + "}", "\\boxed{" + " ".join(["-1"] * 20000) + "}",
    "\\boxed{" + "->".join(["A"] * 20000) + "}", "\\boxed{" + "\n".join(["1 2 3"] * 5000) + "}",
    "\\boxed{" + "\\\\".join(["Q . ."] * 5000) + "}",
    "\\boxed{unsatisfiable}" * 50, "\\boxed{0 0 0 0 0 0 0 0 0 0 0}", "\\boxed{-0}", "\\boxed{99999999999999999999999}",
    "\\boxed{A: knight, A: knave}", "\\boxed{1: , 2: , 3: }", "\\boxed{::::}", "\\boxed{(,,,)}",
    "\\fbox{" * 200, "\\boxed 5", "\\boxed " + "x" * 10000, "answer: " * 2000, "final answer is " * 2000,
    "The answer is $" + "(" * 2000 + "$", "$" * 10001, "\\(" * 3000, "\\[" * 3000 + "\\]",
    "x" * MB, "\\boxed{" * 50_000, "{" * 200_000, ("\\boxed{1} " * 100_000),
    "\\boxed{" + "a" * MB + "}", "é" * (MB // 2) + "\\boxed{1}",
]
# the math checker's brace matching is quadratic in the number of unclosed boxes (see test below); its huge cases
# are kept out of the loop so the suite still finishes while that is fixed
QUADRATIC_IN_MATH = {"\\boxed{" * 50_000}


def _pathological_for(kind: str) -> list[str]:
    return [r for r in PATHOLOGICAL if not (kind == "math" and r in QUADRATIC_IN_MATH)]


@pytest.mark.parametrize("kind", KINDS)
def test_pathological_responses(kind):
    recs = records_by_kind()[kind]
    # math has a dozen families: a tuple answer and a symbolic one cover its parsing paths
    if kind == "math":
        recs = [r for r in recs if r["family"] in ("math.linear_system", "math.integral")]
    started = time.monotonic()
    for rec in recs:
        for resp in _pathological_for(kind):
            v = _judge(rec, resp)
            assert v.correct is not True, f"{rec['family']} accepted garbage {_show(resp)}: {v.reason}"
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("kind", KINDS)
def test_non_text_responses_are_wrong_not_crashes(kind):
    rec = records_by_kind()[kind][0]
    for resp in (None, 5, b"\\boxed{1}", ["\\boxed{1}"], {"content": "x"}, float("nan")):
        v = _judge(rec, resp)
        assert v.correct is False


# --------------------------------------------------------------------------- property tests

LATEX_SOUP = st.lists(st.sampled_from([
    "\\boxed{", "\\fbox{", "{", "}", "\\frac{", "\\sqrt{", "\\text{", "^", "_", "(", ")", "[", "]", ",", ";", ":",
    " ", "\n", "\\\\", "$", "-", "+", "*", "/", "=", "!", ".", "0", "1", "2", "7", "10", "99", "x", "e", "\\pi",
    "\\infty", "i", "A", "B", "Q", "#", "->", "unsatisfiable", "knight", "knave", "red", "answer is ", "Final answer: ",
    "\\cdot", "\\times", "\\left(", "\\right)", "\\,", "~", "&", "%", "\\begin{pmatrix}", "\\end{pmatrix}",
]), max_size=60).map("".join)


def _boxed(s: str) -> str:
    return f"Let me think. {s}\nThe answer is \\boxed{{{s}}}."


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(text=st.text(max_size=400))
def test_random_text(kind, text):
    for rec in records_by_kind()[kind][:2]:
        _judge(rec, text)
        _judge(rec, _boxed(text))


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(text=LATEX_SOUP)
def test_random_latex_soup(kind, text):
    for rec in records_by_kind()[kind][:2]:
        _judge(rec, text)
        _judge(rec, _boxed(text))


_UNBALANCED_TEXT = (
    "BUG verifiers/math.py _judge (text-answer branch, `clean_text(gold) == clean_text(ans)`): clean_text -> "
    "math_parse._unwrap_text raises ParseError('unbalanced braces') on an unclosed \\text{ in the response or the "
    "gold, which escapes the checker (score_check turns it into Verdict(None, 'checker error ...')); expected "
    "False for a malformed response (and a clear undecided reason for a malformed gold)")


_TEXT_LIKE = re.compile(r"\\(?:text|math|mbox|operatorname|boldsymbol|bf|rm)[a-z]*\s*\{")


def _hits_unbalanced_text_bug(s: str) -> bool:
    return bool(_TEXT_LIKE.search(s)) and s.count("{") != s.count("}")


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(response=st.one_of(st.text(max_size=200), LATEX_SOUP), gold=st.one_of(st.text(max_size=80), LATEX_SOUP))
def test_math_checker_with_any_gold(response, gold):
    # datasets imported from elsewhere carry arbitrary reference answers: those must not crash the scorer either.
    # The known unclosed-\text{ bug (test_math_unbalanced_text_answer_is_wrong, found here with gold='\text{')
    # is left to its own strict-xfail test so this one keeps guarding everything else.
    assume(not _hits_unbalanced_text_bug(response) and not _hits_unbalanced_text_bug(gold))
    with watchdog(4 * MATH_LIMIT_S, f"math checker on {_show(response)} vs gold {_show(gold)}"):
        v = score_check(response, {"kind": "math"}, gold)
    assert v.correct in (True, False, None)
    assert not v.reason.startswith("checker error"), (response, gold, v)


# --------------------------------------------------------------------------- seeded mutation fuzzing

_FUZZ_TOKENS = ["{", "}", "\\boxed{", "\\", "$", "\n", " ", "-", "0", "9", ",", "(", ")", "\\\\", "x" * 50]


def _mutate(s: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        i = rng.randint(0, len(s))
        op = rng.random()
        if op < 0.35:
            s = s[:i] + rng.choice(_FUZZ_TOKENS) + s[i:]
        elif op < 0.6 and s:
            s = s[:i] + s[i + rng.randint(1, 8):]
        elif op < 0.8 and s:
            j = rng.randint(i, min(len(s), i + 40))
            s = s[:i] + s[i:j] * rng.randint(2, 50) + s[j:]
        else:
            s = s[:i] + chr(rng.randint(0, 0x2FFF)) + s[i:]
    return s


@pytest.mark.parametrize("kind", KINDS)
def test_mutation_fuzz(kind):
    """Mutate the reference response (or the prompt) for a bounded number of rounds and seconds per kind."""
    rng = random.Random(f"fuzz-{kind}")
    # a 1 s proof limit keeps a hang detectable in 5 s instead of 9 (the limit is the record's own option)
    recs = [{**r, "check": {**r["check"], "timeout_s": 1.0}} if kind == "math" else r for r in records_by_kind()[kind]]
    started, rounds = time.monotonic(), 0
    while rounds < 200 and time.monotonic() - started < 2.0:
        rec = recs[rounds % len(recs)]
        base = reference_response(rec) or f"{rec['prompt'][-300:]}\n\\boxed{{{rec['prompt'][-40:]}}}"
        _judge(rec, _mutate(base, rng))
        rounds += 1
    assert rounds >= 20


# --------------------------------------------------------------------------- known checker bugs (strict xfail)


def test_math_unit_stripping_does_not_backtrack_exponentially():
    # 20 letters take ~0.3 s today, 24 take ~3.5 s, every 2 more letters multiply the time by 4
    resp = "\\boxed{1 " + "ab" * 14 + " (}"
    with watchdog(60, "math checker on a unit-like answer"):  # exponential backtracking would take ~1 min
        v = score_check(resp, {"kind": "math"}, "2")
    assert v.correct is False


def test_math_brace_matching_is_not_quadratic():
    resp = "\\boxed{" * 3000  # 21 KB
    with watchdog(30, "math checker on 3000 unclosed boxes"):
        v = score_check(resp, {"kind": "math"}, "2")
    assert v.correct is False


@pytest.mark.parametrize("response, gold", [
    ("The answer is \\text{", "yes"),
    ("\\boxed{\\text{\\text{}", "red"),
    ("0", "\\text{"),
])
def test_math_unbalanced_text_answer_is_wrong(response, gold):
    v = score_check(response, {"kind": "math"}, gold)
    assert not v.reason.startswith("checker error"), v
    if "\\text{" in response:  # a malformed response is wrong; a malformed gold may leave it undecided
        assert v.correct is False, v


# --------------------------------------------------------------------------- DIMACS reader

DIMACS_TOKENS = st.sampled_from(["p", "cnf", "c", "%", "0", "1", "-1", "2", "-2", "3", "10", "-0", "+1", "99999999999",
                                 "1.5", "x", "\n", "\n", "\n", " ", "\t", "\r\n", "p cnf 3 2", "p cnf 2 1", "c hi"])


def _assert_well_formed(n: int, clauses: list[list[int]]) -> None:
    assert isinstance(n, int) and n >= 0
    for c in clauses:
        for lit in c:
            assert isinstance(lit, int) and lit != 0 and abs(lit) <= n


@settings(max_examples=300, deadline=2000, derandomize=True, database=None)
@given(text=st.one_of(st.text(max_size=300), st.lists(DIMACS_TOKENS, max_size=80).map(" ".join),
                      st.lists(DIMACS_TOKENS, max_size=80).map("".join)))
def test_dimacs_reader_random_text(text):
    try:
        n, clauses = parse_dimacs(text, "fuzz.cnf")
    except HardgenError as e:
        assert "fuzz.cnf" in str(e)
        return
    _assert_well_formed(n, clauses)


CNF = st.integers(1, 30).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.lists(st.integers(1, n).flatmap(lambda v: st.sampled_from([v, -v])), min_size=1, max_size=6),
             max_size=40)))


@settings(max_examples=150, deadline=2000, derandomize=True, database=None)
@given(cnf=CNF, comments=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                                          max_size=30), max_size=3))
def test_dimacs_round_trip(cnf, comments):
    n, clauses = cnf
    assert parse_dimacs(write_dimacs(n, clauses, tuple(comments))) == (n, clauses)


@pytest.mark.parametrize("text", [
    "p cnf 3 1\n1 2", "p cnf 3 1\n1 4 0\n", "p cnf 3 2\n1 0\n", "1 2 0\np cnf 2 1\n", "p cnf -1 0\n",
    "p cnf 2 1\np cnf 2 1\n1 0\n", "p dnf 2 1\n1 0\n", "p cnf two 1\n", "", "c only a comment\n",
    "p cnf 2 1\n1 x 0\n", "p cnf 2 1\n1 0\n%\n0\n1 0\n", "\x00\x01\x02", "p cnf 99999999999999999999 0\n",
])
def test_dimacs_malformed_is_a_clear_error(text):
    try:
        n, clauses = parse_dimacs(text, "bad.cnf")
    except HardgenError as e:
        assert "bad.cnf" in str(e)
    else:
        # a header without clauses is a legal (empty) formula; anything else must have been rejected
        assert clauses == [] and text.startswith("p cnf"), (text, n, clauses)


@pytest.mark.parametrize("token", ["1_0", "\u0661", "\uff11"])
def test_dimacs_rejects_non_ascii_integer_spellings(token):
    with pytest.raises(HardgenError, match="odd.cnf"):
        parse_dimacs(f"p cnf 10 1\n{token} 0\n", "odd.cnf")


def test_dimacs_big_file_reads_in_linear_time(tmp_path):
    rng = random.Random(5)
    n = 20_000
    clauses = [[rng.choice([-1, 1]) * rng.randint(1, n) for _ in range(3)] for _ in range(100_000)]
    p = tmp_path / "big.cnf"
    p.write_text(write_dimacs(n, clauses))  # about 1.7 MB
    assert read_dimacs(p) == (n, clauses)  # the read's speed is timed in bench/bench_sat_planted.py


def test_dimacs_binary_garbage_file(tmp_path):
    p = tmp_path / "garbage.cnf"
    p.write_bytes(bytes(random.Random(1).randrange(256) for _ in range(50_000)))
    with pytest.raises(HardgenError, match="garbage.cnf"):
        read_dimacs(p)


_HUGE_HEADER = textwrap.dedent('''
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a MemoryError here, not the host's OOM killer
    from hardgen.cli import main
    main(sys.argv[1:], prog_name="gen")
''')


def test_dimacs_absurd_variable_count_is_a_clear_error(tmp_path):
    # `p cnf 100000000000 1` with one clause parses fine; generating from it then allocates a list per variable
    # (generators/sat/_cnf.py model_to_values, via solve) and dies with MemoryError instead of a HardgenError
    f = tmp_path / "huge.cnf"
    f.write_text("p cnf 100000000000 1\n1 0\n")
    script = tmp_path / "capped.py"
    script.write_text(_HUGE_HEADER)
    res = subprocess.run([sys.executable, str(script), "-q", "generate", "sat.dimacs", "--from", str(f), "-n", "1",
                          "-o", str(tmp_path / "out"), "-w", "1"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "huge.cnf" in res.stderr, res.stderr[-2000:]

