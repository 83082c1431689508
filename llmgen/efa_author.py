"""A model writes EFA programs for seed problems; the EFAGen checks are both its filter and its reward."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.core.store import read_json_objects
from hardgen.generators.efa import check_efa

__all__ = ["author_prompt", "efa_reward", "author_efas", "read_seed_problems"]

_INSTRUCTIONS = """Write a Python program that generalises the problem below into a family of similar problems.
Define:
  sample(rng) -> params      # params as JSON data; use only rng (a random.Random) for randomness
  solve(params) -> answer    # the exact answer, deterministic
  render(params) -> text     # the problem statement; it must say to put the final answer inside \\boxed{{}}
  SEED_PARAMS = ...          # params for which render gives exactly the problem below and solve its answer
  verify(params, answer) -> bool   # optional: check an answer by a different method than solve
Use only the standard library. Reply with one ```python block.

Problem:
{problem}

Answer: {answer}
"""


def author_prompt(problem: str, answer: str) -> str:
    """The instruction a model gets for one seed problem."""
    return _INSTRUCTIONS.format(problem=problem.strip(), answer=str(answer).strip())


def efa_reward(completions: list, problem: list | None = None, answer: list | None = None,
               trust_programs: bool = False, **columns: Any) -> list[float]:
    """TRL reward: 1.0 when the completion's program passes every EFAGen check against its seed
    (`problem`, `answer` columns), else the share of checks passed times 0.5 (0.0 with no program).

    Programs run in the kernel jail; where none can be set up this raises `JailUnavailable` unless
    `trust_programs=True` (e.g. `functools.partial(efa_reward, trust_programs=True)`)."""
    from hardgen.verifiers import completion_text
    if problem is None or answer is None:
        raise HardgenError("efa_reward needs the dataset's 'problem' and 'answer' columns")
    out = []
    for comp, prob, ans in zip(completions, problem, answer):
        r = check_efa(completion_text(comp), seed_problem=prob, seed_answer=str(ans),
                      trust_programs=trust_programs or None)
        if r.accepted:
            out.append(1.0)
        else:
            passed = sum(1 for v in r.checks.values() if v)
            out.append(0.5 * passed / 10)  # 10 checks in EFA_CHECKS
    return out


def read_seed_problems(path: str) -> list[dict]:
    """A JSONL of {problem, answer} rows (other fields kept)."""
    return [row for _, row in read_json_objects(path, "seed problems", ("problem", "answer"))]


def author_efas(model: str | Any, seed_problems: str | list[dict], out_dir: str, k: int = 4,
                seed: int = 0) -> dict:
    """Ask `model` (a solver SPEC such as `hf:PATH` / `openai:URL#MODEL`, or a `Solver`) for `k` programs per
    seed problem; save each accepted program as `OUT/<seed index>_<attempt>.py` and a `report.jsonl` line per
    attempt. Returns {seeds, attempts, accepted, failed_checks: {check: count}, path}."""
    from hardgen.models.base import Solver, get_solver
    seeds = read_seed_problems(seed_problems) if isinstance(seed_problems, str) else list(seed_problems)
    if k < 1:
        raise HardgenError(f"-k must be at least 1, got {k}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records = [{"id": f"seed-{i}", "prompt": author_prompt(s["problem"], s["answer"]),
                "check": {"kind": "exact"}, "answer": None} for i, s in enumerate(seeds)]
    solver = model if isinstance(model, Solver) else get_solver(model)
    try:
        rollouts = solver.solve(records, k=k, seed=seed)
    finally:
        if not isinstance(model, Solver):
            solver.close()
    summary: dict[str, Any] = {"seeds": len(seeds), "attempts": 0, "accepted": 0, "failed_checks": {}}
    with open(out / "report.jsonl", "w", encoding="utf-8") as rep:
        for i, (s, rolls) in enumerate(zip(seeds, rollouts)):
            for j, roll in enumerate(rolls):
                r = check_efa(roll.text, seed_problem=s["problem"], seed_answer=str(s["answer"]))
                summary["attempts"] += 1
                line = {"seed": i, "attempt": j, **r.as_dict()}
                if r.accepted:
                    summary["accepted"] += 1
                    f = out / f"{i:04d}_{j}.py"
                    f.write_text(f'"""EFA written by {getattr(solver, "spec", "a model")} for seed {i}."""\n\n'
                                 f"SEED_PROBLEM = {json.dumps(s['problem'])}\nSEED_ANSWER = "
                                 f"{json.dumps(str(s['answer']))}\n\n{r.source}", encoding="utf-8")
                    line["file"] = str(f)
                for name in r.failed:
                    summary["failed_checks"][name] = summary["failed_checks"].get(name, 0) + 1
                rep.write(json.dumps(line) + "\n")
    summary["path"] = str(out)
    return summary
