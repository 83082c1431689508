"""Problem validity: the reference answer re-derived by an independent route, and accepted by its own checker."""

from __future__ import annotations

from typing import Any

from hardgen.engine import map_ordered, resolve_workers
from hardgen.progress import bar
from hardgen.store import DatasetWriter, open_dataset
from hardgen.verifiers.base import Checks


def reference_response(record: dict) -> str | None:
    """The reference answer written as a model would be asked to write it (None when any solution counts)."""
    ans = record.get("answer")
    if ans is None:
        return None
    fmt = record["check"].get("response_format", "boxed")
    return f"The answer is \\boxed{{{ans}}}." if fmt == "boxed" else str(ans)


def verify_record(record: dict) -> dict:
    """Validity of one record: `{status: valid|invalid|unknown, checks: {name: bool|None}, reason}`."""
    from hardgen.generators.base import registered_family
    from hardgen.verifiers import score

    checks: dict[str, Any] = {}
    reasons: list[str] = []
    fam = registered_family(record["family"])
    if fam is None and str(record.get("family", "")).startswith("efa."):
        # an EFA row names its program file in source.knobs.program; load it (its code runs sandboxed)
        from hardgen.errors import HardgenError
        from hardgen.generators.efa import family_for_record
        try:
            fam = family_for_record(record)
        except HardgenError as e:
            return {"status": "unknown", "checks": {}, "reason": str(e)}
    if fam is None:
        return {"status": "unknown", "checks": {}, "reason": f"no verifier for family {record['family']!r}"}
    notes: dict[str, Any] = {}
    try:
        derived = fam().rederive(record)
        checks.update(derived)
        if isinstance(derived, Checks):  # budgeted checks explain themselves and note what ran out
            reasons.extend(derived.reasons)
            notes.update(derived.notes)
    except Exception as e:  # a malformed record must mark this row, not stop the stage
        checks["rederive"] = False
        reasons.append(f"rederive raised {type(e).__name__}: {e}")
    resp = reference_response(record)
    if resp is not None:
        v = score(record, resp)
        checks["answer_accepted"] = v.correct
        if v.correct is not True:
            reasons.append(f"checker does not accept the reference answer: {v.reason}")
    failed = [k for k, v in checks.items() if v is False]
    undecided = [k for k, v in checks.items() if v is None]
    if failed:
        status = "invalid"
        reasons.insert(0, f"failed: {', '.join(failed)}")
    elif undecided or not checks:
        status = "unknown"
        reasons.insert(0, f"undecided: {', '.join(undecided)}" if undecided else "no checks ran")
    else:
        status = "valid"
    out = {"status": status, "checks": checks, "reason": "; ".join(reasons)}
    if notes:
        out["notes"] = notes
    return out


def _verify_rows(rows: list[dict]) -> list[dict]:
    for r in rows:
        r["validity"] = verify_record(r)
    return rows


def _tally(rows: list[dict]) -> dict:
    """Per-shard validity counts, kept in the manifest so a resumed run can summarise without rereading rows."""
    t: dict = {"counts": {}, "by_family": {}, "reasons": {}}
    for r in rows:
        st = r["validity"]["status"]
        t["counts"][st] = t["counts"].get(st, 0) + 1
        fam = t["by_family"].setdefault(r["family"], {})
        fam[st] = fam.get(st, 0) + 1
        if st != "valid":
            head = r["validity"]["reason"].split(";")[0]
            t["reasons"][head] = t["reasons"].get(head, 0) + 1
    return t


def verify_dataset(src: str, out: str, workers: int | None = None, keep_invalid: bool = True,
                   overwrite: bool = False, fmt: str = "jsonl", engine: str = "local") -> dict:
    """Write `src` to `out` with `validity` filled on every row; resumable shard by shard.

    With `keep_invalid=False`, rows that are not valid are dropped (and counted in the summary).
    Returns `{counts, by_family, reasons, path}` over the whole input.
    """
    ds = open_dataset(src)
    workers = resolve_workers(workers)
    writer = DatasetWriter(out, stage="verify", params={"src": str(src), "keep_invalid": keep_invalid},
                           fmt=fmt, overwrite=overwrite, inputs=[str(src)])
    keys: list[str] = []

    def tasks():
        for c in ds.chunks():
            if not writer.is_done(c.key):
                keys.append(c.key)
                yield c.rows

    with bar(total=ds.num_rows, desc="verify") as pbar:
        for i, rows in enumerate(map_ordered(_verify_rows, tasks(), workers, engine=engine, size_pool=True)):
            kept = [r for r in rows if keep_invalid or r["validity"]["status"] == "valid"]
            writer.write_shard(keys[i], kept, {"tally": _tally(rows)})
            pbar.update(len(rows))
    counts = {"valid": 0, "invalid": 0, "unknown": 0}
    by_family: dict[str, dict[str, int]] = {}
    reasons: dict[str, int] = {}
    for key, info in sorted(writer.manifest["shards"].items()):
        t = info.get("tally") or _tally(list(writer.done_rows(key)))
        for st, k in t["counts"].items():
            counts[st] += k
        for fam, c in t["by_family"].items():
            agg = by_family.setdefault(fam, {"valid": 0, "invalid": 0, "unknown": 0})
            for st, k in c.items():
                agg[st] += k
        for reason, k in t["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + k
    summary = {"counts": counts, "by_family": by_family, "reasons": reasons}
    if not keep_invalid:
        summary["dropped"] = counts["invalid"] + counts["unknown"]
    writer.finish(summary)
    summary["path"] = str(writer.path)
    return summary


__all__ = ["verify_record", "verify_dataset", "reference_response"]
