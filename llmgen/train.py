"""Training the LLM problem generator on graded data: SFT on the hard part, rejection fine-tuning rounds, and GRPO.

- `sft` (ScaleDiff's DiffGen recipe): the hardest rows of a graded set (lowest pass rate of the reference solver)
  become (condition -> problem text) pairs; the generator is fine-tuned on those only.
- `rft` (QueST's rejection fine-tuning): SFT first, then rounds of: sample many problems per condition, give each
  an answer and a validity status (`assess_texts`), grade the valid novel ones with the reference solver panel,
  keep the hardest, fine-tune again. Each round reports validity rate, novelty and mean reference pass rate.
- `grpo`: SFT first, then TRL GRPO with reward = validity x hardness (1 - reference pass rate) minus a penalty
  for near-duplicates of the training texts (`GeneratorReward`, a TRL reward function).

Formal problems (`llm.cnf`) are the target text's formula; any graded row whose check is `sat` with at most 26
variables is rewritten in that grammar. Other rows train free-form (`llm.text`) writing of their prompt.

>>> train_generator("data/graded", "models/tiny", "runs/gen", method="rft", rounds=2)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from hardgen.core.errors import HardgenError
from hardgen.core.specs import SolverSpec, derive_seed
from hardgen.generators.formal import (FORMAL_FAMILY, MAX_VARS, canonical_order, formal_candidate, render_formula,
                                      solve_formula)
from hardgen.llmgen.sample import (DEFAULT_NEAR_DUP, GENERATOR_CARD, TEXT_FAMILY, TRAIN_TEXTS_FILE,
                                           Assessed, Condition, DedupReference, assess_texts, formal_tags,
                                           generator_spec, spread, tally, write_texts)
from hardgen.core.records import make_record

METHODS = ("sft", "rft", "grpo")
DEFAULT_REFERENCE = "sat:walksat@2"


@dataclass(frozen=True)
class Example:
    """One training pair: the condition the generator is given and the problem text it should write."""

    condition: Condition
    text: str
    pass_rate: float | None = None

    def as_row(self) -> dict:
        return {"family": self.condition.family, "text": self.text, "condition": asdict(self.condition),
                "pass_rate": self.pass_rate}


@dataclass(frozen=True)
class TrainParams:
    """Hyper-parameters of `train_generator` (keyword arguments use these names)."""

    epochs: float = 30.0
    lr: float = 5e-3
    batch_size: int = 16
    max_length: int = 512
    lora_r: int = 0  # 0 = full fine-tuning; else a PEFT LoRA of this rank on all linear layers
    rft_epochs: float = 5.0
    rft_lr: float = 1e-3
    samples_per_round: int = 256
    keep_fraction: float = 0.25
    accumulate: bool = True  # each RFT round trains on every round's kept problems so far, not the last only
    replay: float = 0.25  # share of the original hard examples re-used in each RFT round's training set
    temperature: float = 0.8
    top_p: float = 0.95
    max_new_tokens: int = 256
    grpo_steps: int = 24
    num_generations: int = 8
    grpo_lr: float = 1e-4
    dup_penalty: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.rft_epochs <= 0 or self.batch_size < 1 or self.max_length < 16:
            raise HardgenError("epochs must be >= 0 (0: start RFT/GRPO from the model as it is), rft_epochs > 0, "
                               "batch_size >= 1 and max_length >= 16")
        if not 0 < self.keep_fraction <= 1:
            raise HardgenError(f"keep_fraction must be in (0, 1], got {self.keep_fraction}")
        if not 0 <= self.replay <= 1:
            raise HardgenError(f"replay must be in [0, 1], got {self.replay}")
        if self.samples_per_round < 1 or self.grpo_steps < 1 or self.num_generations < 2:
            raise HardgenError("samples_per_round and grpo_steps must be >= 1 and num_generations >= 2")


# ---------------------------------------------------------------- data

def _pass_rate(row: dict, solver: str | None) -> float | None:
    grades = (row.get("difficulty") or {}).get("grades") or {}
    if solver is not None:
        g = grades.get(solver)
        return None if g is None else g.get("pass_rate")
    rates = [g["pass_rate"] for g in grades.values() if g.get("pass_rate") is not None]
    return sum(rates) / len(rates) if rates else None


def row_to_target(row: dict) -> tuple[str, str, tuple[str, ...]] | None:
    """(family, target text, concept tags) for a graded row, or None when it cannot be written as either kind."""
    check = row.get("check") or {}
    if check.get("kind") == "sat":
        p = check.get("params") or {}
        n, clauses = int(p.get("num_vars", 0)), p.get("clauses") or []
        if 0 < n <= MAX_VARS and clauses and p.get("status", "sat") == "sat":
            text = render_formula(canonical_order([list(c) for c in clauses]))
            sol = solve_formula(text)
            if sol.valid:  # rewritten rows must pass the same grammar the generator is judged by
                return FORMAL_FAMILY, text, formal_tags(sol.num_vars, [list(c) for c in sol.clauses])
        return None
    prompt = row.get("prompt")
    if isinstance(prompt, str) and prompt.strip() and row.get("answer") is not None:
        return TEXT_FAMILY, prompt.strip(), (f"source={row.get('family', 'unknown')}",)
    return None


def hard_examples(data: str | Iterable[dict], *, solver: str | None = None, hard_fraction: float = 0.5,
                  max_pass_rate: float | None = None) -> list[Example]:
    """The hard part of a graded set as training pairs (ScaleDiff: train the generator on hard problems only).

    Rows with a pass rate (of `solver`, or the mean over the graded solvers) are ranked hardest first; the
    hardest `hard_fraction` are kept, or those at or below `max_pass_rate` when given. Invalid rows are skipped.
    """
    from hardgen.core.store import open_dataset

    if not 0 < hard_fraction <= 1:
        raise HardgenError(f"hard_fraction must be in (0, 1], got {hard_fraction}")
    rows = open_dataset(data) if isinstance(data, str) else data
    graded: list[tuple[float, str, str, tuple[str, ...], str]] = []
    total = 0
    for r in rows:
        total += 1
        if (r.get("validity") or {}).get("status") == "invalid":
            continue
        rate = _pass_rate(r, solver)
        target = row_to_target(r)
        if rate is None or target is None:
            continue
        graded.append((rate, r.get("id", ""), *target))
    if not graded:
        raise HardgenError(f"{data if isinstance(data, str) else 'the rows'} hold no graded rows the generator "
                           f"can learn from ({total} rows); grade them first (`gen grade --solver ...`)"
                           + (f" with solver {solver!r}" if solver else ""))
    graded.sort(key=lambda g: (g[0], g[1]))
    if max_pass_rate is not None:
        keep = [g for g in graded if g[0] <= max_pass_rate]
    else:
        keep = graded[:max(1, round(len(graded) * hard_fraction))]
    return [Example(Condition(fam, "hard", tags), text, rate) for rate, _, fam, text, tags in keep]


def formal_seed_set(out: str, *, n: int = 300, seed: int = 0, reference_solver: str = DEFAULT_REFERENCE, k: int = 8,
                    knobs: dict | None = None, overwrite: bool = False) -> str:
    """A graded seed set for a formal generator: `n` programmatic `llm.cnf` problems graded by the reference
    solver, written to `OUT/raw` and `OUT/graded`; returns the graded path (what `train_generator` reads)."""
    from hardgen.stages.grade import grade_dataset
    from hardgen.stages.generate import generate_dataset

    generate_dataset([{"family": FORMAL_FAMILY, "knobs": knobs or {}}], n=n, out=f"{out}/raw", seed=seed, workers=1,
                     overwrite=overwrite)
    grade_dataset(f"{out}/raw", f"{out}/graded", [reference_solver], k=k, seed=seed, overwrite=overwrite)
    return f"{out}/graded"


def generator_corpus(data: str | Iterable[dict]) -> list[str]:
    """Texts to fit a tiny generator's tokenizer on: every target text of a graded set plus its conditions."""
    from hardgen.core.store import open_dataset

    rows = open_dataset(data) if isinstance(data, str) else data
    texts: list[str] = []
    conds: dict[str, None] = {}
    for r in rows:
        t = row_to_target(r)
        if t is not None:
            texts.append(t[1])
            conds.setdefault(Condition(t[0], "hard", t[2]).prompt(), None)
    return texts + list(conds)


