"""Hostile code in the sandbox: each attack is contained, reported, and the stage around it goes on."""

import os
import socket
import time
from pathlib import Path

import pytest

from hardgen.generators.efa import load_efa_family
from hardgen.stages.generate import generate_dataset
from hardgen.core.jail import LimitedWorker, Limits, SandboxViolation
from hardgen.core.store import open_dataset
from hardgen.stages.verify import verify_dataset

# Forks at most 300 times even if nothing stops it; children sleep, so a leak would be visible.
FORK_LOOP = '''
import os, time
n, err = 0, None
for i in range(300):
    try:
        pid = os.fork()
    except OSError as e:
        err = type(e).__name__
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    n += 1
raise RuntimeError(f"forked={n} err={err}")
'''


@pytest.fixture(scope="module")
def worker():
    with LimitedWorker(Limits.untrusted(timeout_s=2, memory_mb=512)) as w:
        yield w


def test_layers_report(worker):
    iso = worker.isolation()
    assert iso["process_group"] and iso["audit_hook"] and iso["clean_env"]
    if iso["jail"]:  # the kernel jail: uid 65534 in its own namespaces; RLIMIT_NPROC counts its user namespace
        assert iso["uid"] == 65534 and iso["netns"] and iso["rlimit_nproc"] and iso["temp_workdir"] is None
    else:
        assert iso["temp_workdir"]
        if os.geteuid() == 0:
            assert iso["rlimit_nproc"] is False  # root ignores RLIMIT_NPROC: the other layers must do the work


def test_infinite_loop_times_out(worker):
    out = worker.run(exec, "while True: pass")
    assert out.status == "timeout" and out.seconds < 30  # killed, not left running
    assert worker.call(pow, 2, 3) == 8


def test_fork_denied_by_the_audit_hook(worker):
    out = worker.run(exec, FORK_LOOP)
    assert out.status == "raised" and "forked=0 err=SandboxViolation" in str(out.value)
    out = worker.run(exec, "import os; os.fork()")
    assert isinstance(out.value, SandboxViolation) and "os.fork" in str(out.value)


def test_fork_loop_without_the_hook_is_bounded_and_killed():
    # the audit hook off: the pids cgroup (where writable) caps the loop, and closing kills the whole group
    lim = Limits(timeout_s=5, memory_mb=512, max_processes=20)
    w = LimitedWorker(lim)
    cgroup = w.isolation()["cgroup_pids"]
    pgid = w.pid
    out = w.run(exec, FORK_LOOP)
    assert out.status == "raised"
    forked = int(str(out.value).split("forked=")[1].split()[0])
    if cgroup is not None:
        assert forked < 20 and "BlockingIOError" in str(out.value)
    w.close()
    time.sleep(0.2)
    assert _live_members(pgid) == []  # killed ones may linger as zombies until PID 1 reaps them
    if cgroup is not None:
        assert not Path(cgroup).exists()


def _live_members(pgid: int) -> list[int]:
    live = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                live.append(int(d.name))
    return live


def test_huge_allocation_is_memory(worker):
    out = worker.run(eval, "bytearray(50 * 1024 ** 3)")
    assert out.status == "memory"
    assert worker.call(len, "ok") == 2


def test_socket_to_localhost_is_blocked():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(0.5)
    port = srv.getsockname()[1]
    code = f"import socket; s = socket.socket(); s.settimeout(1); s.connect(('127.0.0.1', {port}))"
    try:
        with LimitedWorker(Limits.untrusted(timeout_s=3)) as w:
            out = w.run(exec, code)
            assert out.status == "raised" and "socket" in str(out.value)
        # without the hook, the empty network namespace alone stops it where the kernel allows one
        with LimitedWorker(Limits(timeout_s=3, memory_mb=512, network=False)) as w:
            netns = w.isolation()["netns"]
            out = w.run(exec, code)
            if netns:
                assert out.status == "raised" and isinstance(out.value, OSError)
        with pytest.raises(socket.timeout):
            srv.accept()  # nobody got through
    finally:
        srv.close()


