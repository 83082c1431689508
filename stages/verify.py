"""Problem validity: the reference answer re-derived by an independent route, and accepted by its own checker."""

from __future__ import annotations

from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.core.jail import JailUnavailable
from hardgen.core.store import open_dataset
from hardgen.core.workers import resolve_workers
from hardgen.stages.options import VerifyOptions
from hardgen.stages.runner import Shard, StageRun, add_counts, input_tasks


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
        from hardgen.generators.efa import family_for_record
        try:
            fam = family_for_record(record)
        except JailUnavailable:
            raise  # no jail for its untrusted program here: refuse the stage rather than mark every row
        except HardgenError as e:
            return {"status": "unknown", "checks": {}, "reason": str(e)}
    if fam is None:
        return {"status": "unknown", "checks": {}, "reason": f"no verifier for family {record['family']!r}"}
    try:
        checks.update(fam().rederive(record))
    except JailUnavailable:
        raise
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


def _verify_shard(task: tuple[list[dict], bool]) -> Shard:
    rows, keep_invalid = task
    for r in rows:
        r["validity"] = verify_record(r)
    kept = [r for r in rows if keep_invalid or r["validity"]["status"] == "valid"]
    return Shard(kept, {"tally": _tally(rows)})


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
    with StageRun("verify", out, {"src": str(src), "keep_invalid": keep_invalid}, src=src, fmt=fmt,
                  overwrite=overwrite, total=ds.num_rows) as run:
        run.run(_verify_shard, input_tasks(ds, payload=lambda rows, _key: (rows, keep_invalid)),
                workers=resolve_workers(workers), engine=engine)
        t = add_counts(m["tally"] for m in run.metas())
        zero = {"valid": 0, "invalid": 0, "unknown": 0}
        summary = {"counts": {**zero, **t.get("counts", {})},
                   "by_family": {f: {**zero, **c} for f, c in sorted(t.get("by_family", {}).items())},
                   "reasons": t.get("reasons", {})}
        if not keep_invalid:
            summary["dropped"] = summary["counts"]["invalid"] + summary["counts"]["unknown"]
        return run.finish(summary)


def run(src: str, out: str, opts: VerifyOptions, overwrite: bool = False) -> dict:
    """The verify stage with its settings: what `gen verify` and `gen run` call."""
    return verify_dataset(src, out, workers=opts.workers, keep_invalid=not opts.drop_invalid, overwrite=overwrite,
                          fmt=opts.format, engine=opts.engine)


__all__ = ["verify_record", "verify_dataset", "reference_response", "run"]
