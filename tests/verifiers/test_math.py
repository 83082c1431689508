"""The strict math scorer: extraction, equivalence rules, conflicting answers, limits, cache, TRL reward."""

import time

import pytest

from hardgen.verifiers import reward
from hardgen.verifiers.math import cache_info, clear_cache, math_equal, score_math
from hardgen.verifiers.answer import read_final_answer as extract_answers

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
    assert score_math(B("3.15"), {"kind": "math", "tolerance": 0.01}, "\\pi").correct is True
    # a record may tighten checking but not loosen it past MAX_TOLERANCE (an EFA program's CHECK = {"tolerance": 1e9})
    assert score_math(B("3.2"), {"kind": "math", "tolerance": 0.05}, "\\pi").correct is False
    assert score_math(B("1.0"), {"kind": "math", "tolerance": 1e9}, "17").correct is False
    assert score_math(B("0.3"), {"kind": "math", "min_sig_digits": 0}, "1/3").correct is False
    assert math_equal("17", "1.0", tolerance=1e9).correct is False


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
    assert time.monotonic() - t0 < 60  # does not hang; speed is bench/'s business


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


def test_empty_box_is_a_wrong_final_answer():
    assert score_math("\\boxed{42} \\boxed{}", {"kind": "math"}, "42").correct is False
    assert score_math("The answer is 42. \\boxed{ }", {"kind": "math"}, "42").correct is False
    assert score_math("\\boxed{}", {"kind": "math", "extract": "boxed"}, "42").correct is False
    assert extract_answers("\\boxed{} and \\boxed{3}").answers == ("", "3")


def test_nested_boxes_are_one_answer():
    # a box inside a box is text of the outer one (which keeps extraction linear however deep boxes nest)
    assert extract_answers("\\boxed{\\boxed{5}} then \\boxed{6}").answers == ("\\boxed{5}", "6")
    assert score_math("\\boxed{\\boxed{5}}", {"kind": "math"}, "5").correct is False


@pytest.mark.parametrize("resp,gold", [("The answer is \\text{", "yes"), ("\\boxed{\\text{\\text{}", "red"),
                                       ("\\boxed{\\text{ye}", "yes")])
def test_malformed_text_answer_is_wrong_and_malformed_gold_undecided(resp, gold):
    assert score_math(resp, {"kind": "math"}, gold).correct is False
    v = score_math("\\boxed{yes}", {"kind": "math"}, "\\text{")
    assert v.correct is None and "reference" in v.reason


@pytest.mark.parametrize("text,stripped", [
    ("5 cm", "5"), ("12 square meters", "12"), ("3 cm ^2", "3"), ("3 cm^(2)", "3"), ("x cm", "x"),
    ("(1, 2) m", "(1, 2)"), ("5cm", "5cm"), ("x y cm", "x y cm"), ("cm m", "cm"), ("2 apples and 3", "2 apples and 3"),
    ("1 " + "ab" * 5000 + " (", "1 " + "ab" * 5000 + " ("),
])
def test_unit_stripping(text, stripped):
    from hardgen.verifiers.math_parse import strip_units

    t0 = time.monotonic()
    assert strip_units(text) == stripped
    assert time.monotonic() - t0 < 30  # backtracking on 5,000 letters would never end


def test_math_segments_match_the_lazy_regex():
    import random
    import re

    from hardgen.verifiers.answer import math_segments

    seg = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
    rng = random.Random(0)
    alpha = ["$", "$", "\\(", "\\)", "\\[", "\\]", "\\", "x", " ", "\n"]
    for _ in range(3000):
        s = "".join(rng.choice(alpha) for _ in range(rng.randint(0, 12)))
        assert math_segments(s) == [next(p for p in t if p) for t in seg.findall(s)], s


HUGE = {
    "unclosed-boxes": "\\boxed{" * 150_000, "nested-boxes": "\\boxed{" * 70_000 + "}" * 70_000,
    "box-tokens": "\\boxed 5 " * 110_000, "distinct-boxes": "".join(f"\\boxed{{{i}}}" for i in range(80_000)),
    "markers": "answer: " * 125_000, "distinct-markers": "".join(f"answer: {i}. j " for i in range(80_000)),
    "open-math": "\\(" * 500_000, "dollars": "$" * 1_000_000 + "x", "newlines": "\n" * 1_000_000,
    "dots": "x = 1" + ". " * 500_000, "open-text": "The answer is \\text{" * 50_000,
    "unit-words": "\\boxed{1 " + "ab" * 999 + " (}",
}


@pytest.mark.parametrize("resp", list(HUGE.values()), ids=list(HUGE))
@pytest.mark.parametrize("extract", ["auto", "raw", "last"])
def test_megabyte_responses_are_decided_in_linear_time(resp, extract):
    # nothing here reaches the sympy worker: the time is all spent in the caller's process
    score_math("\\boxed{1}", {"kind": "math"}, "2")
    t0 = time.monotonic()
    v = score_math(resp, {"kind": "math", "extract": extract}, "2")
    assert v.correct in (False, None), v
    assert time.monotonic() - t0 < 60  # a quadratic scan of 1 MB would not end; bench/ times it
