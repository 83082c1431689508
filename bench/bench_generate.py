"""Generation rate per process: hardgen math families against reasoning-gym's closest ones, same run.

Prints problems/s for each pair and the ratio, plus hardgen's `gen verify` rate (independent re-derivation
and checker acceptance) for the same rows.

    python bench/bench_generate.py            # about a minute
    python bench/bench_generate.py --quick
"""

from __future__ import annotations

import argparse
import time

#: (reasoning-gym dataset, hardgen family, hardgen level) judged comparable
PAIRS = [
    ("polynomial_equations", "math.polynomial_roots", "medium"),
    ("intermediate_integration", "math.integral", "medium"),
    ("simple_equations", "math.linear_system", "easy"),
    ("dice", "math.probability", "medium"),
    ("gcd", "math.number_theory", "medium"),
    ("advanced_geometry", "math.geometry", "medium"),
]


def rate_rg(name: str, n: int) -> float:
    import reasoning_gym

    t = time.perf_counter()
    ds = reasoning_gym.create_dataset(name, size=n, seed=1)
    for i in range(n):
        ds[i]
    return n / (time.perf_counter() - t)


def rate_ours(family: str, level: str, n: int) -> tuple[float, float]:
    from hardgen.generators.base import get_family
    from hardgen.generators.item import generate_one
    from hardgen.stages.verify import verify_record

    knobs = get_family(family).resolve_knobs(level).as_dict()
    generate_one(family, level, knobs, 0, 0)  # warm imports
    t = time.perf_counter()
    rows = [generate_one(family, level, knobs, 1, i) for i in range(n)]
    gen_rate = n / (time.perf_counter() - t)
    m = min(n, 200)
    t = time.perf_counter()
    valid = sum(verify_record(r)["status"] == "valid" for r in rows[:m])
    ver_rate = m / (time.perf_counter() - t)
    if valid != m:
        print(f"  warning: {m - valid} of {m} {family} rows not valid")
    return gen_rate, ver_rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n_rg, n_ours = (30, 300) if args.quick else (100, 2000)
    from hardgen.generators.base import load_families

    fams = load_families()
    print(f"{'reasoning-gym':<26}{'rg /s':>9}  {'hardgen family':<34}{'ours /s':>9}{'ratio':>8}{'verify /s':>11}")
    for rg_name, fam, level in PAIRS:
        if fam not in fams:
            continue
        r_rg = rate_rg(rg_name, n_rg)
        r_ours, r_ver = rate_ours(fam, level, n_ours)
        print(f"{rg_name:<26}{r_rg:>9.1f}  {fam + ' (' + level + ')':<34}{r_ours:>9.1f}{r_ours / r_rg:>7.1f}x"
              f"{r_ver:>11.1f}")


if __name__ == "__main__":
    main()
