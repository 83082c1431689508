"""Dataset reports: summary tables, PNG plots and `report.md` for a dataset and the stages that made it.

    >>> make_report("data/irt", "data/report", calibration="calib.json")  # doctest: +SKIP

Each section needs some part of the record (grades, IRT `b`, SAT effort, ...); a section whose data is missing is
skipped and the report says why, so a report runs on any stage's output, from `gen generate` on.
Plots are drawn with matplotlib's Agg canvas directly (no pyplot), so making a report never touches global state.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from hardgen.stages.options import ReportOptions
from hardgen.core.errors import HardgenError

#: similarity thresholds counted in the near-duplicate section (MinHash Jaccard on prompt 3-grams)
DEDUP_THRESHOLDS = (0.6, 0.8, 0.9)
#: rows per family compared pairwise for near-duplicates (pairwise work grows with the square)
DEDUP_SAMPLE = 2000
VALIDITY_COLORS = {"valid": "#2ca02c", "invalid": "#d62728", "unknown": "#7f7f7f", "not verified": "#c7c7c7"}
LABEL_ORDER = ("unsolved", "very_hard", "hard", "medium", "easy")
LEVEL_ORDER = ("easy", "medium", "hard", "extreme")


# --------------------------------------------------------------------------- lineage


def _resolve_input(ref: str, base: Path) -> Path | None:
    """A manifest's input path: as written (relative to the working directory), else beside the stage's folder."""
    p = Path(ref)
    for cand in (p, base.parent / p, base.parent / p.name):
        if (cand / "manifest.json").exists() or (cand.is_file() and cand.suffix in (".jsonl", ".parquet")):
            return cand
    return None


def stage_lineage(data: str | os.PathLike) -> list[dict]:
    """Stages that made `data`, oldest first: `{stage, path, params, summary, rows, complete}` per manifest,
    found by following each manifest's `inputs`. A plain record file, or an input that no longer exists, ends
    the chain (the last entry then has `missing_input`)."""
    chain: list[dict] = []
    seen: set[str] = set()
    path: Path | None = Path(data)
    while path is not None and path.is_dir() and (path / "manifest.json").exists():
        key = str(path.resolve())
        if key in seen:  # a cycle cannot come from our stages, but must not hang a report
            break
        seen.add(key)
        try:
            m = json.loads((path / "manifest.json").read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise HardgenError(f"cannot read {path / 'manifest.json'}: {e}") from None
        entry = {"stage": m.get("stage", "?"), "path": str(path), "params": m.get("params", {}),
                 "summary": m.get("summary", {}), "complete": bool(m.get("complete")),
                 "rows": sum(s.get("rows", 0) for s in (m.get("shards") or {}).values())}
        chain.append(entry)
        inputs = m.get("inputs") or []
        path = None
        if inputs:
            path = _resolve_input(inputs[0], Path(entry["path"]))
            if path is None:
                entry["missing_input"] = inputs[0]
            elif not path.is_dir():
                chain.append({"stage": "file", "path": str(path), "params": {}, "summary": {}, "complete": True,
                              "rows": None})
    return chain[::-1]


def theta_from_lineage(chain: list[dict]) -> dict[str, float]:
    """Solver abilities θ from the newest `irt` stage in the lineage (empty when none ran)."""
    for entry in reversed(chain):
        if entry["stage"] == "irt" and isinstance(entry["summary"].get("theta"), dict):
            return {str(k): float(v) for k, v in entry["summary"]["theta"].items()}
    return {}


# --------------------------------------------------------------------------- what the report reads from rows


@dataclass
class RowStats:
    """The slim per-row facts a report needs, gathered in one pass over the data."""

    rows: list[dict] = field(default_factory=list)
    prompts: dict[str, list[str]] = field(default_factory=dict)
    solvers: list[str] = field(default_factory=list)

    @property
    def families(self) -> list[str]:
        return sorted({r["family"] for r in self.rows})


def _effort_of(d: dict) -> dict[str, dict[str, float]]:
    """`difficulty.effort` as {backend: {conflicts, decisions, ...}}; a flat dict counts as one backend."""
    eff = d.get("effort")
    if not isinstance(eff, dict) or not eff:
        return {}
    if all(isinstance(v, dict) for v in eff.values()):
        return {b: {k: float(x) for k, x in v.items() if isinstance(x, (int, float))} for b, v in eff.items()}
    return {"solver": {k: float(x) for k, x in eff.items() if isinstance(x, (int, float))}}


def _ratio_of(d: dict, knobs: dict) -> float | None:
    """Clauses per variable: the row's own count when recorded, else what its knobs asked for."""
    if isinstance(d.get("ratio"), (int, float)):
        return float(d["ratio"])
    if d.get("n_vars") and d.get("n_clauses"):
        return d["n_clauses"] / d["n_vars"]
    if knobs.get("clauses") and knobs.get("n"):
        return knobs["clauses"] / knobs["n"]
    if isinstance(knobs.get("ratio"), (int, float)):
        return float(knobs["ratio"])
    return None


