"""Generation rate against reasoning-gym, same run: generate, and generate + verify, per pair of comparable tasks.

hardgen runs as a user runs it: `gen generate FAMILY -n N -w 1` then `gen verify -w 1`, two CLI processes timed
with their start-up (the installed `gen` script next to this interpreter, not a version manager's shim, which adds
its own ~0.1 s per call). reasoning-gym runs at its best: in this process (no start-up), `create_dataset` plus
indexing every item, and for "+ verify" its own `score_answer` on every item's reference answer. hardgen's
verify does more (an independent re-derivation, uniqueness proofs for puzzles), and hardgen writes a resumable
dataset (ids, hashed splits, shards, a manifest) where the peer returns dicts in memory, so neither column is free.
Each size N runs in the same process run, so start-up amortisation shows from N = 500 to N = 5,000.
Each pair uses the hardgen level closest to the peer's default size. Ratios > 1 mean hardgen is faster.

    python bench/bench_generate.py                      # N = 500 and 5,000 per task, ~10 minutes on 2 cores
    python bench/bench_generate.py --sizes 100          # quick look
    python bench/bench_generate.py --only sudoku,n_queens --sizes 500,5000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def gen_command() -> str:
    """The installed `gen` entry point of this interpreter (what pip wrote), else whatever `gen` PATH finds."""
    here = Path(sys.executable).with_name("gen")
    return str(here) if here.exists() else (shutil.which("gen") or "gen")


def cli_env() -> dict:
    """The CLI's environment as installed: bytecode cached (PYTHONDONTWRITEBYTECODE would recompile every module
    at every start), no progress bars."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["HARDGEN_NO_PROGRESS"] = "1"
    return env

#: (reasoning-gym dataset, its config overrides, hardgen family, level, why this level)
PAIRS = [
    ("intermediate_integration", {}, "math.integral", "medium", "basic forms + polynomial"),
    ("zebra_puzzles", {}, "logic.zebra", "medium", "4 houses x 4 attributes (rg default 4 x 4)"),
    ("polynomial_equations", {}, "math.polynomial_roots", "medium", "cubic"),
    ("futoshiki", {}, "logic.futoshiki", "hard", "7x7 (rg draws 4x4..9x9)"),
    ("sudoku", {}, "logic.sudoku", "hard", "9x9, 30 clues, uniqueness proved (rg: 31-51 clues, not proved)"),
    ("simple_equations", {}, "math.linear_system", "easy", "2 unknowns (rg: one)"),
    ("n_queens", {}, "logic.nqueens", "medium", "8 queens, 4 placed"),
    ("shortest_path", {}, "graph.shortest_path", "easy", "8 nodes (rg: 5x8 grids)"),
]


#: families cheap enough to time in process over many rows (the others over 50)
CHEAP = {"math.linear_system", "logic.nqueens", "graph.shortest_path", "math.polynomial_roots"}

#: a slow peer stops after this many seconds (its rate is items made / time taken, as for N items)
PEER_SECONDS = 30.0
#: a larger N is skipped for a pair whose hardgen run, projected from the smaller N, would take longer than this
OUR_SECONDS = 150.0


def peer_rates(name: str, config: dict, n: int) -> tuple[float, float]:
    """reasoning-gym items/s: generate, and generate + score_answer on the reference answer (N items, or as
    many as PEER_SECONDS allow)."""
    import reasoning_gym

    t = time.perf_counter()
    ds = reasoning_gym.create_dataset(name, size=n, seed=1, **config)
    items = []
    for i in range(n):
        items.append(ds[i])
        if time.perf_counter() - t > PEER_SECONDS:
            break
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = sum(ds.score_answer(answer=e["answer"], entry=e) == 1.0 for e in items)
    ver_s = time.perf_counter() - t
    if ok != len(items):
        print(f"  note: reasoning-gym {name} scored {len(items) - ok} of {len(items)} of its own answers below 1.0")
    return len(items) / gen_s, len(items) / (gen_s + ver_s)


