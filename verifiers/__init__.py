"""Strict response scoring (math, SAT, structural) and problem validity; also TRL reward functions.

>>> from hardgen.verifiers import score
>>> score({"check": {"kind": "math"}, "answer": "1/2"}, r"so it is \\boxed{0.5}").correct  # doctest: +SKIP
True
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from hardgen.errors import HardgenError
from hardgen.verifiers.base import Verdict, check_kinds, get_scorer, register_check

__all__ = ["Verdict", "register_check", "score", "score_check", "reward", "score_responses", "check_kinds",
           "completion_text"]


def score_check(response: Any, check: dict | str, answer: str | None) -> Verdict:
    """Score one response against a check spec (`{kind, ...}`) and reference answer."""
    if isinstance(check, str):
        check = json.loads(check)
    if not isinstance(response, str):
        return Verdict(False, f"response is {type(response).__name__}, not text")
    scorer = get_scorer(check["kind"])
    try:
        return scorer(response, check, answer)
    except HardgenError:
        raise
    except Exception as e:  # a checker bug must not take a whole grading run down
        return Verdict(None, f"checker error: {type(e).__name__}: {e}")


def score(record: dict, response: Any) -> Verdict:
    """Score one response to a record: True, False, or None (undecided) with the reason."""
    return score_check(response, record["check"], record.get("answer"))


def completion_text(completion: Any) -> str:
    """Text of a completion as TRL passes it: a string, or a list of chat messages (last assistant turn)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    return completion  # scored as not-text


def reward(completions: list, check: list | None = None, answer: list | None = None, **columns) -> list[float | None]:
    """TRL reward function: 1.0 correct, 0.0 wrong, None undecided (TRL ignores None).

    Pass it as it is: `GRPOTrainer(reward_funcs=hardgen.verifiers.reward, ...)`; the dataset's `check` and
    `answer` columns arrive as keyword arguments.
    """
    if check is None:
        raise HardgenError("reward needs the dataset's 'check' column (and 'answer'); "
                           "export with `gen export --format trl-grpo` or keep those columns")
    answers = answer if answer is not None else [None] * len(completions)
    out: list[float | None] = []
    for comp, chk, ans in zip(completions, check, answers):
        v = score_check(completion_text(comp), chk, ans)
        out.append(None if v.correct is None else float(v.correct))
    return out


def _read_responses(path: str) -> Iterable[tuple[int, dict]]:
    try:
        f = open(path, "rb")  # decoded line by line, so a bad byte is reported with its line
    except OSError as e:
        raise HardgenError(f"cannot read responses {path}: {e.strerror or e}") from None
    with f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise HardgenError(f"{path}:{lineno}: not UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1});"
                                   " responses must be UTF-8 JSON lines") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise HardgenError(f"{path}:{lineno}: malformed JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(obj, dict) or "id" not in obj or "response" not in obj:
                raise HardgenError(f"{path}:{lineno}: expected an object with 'id' and 'response'")
            yield lineno, obj


def score_responses(data: str, responses: str, out: str | None = None) -> dict:
    """Score `{id, response}` lines against the records of `data`; write `{id, correct, reason}` lines to `out`.

    Returns counts and accuracy (undecided responses count as not correct in accuracy, and are reported).
    """
    from hardgen.progress import bar
    from hardgen.store import open_dataset, write_jsonl

    resp = list(_read_responses(responses))
    wanted = {str(o["id"]) for _, o in resp}
    index: dict[str, tuple[dict, str | None]] = {}
    for rec in open_dataset(data):
        if rec["id"] in wanted:
            index[rec["id"]] = (rec["check"], rec.get("answer"))
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
