"""The kernel jail's parts: the seccomp program, the read-only view, the JSON result channel, limits and cleanup."""

import os
import struct
import time
from pathlib import Path

import pytest

from hardgen.core.isolation import DENIED_SYSCALLS, jail_command, jail_status, seccomp_filter
from hardgen.core.jail import LimitedWorker, Limits, ProgramError

jailed = pytest.mark.skipif(not jail_status().available, reason="no kernel jail here: " + jail_status().reason)


def _kernel_only(**kw):
    """A jailed worker with the audit hook off: what holds is the kernel."""
    return LimitedWorker(Limits.untrusted(confine=False, jail="require", **{"timeout_s": 5, "memory_mb": 512, **kw}))


def test_seccomp_program_shape():
    prog = seccomp_filter("x86_64")
    assert len(prog) % 8 == 0
    ins = [struct.unpack("=HBBI", prog[i:i + 8]) for i in range(0, len(prog), 8)]
    assert ins[0] == (0x20, 0, 0, 4) and ins[1][3] == 0xC000003E  # the architecture is checked first
    assert ins[-1] == (0x06, 0, 0, 0x7FFF0000)  # default: allow
    denied = {k for code, _, _, k in ins if code == 0x15}
    assert {308, 272, 101, 434, 424, 438, 310, 311, 321, 250, 246, 320, 175, 313, 169, 165} <= denied
    assert len(seccomp_filter("aarch64")) > 0
    with pytest.raises(OSError):
        seccomp_filter("mips")
    assert {"setns", "unshare", "mount", "ptrace", "bpf", "keyctl", "reboot", "init_module"} <= set(DENIED_SYSCALLS)


def test_view_is_read_only_and_hides_home():
    cmd = jail_command(["/bin/true"], import_path=[], seccomp_fd=9)
    binds = {cmd[i + 1] for i, a in enumerate(cmd) if a == "--bind"}
    assert binds == set()  # nothing of the host is writable
    assert "--unshare-all" in cmd and "--unshare-user" in cmd and "--die-with-parent" in cmd
    ro = {cmd[i + 1] for i, a in enumerate(cmd) if a == "--ro-bind"}
    assert not any(p in ("/", "/home", "/etc", "/root", "/work") for p in ro)


@jailed
def test_kernel_layers_without_the_hook():
    with _kernel_only() as w:
        iso = w.isolation()
        assert iso["jail"] and iso["uid"] == 65534 and iso["netns"] and not iso["audit_hook"]
        status = w.call(eval, "open('/proc/self/status').read()")
        assert "NoNewPrivs:\t1" in status and "Seccomp:\t2" in status and "CapEff:\t0000000000000000" in status
        assert w.call(eval, "sorted(x for x in __import__('os').listdir('/proc') if x.isdigit())") == ["1", "2"]
        out = w.run(exec, "open('/etc/passwd').read()")
        assert out.status == "raised" and isinstance(out.value, FileNotFoundError)
        out = w.run(exec, "open('/usr/lib/evil', 'w')")
        assert out.status == "raised" and isinstance(out.value, OSError)  # read-only view


@jailed
def test_forged_frame_is_rejected_and_the_worker_replaced():
    code = """
import os, struct, json
b = json.dumps({'seq': 7, 'kind': 'ok', 'value': 'forged'}).encode()
for fd in range(3, 12):
    try:
        os.write(fd, struct.pack('!Q', len(b)) + b)
    except OSError:
        pass
"""
    with _kernel_only() as w:
        out = w.run(exec, code)
        assert out.status == "error" and "out-of-order" in out.error
        assert w.call(pow, 2, 5) == 32 and w.restarts == 1


@jailed
def test_garbage_and_oversized_frames():
    with _kernel_only() as w:
        out = w.run(exec, "import os; os.write(3, b'\\xff' * 8); os.write(3, b'x' * 64)")
        assert out.status in ("error", "crashed", "raised")
        assert w.call(len, "ok") == 2
        out = w.run(exec, "import os; os.write(3, (50).to_bytes(8, 'big') + b'[' * 50)")
        assert out.status in ("error", "raised")
        assert w.call(len, "abc") == 3


@jailed
def test_exception_text_is_bounded_and_never_rebuilt():
    with _kernel_only() as w:
        t0 = time.monotonic()
        out = w.run(exec, "class Evil(Exception):\n    pass\nx = []\nfor _ in range(60):\n    x = [x, x]\n"
                          "raise Evil(x)")
        assert out.status in ("raised", "timeout", "memory") and time.monotonic() - t0 < 30
        if out.status == "raised":
            assert isinstance(out.value, ProgramError) and out.value.type_name == "Evil"
        out = w.run(exec, "raise ValueError('x' * 10 ** 6 + '\\nsecond line')")
        assert isinstance(out.value, ValueError) and len(str(out.value)) <= 500 and "\n" not in out.error
        out = w.run(exec, "raise SystemExit(3)")  # never re-raised as SystemExit in the parent
        assert out.status == "raised" and isinstance(out.value, ProgramError)


