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
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from hardgen.core.errors import HardgenError
from hardgen.core.specs import SolverSpec, derive_seed
from hardgen.generators.formal import FORMAL_FAMILY
from hardgen.generators.grammars import GRAMMARS, grammar_of_row
from hardgen.llmgen.sample import (DEFAULT_NEAR_DUP, GENERATOR_CARD, PASS_GRID, TEXT_FAMILY, TRAIN_TEXTS_FILE,
                                           Assessed, Condition, DedupReference, assess_texts, generator_spec,
                                           in_window, pass_bin, spread_like, tally, write_texts)

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
    #: how RFT rounds, GRPO and every round's measurement sample formal families: grammar | planted | off
    #: (`hardgen.llmgen.sample.CONSTRAIN_MODES`; True/False mean grammar/off)
    constrain: str | bool = "grammar"
    balance_bins: bool = True  # pass conditions: repeat the pairs of rare bins (up to 4x) so each bin is taught
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
        from hardgen.llmgen.sample import constraint_mode

        object.__setattr__(self, "constrain", constraint_mode(self.constrain))


# ---------------------------------------------------------------- data

def _pass_rate(row: dict, solver: str | None) -> float | None:
    grades = (row.get("difficulty") or {}).get("grades") or {}
    if solver is not None:
        g = grades.get(solver)
        return None if g is None else g.get("pass_rate")
    rates = [g["pass_rate"] for g in grades.values() if g.get("pass_rate") is not None]
    return sum(rates) / len(rates) if rates else None


def row_to_target(row: dict) -> tuple[str, str, tuple[str, ...]] | None:
    """(family, target text, concept tags) for a graded row, or None when it cannot be written as either kind:
    a row one of the formal grammars can write (`llm.cnf`, `llm.xor`, `llm.color`) becomes its canonical text,
    any other row with a prompt and an answer trains free-form (`llm.text`) writing of its prompt."""
    formal = grammar_of_row(row)
    if formal is not None:
        fam, text = formal
        return fam, text, GRAMMARS[fam].tags(text)
    if (row.get("check") or {}).get("kind") == "sat":
        return None  # a SAT row outside every grammar (unsatisfiable, too many variables) teaches nothing
    prompt = row.get("prompt")
    if isinstance(prompt, str) and prompt.strip() and row.get("answer") is not None:
        return TEXT_FAMILY, prompt.strip(), (f"source={row.get('family', 'unknown')}",)
    return None


def hard_examples(data: str | Iterable[dict], *, solver: str | None = None, hard_fraction: float = 0.5,
                  max_pass_rate: float | None = None, conditioned: bool = False) -> list[Example]:
    """The hard part of a graded set as training pairs (ScaleDiff: train the generator on hard problems only).

    Rows with a pass rate (of `solver`, or the mean over the graded solvers) are ranked hardest first; the
    hardest `hard_fraction` are kept, or those at or below `max_pass_rate` when given. Invalid rows are skipped.
    `conditioned=True` (needs `solver`) pairs each row with its *measured* condition, the pass-rate bin
    "pass=0.2" of `solver`, so the generator learns the mapping from requested to measured difficulty; otherwise
    every pair is labelled "hard".
    """
    from hardgen.core.store import open_dataset

    if not 0 < hard_fraction <= 1:
        raise HardgenError(f"hard_fraction must be in (0, 1], got {hard_fraction}")
    if conditioned and not solver:
        raise HardgenError("conditioned training pairs need the solver whose pass rate is the condition")
    rows = open_dataset(data) if isinstance(data, str) else data
    graded: list[tuple[float, str, str, str, tuple[str, ...]]] = []
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
    if conditioned:
        return [Example(Condition(fam, f"pass={pass_bin(rate):g}", tags, solver), text, rate)
                for rate, _, fam, text, tags in keep]
    return [Example(Condition(fam, "hard", tags), text, rate) for rate, _, fam, text, tags in keep]


def generator_corpus(data: str | Iterable[dict]) -> list[str]:
    """Texts to fit a tiny generator's tokenizer on: every target text of a graded set plus its conditions."""
    from hardgen.core.store import open_dataset

    rows = open_dataset(data) if isinstance(data, str) else data
    texts: list[str] = []
    conds: dict[str, None] = {}
    solvers: set[str] = set()
    families: set[str] = set()
    for r in rows:
        t = row_to_target(r)
        if t is not None:
            texts.append(t[1])
            conds.setdefault(Condition(t[0], "hard", t[2]).prompt(), None)
            solvers.update(((r.get("difficulty") or {}).get("grades") or {}).keys())
            families.add(t[0])
    for spec in sorted(solvers):  # the conditioned prompts name a solver and a bin
        for fam in sorted(families):
            for g in PASS_GRID:
                conds.setdefault(Condition(fam, f"pass={g:g}", (), spec).prompt(), None)
    return texts + list(conds)


