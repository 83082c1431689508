"""math.compose: chained problems where each part's integer answer becomes a parameter of the next part."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.generators.base import Candidate, Family, Knobs, get_family, knob, register
from hardgen.generators.math._compose_api import MOD_CONVENTION, Composable

#: short names accepted by the `steps` knob -> the families that implement `Composable`
STEP_FAMILIES = {
    "polynomial_roots": "math.polynomial_roots",
    "modular": "math.modular",
    "counting": "math.counting",
    "number_theory": "math.number_theory",
    "recurrence": "math.recurrence",
}
NAMES = "ABCDE"


def _parse_steps(value: str) -> list[str]:
    if value == "all":
        return list(STEP_FAMILIES)
    names = [s.strip() for s in value.split("+") if s.strip()]
    bad = [s for s in names if s not in STEP_FAMILIES]
    if bad or not names:
        raise HardgenError(f"knob 'steps' must be 'all' or names joined by '+' from {', '.join(STEP_FAMILIES)}; "
                           f"got {value!r}")
    return sorted(set(names), key=list(STEP_FAMILIES).index)


@dataclass(frozen=True)
class ComposeKnobs(Knobs):
    depth: int = knob(2, lo=2, hi=5, help="number of chained parts")
    steps: str = knob("all", help="families the parts are drawn from: 'all' or e.g. 'modular+counting' "
                                  f"(names: {', '.join(STEP_FAMILIES)})")
    step_level: str = knob("easy", choices=("easy", "medium", "hard"),
                           help="difficulty level used for every part's own family knobs")

    def check(self) -> None:
        _parse_steps(self.steps)


_KNOB_CACHE: dict[tuple[str, str], Any] = {}


def _step_family(short: str, level: str) -> tuple[Any, Any]:
    """The family instance and its resolved knobs at `level` (cached: knob validation is per call otherwise)."""
    key = (short, level)
    if key not in _KNOB_CACHE:
        cls = get_family(STEP_FAMILIES[short])
        _KNOB_CACHE[key] = (cls(), cls.resolve_knobs(level))
    fam, knobs = _KNOB_CACHE[key]
    if not isinstance(fam, Composable):
        raise HardgenError(f"family {fam.name!r} does not implement compose_step / rederive_step")
    return fam, knobs


@register
class Compose(Family):
    name = "math.compose"
    Knobs = ComposeKnobs
    levels = {
        "easy": {"depth": 2, "step_level": "easy"},
        "medium": {"depth": 3, "step_level": "easy"},
        "hard": {"depth": 4, "step_level": "medium"},
        "extreme": {"depth": 5, "step_level": "hard"},
    }
    description = ("Skill composition: 2-5 parts from the discrete math families (polynomial roots, modular "
                   "arithmetic, counting, number theory, recurrences), where each part's integer answer is mapped "
                   "into a parameter of the next part by a stated rule such as 'Let n = (A mod 5) + 3'.")
    verification = ("Each part is built by its family's construction with the previous part's answer plugged in. "
                    "`gen verify` chains the families' independent re-derivations (Newton's identities, cycle "
                    "detection / sympy CRT, explicit enumeration, sympy.ntheory or big-integer division, iterating "
                    "the recurrence): each part is recomputed from the re-derived previous answer, and every "
                    "intermediate and the final answer must match.")

    def generate(self, k: ComposeKnobs, rng: random.Random) -> Candidate:
        allowed = _parse_steps(k.steps)
        parts, steps = [], []
        given: int | None = None
        for i in range(k.depth):
            short = rng.choice(allowed)
            fam, knobs = _step_family(short, k.step_level)
            prev = NAMES[i - 1] if i else None
            step = fam.compose_step(knobs, rng, prev, given)
            parts.append(f"Part {i + 1}. {step.statement} Call the answer {NAMES[i]}.")
            steps.append({"family": fam.name, "short": short, "params": step.params, "answer": str(step.answer)})
            given = step.answer
        prompt = ("Solve the following parts in order; each part uses the answer to the part before it. "
                  f"{MOD_CONVENTION}\n\n" + "\n\n".join(parts) +
                  f"\n\nGive only the final answer {NAMES[k.depth - 1]}, as a single integer inside \\boxed{{}}, "
                  "e.g. \\boxed{42}.")
        check = {"kind": "math", "params": {"steps": steps, "step_level": k.step_level}}
        return Candidate(prompt, str(given), check,
                         {"depth": k.depth, "step_families": [s["short"] for s in steps]})

    def rederive(self, record: dict) -> dict[str, bool | None]:
        steps = record["check"]["params"]["steps"]
        level = record["check"]["params"].get("step_level", "easy")
        given: int | None = None
        intermediates = True
        for st in steps:
            fam, _ = _step_family(st["short"], level)
            given = fam.rederive_step(st["params"], given)
            intermediates &= str(given) == st["answer"]
        return {"chained_rederivation": str(given) == record["answer"], "intermediates": intermediates}
