"""GRPO with TRL's GRPOTrainer: strict correctness reward, optional format reward, and curricula.

Rewards: `hardgen.verifiers.reward` (1 correct, 0 wrong, None undecided, from the row's `check`/`answer`) and,
with `format_weight > 0`, a format reward (1 when the completion has exactly one `\\boxed{`). The curriculum
(`hardgen.distill.curriculum`) chooses each generation batch's prompts through a sampler that replaces TRL's
RepeatSampler (same layout: each prompt repeated `num_generations` times); the correctness reward reports each
prompt's group of rewards to it, and a TrainerCallback updates it after every optimizer step, appends its state
(level, arm values, sampling probabilities) to `OUT/curriculum.jsonl`, and saves it into each checkpoint, so a
resumed run continues the same curriculum. The sampler fetches one generation batch ahead of training, so a
decision sees the rewards up to the step before last.

>>> train_grpo("data/train", "runs/sft", "runs/grpo", curriculum="sec", max_steps=200)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardgen.core.specs import SolverSpec
from hardgen.distill.config import LoraSpec, as_dict, check_student, last_checkpoint, resolve
from hardgen.distill.curriculum import CURRICULA, Curriculum, make_curriculum
from hardgen.core.errors import HardgenError
from hardgen.core.store import open_dataset
from hardgen.verifiers import completion_text
from hardgen.verifiers import reward as strict_reward

STATE_FILE = "curriculum_state.json"
LOG_FILE = "curriculum.jsonl"


@dataclass(frozen=True)
class GRPOParams:
    """Hyper-parameters of `train_grpo` (YAML keys and keyword arguments use these names)."""

    max_steps: int = 100
    lr: float = 1e-4
    num_generations: int = 4
    prompts_per_step: int = 4
    max_completion_length: int = 64
    temperature: float = 1.0
    beta: float = 0.0
    format_weight: float = 0.0
    loss_type: str = "dapo"
    scale_rewards: str = "group"
    save_steps: int = 50
    save_total_limit: int = 2
    logging_steps: int = 1
    seed: int = 0
    split: str = "train"
    curriculum: str = "none"
    arms: str = "difficulty"
    curriculum_options: dict = field(default_factory=dict)
    lora: LoraSpec | None = None


def format_reward(completions: list, **_: Any) -> list[float]:
    """1.0 when a completion has exactly one `\\boxed{`, else 0.0 (answers must be stated once)."""
    out = []
    for c in completions:
        text = completion_text(c)
        out.append(float(isinstance(text, str) and text.count("\\boxed{") == 1))
    return out


def correctness_reward(curriculum: Curriculum | None):
    """The strict reward, also reporting each prompt's group of rewards to the curriculum."""

    def correctness(completions: list, check: list, answer: list | None = None, hardgen_index: list | None = None,
                    **columns: Any) -> list[float | None]:
        rewards = strict_reward(completions, check=check, answer=answer)
        if curriculum is not None and hardgen_index is not None:
            # a generation batch lists each prompt's completions consecutively; group runs of the same index
            start = 0
            for j in range(1, len(rewards) + 1):
                if j == len(rewards) or hardgen_index[j] != hardgen_index[start]:
                    curriculum.observe(int(hardgen_index[start]), [r for r in rewards[start:j] if r is not None])
                    start = j
        return rewards

    return correctness


def load_prompts(data: str, split: str) -> tuple[list[dict], list[dict]]:
    """(source rows, TRL rows) of the `split` problems of `data`; TRL rows carry prompt, check, answer, index."""
    rows, trl_rows = [], []
    for rec in open_dataset(data):
        if split and rec.get("split") != split:
            continue
        trl_rows.append({"prompt": [{"role": "user", "content": rec["prompt"]}],
                         "check": json.dumps(rec["check"], sort_keys=True), "answer": rec.get("answer"),
                         "hardgen_index": len(rows)})
        rows.append(rec)
    if not rows:
        raise HardgenError(f"{data} has no {split!r} rows to train on (GRPO trains on the train split only)")
    return rows, trl_rows