def _flat_bytes(rec: dict) -> int:
    """Bytes of the row as exported (string columns: UTF-8 data plus a 4-byte Arrow offset per value)."""
    from hardgen.core.store import flatten_row

    return sum(len(v.encode()) + 4 if isinstance(v, str) else 4 for v in flatten_row(rec).values())


def collect(data: str | os.PathLike | Iterable[dict], dedup_sample: int = DEDUP_SAMPLE) -> RowStats:
    """One pass over a dataset (directory, record file, or an iterable of records) keeping what a report needs."""
    from hardgen.core.store import open_dataset

    records = open_dataset(data) if isinstance(data, (str, os.PathLike)) else data
    st = RowStats()
    solvers: set[str] = set()
    for r in records:
        d = r.get("difficulty") or {}
        src = r.get("source") or {}
        knobs = src.get("knobs") if isinstance(src.get("knobs"), dict) else {}
        val = r.get("validity") or {}
        grades = {}
        for s, g in (d.get("grades") or {}).items():
            if isinstance(g, dict) and g.get("k"):
                grades[s] = (int(g.get("correct", 0)), int(g["k"]),
                             g["pass_rate"] if g.get("pass_rate") is not None else g.get("correct", 0) / g["k"])
        solvers.update(grades)
        irt = d.get("irt") if isinstance(d.get("irt"), dict) else {}
        st.rows.append({
            "family": r["family"], "split": r.get("split") or "train", "level": str(d.get("level") or "none"),
            "label": d.get("label"), "knobs": knobs, "run_seed": src.get("run_seed"),
            "validity": val.get("status") if val else None,
            "reason": (val.get("reason") or "").split(";")[0].strip() if val else "",
            "grades": grades, "b": irt.get("b"), "effort": _effort_of(d), "ratio": _ratio_of(d, knobs),
            "sat_status": d.get("status"), "kind": (r.get("check") or {}).get("kind"),
            "nbytes": _flat_bytes(r),
        })
        fam_prompts = st.prompts.setdefault(r["family"], [])
        if len(fam_prompts) < dedup_sample:
            fam_prompts.append(r["prompt"])
    st.solvers = sorted(solvers)
    return st


def _level_groups(rows: list[dict]) -> dict[str, list[tuple[str, tuple]]]:
    """Per family, its knob settings in difficulty order as (label, key); key = (level, canonical knobs).

    Named levels come in the usual easy → extreme order; custom settings follow, sorted by the knobs that vary,
    and are labelled by those knobs (e.g. `ratio=4.26`), so a sweep reads as a curve.
    """
    out: dict[str, list[tuple[str, tuple]]] = {}
    by_fam: dict[str, dict[tuple, dict]] = {}
    for r in rows:
        key = (r["level"], json.dumps(r["knobs"], sort_keys=True))
        by_fam.setdefault(r["family"], {})[key] = r["knobs"]
    for fam, groups in by_fam.items():
        varying = sorted({n for kn in groups.values() for n in kn
                          if len({json.dumps(g.get(n)) for g in groups.values()}) > 1})
        level_count: dict[str, int] = {}
        for lvl, _ in groups:
            level_count[lvl] = level_count.get(lvl, 0) + 1

        def label(key: tuple) -> str:
            lvl, _ = key
            kn = groups[key]
            diff = ",".join(f"{n}={_fmt_num(kn.get(n))}" for n in varying if n in kn)
            if lvl in ("custom", "none"):
                return diff or lvl
            return lvl if level_count[lvl] == 1 else f"{lvl} ({diff})"

        ladder = _family_levels(fam)

        def order(key: tuple) -> tuple:
            lvl, _ = key
            kn = groups[key]
            rank = ladder.index(lvl) if lvl in ladder else (len(ladder) if lvl not in ("custom", "none")
                                                            else len(ladder) + 1)
            vals = tuple((0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v))
                         for v in (kn.get(n) for n in varying))
            return (rank, lvl, vals)

        out[fam] = [(label(k), k) for k in sorted(groups, key=order)]
    return out


def _family_levels(family: str) -> list[str]:
    """The family's own level order (easy → hard as it declares them); the usual names for unknown families."""
    from hardgen.generators.base import load_families

    cls = load_families().get(family)
    return list(cls.levels) if cls is not None else list(LEVEL_ORDER)


def _fmt_num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


# --------------------------------------------------------------------------- plotting helpers


def _figure(w: float, h: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), dpi=110, layout="constrained")


def _save(fig, out: Path, name: str) -> str:
    fig.savefig(out / name)
    return name


def _int_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _short(text: str, width: int = 60) -> str:
    return textwrap.shorten(text, width=width, placeholder="…") if text else "(no reason given)"


