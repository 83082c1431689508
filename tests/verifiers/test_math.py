"""The strict math scorer: extraction, equivalence rules, conflicting answers, limits, cache, TRL reward."""

import time

import pytest

from hardgen.verifiers import reward
from hardgen.verifiers.math import cache_info, clear_cache, math_equal, score_math
from hardgen.verifiers.math_extract import extract_answers

B = lambda s: f"Some reasoning first.\nTherefore the answer is \\boxed{{{s}}}."  # noqa: E731

CASES = [
    # integers, rationals, decimals
    ("42", "42", True), ("42", "42.0", True), ("42", "43", False), ("1000", "1,000", True), ("1000", "1\\,000", True),
    ("1/2", "\\frac{1}{2}", True), ("1/2", "\\dfrac12", True), ("1/2", "0.5", True), ("1/2", "0.50", True),
    ("1/2", "2/4", True), ("1/2", "1/3", False), ("-2/3", "-\\frac{2}{3}", True), ("-2/3", "\\frac{-2}{3}", True),
    ("1/3", "0.333", True), ("1/3", "0.3333", True), ("1/3", "0.33", False), ("2/3", "0.667", True),
    ("2/3", "0.666", True), ("2/3", "0.665", False), ("5", "4.99", False), ("5", "4.999", False),
    ("\\pi", "3.14", True), ("\\pi", "3.1416", True), ("\\pi", "3.15", False), ("\\pi", "3.1", False),
    ("2.5", "5/2", True), ("2.5", "2.05", False), ("0.001", "1e-3", True),
    # radicals, pi, e, logs
    ("2\\sqrt{2}", "\\sqrt{8}", True), ("2\\sqrt{2}", "2*sqrt(2)", True), ("2\\sqrt{2}", "\\sqrt{6}", False),
    ("\\frac{\\sqrt{2}}{2}", "1/\\sqrt{2}", True), ("\\sqrt[3]{8}", "2", True), ("\\sqrt[3]{16}", "2\\sqrt[3]{2}", True),
    ("\\frac{\\pi}{6}", "\\pi/6", True), ("\\frac{\\pi}{6}", "30", False), ("e", "\\exp(1)", True),
    ("e^2", "exp(2)", True), ("\\ln 8", "3\\ln 2", True), ("\\log 8", "3*log(2)", True),
    # algebraic expressions
    ("x^2-1", "(x-1)(x+1)", True), ("x^2-1", "(x-1)^2", False), ("\\frac{x}{2}", "0.5x", True),
    ("2x+3y", "3y + 2 x", True), ("x^2 + 2x + 1", "(x+1)^{2}", True), ("a_1 + a_2", "a_2 + a_1", True),
    # equations
    ("y = 2x + 1", "2x - y + 1 = 0", True), ("y = 2x + 1", "y = 2x - 1", False), ("3", "x = 3", True),
    ("x = 3", "3", True), ("3", "2x = 3", False),
    # intervals, sets, tuples, matrices
    ("[1, 2)", "[1,2)", True), ("[1, 2)", "[1, 2]", False), ("(1, 2)", "[1, 2]", False),
    ("(-\\infty, 3)", "x < 3", True), ("(-\\infty, 3]", "x \\le 3", True), ("(-\\infty, 3]", "x < 3", False),
    ("(1, 2] \\cup (3, \\infty)", "(3,\\infty)\\cup(1,2]", True), ("\\{1, 2, 3\\}", "\\{3, 1, 2\\}", True),
    ("\\{1, 2, 3\\}", "\\{1, 2\\}", False), ("\\{1, 2\\}", "2, 1", True), ("(1, 2, 3)", "(3, 2, 1)", False),
    ("(1, 2, 3)", "(1, 2, 3)", True), ("(1, -2/3)", "\\left(1, -\\frac{2}{3}\\right)", True),
    ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "[[1,2],[3,4]]", True),
    ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{bmatrix} 1 & 2 \\\\ 3 & 5 \\end{bmatrix}", False),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1, 2)", True),
    # units, percent, degrees, text
    ("12", "12 \\text{ cm}", True), ("12", "12\\text{cm}^2", True), ("30", "30^\\circ", True), ("50\\%", "50", True),
    ("50\\%", "0.5", True), ("50\\%", "0.6", False), ("5", "\\$5", True), ("yes", "\\text{Yes}", True),
    ("Yes", "no", False), ("Alice", "alice.", True),
    # several values against one
    ("3", "3 \\text{ or } 4", False), ("3", "x=3 \\text{ or } x=4", False), ("2", "\\pm 2", False),
]


