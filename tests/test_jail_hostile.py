"""Hostile EFA programs against `gen generate efa:FILE` and `gen verify`: the kernel jail holds with the audit hook
disabled by the program itself, rows that break the contract are rejected with a reason, nothing leaks or lingers.

Every `gen` run here is a subprocess under outer limits of its own (wall clock, CPU seconds, file size, address
space, its own session killed by pid afterwards), so a failure of the jail cannot take the machine down.
"""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

import hardgen
from hardgen.core.isolation import jail_status

pytestmark = pytest.mark.skipif(not jail_status().available, reason="no kernel jail here: " + jail_status().reason)

# Replaces the sandbox's audit hook's code with a no-op, the way an attacker found it (gc + __code__): after this
# only the kernel stands between the program and the host.
UNHOOK = '''
import gc, types
def _unhook():
    n = 0
    for f in gc.get_objects():
        if type(f) is types.FunctionType and f.__name__ == "hook" and "jail" in f.__code__.co_filename:
            fv = f.__code__.co_freevars
            src = "def outer():\\n" + "".join(f"    {v} = None\\n" for v in fv) + "    def hook(event, args):\\n"
            src += ("        (" + ", ".join(fv) + ",)\\n" if fv else "") + "        return None\\n    return hook\\n"
            ns = {}
            exec(src, ns)
            f.__code__ = ns["outer"]().__code__
            n += 1
    return n
HOOKS_OFF = _unhook()
try:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    HOOK = "hook=off"
except Exception as e:
    HOOK = "hook=on"
'''

INTERFACE = '''
SEED_PARAMS = {"a": 1}

def sample(rng):
    return {"a": rng.randint(1, 10 ** 6)}

def solve(p):
    return p["a"] + 1

def render(p):
    return f"What is {p['a']} + 1? [{LEAK}] Put the answer in \\\\boxed{{}}."
'''

KERNEL_ATTACKS = '''
import os, socket, subprocess, signal, time
R = []
def attempt(name, fn):
    try:
        R.append(f"{name}=" + str(fn())[:60])
    except BaseException as e:
        R.append(f"{name}:{type(e).__name__}")

print("HGMARK-stdout"); os.write(1, b"HGMARK-fd1"); os.write(2, b"HGMARK-fd2")
attempt("secret", lambda: open(SECRET_FILE).read())
attempt("env", lambda: os.environ.get("HG_TEST_SECRET"))
attempt("penv", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read().count(b"hunter2"))
attempt("init_env", lambda: open("/proc/1/environ", "rb").read().count(b"hunter2"))
def dirfd_read():
    fd = os.open(f"/proc/{os.getpid()}", os.O_RDONLY)
    return os.read(os.open("root" + SECRET_FILE, os.O_RDONLY, dir_fd=fd), 100)
attempt("dirfd_read", dirfd_read)
def dirfd_write():
    fd = os.open(f"/proc/{os.getpid()}", os.O_RDONLY)
    os.chdir(fd)
    return os.write(os.open("root" + DROP_FILE, os.O_WRONLY | os.O_CREAT, dir_fd=fd), b"x")
attempt("dirfd_write", dirfd_write)
attempt("write", lambda: open(DROP_FILE, "w").write("x"))
attempt("system", lambda: os.system(f"touch {DROP_FILE}"))
attempt("subprocess", lambda: subprocess.run(["/bin/sh", "-c", f"touch {DROP_FILE}"]).returncode)
attempt("connect", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=1))
def setns_connect():
    fd = os.open("/proc/1/ns/net", os.O_RDONLY)
    r = libc.setns(fd, 0)
    if r != 0:
        return f"setns-errno{ctypes.get_errno()}"
    return socket.create_connection(("127.0.0.1", PORT), timeout=1)
attempt("setns", setns_connect)
attempt("unshare", lambda: (libc.unshare(0x10000000), ctypes.get_errno()))
attempt("ptrace", lambda: (libc.ptrace(16, 1, 0, 0), ctypes.get_errno()))
attempt("pidfd", lambda: signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL))
attempt("kill_parent", lambda: os.kill(os.getppid(), signal.SIGKILL))
attempt("kill_all", lambda: os.kill(-1, 0))
attempt("uid", os.getuid)
attempt("procs", lambda: len([d for d in os.listdir("/proc") if d.isdigit()]))
attempt("tmpfill", lambda: open("/tmp/fill", "wb").write(b"x" * (10 << 20)))
def daemon():
    # a setsid daemon that would outlive gen, named so the test can look for it on the host
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            libc.prctl(15, TOKEN.encode(), 0, 0, 0)
            while True:
                time.sleep(1)
        os._exit(0)
    os.waitpid(pid, 0)
    return "spawned"
attempt("daemon", daemon)
def forkbomb():
    n = 0
    for _ in range(500):
        try:
            if os.fork() == 0:
                libc.prctl(15, TOKEN.encode(), 0, 0, 0)
                time.sleep(60)
                os._exit(0)
            n += 1
        except OSError as e:
            return f"stopped:{type(e).__name__}"
    return "unbounded"
attempt("forkbomb", forkbomb)
LEAK = HOOK + " " + " ".join(R)
'''