def _grid(n: int, max_cols: int = 3) -> tuple[int, int]:
    cols = min(max_cols, n)
    return math.ceil(n / cols), cols


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _pooled(cells: list[tuple[int, int, float]]) -> tuple[float, float, float] | None:
    """Pooled pass rate over problems (sum correct / sum rollouts) with a Wilson interval."""
    from hardgen.difficulty.stats import wilson_interval

    c = sum(x[0] for x in cells)
    n = sum(x[1] for x in cells)
    if n == 0:
        return None
    lo, hi = wilson_interval(c, n)
    return c / n, lo, hi


# --------------------------------------------------------------------------- sections


@dataclass
class Section:
    """One part of the report: its markdown text, and the PNG it drew (None when skipped or text only)."""

    key: str
    title: str
    text: str = ""
    plot: str | None = None
    skipped: str | None = None

    def markdown(self) -> str:
        parts = [f"## {self.title}", ""]
        if self.skipped:
            parts += [f"_Skipped: {self.skipped}_", ""]
        if self.plot:
            parts += [f"![{self.title}]({self.plot})", ""]
        if self.text:
            parts += [self.text.rstrip(), ""]
        return "\n".join(parts)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    esc = lambda c: str(c).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def section_lineage(chain: list[dict]) -> Section:
    sec = Section("lineage", "Stage lineage")
    if not chain:
        sec.skipped = "the data is a plain record file without a manifest, so the stages that made it are unknown"
        return sec
    rows = []
    for i, e in enumerate(chain, 1):
        params = json.dumps(e["params"], sort_keys=True, separators=(", ", ": "))
        rows.append([i, e["stage"], f"`{e['path']}`", "-" if e["rows"] is None else e["rows"],
                     f"`{_short(params, 220)}`" if e["params"] else ""])
    sec.text = _table(["#", "stage", "output", "rows", "params"], rows)
    missing = [e for e in chain if e.get("missing_input")]
    if missing:
        sec.text += (f"\n\nThe input of `{missing[0]['path']}` (`{missing[0]['missing_input']}`) is gone; "
                     "the lineage starts there.")
    return sec


def section_counts(st: RowStats, out: Path) -> Section:
    sec = Section("counts", "Problems per family and difficulty level")
    if not st.rows:
        sec.skipped = "the dataset has no rows"
        return sec
    fams = st.families
    levels = sorted({r["level"] for r in st.rows},
                    key=lambda x: (LEVEL_ORDER.index(x) if x in LEVEL_ORDER else len(LEVEL_ORDER), x))
    labels = [lb for lb in LABEL_ORDER if any(r["label"] == lb for r in st.rows)]
    panels = [("level", "knob level (difficulty.level)", levels)]
    if labels:
        panels.append(("label", "difficulty label (gen select)", labels))
    fig = _figure(6.5 * len(panels), 1.2 + 0.38 * len(fams))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    y = np.arange(len(fams))
    for ax, (field_name, title, cats) in zip(axes, panels):
        left = np.zeros(len(fams))
        cols = _palette(len(cats))
        for cat, col in zip(cats, cols):
            vals = np.array([sum(1 for r in st.rows if r["family"] == f and r[field_name] == cat) for f in fams])
            ax.barh(y, vals, left=left, color=col, label=cat, edgecolor="white", linewidth=0.5)
            left += vals
        ax.set_yticks(y, fams)
        ax.invert_yaxis()
        ax.set_xlabel("problems")
        ax.set_title(title)
        ax.xaxis.set_major_locator(_int_locator())
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    sec.plot = _save(fig, out, "counts.png")
    rows = []
    for f in fams:
        fr = [r for r in st.rows if r["family"] == f]
        lv: dict[str, int] = {}
        for r in fr:
            lv[r["level"]] = lv.get(r["level"], 0) + 1
        rows.append([f, len(fr), sum(r["split"] == "train" for r in fr), sum(r["split"] == "test" for r in fr),
                     ", ".join(f"{k} {v}" for k, v in lv.items())])
    rows.append(["**total**", len(st.rows), sum(r["split"] == "train" for r in st.rows),
                 sum(r["split"] == "test" for r in st.rows), ""])
    sec.text = _table(["family", "rows", "train", "test", "levels"], rows)
    if labels:
        counts = {lb: sum(r["label"] == lb for r in st.rows) for lb in labels}
        sec.text += "\n\nDifficulty labels: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    return sec