def test_writes_and_deletes_outside_are_denied(worker, tmp_path):
    victim = tmp_path / "keep.txt"
    victim.write_text("precious")
    target = tmp_path / "dropped.txt"
    for code in (f"open({str(target)!r}, 'w').write('x')", f"import os; os.remove({str(victim)!r})",
                 f"import os; os.rename({str(victim)!r}, {str(target)!r})",
                 f"import shutil; shutil.rmtree({str(tmp_path)!r})"):
        out = worker.run(exec, code)
        # the audit hook says PermissionError; in the jail the host path is not even there (FileNotFoundError)
        assert out.status == "raised" and isinstance(out.value, OSError), (code, out)
    assert victim.read_text() == "precious" and not target.exists()
    assert worker.call(exec, "open('inside.txt', 'w').write('fine')") is None  # its own directory is writable


def test_environment_secret_is_not_visible(monkeypatch):
    monkeypatch.setenv("HG_TEST_SECRET", "hunter2")
    with LimitedWorker(Limits.untrusted(timeout_s=3)) as w:
        assert w.call(eval, "__import__('os').environ.get('HG_TEST_SECRET')") is None
        out = w.run(eval, "open('/proc/%d/environ' % __import__('os').getppid(), 'rb').read()")
        assert out.status == "raised" and isinstance(out.value, PermissionError)


HOSTILE_VERIFY = {
    "loop": "while True:\n        pass",
    "fork": "import os\n    for _ in range(300):\n        os.fork()",
    "alloc": "x = bytearray(50 * 1024 ** 3)",
    "socket": "import socket\n    socket.create_connection(('127.0.0.1', 9), timeout=1)",
    "write": f"open({str(Path(__file__).parent / 'hardgen_hostile_write.txt')!r}, 'w').write('x')",
    "env": "import os\n    assert os.environ.get('HG_TEST_SECRET') == 'hunter2', 'no secret'",
}

PROGRAM = '''
FAMILY_NAME = "hostile_{name}"
SEED_PARAMS = {{"a": 1}}
CHECK = {{"timeout_s": 1, "memory_mb": 512}}

def sample(rng):
    return {{"a": rng.randint(1, 10 ** 6)}}

def render(p):
    return f"What is {{p['a']}} + 1? Answer in \\\\boxed{{{{}}}}."

def solve(p):
    return p["a"] + 1

def verify(p, answer):
    {body}
    return True
'''


def test_hostile_rows_marked_invalid_and_the_stage_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("HG_TEST_SECRET", "hunter2")
    fams = []
    for name, body in HOSTILE_VERIFY.items():
        f = tmp_path / f"{name}.py"
        f.write_text(PROGRAM.format(name=name, body=body))
        # check=False: these would be rejected by check_efa; here they reach rows so verify meets them
        fams.append(load_efa_family(f, check=False).name)
    good = load_efa_family(Path(__file__).resolve().parents[1] / "examples" / "efa" / "modular_inverse.py").name
    src = generate_dataset(fams + [good], n=2, out=str(tmp_path / "raw"), seed=1, workers=1)
    s = verify_dataset(src["path"], str(tmp_path / "ver"), workers=1)
    rows = list(open_dataset(s["path"]))
    by_fam = {}
    for r in rows:
        by_fam.setdefault(r["family"], []).append(r["validity"])
    assert all(v["status"] == "valid" for v in by_fam[good])
    expect = {"loop": "timeout", "fork": "os.fork", "alloc": "memory", "socket": "socket",
              "write": "outside the working directory", "env": "no secret"}
    for name, word in expect.items():
        vals = by_fam[f"efa.hostile_{name}"]
        assert len(vals) == 2
        for v in vals:
            assert v["status"] == "invalid" and word in v["reason"], (name, v)
    assert not (Path(__file__).parent / "hardgen_hostile_write.txt").exists()
