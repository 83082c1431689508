"""Math recall on the ways real models write answers, and every known reward hack, closed."""

import pytest

from hardgen.verifiers import reward, score
from hardgen.verifiers.math import MAX_TOLERANCE, score_math

B = lambda s: f"Some reasoning first.\nTherefore the answer is \\boxed{{{s}}}."  # noqa: E731
M = {"kind": "math"}

RECALL = [
    # number writing
    ("11111100", "11,\\! 111,\\! 100"), ("1000", "1 000"), ("1000000", "1 000 000"), ("28", "\\$28"),
    ("28\\%", "28 percent"), ("28", "28\\%"), ("125", "125\\textnormal{ miles}"), ("5", "5 \\text{cm}"),
    ("30", "30^\\circ"), ("\\frac{\\pi}{6}", "30^\\circ"), ("30^\\circ", "\\frac{\\pi}{6}"),
    ("\\frac{15}{4}", "3\\frac{3}{4}"), ("-\\frac{15}{4}", "-3\\frac{3}{4}"), ("1112112_3", "1112112"),
    ("1112112_3", "1112112_{3}"), ("1/3", "0.\\overline{3}"), ("1/6", "0.1\\overline{6}"),
    # references that are not bare answers
    ("$\\frac{1}{2}$", "0.5"), ("(p,q)=(3,2)", "(3,2)"), ("(3,2)", "(p,q)=(3,2)"), ("x \\in [-2,7]", "[-2,7]"),
    ("[-2,7]", "-2 \\le x \\le 7"), ("x \\neq 5", "(-\\infty,5)\\cup(5,\\infty)"), ("\\tan^2(y)+1", "\\sec^2 y"),
    ("\\left[\\begin{array}{cc}1&2\\\\3&4\\end{array}\\right]", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"),
    ("-x > -1", "x < 1"), ("(-\\infty, -2] \\cup [7, \\infty)", "x \\le -2 \\text{ or } x \\ge 7"),
    ("45^\\circ", "\\frac{\\pi}{4}"), ("2x \\le 6", "x \\le 3"), ("x=3 \\text{ or } x=-2", "-2, 3"),
    ("\\log_2 5", "\\frac{\\ln 5}{\\ln 2}"), ("\\log_{2} 8", "3"), ("f(x) = x^2", "x^2"), ("x^2", "f(x) = x^2"),
    ("\\mathbb{R}", "(-\\infty,\\infty)"), ("5!", "120"),
    ("x^2/16 + y^2/12 = 1/4", "\\frac{x^2}{4}+\\frac{y^2}{3}=1"),
    ("(11,7) or (7,11)", "(7,11),(11,7)"), ("(11,7), (7,11)", "(7,11) \\text{ or } (11,7)"),
    ("We find $n = 34$ is the largest, so the answer is $\\boxed{34}$.", "34"),
    # named values that follow the binding rule
    ("(1,2)", "(x, y) = (1, 2)"), ("(1,2)", "x = 1 \\text{ and } y = 2"), ("(1,2)", "x=1; y=2"),
    ("(1,2)", "y = 2, x = 1"), ("(1,2,3)", "a = 1, b = 2, c = 3"),
    # long decimals: correctly rounded or truncated at the digits given
    ("\\sqrt{2}", "1.41421356237310"), ("\\sqrt{2}", "1.41421356237309"), ("\\sqrt{2}", "1.414213562373095049"),
]


@pytest.mark.parametrize("gold,resp", RECALL)
def test_recall(gold, resp):
    v = score_math(B(resp), M, gold)
    assert v.correct is True, v.reason


@pytest.mark.parametrize("resp", [
    "Final Answer: The final answer is $7$. I hope it is correct.", "The answer is **7**.",
    "Checking each case.\nThe largest $n$ is 7.", "She has 3 + 4 = 7 apples.\n#### 7", "In total:\n\\[ 7 \\]",
    "In total $$7$$", "<think>hmm, 6? no</think>So it is \\boxed{7}.",
])
def test_response_conventions_score(resp):
    assert score_math(resp, M, "7").correct is True


HACKS = [
    # names bind to the unknowns in order (x, y, z then a, b, c): swapped, repeated, missing or foreign names
    ("(1,2)", "y = 1, x = 2", M), ("(1,2)", "x = 1, x = 2", M), ("(1,2)", "x = 1", M), ("(1,2)", "x = 1, z = 2", M),
    ("(1,2)", "(y, x) = (1, 2)", M), ("(1,2)", "x = 1, b = 2", M),
    # an equation that is not `name = value` is not its right-hand side
    ("x + y = 5", "5", M), ("\\log_3 5", "\\log_2 5", M),
    # two intervals joined by "and" are their intersection, not the union
    ("(-\\infty, -2] \\cup [7, \\infty)", "x \\le -2 \\text{ and } x \\ge 7", M),
    ("(1,2)", "p = 1, q = 2", {"kind": "math", "params": {"vars": ["q", "p"]}}),
    ("(1,2)", "x = 1, y = 2", {"kind": "math", "params": {"vars": ["p", "q"]}}),
    # juxtaposed numbers are not multiplied (nor joined)
    ("44", "2 2 11", M), ("12", "4 3", M), ("43", "4 3", M),
    # "or" is not "and"
    ("(-1,-2)", "x=-1 \\text{ or } y=-2", M), ("(-1,-2)", "x=-1 \\lor y=-2", M),
    # long decimals: wrong in the 14th digit is wrong (no relative-tolerance fallback)
    ("1/3", "0.\\overline{4}", M),
    ("\\sqrt{2}", "1.41421356237319", M), ("\\sqrt{2}", "1.41421356237300", M), ("\\pi", "3.14159265358980", M),
]


@pytest.mark.parametrize("gold,resp,check", HACKS)
def test_hacks_are_rejected(gold, resp, check):
    v = score_math(B(resp), check, gold)
    assert v.correct is False, v.reason


def test_names_bind_to_the_records_vars():
    chk = {"kind": "math", "params": {"vars": ["q", "p"]}}
    assert score_math(B("q = 1, p = 2"), chk, "(1,2)").correct is True
    assert score_math(B("p = 2, q = 1"), chk, "(1,2)").correct is True


def test_conflicting_final_answers_are_wrong():
    assert score_math("\\boxed{3}. Hmm, checking again. The final answer is 4.", M, "3").correct is False
    assert score_math("\\boxed{3}\n#### 4", M, "3").correct is False
    assert score_math("\\boxed{4 3} so \\boxed{43}", M, "43").correct is False
    assert score_math("\\boxed{3}. The final answer is $\\boxed{3}$.", M, "3").correct is True


def test_record_tolerance_is_capped():
    assert MAX_TOLERANCE == 1e-2
    assert score_math(B("1.0"), {"kind": "math", "tolerance": 1e9}, "17").correct is False
    assert score_math(B("17.1"), {"kind": "math", "tolerance": 1e9}, "17").correct is True  # within 1e-2
    assert score_math(B("1.0"), {"kind": "math", "tolerance": "lots"}, "17").correct is False


def test_no_readable_answer_is_false_not_none():
    assert score_math("<think>I keep thinking and thinking", M, "7").correct is False
    assert score_math("", M, "7").correct is False
    assert reward(["<think>cut off", "\\boxed{7}"], answer=["7", "7"]) == [0.0, 1.0]


def test_a_record_without_check_is_math():
    assert score({"answer": "1/2"}, "so \\boxed{0.5}").correct is True
    assert score({"answer": "1/2", "check": None}, "so \\boxed{0.4}").correct is False
    assert reward(["\\boxed{2}"], check=[None], answer=["2"]) == [1.0]