def section_validity(st: RowStats, out: Path) -> Section:
    sec = Section("validity", "Validity")
    if not any(r["validity"] for r in st.rows):
        sec.skipped = "no row has a `validity` field (run `gen verify`)"
        return sec
    fams = st.families
    statuses = ["valid", "invalid", "unknown", "not verified"]
    status_of = lambda r: r["validity"] or "not verified"  # noqa: E731
    reasons: dict[str, int] = {}
    for r in st.rows:
        if r["validity"] in ("invalid", "unknown"):
            key = f"{r['validity']}: {r['reason'] or '(no reason given)'}"
            reasons[key] = reasons.get(key, 0) + 1
    top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    ncols = 2 if top else 1
    fig = _figure(6.5 * ncols, 1.2 + 0.38 * max(len(fams), len(top) if top else 0))
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    y = np.arange(len(fams))
    left = np.zeros(len(fams))
    for s in statuses:
        vals = np.array([sum(1 for r in st.rows if r["family"] == f and status_of(r) == s) for f in fams])
        if vals.sum() == 0:
            continue
        axes[0].barh(y, vals, left=left, color=VALIDITY_COLORS[s], label=s, edgecolor="white", linewidth=0.5)
        left += vals
    axes[0].set_yticks(y, fams)
    axes[0].invert_yaxis()
    axes[0].set_xlabel("problems")
    axes[0].set_title("validity per family")
    axes[0].xaxis.set_major_locator(_int_locator())
    axes[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if top:
        ax = axes[1]
        yy = np.arange(len(top))
        ax.barh(yy, [v for _, v in top],
                color=[VALIDITY_COLORS[k.split(":")[0]] for k, _ in top])
        ax.set_yticks(yy, [_short(k, 55) for k, _ in top], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("rows")
        ax.set_title("most common reasons (not valid)")
    sec.plot = _save(fig, out, "validity.png")
    rows = []
    for f in fams:
        fr = [r for r in st.rows if r["family"] == f]
        rows.append([f] + [sum(status_of(r) == s for r in fr) for s in statuses])
    sec.text = _table(["family"] + statuses, rows)
    if top:
        sec.text += "\n\n" + _table(["reason", "rows"], [[k, v] for k, v in sorted(reasons.items(),
                                                                                     key=lambda kv: -kv[1])[:20]])
    else:
        sec.text += "\n\nEvery verified row is valid."
    return sec


def _select_window(chain: list[dict]) -> tuple[str, Any] | None:
    from hardgen.difficulty.window import Window

    for e in reversed(chain):
        if e["stage"] == "select" and e["params"].get("solver") and e["params"].get("window"):
            try:
                return e["params"]["solver"], Window.parse(e["params"]["window"])
            except HardgenError:
                return None
    return None


def section_pass_rates(st: RowStats, out: Path, chain: list[dict]) -> Section:
    sec = Section("pass_rates", "Pass rates per solver")
    if not st.solvers:
        sec.skipped = "no row has grades (run `gen grade --solver SPEC`)"
        return sec
    win = _select_window(chain)
    nrow, ncol = _grid(len(st.solvers), 3)
    fig = _figure(4.2 * ncol, 3.0 * nrow)
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    table = []
    for ax, s in zip(axes, st.solvers):
        cells = [r["grades"][s] for r in st.rows if s in r["grades"]]
        rates = np.array([c[2] for c in cells], float)
        ks = {c[1] for c in cells}
        if len(ks) == 1:  # rates are multiples of 1/k: one bar per possible value
            k = ks.pop()
            edges = np.linspace(-0.5 / k, 1 + 0.5 / k, k + 2)
        else:
            edges = np.linspace(0, 1, 21)
        ax.hist(rates, bins=edges, color="#1f77b4", edgecolor="white", zorder=2)
        pooled = _pooled(cells)
        title = f"{s}\n{len(cells)} problems, pooled pass rate {pooled[0]:.2f}" if pooled else s
        if win is not None and win[0] == s:  # the window `gen select` kept, shaded behind the bars
            ax.axvspan(win[1].lo, win[1].hi, color="#ff7f0e", alpha=0.18, zorder=1, lw=0)
            title += f"\nshaded: select window {win[1]}"
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("pass rate")
        ax.set_ylabel("problems")
        ax.yaxis.set_major_locator(_int_locator())
        ax.set_xlim(min(edges[0], -0.05), max(edges[-1], 1.05))
        table.append([s, len(cells), sum(c[1] for c in cells), f"{pooled[0]:.3f}" if pooled else "-",
                      f"[{pooled[1]:.3f}, {pooled[2]:.3f}]" if pooled else "-", f"{rates.mean():.3f}",
                      int((rates == 0).sum()), int((rates == 1).sum())])
    for ax in axes[len(st.solvers):]:
        ax.set_visible(False)
    sec.plot = _save(fig, out, "pass_rates.png")
    sec.text = _table(["solver", "problems", "rollouts", "pooled pass rate", "95% CI", "mean per problem",
                       "never solved", "always solved"], table)
    fam_rows = []
    for f in st.families:
        fam_rows.append([f] + [
            (lambda p: f"{p[0]:.3f}" if p else "-")(_pooled([r["grades"][s] for r in st.rows
                                                             if r["family"] == f and s in r["grades"]]))
            for s in st.solvers])
    sec.text += "\n\nPooled pass rate per family:\n\n" + _table(["family"] + st.solvers, fam_rows)
    return sec


def section_level_curves(st: RowStats, out: Path) -> Section:
    sec = Section("level_curves", "Pass rate by knob level")
    if not st.solvers:
        sec.skipped = "no row has grades, so there are no pass rates to plot against the knob levels"
        return sec
    groups = _level_groups([r for r in st.rows if r["grades"]])
    fams = sorted(groups)
    nrow, ncol = _grid(len(fams), 3)
    fig = _figure(4.6 * ncol, 3.4 * nrow)
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    colors = dict(zip(st.solvers, _palette(len(st.solvers))))
    table = []
    for ax, fam in zip(axes, fams):
        ladder = groups[fam]
        x = np.arange(len(ladder))
        for s in st.solvers:
            pts = []
            for i, (lbl, key) in enumerate(ladder):
                cells = [r["grades"][s] for r in st.rows if r["family"] == fam and s in r["grades"]
                         and (r["level"], json.dumps(r["knobs"], sort_keys=True)) == key]
                p = _pooled(cells)
                if p:
                    pts.append((i, *p))
                    table.append([fam, i, lbl, s, len(cells), f"{p[0]:.3f}", f"[{p[1]:.3f}, {p[2]:.3f}]"])
            if pts:
                xs, ps, lo, hi = (np.array(v) for v in zip(*pts))
                ax.errorbar(xs, ps, yerr=[np.clip(ps - lo, 0, None), np.clip(hi - ps, 0, None)], marker="o",
                            capsize=3, color=colors[s], label=s)
        ax.set_xticks(x, [lbl for lbl, _ in ladder], rotation=30 if len(ladder) > 3 else 0, ha="right"
                      if len(ladder) > 3 else "center", fontsize=8)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlim(-0.5, len(ladder) - 0.5)
        ax.set_title(fam, fontsize=10)
        ax.set_ylabel("pass rate")
        ax.grid(alpha=0.3)
    for ax in axes[len(fams):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(4, len(labels)), fontsize=8)
    sec.plot = _save(fig, out, "level_curves.png")
    table = [[f, lbl, s, n, p, ci] for f, _, lbl, s, n, p, ci in sorted(table, key=lambda t: (t[0], t[1], t[3]))]
    sec.text = ("Pooled pass rate (correct / rollouts) of the rows generated at each knob setting, with 95% "
                "Wilson intervals.\n\n" + _table(["family", "level", "solver", "problems", "pass rate", "95% CI"],
                                                  table))
    return sec


def load_calibrations(calibration: Any) -> list[dict]:
    """Calibration tables from `gen calibrate -o FILE`: a path, a dict, or a list of either."""
    if calibration is None:
        return []
    items = calibration if isinstance(calibration, (list, tuple)) else [calibration]
    out = []
    for it in items:
        if isinstance(it, dict):
            obj = it
        else:
            try:
                obj = json.loads(Path(it).read_text())
            except OSError as e:
                raise HardgenError(f"cannot read calibration table {it}: {e.strerror or e}") from None
            except json.JSONDecodeError as e:
                raise HardgenError(f"{it}: not JSON ({e.msg}); expected the output of `gen calibrate -o`") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("table"), list) or "family" not in obj:
            raise HardgenError(f"{it if not isinstance(it, dict) else 'calibration'}: expected a `gen calibrate` "
                               "table ({family, solver, target, table: [...]})")
        out.append(obj)
    return out


def section_calibration(cals: list[dict], out: Path) -> Section:
    sec = Section("calibration", "Calibration")
    if not cals:
        sec.skipped = ("no calibration table given (`gen calibrate FAMILY ... -o calib.json`, then pass it to the "
                       "report)")
        return sec
    nrow, ncol = _grid(len(cals), 2)
    fig = _figure(5.2 * ncol, 3.6 * nrow)
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    rows = []
    for ax, c in zip(axes, cals):
        tab = c["table"]
        x = np.arange(len(tab))
        p = np.array([t["pass_rate"] for t in tab], float)
        lo = np.array([t.get("ci", [t["pass_rate"]] * 2)[0] for t in tab], float)
        hi = np.array([t.get("ci", [t["pass_rate"]] * 2)[1] for t in tab], float)
        ax.errorbar(x, p, yerr=[np.clip(p - lo, 0, None), np.clip(hi - p, 0, None)], marker="o", capsize=3, color="#1f77b4", label="pass rate")
        if c.get("target") is not None:
            ax.axhline(c["target"], ls="--", color="#d62728", label=f"target {c['target']:g}")
        best = c.get("best") or {}
        for i, t in enumerate(tab):
            if t.get("level") == best.get("level"):
                ax.plot([i], [t["pass_rate"]], marker="*", ms=16, color="#ff7f0e", ls="none", label="chosen")
            rows.append([c["family"], c.get("solver", ""), t.get("level"), f"{t['pass_rate']:.3f}",
                         "[{:.3f}, {:.3f}]".format(*t["ci"]) if t.get("ci") else "-",
                         t.get("problems", "-"), t.get("k", "-"), "yes" if t.get("level") == best.get("level") else ""])
        ax.set_xticks(x, [str(t.get("level")) for t in tab], rotation=30 if len(tab) > 3 else 0,
                      ha="right" if len(tab) > 3 else "center", fontsize=8)
        ax.set_xlim(-0.5, len(tab) - 0.5)
        ax.set_ylim(-0.03, 1.03)
        ax.set_ylabel("pass rate")
        ax.set_xlabel("knob level (easy → hard)")
        ax.set_title(f"{c['family']} — {c.get('solver', '')}", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(cals):]:
        ax.set_visible(False)
    sec.plot = _save(fig, out, "calibration.png")
    sec.text = _table(["family", "solver", "level", "pass rate", "95% CI", "problems", "k", "chosen"], rows)
    mono = [c for c in cals if c.get("monotone") is False]
    if mono:
        sec.text += "\n\nWarning: pass rate does not fall monotonically along the levels for " + ", ".join(
            f"{c['family']} / {c.get('solver')}" for c in mono) + "."
    return sec


def section_irt(st: RowStats, out: Path, theta: dict[str, float]) -> Section:
    sec = Section("irt", "IRT: item difficulty against solver ability (Wright map)")
    items = [r for r in st.rows if isinstance(r["b"], (int, float))]
    if not items:
        sec.skipped = "no row has `difficulty.irt.b` (run `gen irt` on graded data)"
        return sec
    b_all = np.array([r["b"] for r in items], float)
    fams = sorted({r["family"] for r in items})
    lo = min(b_all.min(), min(theta.values(), default=0.0)) - 0.5
    hi = max(b_all.max(), max(theta.values(), default=0.0)) + 0.5
    edges = np.linspace(lo, hi, 31)
    fig = _figure(8.0, 3.2 + 0.35 * max(len(theta), 1))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[max(len(theta), 1), 4])
    order = sorted(theta.items(), key=lambda kv: kv[1])
    cols = _palette(max(len(order), 1))
    for i, (s, t) in enumerate(order):
        top.plot([t], [i], marker="D", ms=8, color=cols[i])
        right_half = (t - lo) / (hi - lo) > 0.6  # label on the side with room, so it stays inside the axes
        top.annotate(f"{s}  θ={t:+.2f}", (t, i), xytext=(-8 if right_half else 8, 0), textcoords="offset points",
                     va="center", ha="right" if right_half else "left", fontsize=8)
        bottom.axvline(t, color=cols[i], ls="--", lw=1)
    top.set_yticks([])
    top.set_ylim(-0.7, max(len(order), 1) - 0.3)
    top.set_title("solver ability θ" if order else "solver ability θ: not found (no irt stage in the lineage)",
                  fontsize=9)
    fam_cols = _palette(len(fams))
    stacks = [np.array([r["b"] for r in items if r["family"] == f], float) for f in fams]
    bottom.hist(stacks, bins=edges, stacked=True, color=fam_cols[:len(fams)], label=fams, edgecolor="white",
                linewidth=0.4)
    bottom.set_xlabel("logit scale: item difficulty b / solver ability θ")
    bottom.set_ylabel("items")
    bottom.yaxis.set_major_locator(_int_locator())
    bottom.set_title("item difficulty b (P(solve) = σ(a(θ − b)); an item at b = θ is solved half the time)",
                     fontsize=9)
    if len(fams) > 1:
        bottom.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    sec.plot = _save(fig, out, "irt_wright_map.png")
    rows = [[f, len(s), f"{np.median(s):+.2f}", f"{s.min():+.2f}", f"{s.max():+.2f}"] for f, s in zip(fams, stacks)]
    sec.text = _table(["family", "items", "median b", "min b", "max b"], rows)
    if order:
        sec.text += "\n\n" + _table(["solver", "θ", "items with b < θ"],
                                    [[s, f"{t:+.3f}", int((b_all < t).sum())] for s, t in order[::-1]])
    else:
        sec.text += "\n\nNo `irt` stage found in the lineage, so solver abilities are not shown."
    return sec


