"""The generator stages: train the LLM problem generator, sample problems from it, have a model author EFA
programs (`hardgen.llmgen`)."""

from __future__ import annotations

from hardgen.stages.options import GeneratorEfaOptions, GeneratorSampleOptions, GeneratorTrainOptions


def train(data: str, out: str, opts: GeneratorTrainOptions, overwrite: bool = False) -> dict:
    """What `gen generator train` calls."""
    from hardgen.llmgen.train import train_generator

    return train_generator(data, opts.model, out, method=opts.method, rounds=opts.rounds,
                           reference_solver=opts.reference_solver, k=opts.k, solver=opts.solver,
                           hard_fraction=opts.hard_fraction, overwrite=overwrite, **opts.params)


def sample(out: str, opts: GeneratorSampleOptions, overwrite: bool = False) -> dict:
    """What `gen generator sample` (and its alias `gen generate llm`) calls."""
    from hardgen.llmgen.sample import sample_llm_problems

    return sample_llm_problems(opts.model, opts.n, out, conditions=list(opts.conditions) or None,
                               teacher=opts.teacher, k_teacher=opts.teacher_k, agreement=opts.agreement,
                               seed=opts.seed, overwrite=overwrite, test_fraction=opts.test_fraction)


def author(out: str, opts: GeneratorEfaOptions) -> dict:
    """What `gen generator efa` calls."""
    from hardgen.llmgen.efa_author import author_efas

    return author_efas(opts.model, opts.seed_problems, out, k=opts.k, seed=opts.seed)
