"""Reference consistency: whether a teacher's k sampled solutions back a problem's answer (one rule, every route).

Problems nobody can re-derive (imported sets, free-form text a model wrote) get validity from a teacher vote:
each sample's final answer is read, answers are grouped by the math verifier's equivalence, and

- with a reference answer: `valid` when the share of samples equal to the reference reaches `threshold`,
  `invalid` when a single other answer reaches `threshold` (a confident majority disagrees), `unknown` otherwise;
- without one (the teacher supplies the answer): `valid` when the largest group reaches `threshold` and is not
  tied, `invalid` otherwise.

Shares are over all samples, so a sample without a readable final answer counts against agreement.

>>> teacher_consistency(["\\\\boxed{2}", "so \\\\boxed{2.0}", "\\\\boxed{3}"], reference="2", threshold=0.6).status
'valid'
"""

from __future__ import annotations

from dataclasses import dataclass

from hardgen.verifiers.math import math_equal
from hardgen.verifiers.answer import read_final_answer

DEFAULT_THRESHOLD = 0.75


@dataclass(frozen=True)
class Consistency:
    """What a teacher vote decided, with the counts behind it."""

    status: str  # valid | invalid | unknown
    answer: str | None  # the reference when it was backed, else the majority answer (None on a tie or no votes)
    votes: int  # samples equal to the reference (or in the majority group when there is no reference)
    voters: int  # all samples
    majority: str | None  # the largest group's answer
    majority_votes: int
    reason: str

    @property
    def agreement(self) -> float:
        """Share of samples that back the answer (the reference when there is one)."""
        return round(self.votes / self.voters, 4) if self.voters else 0.0

    def as_dict(self) -> dict:
        return {"status": self.status, "agreement": self.agreement, "votes": self.votes, "voters": self.voters,
                "majority": self.majority, "majority_votes": self.majority_votes}


def sample_answer(response: str) -> str | None:
    """The one final answer a teacher sample gives in \\boxed{} (as it is asked to; the one reader's box rule,
    after any </think>), else None: no vote."""
    answer = read_final_answer(response or "", "boxed").answer
    return answer.strip() or None if answer else None


def _same(a: str, b: str) -> bool:
    return math_equal(a, b).correct is True


def _groups(answers: list[str]) -> list[list[str]]:
    """Answers grouped by equivalence, largest group first (stable among equal sizes)."""
    groups: list[list[str]] = []
    for a in answers:
        for g in groups:
            if _same(g[0], a):
                g.append(a)
                break
        else:
            groups.append([a])
    return sorted(groups, key=len, reverse=True)


def teacher_consistency(responses: list[str], reference: str | None = None,
                        threshold: float = DEFAULT_THRESHOLD) -> Consistency:
    """Decide validity from a teacher's sampled responses (see the module docstring for the rule)."""
    if not 0 < threshold <= 1:
        from hardgen.core.errors import HardgenError

        raise HardgenError(f"agreement threshold must be in (0, 1], got {threshold}")
    n = len(responses)
    answers = [a for a in (sample_answer(r) for r in responses) if a is not None]
    groups = _groups(answers)
    tied = len(groups) > 1 and len(groups[1]) == len(groups[0])
    majority = groups[0][0] if groups and not tied else None
    top = len(groups[0]) if groups else 0
    if reference is None:
        if majority is None:
            why = f"no majority answer among {n} teacher samples"
            return Consistency("invalid", None, top, n, None, top, why)
        if top < threshold * n:
            return Consistency("invalid", majority, top, n, majority, top,
                               f"teacher agreement {top}/{n} below {threshold:g}")
        return Consistency("valid", majority, top, n, majority, top,
                           f"{top} of {n} teacher samples agree on the answer")
    agree = sum(1 for a in answers if _same(reference, a))
    if n and agree >= threshold * n:
        return Consistency("valid", reference, agree, n, majority, top,
                           f"{agree} of {n} teacher samples agree with the reference")
    other = next((g for g in groups if not _same(reference, g[0])), None)
    if other is not None and len(other) >= threshold * n and (majority is not None and other[0] == majority):
        return Consistency("invalid", majority, agree, n, majority, top,
                           f"teacher majority disagrees with the reference; {len(other)} of {n} samples give "
                           f"{_clip(majority)}")
    return Consistency("unknown", reference, agree, n, majority, top,
                       f"teacher vote undecided; {agree} of {n} samples agree with the reference "
                       f"(threshold {threshold:g})")


def _clip(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[:n] + "..."


__all__ = ["Consistency", "teacher_consistency", "sample_answer", "DEFAULT_THRESHOLD"]
