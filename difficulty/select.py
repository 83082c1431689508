"""The select stage: keep hard-but-solvable rows, mix by family and difficulty, drop near-duplicates.

Rules, in order, each counted in the summary:
1. `window`: the named solver's pass rate must lie in the window (default `(0, 0.5]`: lower bound open, upper
   closed). Rows the solver did not grade are dropped. Rows graded adaptively for this same window keep the
   grader's call (its posterior decision, made with every rollout) rather than re-reading the observed rate.
2. solvable: a proven answer (`validity.status == "valid"`), or — for rows without a proven answer — solved at
   least once by another solver.
3. near-duplicates: MinHash Jaccard >= `dedup_threshold` on the prompt's token 3-grams, leaving out the wording
   that at least half of a family's prompts share (the template), so only the problem content is compared. Test rows are indexed first, so a train
   row that near-duplicates a test row is always the one dropped; among rows of one split the first is kept.
4. mixing: `balance_families` caps every family at the smallest family's count; `target` (label → weight over
   the difficulty labels below) samples the largest set whose label shares match the weights.
Difficulty labels from the solver's pass rate p: very_hard (0, 1/8], hard (1/8, 3/8], medium (3/8, 5/8],
easy (5/8, 1], unsolved p = 0.
"""

from __future__ import annotations

import hashlib
from typing import Any

from hardgen.core.dedup import NearDuplicateIndex
from hardgen.difficulty.window import Window
from hardgen.core.errors import HardgenError

LABELS = ("unsolved", "very_hard", "hard", "medium", "easy")


def difficulty_label(p: float) -> str:
    if p <= 0:
        return "unsolved"
    if p <= 0.125:
        return "very_hard"
    if p <= 0.375:
        return "hard"
    if p <= 0.625:
        return "medium"
    return "easy"


def parse_target(text: str | None) -> dict[str, float] | None:
    """`hard=0.5,very_hard=0.3,medium=0.2` → weights (normalised)."""
    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        if "=" not in part:
            raise HardgenError(f"--target expects LABEL=WEIGHT pairs, got {part!r}")
        k, v = part.split("=", 1)
        k = k.strip()
        if k not in LABELS:
            raise HardgenError(f"unknown difficulty label {k!r}; labels are {', '.join(LABELS)}")
        try:
            out[k] = float(v)
        except ValueError:
            raise HardgenError(f"--target weight for {k!r} must be a number, got {v!r}") from None
        if out[k] < 0:
            raise HardgenError(f"--target weight for {k!r} must be >= 0")
    total = sum(out.values())
    if total <= 0:
        raise HardgenError("--target weights must not all be zero")
    return {k: v / total for k, v in out.items()}


def _solvable(rec: dict, solver: str) -> bool:
    if (rec.get("validity") or {}).get("status") == "valid":
        return True
    grades = (rec.get("difficulty") or {}).get("grades", {})
    return any(s != solver and g.get("correct", 0) > 0 for s, g in grades.items())


def _order_key(rid: str, seed: int) -> bytes:
    return hashlib.sha256(f"{seed}|{rid}".encode()).digest()


def select_rows(records, solver: str, window: Window = Window(), require_solvable: bool = True,
                dedup_threshold: float | None = 0.8, balance_families: bool = False,
                target: dict[str, float] | None = None, max_rows: int | None = None, seed: int = 0
                ) -> tuple[set[str], dict[str, Any]]:
    """Decide which ids to keep from an iterable of records; returns (kept ids, summary). Pure: no I/O."""
    dropped = {"not_graded": 0, "outside_window": 0, "not_solvable": 0, "near_duplicate": 0,
               "train_near_test": 0, "family_balance": 0, "target_mix": 0, "max_rows": 0}
    cands: list[dict] = []
    test_ids: set[str] = set()
    idx = NearDuplicateIndex(dedup_threshold) if dedup_threshold else None
    rows = list(records)
    boiler: dict[str, frozenset[int]] = {}
    if dedup_threshold:
        from hardgen.core.dedup import boilerplate_shingles

        for fam in {r["family"] for r in rows}:
            boiler[fam] = boilerplate_shingles(r["prompt"] for r in rows if r["family"] == fam)
    # test rows go into the index first, so train rows that copy them are the ones removed
    for rec in sorted(rows, key=lambda r: r.get("split") != "test"):
        g = (rec.get("difficulty") or {}).get("grades", {}).get(solver)
        if g is None or g.get("pass_rate") is None:
            dropped["not_graded"] += 1
            continue
        p = g["pass_rate"]
        ada = g.get("adaptive") or {}
        inside = ada["in_window"] if ada.get("window") == str(window) and "in_window" in ada else window.contains(p)
        if not inside:
            dropped["outside_window"] += 1
            continue
        if require_solvable and not _solvable(rec, solver):
            dropped["not_solvable"] += 1
            continue
        if idx is not None:
            sig = idx.hasher.signature(rec["prompt"], boiler.get(rec["family"], frozenset()))
            hit = idx.query_signature(sig)
            if hit is not None:
                is_cross = rec.get("split") != "test" and hit[0] in test_ids
                dropped["train_near_test" if is_cross else "near_duplicate"] += 1
                continue
            idx.add_signature(rec["id"], sig)
        if rec.get("split") == "test":
            test_ids.add(rec["id"])
        cands.append({"id": rec["id"], "family": rec["family"], "label": difficulty_label(p)})
    if balance_families and cands:
        per: dict[str, list[dict]] = {}
        for c in cands:
            per.setdefault(c["family"], []).append(c)
        cap = min(len(v) for v in per.values())
        keep = []
        for fam_rows in per.values():
            fam_rows.sort(key=lambda c: _order_key(c["id"], seed))
            keep.extend(fam_rows[:cap])
            dropped["family_balance"] += len(fam_rows) - cap
        cands = keep
    if target:
        by_label: dict[str, list[dict]] = {}
        for c in cands:
            by_label.setdefault(c["label"], []).append(c)
        # the largest total T with T·w_label <= available for every weighted label
        total = min(len(by_label.get(lbl, [])) / w for lbl, w in target.items() if w > 0)
        keep = []
        for lbl, group in by_label.items():
            want = int(round(total * target.get(lbl, 0.0)))
            group.sort(key=lambda c: _order_key(c["id"], seed))
            keep.extend(group[:want])
            dropped["target_mix"] += len(group) - min(want, len(group))
        cands = keep
    if max_rows is not None and len(cands) > max_rows:
        cands.sort(key=lambda c: _order_key(c["id"], seed))
        dropped["max_rows"] = len(cands) - max_rows
        cands = cands[:max_rows]
    labels: dict[str, int] = {}
    fams: dict[str, int] = {}
    for c in cands:
        labels[c["label"]] = labels.get(c["label"], 0) + 1
        fams[c["family"]] = fams.get(c["family"], 0) + 1
    summary = {"input": len(rows), "kept": len(cands), "dropped": dropped, "labels": labels, "families": fams,
               "window": str(window), "solver": solver}
    return {c["id"] for c in cands}, summary


