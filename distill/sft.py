"""Supervised fine-tuning on verified traces with TRL's SFTTrainer: full or LoRA, loss on the answer only.

The traces (a `make_traces` output, or any dataset with `messages` = [user, assistant]) become TRL's
conversational prompt/completion format, so the loss covers the assistant's tokens only. Checkpoints go to
`OUT/checkpoints/checkpoint-N`; a run started again resumes from the newest one. The trained model (LoRA merged
into the weights) and tokenizer are saved to `OUT`, ready for `hf:OUT`.

>>> train_sft("data/traces", "models/tiny", "runs/sft", epochs=3, lr=5e-4)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardgen.core.specs import SolverSpec
from hardgen.distill.config import LoraSpec, as_dict, check_student, last_checkpoint, resolve
from hardgen.core.errors import HardgenError
from hardgen.core.store import open_dataset


@dataclass(frozen=True)
class SFTParams:
    """Hyper-parameters of `train_sft` (YAML keys and keyword arguments use these names)."""

    epochs: float = 3.0
    lr: float = 5e-4
    batch_size: int = 8
    grad_accum: int = 1
    max_steps: int = -1
    max_length: int = 256
    warmup: float = 0.0  # warm-up steps, or a fraction of training when below 1
    weight_decay: float = 0.0
    lr_scheduler: str = "linear"
    save_steps: int = 100
    save_total_limit: int = 2
    logging_steps: int = 10
    seed: int = 0
    split: str = "train"
    lora: LoraSpec | None = None


def load_traces(traces: str, split: str = "train") -> list[dict]:
    """Rows of a trace set as TRL conversational prompt/completion pairs, with clear errors for the wrong input."""
    ds = open_dataset(traces)
    out: list[dict] = []
    total = 0
    for rec in ds:
        total += 1
        msgs = rec.get("messages")
        if msgs is None:
            raise HardgenError(f"{traces} has no 'messages' column (row {rec.get('id')!r}); make a trace set "
                               "with `make_traces` / `gen distill traces` first")
        if (not isinstance(msgs, list) or len(msgs) < 2 or not all(isinstance(m, dict) for m in msgs)
                or msgs[-1].get("role") != "assistant" or not isinstance(msgs[-1].get("content"), str)):
            raise HardgenError(f"{traces}: row {rec.get('id')!r} has malformed 'messages': expected a list of "
                               "{role, content} ending with the assistant's trace")
        if split and rec.get("split") not in (None, split):
            continue
        out.append({"prompt": msgs[:-1], "completion": [msgs[-1]]})
    if not out:
        raise HardgenError(f"{traces} holds no verified traces for split {split!r} ({total} rows in all); "
                           "the teacher solved nothing, or every row is from another split")
    return out


def check_lengths(rows: list[dict], tokenizer, max_length: int, what: str = "traces") -> dict[str, int]:
    """Count examples that `max_length` cuts: TRL truncates each to `max_length` tokens and drops those whose prompt
    alone fills it (no answer token left to learn from). Raises `HardgenError` when that drops every example,
    naming how many were longer and the length to set; otherwise returns the counts for a warning."""
    prompt_len, full_len = [], []
    for r in rows:
        prompt_len.append(len(_ids(tokenizer.apply_chat_template(r["prompt"], add_generation_prompt=True))))
        full_len.append(len(_ids(tokenizer.apply_chat_template(r["prompt"] + r["completion"]))))
    dropped = sum(p >= max_length for p in prompt_len)
    longer = sum(f > max_length for f in full_len)
    need = max(full_len)
    if dropped == len(rows):
        raise HardgenError(f"all {len(rows)} {what} are longer than --max-length {max_length} tokens (their prompts "
                           f"alone take {min(prompt_len)}-{max(prompt_len)}), so truncation leaves no answer token "
                           f"to train on; set --max-length {need} (the longest example) or more")
    return {"rows": len(rows), "longer": longer, "dropped": dropped, "longest": need}


def _ids(out) -> list:
    """Token ids from `apply_chat_template(tokenize=True)`, which returns a list or a BatchEncoding by version."""
    return out["input_ids"] if hasattr(out, "keys") else out


def build_sft_trainer(cfg: SFTParams, rows: list[dict], student: str, tokenizer, ckpt_dir: Path,
                      device: str = "auto"):
    """The TRL SFTTrainer for resolved params and prompt/completion rows (loss on completion tokens only)."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    model = AutoModelForCausalLM.from_pretrained(str(student), dtype=torch.float32)
    use_cpu = device == "cpu" or (device == "auto" and not torch.cuda.is_available())
    args = SFTConfig(
        output_dir=str(ckpt_dir), num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        learning_rate=cfg.lr, per_device_train_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum, warmup_steps=cfg.warmup,
        weight_decay=cfg.weight_decay, lr_scheduler_type=cfg.lr_scheduler, max_length=cfg.max_length,
        completion_only_loss=True, save_strategy="steps", save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit, logging_steps=cfg.logging_steps, seed=cfg.seed,
        data_seed=cfg.seed, report_to=[], use_cpu=use_cpu, dataloader_num_workers=0,
        disable_tqdm=os.environ.get("HARDGEN_NO_PROGRESS") == "1", bf16=False, fp16=False,
        dataset_num_proc=None,
    )
    return SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                      peft_config=cfg.lora.peft_config() if cfg.lora else None)