# ---------------------------------------------------------------- fine-tuning

def _torch_threads() -> None:
    """Tiny models gain nothing from many intra-op threads; on a busy small machine they spin."""
    import torch

    if not torch.cuda.is_available() and os.environ.get("HARDGEN_TORCH_THREADS"):
        torch.set_num_threads(int(os.environ["HARDGEN_TORCH_THREADS"]))


def finetune(model: str, examples: list[Example], out: str | Path, *, epochs: float, lr: float, batch_size: int,
             max_length: int, seed: int, lora_r: int = 0, extra_pairs: Iterable[tuple[str, str]] = ()) -> dict:
    """TRL SFT of `model` on (condition -> text) pairs, loss on the written text only; saves model + tokenizer.
    `extra_pairs` are further (user text -> assistant text) pairs trained alongside (e.g. a model that is also
    its own teacher)."""
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
    rows += [{"prompt": [{"role": "user", "content": u}], "completion": [{"role": "assistant", "content": a}]}
             for u, a in extra_pairs]
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
             and (a.record["family"] in GRAMMARS or not reference_solver.startswith("sat:"))]
    if not valid:
        return
    with get_solver(reference_solver) as s:
        graded, _ = grade_rows([a.record for a in valid], [s], k, seed, "gen-eval", None)
    for a, r in zip(valid, graded):
        a.record = r


