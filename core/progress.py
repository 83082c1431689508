"""Progress bars shared by every long stage (counts, rate, ETA on stderr; silent when asked or not a TTY)."""

from __future__ import annotations

import os
import sys
import threading

_QUIET = False


def set_quiet(quiet: bool) -> None:
    global _QUIET
    _QUIET = quiet


#: seconds between redraws of an open bar while no row finishes (one long row still shows time passing)
HEARTBEAT_S = 1.0
_OPEN: list = []  # the drawing bars now open


class _SilentBar:
    """What `bar` returns when nothing is drawn: counts rows and ignores the rest, without importing tqdm (a
    tenth of the start-up of a quiet `gen generate`)."""

    disable = True

    def __init__(self, total: int | None = None) -> None:
        self.total, self.n = total, 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "_SilentBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_BAR_CLASS: type | None = None


def _bar_class() -> type:
    """The drawing bar class, defined on first use so that quiet runs never import tqdm."""
    global _BAR_CLASS
    if _BAR_CLASS is None:
        from tqdm.std import tqdm  # tqdm.auto would import asyncio (~0.1 s) for notebooks we never draw in

        class _Bar(tqdm):
            """A tqdm bar that redraws itself every HEARTBEAT_S from a daemon thread, so a single long row (a 10^5-
            variable formula, a slow proof) shows its elapsed time and the phase last named by `note`."""

            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                self._stop = threading.Event()
                self._beat = None
                if not self.disable:
                    _OPEN.append(self)
                    self._beat = threading.Thread(target=self._heartbeat, daemon=True)
                    self._beat.start()

            def _heartbeat(self) -> None:
                while not self._stop.wait(HEARTBEAT_S):
                    self.refresh()

            def close(self) -> None:
                self._stop.set()
                if self in _OPEN:
                    _OPEN.remove(self)
                super().close()

        _BAR_CLASS = _Bar
    return _BAR_CLASS


def note(phase: str) -> None:
    """Name what the current row is doing ("drawing 426,000 clauses") on the open bars; a no-op without one
    (quiet runs, worker processes), so families may call it freely."""
    for b in _OPEN:
        b.set_postfix_str(phase, refresh=False)


def bar(total: int | None = None, desc: str = "", unit: str = "row"):
    """A tqdm bar with a heartbeat (see `note`); disabled by `--quiet` or HARDGEN_NO_PROGRESS=1."""
    if _QUIET or os.environ.get("HARDGEN_NO_PROGRESS") == "1":
        return _SilentBar(total)
    return _bar_class()(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, smoothing=0.1,
                        mininterval=0.5)
