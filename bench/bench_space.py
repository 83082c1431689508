"""Two seeds' overlap and the distinct-problem space, for every family at every level (and at its knob defaults).

For each family and level, runs seeds 7 and 8 the way `gen generate -n 1000` does (items 0, 1, ... until 1,000
distinct rows, or until the time budget runs out) and counts the rows both seeds made. From the same draws it
estimates the family's effective space (`hardgen.generators.space`: m draws with C repeated pairs give
m(m-1)/(2C)); `--write` stores those estimates in `generators/_space_table.py`, which `gen list FAMILY` shows and
`gen generate` reads to warn when -n exceeds 1% of the space.

    python bench/bench_space.py [--rows 1000] [--budget 20] [--family math.] [--write]

A slow level (a few items per second: big SAT instances, Kakuro) stops at the budget per seed with fewer rows;
the table says how many it made.
"""

from __future__ import annotations

import argparse
import ast
import json
import pprint
import time
from pathlib import Path

from hardgen.generators.base import get_family, load_families
from hardgen.generators.space import (DEFAULTS, SpaceEstimate, iter_items, level_knobs, repeated_pairs,
                                      space_labels)

#: families that need an input (files) or are not template families
SKIP = {"sat.dimacs"}
TABLE = Path(__file__).resolve().parents[1] / "generators" / "_space_table.py"


def run_seed(family: str, level: str, seed: int, rows: int, budget_s: float, max_draws: int,
             content: set | None = None) -> tuple[list, set]:
    """(raw ids drawn, distinct rows kept) for one seed, as `gen generate -n rows` keeps them; with `content`,
    also collects the kept rows' (check, answer) as JSON: the problem without its wording."""
    t0, raw, kept = time.monotonic(), [], set()
    for i, body in iter_items(family, level, seed):
        raw.append(i)
        if content is not None and i not in kept:
            content.add(json.dumps(body, sort_keys=True))
        kept.add(i)
        if len(kept) >= rows or len(raw) >= max_draws or time.monotonic() - t0 > budget_s:
            break
    return raw, kept


def measure(family: str, level: str, rows: int, budget_s: float, content: bool = False) -> dict:
    t0 = time.monotonic()
    c7: set | None = set() if content else None
    c8: set | None = set() if content else None
    raw7, a = run_seed(family, level, 7, rows, budget_s, 20 * rows, c7)
    raw8, b = run_seed(family, level, 8, rows, budget_s, 20 * rows, c8)
    cls = get_family(family)
    est = SpaceEstimate(family, cls.version, level, len(raw7) + len(raw8), repeated_pairs(raw7 + raw8))
    return {"family": family, "level": level, "version": cls.version, "rows7": len(a), "rows8": len(b),
            "shared": len(a & b), "draws": est.draws, "repeats": est.repeats, "est": est,
            "seconds": time.monotonic() - t0,
            "shared_content": len(c7 & c8) if content else None}


def write_table(results: list[dict]) -> None:
    """Merge these estimates into the stored table (other families' entries stay)."""
    text = TABLE.read_text()
    head, _, body = text.partition("SPACE: dict[str, dict[str, dict]] = ")
    table = ast.literal_eval(body.strip()) if body.strip() else {}
    for r in results:
        table.setdefault(r["family"], {})[r["level"]] = {"version": r["version"], "draws": r["draws"],
                                                         "repeats": r["repeats"]}
    table = {f: table[f] for f in sorted(table)}
    TABLE.write_text(head + "SPACE: dict[str, dict[str, dict]] = " + pprint.pformat(table, width=116, sort_dicts=False)
                     + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000, help="rows per seed (as `gen generate -n`)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per seed and level at most")
    ap.add_argument("--family", default="", help="only families whose name starts with this")
    ap.add_argument("--write", action="store_true", help="store the estimates in generators/_space_table.py")
    ap.add_argument("--content", action="store_true",
                    help="also count rows of seed 8 whose problem (check and answer, without the wording) seed 7 has")
    args = ap.parse_args()

    results = []
    print(f"{'family':<24} {'level':<12} {'rows 7/8':>11} {'shared':>7} {'share':>6}  effective space (draws, repeats)"
          f"  secs", flush=True)
    for fam in load_families():
        if fam in SKIP or not fam.startswith(args.family):
            continue
        seen: dict[str, str] = {}
        for level in space_labels(fam):
            key = repr(sorted(level_knobs(fam, level).items()))
            if level == DEFAULTS and key in seen:  # the defaults are one of the levels: same rows, same figure
                r = dict(next(x for x in results if x["family"] == fam and x["level"] == seen[key]), level=DEFAULTS)
                r["est"] = SpaceEstimate(fam, r["version"], DEFAULTS, r["draws"], r["repeats"])
                note = f"  (= {seen[key]})"
            else:
                r = measure(fam, level, args.rows, args.budget, args.content)
                note = ""
            seen.setdefault(key, level)
            results.append(r)
            share = r["shared"] / max(1, min(r["rows7"], r["rows8"]))
            same = "" if r.get("shared_content") is None else f"  same problem in other words: {r['shared_content']}"
            print(f"{fam:<24} {level:<12} {r['rows7']:>5}/{r['rows8']:<5} {r['shared']:>7} {share:>6.1%}  "
                  f"{r['est'].describe()}  {r['seconds']:.0f}{note}{same}", flush=True)
    over = [r for r in results if r["shared"] > 0.01 * max(1, min(r["rows7"], r["rows8"]))]
    short = [r for r in results if min(r["rows7"], r["rows8"]) < args.rows]
    print(f"\n{len(results)} family-levels; {len(over)} share more than 1% of rows between seeds 7 and 8"
          + (": " + ", ".join(f"{r['family']}@{r['level']}" for r in over) if over else ""))
    if short:
        print(f"{len(short)} stopped short of {args.rows} rows (budget {args.budget:.0f} s per seed or a space "
              "smaller than that): " + ", ".join(f"{r['family']}@{r['level']} ({min(r['rows7'], r['rows8'])})"
                                                 for r in short))
    if args.write:
        write_table(results)
        print(f"estimates written to {TABLE}")


if __name__ == "__main__":
    main()
