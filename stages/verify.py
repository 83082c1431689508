"""Problem validity: the reference answer re-derived by an independent route, and accepted by its own checker."""

from __future__ import annotations

import sys
from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.core.specs import derive_seed
from hardgen.core.store import open_dataset
from hardgen.core.workers import resolve_workers
from hardgen.generators.base import registered_family
from hardgen.stages.options import VerifyOptions
from hardgen.stages.runner import Shard, StageRun, add_counts, input_tasks
from hardgen.verifiers import score
from hardgen.verifiers.base import Checks


class _NeverRaised(Exception):
    pass


def _jail_unavailable() -> type[Exception]:
    """`JailUnavailable` once the jail is loaded (only a row that runs a program loads it, and only such a row can
    raise it), so verifying built-in families never imports the jail; `except` evaluates this when it matches."""
    jail = sys.modules.get("hardgen.core.jail")
    return jail.JailUnavailable if jail is not None else _NeverRaised


def reference_response(record: dict) -> str | None:
    """The reference answer written as a model would be asked to write it (None when any solution counts)."""
    ans = record.get("answer")
    if ans is None:
        return None
    fmt = record["check"].get("response_format", "boxed")
    return f"The answer is \\boxed{{{ans}}}." if fmt == "boxed" else str(ans)


def verify_record(record: dict) -> dict:
    """Validity of one record: `{status: valid|invalid|unknown, checks: {name: bool|None}, reason}`."""
    checks: dict[str, Any] = {}
    reasons: list[str] = []
    fam = registered_family(record["family"])
    if fam is None and str(record.get("family", "")).startswith("efa."):
        # an EFA row names its program file in source.knobs.program; load it (its code runs sandboxed)
        from hardgen.generators.efa import family_for_record
        try:
            fam = family_for_record(record)
        except _jail_unavailable():
            raise  # no jail for its untrusted program here: refuse the stage rather than mark every row
        except HardgenError as e:
            return {"status": "unknown", "checks": {}, "reason": str(e)}
    if fam is None:
        prior = record.get("validity")
        if isinstance(prior, dict) and {"reference_read", "teacher_agreement"} & set(prior.get("checks") or {}):
            return prior  # an imported or teacher-voted row: only a teacher (`gen verify --teacher`) re-decides it
        return {"status": "unknown", "checks": {}, "reason": f"no verifier for family {record['family']!r} "
                "(a teacher can check its reference: gen verify --teacher SPEC)"}
    notes: dict[str, Any] = {}
    try:
        derived = fam().rederive(record)
        checks.update(derived)
        if isinstance(derived, Checks):  # budgeted checks explain themselves and note what ran out
            reasons.extend(derived.reasons)
            notes.update(derived.notes)
    except _jail_unavailable():
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
    out = {"status": status, "checks": checks, "reason": "; ".join(reasons)}
    if notes:
        out["notes"] = notes
    return out


def _verify_shard(task: tuple[list[dict], bool]) -> Shard:
    rows, keep_invalid = task
    for r in rows:
        r["validity"] = verify_record(r)
    kept = [r for r in rows if keep_invalid or r["validity"]["status"] == "valid"]
    return Shard(kept, {"tally": _tally(rows)})


def needs_teacher(rec: dict) -> bool:
    """Rows no family re-derives: imported and free-form problems with a math reference."""
    fam = str(rec.get("family", ""))
    return registered_family(fam) is None and not fam.startswith("efa.") and (rec.get("check") or {}).get(
        "kind", "math") == "math"