def _measured(a: Assessed, reference_solver: str) -> float | None:
    if a.status != "valid" or a.record is None:
        return None
    g = a.record["difficulty"].get("grades", {}).get(reference_solver)
    return None if g is None else g.get("pass_rate")


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman rank correlation (average ranks for ties); None with fewer than 3 pairs or a constant side."""
    if len(xs) < 3:
        return None

    def ranks(v: list[float]) -> list[float]:
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(v):
            j = i
            while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for t in range(i, j + 1):
                r[order[t]] = (i + j) / 2
            i = j + 1
        return r

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx, syy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return None if sxx == 0 or syy == 0 else round(sxy / (sxx * syy) ** 0.5, 4)


def bin_metrics(assessed: list[Assessed], reference_solver: str) -> dict[str, dict[str, Any]]:
    """Per requested bin ("pass=0.2", or a level): samples, validity, novelty, mean measured pass rate, and the
    in-window yield: valid novel problems whose measured pass rate is in the requested bin, per 1,000 samples."""
    groups: dict[str, list[Assessed]] = {}
    for a in assessed:
        groups.setdefault(a.condition.difficulty, []).append(a)
    out: dict[str, dict[str, Any]] = {}
    for label, group in sorted(groups.items()):
        t = tally(group)
        rates = [r for r in (_measured(a, reference_solver) for a in group) if r is not None]
        target = group[0].condition.target_pass
        hits = sum(in_window(r, target) for r in rates) if target is not None else None
        out[label] = {"samples": len(group), "valid": t["valid"], "validity_rate": t["validity_rate"],
                      "novelty": t["novelty"], "mean_pass_rate": round(sum(rates) / len(rates), 4) if rates else None,
                      "in_window": hits,
                      "yield_per_1000": round(1000 * hits / len(group), 1) if hits is not None else None}
    return out


def round_metrics(assessed: list[Assessed], reference_solver: str) -> dict[str, Any]:
    """Validity rate, novelty and the mean reference pass rate over valid novel rows (plus counts); per requested
    bin the same and the in-window yield; Spearman between requested and measured pass rate over the valid
    novel samples; `why_none` says why when no sample was valid and novel (never a NaN)."""
    from hardgen.llmgen.sample import why_nothing_valid

    t = tally(assessed)
    rates = [r for r in (_measured(a, reference_solver) for a in assessed) if r is not None]
    clauses = [a.record["difficulty"].get("n_clauses") for a in assessed if a.status == "valid" and a.record]
    clauses = [c for c in clauses if c is not None]
    pairs = [(a.condition.target_pass, _measured(a, reference_solver)) for a in assessed
             if a.condition.target_pass is not None and _measured(a, reference_solver) is not None]
    out = {"candidates": t["candidates"], "valid": t["valid"], "invalid": t["invalid"],
           "duplicate": t["duplicate"], "near_duplicate": t["near_duplicate"],
           "validity_rate": t["validity_rate"], "novelty": t["novelty"],
           "mean_pass_rate": round(sum(rates) / len(rates), 4) if rates else None,
           "mean_clauses": round(sum(clauses) / len(clauses), 2) if clauses else None,
           "invalid_reasons": t["invalid_reasons"], "bins": bin_metrics(assessed, reference_solver),
           "spearman": spearman([p[0] for p in pairs], [p[1] for p in pairs])}
    if not t["valid"]:
        out["why_none"] = "no valid samples: " + why_nothing_valid(t)
    return out


def round_table(rounds: list[dict]) -> tuple[list[list[Any]], list[str], list[str]]:
    """(rows, header, notes) of the per-round, per-bin table; a figure with no valid sample behind it is shown
    as "-" and a note says why (never NaN)."""

    def f(v: float | None, d: int = 3) -> str:
        return "-" if v is None else f"{v:.{d}f}"

    rows, notes = [], []
    for r in rounds:
        for label, b in (r.get("bins") or {"all": r}).items():
            rows.append([r["round"], label, b.get("samples", r.get("candidates")), f(b.get("validity_rate")),
                         f(b.get("novelty")), f(b.get("mean_pass_rate")),
                         "-" if b.get("yield_per_1000") is None else f"{b['yield_per_1000']:.0f}"])
        rho = r.get("spearman")
        notes.append(f"round {r['round']}: Spearman(requested, measured) "
                     + ("- (fewer than 3 valid graded samples, or one bin only)" if rho is None else f"{rho:.3f}")
                     + (f"; {r['why_none']}" if r.get("why_none") else ""))
    return rows, ["round", "bin", "samples", "validity", "novelty", "mean pass", "in-bin per 1000"], notes


def sample_and_assess(model_dir: str | Path, conditions: list[Condition], n: int, reference: DedupReference, *,
                      reference_solver: str, k: int, seed: int, temperature: float, max_new_tokens: int,
                      top_p: float = 1.0, teacher: str | None = None, k_teacher: int = 4, agreement: float = 0.75,
                      batch_size: int = 64, constrain: str | bool = "grammar") -> list[Assessed]:
    """n generated problems from a model directory, assessed, deduplicated against `reference`, and graded;
    formal families sampled under their grammar's constraint unless `constrain=False`."""
    from hardgen.models.base import get_solver

    spec = generator_spec(str(model_dir), max_new_tokens, temperature, batch_size, top_p)
    with get_solver(spec) as gen:
        written = write_texts(gen, spread_like(conditions, n), seed, constrain)
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
                       max_new_tokens: int = 256, near_dup_threshold: float = DEFAULT_NEAR_DUP,
                       constrain: str | bool = "grammar") -> dict[str, Any]:
    """The three generator figures for a model: validity rate, novelty vs its training texts, mean pass rate."""
    from hardgen.llmgen.sample import conditions_of, load_train_texts

    src = train_data if train_data is not None else (str(model_dir) if (Path(model_dir) / TRAIN_TEXTS_FILE).exists()
                                                    else None)
    reference = DedupReference(near_dup_threshold)
    for i, r in enumerate(load_train_texts(src)):
        reference.add(f"train-{i}", r["family"], r["text"], training=True)
    conds = [Condition.parse(c) for c in conditions] if conditions else (conditions_of(src) or [Condition()])
    assessed = sample_and_assess(model_dir, conds, n, reference, reference_solver=reference_solver, k=k, seed=seed,
                                 temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                                 constrain=constrain)
    return round_metrics(assessed, reference_solver)


# ---------------------------------------------------------------- rewards

