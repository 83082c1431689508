"""What `gen list` shows: every family's knobs, levels and verification, and one example problem."""

from __future__ import annotations

from typing import Any

from hardgen.generators.base import get_family, load_families


def describe_family(name: str, example: bool = False) -> dict[str, Any]:
    fam = get_family(name)
    info: dict[str, Any] = {
        "name": fam.name, "version": fam.version, "description": fam.description,
        "knobs": fam.Knobs.spec(), "levels": fam.levels, "verification": fam.verification,
    }
    if example:
        from hardgen.generators.item import generate_one
        from hardgen.generators.space import space_estimate, space_labels

        est = {lvl: space_estimate(fam.name, lvl) for lvl in space_labels(fam.name)}
        info["space"] = {lvl: e.as_dict() if e else None for lvl, e in est.items()}

        lvl = "medium" if "medium" in fam.levels else next(iter(fam.levels))
        rec = generate_one(fam.name, lvl, fam.resolve_knobs(lvl).as_dict(), run_seed=0, index=0)
        info["example"] = {"level": lvl, "prompt": rec["prompt"], "answer": rec["answer"],
                           "check_kind": rec["check"]["kind"]}
    return info


def describe_families(name: str | None = None) -> list[dict[str, Any]]:
    """All families (or one, in full with an example problem) as plain data."""
    if name is not None:
        return [describe_family(name, example=True)]
    return [describe_family(n) for n in load_families()]


def _knob_range(k: dict) -> str:
    if k["choices"]:
        return "{" + ", ".join(map(str, k["choices"])) + "}"
    if k["lo"] is not None or k["hi"] is not None:
        return f"[{k['lo']}, {k['hi']}]"
    return "-"


def format_catalog(infos: list[dict[str, Any]], detail: bool = False) -> str:
    out = []
    for f in infos:
        out.append(f"{f['name']}  (v{f['version']})  {f['description']}")
        out.append("  knobs:")
        width = max([14] + [len(k["name"]) for k in f["knobs"]])  # budget knobs have long names
        for k in f["knobs"]:
            out.append(f"    {k['name']:<{width}} {k['type']:<5} {_knob_range(k):<18} default {k['default']!s:<8} "
                       f"{k['help']}")
        out.append("  levels:")
        for lvl, vals in f["levels"].items():
            out.append(f"    {lvl:<10} " + ", ".join(f"{a}={b}" for a, b in vals.items()))
        if detail and "space" in f:
            out.append("  distinct problems (effective, estimated by sampling two seeds; bench/bench_space.py):")
            for lvl, e in f["space"].items():
                out.append(f"    {lvl:<10} {e['text'] if e else 'not measured for this version'}")
        if detail:
            out.append("  verification:")
            out.append(f"    {f['verification']}")
            ex = f["example"]
            out.append(f"  example ({ex['level']}, checked by the {ex['check_kind']!r} verifier):")
            out.extend("    " + line for line in ex["prompt"].splitlines())
            out.append(f"  answer: {ex['answer']}")
        out.append("")
    return "\n".join(out).rstrip()
