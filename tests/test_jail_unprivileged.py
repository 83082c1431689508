"""The jail as an ordinary user (no root, no writable cgroup): user namespaces and rlimits do the work.

Run as root, the test drops to uid 65534 with setpriv and starts a jailed worker there with the audit hook off;
the worker's attacks must fail exactly as they do for root. Skipped where that is not possible (not root, no
setpriv, or no interpreter the unprivileged user may run).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import hardgen

SETPRIV = shutil.which("setpriv")
USER = ["--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env"]

SCRIPT = r'''
import json, sys
sys.path.insert(0, PKG_PARENT)
from hardgen.core.jail import LimitedWorker, Limits
ATTACK = """
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
r = {"uid": os.getuid(), "root": sorted(os.listdir("/"))}
try:
    r["secret"] = open(SECRET).read()
except OSError as e:
    r["secret"] = type(e).__name__
r["setns"] = [libc.setns(os.open("/proc/1/ns/net", os.O_RDONLY), 0), ctypes.get_errno()]
r["unshare"] = [libc.unshare(0x10000000), ctypes.get_errno()]
n = 0
try:
    for _ in range(300):
        if os.fork() == 0:
            import time; time.sleep(30); os._exit(0)
        n += 1
except OSError as e:
    r["fork"] = [n, type(e).__name__]
r["kill_parent"] = [libc.kill(os.getppid(), 9), ctypes.get_errno()]
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    r["net"] = "connected"
except OSError as e:
    r["net"] = type(e).__name__
"""
with LimitedWorker(Limits.untrusted(timeout_s=20, memory_mb=512, confine=False)) as w:
    iso = w.isolation()
    ns = {"SECRET": SECRET}
    out = w.run(eval, "(lambda ns: (exec(%r, ns), ns['r'])[1])(%r)" % (ATTACK, ns))
    mem = w.run(eval, "len(bytearray(40 * 1024 ** 3))")
print(json.dumps({"uid": __import__("os").getuid(), "iso": iso, "status": out.status, "value": out.value,
                  "error": out.error, "mem": mem.status}))
'''


def _python_for(user: list[str], pkg_parent: str) -> str | None:
    """An interpreter with which the user can make a jail (one under a root-only home cannot be shown in it)."""
    code = f"import sys; sys.path.insert(0, {pkg_parent!r}); from hardgen.core.isolation import jail_status; " \
           "print(jail_status().available)"
    for py in (sys.executable, "/usr/bin/python3"):
        try:
            res = subprocess.run([SETPRIV, *user, py, "-c", code], capture_output=True, text=True, timeout=60,
                                 cwd="/")
        except (OSError, subprocess.SubprocessError):
            continue
        if res.returncode == 0 and res.stdout.strip() == "True":
            return py
    return None


@pytest.mark.skipif(os.geteuid() != 0 or SETPRIV is None, reason="needs root and setpriv to become a plain user")
def test_jail_holds_for_an_ordinary_user():
    # pytest's tmp_path sits in a directory only root may enter; the user needs one of its own
    tmp_path = Path(tempfile.mkdtemp(prefix="hardgen-unpriv-test-"))
    try:
        _run_as_user(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _run_as_user(tmp_path: Path) -> None:
    # the checkout is the package under whatever name it was cloned to: the user imports it through a link
    tmp_path.chmod(0o755)
    pkg_parent = str(tmp_path / "pkg")
    os.mkdir(pkg_parent)
    os.symlink(os.path.dirname(os.path.abspath(hardgen.__file__)), os.path.join(pkg_parent, "hardgen"))
    py = _python_for(USER, pkg_parent)
    if py is None:
        pytest.skip("no interpreter with which an unprivileged user can make a jail here (user namespaces off, "
                    "or hardgen/the interpreter unreadable for other users)")
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2")
    secret.chmod(0o644)  # readable by the user outside the jail: only the jail hides it
    script = tmp_path / "run.py"
    script.write_text(f"PKG_PARENT = {pkg_parent!r}\nSECRET = {str(secret)!r}\n" + SCRIPT)
    script.chmod(0o644)
    proc = subprocess.Popen([SETPRIV, *USER, py, str(script)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=180)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, err[-2000:]
    res = json.loads(out.strip().splitlines()[-1])
    assert res["uid"] == 65534 and res["iso"]["jail"] and res["iso"]["cgroup"] == {}  # rlimits, no cgroup
    assert res["status"] == "ok", res
    v = res["value"]
    assert v["uid"] == 65534 and "tmp" in v["root"] and "home" not in v["root"]
    assert v["secret"] == "FileNotFoundError"
    # kill_parent reaches only the jail's own init (which ignores it): the worker answered, the host is untouched
    assert v["setns"] == [-1, 1] and v["unshare"] == [-1, 1]
    assert v["fork"][1] == "BlockingIOError" and v["fork"][0] < 40  # RLIMIT_NPROC per user namespace
    assert v["net"] == "ConnectionRefusedError"
    assert res["mem"] == "memory"
