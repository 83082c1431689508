"""Crash safety: `gen generate` / `gen verify` killed with SIGKILL at seeded points, then rerun, must leave exactly
the bytes of an uninterrupted run (no lost rows, no duplicated ids); truncated or corrupted shards are redone."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hardgen.stages.generate import generate_dataset
from hardgen.stages.verify import verify_dataset

FAMILIES = ["math.linear_system", "graph.shortest_path"]
N = 150          # per family
SHARD_ROWS = 10  # → 30 shards, so there are many points to die at
SEED = 11
GEN_ARGS = [*FAMILIES, "-n", str(N), "--shard-rows", str(SHARD_ROWS), "--seed", str(SEED), "-w", "1"]
STEP_TIMEOUT = 25

# A wrapper that runs the real CLI after arranging to SIGKILL itself at a chosen point inside the store's atomic
# write: KILL_MODE picks where, KILL_AT which shard (or manifest) write. SIGKILL cannot be caught, so nothing
# gets a chance to clean up, as when a machine loses power or the OOM killer strikes.
KILLER = textwrap.dedent('''
    import os, signal, sys
    import hardgen.core.store as store

    mode, at = os.environ["KILL_MODE"], int(os.environ["KILL_AT"])
    orig = store._atomic_write_bytes
    seen = {"shard": 0, "manifest": 0}

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def half_written_tmp(path, data):
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        with open(tmp, "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()

    def patched(path, data):
        kind = "shard" if path.parent.name == "shards" else "manifest" if path.name == "manifest.json" else "other"
        if kind in seen:
            seen[kind] += 1
        hit = kind in seen and seen[kind] == at
        if hit and mode == "mid_shard_write" and kind == "shard":
            half_written_tmp(path, data); die()
        if hit and mode == "after_shard_rename" and kind == "shard":
            orig(path, data); die()          # shard in place, manifest does not list it yet
        if hit and mode == "mid_manifest_write" and kind == "manifest":
            half_written_tmp(path, data); die()
        if hit and mode == "after_manifest_write" and kind == "manifest":
            orig(path, data); die()
        orig(path, data)

    store._atomic_write_bytes = patched
    from hardgen.cli import main
    main(sys.argv[1:], prog_name="gen")
''')


def _env() -> dict:
    env = dict(os.environ)
    env["HARDGEN_NO_PROGRESS"] = "1"
    return env


def _run(args: list[str], env: dict | None = None, timeout: float = STEP_TIMEOUT,
         script: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(script)] if script else [sys.executable, "-m", "hardgen.cli"]
    return subprocess.run([*cmd, "-q", *args], env=env or _env(), capture_output=True, text=True, timeout=timeout)


def _snapshot(d: Path) -> dict[str, bytes]:
    """Every file of a dataset directory except leftover temporary files (hidden names)."""
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def _assert_same_dataset(got: Path, want: Path) -> None:
    a, b = _snapshot(got), _snapshot(want)
    assert sorted(a) == sorted(b), f"files differ: extra {sorted(set(a) - set(b))}, missing {sorted(set(b) - set(a))}"
    for name in b:
        assert a[name] == b[name], f"{name} differs from the uninterrupted run"
    ids = [json.loads(line)["id"] for p in sorted((got / "shards").glob("*.jsonl")) for line in p.open()]
    assert len(ids) == len(set(ids)), "duplicate ids after resume"
    assert json.loads((got / "manifest.json").read_text())["complete"] is True


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, Path]:
    """Uninterrupted generate and verify outputs (in-process: the same library the CLI calls)."""
    root = tmp_path_factory.mktemp("ref")
    gen = root / "gen"
    generate_dataset(FAMILIES, n=N, out=str(gen), seed=SEED, shard_rows=SHARD_ROWS, workers=1)
    ver = root / "ver"
    verify_dataset(str(gen), str(ver), workers=1)
    return {"gen": gen, "ver": ver, "root": root}


@pytest.fixture(scope="module")
def killer(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("killer") / "killer.py"
    p.write_text(KILLER)
    return p


# (mode, which write of that run) pairs, drawn from a seeded RNG so every run tests the same points; each kill lands
# at most 6 shards into the work that remains, so all five interrupt the 30-shard job before it ends
_rng = random.Random(20261125)
KILL_POINTS = [
    ("mid_shard_write", 1),
    ("mid_shard_write", _rng.randint(2, 6)),
    ("after_shard_rename", _rng.randint(1, 5)),
    ("mid_manifest_write", _rng.randint(2, 6)),   # the first manifest write opens the run
    ("after_manifest_write", _rng.randint(2, 6)),
]


def test_generate_killed_at_seeded_write_points_resumes_to_identical_bytes(tmp_path, reference, killer):
    # one output directory killed repeatedly at increasing points, then finished: every resume must build on
    # whatever the previous crash left
    out = tmp_path / "gen"
    started = time.monotonic()
    for mode, at in KILL_POINTS:
        env = {**_env(), "KILL_MODE": mode, "KILL_AT": str(at)}
        res = _run(["generate", *GEN_ARGS, "-o", str(out)], env=env, script=killer)
        assert res.returncode == -signal.SIGKILL, (mode, at, res.stderr)
        m = json.loads((out / "manifest.json").read_text())
        assert m["complete"] is False
        if mode == "mid_manifest_write":
            # the torn manifest must never have replaced the good one
            assert not any(p.name == "manifest.json" and p.stat().st_size == 0 for p in out.iterdir())
    res = _run(["generate", *GEN_ARGS, "-o", str(out)])
    assert res.returncode == 0, res.stderr
    _assert_same_dataset(out, reference["gen"])
    assert time.monotonic() - started < 30


def test_generate_sigkilled_from_outside_at_random_times_resumes(tmp_path, reference):
    rng = random.Random(7)
    out = tmp_path / "gen"
    started = time.monotonic()
    kills = 0
    for _ in range(3):
        target = rng.randint(1, 25)  # kill once the manifest lists this many shards, plus a random delay
        proc = subprocess.Popen([sys.executable, "-m", "hardgen.cli", "-q", "generate", *GEN_ARGS, "-o", str(out)],
                                env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + STEP_TIMEOUT
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    done = len(json.loads((out / "manifest.json").read_text())["shards"])
                except (OSError, ValueError, KeyError):
                    done = 0
                if done >= target:
                    time.sleep(rng.uniform(0, 0.02))
                    os.killpg(proc.pid, signal.SIGKILL)
                    kills += 1
                    break
                time.sleep(0.002)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            proc.stderr.close()
    assert kills >= 1, "the job always finished before the kill: make it bigger"
    res = _run(["generate", *GEN_ARGS, "-o", str(out)])
    assert res.returncode == 0, res.stderr
    _assert_same_dataset(out, reference["gen"])
    assert time.monotonic() - started < 30


def test_verify_killed_mid_shard_and_after_rename_resumes_to_identical_bytes(tmp_path, reference, killer):
    out = tmp_path / "ver"
    src = str(reference["gen"])
    for mode, at in [("mid_shard_write", 3), ("after_shard_rename", 9), ("mid_manifest_write", 14)]:
        env = {**_env(), "KILL_MODE": mode, "KILL_AT": str(at)}
        res = _run(["verify", src, "-o", str(out), "-w", "1"], env=env, script=killer)
        assert res.returncode == -signal.SIGKILL, (mode, res.stderr)
    res = _run(["verify", src, "-o", str(out), "-w", "1"])
    assert res.returncode == 0, res.stderr
    _assert_same_dataset(out, reference["ver"])


def test_verify_with_a_process_pool_sigkilled_resumes(tmp_path, reference):
    out = tmp_path / "ver"
    src = str(reference["gen"])
    proc = subprocess.Popen([sys.executable, "-m", "hardgen.cli", "-q", "verify", src, "-o", str(out), "-w", "2"],
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + STEP_TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if len(json.loads((out / "manifest.json").read_text())["shards"]) >= 5:
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.002)
    finally:
        # the whole process group: the parent and its pool workers die together
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, "verify finished before it could be killed"
    assert json.loads((out / "manifest.json").read_text())["complete"] is False
    res = _run(["verify", src, "-o", str(out), "-w", "2"])
    assert res.returncode == 0, res.stderr
    _assert_same_dataset(out, reference["ver"])


def _flip_bytes(p: Path, rng: random.Random, k: int = 3) -> None:
    data = bytearray(p.read_bytes())
    for _ in range(k):
        i = rng.randrange(len(data))
        data[i] ^= 0x01  # keeps the size, so only the hash can tell
    p.write_bytes(bytes(data))


def test_corrupted_and_truncated_shards_are_detected_and_redone(tmp_path, reference):
    import shutil

    out = tmp_path / "gen"
    shutil.copytree(reference["gen"], out)
    rng = random.Random(3)
    shards = sorted((out / "shards").glob("*.jsonl"))
    flipped, truncated, deleted = shards[2], shards[17], shards[25]
    _flip_bytes(flipped, rng)
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 3])
    deleted.unlink()
    assert _snapshot(out) != _snapshot(reference["gen"])
    res = _run(["generate", *GEN_ARGS, "-o", str(out)])
    assert res.returncode == 0, res.stderr
    _assert_same_dataset(out, reference["gen"])


def test_corrupted_verify_output_is_redone(tmp_path, reference):
    import shutil

    out = tmp_path / "ver"
    shutil.copytree(reference["ver"], out)
    shard = sorted((out / "shards").glob("*.jsonl"))[4]
    # an edit that keeps the JSON valid and the length equal: a flipped validity verdict
    text = shard.read_text()
    assert '"status":"valid"' in text
    shard.write_text(text.replace('"status":"valid"', '"status":"VALID"', 1))
    res = _run(["verify", str(reference["gen"]), "-o", str(out), "-w", "1"])
    assert res.returncode == 0, res.stderr
    _assert_same_dataset(out, reference["ver"])