def _sampler_class():
    from torch.utils.data import Sampler

    class CurriculumSampler(Sampler):
        """TRL's RepeatSampler layout with prompts chosen by a curriculum, one generation batch at a time."""

        def __init__(self, curriculum: Curriculum, prompts_per_batch: int, num_generations: int, repeat: int):
            self.curriculum, self.b, self.g, self.repeat = curriculum, prompts_per_batch, num_generations, repeat
            self.batches = max(1, len(curriculum.rows) // prompts_per_batch)

        def __len__(self) -> int:
            return self.batches * self.b * self.g * self.repeat

        def __iter__(self):
            for _ in range(self.batches):
                idx = self.curriculum.draw(self.b)
                for _ in range(self.repeat):
                    for i in idx:
                        for _ in range(self.g):
                            yield i

    return CurriculumSampler


def _callback_class():
    from transformers import TrainerCallback

    class CurriculumCallback(TrainerCallback):
        """Updates the curriculum after each optimizer step, logs its state, saves it with checkpoints."""

        def __init__(self, curriculum: Curriculum, log_path: Path):
            self.curriculum, self.log_path = curriculum, log_path

        def on_step_end(self, args, state, control, **kwargs):
            rec = {"global_step": state.global_step, **self.curriculum.step_end()}
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")

        def on_save(self, args, state, control, **kwargs):
            ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if ckpt.is_dir():
                (ckpt / STATE_FILE).write_text(json.dumps(self.curriculum.state_dict()) + "\n")

    return CurriculumCallback


def _trim_log(log_path: Path, upto_step: int) -> None:
    """On resume, drop logged steps after the checkpoint (they are redone)."""
    if not log_path.exists():
        return
    keep = [ln for ln in log_path.read_text().splitlines() if ln.strip() and json.loads(ln)["global_step"] <= upto_step]
    log_path.write_text("".join(ln + "\n" for ln in keep))


def train_grpo(data: str, student: str, out: str, *, curriculum: str | None = None,
               lora: LoraSpec | dict | str | bool | None = None, num_generations: int | None = None,
               max_steps: int | None = None, lr: float | None = None, prompts_per_step: int | None = None,
               max_completion_length: int | None = None, temperature: float | None = None,
               format_weight: float | None = None, seed: int | None = None, arms: str | None = None,
               curriculum_options: dict | None = None, resume: bool = True, config_yaml: str | None = None,
               dry_run: bool = False, device: str = "auto", threads: int | None = None,
               **extra: Any) -> dict[str, Any]:
    """GRPO on the train-split problems of `data`, starting from `student`; the model is saved to `out`.

    `curriculum`: none | static | gated | sec | dump | balanced; `arms` ("difficulty" or "family") are the
    categories sec/dump/gated choose among; `curriculum_options` are the curriculum's own knobs (e.g.
    {"epsilon": 0.6}, {"alpha": 0.3, "tau": 0.2}). Hyper-parameters: `GRPOParams` defaults < `config_yaml`
    (its `grpo:` section, or the whole file) < keyword arguments. Returns a summary with the reward history.
    """
    cfg = resolve(GRPOParams, config_yaml, {
        "curriculum": curriculum, "lora": lora, "num_generations": num_generations, "max_steps": max_steps,
        "lr": lr, "prompts_per_step": prompts_per_step, "max_completion_length": max_completion_length,
        "temperature": temperature, "format_weight": format_weight, "seed": seed, "arms": arms,
        "curriculum_options": curriculum_options, **extra}, section="grpo")
    if cfg.curriculum not in CURRICULA:
        raise HardgenError(f"unknown curriculum {cfg.curriculum!r}; expected one of {', '.join(CURRICULA)}")
    if cfg.num_generations < 2:
        raise HardgenError(f"num_generations must be at least 2 (GRPO compares a group), got {cfg.num_generations}")
    if cfg.prompts_per_step < 1 or cfg.max_steps < 1 or cfg.max_completion_length < 1:
        raise HardgenError("prompts_per_step, max_steps and max_completion_length must be >= 1")
    rows, trl_rows = load_prompts(data, cfg.split)
    student = SolverSpec.parse(student, "--student").local_model("--student")
    tokenizer = check_student(student)
    cur = make_curriculum(cfg.curriculum, rows, seed=cfg.seed, arms=cfg.arms, total_steps=cfg.max_steps,
                          options=cfg.curriculum_options)
    out_dir = Path(out)
    ckpt_dir = out_dir / "checkpoints"
    resume_from = last_checkpoint(ckpt_dir) if resume else None
    resolved = {"data": str(data), "student": str(student), "out": str(out_dir), "rows": len(rows),
                "categories": cur.categories, "resume_from": resume_from, **as_dict(cfg)}
    if dry_run:
        print(json.dumps(resolved, indent=1))
        return {"config": resolved, "dry_run": True}

    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(cfg.seed)
    if threads is not None:  # tiny models on small CPUs train faster on one thread (no spinning)
        torch.set_num_threads(threads)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / LOG_FILE
    if resume_from and (Path(resume_from) / STATE_FILE).exists():
        cur.load_state_dict(json.loads((Path(resume_from) / STATE_FILE).read_text()))
        _trim_log(log_path, int(Path(resume_from).name.split("-")[-1]))
    elif log_path.exists():
        log_path.unlink()  # a fresh run starts a fresh log
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(str(student), dtype=torch.float32)
    use_cpu = device == "cpu" or (device == "auto" and not torch.cuda.is_available())
    reward_funcs = [correctness_reward(cur)]
    weights = [1.0]
    if cfg.format_weight > 0:
        reward_funcs.append(format_reward)
        weights.append(cfg.format_weight)
    args = GRPOConfig(
        output_dir=str(ckpt_dir), max_steps=cfg.max_steps, learning_rate=cfg.lr,
        per_device_train_batch_size=cfg.prompts_per_step * cfg.num_generations, gradient_accumulation_steps=1,
        num_generations=cfg.num_generations, max_completion_length=cfg.max_completion_length,
        temperature=cfg.temperature, beta=cfg.beta, loss_type=cfg.loss_type, scale_rewards=cfg.scale_rewards,
        reward_weights=weights, save_strategy="steps", save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit, logging_steps=cfg.logging_steps, seed=cfg.seed, data_seed=cfg.seed,
        report_to=[], use_cpu=use_cpu, bf16=False, fp16=False, dataloader_num_workers=0,
        # the curriculum's saved state restores the sampling position; replaying batches would disturb it
        ignore_data_skip=True, disable_tqdm=os.environ.get("HARDGEN_NO_PROGRESS") == "1",
        log_completions=False,
    )
    Sampler = _sampler_class()

    class CurriculumGRPOTrainer(GRPOTrainer):
        def _get_train_sampler(self, dataset=None):
            return Sampler(cur, self.args.generation_batch_size // self.num_generations, self.num_generations,
                           self.num_iterations * self.args.steps_per_generation)

    trainer = CurriculumGRPOTrainer(model=model, reward_funcs=reward_funcs, args=args,
                                    train_dataset=Dataset.from_list(trl_rows), processing_class=tokenizer,
                                    peft_config=cfg.lora.peft_config() if cfg.lora else None,
                                    callbacks=[_callback_class()(cur, log_path)])
    trainer.train(resume_from_checkpoint=resume_from)
    final = trainer.model
    if cfg.lora is not None:
        trainer.model.save_pretrained(str(out_dir / "adapter"))
        final = trainer.model.merge_and_unload()
    final.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))
    history = [{k: h[k] for k in h if k in ("step", "reward", "reward_std", "frac_reward_zero_std")}
               for h in trainer.state.log_history if "reward" in h]
    summary = {"config": resolved, "steps": trainer.state.global_step, "path": str(out_dir),
               "resumed_from": resume_from, "curriculum_log": str(log_path), "curriculum_state": cur.state(),
               "history": history}
    (out_dir / "hardgen_grpo.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    return summary
