"""The grpo stage: GRPO of a student with the verifiers as rewards and a curriculum (`hardgen.distill.grpo`)."""

from __future__ import annotations

from hardgen.stages.options import GrpoOptions


def run(src: str, out: str, opts: GrpoOptions, overwrite: bool = False) -> dict:
    """What `gen distill grpo` and `gen run` call; unset settings come from `opts.config`, then the defaults."""
    from hardgen.distill.grpo import train_grpo

    return train_grpo(src, opts.student, out, curriculum=opts.curriculum, arms=opts.arms,
                      curriculum_options=opts.curriculum_options, lora=opts.lora,
                      num_generations=opts.num_generations, prompts_per_step=opts.prompts_per_step,
                      max_steps=opts.max_steps, lr=opts.lr, max_completion_length=opts.max_completion_length,
                      temperature=opts.temperature, format_weight=opts.format_weight, config_yaml=opts.config,
                      resume=opts.resume, dry_run=opts.dry_run, threads=opts.threads, seed=opts.seed)
