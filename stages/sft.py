"""The sft stage: supervised fine-tuning of a student on verified traces (`hardgen.distill.sft`)."""

from __future__ import annotations

from hardgen.stages.options import SftOptions


def run(src: str, out: str, opts: SftOptions, overwrite: bool = False) -> dict:
    """What `gen distill sft` and `gen run` call; unset settings come from `opts.config`, then the defaults."""
    from hardgen.distill.sft import train_sft

    return train_sft(src, opts.student, out, lora=opts.lora, epochs=opts.epochs, lr=opts.lr,
                     batch_size=opts.batch_size, max_steps=opts.max_steps, max_length=opts.max_length,
                     config_yaml=opts.config, resume=opts.resume, dry_run=opts.dry_run, threads=opts.threads,
                     seed=opts.seed)
