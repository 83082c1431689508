"""Model-style (gold, response) pairs for throughput and reference-reading benchmarks — NOT for accuracy.

`truth` follows hardgen's own stated rules, so agreement on these pairs would be circular: accuracy against
Math-Verify is measured on the independently labelled corpus in bench/verify_corpus/ (bench_math_verify.py).
bench_verifier_speed.py times scoring on these pairs and bench_import.py reads their solutions as references.

Every pair is built from a gold answer and a variant whose truth is known by construction: a correct rewrite
(another notation of the same value) or a wrong one (a changed value, swapped order, other interval ends,
several conflicting answers). Responses wrap the variant in chain-of-thought text and one of several final-answer
formats. `truth` follows hardgen's stated rules (e.g. a correctly rounded decimal with >= 3 significant digits
stands for a non-integer value).
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

COT = ["Let me work through this carefully. First we simplify the expression and collect like terms.",
       "We start by setting up the equation. Substituting the known values gives a simpler form.",
       "Consider the constraints one at a time. After some algebra, everything reduces nicely.",
       "Using the formula and plugging in, we get an intermediate value of 7, which we then adjust.",
       "Step 1: rewrite. Step 2: factor. Step 3: solve for the unknown and check the result."]

WRAP = ["{cot}\n\nTherefore, the final answer is $\\boxed{{{ans}}}$.",
        "{cot}\nSo the answer is \\boxed{{{ans}}}.",
        "{cot}\n\n**Final Answer**\n\\[\n\\boxed{{{ans}}}\n\\]",
        "{cot} Hence we get \\(\\boxed{{{ans}}}\\)",
        "{cot}\n\nThe final answer is ${ans}$.",
        "{cot}\nAnswer: {ans}"]


def _frac(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"\\frac{{{f.numerator}}}{{{f.denominator}}}"


def _items(rng: random.Random) -> list[tuple[str, str, list[str], list[str]]]:
    """(category, gold, correct variants, wrong variants)."""
    out = []
    for _ in range(40):
        k = rng.randint(-50, 3000)
        ok = [str(k), f"{k}.0", f"x = {k}", f"{k}\\text{{ units}}"]
        if k >= 1000:
            ok.append(f"{k:,}")
        out.append(("integer", str(k), ok, [str(k + 1), str(-k - 1) if k else "1", f"{k}.5"]))
    for _ in range(40):
        q = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 11, 12])
        p = rng.randint(1, 40)
        f = Fraction(p, q)
        if f.denominator == 1:
            continue
        n, d = f.numerator, f.denominator
        ok = [f"{n}/{d}", f"\\dfrac{{{n}}}{{{d}}}", f"\\frac{{{2 * n}}}{{{2 * d}}}", f"{n} / {d}"]
        dec = n / d
        if (10 ** 6 * f).denominator == 1:
            ok.append(f"{float(f):g}")
        else:
            ok.append(f"{dec:.4f}")  # correctly rounded, 4 decimals
        out.append(("fraction", _frac(f), ok, [f"{d}/{n}", f"\\frac{{{n + 1}}}{{{d}}}", f"{dec * 1.01:.3f}"]))
    for _ in range(25):
        a, b = rng.randint(2, 9), rng.choice([2, 3, 5, 6, 7, 10, 11])
        ok = [f"\\sqrt{{{a * a * b}}}", f"{a} \\sqrt {b}", f"{a}*sqrt({b})", f"{a}\\sqrt{{{b}}}"]
        out.append(("radical", f"{a}\\sqrt{{{b}}}", ok,
                    [f"{a}\\sqrt{{{b + 1}}}", f"{a + 1}\\sqrt{{{b}}}", f"\\sqrt{{{a * b}}}"]))
    for _ in range(25):
        a, b = rng.randint(1, 7), rng.choice([2, 3, 4, 6, 12])
        f = Fraction(a, b)
        n, d = f.numerator, f.denominator
        gold = f"\\frac{{{n}\\pi}}{{{d}}}" if d != 1 else f"{n}\\pi"
        ok = [f"{n}\\pi/{d}", f"\\frac{{{n}}}{{{d}}}\\pi", f"{n}*pi/{d}", f"{float(f) * math.pi:.4f}"]
        out.append(("pi", gold, ok, [f"\\frac{{{d}\\pi}}{{{n}}}" if n != d else "2\\pi", f"{n + 1}\\pi/{d}",
                                     f"{float(f) * math.pi * 1.01:.3f}"]))
    for _ in range(25):
        a = rng.randint(-9, 5)
        b = a + rng.randint(1, 9)
        lo, hi = rng.choice([("[", ")"), ("(", "]"), ("[", "]")])
        gold = f"{lo}{a}, {b}{hi}"
        ineq = f"{a} {'<=' if lo == '[' else '<'} x {'<=' if hi == ']' else '<'} {b}"
        ok = [f"\\left{lo}{a},{b}\\right{hi}", f"{lo} {a} , {b} {hi}", ineq.replace("<=", "\\le")]
        flip = ("(" if lo == "[" else "[") + f"{a}, {b}" + hi
        out.append(("interval", gold, ok, [flip, f"{lo}{a}, {b + 1}{hi}", f"{lo}{b}, {a}{hi}"]))
    for _ in range(20):
        a = rng.randint(-9, 9)
        gold = f"(-\\infty, {a}) \\cup ({a + 2}, \\infty)"
        ok = [f"({a + 2}, \\infty) \\cup (-\\infty, {a})", f"\\left(-\\infty,{a}\\right)\\cup\\left({a + 2},\\infty\\right)"]
        out.append(("union", gold, ok, [f"(-\\infty, {a}] \\cup ({a + 2}, \\infty)", f"(-\\infty, {a + 2})"]))
    for _ in range(25):
        xs = sorted(rng.sample(range(-10, 15), 3))
        gold = "\\{" + ", ".join(map(str, xs)) + "\\}"
        perm = xs[:]
        rng.shuffle(perm)
        ok = ["\\{" + ", ".join(map(str, perm)) + "\\}", ", ".join(map(str, perm)), "\\left\\{" + ",".join(map(str, xs)) + "\\right\\}"]
        out.append(("set", gold, ok, ["\\{" + ", ".join(map(str, xs[:2])) + "\\}",
                                      "\\{" + ", ".join(map(str, xs[:2] + [xs[2] + 1])) + "\\}"]))
    for _ in range(25):
        xs = [rng.randint(-9, 9) for _ in range(rng.choice([2, 3]))]
        if len(set(xs)) < len(xs):
            continue
        fr = Fraction(rng.randint(1, 5), rng.choice([2, 3]))
        xs_s = [str(v) for v in xs[:-1]] + [_frac(fr)]
        gold = "(" + ", ".join(xs_s) + ")"
        plain = "(" + ", ".join([str(v) for v in xs[:-1]] + [f"{fr.numerator}/{fr.denominator}" if fr.denominator > 1 else str(fr.numerator)]) + ")"
        rev = "(" + ", ".join(reversed(xs_s)) + ")"
        out.append(("tuple", gold, [plain, "\\left" + gold + "\\right".replace("\\right", "\\right"),
                                    gold.replace("\\frac", "\\dfrac")],
                    [rev, "(" + ", ".join(xs_s[:-1] + [str(fr + 1)]) + ")"]))
    for _ in range(20):
        m = [[rng.randint(-5, 9) for _ in range(2)] for _ in range(2)]
        pm = "\\begin{pmatrix} " + " \\\\ ".join(" & ".join(map(str, r)) for r in m) + " \\end{pmatrix}"
        bm = pm.replace("pmatrix", "bmatrix")
        nested = "[[" + "], [".join(", ".join(map(str, r)) for r in m) + "]]"
        w = [r[:] for r in m]
        w[1][1] += 1
        wrong = "\\begin{pmatrix} " + " \\\\ ".join(" & ".join(map(str, r)) for r in w) + " \\end{pmatrix}"
        tr = "\\begin{pmatrix} " + " \\\\ ".join(" & ".join(str(m[j][i]) for j in range(2)) for i in range(2)) + " \\end{pmatrix}"
        out.append(("matrix", pm, [bm, nested, pm.replace(" ", "")], [wrong] + ([tr] if tr != pm else [])))
    for _ in range(25):
        m, c = rng.randint(2, 9), rng.randint(1, 9)
        gold = f"y = {m}x + {c}"
        ok = [f"y={m}x+{c}", f"{m}x - y + {c} = 0", f"y = {c} + {m}x", f"2y = {2 * m}x + {2 * c}"]
        out.append(("equation", gold, ok, [f"y = {m + 1}x + {c}", f"y = {m}x - {c}", f"x = {m}y + {c}"]))
    for _ in range(25):
        a = rng.randint(1, 9)
        gold = f"x^2 + {2 * a}x + {a * a}"
        ok = [f"(x+{a})^2", f"(x + {a})(x + {a})", f"x^{{2}}+{2 * a}x+{a * a}", f"x**2 + {2 * a}*x + {a * a}"]
        out.append(("expression", gold, ok, [f"(x-{a})^2", f"(x+{a + 1})^2", f"x^2 + {a * a}"]))
    for _ in range(20):
        k = rng.randint(2, 90)
        out.append(("units", str(k), [f"{k} \\text{{ cm}}", f"{k}^\\circ", f"{k}\\%", f"\\${k}", f"{k} meters"],
                    [f"{k + 10} \\text{{ cm}}", f"{k + 1}^\\circ"]))
    for _ in range(10):
        word = rng.choice(["Yes", "No", "Alice", "Bob", "even", "odd"])
        other = {"Yes": "No", "No": "Yes", "Alice": "Bob", "Bob": "Alice", "even": "odd", "odd": "even"}[word]
        out.append(("text", word, [f"\\text{{{word.lower()}}}", word.upper()], [other]))
    return out


def build_corpus(seed: int = 0) -> list[dict]:
    """The labelled pairs: `{category, gold, response, truth}`."""
    rng = random.Random(seed)
    pairs: list[dict] = []
    for cat, gold, ok, wrong in _items(rng):
        for variants, truth in ((ok, True), (wrong, False)):
            for v in variants:
                for _ in range(2):
                    cot = rng.choice(COT)
                    wrap = rng.choice(WRAP if "\\begin" not in v and "\\{" not in v else WRAP[:4])
                    ans = v + "." if rng.random() < 0.1 and "boxed" in wrap else v
                    pairs.append({"category": cat, "gold": gold, "response": wrap.format(cot=cot, ans=ans),
                                  "truth": truth})
        # several answers: conflicting is wrong, identical repeats are right
        w = wrong[0]
        pairs.append({"category": "several", "gold": gold, "truth": False,
                      "response": f"{rng.choice(COT)} It could be \\boxed{{{ok[0]}}} or \\boxed{{{w}}}."})
        pairs.append({"category": "several", "gold": gold, "truth": True,
                      "response": f"{rng.choice(COT)} We get \\boxed{{{ok[0]}}}. Checking again: \\boxed{{{ok[0]}}}."})
        if cat in ("integer", "fraction", "radical", "pi"):
            pairs.append({"category": "several", "gold": gold, "truth": False,
                          "response": f"{rng.choice(COT)} So $\\boxed{{x = {ok[0]} \\text{{ or }} x = {w}}}$."})
    return pairs


if __name__ == "__main__":
    c = build_corpus()
    print(len(c), "pairs;", sum(p["truth"] for p in c), "correct")
