"""Grid puzzles per second, hardgen (uniqueness proved by SAT) against reasoning-gym, in one run on one process.

    python bench/bench_puzzles_grid.py [--seconds 3]

Counts finished puzzles per wall-clock second; a rejected hardgen draw costs time but counts nothing.
reasoning-gym's n_queens asks for any completion, ours proves the completion unique; its sudoku and futoshiki
also check uniqueness, by backtracking. Kakuro has no reasoning-gym peer; its rates are printed alone.
"""

from __future__ import annotations

import argparse
import random
import time

import reasoning_gym

from hardgen.generators.base import Reject, get_family


def ours_rate(family: str, knobs: dict, seconds: float) -> float:
    fam_cls = get_family(family)
    k = fam_cls.Knobs.build(knobs)
    fam = fam_cls()
    fam.generate(k, random.Random(-1))  # warm per-process caches (rules, n-queens solutions), as a worker would
    done, i, t0 = 0, 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        try:
            fam.generate(k, random.Random(i))
            done += 1
        except Reject:
            pass
        i += 1
    return done / (time.perf_counter() - t0)


def rg_rate(name: str, config: dict, seconds: float) -> float:
    # one large virtual dataset: its one-off set-up (n_queens enumerates every board) is paid once, as in use
    ds = reasoning_gym.create_dataset(name, size=10 ** 7, seed=0, **config)
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        ds[done]
        done += 1
    return done / (time.perf_counter() - t0)


PAIRS = [
    # (label, hardgen family, knobs, reasoning-gym dataset, its config)
    ("sudoku 9x9, 30 clues vs rg default (31-51 clues)", "logic.sudoku", {"size": 9, "clues": 30},
     "sudoku", {}),
    ("sudoku 9x9, minimal (<=27 clues) vs rg 50-64 empty", "logic.sudoku",
     {"size": 9, "clues": 27, "minimal": True}, "sudoku", {"min_empty": 50, "max_empty": 64}),
    ("futoshiki 5x5 vs rg 5x5", "logic.futoshiki", {"size": 5, "inequalities": 8, "givens": 4},
     "futoshiki", {"min_board_size": 5, "max_board_size": 5}),
    ("futoshiki 7x7 vs rg 7x7", "logic.futoshiki", {"size": 7, "inequalities": 18, "givens": 6},
     "futoshiki", {"min_board_size": 7, "max_board_size": 7}),
    ("n-queens 8, 4 placed (unique) vs rg n=8", "logic.nqueens", {"n": 8, "placed": 4}, "n_queens", {"n": 8}),
    ("n-queens 8, 3 placed (unique) vs rg n=8", "logic.nqueens", {"n": 8, "placed": 3}, "n_queens", {"n": 8}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="wall-clock seconds per measurement")
    args = ap.parse_args()
    print(f"{'pair':<62} {'hardgen/s':>10} {'rg/s':>10} {'ratio':>7}")
    for label, fam, knobs, rg_name, rg_cfg in PAIRS:
        ours = ours_rate(fam, knobs, args.seconds)
        theirs = rg_rate(rg_name, rg_cfg, args.seconds)
        print(f"{label:<62} {ours:>10.1f} {theirs:>10.1f} {ours / theirs:>6.2f}x", flush=True)
    # reasoning-gym has no Kakuro (its kakurasu is another puzzle): our rates alone
    for level, knobs in get_family("logic.kakuro").levels.items():
        ours = ours_rate("logic.kakuro", knobs, args.seconds)
        print(f"{'kakuro ' + level + ' (no reasoning-gym peer)':<62} {ours:>10.1f} {'-':>10} {'-':>7}", flush=True)


if __name__ == "__main__":
    main()