class GeneratorReward:
    """TRL reward function for a problem generator: validity x closeness - dup_penalty x near-duplicate.

    Validity is proved by a formal grammar's exact solver (`llm.cnf`, `llm.xor`, `llm.color`), or for free-form
    `llm.text` by the teacher's majority vote (`assess_texts`, with `teacher` a solver SPEC). The measured pass
    rate p is that of `reference_solver` over `k` rollouts (a CPU panel for the grammars, a model SPEC for text).
    closeness = 1 - |p - target| when the row asks for a pass-rate bin (its `target` column), else the hardness
    1 - p (a level-conditioned generator is asked for hard problems). A completion that is a duplicate or
    near-duplicate of the training texts gets `-dup_penalty` (valid but not new). Used as
    `GRPOTrainer(reward_funcs=[GeneratorReward(...)])`; the dataset's `family` and `target` columns say how to
    check and score each completion.

    >>> reward = GeneratorReward("sat:walksat@2", train_texts=[])  # doctest: +SKIP
    >>> reward(["(A | B) & (!A | C)"], family=["llm.cnf"], target=[0.2])  # doctest: +SKIP
    """

    __name__ = "generator_reward"

    def __init__(self, reference_solver: str = DEFAULT_REFERENCE, k: int = 8, train_texts: Iterable[dict] = (),
                 near_dup_threshold: float = DEFAULT_NEAR_DUP, dup_penalty: float = 1.0, seed: int = 0,
                 teacher: str | None = None, k_teacher: int = 4, agreement: float = 0.75):
        from hardgen.models.base import get_solver

        self.reference_solver = reference_solver
        self.k = k
        self.seed = seed
        self.dup_penalty = dup_penalty
        self.k_teacher, self.agreement = k_teacher, agreement
        self.train = [dict(r) for r in train_texts]
        self.threshold = near_dup_threshold
        self.solver = get_solver(reference_solver)
        self.teacher = get_solver(teacher) if teacher else None
        self.calls = 0

    def _reference(self) -> DedupReference:
        ref = DedupReference(self.threshold)
        for i, r in enumerate(self.train):
            ref.add(f"train-{i}", r.get("family", FORMAL_FAMILY), r["text"], training=True)
        return ref

    def score_texts(self, texts: list[str], families: list[str], targets: list[float | None]) -> list[float]:
        """Rewards of written problems (one batch: validity, dedup against the training texts, one grading)."""
        from hardgen.difficulty.grade import rollouts_for

        for f in families:
            if f == TEXT_FAMILY and self.teacher is None:
                raise HardgenError("free-form (llm.text) rewards need a teacher SPEC to answer the problems by vote")
            if f not in GRAMMARS and f != TEXT_FAMILY:
                raise HardgenError(f"GeneratorReward scores {', '.join((*GRAMMARS, TEXT_FAMILY))}, got {f!r}")
        rewards: list[float] = [0.0] * len(texts)
        # each completion is judged against the training texts only (not against its GRPO group siblings)
        batch = []
        for i, (text, fam) in enumerate(zip(texts, families)):
            a = assess_texts([(Condition(fam), text)], reference=self._reference(), model_name="grpo",
                             seed=derive_seed(self.seed, self.calls, i), teacher=self.teacher,
                             k_teacher=self.k_teacher, agreement=self.agreement)[0]
            if a.status in ("duplicate", "near_duplicate"):
                rewards[i] = -self.dup_penalty
            elif a.status == "valid" and a.record is not None:
                batch.append((i, a.record))
        if batch:
            res, _ = rollouts_for(self.solver, [r for _, r in batch], self.k, derive_seed(self.seed, self.calls),
                                  "reward")
            for (i, _), rolls in zip(batch, res):
                p = sum(r["correct"] is True for r in rolls) / self.k
                rewards[i] = 1.0 - abs(p - targets[i]) if targets[i] is not None else 1.0 - p
        return rewards

    def score_text(self, text: str, family: str = FORMAL_FAMILY, target: float | None = None) -> float:
        """The reward of one written problem."""
        return self.score_texts([text.strip()], [family], [target])[0]

    def __call__(self, completions: list, family: list | None = None, target: list | None = None,
                 **_: Any) -> list[float]:
        from hardgen.verifiers import completion_text

        self.calls += 1
        fams = family or [FORMAL_FAMILY] * len(completions)
        # a level-conditioned row carries target -1 (a column cannot mix floats and None)
        targets = [None if t is None or float(t) < 0 else float(t) for t in (target or [None] * len(completions))]
        return self.score_texts([completion_text(c).strip() for c in completions], list(fams), targets)

    def close(self) -> None:
        self.solver.close()
        if self.teacher is not None:
            self.teacher.close()


