"""SAT at scale: `gen generate` + `gen verify` of one 10^4- and one 10^5-variable instance through the CLI.

Times the two CLI calls together, start-up included, as a user runs them (one worker): wall seconds and the
CPU seconds the two processes used (on a loaded machine wall time stretches, CPU time much less), with the
children's peak memory, and checks the row is valid. The baseline is what "as fast as it can print it" means here: the same
formula drawn by a plain Python loop and written as DIMACS to a file, in this process, no start-up.

    python bench/bench_sat_scale.py                  # sat.planted and sat.saturn at 10^4 and 10^5 variables
    python bench/bench_sat_scale.py --sizes 10000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cli_env() -> dict:
    """The CLI's environment as installed: bytecode cached (PYTHONDONTWRITEBYTECODE would recompile every module
    at every start), no progress bars."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["HARDGEN_NO_PROGRESS"] = "1"
    return env


def child_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

#: family -> the knobs that set the variable count (clauses at ratio ~4.2)
SIZE_KNOBS = {
    "sat.planted": lambda n: ["--knob", f"n={n}"],
    "sat.saturn": lambda n: ["--knob", f"k={n}", "--knob", f"l={round(4.2 * n)}", "--knob", "unique=false"],
}


def print_baseline(n: int, path: Path) -> float:
    """Seconds to draw 4.26 n random 3-clauses with `random` and write them as DIMACS."""
    t = time.perf_counter()
    rng = random.Random(0)
    m = round(4.26 * n)
    with path.open("w") as f:
        f.write(f"p cnf {n} {m}\n")
        for _ in range(m):
            f.write(" ".join(str(v if rng.random() < 0.5 else -v) for v in rng.sample(range(1, n + 1), 3)) + " 0\n")
    return time.perf_counter() - t


def cli_run(family: str, n: int, root: Path) -> dict:
    env = cli_env()
    gen, ver = root / f"{family}-{n}-gen", root / f"{family}-{n}-ver"
    cpu = child_cpu_s()
    t = time.perf_counter()
    subprocess.run(["gen", "-q", "generate", family, "-n", "1", *SIZE_KNOBS[family](n), "-w", "1", "-o", str(gen)],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    t_gen = time.perf_counter() - t
    subprocess.run(["gen", "-q", "verify", str(gen), "-w", "1", "-o", str(ver)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    t_all = time.perf_counter() - t
    cpu = child_cpu_s() - cpu
    row = json.loads(next((ver / "shards").glob("*.jsonl")).read_text().splitlines()[0])
    eff = row["difficulty"]["effort"]["glucose4"]
    size = sum(p.stat().st_size for p in (gen / "shards").glob("*"))
    return {"generate_s": t_gen, "total_s": t_all, "cpu_s": cpu, "valid": row["validity"]["status"] == "valid",
            "effort_complete": eff["complete"], "conflicts": eff["conflicts"], "mb": size / 1e6,
            "resolve": (row["validity"].get("notes") or {}).get("resolve", {}).get("outcome")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--families", default=",".join(SIZE_KNOBS))
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hardgen-sat-scale-"))
    print(f"cpus {len(os.sched_getaffinity(0))}; load average {os.getloadavg()[0]:.1f}")
    subprocess.run(["gen", "list"], check=True, env=cli_env(), stdout=subprocess.DEVNULL)  # bytecode cached
    print(f"{'family':<12}{'vars':>8}{'print DIMACS s':>16}{'generate s':>12}{'gen+verify s':>14}{'(cpu s)':>9}"
          f"{'row MB':>8}{'valid':>7}  effort (glucose4)            re-solve")
    ok = True
    try:
        for n in [int(x) for x in a.sizes.split(",")]:
            base = print_baseline(n, root / "baseline.cnf")
            for fam in a.families.split(","):
                r = cli_run(fam, n, root)
                ok &= r["valid"]
                eff = f"{r['conflicts']} conflicts, " + ("complete" if r["effort_complete"] else "budget hit")
                print(f"{fam:<12}{n:>8}{base:>16.2f}{r['generate_s']:>12.2f}{r['total_s']:>14.2f}{r['cpu_s']:>9.2f}"
                      f"{r['mb']:>8.1f}"
                      f"{'yes' if r['valid'] else 'NO':>7}  {eff:<29}{r['resolve']}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak memory of any one CLI process: {peak:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
