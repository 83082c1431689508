"""Jail overhead: EFA rows made in the kernel jail (bubblewrap + seccomp + cgroup) vs the previous confined worker
(audit hook, rlimits, netns: `Limits.untrusted(jail="off")`), same program, same process, alternating runs.

Reports, per mode: worker start-up (cold, median), per-row time with a warm worker (median of rounds), and the
end-to-end `generate_dataset` + `verify_dataset` wall time at the default settings with 1 worker (so the machine's
other load matters less). Needs bwrap and user namespaces.

    python bench/bench_jail.py                      # examples/efa/quadratic.py, 300 rows, 5 rounds
    python bench/bench_jail.py --rows 100 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from hardgen.generators import efa as efa_mod
from hardgen.generators.efa import _sb_item, load_efa_family
from hardgen.core.isolation import jail_status
from hardgen.core.jail import LimitedWorker, Limits

ROOT = Path(__file__).resolve().parents[1]


_EFA_LIMITS = efa_mod.efa_limits


def _limits(mode: str, options: dict):
    lim = _EFA_LIMITS(options, trust_programs=mode == "before")
    return Limits.untrusted(timeout_s=lim.timeout_s, memory_mb=lim.memory_mb,
                            jail="require" if mode == "jail" else "off")


def start_time(mode: str, options: dict, source: str) -> float:
    t = time.perf_counter()
    with LimitedWorker(_limits(mode, options)) as w:
        out = w.run(_sb_item, source, 1)
        assert out.ok, out
    return time.perf_counter() - t


def per_row(mode: str, options: dict, source: str, rows: int) -> float:
    rng = random.Random(0)
    with LimitedWorker(_limits(mode, options)) as w:
        assert w.run(_sb_item, source, 0).ok  # warm: the program's module body has run
        t = time.perf_counter()
        for _ in range(rows):
            out = w.run(_sb_item, source, rng.getrandbits(63))
            assert out.ok, out
        return (time.perf_counter() - t) / rows


def end_to_end(mode: str, program: Path, rows: int) -> float:
    from hardgen.stages.generate import generate_dataset
    from hardgen.stages.verify import verify_dataset
    orig = _EFA_LIMITS
    efa_mod.efa_limits = lambda options=None, trust_programs=None: _limits(mode, options or {})
    efa_mod._WORKERS.clear()
    try:
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            src = generate_dataset([f"efa:{program}"], n=rows, out=os.path.join(d, "raw"), seed=1, workers=1)
            s = verify_dataset(src["path"], os.path.join(d, "ver"), workers=1)
            assert s["counts"]["valid"] == rows, s["counts"]
            return time.perf_counter() - t
    finally:
        efa_mod.efa_limits = orig
        for w in efa_mod._WORKERS.values():
            w.close()
        efa_mod._WORKERS.clear()
        efa_mod._LOADED.clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--program", default=str(ROOT / "examples" / "efa" / "quadratic.py"))
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    st = jail_status()
    if not st.available:
        raise SystemExit(f"no jail here: {st.reason}")
    fam = load_efa_family(args.program)
    source, options = fam.program_source, fam.program_options
    res: dict[str, dict[str, list[float]]] = {m: {"start": [], "row": [], "e2e": []} for m in ("before", "jail")}
    for r in range(args.rounds):
        for mode in (("before", "jail") if r % 2 == 0 else ("jail", "before")):
            res[mode]["start"].append(start_time(mode, options, source))
            res[mode]["row"].append(per_row(mode, options, source, args.rows))
        if r < 2:  # the end-to-end runs take longer: two rounds
            for mode in (("before", "jail") if r % 2 == 0 else ("jail", "before")):
                res[mode]["e2e"].append(end_to_end(mode, Path(args.program), args.rows))
    med = {m: {k: statistics.median(v) for k, v in d.items()} for m, d in res.items()}
    print(f"program {Path(args.program).name}, {args.rows} rows, {args.rounds} rounds (medians)")
    print(f"{'':28}{'before (hook)':>15}{'jail':>12}{'ratio':>8}")
    for key, label, scale, unit in (("start", "worker start-up", 1e3, "ms"), ("row", "per row, warm worker", 1e3, "ms"),
                                    ("e2e", f"generate+verify {args.rows} rows", 1, "s")):
        b, j = med["before"][key] * scale, med["jail"][key] * scale
        print(f"{label:28}{b:>12.2f} {unit:<2}{j:>9.2f} {unit:<2}{j / b:>7.2f}x")


if __name__ == "__main__":
    main()