# ---------------------------------------------------------------- fine-tuning

def _torch_threads() -> None:
    """Tiny models gain nothing from many intra-op threads; on a busy small machine they spin."""
    import torch

    if not torch.cuda.is_available() and os.environ.get("HARDGEN_TORCH_THREADS"):
        torch.set_num_threads(int(os.environ["HARDGEN_TORCH_THREADS"]))


def finetune(model: str, examples: list[Example], out: str | Path, *, epochs: float, lr: float, batch_size: int,
             max_length: int, seed: int, lora_r: int = 0) -> dict:
    """TRL SFT of `model` on (condition -> text) pairs, loss on the written text only; saves model + tokenizer."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    if not examples:
        raise HardgenError("no training examples for the generator")
    _torch_threads()
    tok = AutoTokenizer.from_pretrained(str(model))
    if not getattr(tok, "chat_template", None):
        raise HardgenError(f"the tokenizer of {model!r} has no chat template; the generator is trained and "
                           "sampled as a chat")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    rows = [{"prompt": [{"role": "user", "content": e.condition.prompt()}],
             "completion": [{"role": "assistant", "content": e.text}]} for e in examples]
    torch.manual_seed(seed)
    lm = AutoModelForCausalLM.from_pretrained(str(model), dtype=torch.float32)
    out = Path(out)
    args = SFTConfig(output_dir=str(out / "checkpoints"), num_train_epochs=epochs, learning_rate=lr,
                     per_device_train_batch_size=batch_size, max_length=max_length, completion_only_loss=True,
                     save_strategy="no", logging_steps=10, seed=seed, data_seed=seed, report_to=[],
                     use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0, bf16=False, fp16=False,
                     lr_scheduler_type="cosine", warmup_steps=0.05,
                     disable_tqdm=os.environ.get("HARDGEN_NO_PROGRESS") == "1")
    peft_config = None
    if lora_r:
        from peft import LoraConfig
        peft_config = LoraConfig(r=lora_r, lora_alpha=2 * lora_r, target_modules="all-linear", task_type="CAUSAL_LM")
    trainer = SFTTrainer(model=lm, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok,
                         peft_config=peft_config)
    result = trainer.train()
    final = trainer.model.merge_and_unload() if lora_r else trainer.model
    final.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return {"steps": trainer.state.global_step, "train_loss": round(result.training_loss, 4),
            "examples": len(examples)}


def _write_train_texts(out: Path, examples: list[Example]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / TRAIN_TEXTS_FILE).write_text("".join(json.dumps(e.as_row(), sort_keys=True) + "\n" for e in examples),
                                        encoding="utf-8")


# ---------------------------------------------------------------- evaluation

def grade_assessed(assessed: list[Assessed], reference_solver: str, k: int, seed: int) -> None:
    """Grade every valid row of `assessed` in place with the reference solver (difficulty.grades[SPEC])."""
    from hardgen.difficulty.grade import grade_rows
    from hardgen.models.base import get_solver

    # a SAT panel grades formal rows only; free-form rows need a model solver as the reference
    valid = [a for a in assessed if a.status == "valid" and a.record is not None
             and (a.record["family"] == FORMAL_FAMILY or not reference_solver.startswith("sat:"))]
    if not valid:
        return
    with get_solver(reference_solver) as s:
        graded, _ = grade_rows([a.record for a in valid], [s], k, seed, "gen-eval", None)
    for a, r in zip(valid, graded):
        a.record = r


def round_metrics(assessed: list[Assessed], reference_solver: str) -> dict[str, Any]:
    """Validity rate, novelty and the mean reference pass rate over valid novel rows (plus counts)."""
    t = tally(assessed)
    rates = [a.record["difficulty"]["grades"][reference_solver]["pass_rate"] for a in assessed
             if a.status == "valid" and a.record and reference_solver in a.record["difficulty"].get("grades", {})]
    rates = [r for r in rates if r is not None]
    clauses = [a.record["difficulty"].get("n_clauses") for a in assessed if a.status == "valid" and a.record]
    clauses = [c for c in clauses if c is not None]
    return {"candidates": t["candidates"], "valid": t["valid"], "invalid": t["invalid"],
            "duplicate": t["duplicate"], "near_duplicate": t["near_duplicate"],
            "validity_rate": t["validity_rate"], "novelty": t["novelty"],
            "mean_pass_rate": round(sum(rates) / len(rates), 4) if rates else None,
            "mean_clauses": round(sum(clauses) / len(clauses), 2) if clauses else None,
            "invalid_reasons": t["invalid_reasons"]}


def sample_and_assess(model_dir: str | Path, conditions: list[Condition], n: int, reference: DedupReference, *,
                      reference_solver: str, k: int, seed: int, temperature: float, max_new_tokens: int,
                      top_p: float = 1.0, teacher: str | None = None, k_teacher: int = 4, agreement: float = 0.75,
                      batch_size: int = 64) -> list[Assessed]:
    """n generated problems from a model directory, assessed, deduplicated against `reference`, and graded."""
    from hardgen.models.base import get_solver

    spec = generator_spec(str(model_dir), max_new_tokens, temperature, batch_size, top_p)
    with get_solver(spec) as gen:
        written = write_texts(gen, spread(conditions, n), seed)
    teacher_solver = get_solver(teacher) if teacher else None
    try:
        assessed = assess_texts(written, reference=reference, model_name=spec, seed=seed, teacher=teacher_solver,
                                k_teacher=k_teacher, agreement=agreement)
    finally:
        if teacher_solver is not None:
            teacher_solver.close()
    grade_assessed(assessed, reference_solver, k, seed)
    return assessed


def evaluate_generator(model_dir: str | Path, conditions: list | None = None, n: int = 128, *,
                       train_data: str | Iterable[dict] | None = None, reference_solver: str = DEFAULT_REFERENCE,
                       k: int = 8, seed: int = 0, temperature: float = 0.8, top_p: float = 0.95,
                       max_new_tokens: int = 256, near_dup_threshold: float = DEFAULT_NEAR_DUP) -> dict[str, Any]:
    """The three generator figures for a model: validity rate, novelty vs its training texts, mean pass rate."""
    from hardgen.llmgen.sample import _conditions_of, load_train_texts

    src = train_data if train_data is not None else (str(model_dir) if (Path(model_dir) / TRAIN_TEXTS_FILE).exists()
                                                    else None)
    reference = DedupReference(near_dup_threshold)
    for i, r in enumerate(load_train_texts(src)):
        reference.add(f"train-{i}", r["family"], r["text"], training=True)
    conds = [Condition.parse(c) for c in conditions] if conditions else (_conditions_of(src) or [Condition()])
    assessed = sample_and_assess(model_dir, conds, n, reference, reference_solver=reference_solver, k=k, seed=seed,
                                 temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens)
    return round_metrics(assessed, reference_solver)


# ---------------------------------------------------------------- rewards

class GeneratorReward:
    """TRL reward function for a problem generator: validity x hardness - dup_penalty x near-duplicate.

    validity is proved by parsing and solving (formal family); hardness = 1 - pass rate of `reference_solver` over
    `k` rollouts; a completion that is a duplicate or near-duplicate of the training texts gets `-dup_penalty`
    (it is valid but not new). Used as `GRPOTrainer(reward_funcs=[GeneratorReward(...)])`; the dataset's `family`
    column (or `llm.cnf`) says how to check each completion.

    >>> reward = GeneratorReward("sat:walksat@2", train_texts=[])  # doctest: +SKIP
    >>> reward(["(A | B) & (!A | C)"])  # doctest: +SKIP
    """

    __name__ = "generator_reward"

    def __init__(self, reference_solver: str = DEFAULT_REFERENCE, k: int = 8, train_texts: Iterable[dict] = (),
                 near_dup_threshold: float = DEFAULT_NEAR_DUP, dup_penalty: float = 1.0, seed: int = 0):
        from hardgen.models.base import get_solver

        self.reference_solver = reference_solver
        self.k = k
        self.seed = seed
        self.dup_penalty = dup_penalty
        self.reference = DedupReference(near_dup_threshold)
        for i, r in enumerate(train_texts):
            self.reference.add(f"train-{i}", r.get("family", FORMAL_FAMILY), r["text"], training=True)
        self.solver = get_solver(reference_solver)
        self.calls = 0

    def score_text(self, text: str, family: str = FORMAL_FAMILY) -> float:
        """The reward of one written problem."""
        if family != FORMAL_FAMILY:
            raise HardgenError(f"GeneratorReward proves validity for {FORMAL_FAMILY} only, got family {family!r}")
        sol = solve_formula(text.strip())
        if not sol.valid:
            return 0.0
        dup, _, _ = self.reference.check(FORMAL_FAMILY, text.strip())
        if dup:
            return -self.dup_penalty
        from hardgen.difficulty.grade import rollouts_for

        cand = formal_candidate(sol)
        rec = make_record(FORMAL_FAMILY, cand.prompt, None, cand.check, {"generator": "llm"}, cand.difficulty)
        res, _ = rollouts_for(self.solver, [rec], self.k, derive_seed(self.seed, self.calls), "reward")
        correct = sum(r["correct"] is True for r in res[0])
        return 1.0 - correct / self.k

    def __call__(self, completions: list, family: list | None = None, **_: Any) -> list[float]:
        from hardgen.verifiers import completion_text

        self.calls += 1
        fams = family or [FORMAL_FAMILY] * len(completions)
        return [self.score_text(completion_text(c), f) for c, f in zip(completions, fams)]

    def close(self) -> None:
        self.solver.close()


def train_grpo_generator(model: str | Path, examples: list[Example], out: str | Path, reward: GeneratorReward, *,
                         steps: int, num_generations: int, lr: float, temperature: float, max_new_tokens: int,
                         seed: int, top_p: float = 1.0, lora_r: int = 0) -> dict:
    """TRL GRPO of a generator on its training conditions with `reward`; saves model + tokenizer to `out`."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    _torch_threads()
    tok = AutoTokenizer.from_pretrained(str(model))
    tok.padding_side = "left"
    conds = list(dict.fromkeys(e.condition for e in examples))
    rows = [{"prompt": [{"role": "user", "content": c.prompt()}], "family": c.family} for c in conds]
    while len(rows) < 2:  # GRPO needs a dataset to iterate; one condition repeats
        rows = rows + rows
    torch.manual_seed(seed)
    lm = AutoModelForCausalLM.from_pretrained(str(model), dtype=torch.float32)
    out = Path(out)
    args = GRPOConfig(output_dir=str(out / "checkpoints"), max_steps=steps, learning_rate=lr,
                      per_device_train_batch_size=num_generations, gradient_accumulation_steps=1,
                      num_generations=num_generations, max_completion_length=max_new_tokens,
                      temperature=temperature, top_p=top_p, beta=0.0, save_strategy="no", logging_steps=1, seed=seed,
                      data_seed=seed, report_to=[], use_cpu=not torch.cuda.is_available(), bf16=False, fp16=False,
                      dataloader_num_workers=0, log_completions=False,
                      disable_tqdm=os.environ.get("HARDGEN_NO_PROGRESS") == "1")
    peft_config = None
    if lora_r:
        from peft import LoraConfig
        peft_config = LoraConfig(r=lora_r, lora_alpha=2 * lora_r, target_modules="all-linear", task_type="CAUSAL_LM")
    trainer = GRPOTrainer(model=lm, reward_funcs=[reward], args=args, train_dataset=Dataset.from_list(rows),
                          processing_class=tok, peft_config=peft_config)
    trainer.train()
    final = trainer.model.merge_and_unload() if lora_r else trainer.model
    final.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    history = [{k: h[k] for k in ("step", "reward", "reward_std") if k in h}
               for h in trainer.state.log_history if "reward" in h]
    return {"steps": trainer.state.global_step, "history": history}


