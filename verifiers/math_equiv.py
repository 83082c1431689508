"""Equivalence of two parsed math answers: exact and numeric fast paths here, symbolic proofs in a worker.

Rules (gold = the reference answer, response = the extracted model answer):

- Numbers: integers and rationals compare exactly (`1/2` = `\\frac{1}{2}` = `0.5` = `0.50`). A decimal written by
  one side is an approximation of the other side's exact value only when that value is not an integer, the
  decimal has at least `min_sig_digits` (default 3) significant digits, and it is the value rounded (to nearest)
  or truncated at the decimals written: `0.333`, `0.3333` = 1/3; `3.14`, `3.1416` = pi; `0.33`, `3.15`, `4.99`
  (for 5) are wrong. `check["tolerance"]` (relative, e.g. 1e-2) accepts any value within that relative error.
- Percent: `50\\%` equals `50` and `0.5` (the sign may be dropped or applied).
- Expressions (radicals, pi/e, logs, variables): the numeric screen evaluates both sides at fixed random points;
  a difference there is a definite "wrong". Agreement is then proved in the worker with sympy (the difference
  simplifies to 0); an unproved agreement is undecided (None).
- Equations: `x = 3` against gold `3` compares 3 (the response's right side when its left side is a lone symbol
  or its left side has symbols and no numbers (`x + y = 5`), the right side is a constant; the same the other way round). Two equations `a = b`, `c = d` are equivalent
  when (a - b) / (c - d) is a non-zero constant (sides swapped or scaled).
- Sequences: `(a, b)` and `[a, b]` with two items are intervals or pairs and their brackets must match (open and
  closed ends matter; `[1, 2)` is an interval). Longer tuples compare item by item in order, `()` or `[]` alike.
  A bare list `1, 2` matches a gold `( )` tuple in order. Inequalities `x < 3`, `1 < x <= 2` are intervals.
- Sets `\\{...\\}` and bare lists against a gold set or bare list: order-free, duplicates ignored.
  Unions of intervals: order-free.
- Matrices (pmatrix/bmatrix/`[[..],[..]]`): same shape, item by item; a one-row or one-column matrix also
  matches a tuple with the same items.
- Several values against one gold value (`2, 3`, `2 or 3`, `\\pm 2`) are wrong unless all are equal to it.
- Thousands: `1,000` (digits grouped by three, no spaces) is one thousand, unless the gold is a sequence with
  that many items, in which case it is read as the list `1, 000`.
"""

from __future__ import annotations

import cmath
import math
from fractions import Fraction
from typing import Any

from hardgen.verifiers.math_parse import LimitError, Node, Value

#: default limits and rules; a check's options override them
DEFAULTS = {"min_sig_digits": 3, "tolerance": None, "max_exponent": 10_000, "max_digits": 2_000, "vars": None}
#: decimals with more significant digits than this are checked against the exact value, not a float
FLOAT_DIGITS = 14

_POINTS = (0.7371, 1.3193, -0.5826, 2.1057, 0.3419)


class Cmp:
    """Outcome of a fast comparison: True/False/None plus symbolic obligations left for the worker."""

    __slots__ = ("ok", "reason", "pending")

    def __init__(self, ok: bool | None, reason: str = "", pending: tuple = ()) -> None:
        self.ok, self.reason, self.pending = ok, reason, pending

    def __repr__(self) -> str:
        return f"Cmp({self.ok}, {self.reason!r}, {len(self.pending)} pending)"


def _all(results: list[Cmp]) -> Cmp:
    """Conjunction: False wins, then None, then pending obligations, else True."""
    for c in results:
        if c.ok is False:
            return c
    for c in results:
        if c.ok is None and not c.pending:
            return c
    pend = tuple(p for c in results for p in c.pending)
    return Cmp(True if not pend else None, "equal" if not pend else "needs proof", pend)


