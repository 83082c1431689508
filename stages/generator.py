"""The generator stages: train the LLM problem generator, sample problems from it, have a model author EFA
programs (`hardgen.llmgen`)."""

from __future__ import annotations

from hardgen.core.errors import HardgenError
from hardgen.generators.base import get_family
from hardgen.generators.formal import FORMAL_FAMILY
from hardgen.generators.grammars import GRAMMARS
from hardgen.llmgen.train import DEFAULT_REFERENCE
from hardgen.stages.generate import generate_dataset
from hardgen.stages.grade import grade_dataset
from hardgen.stages.options import GeneratorEfaOptions, GeneratorSampleOptions, GeneratorTrainOptions


def train(data: str, out: str, opts: GeneratorTrainOptions, overwrite: bool = False) -> dict:
    """What `gen generator train` calls."""
    from hardgen.llmgen.train import train_generator

    return train_generator(data, opts.model, out, method=opts.method, rounds=opts.rounds,
                           reference_solver=opts.reference_solver, k=opts.k, solver=opts.solver,
                           hard_fraction=opts.hard_fraction, condition=opts.condition, overwrite=overwrite,
                           **{"constrain": opts.constrain, **opts.params})


def sample(out: str, opts: GeneratorSampleOptions, overwrite: bool = False) -> dict:
    """What `gen generator sample` (and its alias `gen generate llm`) calls."""
    from hardgen.llmgen.sample import sample_llm_problems

    return sample_llm_problems(opts.model, opts.n, out, conditions=list(opts.conditions) or None,
                               teacher=opts.teacher, k_teacher=opts.teacher_k, agreement=opts.agreement,
                               seed=opts.seed, overwrite=overwrite, test_fraction=opts.test_fraction,
                               family=opts.family, target_pass=opts.target_pass, solver=opts.solver,
                               level=opts.level, grade_k=opts.grade_k, constrain=opts.constrain)


def author(out: str, opts: GeneratorEfaOptions) -> dict:
    """What `gen generator efa` calls."""
    from hardgen.llmgen.efa_author import author_efas

    return author_efas(opts.model, opts.seed_problems, out, k=opts.k, seed=opts.seed)


def formal_seed_set(out: str, *, n: int = 300, seed: int = 0, reference_solver: str = DEFAULT_REFERENCE, k: int = 8,
                    knobs: dict | None = None, overwrite: bool = False, family: str = FORMAL_FAMILY,
                    levels: list[str] | None = None) -> str:
    """A graded seed set for a formal generator: `n` programmatic problems of `family` (an `llm.<grammar>`;
    spread evenly over the template's `levels` when given) graded by the reference solver, written to `OUT/raw`
    and `OUT/graded`; returns the graded path (what `train_generator` reads)."""
    if family not in GRAMMARS:
        raise HardgenError(f"seed sets are for the formal grammars {', '.join(GRAMMARS)}, got {family!r}")
    if levels:
        fam = get_family(family)
        specs = [{"family": family, "knobs": {**fam.levels[lv], **(knobs or {})}} for lv in levels]
        per = -(-n // len(levels))
        generate_dataset(specs, n=per, out=f"{out}/raw", seed=seed, workers=1, overwrite=overwrite)
    else:
        generate_dataset([{"family": family, "knobs": knobs or {}}], n=n, out=f"{out}/raw", seed=seed, workers=1,
                         overwrite=overwrite)
    grade_dataset(f"{out}/raw", f"{out}/graded", [reference_solver], k=k, seed=seed, overwrite=overwrite)
    return f"{out}/graded"