def our_rates(family: str, level: str, n: int, root: Path) -> tuple[float, float]:
    """hardgen rows/s through the CLI, start-up included: generate, and generate + verify."""
    env = cli_env()
    gen, ver = root / f"{family}-gen", root / f"{family}-ver"
    t = time.perf_counter()
    subprocess.run([gen_command(), "-q", "generate", family, "--level", level, "-n", str(n), "-w", "1", "-o", str(gen)],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([gen_command(), "-q", "verify", str(gen), "-w", "1", "-o", str(ver)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    ver_s = time.perf_counter() - t
    return n / gen_s, n / (gen_s + ver_s)


def startup_seconds(family: str, level: str, root: Path, tries: int = 5) -> tuple[float, float]:
    """Best of `tries` wall seconds of `gen generate FAMILY -n 1` and of `gen verify` on that row: the fixed cost
    each CLI call pays before its first row."""
    env, best_gen, best_ver = cli_env(), float("inf"), float("inf")
    for i in range(tries):
        gen, ver = root / f"one-{i}", root / f"one-{i}-ver"
        t = time.perf_counter()
        subprocess.run([gen_command(), "-q", "generate", family, "--level", level, "-n", "1", "-w", "1", "-o",
                        str(gen)], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best_gen = min(best_gen, time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([gen_command(), "-q", "verify", str(gen), "-w", "1", "-o", str(ver)], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        best_ver = min(best_ver, time.perf_counter() - t)
    return best_gen, best_ver


def in_process_rate(family: str, level: str, n: int) -> float:
    """hardgen rows/s made in this process (no start-up, nothing written): what the family itself costs."""
    from hardgen.generators.base import get_family
    from hardgen.generators.item import generate_item

    cls = get_family(family)
    knobs = dict(cls.levels[level])
    fam, k = cls(), cls.Knobs.build(knobs)
    t = time.perf_counter()
    for i in range(n):
        generate_item(fam, k, family, level, knobs, 0, i, 0.1)
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="500,5000", help="comma-separated N per task (default 500,5000)")
    ap.add_argument("--only", default="", help="comma-separated reasoning-gym task names to run (default: all)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    only = {x for x in args.only.split(",") if x}
    pairs = [p for p in PAIRS if not only or p[0] in only]
    root = Path(tempfile.mkdtemp(prefix="hardgen-bench-generate-"))
    subprocess.run([gen_command(), "list"], check=True, env=cli_env(), stdout=subprocess.DEVNULL)  # bytecode cached
    print(f"sizes {sizes} per task, one process each ({gen_command()}); cpus {len(os.sched_getaffinity(0))}; "
          f"load average {os.getloadavg()[0]:.1f}; the peer stops after {PEER_SECONDS:.0f} s")
    head = (f"{'reasoning-gym':<25}{'hardgen (level)':<33}{'N':>6}{'rg gen/s':>9}{'ours':>8}{'ratio':>9}"
            f"{'rg +ver/s':>10}{'ours':>8}{'ratio':>9}")
    print(head)
    rows = []
    try:
        for rg_name, config, family, level, why in pairs:
            per_row = 0.0
            for n in sizes:
                if per_row * n > OUR_SECONDS:
                    print(f"{rg_name:<25}{family + ' (' + level + ')':<33}{n:>6}  skipped: ~{per_row * n:.0f} s "
                          f"projected for hardgen (over {OUR_SECONDS:.0f} s)", flush=True)
                    continue
                p_gen, p_all = peer_rates(rg_name, config, n)
                o_gen, o_all = our_rates(family, level, n, root)
                per_row = 1 / o_all
                rows.append((rg_name, family, level, why, p_gen, o_gen, p_all, o_all, n))
                print(f"{rg_name:<25}{family + ' (' + level + ')':<33}{n:>6}{p_gen:>9.0f}{o_gen:>8.0f}"
                      f"{o_gen / p_gen:>8.2f}x{p_all:>10.0f}{o_all:>8.0f}{o_all / p_all:>8.2f}x", flush=True)
                for d in root.iterdir():
                    shutil.rmtree(d, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - t
    print(f"\nfixed and per-row cost of hardgen (best of 5 CLI calls; `{sys.executable} -c pass` took {bare:.3f} s):")
    print(f"{'hardgen (level)':<33}{'gen -n 1 s':>11}{'verify s':>10}{'in-process gen/s':>18}")
    root = Path(tempfile.mkdtemp(prefix="hardgen-bench-startup-"))
    try:
        for _rg, _config, family, level, _why in pairs:
            g, v = startup_seconds(family, level, root)
            for d in root.iterdir():
                shutil.rmtree(d, ignore_errors=True)
            rate = in_process_rate(family, level, min(max(sizes), 2000) if family in CHEAP else 50)
            print(f"{family + ' (' + level + ')':<33}{g:>11.3f}{v:>10.3f}{rate:>18.0f}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    slower = [r for r in rows if r[5] < r[4] or r[7] < r[6]]
    if slower:
        print("\nslower than the peer (generate or generate + verify):")
        for r in slower:
            print(f"  N={r[8]}: {r[1]} vs {r[0]}: {r[3]}")


if __name__ == "__main__":
    sys.exit(main())