# ---------------------------------------------------------------------------------------------------------------
# exact, numeric and symbol helpers over the AST
# ---------------------------------------------------------------------------------------------------------------
def guard(node: Node, opts: dict) -> None:
    """Raise LimitError for exponents, factorials or literals beyond the limits, before any evaluation."""
    stack = [node]
    while stack:
        n = stack.pop()
        tag = n[0]
        if tag in ("n", "d"):
            v = n[1]
            if v.numerator.bit_length() > opts["max_digits"] * 3.33 or v.denominator.bit_length() > 7000:
                raise LimitError(f"number with more than {opts['max_digits']} digits")
        elif tag == "^":
            e = exact(n[2], opts)
            if e is not None and abs(e) > opts["max_exponent"]:
                b = exact(n[1], opts)
                if b is None or abs(b) not in (0, 1):
                    raise LimitError(f"exponent {_short(e)} over the limit {opts['max_exponent']}")
            stack.extend((n[1], n[2]))
        elif tag == "!":
            e = exact(n[1], opts)
            if e is not None and abs(e) > 1000:
                raise LimitError("factorial argument over 1000")
            stack.append(n[1])
        elif tag in ("+", "*"):
            stack.extend(n[1])
        elif tag == "f":
            stack.extend(n[2])
        elif tag in ("neg",):
            stack.append(n[1])
        elif tag == "/":
            stack.extend((n[1], n[2]))


def _short(v: Fraction) -> str:
    s = str(v)
    return s if len(s) < 30 else s[:12] + "..."


def exact(node: Node, opts: dict) -> Fraction | None:
    """The exact rational value of a constant expression, or None when it is not (obviously) rational."""
    tag = node[0]
    if tag in ("n", "d"):
        return node[1]
    if tag == "neg":
        v = exact(node[1], opts)
        return None if v is None else -v
    if tag == "+":
        total = Fraction(0)
        for t in node[1]:
            v = exact(t, opts)
            if v is None:
                return None
            total += v
        return total
    if tag == "*":
        prod = Fraction(1)
        for t in node[1]:
            v = exact(t, opts)
            if v is None:
                return None
            prod *= v
        return prod
    if tag == "/":
        a, b = exact(node[1], opts), exact(node[2], opts)
        if a is None or b is None or b == 0:
            return None
        return a / b
    if tag == "^":
        b, e = exact(node[1], opts), exact(node[2], opts)
        if b is None or e is None or e.denominator != 1:
            return None
        if b == 0 and e < 0:
            return None
        if abs(e) > opts["max_exponent"] and abs(b) not in (0, 1):
            raise LimitError(f"exponent {_short(e)} over the limit {opts['max_exponent']}")
        bits = max(b.numerator.bit_length(), b.denominator.bit_length()) * abs(int(e))
        if bits > opts["max_digits"] * 4:
            raise LimitError(f"power with more than {opts['max_digits']} digits")
        return b ** int(e)
    if tag == "!":
        v = exact(node[1], opts)
        if v is None or v.denominator != 1 or v < 0:
            return None
        if v > 1000:
            raise LimitError("factorial argument over 1000")
        return Fraction(math.factorial(int(v)))
    if tag == "f" and node[1] == "sqrt":
        v = exact(node[2][0], opts)
        if v is not None and v >= 0:
            rn, rd = math.isqrt(v.numerator), math.isqrt(v.denominator)
            if rn * rn == v.numerator and rd * rd == v.denominator:
                return Fraction(rn, rd)
        return None
    if tag == "f" and node[1] == "abs":
        v = exact(node[2][0], opts)
        return None if v is None else abs(v)
    return None


def symbols(node: Node, out: set | None = None) -> set:
    out = set() if out is None else out
    stack = [node]
    while stack:
        n = stack.pop()
        tag = n[0]
        if tag == "s":
            out.add(n[1])
        elif tag in ("+", "*"):
            stack.extend(n[1])
        elif tag == "f":
            stack.extend(n[2])
        elif tag in ("neg", "!"):
            stack.append(n[1])
        elif tag in ("/", "^"):
            stack.extend((n[1], n[2]))
    return out


def has_const(node: Node, name: str) -> bool:
    return any(n[0] == "c" and n[1] == name for n in _walk(node))