@jailed
def test_results_are_json_only():
    with _kernel_only() as w:
        assert w.call(eval, "{'a': [1, 2.5, None, 'x']}") == {"a": [1, 2.5, None, "x"]}
        out = w.run(eval, "float('nan')")
        assert out.status == "error" and "not JSON data" in out.error
        out = w.run(eval, "object()")
        assert out.status == "error" and "not JSON data" in out.error


@jailed
def test_limits_and_cleanup():
    w = _kernel_only(max_processes=16)
    iso = w.isolation()
    out = w.run(eval, "bytearray(40 * 1024 ** 3)")
    assert out.status == "memory"
    out = w.run(exec, "import os, time\nfor _ in range(200):\n    if os.fork() == 0:\n        time.sleep(60)\n")
    assert out.status == "raised" and isinstance(out.value, BlockingIOError)
    out = w.run(exec, "open('/tmp/big', 'wb').write(b'x' * (200 << 20))")  # over RLIMIT_FSIZE / the tmpfs size
    assert out.status == "raised" and isinstance(out.value, OSError)
    out = w.run(exec, "while True: pass")
    assert out.status == "timeout"
    w.isolation()
    dirs = list(w.isolation()["cgroup"].values())
    w.close()
    assert all(not Path(d).exists() for d in dirs)
    assert iso["jail"]


@jailed
def test_interpreter_under_tmp(tmp_path):
    """A venv under /tmp (as CI runners make them) is shown on top of the jail's own /tmp, not hidden by it."""
    import subprocess
    import sys

    import hardgen
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True,
                   timeout=120)
    code = ("from hardgen.core.jail import LimitedWorker, Limits\n"
            "with LimitedWorker(Limits.untrusted(timeout_s=20)) as w:\n"
            "    print(w.isolation()['jail'], w.call(pow, 3, 4))\n")
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(hardgen.__file__))}
    res = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0 and res.stdout.split() == ["True", "81"], res.stderr[-1500:]


@jailed
def test_worker_started_in_a_short_lived_thread_survives_it():
    # the jail dies with the thread that forked it (parent-death signal), so jails are forked on a lasting thread
    import threading
    with _kernel_only() as w:
        t = threading.Thread(target=lambda: w.call(pow, 2, 3))
        t.start()
        t.join()
        time.sleep(0.3)
        assert w.call(pow, 2, 4) == 16 and w.restarts == 0


@jailed
def test_cgroup_memory_cap_binds_across_processes():
    # RLIMIT_AS is per process: eight children of 60 MB each stay under it, but not under the cgroup's cap
    code = """
import os, signal, time
pids = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        b = b'x' * (60 << 20)
        time.sleep(3)
        os._exit(0)
    pids.append(pid)
killed = sum(1 for p in pids if os.waitpid(p, 0)[1] & 0x7f == signal.SIGKILL)
"""
    with _kernel_only(memory_mb=128, max_processes=16, timeout_s=30) as w:
        if not any(k in w.isolation()["cgroup"] for k in ("memory", "v2")):
            pytest.skip("no writable memory cgroup here")
        killed = w.call(eval, "(lambda ns: (exec(%r, ns), ns['killed'])[1])({})" % code)
        assert killed >= 1 and w._cgroup.oom_killed()


@jailed
def test_cgroup_cpu_quota_binds_across_threads_and_processes():
    # two processes spinning for one second of wall time get half a core between them, not two
    code = """
import os, time
t0 = time.monotonic()
pid = os.fork()
while time.monotonic() - t0 < 1.0:
    pass
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
t = os.times()
used = t.user + t.system + t.children_user + t.children_system
"""
    with _kernel_only(cpus=0.5, max_processes=16, timeout_s=30) as w:
        cg = w.isolation()["cgroup"]
        if "cpu" not in cg and "v2" not in cg:
            pytest.skip("no writable cpu cgroup here")
        files = {"cpu": ("cpu.cfs_quota_us", "50000"), "v2": ("cpu.max", "50000 100000")}
        kind = "cpu" if "cpu" in cg else "v2"
        fname, want = files[kind]
        if not os.path.exists(os.path.join(cg[kind], fname)):
            pytest.skip("the cpu controller is not enabled for this cgroup")
        assert Path(cg[kind], fname).read_text().strip() == want
        used = w.call(eval, "(lambda ns: (exec(%r, ns), ns['used'])[1])({})" % code)
        assert used < 0.85, used  # 2.0 without the quota on an idle two-core machine


def test_limits_reject_a_bad_cpu_share():
    with pytest.raises(ValueError, match="cpus"):
        Limits(cpus=-1)