# ---------------------------------------------------------------- the command

def _select_hardest(assessed: list[Assessed], reference_solver: str, fraction: float, seed: int) -> list[Example]:
    """The hardest `fraction` of the valid novel rows (lowest reference pass rate; ties broken by a seeded hash)."""
    scored = []
    for a in assessed:
        if a.status != "valid" or a.record is None:
            continue
        g = a.record["difficulty"].get("grades", {}).get(reference_solver)
        rate = g["pass_rate"] if g else None
        if rate is None and a.condition.family == FORMAL_FAMILY:
            continue
        scored.append((rate if rate is not None else 0.5, derive_seed(seed, a.record["id"]), a))
    scored.sort(key=lambda s: (s[0], s[1]))
    keep = scored[:max(1, round(len(scored) * fraction))] if scored else []
    return [Example(a.condition, a.text, rate) for rate, _, a in keep]


def train_generator(data: str | Iterable[dict], model: str, out: str, *, method: str = "sft", rounds: int = 3,
                    reference_solver: str = DEFAULT_REFERENCE, k: int = 8, solver: str | None = None,
                    hard_fraction: float = 0.5, max_pass_rate: float | None = None, eval_samples: int | None = None,
                    near_dup_threshold: float = DEFAULT_NEAR_DUP, teacher: str | None = None,
                    overwrite: bool = False, **params: Any) -> dict[str, Any]:
    """Train a problem generator on the graded set `data`, starting from `model`; the result is saved to `out`.

    `method`: `sft` (hard part only), `rft` (SFT, then `rounds` of sample -> assess -> grade -> keep hardest ->
    fine-tune) or `grpo` (SFT, then GRPO with `GeneratorReward`); `epochs=0` skips the SFT and starts RFT/GRPO
    from `model` as it is (an already trained generator; its `generator_data.jsonl` joins the dedup reference). `solver` picks whose pass rate ranks the training
    rows (default: the mean over graded solvers); `reference_solver` (default `sat:walksat@2`, k rollouts) grades
    what the generator writes. `params` are `TrainParams` fields (epochs, lr, samples_per_round, keep_fraction,
    ...). Every method ends by measuring the model (`eval_samples`, default samples_per_round): `rounds` lists
    {round, validity_rate, novelty, mean_pass_rate, ...}, round 0 being the SFT model. Also writes
    `OUT/generator_data.jsonl` (texts trained on: the sampler's duplicate reference) and `OUT/hardgen_generator.json`.
    """
    if method not in METHODS:
        raise HardgenError(f"unknown generator training method {method!r}; expected one of {', '.join(METHODS)}")
    if rounds < 0:
        raise HardgenError(f"rounds must be >= 0, got {rounds}")
    if k < 1:
        raise HardgenError(f"k must be at least 1, got {k}")
    try:
        cfg = TrainParams(**params)
    except TypeError as e:
        import dataclasses
        raise HardgenError(f"{e}; known parameters: {', '.join(f.name for f in dataclasses.fields(TrainParams))}") \
            from None
    model = SolverSpec.parse(model, "--model").local_model("--model")
    if not Path(model).expanduser().exists():
        raise HardgenError(f"model {model!r} does not exist; training needs a local model directory (build a tiny "
                           "one with `gen model tiny -o DIR`)")
    out_dir = Path(out)
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise HardgenError(f"output directory {out_dir} is not empty; pass overwrite=True (--overwrite)")
    if out_dir.exists() and overwrite:
        import shutil
        shutil.rmtree(out_dir)
    examples = hard_examples(data, solver=solver, hard_fraction=hard_fraction, max_pass_rate=max_pass_rate)
    conditions = list(dict.fromkeys(e.condition for e in examples))
    n_eval = eval_samples or cfg.samples_per_round
    summary: dict[str, Any] = {"method": method, "model": str(model), "data": data if isinstance(data, str) else None,
                               "reference_solver": reference_solver, "k": k, "params": asdict(cfg),
                               "hard_examples": len(examples), "conditions": [c.prompt() for c in conditions],
                               "hard_mean_pass_rate": round(sum(e.pass_rate or 0 for e in examples) / len(examples),
                                                            4),
                               "rounds": []}

    def reference_for(trained: list[Example]) -> DedupReference:
        ref = DedupReference(near_dup_threshold)
        for i, e in enumerate(trained):
            ref.add(f"train-{i}", e.condition.family, e.text, training=True)
        return ref

    def measure(model_dir: Path, trained: list[Example], rnd: int) -> list[Assessed]:
        assessed = sample_and_assess(model_dir, conditions, n_eval, reference_for(trained),
                                     reference_solver=reference_solver, k=k, seed=derive_seed(cfg.seed, "round", rnd),
                                     temperature=cfg.temperature, top_p=cfg.top_p,
                                     max_new_tokens=cfg.max_new_tokens, teacher=teacher)
        summary["rounds"].append({"round": rnd, **round_metrics(assessed, reference_solver)})
        return assessed

    if cfg.epochs == 0 and method == "sft":
        raise HardgenError("method sft needs epochs > 0")
    stage_dir = out_dir / "rounds" / "round-0" if method != "sft" else out_dir
    trained = list(examples)
    if cfg.epochs > 0:
        summary["sft"] = finetune(model, examples, stage_dir, epochs=cfg.epochs, lr=cfg.lr,
                                  batch_size=cfg.batch_size, max_length=cfg.max_length, seed=cfg.seed,
                                  lora_r=cfg.lora_r)
    else:  # an already trained generator: measure and improve it as it is
        stage_dir = Path(model)
        summary["sft"] = None
        if (stage_dir / TRAIN_TEXTS_FILE).exists():
            from hardgen.llmgen.sample import load_train_texts_full
            trained += [Example(Condition.parse(r["condition"]), r["text"], r.get("pass_rate"))
                        for r in load_train_texts_full(str(stage_dir)) if isinstance(r.get("condition"), dict)]
            trained = list({e.text: e for e in trained}.values())  # once per text, first occurrence kept
    if cfg.epochs > 0:
        _write_train_texts(stage_dir, trained)
    assessed = measure(stage_dir, trained, 0)
    current = stage_dir
    if method == "rft":
        rng = random.Random(derive_seed(cfg.seed, "replay"))
        kept_all: list[Example] = []
        for rnd in range(1, rounds + 1):
            keep = _select_hardest(assessed, reference_solver, cfg.keep_fraction, derive_seed(cfg.seed, rnd))
            kept_all = kept_all + keep if cfg.accumulate else keep
            replay = rng.sample(examples, round(cfg.replay * len(examples)))
            nxt = out_dir if rnd == rounds else out_dir / "rounds" / f"round-{rnd}"
            info = finetune(current, kept_all + replay, nxt, epochs=cfg.rft_epochs, lr=cfg.rft_lr,
                            batch_size=cfg.batch_size, max_length=cfg.max_length, seed=cfg.seed + rnd,
                            lora_r=cfg.lora_r)
            trained = trained + keep
            _write_train_texts(nxt, trained)
            assessed = measure(nxt, trained, rnd)
            summary["rounds"][-1].update({"kept": len(keep), "replayed": len(replay),
                                          "kept_mean_pass_rate": round(sum(e.pass_rate or 0 for e in keep)
                                                                       / max(1, len(keep)), 4), **info})
            current = nxt
    elif method == "grpo":
        reward = GeneratorReward(reference_solver, k, [e.as_row() for e in trained], near_dup_threshold,
                                 cfg.dup_penalty, cfg.seed)
        try:
            info = train_grpo_generator(current, examples, out_dir, reward, steps=cfg.grpo_steps,
                                        num_generations=cfg.num_generations, lr=cfg.grpo_lr,
                                        temperature=cfg.temperature, max_new_tokens=cfg.max_new_tokens,
                                        seed=cfg.seed, top_p=cfg.top_p, lora_r=cfg.lora_r)
        finally:
            reward.close()
        _write_train_texts(out_dir, trained)
        measure(out_dir, trained, 1)
        summary["rounds"][-1].update(info)
    summary["path"] = str(out_dir)
    (out_dir / GENERATOR_CARD).write_text(json.dumps(summary, indent=1, default=str) + "\n")
    return summary
