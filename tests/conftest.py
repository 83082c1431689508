"""Shared test setup: no progress bars, and a CLI runner that shows tracebacks of unexpected errors."""

import os

import pytest

os.environ.setdefault("HARDGEN_NO_PROGRESS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def cli():
    """Run `gen ARGS...` in-process; returns click's Result."""
    from click.testing import CliRunner

    from hardgen.cli import main

    def run(*args: str, expect: int | None = 0):
        res = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
        if expect is not None and res.exit_code != expect:
            import traceback

            tb = "".join(traceback.format_exception(*res.exc_info)) if res.exc_info else ""
            raise AssertionError(f"gen {' '.join(map(str, args))} exited {res.exit_code}:\n{res.output}\n{tb}")
        return res

    return run
