"""EFA example: the roots of a monic quadratic with integer roots (copy this file to write your own)."""

import math

FAMILY_NAME = "quadratic_roots"

# The seed problem this program abstracts; `check_efa` requires render(SEED_PARAMS) == SEED_PROBLEM
# (modulo whitespace) and solve(SEED_PARAMS) == SEED_ANSWER (math-equivalent).
SEED_PARAMS = {"r1": -3, "r2": 5}
SEED_PROBLEM = ("Find all real roots of x^2 - 2x - 15 = 0. Give them in increasing order, separated by a comma, "
                "inside \\boxed{}.")
SEED_ANSWER = "-3, 5"


def sample(rng):
    """Draw distinct integer roots; the problem is built from its answer, so it is solvable by construction."""
    r1 = rng.randint(-20, 20)
    r2 = rng.randint(-20, 20)
    while r2 == r1:
        r2 = rng.randint(-20, 20)
    return {"r1": min(r1, r2), "r2": max(r1, r2)}


def _poly(b, c):
    """x^2 + bx + c as text, without '+ -3' or '1x'."""
    text = "x^2"
    for coef, var in ((b, "x"), (c, "")):
        if coef == 0:
            continue
        mag = abs(coef)
        term = (var if mag == 1 and var else f"{mag}{var}")
        text += f" {'-' if coef < 0 else '+'} {term}"
    return text


def render(params):
    b = -(params["r1"] + params["r2"])
    c = params["r1"] * params["r2"]
    return (f"Find all real roots of {_poly(b, c)} = 0. Give them in increasing order, separated by a comma, "
            "inside \\boxed{}.")


def solve(params):
    return f"{params['r1']}, {params['r2']}"


def solve_alt(params):
    """Independent route: the quadratic formula on the rendered coefficients."""
    b = -(params["r1"] + params["r2"])
    c = params["r1"] * params["r2"]
    d = math.isqrt(b * b - 4 * c)
    assert d * d == b * b - 4 * c
    return f"{(-b - d) // 2}, {(-b + d) // 2}"
