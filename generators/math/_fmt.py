"""Formatting helpers shared by the math families: canonical answer text and readable equations."""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Sequence


def fmt_num(x: Fraction | int) -> str:
    """Canonical text of a rational: `3`, `-2/3`."""
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def fmt_tuple(xs: Iterable[Fraction | int]) -> str:
    return "(" + ", ".join(fmt_num(x) for x in xs) + ")"


def linear_equation(coefs: Sequence[int], names: Sequence[str]) -> str:
    """`3x - y + 2z` from coefficients and variable names (zero terms dropped)."""
    parts = []
    for c, v in zip(coefs, names):
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else str(abs(c))
        if not parts:
            parts.append(("-" if c < 0 else "") + mag + v)
        else:
            parts.append((" - " if c < 0 else " + ") + mag + v)
    return "".join(parts) or "0"


def squarefree_split(n: int) -> tuple[int, int]:
    """`(k, m)` with `n == k*k*m` and `m` square-free, for `n >= 0` (trial division: meant for small `n`)."""
    if n < 0:
        raise ValueError(f"squarefree_split needs n >= 0, got {n}")
    if n == 0:
        return 0, 1
    k, m, p = 1, 1, 2
    while p * p <= n:
        e = 0
        while n % p == 0:
            n //= p
            e += 1
        k *= p ** (e // 2)
        m *= p ** (e % 2)
        p += 1 if p == 2 else 2
    return k, m * n


def prime_factors(n: int) -> list[tuple[int, int]]:
    """`[(p, e), ...]` with `n == prod(p**e)`, primes ascending, for `n >= 1` (trial division)."""
    out, p = [], 2
    while p * p <= n:
        e = 0
        while n % p == 0:
            n //= p
            e += 1
        if e:
            out.append((p, e))
        p += 1 if p == 2 else 2
    if n > 1:
        out.append((n, 1))
    return out


def fmt_surd(q: Fraction | int, m: int = 1) -> str:
    """Canonical text of `q*sqrt(m)` (`m` square-free): `3*sqrt(2)/2`, `-sqrt(5)`, `7/3`."""
    q = Fraction(q)
    if m == 1 or q == 0:
        return fmt_num(q)
    sign = "-" if q < 0 else ""
    num, den = abs(q.numerator), q.denominator
    body = f"sqrt({m})" if num == 1 else f"{num}*sqrt({m})"
    return sign + body + ("" if den == 1 else f"/{den}")


def sqrt_of_rational(q: Fraction | int) -> tuple[Fraction, int]:
    """`sqrt(q)` for rational `q >= 0` as `(c, m)` meaning `c*sqrt(m)`, `m` square-free (denominator rationalised)."""
    q = Fraction(q)
    if q < 0:
        raise ValueError(f"sqrt_of_rational needs q >= 0, got {q}")
    # sqrt(n/d) = sqrt(n*d)/d
    k, m = squarefree_split(q.numerator * q.denominator)
    return Fraction(k, q.denominator), m


def join_terms(terms: Iterable[str]) -> str:
    """`a + b - c` from term texts that carry their own leading `-`; `0` when there are none."""
    out = ""
    for t in terms:
        if not out:
            out = t
        elif t.startswith("-"):
            out += " - " + t[1:]
        else:
            out += " + " + t
    return out or "0"


def polynomial(coefs: Sequence[int], var: str = "x") -> str:
    """`2x^3 - x + 5` from integer coefficients listed from the highest degree down (zero terms dropped)."""
    deg = len(coefs) - 1
    parts: list[str] = []
    for i, c in enumerate(coefs):
        if c == 0:
            continue
        p = deg - i
        mono = "" if p == 0 else (var if p == 1 else f"{var}^{p}")
        mag = str(abs(c)) if (abs(c) != 1 or p == 0) else ""
        sign = "-" if c < 0 else "+"
        parts.append((("-" if c < 0 else "") if not parts else f" {sign} ") + mag + mono)
    return "".join(parts) or "0"


def signed_term(c: int, body: str) -> str:
    """` + 3a_{n-1}` / ` - a_{n-2}` for appending a term with coefficient `c` after a first term."""
    if c == 0:
        return ""
    mag = "" if abs(c) == 1 and body else str(abs(c))
    return (" - " if c < 0 else " + ") + mag + body