def train_sft(traces: str, student: str, out: str, *, lora: LoraSpec | dict | str | bool | None = None,
              epochs: float | None = None, lr: float | None = None, batch_size: int | None = None,
              max_steps: int | None = None, max_length: int | None = None, grad_accum: int | None = None,
              save_steps: int | None = None, seed: int | None = None, resume: bool = True,
              config_yaml: str | None = None, dry_run: bool = False, device: str = "auto",
              threads: int | None = None, **extra: Any) -> dict[str, Any]:
    """Fine-tune `student` (a local model directory) on the verified traces in `traces`; save to `out`.

    Hyper-parameters: `SFTParams` defaults < `config_yaml` (its `sft:` section, or the whole file) < keyword
    arguments (`extra` takes any other `SFTParams` field). `dry_run=True` checks the inputs and returns the
    resolved config without training. Returns {config, rows, steps, train_loss, path, resumed_from}.
    """
    cfg = resolve(SFTParams, config_yaml, {"lora": lora, "epochs": epochs, "lr": lr, "batch_size": batch_size,
                                           "max_steps": max_steps, "max_length": max_length,
                                           "grad_accum": grad_accum, "save_steps": save_steps, "seed": seed,
                                           **extra}, section="sft")
    if cfg.batch_size < 1 or cfg.grad_accum < 1 or cfg.max_length < 8:
        raise HardgenError("batch_size and grad_accum must be >= 1 and max_length >= 8")
    if cfg.max_steps <= 0 and cfg.epochs <= 0:
        raise HardgenError("train for some epochs (> 0) or max_steps (> 0)")
    # every input error surfaces here, before a model is loaded
    rows = load_traces(traces, cfg.split)
    student = SolverSpec.parse(student, "--student").local_model("--student")
    tokenizer = check_student(student)
    out_dir = Path(out)
    ckpt_dir = out_dir / "checkpoints"
    resume_from = last_checkpoint(ckpt_dir) if resume else None
    lengths = check_lengths(rows, tokenizer, cfg.max_length)
    if lengths["longer"]:
        print(f"warning: {lengths['longer']} of {len(rows)} traces are longer than --max-length {cfg.max_length} "
              f"tokens and are cut ({lengths['dropped']} dropped: no answer token left); the longest is "
              f"{lengths['longest']}", file=sys.stderr)
    resolved = {"traces": str(traces), "student": str(student), "out": str(out_dir), "rows": len(rows),
                "resume_from": resume_from, **as_dict(cfg)}
    if dry_run:
        print(json.dumps(resolved, indent=1))
        return {"config": resolved, "dry_run": True}

    import torch

    torch.manual_seed(cfg.seed)
    if threads is not None:  # tiny models on small CPUs train faster on one thread (no spinning)
        torch.set_num_threads(threads)
    trainer = build_sft_trainer(cfg, rows, student, tokenizer, ckpt_dir, device)
    result = trainer.train(resume_from_checkpoint=resume_from)
    final = trainer.model
    if cfg.lora is not None:
        trainer.model.save_pretrained(str(out_dir / "adapter"))
        final = trainer.model.merge_and_unload()  # a plain model, so `hf:OUT` loads it without PEFT
    final.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))
    summary = {"config": resolved, "rows": len(rows), "steps": trainer.state.global_step,
               "train_loss": result.training_loss, "path": str(out_dir), "resumed_from": resume_from,
               "log": [h for h in trainer.state.log_history if "loss" in h]}
    (out_dir / "hardgen_sft.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    return summary
