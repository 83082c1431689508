"""Problem validity: the reference answer re-derived by an independent route, and accepted by its own checker."""

from __future__ import annotations

from typing import Any

from hardgen.engine import map_ordered, resolve_workers
from hardgen.errors import HardgenError
from hardgen.progress import bar
from hardgen.store import DatasetWriter, open_dataset


def reference_response(record: dict) -> str | None:
    """The reference answer written as a model would be asked to write it (None when any solution counts)."""
    ans = record.get("answer")
    if ans is None:
        return None
    fmt = record["check"].get("response_format", "boxed")
    return f"The answer is \\boxed{{{ans}}}." if fmt == "boxed" else str(ans)


def verify_record(record: dict) -> dict:
    """Validity of one record: `{status: valid|invalid|unknown, checks: {name: bool|None}, reason}`."""
    from hardgen.generators.base import load_families
    from hardgen.verifiers import score

    checks: dict[str, Any] = {}
    reasons: list[str] = []
    fams = load_families()
    fam = fams.get(record["family"])
    if fam is None:
        return {"status": "unknown", "checks": {}, "reason": f"no verifier for family {record['family']!r}"}
    try:
        checks.update(fam().rederive(record))
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
    return {"status": status, "checks": checks, "reason": "; ".join(reasons)}


def _verify_rows(rows: list[dict]) -> list[dict]:
    for r in rows:
        r["validity"] = verify_record(r)
    return rows


def verify_dataset(src: str, out: str, workers: int | None = None, keep_invalid: bool = True,
                   overwrite: bool = False, fmt: str = "jsonl") -> dict:
    """Write `src` to `out` with `validity` filled on every row; resumable shard by shard.

    With `keep_invalid=False`, rows that are not valid are dropped (and counted).
    """
    ds = open_dataset(src)
    workers = resolve_workers(workers)
    writer = DatasetWriter(out, stage="verify", params={"src": str(src), "keep_invalid": keep_invalid},
                           fmt=fmt, overwrite=overwrite, inputs=[str(src)])
    counts = {"valid": 0, "invalid": 0, "unknown": 0}
    reasons: dict[str, int] = {}
    by_family: dict[str, dict[str, int]] = {}
    chunks = (c for c in ds.chunks() if not writer.is_done(c.key))
    keys: list[str] = []

    def tasks():
        for c in chunks:
            keys.append(c.key)
            yield c.rows

    with bar(total=ds.num_rows, desc="verify") as pbar:
        for i, rows in enumerate(map_ordered(_verify_rows, tasks(), workers)):
            kept = [r for r in rows if keep_invalid or r["validity"]["status"] == "valid"]
            writer.write_shard(keys[i], kept)
            pbar.update(len(rows))
    # the summary is computed over every finished shard, so a resumed run reports the whole dataset
    for key in sorted(writer.manifest["shards"]):
        for r in writer.done_rows(key):
            st = r["validity"]["status"]
            counts[st] += 1
            fam = by_family.setdefault(r["family"], {"valid": 0, "invalid": 0, "unknown": 0})
            fam[st] += 1
            if st != "valid":
                head = r["validity"]["reason"].split(";")[0]
                reasons[head] = reasons.get(head, 0) + 1
    if not keep_invalid:
        counts["dropped"] = (ds.num_rows or 0) - sum(counts.values()) if ds.num_rows else None
    summary = {"counts": counts, "by_family": by_family, "reasons": reasons}
    writer.finish(summary)
    summary["path"] = str(writer.path)
    return summary


__all__ = ["verify_record", "verify_dataset", "reference_response", "HardgenError"]