def _outer_limits():
    resource.setrlimit(resource.RLIMIT_CPU, (240, 240))
    resource.setrlimit(resource.RLIMIT_FSIZE, (512 << 20, 512 << 20))
    resource.setrlimit(resource.RLIMIT_AS, (24 << 30, 24 << 30))


def _gen(args: list[str], cwd: Path, env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    """`gen ARGS` under outer limits."""
    return _run_outer([sys.executable, "-c", "from hardgen.cli import main; main()", *args], cwd, env, timeout)


def _run_outer(cmd: list[str], cwd: Path, env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    """A command under outer limits (wall clock, CPU, file size, address space); its session is killed by pid."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_outer_limits)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd[-4:])} hung for {timeout} s (killed)")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _procs_named(token: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if d.joinpath("comm").read_text().strip() == token:
                    found.append(int(d.name))
            except OSError:
                pass
    return found


def _leftovers() -> set[str]:
    """Jail cgroups whose owner process is gone (a jail makes no host temp directory at all). Cgroups of live
    owners belong to runs still going (other tests on the machine), so they do not count."""
    out = set()
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory"):
        for p in Path(root).glob("**/hardgen-jail-*") if root.endswith("memory") else Path(root).glob("hardgen-jail-*"):
            try:
                os.kill(int(p.name.split("-")[2]), 0)
            except ProcessLookupError:
                out.add(str(p))
            except (ValueError, IndexError, PermissionError):
                pass
    return out


@pytest.fixture
def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith("HARDGEN_")}
    e.update(HG_TEST_SECRET="hunter2", HARDGEN_NO_PROGRESS="1",
             PYTHONPATH=os.path.dirname(os.path.dirname(hardgen.__file__)))
    return e


@pytest.fixture
def server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            hits.append(1)
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1], hits
    stop.set()
    t.join(2)
    srv.close()


def test_kernel_holds_after_the_program_removes_the_audit_hook(tmp_path, env, server):
    port, hits = server
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2-file")
    drop = tmp_path / "dropped.txt"
    token = "hg" + uuid.uuid4().hex[:10]
    before = _leftovers()
    prog = tmp_path / "kernel.py"
    prog.write_text(f"SECRET_FILE = {str(secret)!r}\nDROP_FILE = {str(drop)!r}\nPORT = {port}\n"
                    f"TOKEN = {token!r}\n" + UNHOOK + KERNEL_ATTACKS + INTERFACE)
    gen = _gen(["generate", f"efa:{prog}", "-n", "6", "-w", "2", "-o", str(tmp_path / "raw"), "--json"], tmp_path, env)
    assert gen.returncode == 0, gen.stderr[-2000:]
    ver = _gen(["verify", str(tmp_path / "raw"), "-o", str(tmp_path / "ver"), "-w", "2", "--json"], tmp_path, env)
    assert ver.returncode == 0, ver.stderr[-2000:]
    assert json.loads(ver.stdout)["counts"]["valid"] == 6
    for res in (gen, ver):
        assert "Traceback" not in res.stderr and "HGMARK" not in res.stdout + res.stderr
    prompts = [json.loads(line)["prompt"] for p in (tmp_path / "raw").rglob("*.jsonl") for line in p.open()]
    leak = prompts[0]
    assert "hook=off" in leak  # the program really disabled the in-process guard: what held is the kernel
    assert "hunter2" not in leak
    for probe in ("secret:FileNotFoundError", "dirfd_read:FileNotFoundError", "env=None", "init_env=0",
                  "uid=65534", "procs=2", "connect:ConnectionRefusedError", "setns=setns-errno1", "unshare=(-1, 1)",
                  "ptrace=(-1, 1)", "pidfd:PermissionError", "system=", "subprocess:FileNotFoundError",
                  "forkbomb=stopped:BlockingIOError", "tmpfill=10485760", "penv=0"):
        assert probe in leak, (probe, leak)
    assert "system=0" not in leak
    assert not drop.exists() and hits == []
    assert _procs_named(token) == []  # daemons and fork-bomb children died with their jail
    assert _leftovers() <= before


BAD_PROGRAMS = {
    # what the program does -> a word of the one-line reason gen prints (exit 2: no row can be made)
    "check_nan": ('CHECK = {"timeout_s": "nan"}', "CHECK['timeout_s']"),
    "check_many": ('CHECK = {"samples": "many"}', "CHECK['samples']"),
    "check_none": ('CHECK = {"min_distinct": None}', "CHECK['min_distinct']"),
    "check_float_nan": ('CHECK = {"memory_mb": float("nan")}', "not JSON data"),
    "exp_repr": ('class E(Exception):\n    pass\nx = []\nfor _ in range(60):\n    x = [x, x]\n'
                 'def solve(p):\n    raise E(x)\n', ("timeout", "memory", "raised E")),
    "forged_frame": (UNHOOK + '''
import os, json, struct
def solve(p):
    for fd in range(3, 64):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                body = json.dumps({"seq": 999, "kind": "ok", "value": "[\\"{}\\", \\"1\\", \\"x\\"]"}).encode()
                os.write(fd, struct.pack("!Q", len(body)) + body)
        except OSError:
            pass
    return p["a"] + 1
''', "forged"),
    "memory_bomb": ('def solve(p):\n    return len(bytearray(60 * 1024 ** 3))\n', "memory"),
    "hang": ('import time\ndef solve(p):\n    while True:\n        pass\n', "timeout"),
    "crash": ('import os\ndef solve(p):\n    os._exit(3)\n', "crashed"),
}


@pytest.mark.parametrize("name", sorted(BAD_PROGRAMS))
def test_contract_breakers_are_rejected_with_one_line(tmp_path, env, name):
    body, word = BAD_PROGRAMS[name]
    prog = tmp_path / f"{name}.py"
    # the program's own definitions come after the interface, so they replace it
    prog.write_text("LEAK = ''\n" + INTERFACE + "\n" + body)
    if "CHECK =" not in body:
        prog.write_text(prog.read_text() + '\nCHECK = {"timeout_s": 2, "memory_mb": 512}\n')
    before = _leftovers()
    res = _gen(["generate", f"efa:{prog}", "-n", "2", "-w", "1", "-o", str(tmp_path / "raw")], tmp_path, env,
               timeout=180)
    assert res.returncode == 2, (res.returncode, res.stdout[-500:], res.stderr[-1500:])
    lines = res.stderr.strip().splitlines()
    words = (word,) if isinstance(word, str) else word
    assert len(lines) == 1 and lines[0].startswith("error: ") and any(w in lines[0] for w in words), lines
    assert "Traceback" not in res.stderr
    assert _leftovers() <= before


def test_refuses_without_a_jail_unless_trusted(tmp_path, env):
    prog = Path(__file__).resolve().parents[1] / "examples" / "efa" / "quadratic.py"
    env = {**env, "HARDGEN_BWRAP": "/nonexistent/bwrap"}
    res = _gen(["generate", f"efa:{prog}", "-n", "2", "-o", str(tmp_path / "a")], tmp_path, env)
    assert res.returncode == 2 and res.stderr.startswith("error: cannot isolate untrusted programs")
    assert "--trust-programs" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = _gen(["generate", f"efa:{prog}", "-n", "2", "-o", str(tmp_path / "b"), "--trust-programs"], tmp_path, env)
    assert res.returncode == 0, res.stderr[-1500:]
    # gen verify refuses too, rather than marking every row unknown
    res = _gen(["verify", str(tmp_path / "b"), "-o", str(tmp_path / "bv")], tmp_path, env)
    assert res.returncode == 2 and res.stderr.startswith("error: cannot isolate untrusted programs")
    res = _gen(["verify", str(tmp_path / "b"), "-o", str(tmp_path / "bv"), "--trust-programs", "--json"], tmp_path,
               env)
    assert res.returncode == 0 and json.loads(res.stdout)["counts"]["valid"] == 2


REWARD_SCRIPT = r'''
import json, sys
from hardgen.llmgen.efa_author import author_efas, efa_reward
from hardgen.models.base import Rollout, Solver
PROGRAM = open(sys.argv[1]).read()
COMPLETION = "Here:\n```python\n" + PROGRAM + "\n```"

class Scripted(Solver):
    def solve(self, records, k=1, seed=0):
        return [[Rollout(COMPLETION)] * k for _ in records]

rewards = efa_reward([COMPLETION] * 2, problem=["What is 1 + 1?"] * 2, answer=["2"] * 2, **json.loads(sys.argv[3]))
summary = author_efas(Scripted(), [{"problem": "What is 1 + 1?", "answer": "2"}], sys.argv[2], k=2)
print("RESULT " + json.dumps({"rewards": rewards, "attempts": summary["attempts"]}))
'''


def test_reward_and_authoring_against_a_hostile_completion(tmp_path, env, server):
    """The EFA reward (GRPO) and `author_efas` (`gen generator efa`) meet the same attacks: nothing escapes."""
    port, hits = server
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2-file")
    drop = tmp_path / "dropped.txt"
    token = "hg" + uuid.uuid4().hex[:10]
    prog = tmp_path / "kernel.py"
    prog.write_text(f"SECRET_FILE = {str(secret)!r}\nDROP_FILE = {str(drop)!r}\nPORT = {port}\n"
                    f"TOKEN = {token!r}\n" + UNHOOK + KERNEL_ATTACKS + INTERFACE)
    script = tmp_path / "reward.py"
    script.write_text(REWARD_SCRIPT)
    before = _leftovers()
    res = _run_outer([sys.executable, str(script), str(prog), str(tmp_path / "authored"), "{}"], tmp_path, env)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.split("RESULT ", 1)[1])
    assert out["attempts"] == 2 and all(isinstance(r, float) and 0 <= r <= 1 for r in out["rewards"])
    assert "HGMARK" not in res.stdout + res.stderr and "Traceback" not in res.stderr
    report = (tmp_path / "authored" / "report.jsonl").read_text()
    assert "hunter2" not in report
    assert not drop.exists() and hits == [] and _procs_named(token) == []
    assert _leftovers() <= before
    # no jail: the reward refuses unless told to trust the programs
    env = {**env, "HARDGEN_BWRAP": "/nonexistent/bwrap"}
    good = Path(__file__).resolve().parents[1] / "examples" / "efa" / "modular_inverse.py"
    res = _run_outer([sys.executable, str(script), str(good), str(tmp_path / "a2"), "{}"], tmp_path, env)
    assert res.returncode != 0 and "JailUnavailable" in res.stderr and "--trust-programs" in res.stderr
    res = _run_outer([sys.executable, str(script), str(good), str(tmp_path / "a3"), '{"trust_programs": true}'],
                     tmp_path, {**env, "HARDGEN_TRUST_PROGRAMS": "1"})
    assert res.returncode == 0, res.stderr[-2000:]


# ---- red-team pass: holes found in the first jail and closed ---------------------------------------

# Probes of a program run by root's `gen`: without the fixes, bwrap mapped the jail's uid to host uid 0, which
# needs no capability to write 0644 sysctls (kernel.core_pattern: its pipe helper runs as host root) or to chmod
# the host's device nodes. Nothing here changes the host even where the jail fails: core_pattern is only opened
# (never written), hostname is the jail's own UTS namespace, and /dev/null is chmod-ed to the mode it has.
ROOT_POWERS = '''
import errno, os, socket, stat
P = []
def probe(name, fn):
    try:
        P.append(f"{name}=" + str(fn())[:40])
    except OSError as e:
        P.append(f"{name}:{errno.errorcode.get(e.errno, e.errno)}")
def open_w(path):
    os.close(os.open(path, os.O_WRONLY))
    return "OPENED"
def write_hostname():
    with open("/proc/sys/kernel/hostname", "w") as f:
        f.write("pwned")
    return os.uname().nodename
probe("core_pattern", lambda: open_w("/proc/sys/kernel/core_pattern"))
probe("hostname", write_hostname)
probe("sysrq", lambda: open_w("/proc/sysrq-trigger") if os.path.exists("/proc/sysrq-trigger") else "absent")
probe("chmod_null", lambda: os.chmod("/dev/null", stat.S_IMODE(os.stat("/dev/null").st_mode)) or "CHANGED")
probe("utime_null", lambda: os.utime("/dev/null") or "CHANGED")
probe("bwrap_stderr", lambda: os.readlink("/proc/1/fd/2").split(":")[0])
probe("dev_file", lambda: open("/dev/hg", "wb").write(b"x"))
def fill_shm():
    n = 0
    try:
        for i in range(20):
            with open(f"/dev/shm/f{i}", "wb") as f:
                f.write(b"x" * (8 << 20))
            n += 8
    except OSError as e:
        return f"{n}MB-{errno.errorcode.get(e.errno)}"
    return f"{n}MB"
probe("shm", fill_shm)
probe("io_uring", lambda: (libc.syscall(425, 8, ctypes.create_string_buffer(120)),
                           errno.errorcode.get(ctypes.get_errno())))
for fam, name in ((40, "vsock"), (16, "netlink"), (17, "packet"), (38, "alg")):
    probe(name, lambda fam=fam: socket.socket(fam, socket.SOCK_DGRAM if fam != 38 else socket.SOCK_SEQPACKET).fileno())
probe("unix", lambda: socket.socket(socket.AF_UNIX).fileno() >= 0)
def git_view():
    p = "/run/hardgen/hardgen/.git"
    if os.path.isdir(p):
        return "dir:" + str(len(os.listdir(p)))
    return "file:" + str(len(open(p).read())) if os.path.exists(p) else "absent"
probe("git", git_view)
LEAK = HOOK + " " + " ".join(P)
'''


def test_root_mapped_powers_are_gone(tmp_path, env):
    prog = tmp_path / "powers.py"
    prog.write_text(UNHOOK + ROOT_POWERS + INTERFACE)
    res = _gen(["generate", f"efa:{prog}", "-n", "2", "-w", "1", "-o", str(tmp_path / "raw")], tmp_path, env)
    assert res.returncode == 0, res.stderr[-2000:]
    leak = json.loads(next((tmp_path / "raw").rglob("*.jsonl")).open().readline())["prompt"]
    assert "hook=off" in leak
    # core_pattern: read-only where the jail's uid maps to root, not writable by nobody otherwise
    assert "core_pattern:EROFS" in leak or "core_pattern:EACCES" in leak, leak
    for probe in ("hostname:EROFS", "chmod_null:EPERM", "utime_null:EPERM",
                  "bwrap_stderr=pipe", "dev_file:EROFS", "io_uring=(-1, 'EPERM')", "vsock:EAFNOSUPPORT",
                  "netlink:EAFNOSUPPORT", "packet:EAFNOSUPPORT", "alg:EAFNOSUPPORT", "unix=True"):
        assert probe in leak, (probe, leak)
    assert "sysrq=absent" in leak or "sysrq:EROFS" in leak, leak
    shm = leak.split("shm=")[1].split()[0]
    assert shm.endswith("ENOSPC") and int(shm.split("MB")[0]) <= 64, leak  # capped like /tmp
    # an editable checkout's .git (its config may hold a token) is hidden: absent, empty, or unopenable
    assert any(g in leak for g in ("git=absent", "git=dir:0", "git=file:0", "git:EACCES")), leak


HOST_UID_SCRIPT = r"""
import json, os, sys
from hardgen.core.isolation import jail_status
from hardgen.core.jail import LimitedWorker, Limits
secret_dir = sys.argv[1]
lim = Limits.untrusted(confine=False, timeout_s=10, read_paths=(os.path.join(secret_dir, "shown"),))
with LimitedWorker(lim) as w:
    chmod = w.run(exec, "import os; os.chmod('/dev/null', 0o666)")
    seen = w.run(eval, "(open(%r).read(), sorted(os.listdir(%r)), os.path.exists(%r))" % (
        os.path.join(secret_dir, "shown", "data.txt"), secret_dir, os.path.join(secret_dir, "secret.txt")))
    tasks = []
    for p in w._jail_tasks():
        with open(f"/proc/{p}/status") as f:
            nspid = next(ln.split()[1:] for ln in f if ln.startswith("NSpid:"))
        argv = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
        tasks.append({"uid": os.stat(f"/proc/{p}").st_uid, "depth": len(nspid),
                      "staging": b"--dev-bind" in argv})
deepest = max(t["depth"] for t in tasks)  # the jail's PID namespace (the staging layer has one above it)
for t in tasks:
    t["in_jail"] = t.pop("depth") == deepest
print("RESULT " + json.dumps({"tasks": tasks, "host_ids": jail_status().host_ids, "chmod": chmod.error,
                              "seen": seen.value, "seen_error": seen.error}))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the host uid of a root caller's jail")
def test_root_callers_jail_is_nobody_even_below_root_only_dirs(tmp_path, env):
    """As root, the jail runs as host nobody, also when a path it shows lies below a directory only root may
    search (an interpreter under /root/.pyenv; here a read path below a 0700 directory): a staging mount
    namespace, still root, covers that directory and binds back only the shown path. Inside, no root-owned
    process, no chmod of the host's device nodes, and nothing else of the 0700 directory."""
    secret_dir = tmp_path / "private"
    (secret_dir / "shown").mkdir(parents=True)
    (secret_dir / "shown" / "data.txt").write_text("shown")
    (secret_dir / "secret.txt").write_text("secret")
    secret_dir.chmod(0o700)
    script = tmp_path / "uid.py"
    script.write_text(HOST_UID_SCRIPT)
    res = _run_outer([sys.executable, str(script), str(secret_dir)], tmp_path, env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.split("RESULT ", 1)[1])
    assert "PermissionError" in out["chmod"]
    assert out["host_ids"] == [65534, 65534], out
    assert out["seen"] == ["shown", ["shown"], False], out
    jailed = [t for t in out["tasks"] if t["in_jail"]]
    assert jailed and all(t["uid"] == 65534 for t in jailed), out
    # outside the jail's namespaces only bwrap's own waiting parents; a root one is the staging layer (its monitor
    # and the init of its PID namespace)
    assert all(t["uid"] == 65534 or (t["staging"] and not t["in_jail"]) for t in out["tasks"]), out


def test_staging_covers_only_what_blocks(tmp_path):
    """The staging prefix covers the topmost directory others cannot search, recreates the directories down to
    each shown path as 0755, binds each shown path once (not those inside another), and is empty when nothing
    blocks; a shown path others cannot search itself cannot be shown to nobody at all."""
    import tempfile
    from hardgen.core import isolation
    base = Path(tempfile.mkdtemp(prefix="hardgen-staging-", dir="/tmp"))  # pytest's own dirs are 0700
    try:
        base.chmod(0o755)
        _check_staging(isolation, base / "top", base)
    finally:
        for d in base.rglob("*"):
            if d.is_dir():
                d.chmod(0o755)
        shutil.rmtree(base)


def _check_staging(isolation, top: Path, tmp_path: Path) -> None:
    (top / "a" / "b").mkdir(parents=True)
    (top / "c").mkdir()
    top.chmod(0o700)
    view = [str(top / "a" / "b"), str(top / "a" / "b" / "inner"), str(top / "c"), "/usr/lib"]
    (top / "a" / "b" / "inner").mkdir()
    prefix = isolation.staging_prefix(view)
    if prefix is None:
        pytest.skip("bwrap or setpriv missing")
    text = " ".join(prefix)
    assert f"--tmpfs {top}" in text and text.count("--tmpfs") == 1
    assert f"--dir {top}/a " in text and "--perms 0755" in text
    assert text.count("--ro-bind") == 2 and f"--ro-bind {top}/a/b {top}/a/b" in text
    assert f"--reuid={isolation.JAIL_UID}" in text and prefix[-1] == "--"
    assert isolation.staging_prefix(["/usr/lib", str(tmp_path)]) == []
    (top / "c").chmod(0o700)
    assert isolation.staging_prefix(view) is None


BACKGROUND = '''
import os, time
SEEN = []
def _count():  # live processes (a killed one may linger as a zombie until the jail's init reaps it)
    live = 0
    for d in os.listdir("/proc"):
        try:
            live += d.isdigit() and open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            pass
    return live
def sample(rng):
    SEEN.append(_count())  # the jail's init and this worker: 2, unless an earlier call left a process behind
    pid = os.fork() if SEEN[-1] == 2 else -1  # one burner at a time (sample runs 20 times in one checking call)
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            while True:  # a CPU burner that would outlive the call
                pass
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    return {"a": rng.randint(1, 10 ** 6), "seen": SEEN[-1]}
def solve(p):
    return p["a"] + 1
def render(p):
    return f"What is {p['a']} + 1? [{p.get('seen', 2)}] Put the answer in \\\\boxed{{}}."
'''


def test_processes_a_call_leaves_behind_end_with_it(tmp_path, env):
    prog = tmp_path / "background.py"
    prog.write_text(UNHOOK + "SEED_PARAMS = {'a': 1}\n" + BACKGROUND)
    res = _gen(["generate", f"efa:{prog}", "-n", "4", "-w", "1", "-o", str(tmp_path / "raw")], tmp_path, env)
    assert res.returncode == 0, res.stderr[-2000:]
    prompts = [json.loads(line)["prompt"] for p in (tmp_path / "raw").rglob("*.jsonl") for line in p.open()]
    assert len(prompts) == 4 and all("[2]" in p for p in prompts), prompts


def _cpu_hard_100():
    _outer_limits()
    resource.setrlimit(resource.RLIMIT_CPU, (100, 100))


def test_an_inherited_cpu_hard_limit_does_not_kill_every_worker(tmp_path, env):
    """Under `ulimit -t 100` (below the jail's 120 s CPU limit + 1) the worker used to die at start."""
    prog = Path(__file__).resolve().parents[1] / "examples" / "efa" / "quadratic.py"
    cmd = [sys.executable, "-c", "from hardgen.cli import main; main()", "generate", f"efa:{prog}", "-n", "2",
           "-o", str(tmp_path / "raw")]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=_cpu_hard_100)
    try:
        out, err = proc.communicate(timeout=240)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, err[-1500:]


HUGE_FRAME_SCRIPT = r'''
import json, resource
import hardgen.core.jail as jail
from hardgen.core.jail import LimitedWorker, Limits
parsed = []
real = jail._json_frame
jail._json_frame = lambda body: (parsed.append(len(body)), real(body))[1]  # which frames were parsed
with LimitedWorker(Limits.untrusted(confine=False, timeout_s=60, memory_mb=2048)) as w:
    out = w.run(eval, "[[]] * 15_000_000")  # a 45 MB frame: 15 M empty lists, ~1 GB once parsed
    after = w.run(eval, "1 + 1")
print("RESULT " + json.dumps({"status": out.status, "error": out.error, "after": after.value,
                              "largest_parsed": max(parsed, default=0),
                              "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
'''


def test_a_frame_of_many_small_values_is_refused_before_parsing(tmp_path, env):
    script = tmp_path / "huge.py"
    script.write_text(HUGE_FRAME_SCRIPT)
    res = _run_outer([sys.executable, str(script)], tmp_path, env, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.split("RESULT ", 1)[1])
    assert out["status"] == "error" and "JSON values" in out["error"] and out["after"] == 2
    assert out["largest_parsed"] < 1_000_000, out  # the 45 MB frame was refused unparsed
    assert out["rss_mb"] < 1000, out  # and the parent never built the 15 M lists (about 1.3 GB when it did)


BURNER_THREAD_SCRIPT = r'''
import json, time
from hardgen.core.jail import LimitedWorker, Limits
START = """
import builtins, threading
builtins.HG_N = [0]  # exec and eval here share no namespace but builtins
def _burn(n=builtins.HG_N):
    while True:
        n[0] += 1
threading.Thread(target=_burn, daemon=True).start()
"""
with LimitedWorker(Limits.untrusted(confine=False, timeout_s=10)) as w:
    w.run(exec, START)                       # a background thread the program leaves running
    a = w.run(eval, "HG_N[0]").value
    time.sleep(1.0)                          # the caller is busy elsewhere
    b = w.run(eval, "HG_N[0]").value
    w.run(exec, "__import__('time').sleep(1.0)")  # the same second inside a call, where the thread may run
    c = w.run(eval, "HG_N[0]").value
print("RESULT " + json.dumps({"between_calls": b - a, "during_a_call": c - b}))
'''


def test_a_background_thread_gets_no_cpu_between_calls(tmp_path, env):
    """The worker is stopped (SIGSTOP) between calls: a thread the program left running burns nothing while the
    caller is away; RLIMIT_CPU (per worker) and the call's wall clock bound what it does during calls."""
    script = tmp_path / "burner.py"
    script.write_text(BURNER_THREAD_SCRIPT)
    res = _run_outer([sys.executable, str(script)], tmp_path, env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.split("RESULT ", 1)[1])
    assert out["during_a_call"] > 1000, out  # the thread is real and runs while a call is in progress
    # what it gets around the second is the calls' own time (GIL hand-overs of a few ms), not the second itself
    assert out["between_calls"] < out["during_a_call"] / 10, out


ORPHAN_SCRIPT = r"""
import os, signal, sys
from hardgen.core.jail import LimitedWorker, Limits
token = sys.argv[1]
w = LimitedWorker(Limits.untrusted(confine=False, timeout_s=30))
# the program names itself and leaves the call running in the background (a thread: strays are ended per call)
out = w.run(exec, "import ctypes, threading, time\nctypes.CDLL(None).prctl(15, %r.encode(), 0, 0, 0)\n"
                  "threading.Thread(target=time.sleep, args=(120,), daemon=True).start()" % token)
assert out.ok, out.error
print("STARTED", flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # the caller dies without cleaning up (the OOM killer, kill -9)
"""


def test_the_jail_dies_with_a_killed_caller(tmp_path, env):
    """A caller killed outright (SIGKILL: nothing of its own runs) takes its jails with it. Root's staging layer
    used to leave the jail behind: bwrap's monitor (root, capabilities dropped) may not send the death signal to
    the jail's bwrap (host nobody), and setpriv's uid change clears one set before it; the jail's bwrap was
    reparented to init and the program ran on."""
    import time
    token = "hg" + uuid.uuid4().hex[:10]
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN_SCRIPT)
    res = _run_outer([sys.executable, str(script), token], tmp_path, env, timeout=120)
    assert "STARTED" in res.stdout, res.stderr[-2000:]
    deadline = time.monotonic() + 30  # returns as soon as they are gone; generous for a loaded machine
    while _procs_named(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _procs_named(token)
    for pid in left:  # the test's own leftovers, by pid
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert left == [], "the jailed program outlived its killed caller"


SHARED_UID_SCRIPT = r"""
import json
from hardgen.core.jail import LimitedWorker, Limits
GRAB = '''
import builtins, ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def grab(call):  # take as many as the kernel gives (each jail may hold 20000 descriptors)
    got = []
    while len(got) < 1000:
        fd = call()
        if fd < 0:
            return len(got), os.strerror(ctypes.get_errno())
        got.append(fd)
    return len(got), "no limit"
builtins.HG = {"inotify": grab(lambda: libc.inotify_init1(0)),
               "fanotify": grab(lambda: libc.syscall(300, 0, 0)),
               "epoll": grab(lambda: libc.epoll_create1(0)),
               "mqueue": grab(lambda: libc.syscall(240, ("hg%d" % len(os.listdir("/proc/self/fd"))).encode(),
                                                   0o100 | 2, 0o600, None))}
'''
lim = Limits.untrusted(confine=False, timeout_s=30)
with LimitedWorker(lim) as a, LimitedWorker(lim) as b:  # both jails run as host nobody
    assert a.run(exec, GRAB, {}).ok
    assert b.run(exec, GRAB, {}).ok
    assert a.run(exec, SIGQUEUE, {}).ok and b.run(exec, SIGQUEUE, {}).ok
    print("RESULT " + json.dumps({"a": a.run(eval, "HG").value, "b": b.run(eval, "HG").value}))
"""
SIGQUEUE = """
import builtins, ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGRTMIN])
info = (ctypes.c_int * 32)()
info[0], info[2] = int(signal.SIGRTMIN), -1  # si_signo, si_code = SI_QUEUE: counted against RLIMIT_SIGPENDING
n = 0
while n < 200_000 and libc.syscall(129, os.getpid(), int(signal.SIGRTMIN), info) == 0:  # rt_sigqueueinfo
    n += 1
HG["sigqueue"] = n
"""
SHARED_UID_SCRIPT = SHARED_UID_SCRIPT.replace("GRAB = " + "'" * 3, "SIGQUEUE = " + repr(SIGQUEUE) + "\nGRAB = " + "'" * 3)


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86_64 syscall numbers")
def test_one_jail_cannot_use_up_what_the_host_uid_shares(tmp_path, env):
    """Concurrent jails (and the host's own services) share host nobody: inotify instances (128 by default),
    fanotify groups, POSIX message queue bytes and epoll watches (about 5 M: one jail filled them in 11 s with
    epoll instances watching the same 5000 descriptors) are counted per host uid across user namespaces, so one
    jail holding them all left the other jail, and every nobody process on the host, none (inotify_init:
    EMFILE, epoll_ctl: ENOSPC)."""
    script = tmp_path / "shared.py"
    script.write_text(SHARED_UID_SCRIPT)
    res = _run_outer([sys.executable, str(script)], tmp_path, env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.split("RESULT ", 1)[1])
    for jail in ("a", "b"):
        for what in ("inotify", "fanotify", "mqueue", "epoll"):
            assert out[jail][what] == [0, "Operation not permitted"], out
    # queued signals: a few hundred per jail, not the ~96 k the host uid shares; b, started while a held its
    # queue full, queued about as many (a signal the parent sends, e.g. SIGCONT, may hold one slot for a moment)
    a, b = out["a"]["sigqueue"], out["b"]["sigqueue"]
    assert 0 < a <= 1024 and 0 < b <= 1024 and abs(a - b) <= 8, out


ACL_SCRIPT = r"""
import json
import hardgen.core.isolation as isolation
isolation.jail_host_ids = lambda view=None: None  # the fallback where nobody cannot be used: uid maps to host root
from hardgen.core.jail import LimitedWorker, Limits
CODE = '''
import builtins, os, stat, struct
def same_mode_acl(m):  # the minimal ACL (u::, g::, o::) equal to the mode: a chmod to the mode the node has
    e = lambda tag, perm: struct.pack("<HHI", tag, perm, 0xFFFFFFFF)
    return struct.pack("<I", 2) + e(1, (m >> 6) & 7) + e(4, (m >> 3) & 7) + e(0x20, m & 7)
builtins.HG = {"uid_map": open("/proc/self/uid_map").read().split()}
for name, fn in (("acl", lambda: os.setxattr("/dev/null", "system.posix_acl_access",
                                             same_mode_acl(stat.S_IMODE(os.stat("/dev/null").st_mode)))),
                 ("remove_acl", lambda: os.removexattr("/dev/null", "system.posix_acl_access"))):
    try:
        fn()
        HG[name] = "CHANGED"
    except OSError as e:
        HG[name] = e.strerror
'''
with LimitedWorker(Limits.untrusted(confine=False, timeout_s=30)) as w:
    assert w.run(exec, CODE, {}).ok
    print("RESULT " + json.dumps(w.run(eval, "HG").value))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="a jail whose uid maps to host root")
def test_a_root_mapped_jail_cannot_set_a_device_nodes_acl(tmp_path, env):
    """Where a root caller's jail cannot run as nobody (a shown path nobody may not search, no setpriv), its uid
    maps to host root, which owns the host's device nodes bound into /dev: chmod is denied, but an ACL (setxattr
    system.posix_acl_access, allowed to the owner) rewrites the same mode bits, e.g. /dev/null to 0600 for the
    whole host. Here the ACL equals the mode the node has, so nothing changes even where the jail fails."""
    script = tmp_path / "acl.py"
    script.write_text(ACL_SCRIPT)
    res = _run_outer([sys.executable, str(script)], tmp_path, env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.split("RESULT ", 1)[1])
    assert out["uid_map"] == ["65534", "0", "1"], out
    assert out["acl"] == out["remove_acl"] == "Operation not permitted", out


def test_the_memory_cap_covers_swap_on_cgroup_v1():
    """cgroup v2 gets memory.swap.max = 0; on v1 memory.limit_in_bytes alone leaves swap uncapped, so where the
    host has swap a jail's pages went on past the cap (up to 32 processes of RLIMIT_AS each)."""
    from hardgen.core.isolation import RunCgroup
    cg = RunCgroup.create(memory_mb=300, max_pids=8)
    if cg is None or "memory" not in cg.dirs:
        pytest.skip("no writable cgroup v1 memory hierarchy here")
    try:
        memsw = Path(cg.dirs["memory"], "memory.memsw.limit_in_bytes")
        if not memsw.exists():
            pytest.skip("this kernel does not account swap in the memory cgroup")
        assert int(memsw.read_text()) == 300 << 20
    finally:
        cg.remove()


PTY_SCRIPT = r"""
import json
from hardgen.core.jail import LimitedWorker, Limits
GRAB = '''
import builtins, os
fds, err = [], "none"
try:
    while len(fds) < 5000:
        fds.append(os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY))
except OSError as e:
    err = e.strerror
builtins.HG = [len(fds), err]
'''
lim = Limits.untrusted(confine=False, timeout_s=30)
with LimitedWorker(lim) as a, LimitedWorker(lim) as b:
    assert a.run(exec, GRAB, {}).ok and b.run(exec, GRAB, {}).ok
    print("RESULT " + json.dumps({"a": a.run(eval, "HG").value, "b": b.run(eval, "HG").value}))
"""


def test_one_jail_cannot_take_every_pty(tmp_path, env):
    """Every devpts instance but the host's first draws from one pool (kernel.pty.max less its reserve: 3072 by
    default): one jail opening /dev/ptmx until ENOSPC left none to a second jail, nor to any container on the
    host. The jail has no terminal at all now."""
    script = tmp_path / "pty.py"
    script.write_text(PTY_SCRIPT)
    res = _run_outer([sys.executable, str(script)], tmp_path, env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.split("RESULT ", 1)[1])
    assert out["a"][0] == 0 and out["b"][0] == 0, out
