"""Progress bars: a single long row shows time passing and the phase it is in."""

import io

import hardgen.core.progress as progress


def test_a_long_row_names_its_phase_and_the_bar_keeps_redrawing(monkeypatch):
    monkeypatch.delenv("HARDGEN_NO_PROGRESS", raising=False)
    monkeypatch.setattr(progress, "HEARTBEAT_S", 0.01)
    err = io.StringIO()
    monkeypatch.setattr(progress.sys, "stderr", err)
    with progress.bar(total=1, desc="generate") as b:
        progress.note("drawing 426,000 clauses")
        assert "drawing 426,000 clauses" in str(b)
        b._stop.wait(0.2)  # a few heartbeats while no row finishes
    assert err.getvalue().count("drawing 426,000 clauses") >= 2  # redrawn by the heartbeat, not only once
    assert not progress._OPEN


def test_note_without_a_bar_is_a_no_op(monkeypatch):
    monkeypatch.setenv("HARDGEN_NO_PROGRESS", "1")
    with progress.bar(total=1) as b:
        progress.note("anything")
        assert b.disable and not progress._OPEN
