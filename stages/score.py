"""The score stage: responses `{id, response}` scored against a dataset's verifiers, verdicts written as JSONL."""

from __future__ import annotations

from typing import Iterable

from hardgen.core.progress import bar
from hardgen.core.store import open_dataset, read_json_objects, write_jsonl
from hardgen.verifiers import Verdict, score_check


def _read_responses(path: str) -> Iterable[tuple[int, dict]]:
    return read_json_objects(path, "responses", ("id", "response"))


def score_responses(data: str, responses: str, out: str | None = None) -> dict:
    """Score `{id, response}` lines against the records of `data`; write `{id, correct, reason}` lines to `out`.

    Returns counts and accuracy (undecided responses count as not correct in accuracy, and are reported).
    """
    resp = list(_read_responses(responses))
    wanted = {str(o["id"]) for _, o in resp}
    index: dict[str, tuple[dict, str | None]] = {}
    for rec in open_dataset(data):
        if rec["id"] in wanted:
            index[rec["id"]] = (rec.get("check") or {"kind": "math"}, rec.get("answer"))
    results = []
    counts = {"total": 0, "correct": 0, "wrong": 0, "undecided": 0, "unknown_id": 0}
    with bar(total=len(resp), desc="score", unit="resp") as pbar:
        for _, obj in resp:
            rid = str(obj["id"])
            if rid not in index:
                v = Verdict(None, f"no record with id {rid} in {data}")
                counts["unknown_id"] += 1
            else:
                v = score_check(obj["response"], *index[rid])
            counts["total"] += 1
            counts["correct" if v.correct else "wrong" if v.correct is False else "undecided"] += 1
            results.append({"id": rid, **v.as_dict()})
            pbar.update(1)
    if out:
        write_jsonl(out, results)
    counts["accuracy"] = counts["correct"] / counts["total"] if counts["total"] else 0.0
    return counts
