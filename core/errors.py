"""Errors a user can cause; the CLI prints them without a traceback and exits non-zero."""

from __future__ import annotations

import difflib


class HardgenError(Exception):
    """A problem with the user's input (bad knob, unreadable file, unknown name...)."""


def unknown_name_error(kind: str, name: str, known: list[str], where: str = "") -> HardgenError:
    """An error for an unknown `name` that lists the closest known names; `where` says where to see them all."""
    close = difflib.get_close_matches(name, known, n=5, cutoff=0.4)
    if not close:
        close = [k for k in known if k.split(".")[0] == name.split(".")[0]][:5]
    hint = f"; did you mean: {', '.join(close)}?" if close else f"; known: {', '.join(known[:20])}"
    return HardgenError(f"unknown {kind} {name!r}{hint}{f' ({where})' if where else ''}")
