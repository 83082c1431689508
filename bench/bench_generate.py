"""Generation rate against reasoning-gym, same run: generate, and generate + verify, per pair of comparable tasks.

hardgen runs as a user runs it: `gen generate FAMILY -n N -w 1` then `gen verify -w 1`, two CLI processes timed
with their start-up. reasoning-gym runs at its best: in this process (no start-up), `create_dataset` plus
indexing every item, and for "+ verify" its own `score_answer` on every item's reference answer. hardgen's
verify does more (an independent re-derivation, uniqueness proofs for puzzles), so that column is not free.
Each pair uses the hardgen level closest to the peer's default size. Ratios > 1 mean hardgen is faster.

    python bench/bench_generate.py            # N = 500 per task, a few minutes on 2 cores
    python bench/bench_generate.py --quick    # N = 100
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


#: a slow peer stops after this many seconds (its rate is items made / time taken, as for N items)
PEER_SECONDS = 30.0


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
    subprocess.run(["gen", "-q", "generate", family, "--level", level, "-n", str(n), "-w", "1", "-o", str(gen)],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run(["gen", "-q", "verify", str(gen), "-w", "1", "-o", str(ver)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    ver_s = time.perf_counter() - t
    return n / gen_s, n / (gen_s + ver_s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="N = 100 instead of 500")
    ap.add_argument("-n", type=int, default=None, help="items per task (overrides --quick)")
    args = ap.parse_args()
    n = args.n or (100 if args.quick else 500)
    root = Path(tempfile.mkdtemp(prefix="hardgen-bench-generate-"))
    subprocess.run(["gen", "list"], check=True, env=cli_env(), stdout=subprocess.DEVNULL)  # bytecode cached
    print(f"N = {n} per task, one process each; cpus {len(os.sched_getaffinity(0))}; "
          f"load average {os.getloadavg()[0]:.1f}")
    head = (f"{'reasoning-gym':<25}{'hardgen (level)':<33}{'rg gen/s':>9}{'ours':>8}{'ratio':>7}"
            f"{'rg +ver/s':>10}{'ours':>8}{'ratio':>7}")
    print(head)
    rows = []
    try:
        for rg_name, config, family, level, why in PAIRS:
            p_gen, p_all = peer_rates(rg_name, config, n)
            o_gen, o_all = our_rates(family, level, n, root)
            rows.append((rg_name, family, level, why, p_gen, o_gen, p_all, o_all))
            print(f"{rg_name:<25}{family + ' (' + level + ')':<33}{p_gen:>9.0f}{o_gen:>8.0f}{o_gen / p_gen:>6.2f}x"
                  f"{p_all:>10.0f}{o_all:>8.0f}{o_all / p_all:>6.2f}x", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    slower = [r for r in rows if r[5] < r[4] or r[7] < r[6]]
    if slower:
        print("\nslower than the peer (generate or generate + verify):")
        for r in slower:
            print(f"  {r[1]} vs {r[0]}: {r[3]}")


if __name__ == "__main__":
    sys.exit(main())