_CFUNCS = {"sqrt": cmath.sqrt, "exp": cmath.exp, "log": cmath.log, "sin": cmath.sin, "cos": cmath.cos,
           "tan": cmath.tan, "asin": cmath.asin, "acos": cmath.acos, "atan": cmath.atan, "arcsin": cmath.asin,
           "arccos": cmath.acos, "arctan": cmath.atan, "sinh": cmath.sinh, "cosh": cmath.cosh, "tanh": cmath.tanh,
           "abs": abs, "cot": lambda z: 1 / cmath.tan(z), "sec": lambda z: 1 / cmath.cos(z),
           "csc": lambda z: 1 / cmath.sin(z)}
_CVALS = {"pi": math.pi, "E": math.e, "I": 1j}


def numeric(node: Node, env: dict[str, float]) -> complex:
    """Complex value of the AST at a point (raises ValueError/ZeroDivisionError/OverflowError/KeyError)."""
    tag = node[0]
    if tag in ("n", "d"):
        return complex(node[1])
    if tag == "s":
        return complex(env[node[1]])
    if tag == "c":
        if node[1] == "oo":
            raise ValueError("infinity")
        return complex(_CVALS[node[1]])
    if tag == "neg":
        return -numeric(node[1], env)
    if tag == "+":
        return sum((numeric(t, env) for t in node[1]), 0j)
    if tag == "*":
        p = 1 + 0j
        for t in node[1]:
            p *= numeric(t, env)
        return p
    if tag == "/":
        return numeric(node[1], env) / numeric(node[2], env)
    if tag == "^":
        b, e = numeric(node[1], env), numeric(node[2], env)
        if abs(e) > 1e4:
            raise OverflowError("exponent")
        if e.imag == 0 and e.real == int(e.real):
            if b == 0 and e.real < 0:
                raise ZeroDivisionError
            return b ** int(e.real)
        return b ** e  # principal branch, as sympy's Pow
    if tag == "f":
        name, args = node[1], node[2]
        vals = [numeric(a, env) for a in args]
        if name == "root":
            return vals[0] ** (1 / vals[1])
        if name in ("floor", "ceil"):
            v = vals[0]
            if v.imag:
                raise ValueError("complex floor")
            return complex(math.floor(v.real) if name == "floor" else math.ceil(v.real))
        if name == "binom":
            n, k = vals
            return complex(math.gamma(n.real + 1) / (math.gamma(k.real + 1) * math.gamma(n.real - k.real + 1)))
        if name in ("gcd", "lcm"):
            ints = [int(v.real) for v in vals]
            if any(v.imag or v.real != int(v.real) for v in vals):
                raise ValueError("gcd of non-integers")
            return complex(math.gcd(*ints) if name == "gcd" else math.lcm(*ints))
        return complex(_CFUNCS[name](*vals))
    if tag == "!":
        v = numeric(node[1], env)
        if v.imag or v.real > 170:
            raise OverflowError("factorial")
        return complex(math.gamma(v.real + 1))
    raise ValueError(f"cannot evaluate {tag}")