def train_grpo_generator(model: str | Path, examples: list[Example], out: str | Path, reward: GeneratorReward, *,
                         steps: int, num_generations: int, lr: float, temperature: float, max_new_tokens: int,
                         seed: int, top_p: float = 1.0, lora_r: int = 0, constrain: str | bool = "off") -> dict:
    """TRL GRPO of a generator on its training conditions with `reward`; saves model + tokenizer to `out`.
    `constrain` (grammar | planted | off) samples the completions of formal conditions under their grammar's
    constraint (`constrain_generate`)."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    _torch_threads()
    tok = AutoTokenizer.from_pretrained(str(model))
    tok.padding_side = "left"
    conds = list(dict.fromkeys(e.condition for e in examples))
    rows = [{"prompt": [{"role": "user", "content": c.prompt()}], "family": c.family,
             "target": c.target_pass if c.target_pass is not None else -1.0} for c in conds]
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
    from hardgen.llmgen.sample import constraint_mode

    if constraint_mode(constrain) != "off":
        constrain_generate(lm, tok, planted=constraint_mode(constrain) == "planted", seed=seed)
    trainer = GRPOTrainer(model=lm, reward_funcs=[reward], args=args, train_dataset=Dataset.from_list(rows),
                          processing_class=tok, peft_config=peft_config)
    trainer.train()
    final = trainer.model.merge_and_unload() if lora_r else trainer.model
    final.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    history = [{k: h[k] for k in ("step", "reward", "reward_std") if k in h}
               for h in trainer.state.log_history if "reward" in h]
    return {"steps": trainer.state.global_step, "history": history}


_PROMPT_FIELD = re.compile(r"^(family|tags): (.*)$", re.M)


def constraint_in_prompt(text: str, rng: random.Random | None = None) -> str | None:
    """The grammar constraint of the condition a generator prompt names (None for free-form text or no
    condition): the `family:` and `tags:` lines of `Condition.prompt()`; with `rng`, planted (a witness drawn
    from it)."""
    from hardgen.llmgen.sample import constraint_of

    fields = dict(_PROMPT_FIELD.findall(text))
    fam = fields.get("family", "").strip()
    if fam not in GRAMMARS:
        return None
    tags = tuple(t.strip() for t in fields.get("tags", "").split(",") if t.strip() and t.strip() != "none")
    plant = GRAMMARS[fam].plant(tags, rng) if rng is not None else None
    return constraint_of(Condition(fam, "hard", tags), plant)


def constrain_generate(lm, tokenizer, planted: bool = False, seed: int = 0) -> None:
    """Make `lm.generate` (as TRL's GRPO calls it, through transformers) sample each row under the grammar
    constraint of the condition its prompt names: a per-row regex logits processor, built from the decoded
    prompts at each call. TRL offers no per-prompt hook on this path (its vLLM path takes one regex for all
    prompts), so the model instance's `generate` is wrapped."""
    from transformers import LogitsProcessorList

    from hardgen.models.constrained import regex_logits_processor, vocabulary_for

    gen_eos = lm.generation_config.eos_token_id
    eos = sorted({e for e in ([gen_eos] if isinstance(gen_eos, int) else list(gen_eos or []))
                  + [tokenizer.eos_token_id] if e is not None})
    vocab = vocabulary_for(tokenizer, eos)
    plain = lm.generate
    rng = random.Random(derive_seed("grpo-plant", seed)) if planted else None

    def generate(*args, **kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        if ids is None:
            return plain(*args, **kwargs)
        prompts = tokenizer.batch_decode(ids.tolist(), skip_special_tokens=True)
        regexes = [constraint_in_prompt(p, rng) for p in prompts]
        if all(r is None for r in regexes):
            return plain(*args, **kwargs)
        procs = LogitsProcessorList(list(kwargs.pop("logits_processor", None) or []))
        procs.append(regex_logits_processor(vocab, regexes, ids.shape[0], ids.shape[1]))
        return plain(*args, logits_processor=procs, **kwargs)

    lm.generate = generate


# ---------------------------------------------------------------- the command

def _select_hardest(assessed: list[Assessed], reference_solver: str, fraction: float, seed: int) -> list[Example]:
    """The hardest `fraction` of the valid novel rows (lowest reference pass rate; ties broken by a seeded hash)."""
    scored = []
    for a in assessed:
        if a.status != "valid" or a.record is None:
            continue
        g = a.record["difficulty"].get("grades", {}).get(reference_solver)
        rate = g["pass_rate"] if g else None
        if rate is None and a.condition.family in GRAMMARS:
            continue
        scored.append((rate if rate is not None else 0.5, derive_seed(seed, a.record["id"]), a))
    scored.sort(key=lambda s: (s[0], s[1]))
    keep = scored[:max(1, round(len(scored) * fraction))] if scored else []
    return [Example(a.condition, a.text, rate) for rate, _, a in keep]


def _relabel(assessed: list[Assessed], reference_solver: str, max_bin: float) -> list[Example]:
    """QueST-style rejection sampling for a conditioned generator: every valid novel graded sample, paired with
    the bin its *measured* pass rate fell in (hindsight relabelling), kept when that bin is in the hard part the
    generator is trained on (at most `max_bin`)."""
    out = []
    for a in assessed:
        rate = _measured(a, reference_solver)
        if rate is None or pass_bin(rate) > max_bin:
            continue
        c = a.condition
        out.append(Example(Condition(c.family, f"pass={pass_bin(rate):g}", c.tags, reference_solver), a.text, rate))
    return out


def balanced(examples: list[Example], cap: int = 4) -> list[Example]:
    """The pairs with each pass-rate bin's pairs repeated (at most `cap` times) towards the largest bin's count,
    so a conditioned generator sees every bin it may be asked for, not mostly the commonest one."""
    bins: dict[str, list[Example]] = {}
    for e in examples:
        bins.setdefault(e.condition.difficulty, []).append(e)
    most = max(len(v) for v in bins.values())
    out: list[Example] = []
    for group in bins.values():
        want = min(most, cap * len(group))
        out += [group[i % len(group)] for i in range(want)]
    return out


def _read_examples(path: Path) -> list[Example]:
    if not path.exists():
        return []
    return [Example(Condition.parse(r["condition"]), r["text"], r.get("pass_rate"))
            for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r.get("condition")]


def _write_examples(path: Path, examples: list[Example]) -> None:
    path.write_text("".join(json.dumps(e.as_row(), sort_keys=True) + "\n" for e in examples), encoding="utf-8")


PROGRESS = "progress.json"
ROUND_DONE = "round.json"


def train_generator(data: str | Iterable[dict], model: str, out: str, *, method: str = "sft", rounds: int = 3,
                    reference_solver: str = DEFAULT_REFERENCE, k: int = 8, solver: str | None = None,
                    hard_fraction: float = 0.5, max_pass_rate: float | None = None, eval_samples: int | None = None,
                    near_dup_threshold: float = DEFAULT_NEAR_DUP, teacher: str | None = None,
                    condition: str = "pass", overwrite: bool = False, **params: Any) -> dict[str, Any]:
    """Train a problem generator on the graded set `data`, starting from `model`; the result is saved to `out`.

    `condition`: `pass` (default) pairs each training problem with its measured condition, the pass-rate bin of
    `reference_solver` (`data` must be graded by it), so the generator can be asked for a bin; `level` labels
    every pair "hard" (one unconditional distribution). `method`: `sft` (hard part only), `rft` (SFT, then
    `rounds` of sample -> assess -> grade -> keep -> fine-tune; with `pass` conditions the kept samples are
    relabelled with the bin they measured in) or `grpo` (SFT, then GRPO with `GeneratorReward`: validity x
    closeness to the requested bin - near-duplicate penalty); `epochs=0` skips the SFT and starts RFT/GRPO from
    `model` as it is (an already trained generator; its `generator_data.jsonl` joins the dedup reference).
    `solver` picks whose pass rate ranks the training rows for `level` conditions (default: the mean over graded
    solvers); `reference_solver` (default `sat:walksat@2`, k rollouts; a model SPEC for free-form text, with
    `teacher` answering by vote) grades what the generator writes. `params` are `TrainParams` fields.

    Every round (0 = the SFT model) is measured on `eval_samples` samples (default samples_per_round) spread
    over the training conditions: `rounds` lists {round, validity_rate, novelty, mean_pass_rate, bins: {bin:
    {validity_rate, novelty, mean_pass_rate, in_window, yield_per_1000}}, spearman, why_none?}. Rounds are
    resumable: each finished round is saved under `OUT/rounds/round-N/`, and a rerun with the same arguments
    continues after the last one. Also writes `OUT/generator_data.jsonl` (texts trained on, with their
    conditions: the sampler's duplicate reference and condition source) and `OUT/hardgen_generator.json`.
    """
    if method not in METHODS:
        raise HardgenError(f"unknown generator training method {method!r}; expected one of {', '.join(METHODS)}")
    if condition not in ("pass", "level"):
        raise HardgenError(f"condition must be 'pass' (pass-rate bins) or 'level', got {condition!r}")
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
    if cfg.epochs == 0 and method == "sft":
        raise HardgenError("method sft needs epochs > 0")
    if condition == "pass" and solver is not None and solver != reference_solver:
        raise HardgenError(f"pass-rate conditions are bins of the reference solver ({reference_solver}); --solver "
                           f"{solver} would rank the rows by another one: leave it out or use condition='level'")
    out_dir = Path(out)
    identity = {"data": data if isinstance(data, str) else None, "model": str(model), "method": method,
                "rounds_planned": rounds, "reference_solver": reference_solver, "k": k, "solver": solver,
                "hard_fraction": hard_fraction, "max_pass_rate": max_pass_rate, "condition": condition,
                "teacher": teacher, "params": asdict(cfg)}
    resume = False
    if out_dir.exists() and overwrite:
        import shutil
        shutil.rmtree(out_dir)
    elif out_dir.exists() and any(out_dir.iterdir()):
        prev = json.loads((out_dir / PROGRESS).read_text()) if (out_dir / PROGRESS).exists() else None
        if prev is None or prev.get("identity") != json.loads(json.dumps(identity, default=str)):
            raise HardgenError(f"output directory {out_dir} is not empty" + (
                " and holds a run with other arguments" if prev else "") + "; pass overwrite=True (--overwrite)")
        resume = True
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / PROGRESS).write_text(json.dumps({"identity": identity}, indent=1, default=str) + "\n")

    examples = hard_examples(data, solver=reference_solver if condition == "pass" else solver,
                             hard_fraction=hard_fraction, max_pass_rate=max_pass_rate,
                             conditioned=condition == "pass")
    sft_examples = balanced(examples) if condition == "pass" and cfg.balance_bins else examples
    # the conditions each round is measured on: as often as the training data holds them (tags in proportion)
    conditions = [e.condition for e in examples]
    random.Random(derive_seed(cfg.seed, "conditions")).shuffle(conditions)
    max_bin = max((e.condition.target_pass or 0.0) for e in examples)
    n_eval = eval_samples or cfg.samples_per_round
    summary: dict[str, Any] = {"method": method, "model": str(model), "data": identity["data"],
                               "condition": condition, "reference_solver": reference_solver, "k": k,
                               "params": asdict(cfg), "hard_examples": len(examples),
                               "conditions": list(dict.fromkeys(c.prompt() for c in conditions)),
                               "hard_mean_pass_rate": round(sum(e.pass_rate or 0 for e in examples) / len(examples),
                                                            4),
                               "rounds": [], "resumed_rounds": 0}

    def reference_for(trained: list[Example]) -> DedupReference:
        ref = DedupReference(near_dup_threshold)
        for i, e in enumerate(trained):
            ref.add(f"train-{i}", e.condition.family, e.text, training=True)
        return ref

    def measure(model_dir: Path, trained: list[Example], rnd: int) -> list[Assessed]:
        return sample_and_assess(model_dir, conditions, n_eval, reference_for(trained),
                                 reference_solver=reference_solver, k=k, seed=derive_seed(cfg.seed, "round", rnd),
                                 temperature=cfg.temperature, top_p=cfg.top_p, max_new_tokens=cfg.max_new_tokens,
                                 teacher=teacher, constrain=cfg.constrain)

    def keep_from(assessed: list[Assessed], rnd: int) -> list[Example]:
        if condition == "pass":
            return _relabel(assessed, reference_solver, max_bin)
        return _select_hardest(assessed, reference_solver, cfg.keep_fraction, derive_seed(cfg.seed, rnd))

    def finish_round(rdir: Path, rnd: int, trained: list[Example], assessed: list[Assessed], info: dict) -> None:
        _write_train_texts(rdir, trained)
        _write_examples(rdir / "kept_next.jsonl", keep_from(assessed, rnd + 1))
        metrics = {"round": rnd, **round_metrics(assessed, reference_solver), **info}
        (rdir / ROUND_DONE).write_text(json.dumps(metrics, indent=1, default=str) + "\n")
        summary["rounds"].append(metrics)

    def done(rdir: Path) -> bool:
        return resume and (rdir / ROUND_DONE).exists() and (rdir / "config.json").exists()

    def load_done(rdir: Path) -> None:
        summary["rounds"].append(json.loads((rdir / ROUND_DONE).read_text()))
        summary["resumed_rounds"] += 1

    rounds_dir = out_dir / "rounds"
    stage_dir = rounds_dir / "round-0"
    trained = list(examples)
    if cfg.epochs == 0:  # an already trained generator: measure and improve it as it is
        summary["sft"] = None
        if (Path(model) / TRAIN_TEXTS_FILE).exists():
            from hardgen.llmgen.sample import load_train_texts_full
            trained += [Example(Condition.parse(r["condition"]), r["text"], r.get("pass_rate"))
                        for r in load_train_texts_full(str(model)) if isinstance(r.get("condition"), dict)]
            trained = list({e.text: e for e in trained}.values())  # once per text, first occurrence kept
    if done(stage_dir):
        load_done(stage_dir)
        summary["sft"] = summary["rounds"][-1].get("sft")
    else:
        info: dict[str, Any] = {}
        if cfg.epochs > 0:
            summary["sft"] = info["sft"] = finetune(model, sft_examples, stage_dir, epochs=cfg.epochs, lr=cfg.lr,
                                                    batch_size=cfg.batch_size, max_length=cfg.max_length,
                                                    seed=cfg.seed, lora_r=cfg.lora_r)
        else:
            _copy_model(Path(model), stage_dir)
        finish_round(stage_dir, 0, trained, measure(stage_dir, trained, 0), info)
    current = stage_dir
    if method == "rft":
        kept_all: list[Example] = []
        for rnd in range(1, rounds + 1):
            keep = _read_examples(current / "kept_next.jsonl")
            kept_all = kept_all + keep if cfg.accumulate else keep
            trained = trained + keep
            nxt = rounds_dir / f"round-{rnd}"
            if done(nxt):
                load_done(nxt)
                current = nxt
                continue
            rng = random.Random(derive_seed(cfg.seed, "replay", rnd))
            replay = rng.sample(examples, round(cfg.replay * len(examples)))
            if not kept_all:
                info = {"kept": 0, "replayed": len(replay), "note": "no valid novel samples to keep; the model "
                                                                      "is fine-tuned on the replayed examples only"}
            else:
                info = {"kept": len(keep), "replayed": len(replay),
                        "kept_mean_pass_rate": round(sum(e.pass_rate or 0 for e in keep) / max(1, len(keep)), 4)}
            if kept_all or replay:
                info.update(finetune(current, kept_all + replay, nxt, epochs=cfg.rft_epochs, lr=cfg.rft_lr,
                                     batch_size=cfg.batch_size, max_length=cfg.max_length, seed=cfg.seed + rnd,
                                     lora_r=cfg.lora_r))
            else:  # nothing to learn from this round: the model goes on as it was, and the table says why
                info["note"] = "no valid novel samples to keep and none to replay; the model is carried forward"
                _copy_model(Path(current), nxt)
            finish_round(nxt, rnd, trained, measure(nxt, trained, rnd), info)
            current = nxt
    elif method == "grpo":
        nxt = rounds_dir / "round-1"
        if done(nxt):
            load_done(nxt)
        else:
            reward = GeneratorReward(reference_solver, k, [e.as_row() for e in trained], near_dup_threshold,
                                     cfg.dup_penalty, cfg.seed, teacher=teacher)
            try:
                info = train_grpo_generator(current, examples, nxt, reward, steps=cfg.grpo_steps,
                                            num_generations=cfg.num_generations, lr=cfg.grpo_lr,
                                            temperature=cfg.temperature, max_new_tokens=cfg.max_new_tokens,
                                            seed=cfg.seed, top_p=cfg.top_p, lora_r=cfg.lora_r,
                                            constrain=cfg.constrain)
            finally:
                reward.close()
            finish_round(nxt, 1, trained, measure(nxt, trained, 1), info)
        current = nxt
    _copy_model(current, out_dir)
    _write_train_texts(out_dir, trained)
    summary["path"] = str(out_dir)
    (out_dir / GENERATOR_CARD).write_text(json.dumps(summary, indent=1, default=str) + "\n")
    return summary


def _copy_model(src: Path, dst: Path) -> None:
    """The model and tokenizer files of `src` into `dst` (not its checkpoints or round records)."""
    import shutil

    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.name not in (ROUND_DONE, "kept_next.jsonl", PROGRESS, GENERATOR_CARD,
                                          TRAIN_TEXTS_FILE):
            shutil.copy2(f, dst / f.name)