@pytest.mark.parametrize("gold,resp,expected", CASES)
def test_equivalence_table(gold, resp, expected):
    v = score_math(B(resp), {"kind": "math"}, gold)
    assert v.correct is expected, v.reason


def test_extraction_forms():
    assert extract_answers("so \\boxed{\\frac{1}{2}} done").answers == ("\\frac{1}{2}",)
    assert extract_answers("work... The final answer is $7$.").answers == ("7",)
    assert extract_answers("blah\nAnswer: 12 apples").answers == ("12 apples",)
    assert extract_answers("we get x = 5").answers == ("5",)
    assert extract_answers("\\fbox{3}").answers == ("3",)
    assert extract_answers("no answer here at all, just a long sentence of words without numbers").answers == ()
    assert score_math("3/4", {"kind": "math", "response_format": "raw"}, "0.75").correct is True
    assert score_math("I think \\boxed{3}", {"kind": "math", "extract": "marker"}, "3").correct is False


def test_conflicting_answers_are_wrong_and_repeats_fine():
    assert score_math("\\boxed{3} or \\boxed{4}", {"kind": "math"}, "3").correct is False
    assert score_math("\\boxed{4} ... \\boxed{3}", {"kind": "math"}, "3").correct is False
    assert score_math("\\boxed{3}. Again: \\boxed{3}", {"kind": "math"}, "3").correct is True
    assert score_math("\\boxed{1/2} that is \\boxed{0.5}", {"kind": "math"}, "1/2").correct is True


def test_tolerance_option():
    assert score_math(B("3.2"), {"kind": "math"}, "\\pi").correct is False
    assert score_math(B("3.2"), {"kind": "math", "tolerance": 0.05}, "\\pi").correct is True


@pytest.mark.parametrize("resp", [
    "\\boxed{\\frac{1}{2}^{10^{10^{10}}}}", "\\boxed{" + "9" * 1_000_000 + "}", "x" * 1_000_000,
    "\\boxed{" + "{" * 10_000 + "1" + "}" * 10_000 + "}", "\\boxed{" + "(" * 10_000 + "2" + ")" * 10_000 + "}",
    "\\boxed{2^{2^{2^{2^{2^{2}}}}}}", "\\boxed{10!!!!}", "\\boxed{\\frac{}{}}", "\\boxed{)(}", "\\boxed{\\sqrt}",
    "\\boxed{" + "-" * 5000 + "1}", "\\boxed{1e999999}", "\x00\xff\\boxed{\ud800}",
])
def test_hostile_inputs_return_quickly(resp):
    t0 = time.monotonic()
    v = score_math(resp, {"kind": "math", "timeout_s": 2}, "1/2")
    assert v.correct in (False, None)
    assert time.monotonic() - t0 < 5


def test_worker_timeout_is_undecided():
    # a pair that passes every fast path and the guards, but whose symbolic proof is slow
    gold = "(x+y+z+1)^{40}"
    resp = "(1+x+y+z)^{40}"
    v = math_equal(gold, resp, timeout_s=0.3)
    assert v.correct in (True, None)
    if v.correct is None:
        assert "timeout" in v.reason


def test_cache_hits():
    clear_cache()
    score_math(B("\\sqrt{8}"), {"kind": "math"}, "2\\sqrt{2}")
    before = cache_info().hits
    assert score_math(B("\\sqrt{8}"), {"kind": "math"}, "2\\sqrt{2}").correct is True
    assert cache_info().hits == before + 1


def test_reward_lists_for_strings_and_chat_messages():
    checks = [{"kind": "math"}] * 3
    answers = ["1/2", "7", "\\frac{1}{2}"]
    comps = ["so \\boxed{0.5}", "the answer is \\boxed{8}", "\\boxed{\\frac{1}{2}^{10^{10^{10}}}}"]
    assert reward(comps, check=checks, answer=answers) == [1.0, 0.0, None]
    chats = [[{"role": "assistant", "content": c}] for c in comps]
    assert reward(chats, check=checks, answer=answers) == [1.0, 0.0, None]
