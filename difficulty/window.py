"""Pass-rate windows like `(0, 0.5]`: which bounds are open is explicit, and the default keeps 0 < p <= 0.5."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hardgen.core.errors import HardgenError


@dataclass(frozen=True)
class Window:
    """An interval of pass rates. Default `(0, 0.5]`: solved at least sometimes, and at most half the time."""

    lo: float = 0.0
    hi: float = 0.5
    lo_closed: bool = False
    hi_closed: bool = True

    def __post_init__(self):
        if not (0.0 <= self.lo <= self.hi <= 1.0):
            raise HardgenError(f"window bounds must satisfy 0 <= lo <= hi <= 1, got {self.lo}, {self.hi}")
        if self.lo == self.hi and not (self.lo_closed and self.hi_closed):
            raise HardgenError(f"window {self} is empty")

    def contains(self, p: float) -> bool:
        above = p >= self.lo if self.lo_closed else p > self.lo
        below = p <= self.hi if self.hi_closed else p < self.hi
        return above and below

    def __str__(self) -> str:
        return f"{'[' if self.lo_closed else '('}{self.lo:g}, {self.hi:g}{']' if self.hi_closed else ')'}"

    @classmethod
    def parse(cls, text: str) -> "Window":
        """`LO,HI` (lower bound open, upper closed) or interval notation such as `[0.1,0.6)`.

        >>> str(Window.parse("0,0.5")), str(Window.parse("[0.2, 0.8)"))
        ('(0, 0.5]', '[0.2, 0.8)')
        """
        m = re.fullmatch(r"\s*([\[(]?)\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*([\])]?)\s*", text)
        if not m:
            raise HardgenError(f"window must look like LO,HI or (LO,HI] / [LO,HI], got {text!r}")
        try:
            lo, hi = float(m.group(2)), float(m.group(3))
        except ValueError:
            raise HardgenError(f"window bounds must be numbers, got {text!r}") from None
        return cls(lo, hi, lo_closed=m.group(1) == "[", hi_closed=m.group(4) != ")")