class _TeacherCheck:
    """Reference consistency for rows nobody can re-derive: the teacher's k samples vote on the reference
    (`hardgen.verifiers.consistency.teacher_consistency`); other rows are verified as usual. In this process:
    the teacher (a model) is built once, on the first row that needs it."""

    def __init__(self, teacher: str, k: int, agreement: float, seed: int, keep_invalid: bool):
        self.teacher, self.k, self.agreement, self.seed, self.keep_invalid = teacher, k, agreement, seed, keep_invalid
        self.solver = None

    def __call__(self, task: tuple[list[dict], str]) -> Shard:
        from hardgen.stages.imports import DEFAULT_INSTRUCTION, with_instruction

        rows, key = task
        ask = []
        for r in rows:
            if not needs_teacher(r):
                r["validity"] = verify_record(r)
            elif r.get("answer") is None:
                r["validity"] = r.get("validity") or {"status": "unknown", "checks": {"reference_read": False},
                                                      "reason": "no reference answer"}
            else:
                ask.append(r)
        agreement_sum = 0.0
        if ask:
            if self.solver is None:
                from hardgen.models.base import get_solver

                self.solver = get_solver(self.teacher)
            shown = [{**r, "prompt": with_instruction(r["prompt"], DEFAULT_INSTRUCTION)[0]} for r in ask]
            rolls = self.solver.solve(shown, self.k, derive_seed("reference-consistency", self.seed, key))
            from hardgen.verifiers.consistency import teacher_consistency

            for r, rs in zip(ask, rolls):
                c = teacher_consistency([x.text for x in rs], str(r["answer"]), self.agreement)
                checks = {"reference_read": True, "teacher_agreement": {"valid": True, "invalid": False}.get(c.status)}
                r["validity"] = {"status": c.status, "checks": checks, "reason": c.reason,
                                 "teacher": {"spec": self.teacher, "threshold": self.agreement, **c.as_dict()}}
                agreement_sum += c.agreement
        kept = [r for r in rows if self.keep_invalid or r["validity"]["status"] == "valid"]
        return Shard(kept, {"tally": _tally(rows), "agreement_sum": agreement_sum, "voted": len(ask)})

    def close(self) -> None:
        if self.solver is not None:
            self.solver.close()


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
                   overwrite: bool = False, fmt: str = "jsonl", engine: str = "local", teacher: str | None = None,
                   teacher_k: int = VerifyOptions.teacher_k, agreement: float = VerifyOptions.agreement,
                   seed: int = VerifyOptions.seed) -> dict:
    """Write `src` to `out` with `validity` filled on every row; resumable shard by shard.

    With `keep_invalid=False`, rows that are not valid are dropped (and counted in the summary). With `teacher`
    (a solver SPEC), rows no family can re-derive (imported ones) get validity from reference consistency: the
    teacher's `teacher_k` samples must back the reference at `agreement` (the vote is stored under
    `validity.teacher`). Returns `{counts, by_family, reasons, path}` over the whole input.
    """
    ds = open_dataset(src)
    params = {"src": str(src), "keep_invalid": keep_invalid}
    if teacher is not None:
        if teacher_k < 1:
            raise HardgenError(f"--teacher-k must be at least 1, got {teacher_k}")
        if not 0 < agreement <= 1:
            raise HardgenError(f"--agreement must be in (0, 1], got {agreement}")
        from hardgen.models.base import check_spec

        teacher = str(check_spec(teacher))
        params.update(teacher=teacher, k=teacher_k, agreement=agreement, seed=seed)
    with StageRun("verify", out, params, src=src, fmt=fmt, overwrite=overwrite, total=ds.num_rows) as run:
        if teacher is None:
            run.run(_verify_shard, input_tasks(ds, payload=lambda rows, _key: (rows, keep_invalid)),
                    workers=resolve_workers(workers), engine=engine, size_pool=True)
        else:
            check = _TeacherCheck(teacher, teacher_k, agreement, seed, keep_invalid)
            try:
                run.run(check, input_tasks(ds, payload=lambda rows, key: (rows, key)))
            finally:
                check.close()
        t = add_counts(m["tally"] for m in run.metas())
        zero = {"valid": 0, "invalid": 0, "unknown": 0}
        summary = {"counts": {**zero, **t.get("counts", {})},
                   "by_family": {f: {**zero, **c} for f, c in sorted(t.get("by_family", {}).items())},
                   "reasons": t.get("reasons", {})}
        if teacher is not None:
            votes = add_counts({"sum": m.get("agreement_sum", 0.0), "voted": m.get("voted", 0)} for m in run.metas())
            summary["teacher"] = {"spec": teacher, "k": teacher_k, "threshold": agreement,
                                  "rows_voted": votes.get("voted", 0),
                                  "mean_agreement": round(votes["sum"] / votes["voted"], 4)
                                  if votes.get("voted") else None}
        if not keep_invalid:
            summary["dropped"] = summary["counts"]["invalid"] + summary["counts"]["unknown"]
        return run.finish(summary)


def run(src: str, out: str, opts: VerifyOptions, overwrite: bool = False) -> dict:
    """The verify stage with its settings: what `gen verify` and `gen run` call."""
    return verify_dataset(src, out, workers=opts.workers, keep_invalid=not opts.drop_invalid, overwrite=overwrite,
                          fmt=opts.format, engine=opts.engine, teacher=opts.teacher, teacher_k=opts.teacher_k,
                          agreement=opts.agreement, seed=opts.seed)


__all__ = ["verify_record", "verify_dataset", "reference_response", "run"]
