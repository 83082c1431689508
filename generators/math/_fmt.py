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
