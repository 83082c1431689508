"""Progress bars shared by every long stage (counts, rate, ETA on stderr; silent when asked or not a TTY)."""

from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm

_QUIET = False


def set_quiet(quiet: bool) -> None:
    global _QUIET
    _QUIET = quiet


def bar(total: int | None = None, desc: str = "", unit: str = "row"):
    """A tqdm bar; disabled by `--quiet` or HARDGEN_NO_PROGRESS=1."""
    disable = _QUIET or os.environ.get("HARDGEN_NO_PROGRESS") == "1"
    return tqdm(total=total, desc=desc, unit=unit, disable=disable, file=sys.stderr, dynamic_ncols=True,
                smoothing=0.1, mininterval=0.5)
