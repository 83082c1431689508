"""Benchmark: logic.zebra against reasoning-gym's zebra_puzzles (same size, same process, same run), plus the
generation and re-derivation rates of the other SAT-proved logic families.

Usage: python bench/bench_puzzles_reasoning.py [--n 200] [--houses 4] [--attributes 4] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from hardgen.generators.base import get_family
from hardgen.generators.item import generate_one


def _rate(fn, n: int) -> tuple[float, list]:
    t = time.perf_counter()
    out = [fn(i) for i in range(n)]
    return n / (time.perf_counter() - t), out


def bench_zebra(n: int, houses: int, attributes: int, seed: int) -> None:
    import reasoning_gym

    knobs = {"houses": houses, "attributes": attributes, "clue_types": "standard", "question": "name"}
    get_family("logic.zebra")  # import cost outside the timed loop
    ours, recs = _rate(lambda i: generate_one("logic.zebra", None, knobs, seed, i), n)

    def rg_items(_: int):
        return list(reasoning_gym.create_dataset("zebra_puzzles", size=n, seed=seed,
                                                 num_people=houses, num_characteristics=attributes))

    t = time.perf_counter()
    rg = rg_items(0)
    rg_rate = len(rg) / (time.perf_counter() - t)
    fam = get_family("logic.zebra")()
    unique = sum(1 for r in recs if fam.rederive(r)["unique_solution"])
    clues = sum(r["difficulty"]["clues"] for r in recs) / len(recs)
    print(f"zebra {houses}x{attributes}, {n} items, one process")
    print(f"  hardgen logic.zebra          {ours:9.1f} items/s  (uniqueness proved by SAT; "
          f"{unique}/{len(recs)} re-confirmed by CSP search; mean clues {clues:.1f})")
    print(f"  reasoning-gym zebra_puzzles  {rg_rate:9.1f} items/s")
    print(f"  ratio hardgen / reasoning-gym {ours / rg_rate:8.1f}x")


def bench_families(n: int, seed: int) -> None:
    print(f"\nSAT-proved logic families, {n} items per level, one process (generation / rederive)")
    for name in ("logic.coloring", "logic.knights_knaves", "logic.zebra", "logic.nonogram"):
        fam_cls = get_family(name)
        fam = fam_cls()
        for level, vals in fam_cls.levels.items():
            knobs = fam_cls.resolve_knobs(level).as_dict()
            g, recs = _rate(lambda i: generate_one(name, level, knobs, seed, i), n)
            d, checks = _rate(lambda i: fam.rederive(recs[i]), n)
            ok = sum(all(c.values()) for c in checks)
            eff = sum(r["difficulty"].get("conflicts", 0) for r in recs) / n
            print(f"  {name:22s} {level:8s} gen {g:8.1f}/s  rederive {d:8.1f}/s  valid {ok}/{n}  "
                  f"mean conflicts {eff:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="items per measurement")
    ap.add_argument("--houses", type=int, default=4)
    ap.add_argument("--attributes", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-families", action="store_true", help="only the zebra comparison")
    a = ap.parse_args()
    bench_zebra(a.n, a.houses, a.attributes, a.seed)
    if not a.skip_families:
        bench_families(max(10, a.n // 4), a.seed)


if __name__ == "__main__":
    main()
