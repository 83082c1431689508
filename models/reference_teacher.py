"""The reference teacher, SPEC `ref:[noise=P][&seed=S]`: writes worked solutions from a record's own answer.

It needs no model, so traces, rejection sampling and SFT can be exercised anywhere. A family may offer an
`explain(record) -> str` method that writes a worked solution; otherwise the teacher writes a short generic
derivation ending in `\\boxed{answer}`. With `noise=P`, each sample is, with probability P, made wrong (its final
answer is changed), so rejection sampling has something to reject. Decisions hash (seed, solve seed, record id,
sample index): the same call gives the same traces.

>>> get_solver("ref:noise=0.3").solve(records, k=4)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import re
from fractions import Fraction

from hardgen.core.errors import HardgenError
from hardgen.core.specs import SolverSpec
from hardgen.models.base import Rollout, Solver, register_solver

GENERIC = ("We work through the problem step by step and check the result against every condition the problem "
           "states.\nThe answer is \\boxed{{{answer}}}.")


def _unit(*parts: object) -> float:
    h = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def _wrong_answer(answer: str) -> str:
    """An answer that differs from `answer`: a number plus one, else the text with a marker appended."""
    try:
        return str(Fraction(answer.strip()) + 1)
    except (ValueError, ZeroDivisionError):
        return answer + " + 1"


_BOXED = re.compile(r"\\boxed\{")


def _replace_last_boxed(text: str, new: str) -> str | None:
    """`text` with the content of its last `\\boxed{...}` replaced by `new` (braces balanced); None if none."""
    starts = [m.end() for m in _BOXED.finditer(text)]
    if not starts:
        return None
    start, depth = starts[-1], 1
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[:start] + new + text[i:]
    return None


class ReferenceTeacher(Solver):
    """Writes the reference solution of each record; `noise` is the probability that a sample is made wrong."""

    def __init__(self, noise: float = 0.0, seed: int = 0):
        if not 0.0 <= noise <= 1.0:
            raise HardgenError(f"ref: noise must be in [0, 1], got {noise}")
        self.noise, self.seed = noise, seed
        self._families: dict[str, object | None] = {}

    def _explainer(self, family: str):
        if family not in self._families:
            from hardgen.generators.base import get_family

            try:
                inst = get_family(family)()
            except HardgenError:  # records of an unknown family still get the generic derivation
                inst = None
            self._families[family] = inst if inst is not None and hasattr(inst, "explain") else None
        return self._families[family]

    def solution(self, record: dict) -> str | None:
        """The correct worked solution, or None when the record has no reference answer and no explainer."""
        fam = self._explainer(str(record.get("family", "")))
        if fam is not None:
            return fam.explain(record)  # type: ignore[attr-defined]
        answer = record.get("answer")
        if answer is None:
            return None
        if (record.get("check") or {}).get("response_format") == "raw":
            return str(answer)
        return GENERIC.format(answer=answer)

    def corrupt(self, record: dict, text: str) -> str:
        """A wrong version of a solution: the final boxed answer (or the raw answer) is changed."""
        answer = record.get("answer")
        if answer is None:
            return text + "\n(no valid solution)"
        replaced = _replace_last_boxed(text, _wrong_answer(str(answer)))
        return replaced if replaced is not None else _wrong_answer(str(answer))

    def solve(self, records: list[dict], k: int = 1, seed: int = 0) -> list[list[Rollout]]:
        if k < 1:
            raise HardgenError(f"k (samples per problem) must be at least 1, got {k}")
        out = []
        for rec in records:
            good = self.solution(rec)
            rolls = []
            for j in range(k):
                if good is None:
                    text, wrong = "I cannot write a reference solution for this problem.", True
                else:
                    wrong = _unit("ref", self.seed, seed, rec.get("id"), j) < self.noise
                    text = self.corrupt(rec, good) if wrong else good
                rolls.append(Rollout(text, tokens=len(text.split()), meta={"noised": wrong}))
            out.append(rolls)
        return out


@register_solver("ref")
def _make(spec: SolverSpec) -> ReferenceTeacher:
    opts, arg = spec.option_dict, spec.text.partition(":")[2]
    if spec.target or set(opts) - {"noise", "seed"}:
        raise HardgenError(f"ref: SPEC is ref:[noise=P][&seed=S], e.g. ref:noise=0.3; got ref:{arg}")
    try:
        return ReferenceTeacher(noise=float(opts.get("noise", 0.0)), seed=int(opts.get("seed", 0)))
    except ValueError:
        raise HardgenError(f"ref: noise must be a number and seed an integer; got ref:{arg}") from None
