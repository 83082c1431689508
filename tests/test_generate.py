"""The generate stage end to end through the CLI: determinism, seeds, workers, resume after a kill, errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path



def _shard_bytes(d: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((d / "shards").glob("part-*"))]


def _ids(d: Path) -> list[str]:
    return [json.loads(line)["id"] for b in _shard_bytes(d) for line in b.decode().splitlines()]


def test_same_seed_same_bytes_and_workers_do_not_matter(cli, tmp_path):
    args = ["generate", "math.linear_system", "-n", 300, "--seed", 7, "--level", "hard", "--shard-rows", 64]
    cli(*args, "-o", tmp_path / "a", "--workers", 1)
    cli(*args, "-o", tmp_path / "b", "--workers", 1)
    cli(*args, "-o", tmp_path / "c", "--workers", 2)
    a = _shard_bytes(tmp_path / "a")
    assert len(a) == 5 and sum(len(x.splitlines()) for x in a) == 300
    assert a == _shard_bytes(tmp_path / "b") == _shard_bytes(tmp_path / "c")


def test_neighbouring_seeds_share_no_problems(cli, tmp_path):
    for s in (7, 8):
        cli("generate", "math.linear_system", "-n", 300, "--seed", s, "--level", "medium", "-o", tmp_path / str(s),
            "--workers", 1)
    a, b = set(_ids(tmp_path / "7")), set(_ids(tmp_path / "8"))
    assert len(a) == len(b) == 300
    assert len(a & b) <= 3


def test_duplicates_are_replaced_so_n_rows_are_distinct(cli, tmp_path):
    # the smallest knob space: 2 unknowns, coefficients and solutions in [-1, 1]
    res = cli("--json", "generate", "math.linear_system", "-n", 40, "--knob", "coef_max=1", "--knob", "sol_max=1",
              "-o", tmp_path / "d", "--workers", 1)
    s = json.loads(res.output)
    ids = _ids(tmp_path / "d")
    assert len(ids) == len(set(ids)) == 40
    assert s["duplicates_dropped"] > 0


def test_killed_generate_resumes_without_loss_or_duplicates(tmp_path):
    cmd = [sys.executable, "-m", "hardgen.cli", "generate", "math.linear_system", "-n", "4000", "--seed", "3",
           "--level", "hard", "--shard-rows", "100", "--workers", "1"]
    env = {**os.environ, "HARDGEN_NO_PROGRESS": "1"}
    subprocess.run(cmd + ["-o", str(tmp_path / "ref")], check=True, env=env, capture_output=True)
    out = tmp_path / "killed"
    p = subprocess.Popen(cmd + ["-o", str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        m = out / "manifest.json"
        try:
            if m.exists() and len(json.loads(m.read_text())["shards"]) >= 5:
                break
        except json.JSONDecodeError:
            pass
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    man = json.loads((out / "manifest.json").read_text())
    assert not man["complete"] and 0 < len(man["shards"]) < 40
    subprocess.run(cmd + ["-o", str(out)], check=True, env=env, capture_output=True)
    assert _shard_bytes(out) == _shard_bytes(tmp_path / "ref")
    ids = _ids(out)
    assert len(ids) == len(set(ids)) == 4000


def test_user_errors_are_one_line_and_nonzero(cli, tmp_path):
    r = cli("generate", "math.linear_sytem", "-n", 5, "-o", tmp_path / "x", expect=2)
    assert "unknown family 'math.linear_sytem'" in r.output and "math.linear_system" in r.output
    assert "Traceback" not in r.output
    r = cli("generate", "math.linear_system", "--knob", "n_vars=99", "-o", tmp_path / "x", expect=2)
    assert "knob 'n_vars' must be in [2, 8], got 99" in r.output
    r = cli("generate", "math.linear_system", "--knob", "nvars=3", "-o", tmp_path / "x", expect=2)
    assert "unknown knob 'nvars'" in r.output and "n_vars" in r.output
    r = cli("generate", "math.linear_system", "--level", "insane", "-o", tmp_path / "x", expect=2)
    assert "no level 'insane'" in r.output and "hard" in r.output
    for bad in ("nan", "inf", "-inf", "1e999"):  # NaN passes every range test and is not valid JSON
        r = cli("generate", "sat.ksat", "-n", 2, "--knob", f"ratio={bad}", "-o", tmp_path / bad, expect=2)
        assert "knob 'ratio' must be a finite number" in r.output and "Traceback" not in r.output
        assert not (tmp_path / bad / "manifest.json").exists()


def test_malformed_input_line_is_named_and_nothing_marked_complete(cli, tmp_path):
    cli("generate", "math.linear_system", "-n", 5, "-o", tmp_path / "raw", "--workers", 1)
    lines = (tmp_path / "raw" / "shards" / "part-00000.jsonl").read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines[:3] + ['{"id": 1,'] + lines[3:]) + "\n")
    r = cli("verify", bad, "-o", tmp_path / "v", "--workers", 1, expect=2)
    assert f"{bad}:4: malformed JSON" in r.output
    man = tmp_path / "v" / "manifest.json"
    assert not man.exists() or not json.loads(man.read_text())["complete"]