def _ratio_bins(x: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """Groups of rows for the median line: one per ratio when ratios come from a few knob settings, else (ratios
    that vary row by row, e.g. after uniqueness cuts) eight equal-width bins at their centres."""
    ux = np.unique(x)
    if len(ux) <= 12 and all((x == v).sum() >= 2 for v in ux):
        return [(float(v), x == v) for v in ux]
    edges = np.linspace(x.min(), x.max(), 9)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, 7)
    return [(float((edges[i] + edges[i + 1]) / 2), idx == i) for i in range(8)]


def section_effort(st: RowStats, out: Path) -> Section:
    sec = Section("sat_effort", "SAT solver effort against clause ratio")
    rows = [r for r in st.rows if r["effort"] and r["ratio"] is not None]
    if not rows:
        sec.skipped = "no SAT rows with `difficulty.effort` and a clause ratio (generate a sat.* family)"
        return sec
    metrics = [m for m in ("conflicts", "decisions", "propagations")
               if any(m in e for r in rows for e in r["effort"].values())]
    series = sorted({(r["family"], b) for r in rows for b in r["effort"]})
    colors = dict(zip(series, _palette(len(series))))
    fig = _figure(4.4 * len(metrics), 3.8)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    rng = np.random.default_rng(0)  # jitter so points at one ratio do not hide each other
    span = max(r["ratio"] for r in rows) - min(r["ratio"] for r in rows)
    table = []
    for ax, m in zip(axes, metrics):
        for fam, b in series:
            pts = [(r["ratio"], r["effort"][b][m], r["sat_status"]) for r in rows
                   if r["family"] == fam and m in r["effort"].get(b, {})]
            if not pts:
                continue
            x = np.array([p[0] for p in pts], float)
            y = np.array([p[1] for p in pts], float) + 1
            unsat = np.array([p[2] == "unsat" for p in pts])
            xj = x + rng.uniform(-0.012, 0.012, len(x)) * (span or 1)
            lbl = f"{fam} · {b}" if len({s[0] for s in series}) > 1 else b
            ax.scatter(xj[~unsat], y[~unsat], s=12, alpha=0.55, color=colors[(fam, b)], marker="o",
                       label=f"{lbl} (sat)")
            if unsat.any():
                ax.scatter(xj[unsat], y[unsat], s=16, alpha=0.7, color=colors[(fam, b)], marker="x",
                           label=f"{lbl} (unsat)")
            bins = _ratio_bins(x)
            centers = [c for c, sel in bins if sel.sum() >= 2]
            if len(centers) >= 2:
                ax.plot(centers, [np.median(y[sel]) for c, sel in bins if sel.sum() >= 2], color=colors[(fam, b)],
                        lw=1.5)
            if m == metrics[0]:
                for c, sel in bins:
                    if sel.any():
                        table.append([fam, b, _fmt_num(round(float(c), 3)), int(sel.sum()),
                                      int(np.median(y[sel]) - 1), int((unsat & sel).sum())])
        ax.set_yscale("log")
        ax.set_xlabel("clauses / variables")
        ax.set_ylabel(f"{m} + 1 (log)")
        ax.set_title(m, fontsize=10)
        ax.grid(alpha=0.3, which="both")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(4, len(labels)), fontsize=8)
    sec.plot = _save(fig, out, "sat_effort.png")
    sec.text = ("Solver effort recorded while generating (lines: median per ratio or ratio bin; × = unsatisfiable)."
                "\n\n"
                + _table(["family", "backend", "ratio", "rows", f"median {metrics[0]}", "unsat"], table))
    return sec