def _close(a: complex, b: complex, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def screen(a: Node, b: Node, relation: str = "eq") -> bool | None:
    """Numeric screen at fixed points: False = certainly different, True = agree everywhere tried, None = unknown.

    relation "eq": a == b; "ratio": a / b is the same non-zero constant at every point.
    """
    names = sorted(symbols(a) | symbols(b))
    agree = 0
    ratio: complex | None = None
    for k in range(3):
        env = {n: _POINTS[(k + i) % len(_POINTS)] + 0.1 * i for i, n in enumerate(names)}
        try:
            va, vb = numeric(a, env), numeric(b, env)
        except (ValueError, ZeroDivisionError, OverflowError, KeyError, TypeError):
            continue
        if not (cmath.isfinite(va) and cmath.isfinite(vb)):
            continue
        if relation == "eq":
            if not _close(va, vb):
                return False
        else:
            if vb == 0 or va == 0:
                if va != vb:
                    return False
                continue
            q = va / vb
            if ratio is None:
                ratio = q
            elif not _close(q, ratio, 1e-7):
                return False
        agree += 1
        if not names:
            break  # a constant has one value: one point decides the screen
    return True if agree else None


def decimal_literal(node: Node) -> tuple[Fraction, int, int] | None:
    """(value, decimals written, significant digits) of a decimal literal, possibly negated."""
    if node[0] == "d":
        return node[1], node[2], node[3]
    if node[0] == "neg" and node[1][0] == "d":
        return -node[1][1], node[1][2], node[1][3]
    return None


def approx_ok(dec: tuple[Fraction, int, int], true: Fraction | float, opts: dict) -> bool:
    """Is the decimal the true value rounded (to nearest) or truncated at the decimals it shows?"""
    value, decimals, sig = dec
    tol = opts.get("tolerance")
    if tol is not None:
        tv = float(true)
        if abs(float(value) - tv) <= float(tol) * max(abs(tv), 1e-300):
            return True
    if sig < opts["min_sig_digits"]:
        return False
    if isinstance(true, float) and sig > FLOAT_DIGITS:
        return False  # a float cannot check so many digits; compare_scalar sends these to the exact route
    unit = Fraction(1, 10 ** decimals) if decimals >= 0 else Fraction(10 ** -decimals)
    q = (Fraction(true) if isinstance(true, Fraction) else Fraction(true)) / unit
    written = value / unit
    if written.denominator != 1:
        return False
    lo = math.floor(q)
    trunc = math.trunc(q)
    frac = q - lo
    nearest = {lo} if frac < Fraction(1, 2) else {lo + 1} if frac > Fraction(1, 2) else {lo, lo + 1}
    if isinstance(true, float):  # float noise at a rounding boundary: accept both neighbours within 1e-9 units
        if abs(frac - Fraction(1, 2)) < Fraction(1, 10 ** 9):
            nearest = {lo, lo + 1}
    return int(written) in nearest or int(written) == trunc


# ---------------------------------------------------------------------------------------------------------------
# scalar and structured comparison
# ---------------------------------------------------------------------------------------------------------------
def compare_scalar(g: Node, r: Node, opts: dict) -> Cmp:
    if g == r:
        return Cmp(True, "same expression")
    guard(g, opts)
    guard(r, opts)
    eg, er = exact(g, opts), exact(r, opts)
    dg, dr = decimal_literal(g), decimal_literal(r)
    if eg is not None and er is not None:
        if eg == er:
            return Cmp(True, "equal numbers")
        if dr is not None and dg is None and eg.denominator != 1 and approx_ok(dr, eg, opts):
            return Cmp(True, "decimal approximation within the rounding rule")
        if dg is not None and dr is None and er.denominator != 1 and approx_ok(dg, er, opts):
            return Cmp(True, "decimal approximation within the rounding rule")
        if opts.get("tolerance") is not None and (dr or dg) and approx_ok((er, 0, 0), eg, opts):
            return Cmp(True, "within tolerance")
        return Cmp(False, "different numbers")
    sg, sr = symbols(g), symbols(r)
    if (dr is not None or dg is not None) and not sg and not sr:
        other = g if dr is not None else r
        dec = dr if dr is not None else dg
        if has_const(other, "oo"):
            return Cmp(False, "different numbers")
        try:
            v = numeric(other, {})
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            v = None
        if v is not None and cmath.isfinite(v):
            if abs(v.imag) > 1e-12 * max(1.0, abs(v)):
                return Cmp(False, "a real decimal against a complex value")
            if dec[2] > FLOAT_DIGITS and opts.get("tolerance") is None:
                # more digits than a float holds: decide the rounding rule on the exact value (sympy, worker)
                return Cmp(None, "needs proof", (("approx", other, (dec, int(opts["min_sig_digits"]))),))
            ok = approx_ok(dec, v.real, opts)
            return Cmp(ok, "decimal approximation " + ("within" if ok else "outside") + " the rounding rule")
    if has_const(g, "oo") or has_const(r, "oo"):
        return Cmp(None, "needs proof", (("eq", g, r),))
    s = screen(g, r)
    if s is False:
        return Cmp(False, "numerically different")
    if opts.get("tolerance") is not None and not sg and not sr and s:
        return Cmp(True, "within tolerance")
    return Cmp(None, "needs proof", (("eq", g, r),))


def _eq_value(lhs: Node, rhs: Node) -> Node | None:
    """The value an equation states, when it reads as `symbol = value` (or the value is constant)."""
    if lhs[0] == "s":
        return rhs
    if rhs[0] == "s" and not symbols(lhs):
        return lhs
    if not symbols(rhs) and symbols(lhs) and not _has_number(lhs):  # x + y = 5, but not 2x = 3
        return rhs
    return None


def _has_number(node: Node) -> bool:
    return any(ch.isdigit() for ch in repr([n for n in _walk(node) if n[0] in ("n", "d")]))


def _walk(node: Node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if n[0] in ("+", "*"):
            stack.extend(n[1])
        elif n[0] == "f":
            stack.extend(n[2])
        elif n[0] in ("neg", "!"):
            stack.append(n[1])
        elif n[0] in ("/", "^"):
            stack.extend((n[1], n[2]))


def _as_items(v: Value) -> tuple | None:
    """Items of a list-like value (for the cross-type rules)."""
    if v[0] in ("seq",):
        return v[3]
    if v[0] in ("set", "list", "union"):
        return v[1]
    if v[0] == "expr" and len(v) > 2:
        return v[2][1]
    return None


#: names a tuple answer's values bind to when the record does not list its variables (`check.params.vars`)
DEFAULT_NAMES = (("x", "y", "z", "a", "b", "c"), ("a", "b", "c"))


def _named(v: Value) -> list[tuple[str, Node]] | None:
    """[(name, value)] when v is `name = value` equations (x = 1, y = 2 / (x, y) = (1, 2)), else None."""
    if v[0] == "eq" and v[1][0] == "s":
        return [(v[1][1], v[2])]
    if v[0] == "list" and v[1] and all(it[0] == "eq" and it[1][0] == "s" for it in v[1]):
        return [(it[1][1], it[2]) for it in v[1]]
    return None


def bind_names(g: Value, r: Value, opts: dict) -> Cmp | None:
    """The rule for named values against a tuple of k >= 2 values; None when it does not apply.

    Names bind to `check.params.vars` when the record has them (opts["vars"]), else to the reference's own names
    (`(p, q) = (3, 2)`), else to x, y, z, a, b, c in order (or a, b, c); a name bound twice, a missing name or a
    name outside that list is wrong, and so are alternatives joined by "or". `(x, y) = (1, 2)`,
    `x = 1 \\text{ and } y = 2` and `x=1; y=2` are right for (1, 2).
    """
    gn, rn = _named(g), _named(r)
    if gn is not None and (len({n for n, _ in gn}) != len(gn) or g[2:] == ("or",)):
        gn = None  # x = 3 or x = -2: the values of one unknown, a set, not a tuple
    if gn is not None and len(gn) >= 2:
        gvals = tuple(("expr", v) for _, v in gn)
        k = len(gn)
    elif g[0] == "seq" and (g[1], g[2]) == ("(", ")") and len(g[3]) >= 2:
        gvals, gn, k = g[3], None, len(g[3])
    else:
        return None
    gold = ("seq", "(", ")", gvals)
    if rn is None:
        return compare_values(gold, r, opts) if gn is not None else None
    if r[0] == "list" and len(r) > 2 and r[2] == "or":
        return Cmp(False, "values joined by 'or' where the answer is all of them together")
    if opts.get("vars"):
        orders = (tuple(opts["vars"])[:k],)
    elif gn is not None:
        orders = (tuple(n for n, _ in gn),)
    else:
        orders = tuple(o[:k] for o in DEFAULT_NAMES if len(o) >= k)
    given = [n for n, _ in rn]
    if (r[0] == "list" and len(r) > 2 and r[2] == "tuple" and not opts.get("vars") and gn is None
            and not set(given) & set(DEFAULT_NAMES[0]) and len(set(given)) == len(given) == k):
        # (p, q) = (3, 2) for (3, 2): the response's own names, in the tuple's order; as strict as the bare tuple
        return compare_values(gold, ("seq", "(", ")", tuple(("expr", v) for _, v in rn)), opts)
    if len(set(given)) != len(given):
        twice = next(n for n in given if given.count(n) > 1)
        return Cmp(False, f"{twice} is given more than once")
    order = next((o for o in orders if set(given) <= set(o)), None)
    if order is None:
        bad = next((n for n in given if all(n not in o for o in orders)), None)
        if bad is None:
            return Cmp(False, f"the names {', '.join(given)} mix two lists of unknowns")
        return Cmp(False, f"{bad} is not one of the unknowns ({', '.join(orders[0])})")
    if len(given) != len(order):
        missing = [n for n in order if n not in given]
        return Cmp(False, f"no value for {', '.join(missing)}")
    value = dict(rn)
    return compare_values(gold, ("seq", "(", ")", tuple(("expr", value[n]) for n in order)), opts)


def compare_values(g: Value, r: Value, opts: dict) -> Cmp:
    """Compare structured values (see the module docstring for the rules)."""
    bound = bind_names(g, r, opts)
    if bound is not None:
        return bound
    gk, rk = g[0], r[0]
    if gk == "expr" and rk == "expr":
        return compare_scalar(g[1], r[1], opts)
    if gk == "pct" or rk == "pct":
        return _compare_pct(g, r, opts)
    if gk == "eq":
        if rk == "eq":
            return _compare_eq(g, r, opts)
        # y = 5 states a value; x + y = 5 is a line, so a bare 5 does not match it
        gval = _eq_value(g[1], g[2]) if g[1][0] == "s" else None
        if gval is None:
            return Cmp(False, "expected an equation")
        return compare_values(("expr", gval), r, opts)
    if rk == "eq":
        val = _eq_value(r[1], r[2])
        if val is None:
            return Cmp(False, "the response is an equation, not a value")
        return compare_values(g, ("expr", val), opts)
    if gk == "expr":
        if rk == "list":
            results = [compare_values(g, item, opts) for item in r[1]]
            res = _all(results)
            if res.ok is False:
                return Cmp(False, "several different answers where one is expected")
            return res
        return Cmp(False, f"expected a single value, got a {_kind_name(rk)}")
    if rk == "expr" and len(r) > 2 and gk in ("seq", "list", "set") and len(_as_items(g)) == len(r[2][1]):
        return compare_values(g, r[2], opts)  # "1,000" read as the list 1, 000
    if gk == "seq":
        return _compare_seq(g, r, opts)
    if gk == "list" and g[2:] == ("or",) and rk == "union" and all(it[0] == "seq" for it in g[1]):
        return _compare_unordered(g[1], r[1], opts, "union")
    if gk in ("set", "list"):
        if rk in ("set", "list"):
            return _compare_unordered(g[1], r[1], opts, "set")
        if gk == "list" and rk == "seq" and len(g[1]) == len(r[3]) == 1:
            return compare_values(g[1][0], r[3][0], opts)
        return Cmp(False, f"expected a set of values, got a {_kind_name(rk)}")
    if gk == "union":
        if rk == "union" or (rk == "list" and r[2:] == ("or",) and all(it[0] == "seq" for it in r[1])):
            # x <= -2 or x >= 7 is the union (-oo, -2] U [7, oo) ("and" would be an intersection)
            return _compare_unordered(g[1], r[1], opts, "union")
        return Cmp(False, f"expected a union of intervals, got a {_kind_name(rk)}")
    if gk == "matrix":
        if rk == "matrix":
            if len(g[1]) != len(r[1]) or len(g[1][0]) != len(r[1][0]):
                return Cmp(False, "matrix shapes differ")
            return _all([compare_values(a, b, opts) for ra, rb in zip(g[1], r[1]) for a, b in zip(ra, rb)])
        vec = _vector(g)
        if vec is not None and rk in ("seq", "list"):
            items = _as_items(r)
            if len(items) != len(vec):
                return Cmp(False, "different number of entries")
            return _all([compare_values(a, b, opts) for a, b in zip(vec, items)])
        return Cmp(False, f"expected a matrix, got a {_kind_name(rk)}")
    return Cmp(False, f"expected a {_kind_name(gk)}, got a {_kind_name(rk)}")


def _kind_name(k: str) -> str:
    return {"expr": "value", "eq": "equation", "seq": "tuple/interval", "set": "set", "list": "list of values",
            "union": "union of intervals", "matrix": "matrix", "pct": "percentage", "text": "text"}.get(k, k)


def _vector(m: Value) -> tuple | None:
    rows = m[1]
    if len(rows) == 1:
        return rows[0]
    if len(rows[0]) == 1:
        return tuple(row[0] for row in rows)
    return None


def _compare_pct(g: Value, r: Value, opts: dict) -> Cmp:
    if g[0] == "pct" and r[0] == "pct":
        return compare_scalar(g[1], r[1], opts)
    if g[0] == "pct" and r[0] == "expr":
        pct, plain = g[1], r[1]
    elif r[0] == "pct" and g[0] == "expr":
        pct, plain = r[1], g[1]
    else:
        return Cmp(False, f"expected a {_kind_name(g[0])}, got a {_kind_name(r[0])}")
    first = compare_scalar(pct, plain, opts) if g[0] == "pct" else compare_scalar(plain, pct, opts)
    if first.ok is True:
        return first
    scaled = ("/", pct, ("n", Fraction(100)))
    second = compare_scalar(scaled, plain, opts) if g[0] == "pct" else compare_scalar(plain, scaled, opts)
    if second.ok is True or first.ok is False:
        return second
    return first


def _compare_eq(g: Value, r: Value, opts: dict) -> Cmp:
    (_, a, b), (_, c, d) = g, r
    if a[0] == "s" and c[0] == "s" and a == c:
        return compare_scalar(b, d, opts)
    if a[0] == "s" and d[0] == "s" and a == d and c[0] != "s":
        return compare_scalar(b, c, opts)
    f = ("+", (a, ("neg", b)))
    h = ("+", (c, ("neg", d)))
    guard(f, opts)
    guard(h, opts)
    s = screen(f, h, "ratio")
    if s is False:
        return Cmp(False, "the equations differ")
    return Cmp(None, "needs proof", (("ratio", f, h),))


def _compare_seq(g: Value, r: Value, opts: dict) -> Cmp:
    _, go, gc, gitems = g
    if r[0] == "seq":
        _, ro, rc, ritems = r
    elif r[0] == "list" and (go, gc) == ("(", ")"):
        ro, rc, ritems = "(", ")", r[1]
    elif r[0] == "matrix" and _vector(r) is not None:
        ro, rc, ritems = go, gc, _vector(r)
    else:
        return Cmp(False, f"expected a {'interval' if (go, gc) != ('(', ')') else 'tuple'}, "
                          f"got a {_kind_name(r[0])}")
    if len(gitems) != len(ritems):
        return Cmp(False, f"expected {len(gitems)} items, got {len(ritems)}")
    if len(gitems) == 2 and (go, gc) != (ro, rc):
        return Cmp(False, "interval ends (open/closed) differ")
    results = []
    for a, b in zip(gitems, ritems):
        c = compare_values(a, b, opts)
        if c.ok is False:
            return Cmp(False, "items differ (order matters)")
        results.append(c)
    return _all(results)


def _dedupe(items: tuple) -> list:
    seen, out = set(), []
    for it in items:
        key = repr(it)
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


def _compare_unordered(gi: tuple, ri: tuple, opts: dict, what: str) -> Cmp:
    gi, ri = _dedupe(gi), _dedupe(ri)
    if len(gi) != len(ri):
        return Cmp(False, f"the {what} has {len(ri)} members, expected {len(gi)}")
    table = [[compare_values(a, b, opts) for b in ri] for a in gi]
    # match definite equalities first, then pairs that still need a proof; a gold member left without a
    # partner means the collections differ
    matched: dict[int, Cmp] = {}
    used: set[int] = set()
    for want in (True, None):
        for i, row in enumerate(table):
            if i in matched:
                continue
            for j, c in enumerate(row):
                if j not in used and c.ok is want and (want is True or c.pending):
                    matched[i] = c
                    used.add(j)
                    break
    pending = list(matched.items())
    if len(pending) != len(gi):
        undecided = [c for row in table for c in row if c.ok is None and not c.pending]
        if undecided:
            return undecided[0]
        return Cmp(False, f"the {what} members differ")
    return _all([c for _, c in pending])


# ---------------------------------------------------------------------------------------------------------------
# symbolic proofs (run inside the worker process)
# ---------------------------------------------------------------------------------------------------------------
def to_sympy(node: Node) -> Any:
    import sympy as sp

    tag = node[0]
    if tag in ("n", "d"):
        return sp.Rational(node[1].numerator, node[1].denominator)
    if tag == "s":
        return sp.Symbol(node[1])
    if tag == "c":
        return {"pi": sp.pi, "E": sp.E, "I": sp.I, "oo": sp.oo}[node[1]]
    if tag == "neg":
        return -to_sympy(node[1])
    if tag == "+":
        return sp.Add(*[to_sympy(t) for t in node[1]])
    if tag == "*":
        return sp.Mul(*[to_sympy(t) for t in node[1]])
    if tag == "/":
        return to_sympy(node[1]) / to_sympy(node[2])
    if tag == "^":
        return sp.Pow(to_sympy(node[1]), to_sympy(node[2]))
    if tag == "!":
        return sp.factorial(to_sympy(node[1]))
    if tag == "f":
        args = [to_sympy(a) for a in node[2]]
        name = node[1]
        if name == "root":
            return sp.root(args[0], args[1])
        fn = {"sqrt": sp.sqrt, "exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
              "cot": sp.cot, "sec": sp.sec, "csc": sp.csc, "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
              "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh,
              "tanh": sp.tanh, "abs": sp.Abs, "binom": sp.binomial, "gcd": sp.gcd, "lcm": sp.lcm,
              "floor": sp.floor, "ceil": sp.ceiling}[name]
        return fn(*args)
    raise ValueError(f"unknown node {tag}")


def _is_zero(d: Any) -> bool | None:
    import sympy as sp

    if d == 0:
        return True
    for step in (sp.expand, sp.radsimp, sp.simplify):
        d = step(d)
        if d == 0:
            return True
    if d.is_number:
        z = d.equals(0)
        return None if z is None else bool(z)
    return None


def prove(obligations: tuple) -> list[bool | None]:
    """Worker entry point: decide each ("eq", a, b) / ("ratio", f, h) obligation with sympy."""
    import sympy as sp

    out: list[bool | None] = []
    for kind, a, b in obligations:
        if kind == "approx":  # b = ((value, decimals, sig), min_sig_digits): the rounding rule, exactly
            dec, min_sig = b
            v = sp.N(to_sympy(a), max(dec[1], 0) + dec[2] + 30)
            if not v.is_real:
                out.append(False)
            else:
                out.append(approx_ok(dec, Fraction(sp.Rational(str(v))), {"min_sig_digits": min_sig}))
            if out[-1] is False:
                break
            continue
        ea, eb = to_sympy(a), to_sympy(b)
        if kind == "eq":
            if ea == eb:
                out.append(True)
            elif ea.has(sp.oo, -sp.oo, sp.zoo) or eb.has(sp.oo, -sp.oo, sp.zoo):
                out.append(bool(ea == eb))
            else:
                out.append(_is_zero(ea - eb))
        else:
            q = sp.simplify(ea / eb)
            if q.free_symbols:
                out.append(False)
            else:
                out.append(None if q.is_zero is None else not q.is_zero and q.is_finite is not False)
        if out[-1] is False:
            break  # one false obligation decides the whole comparison
    return out
