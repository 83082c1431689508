"""Strict response scoring (math, SAT, structural) and problem validity; also TRL reward functions.

`read_final_answer(text)` is the one answer reader every checker uses (a solution column becomes its answer with
`read_final_answer(solution).answer`, or `read_reference` for a reference written as a solution).

>>> from hardgen.verifiers import score
>>> score({"check": {"kind": "math"}, "answer": "1/2"}, r"so it is \\boxed{0.5}").correct  # doctest: +SKIP
True
"""

from __future__ import annotations

import json
from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.verifiers.answer import ReadAnswer, read_final_answer, read_reference
from hardgen.verifiers.base import Verdict, check_kinds, get_scorer, register_check

__all__ = ["Verdict", "register_check", "score", "score_check", "reward", "check_kinds", "has_reference",
           "completion_text", "read_final_answer", "read_reference", "ReadAnswer"]


def has_reference(record: dict) -> bool:
    """Whether a response to `record` can be scored: it has a reference answer, or its check needs none (SAT,
    paths, puzzles). A math row whose reference could not be read (an imported one) has none."""
    return record.get("answer") is not None or (record.get("check") or {}).get("kind", "math") != "math"


def score_check(response: Any, check: dict | str, answer: str | None) -> Verdict:
    """Score one response against a check spec (`{kind, ...}`) and reference answer."""
    if isinstance(check, str):
        check = json.loads(check) if check.strip() else None
    if not check:
        check = {"kind": "math"}
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
    """Score one response to a record: True, False, or None (undecided) with the reason.

    A record without a `check` is scored as math against its `answer`. A response with no readable final answer
    is False (not None: an RL trainer drops None, so such a response would go unpunished).
    """
    return score_check(response, record.get("check") or {"kind": "math"}, record.get("answer"))


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
    `answer` columns arrive as keyword arguments (a dataset with only `answer`, or a row whose check is empty,
    is scored as math).
    """
    if check is None and answer is None:
        raise HardgenError("reward needs the dataset's 'answer' column (and 'check' for non-math rows); "
                           "export with `gen export --format trl-grpo` or keep those columns")
    answers = answer if answer is not None else [None] * len(completions)
    checks = check if check is not None else [None] * len(completions)
    out: list[float | None] = []
    for comp, chk, ans in zip(completions, checks, answers):
        chk = chk or {"kind": "math"}  # a row with no check is math
        v = score_check(completion_text(comp), chk, ans)
        out.append(None if v.correct is None else float(v.correct))
    return out