def near_duplicate_stats(prompts: dict[str, list[str]], thresholds: tuple[float, ...] = DEDUP_THRESHOLDS
                         ) -> dict[str, dict]:
    """Per family: pairs of prompts whose MinHash Jaccard (template wording left out, as `gen select` does)
    reaches each threshold, rows with a near-duplicate partner, and each row's highest similarity."""
    from hardgen.core.dedup import MinHasher, boilerplate_shingles

    hasher = MinHasher()
    out = {}
    for fam, texts in sorted(prompts.items()):
        n = len(texts)
        stat = {"rows": n, "pairs": {str(t): 0 for t in thresholds}, "rows_with_partner": {str(t): 0 for t in
                                                                                             thresholds},
                "max_sim": []}
        if n >= 2:
            boiler = boilerplate_shingles(texts)
            sigs = np.stack([hasher.signature(t, boiler) for t in texts])
            best = np.zeros(n)
            block = max(1, 4_000_000 // (n * sigs.shape[1]))
            for i0 in range(0, n, block):
                sim = (sigs[i0:i0 + block, None, :] == sigs[None, :, :]).mean(axis=2)
                for j in range(sim.shape[0]):
                    sim[j, i0 + j] = -1.0  # a row is not its own duplicate
                best[i0:i0 + block] = sim.max(axis=1)
                upper = sim[:, :]
                idx = np.arange(i0, i0 + sim.shape[0])[:, None] < np.arange(n)[None, :]
                for t in thresholds:
                    stat["pairs"][str(t)] += int(((upper >= t) & idx).sum())
            for t in thresholds:
                stat["rows_with_partner"][str(t)] = int((best >= t).sum())
            stat["max_sim"] = best.round(4).tolist()
        out[fam] = stat
    return out


def section_dedup(st: RowStats, out: Path, sample: int) -> Section:
    sec = Section("near_duplicates", "Near-duplicates within families")
    if not st.rows:
        sec.skipped = "the dataset has no rows"
        return sec
    stats = near_duplicate_stats(st.prompts)
    fams = [f for f, s in stats.items() if s["max_sim"]]
    if not fams:
        sec.skipped = "every family has fewer than 2 rows, so there are no pairs to compare"
        return sec
    fig = _figure(7.5, 3.8)
    ax = fig.subplots()
    edges = np.linspace(0, 1, 41)
    ax.hist([stats[f]["max_sim"] for f in fams], bins=edges, stacked=True, color=_palette(len(fams)), label=fams,
            edgecolor="white", linewidth=0.4)
    for t in DEDUP_THRESHOLDS:
        ax.axvline(t, ls="--", color="#444444", lw=0.8)
        ax.annotate(f"{t:g}", (t, 1), xycoords=("data", "axes fraction"), xytext=(2, -10),
                    textcoords="offset points", fontsize=7)
    ax.set_xlabel("highest similarity to another prompt of the same family (MinHash Jaccard, template removed)")
    ax.set_ylabel("rows")
    ax.yaxis.set_major_locator(_int_locator())
    ax.set_xlim(0, 1)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    sec.plot = _save(fig, out, "near_duplicates.png")
    head = ["family", "rows compared"] + [f"pairs ≥ {t:g}" for t in DEDUP_THRESHOLDS] + \
        [f"rows with a partner ≥ {t:g}" for t in DEDUP_THRESHOLDS]
    rows = [[f, stats[f]["rows"]] + [stats[f]["pairs"][str(t)] for t in DEDUP_THRESHOLDS]
            + [stats[f]["rows_with_partner"][str(t)] for t in DEDUP_THRESHOLDS] for f in sorted(stats)]
    sec.text = _table(head, rows)
    capped = [f for f in stats if stats[f]["rows"] >= sample]
    if capped:
        sec.text += f"\n\nOnly the first {sample} rows of {', '.join(capped)} were compared."
    return sec


# --------------------------------------------------------------------------- the report


def make_report(data: str | os.PathLike, out: str | os.PathLike, calibration: Any = None, lineage: bool = True,
                dedup_sample: int = DEDUP_SAMPLE) -> dict:
    """Write plots (PNG) and `report.md` (plus `report.json` with the figures' numbers) for a dataset into `out`.

    `data` is any stage's output directory or a record file. `calibration`: path(s) or dict(s) from
    `gen calibrate -o`. With `lineage`, the stages that made the data are listed (following manifests' `inputs`)
    and solver abilities θ come from the `irt` stage among them.
    Returns `{report, rows, plots: {section: file}, skipped: {section: why}}`.

    >>> make_report("data/irt", "data/report")["plots"]["irt"]  # doctest: +SKIP
    'irt_wright_map.png'
    """
    out_p = Path(out)
    try:
        out_p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise HardgenError(f"cannot create report directory {out_p}: {e.strerror or e}") from None
    cals = load_calibrations(calibration)
    chain = stage_lineage(data) if lineage else []
    st = collect(data, dedup_sample)
    theta = theta_from_lineage(chain)
    sections = [
        section_lineage(chain) if lineage else Section("lineage", "Stage lineage", skipped="lineage not requested"),
        section_counts(st, out_p),
        section_validity(st, out_p),
        section_pass_rates(st, out_p, chain),
        section_level_curves(st, out_p),
        section_calibration(cals, out_p),
        section_irt(st, out_p, theta),
        section_effort(st, out_p),
        section_dedup(st, out_p, dedup_sample),
    ]
    title = f"# Dataset report: `{data}`"
    intro = (f"{len(st.rows)} rows, {len(st.families)} famil{'y' if len(st.families) == 1 else 'ies'}, "
             f"{len(st.solvers)} graded solver{'' if len(st.solvers) == 1 else 's'}.")
    contents = "\n".join(f"- [{s.title}](#{_anchor(s.title)})" + (" (skipped)" if s.skipped else "")
                         for s in sections)
    text = "\n\n".join([title, intro, contents] + [s.markdown() for s in sections]).rstrip() + "\n"
    (out_p / "report.md").write_text(text)
    result = {"report": str(out_p / "report.md"), "rows": len(st.rows), "families": st.families,
              "solvers": st.solvers, "theta": theta,
              "plots": {s.key: s.plot for s in sections if s.plot},
              "skipped": {s.key: s.skipped for s in sections if s.skipped},
              "lineage": [{k: e[k] for k in ("stage", "path", "rows")} for e in chain]}
    (out_p / "report.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def _anchor(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return keep.replace(" ", "-")


__all__ = ["make_report", "stage_lineage", "theta_from_lineage", "collect", "near_duplicate_stats", "load_calibrations"]


def run(src: str, out: str, opts: ReportOptions, overwrite: bool = False) -> dict:
    """The report stage with its settings: what `gen report` and `gen run` call."""
    return make_report(src, out, calibration=list(opts.calibration) or None, lineage=opts.lineage)
