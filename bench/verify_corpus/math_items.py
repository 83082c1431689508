"""MATH-style answer items: a value, the ways a reference writes it, and correct and near-miss responses.

Every label is decided here by construction, from the value: a correct variant is another notation of the same
mathematical object (checked with exact `Fraction` arithmetic where numbers are involved), a wrong one changes
the object (a digit, a sign, an end point, an order, a name, an extra alternative). Variants whose correctness
depends on a grading convention carry a `policy` tag (see README.md) and are counted apart from the rest.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

LE, GE = "\\le", "\\ge"

#: (text, policy or None)
Variant = tuple[str, "str | None"]


def frac_tex(f: Fraction, cmd: str = "\\frac") -> str:
    if f.denominator == 1:
        return str(f.numerator)
    sign = "-" if f < 0 else ""
    return f"{sign}{cmd}{{{abs(f.numerator)}}}{{{f.denominator}}}"


def frac_plain(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def terminating(f: Fraction) -> bool:
    d = f.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def exact_decimal(f: Fraction) -> str:
    s = f"{float(f):.12f}".rstrip("0").rstrip(".")
    assert Fraction(s) == f
    return s


def rounded(x: float, sig: int) -> str:
    """x correctly rounded to `sig` significant digits, in plain decimal notation."""
    digits = sig - int(math.floor(math.log10(abs(x)))) - 1
    return f"{round(x, digits):.{max(digits, 0)}f}"


def bump_last_digit(s: str) -> str:
    """The decimal string with its last digit moved by 2: neither the rounded nor the truncated value, so wrong."""
    return s[:-1] + str((int(s[-1]) + 2) % 10)


def item(cat: str, refs: list[str], ok: list[Variant], wrong: list[Variant]) -> dict:
    return {"category": cat, "refs": refs, "ok": ok, "wrong": wrong}


def _factor_juxtaposed(n: int) -> str | None:
    """`2 2 11` for 44: the prime factors written side by side (a wrong answer: juxtaposed numbers)."""
    fs, m, p = [], n, 2
    while p * p <= m:
        while m % p == 0:
            fs.append(p)
            m //= p
        p += 1
    if m > 1:
        fs.append(m)
    return " ".join(map(str, fs)) if len(fs) >= 2 else None


def integer(rng: random.Random) -> dict:
    v = rng.choice([rng.randint(2, 99), rng.randint(100, 999), rng.randint(1000, 99999), rng.randint(10**5, 10**7),
                    -rng.randint(1, 60)])
    refs = [str(v)]
    ok: list[Variant] = [(str(v), None), (f"{v}.0", None)]
    if abs(v) >= 1000:
        c = f"{v:,}"
        refs += [c.replace(",", ",\\!"), c.replace(",", "{,}")]
        ok += [(c, None), (c.replace(",", ",\\!"), None), (c.replace(",", "{,}"), None), (c.replace(",", "\\,"), None),
               (c.replace(",", " "), "space_thousands")]
    ok += [(f"n = {v}", "named_value"), (f"\\text{{{v}}}", None)]
    digits = str(abs(v))
    i = rng.randrange(len(digits))
    d2 = str((int(digits[i]) + rng.randint(1, 8)) % 10)
    if i == 0 and d2 == "0":
        d2 = "9" if digits[0] != "9" else "8"
    changed = ("-" if v < 0 else "") + digits[:i] + d2 + digits[i + 1:]
    wrong: list[Variant] = [(str(v + 1), None), (str(v - 1), None), (str(-v), None), (changed, None),
                            (f"{v} \\text{{ or }} {v + 1}", None), (f"{v}.5", None)]
    j = _factor_juxtaposed(abs(v)) if v > 0 else None
    if j:
        wrong.append((j, None))
    if 1000 <= v < 10**6:  # `12.345` for 12345: a European thousands separator, or twelve point three
        wrong.append((f"{v:,}".replace(",", "."), "european_thousands"))
    return item("integer", refs, ok, wrong)


def fraction(rng: random.Random) -> dict:
    while True:
        f = Fraction(rng.randint(-30, 40), rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 16, 25]))
        if f.denominator > 1 and f != 0:
            break
    n, d = f.numerator, f.denominator
    refs = [frac_tex(f), frac_tex(f, "\\dfrac"), frac_plain(f)]
    ok: list[Variant] = [(frac_tex(f), None), (frac_tex(f, "\\dfrac"), None), (frac_plain(f), None),
                         (f"\\frac{{{n}}}{{{d}}}" if n < 0 else f"{n} / {d}", None),
                         (f"\\frac{{{2 * n}}}{{{2 * d}}}", "unsimplified")]
    if terminating(f):
        ok.append((exact_decimal(f), None))
    else:
        ok.append((rounded(float(f), 4), "rounded_decimal"))
    if abs(n) < 10 and d < 10 and n > 0:
        ok.append((f"\\frac{n}{d}", None))
    wrong: list[Variant] = [(frac_tex(f + 1), None), (frac_tex(-f), None),
                            (frac_tex(Fraction(n + (1 if n != -1 else 2), d)), None)]
    if abs(n) != 1:
        wrong.append((frac_tex(Fraction(d, n)), None))
    dec = rounded(float(f), 4)
    wrong.append((bump_last_digit(dec) if not terminating(f) else exact_decimal(f + Fraction(1, 100)), None))
    return item("fraction", refs, ok, wrong)


def mixed_number(rng: random.Random) -> dict:
    w, d = rng.randint(1, 9), rng.choice([2, 3, 4, 5, 8])
    p = rng.randint(1, d - 1)
    f = Fraction(w * d + p, d)
    if f.denominator != d:
        return mixed_number(rng)
    refs = [f"{w}\\frac{{{p}}}{{{d}}}", frac_tex(f)]
    ok: list[Variant] = [(frac_tex(f), None), (f"{w}\\frac{{{p}}}{{{d}}}", None), (f"{w} \\frac{{{p}}}{{{d}}}", None),
                         (frac_plain(f), None), (f"{w}\\tfrac{{{p}}}{{{d}}}", None)]
    if terminating(f):
        ok.append((exact_decimal(f), None))
    wrong: list[Variant] = [(f"{w}\\frac{{{p + 1}}}{{{d}}}" if p + 1 < d else f"{w + 1}\\frac{{{p}}}{{{d}}}", None),
                            (frac_tex(f + Fraction(1, d)), None)]
    if Fraction(w * p, d) != f:
        wrong.append((frac_tex(Fraction(w * p, d)), None))  # the mixed number read as a product
    return item("mixed_number", refs, ok, wrong)


def radical(rng: random.Random) -> dict:
    a, b = rng.randint(2, 9), rng.choice([2, 3, 5, 6, 7, 10, 11, 13])
    c = rng.choice([1, 1, 2, 3])
    core = f"{a}\\sqrt{{{b}}}"
    tex = core if c == 1 else f"\\frac{{{core}}}{{{c}}}"
    refs = [tex] if c == 1 else [tex, f"{a}\\sqrt{{{b}}}/{c}"]
    div = "" if c == 1 else f"/{c}"
    ok: list[Variant] = [(tex, None), (f"{a} \\sqrt {b}" if c == 1 else f"{a}\\sqrt{{{b}}}/{c}", None),
                         (f"{a}*sqrt({b})" + div, None),
                         (f"\\sqrt{{{a * a * b}}}" + div, None), (f"{a}\\cdot\\sqrt{{{b}}}" + div, None),
                         (rounded(a * math.sqrt(b) / c, 5), "rounded_decimal")]
    wrong: list[Variant] = [(f"{a}\\sqrt{{{b + 1}}}" + div, None), (f"{a + 1}\\sqrt{{{b}}}" + div, None),
                            (f"\\sqrt{{{a * b}}}" + div, None),
                            (bump_last_digit(rounded(a * math.sqrt(b) / c, 6)), None),
                            (f"-{a}\\sqrt{{{b}}}" + div, None)]
    return item("radical", refs, ok, wrong)


def long_decimal(rng: random.Random) -> dict:
    """An irrational reference against a long decimal: right when correctly rounded or truncated, else wrong."""
    name, tex, x = rng.choice([("sqrt2", "\\sqrt{2}", math.sqrt(2)), ("sqrt3", "\\sqrt{3}", math.sqrt(3)),
                               ("pi", "\\pi", math.pi), ("e", "e", math.e),
                               ("sqrt5/2", "\\frac{\\sqrt{5}}{2}", math.sqrt(5) / 2),
                               ("ln2", "\\ln 2", math.log(2)), ("2pi", "2\\pi", 2 * math.pi)])
    k = rng.choice([8, 10, 12, 14])
    # exact digits from a 30-digit string so the rounding is right beyond float precision
    from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, getcontext
    getcontext().prec = 40
    exact = {"sqrt2": Decimal(2).sqrt(), "sqrt3": Decimal(3).sqrt(),
             "pi": Decimal("3.14159265358979323846264338327950288"), "e": Decimal(1).exp(),
             "sqrt5/2": Decimal(5).sqrt() / 2, "ln2": Decimal(2).ln(),
             "2pi": 2 * Decimal("3.14159265358979323846264338327950288")}[name]
    q = Decimal(1).scaleb(-k)
    rnd = str(exact.quantize(q, rounding=ROUND_HALF_EVEN))
    trunc = str(exact.quantize(q, rounding=ROUND_DOWN))
    ok: list[Variant] = [(tex, None), (rnd, "decimal_for_exact"), (rounded(x, 4), "rounded_decimal")]
    if trunc != rnd:
        ok.append((trunc, "decimal_for_exact"))
    wrong: list[Variant] = [(bump_last_digit(rnd), None), (str(exact.quantize(q) + q * 7), None),
                            (rounded(x, 2), "rounded_decimal")]
    return item("long_decimal", [tex], ok, wrong)


def pi_multiple(rng: random.Random) -> dict:
    f = Fraction(rng.randint(1, 11), rng.choice([2, 3, 4, 6, 12]))
    if f.denominator == 1:
        f = Fraction(f.numerator, f.numerator + 1)
    n, d = f.numerator, f.denominator
    tex = f"\\frac{{{'' if n == 1 else n}\\pi}}{{{d}}}"
    ok: list[Variant] = [(tex, None), (f"{'' if n == 1 else n}\\pi/{d}", None), (f"\\frac{{{n}}}{{{d}}}\\pi", None),
                         (f"{n}*pi/{d}", None), (rounded(float(f) * math.pi, 4), "rounded_decimal")]
    wrong: list[Variant] = [(f"\\frac{{{n + 1}\\pi}}{{{d}}}", None), (f"\\frac{{{d}}}{{{n}\\pi}}", None),
                            (frac_tex(f), None), (f"\\frac{{{n}\\pi}}{{{d + 1}}}", None)]
    return item("pi", [tex, f"{'' if n == 1 else n}\\pi/{d}"], ok, wrong)


def _names(rng: random.Random, k: int) -> list[str]:
    return rng.choice([["x", "y", "z"], ["a", "b", "c"], ["p", "q", "r"], ["m", "n", "k"]])[:k]


def tuple_item(rng: random.Random) -> dict:
    k = rng.choice([2, 2, 3])
    vals = [Fraction(rng.randint(-9, 12), rng.choice([1, 1, 1, 2, 3])) for _ in range(k)]
    while len(set(vals)) < k:
        vals[0] += 1
    named = rng.random() < 0.5
    names = _names(rng, k) if named else ["x", "y", "z"][:k]
    t = "(" + ", ".join(frac_tex(v) for v in vals) + ")"
    nt = "(" + ", ".join(names) + ")"
    refs = [f"{nt} = {t}"] if named else [t, "\\left" + t[:-1] + "\\right)"]
    pairs = [f"{n} = {frac_tex(v)}" for n, v in zip(names, vals)]
    ok: list[Variant] = [(t, None), ("\\left(" + ", ".join(frac_plain(v) for v in vals) + "\\right)", None),
                         (f"{nt} = {t}", None if named else "default_names"),
                         (", ".join(pairs), None if named else "default_names"),
                         (" \\text{ and } ".join(pairs) if k == 2
                          else ", ".join(pairs[:-1]) + ", \\text{and } " + pairs[-1],
                          None if named else "default_names"),
                         ("; ".join(pairs), None if named else "default_names"),
                         (", ".join(frac_tex(v) for v in vals), "bare_list_for_tuple")]
    rev = list(reversed(vals))
    wrong: list[Variant] = [("(" + ", ".join(frac_tex(v) for v in rev) + ")", None),
                            (", ".join(f"{n} = {frac_tex(v)}" for n, v in zip(reversed(names), vals)), None),
                            (", ".join(f"{names[0]} = {frac_tex(v)}" for v in vals), None),
                            (" \\text{ or } ".join(pairs), None),
                            ("(" + ", ".join(frac_tex(v) for v in vals[:-1] + [vals[-1] + 1]) + ")", None),
                            ("(" + ", ".join(frac_tex(v) for v in vals[:-1]) + ")", None)]
    if k == 2:
        wrong.append((f"{pairs[0]} \\lor {pairs[1]}", None))
    return item("tuple", refs, ok, wrong)


def interval(rng: random.Random) -> dict:
    a = rng.randint(-9, 6)
    b = a + rng.randint(1, 9)
    lo, hi = rng.choice([("[", ")"), ("(", "]"), ("[", "]"), ("(", ")")])
    t = f"{lo}{a}, {b}{hi}"
    le1, le2 = ("\\le" if lo == "[" else "<"), ("\\le" if hi == "]" else "<")
    ineq = f"{a} {le1} x {le2} {b}"
    refs = [t, f"x \\in {t}", ineq]
    ok: list[Variant] = [(t, None), (f"\\left{lo}{a},{b}\\right{hi}", None), (f"{lo} {a} , {b} {hi}", None),
                         (ineq.replace("\\le", "\\leq"), None), (f"x \\in {t}", None)]
    flip = ("(" if lo == "[" else "[") + f"{a}, {b}" + hi
    le1_other = "<" if le1 == LE else LE
    wrong: list[Variant] = [(flip, None), (f"{lo}{a}, {b + 1}{hi}", None), (f"{lo}{a - 1}, {b}{hi}", None),
                            (f"{a} {le1_other} x {le2} {b}", None)]
    ray = rng.choice(["left", "right"])
    if ray == "left":
        r = f"(-\\infty, {b}{hi}"
        rok = [(r, None), (f"x {le2} {b}", None), (f"\\left(-\\infty, {b}\\right{hi}", None)]
        other_hi = ")" if hi == "]" else "]"
        ge2 = ">" if le2 == "<" else GE
        rw = [(f"(-\\infty, {b}{other_hi}", None), (f"x {ge2} {b}", None)]
    else:
        r = f"{lo}{a}, \\infty)"
        ge1 = GE if lo == "[" else ">"
        rok = [(r, None), (f"x {ge1} {a}", None), (f"\\left{lo}{a}, +\\infty\\right)", None)]
        rw = [(f"{'(' if lo == '[' else '['}{a}, \\infty)", None), (f"{lo}{-a if a else 1}, \\infty)", None)]
    return [item("interval", refs, ok, wrong), item("interval", [r], rok, rw)]


def union(rng: random.Random) -> dict:
    a = rng.randint(-9, 6)
    b = a + rng.randint(1, 6)
    t = f"(-\\infty, {a}) \\cup ({b}, \\infty)"
    ok: list[Variant] = [(t, None), (f"({b}, \\infty) \\cup (-\\infty, {a})", None),
                         (f"\\left(-\\infty,{a}\\right)\\cup\\left({b},\\infty\\right)", None),
                         (f"x < {a} \\text{{ or }} x > {b}", None)]
    wrong: list[Variant] = [(f"(-\\infty, {a}] \\cup ({b}, \\infty)", None), (f"({a}, {b})", None),
                            (f"(-\\infty, {b}) \\cup ({a}, \\infty)", None),
                            (f"(-\\infty, {a}) \\cup ({b + 1}, \\infty)", None)]
    return item("union", [t, f"x \\in {t}"], ok, wrong)


def solution_set(rng: random.Random) -> dict:
    rs = sorted(rng.sample(range(-9, 13), rng.choice([2, 2, 3])))
    s = ", ".join(map(str, rs))
    perm = rs[:]
    rng.shuffle(perm)
    ok: list[Variant] = [(s, None), (", ".join(map(str, perm)), None),
                         ("\\{" + ", ".join(map(str, perm)) + "\\}", None),
                         (" \\text{ or } ".join(f"x = {r}" for r in rs), None),
                         (", ".join(f"x = {r}" for r in perm), "repeated_name_list")]
    extra = max(rs) + rng.randint(1, 4)
    wrong: list[Variant] = [(", ".join(map(str, rs[:-1])), None), (", ".join(map(str, rs + [extra])), None),
                            (", ".join(map(str, rs[:-1] + [rs[-1] + 1])), None),
                            (", ".join(map(str, [-r for r in rs]))
                             if any(r != 0 for r in rs) and set(rs) != {-r for r in rs}
                             else str(extra), None)]
    return item("solution_set", [s, "\\{" + s + "\\}"], ok, wrong)


def _mat(rows: list[list[int]], env: str) -> str:
    body = " \\\\ ".join(" & ".join(map(str, r)) for r in rows)
    if env == "array":
        return f"\\left[\\begin{{array}}{{{'c' * len(rows[0])}}} {body} \\end{{array}}\\right]"
    return f"\\begin{{{env}}} {body} \\end{{{env}}}"


def matrix(rng: random.Random) -> dict:
    r, c = rng.choice([(2, 2), (2, 2), (2, 3), (3, 3)])
    m = [[rng.randint(-6, 9) for _ in range(c)] for _ in range(r)]
    ok: list[Variant] = [(_mat(m, "pmatrix"), None), (_mat(m, "bmatrix"), None), (_mat(m, "array"), None),
                         (_mat(m, "pmatrix").replace(" ", ""), None)]
    w = [row[:] for row in m]
    w[-1][-1] += rng.choice([-1, 1])
    s = [row[:] for row in m]
    s[0][0] = -s[0][0] if s[0][0] else 1
    wrong: list[Variant] = [(_mat(w, "pmatrix"), None), (_mat(s, "bmatrix"), None)]
    if r == c:
        tr = [list(col) for col in zip(*m)]
        if tr != m:
            wrong.append((_mat(tr, "pmatrix"), None))
    items = [item("matrix", [_mat(m, "pmatrix"), _mat(m, "array"), _mat(m, "bmatrix")], ok, wrong)]
    v = [rng.randint(-9, 9) for _ in range(rng.choice([2, 3]))]
    col = "\\begin{pmatrix} " + " \\\\ ".join(map(str, v)) + " \\end{pmatrix}"
    vw = v[:]
    vw[0] += 1
    items.append(item("matrix", [col], [(col, None), (col.replace("pmatrix", "bmatrix"), None),
                                        ("(" + ", ".join(map(str, v)) + ")", "vector_as_tuple")],
                      [("\\begin{pmatrix} " + " \\\\ ".join(map(str, vw)) + " \\end{pmatrix}", None),
                       ("\\begin{pmatrix} " + " \\\\ ".join(map(str, v[::-1])) + " \\end{pmatrix}" if v != v[::-1] else
                        "\\begin{pmatrix} " + " \\\\ ".join(map(str, [-x - 1 for x in v])) + " \\end{pmatrix}", None)]))
    return items


def _signs(s: str) -> str:
    return s.replace("+ -", "- ").replace("+-", "-").replace("- -", "+ ")


def equation(rng: random.Random) -> dict:
    if rng.random() < 0.5:
        m, c = rng.choice([-3, -2, 2, 3, 4, 5, 7]), rng.randint(1, 9)
        t = f"y = {m}x + {c}"
        k = rng.choice([2, 3, -1])
        ok: list[Variant] = [(t, None), (f"y={c}+{m}x".replace("+-", "-"), None), (f"{m}x - y + {c} = 0", None),
                             (f"{k}y = {k * m}x + {k * c}", None), (f"y - {m}x = {c}", None),
                             (f"{m}x + {c}", "rhs_only")]
        wrong: list[Variant] = [(f"y = {m}x - {c}", None), (f"y = {m + 1}x + {c}", None), (f"x = {m}y + {c}", None),
                                (f"2y = {m}x + {c}", None)]
        return item("equation", [_signs(t)], [(_signs(a), p) for a, p in ok], [(_signs(a), p) for a, p in wrong])
    a2, b2 = rng.choice([(16, 12), (4, 3), (9, 4), (25, 16), (8, 2)])
    k = rng.choice([2, 4, 3])
    t = f"\\frac{{x^2}}{{{a2}}} + \\frac{{y^2}}{{{b2}}} = 1"
    scaled = f"\\frac{{x^2}}{{{a2 * k}}} + \\frac{{y^2}}{{{b2 * k}}} = \\frac{{1}}{{{k}}}"
    ok = [(t, None), (scaled, None), (f"{b2}x^2 + {a2}y^2 = {a2 * b2}", None), (f"x^2/{a2} + y^2/{b2} = 1", None)]
    wrong = [(f"\\frac{{x^2}}{{{b2}}} + \\frac{{y^2}}{{{a2}}} = 1", None),
             (f"\\frac{{x^2}}{{{a2}}} - \\frac{{y^2}}{{{b2}}} = 1", None),
             (f"\\frac{{x^2}}{{{a2 * k}}} + \\frac{{y^2}}{{{b2 * k}}} = 1", None)]
    return item("equation", [scaled, t], ok, wrong)


def inequality(rng: random.Random) -> dict:
    a = rng.randint(-9, 9)
    op, flip, strict = rng.choice([("<", ">", True), ("\\le", "\\ge", False), (">", "<", True),
                                   ("\\ge", "\\le", False)])
    t = f"x {op} {a}"
    ok: list[Variant] = [(t, None), (f"-x {flip} {-a}", None), (f"{a} {flip} x", None),
                         (f"x \\in (-\\infty, {a})" if op == "<" else f"x \\in (-\\infty, {a}]" if op == "\\le" else
                          f"x \\in ({a}, \\infty)" if op == ">" else f"x \\in [{a}, \\infty)", None)]
    other_strict = {"<": "\\le", "\\le": "<", ">": "\\ge", "\\ge": ">"}[op]
    wrong: list[Variant] = [(f"x {other_strict} {a}", None), (f"x {flip} {a}", None), (f"x {op} {a + 1}", None),
                            (f"-x {op} {-a}", None)]
    return item("inequality", [t, f"-x {flip} {-a}"], ok, wrong)


def expression(rng: random.Random) -> dict:
    if rng.random() < 0.6:
        a = rng.randint(1, 9)
        t = f"x^2 + {2 * a}x + {a * a}"
        ok: list[Variant] = [(t, None), (f"(x+{a})^2", None), (f"(x + {a})(x + {a})", None),
                             (f"x^{{2}}+{2 * a}x+{a * a}", None),
                             (f"x**2 + {2 * a}*x + {a * a}", None)]
        wrong: list[Variant] = [(f"(x-{a})^2", None), (f"(x+{a + 1})^2", None), (f"x^2 + {a * a}", None),
                                (f"x^2 + {a}x + {a * a}", None)]
        return item("expression", [t, f"(x+{a})^2"], ok, wrong)
    v = rng.choice(["x", "y", "\\theta"])
    forms = [(f"\\sec^2 {v}", f"\\tan^2 {v} + 1", f"\\frac{{1}}{{\\cos^2 {v}}}", f"1 + \\tan^2({v})"),
             (f"\\sin(2{v})", f"2\\sin {v} \\cos {v}", f"2 \\sin({v})\\cos({v})", f"\\sin 2{v}"),
             (f"\\cos(2{v})", f"1 - 2\\sin^2 {v}", f"\\cos^2 {v} - \\sin^2 {v}", f"2\\cos^2 {v} - 1")]
    f = rng.choice(forms)
    wrongs = {0: [f"\\tan^2 {v} - 1", f"\\csc^2 {v}", f"\\frac{{1}}{{\\sin^2 {v}}}"],
              1: [f"2\\sin {v}", f"\\sin {v} \\cos {v}", f"\\cos(2{v})"],
              2: [f"1 - \\sin^2 {v}", f"2\\sin^2 {v} - 1", f"\\sin(2{v})"]}[forms.index(f)]
    return item("expression", [f[0], f[1]], [(x, None) for x in f], [(x, None) for x in wrongs])


def units(rng: random.Random) -> list[dict]:
    out = []
    k = rng.randint(2, 400)
    unit, other = rng.choice([("miles", "km"), ("cm", "m"), ("inches", "feet"), ("square units", "units"),
                              ("hours", "minutes"), ("meters", "feet")])
    ok: list[Variant] = [(str(k), None), (f"{k}\\text{{ {unit}}}", None), (f"{k} \\textnormal{{ {unit}}}", None),
                         (f"{k}\\ \\text{{{unit}}}", None), (f"{k}\\mbox{{ {unit}}}", None)]
    wrong: list[Variant] = [(f"{k + rng.randint(1, 9)}\\text{{ {unit}}}", None),
                            (f"{k}{k % 10}\\text{{ {unit}}}", None),
                            (f"{k} \\text{{ {other}}}", "wrong_unit")]
    out.append(item("units", [f"{k}\\text{{ {unit}}}", str(k)], ok, wrong))
    d = rng.choice([30, 45, 60, 90, 120, 135, 150, 36, 72, 20])
    f = Fraction(d, 180)
    rad = f"\\frac{{{'' if f.numerator == 1 else f.numerator}\\pi}}{{{f.denominator}}}" if f.denominator > 1 else \
        f"{f.numerator}\\pi"
    ok = [(f"{d}^\\circ", None), (str(d), None), (f"{d}^{{\\circ}}", None), (f"{d}°", None),
          (f"{d} \\text{{ degrees}}", None),
          (rad, "degree_as_radian")]
    wrong = [(f"{180 - d}^\\circ" if d != 90 else "45^\\circ", None), (f"{d + 10}^\\circ", None),
             (f"{d // 2}^\\circ", None)]
    out.append(item("degrees", [f"{d}^\\circ", f"{d}^{{\\circ}}"], ok, wrong))
    p = rng.randint(1, 99)
    ok = [(f"{p}\\%", None), (str(p), None), (f"{p} \\text{{ percent}}", None), (f"{p}%", None),
          (exact_decimal(Fraction(p, 100)), "percent_as_fraction")]
    wrong = [(f"{100 - p}\\%" if p != 50 else "25\\%", None), (f"{p + 1}\\%", None),
             (f"{exact_decimal(Fraction(p, 10))}\\%", None)]
    out.append(item("percent", [f"{p}\\%", str(p)], ok, wrong))
    cents = rng.randint(101, 99999)
    m = Fraction(cents, 100)
    s2 = f"{float(m):,.2f}"
    ok = [(f"\\${s2}", None), (s2, None), (f"\\$ {s2}", None), (f"{s2} \\text{{ dollars}}", None)]
    if cents % 10 == 0:
        ok.append((f"\\${exact_decimal(m)}", None))
    wrong = [(f"\\${float(m + Fraction(1, 10)):,.2f}", None), (f"\\${cents:,}", None),
             (f"\\${float(m) + 1:,.2f}", None)]
    out.append(item("money", [f"\\${s2}", s2], ok, wrong))
    return out


def base_number(rng: random.Random) -> dict:
    b = rng.choice([2, 3, 4, 5, 6, 7, 8])
    digits = [rng.randint(1, b - 1)] + [rng.randint(0, b - 1) for _ in range(rng.randint(3, 6))]
    s = "".join(map(str, digits))
    val = int(s, b)
    d2 = digits[:]
    d2[-1] = (d2[-1] + 1) % b
    ok: list[Variant] = [(f"{s}_{b}", None), (f"{s}_{{{b}}}", None), (s, "base_subscript_dropped"),
                         (f"{s}_{{\\text{{{b}}}}}", None)]
    wrong: list[Variant] = [("".join(map(str, d2)) + f"_{b}", None),
                            (f"{s[::-1]}_{b}" if s[::-1] != s else f"{s}1_{b}", None),
                            (str(val), "base_as_decimal")]
    return item("base", [f"{s}_{b}", f"{s}_{{{b}}}"], ok, wrong)


def text_answer(rng: random.Random) -> dict:
    letter = rng.choice("ABCDE")
    other = rng.choice([c for c in "ABCDE" if c != letter])
    ok: list[Variant] = [(f"\\text{{({letter})}}", None), (f"({letter})", None), (letter, None),
                         (f"\\textbf{{({letter})}}", None),
                         (f"\\mathrm{{({letter})}}", None)]
    wrong: list[Variant] = [(f"({other})", None), (f"\\text{{({other})}}", None),
                            (f"({letter}) \\text{{ or }} ({other})", None)]
    return item("choice", [f"\\text{{({letter})}}", f"({letter})", letter], ok, wrong)


def european(rng: random.Random) -> dict:
    whole, frac_d = rng.randint(0, 9), rng.randint(1, 99)
    s = f"{whole}.{frac_d:02d}"
    return item("european_decimal", [s], [(s, None), (s.replace(".", ","), "european_decimal"),
                                          (s.replace(".", "{,}"), "european_decimal")],
                [(s.replace(".", ",") + "1", None), (f"{whole}.{(frac_d + 1) % 100:02d}", None)])


def approx_suffix(rng: random.Random) -> dict:
    f = Fraction(rng.randint(1, 30), rng.choice([3, 7, 9, 11]))
    if f.denominator == 1:
        f += Fraction(1, 3)
    x = float(f)
    tex = frac_tex(f)
    one = f"{x:.1f}"  # one decimal: right under the >= 3 significant digits rule only when x >= 10
    one_ok = len(one.replace(".", "").lstrip("0")) >= 3
    ok: list[Variant] = [(f"{tex} \\approx {x:.2f}", None), (f"{tex} \\approx {x:.3f}", None)]
    wrong: list[Variant] = [(f"{frac_tex(f + Fraction(1, f.denominator))} \\approx {x + 1 / f.denominator:.2f}", None)]
    (ok if one_ok else wrong).append((one, "rounded_decimal"))
    return item("approx_suffix", [tex], ok, wrong)


GENERATORS = [(integer, 34), (fraction, 30), (mixed_number, 12), (radical, 16), (long_decimal, 14), (pi_multiple, 12),
              (tuple_item, 26), (interval, 12), (union, 8), (solution_set, 14), (matrix, 8), (equation, 14),
              (inequality, 10), (expression, 14), (units, 10), (base_number, 10), (text_answer, 8), (european, 6),
              (approx_suffix, 8)]


def math_items(rng: random.Random) -> list[dict]:
    out: list[dict] = []
    for fn, n in GENERATORS:
        for _ in range(n):
            got = fn(rng)
            out.extend(got if isinstance(got, list) else [got])
    return out
