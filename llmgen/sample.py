"""Sampling a trained LLM problem generator: candidates from any backend, each given an answer and a validity status.

A generator is asked with a *condition* (family, difficulty, concept tags) and writes one problem. Formal families
(`llm.cnf`, the grammar in `hardgen.generators.formal`) are parsed and solved exactly, so validity is proved.
Free-form problems (`llm.text`) get their answer from a teacher's k samples by majority vote, answers grouped with
the math verifier's equivalence; they are valid only when the largest group reaches the agreement threshold, and
the agreement is stored. Exact and near-duplicates of the generator's training data (and of each other) are dropped
and counted. Rows are ordinary hardgen records with `validity` filled, written with `DatasetWriter`.

This module registers no template family: `gen generate llm --model SPEC` is routed here by the CLI.

>>> sample_llm_problems("runs/gen", n=100, out="data/llm")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from hardgen.core.dedup import NearDuplicateIndex
from hardgen.core.errors import HardgenError
from hardgen.generators.formal import FORMAL_FAMILY, FormulaIndex, formula_key
from hardgen.generators.grammars import GRAMMARS
from hardgen.models.base import Solver, get_solver
from hardgen.core.specs import SolverSpec, derive_seed
from hardgen.core.records import DEFAULT_TEST_FRACTION, make_record

TEXT_FAMILY = "llm.text"
#: families the generator may be asked for: the formal grammars (proved exactly) and free-form text (teacher vote)
FAMILIES = (*GRAMMARS, TEXT_FAMILY)
#: requested difficulty as a pass rate snaps to this grid; a bin is its point +- PASS_HALF_WIDTH
PASS_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
PASS_HALF_WIDTH = 0.1


def pass_bin(rate: float) -> float:
    """The grid point nearest a pass rate (ties go to the harder, lower one): the bin a measured rate falls in."""
    if not 0 <= rate <= 1:
        raise HardgenError(f"a pass rate must be in [0, 1], got {rate}")
    return min(PASS_GRID, key=lambda g: (abs(g - rate) - 1e-9 * (g < rate), g))


def pass_window(target: float) -> tuple[float, float]:
    """The bounds of a requested bin: the measured rates in (target - 0.1, target + 0.1] count (bin 0 includes 0),
    i.e. exactly the rates `pass_bin` maps to `target`."""
    return max(0.0, target - PASS_HALF_WIDTH), min(1.0, target + PASS_HALF_WIDTH)


def in_window(rate: float, target: float) -> bool:
    return pass_bin(rate) == target
#: what `train_generator` writes beside a model: the texts it was trained on (dedup reference for sampling)
TRAIN_TEXTS_FILE = "generator_data.jsonl"
#: the training summary beside a trained generator; its sampling parameters are the sampler's defaults
GENERATOR_CARD = "hardgen_generator.json"
DEFAULT_MAX_NEW_TOKENS = 384
DEFAULT_NEAR_DUP = 0.8


@dataclass(frozen=True)
class Condition:
    """What the generator is asked to write: a family, a difficulty and concept tags ("vars=10").

    `difficulty` is a level name ("hard") or a pass-rate bin "pass=0.2" of `solver` (a SPEC): the problem should
    be solved by that solver in about 20% of rollouts (measured rate within +-0.1).
    """

    family: str = FORMAL_FAMILY
    difficulty: str = "hard"
    tags: tuple[str, ...] = ()
    solver: str | None = None

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise HardgenError(f"a generator condition's family must be one of {', '.join(FAMILIES)}, "
                               f"got {self.family!r}")
        object.__setattr__(self, "tags", tuple(self.tags))
        if self.difficulty.startswith("pass="):
            t = self.target_pass
            if t not in PASS_GRID:
                raise HardgenError(f"a target pass rate must be one of {', '.join(map(str, PASS_GRID))} (bins of "
                                   f"+-{PASS_HALF_WIDTH}), got {self.difficulty[5:]}")
            if not self.solver:
                raise HardgenError("a target pass rate needs the solver it is measured with (--solver SPEC)")

    @property
    def target_pass(self) -> float | None:
        """The requested pass rate, or None for a level."""
        if not self.difficulty.startswith("pass="):
            return None
        try:
            return float(self.difficulty[5:])
        except ValueError:
            raise HardgenError(f"bad target pass rate {self.difficulty!r}; expected pass=0.2") from None

    def prompt(self) -> str:
        """The generator's input text (training and sampling use exactly this)."""
        tags = ", ".join(self.tags) if self.tags else "none"
        diff = (f"pass rate {self.target_pass:g} for {self.solver}" if self.target_pass is not None
                else self.difficulty)
        return f"Write a new problem.\nfamily: {self.family}\ndifficulty: {diff}\ntags: {tags}"

    @classmethod
    def parse(cls, value: "Condition | dict | str") -> "Condition":
        """A Condition from itself, a mapping {family, difficulty, tags}, or "family:difficulty[:tag,tag]"."""
        if isinstance(value, Condition):
            return value
        if isinstance(value, str):
            parts = value.split(":", 2)
            tags = tuple(t.strip() for t in parts[2].split(",") if t.strip()) if len(parts) > 2 else ()
            return cls(parts[0], parts[1] if len(parts) > 1 and parts[1] else "hard", tags)
        if isinstance(value, dict):
            extra = set(value) - {"family", "difficulty", "tags", "solver"}
            if extra:
                raise HardgenError(f"condition {value!r} has unknown key(s) {', '.join(sorted(extra))}; "
                                   "expected family, difficulty, tags, solver")
            tags = value.get("tags") or ()
            if isinstance(tags, str):
                tags = tuple(t.strip() for t in tags.split(",") if t.strip())
            return cls(value.get("family", FORMAL_FAMILY), value.get("difficulty", "hard"), tuple(tags),
                       value.get("solver"))
        raise HardgenError(f"a condition must be a mapping or 'family:difficulty[:tags]', got {value!r}")


def formal_tags(num_vars: int, clauses: list) -> tuple[str, ...]:
    """Concept tags of a formula: its variable count and clause width (what the generator is conditioned on)."""
    widths = sorted({len(c) for c in clauses})
    width = str(widths[0]) if len(widths) == 1 else f"{widths[0]}-{widths[-1]}"
    return (f"vars={num_vars}", f"width={width}")


def conditions_for(train_rows: list[dict], family: str, target: float | None, solver: str | None, n: int,
                   seed: int, level: str | None = None) -> list[Condition]:
    """n conditions asking for `family` at a pass-rate bin of `solver` (or a level), their tags drawn from the
    training conditions of that bin in proportion (the nearest bin that has any when that one has none)."""
    import random

    if target is not None:
        bins: dict[float, list[tuple[str, ...]]] = {}
        for r in train_rows:
            c = r.get("condition")
            if isinstance(c, dict) and c.get("family") == family and c.get("solver") == solver \
                    and str(c.get("difficulty", "")).startswith("pass="):
                bins.setdefault(float(c["difficulty"][5:]), []).append(tuple(c.get("tags") or ()))
        pool = bins[min(bins, key=lambda b: (abs(b - target), b))] if bins else [()]
        difficulty = f"pass={target:g}"
    else:
        pool = [tuple(r["condition"].get("tags") or ()) for r in train_rows if isinstance(r.get("condition"), dict)
                and r["condition"].get("family") == family
                and r["condition"].get("difficulty") == (level or "hard")] or [()]
        difficulty, solver = level or "hard", None
    rng = random.Random(derive_seed("condition-tags", seed, family, difficulty))
    return [Condition(family, difficulty, rng.choice(pool), solver) for _ in range(n)]


@dataclass
class Assessed:
    """One generated text and what became of it."""

    condition: Condition
    text: str
    index: int
    status: str  # valid | invalid | duplicate | near_duplicate
    reason: str
    record: dict | None = None
    similarity: float | None = None
    extras: dict = field(default_factory=dict)


class DedupReference:
    """The texts a generator must not copy (its training data) plus everything accepted so far in a run."""

    def __init__(self, threshold: float = DEFAULT_NEAR_DUP):
        self.threshold = threshold
        self.formulas_by_family: dict[str, FormulaIndex] = {}
        self.texts = NearDuplicateIndex(threshold)
        self.exact: set[str] = set()
        self.train_size = 0

    @staticmethod
    def _key(family: str, text: str) -> str:
        if family in GRAMMARS:
            items = GRAMMARS[family].items(text)
            if items is None:
                return f"{family}:text:" + " ".join(text.split())
            return f"{family}:" + repr(formula_key([list(c) for c in items]))
        return "text:" + " ".join(text.lower().split())

    def _index(self, family: str) -> FormulaIndex:
        if family not in self.formulas_by_family:
            self.formulas_by_family[family] = FormulaIndex(self.threshold)
        return self.formulas_by_family[family]

    def add(self, key: str, family: str, text: str, training: bool = False) -> None:
        self.exact.add(self._key(family, text))
        if family in GRAMMARS:
            items = GRAMMARS[family].items(text)
            if items is None:
                return  # an unparsable training text can neither be copied nor nearly copied in the grammar
            self._index(family).add(key, items)
        else:
            self.texts.add(key, text)
        if training:
            self.train_size += 1

    def check(self, family: str, text: str) -> tuple[str | None, float | None, str | None]:
        """("duplicate" | "near_duplicate" | None, similarity, key of the match)."""
        if self._key(family, text) in self.exact:
            return "duplicate", 1.0, None
        if family in GRAMMARS:
            items = GRAMMARS[family].items(text)
            if items is None:
                return None, None, None
            sim = self._index(family).similarity(items)
            if sim is None:
                return None, 0.0, None
            return ("near_duplicate" if sim[1] >= self.threshold else None), sim[1], sim[0]
        hit = self.texts.query(text)
        return ("near_duplicate", None, hit) if hit is not None else (None, None, None)


def load_train_texts(source: str | Path | Iterable[dict] | None) -> list[dict]:
    """Training texts `{family, text}`: a `generator_data.jsonl` file, a model directory holding one, or rows."""
    if source is None:
        return []
    if isinstance(source, (str, Path)):
        p = Path(source)
        if p.is_dir():
            p = p / TRAIN_TEXTS_FILE
        if not p.exists():
            raise HardgenError(f"no generator training texts at {p} (expected a {TRAIN_TEXTS_FILE} written by "
                               "`gen generator train`)")
        rows = []
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise HardgenError(f"{p}:{i}: not JSON: {e}") from None
        source = rows
    out = []
    for r in source:
        if not isinstance(r, dict) or not isinstance(r.get("text"), str):
            raise HardgenError(f"a training text must be a mapping with 'text', got {r!r:.80}")
        out.append({"family": r.get("family", FORMAL_FAMILY), "text": r["text"]})
    return out


def generator_spec(model: str, max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS, temperature: float | None = None,
                   batch_size: int | None = None, top_p: float | None = None) -> str:
    """A solver SPEC for a generator: a bare path becomes `hf:PATH`; options are added unless the SPEC has them."""
    spec = SolverSpec.parse(model, "--model")
    if spec.backend not in ("hf", "vllm", "openai"):
        return str(spec)
    wanted = {"max_new_tokens": max_new_tokens, "temperature": temperature, "top_p": top_p,
              "batch_size": batch_size if spec.backend != "openai" else None}
    have = spec.option_dict
    return str(spec.with_options(**{k: v for k, v in wanted.items() if k not in have}))


def spread(conditions: list[Condition], n: int) -> list[tuple[Condition, int]]:
    """n samples over the conditions, as evenly as possible (the first ones get the remainder)."""
    if not conditions:
        raise HardgenError("name at least one condition")
    base, extra = divmod(n, len(conditions))
    return [(c, base + (1 if i < extra else 0)) for i, c in enumerate(conditions) if base + (i < extra) > 0]


#: how formal families are sampled: `grammar` (only texts the grammar parses, of the requested size), `planted`
#: (also: a random witness drawn per sample is a solution, so every cnf/color text is satisfiable/colourable and
#: every xor system consistent), `off` (free)
CONSTRAIN_MODES = ("grammar", "planted", "off")


def constraint_mode(value: str | bool | None) -> str:
    """A constraint mode from a mode name or a switch (True = grammar, False/None = off)."""
    if value is True:
        return "grammar"
    if value is False or value is None:
        return "off"
    if value not in CONSTRAIN_MODES:
        raise HardgenError(f"constrain must be one of {', '.join(CONSTRAIN_MODES)}, got {value!r}")
    return value


def constraint_of(cond: Condition, plant: tuple[int, ...] | None = None) -> str | None:
    """The regex a formal condition's text must match (its grammar's language narrowed by the condition's tags:
    size, variables, width, colours; with `plant`, a witness every match must admit); None for free-form text."""
    return GRAMMARS[cond.family].pattern(cond.tags, plant) if cond.family in GRAMMARS else None


def write_texts(generator: Solver, plan: list[tuple[Condition, int]], seed: int,
                constrain: str | bool = "off") -> list[tuple[Condition, str]]:
    """Sample the generator: `count` texts for each (condition, count). `constrain` (`CONSTRAIN_MODES`) samples
    formal conditions under grammar-constrained decoding (`constraint_of`): `grammar` makes every text parse,
    `planted` also draws a witness per sample (seeded) that every text must admit."""
    mode = constraint_mode(constrain)
    if mode == "planted":
        import random

        records, owners = [], []
        for i, (c, count) in enumerate(plan):
            for j in range(count):
                rec = {"id": f"cond-{i}-{j}", "prompt": c.prompt()}
                if c.family in GRAMMARS:
                    rng = random.Random(derive_seed("plant", seed, i, j))
                    rec["regex"] = constraint_of(c, GRAMMARS[c.family].plant(c.tags, rng))
                records.append(rec)
                owners.append(c)
        rolls = generator.solve(records, 1, derive_seed("llm-generator", seed, "planted"))
        return [(c, rs[0].text) for c, rs in zip(owners, rolls)]
    records = [{"id": f"cond-{i}", "prompt": c.prompt()} for i, (c, _) in enumerate(plan)]
    if mode == "grammar":
        for rec, (c, _) in zip(records, plan):
            rx = constraint_of(c)
            if rx is not None:
                rec["regex"] = rx
    out: list[tuple[Condition, str]] = []
    # one solve call per distinct count keeps batches full (a backend samples k per record)
    by_count: dict[int, list[int]] = {}
    for i, (_, k) in enumerate(plan):
        by_count.setdefault(k, []).append(i)
    texts: dict[int, list[str]] = {}
    for k, idx in sorted(by_count.items()):
        rolls = generator.solve([records[i] for i in idx], k, derive_seed("llm-generator", seed, k))
        for i, rs in zip(idx, rolls):
            texts[i] = [r.text for r in rs]
    for i, (c, _) in enumerate(plan):
        out.extend((c, t) for t in texts[i])
    return out


# ---------------------------------------------------------------- free-form answers by teacher vote

def majority_answer(responses: list[str]) -> tuple[str | None, int, int]:
    """(answer, votes, voters): responses' final answers grouped by the math verifier's equivalence.

    A response without exactly one distinct \\boxed{} answer does not vote. The largest group wins; a tie
    between groups yields no answer (agreement is then at most half). The rule is
    `hardgen.verifiers.consistency.teacher_consistency`, shared with imported problems.
    """
    from hardgen.verifiers.consistency import teacher_consistency

    c = teacher_consistency(responses, None, threshold=1.0)
    return c.majority, c.majority_votes, c.voters


_FORMAT_LINE = "Put your final answer within \\boxed{}."


def text_problem_prompt(text: str) -> str:
    """A free-form problem as a solver sees it: the text, with a boxed-answer instruction if it has none."""
    t = text.strip()
    return t if "\\boxed" in t else f"{t}\n\n{_FORMAT_LINE}"


# ---------------------------------------------------------------- assessment

def assess_texts(written: list[tuple[Condition, str]], *, reference: DedupReference, model_name: str, seed: int,
                 teacher: Solver | None = None, k_teacher: int = 4, agreement: float = 0.75,
                 start_index: int = 0, test_fraction: float = DEFAULT_TEST_FRACTION) -> list[Assessed]:
    """Give each generated text a validity status (and a record when valid and not a duplicate).

    Accepted rows are added to `reference`, so later duplicates of them are caught too.
    """
    out: list[Assessed] = []
    pending_text: list[int] = []
    for j, (cond, text) in enumerate(written):
        i = start_index + j
        text = text.strip()
        source = {"generator": "llm", "model": model_name, "condition": asdict(cond), "seed": seed, "index": i,
                  "text": text}
        if cond.family in GRAMMARS:
            judged = GRAMMARS[cond.family].judge(text, None)
            if not judged.valid:
                out.append(Assessed(cond, text, i, "invalid", judged.reason))
                continue
            dup, sim, _ = reference.check(cond.family, text)
            if dup:
                out.append(Assessed(cond, text, i, dup, f"{dup.replace('_', ' ')} of the training data or an "
                                    f"earlier sample (similarity {sim:.2f})", similarity=sim))
                continue
            cand = judged.candidate
            assert cand is not None
            cand.difficulty.update(_condition_features(cond, sim))
            rec = make_record(cond.family, cand.prompt, cand.answer, cand.check, source, cand.difficulty,
                              test_fraction)
            rec["validity"] = {"status": "valid", "checks": judged.checks, "reason": judged.reason}
            reference.add(rec["id"], cond.family, text)
            out.append(Assessed(cond, text, i, "valid", judged.reason, rec, sim))
        else:
            if not text or len(text) > 20_000:
                out.append(Assessed(cond, text, i, "invalid", "empty or over 20000 characters"))
                continue
            dup, sim, _ = reference.check(cond.family, text)
            if dup:
                out.append(Assessed(cond, text, i, dup, f"{dup.replace('_', ' ')} of the training data or an "
                                    "earlier sample", similarity=sim))
                continue
            out.append(Assessed(cond, text, i, "pending", "", extras={"source": source}))
            pending_text.append(len(out) - 1)
            reference.add(f"pending-{i}", cond.family, text)  # a later copy in this batch is a duplicate
    if pending_text:
        if teacher is None:
            for p in pending_text:
                a = out[p]
                a.status, a.reason = "invalid", "free-form problem and no teacher to answer it"
        else:
            from hardgen.verifiers.consistency import teacher_consistency

            recs = [{"id": f"text-{out[p].index}", "prompt": text_problem_prompt(out[p].text)} for p in pending_text]
            rolls = teacher.solve(recs, k_teacher, derive_seed("llm-teacher", seed, start_index))
            for p, rec_in, rs in zip(pending_text, recs, rolls):
                a = out[p]
                vote = teacher_consistency([r.text for r in rs], None, threshold=agreement)
                answer, votes, voters = vote.answer, vote.votes, vote.voters
                share = votes / voters if voters else 0.0
                a.extras["agreement"] = round(share, 4)
                if vote.status != "valid":
                    a.status, a.reason = "invalid", vote.reason
                    continue
                check = {"kind": "math", "teacher_agreement": round(share, 4), "teacher_votes": [votes, voters]}
                diff = {**_condition_features(a.condition, a.similarity), "teacher_agreement": round(share, 4)}
                rec = make_record(TEXT_FAMILY, rec_in["prompt"], answer, check, a.extras.pop("source"), diff,
                                  test_fraction)
                rec["validity"] = {"status": "valid", "checks": {"teacher_agreement": True}, "reason": vote.reason}
                a.status, a.reason, a.record = "valid", rec["validity"]["reason"], rec
    return out


def _condition_features(cond: Condition, similarity: float | None) -> dict:
    """What a generated row records about what was asked: the level or target bin (and its solver), the tags."""
    feats: dict[str, Any] = {"condition_tags": list(cond.tags)}
    if cond.target_pass is not None:
        feats.update({"target_pass": cond.target_pass, "target_solver": cond.solver})
    else:
        feats["level"] = cond.difficulty
    if similarity is not None:
        feats["novelty_similarity"] = round(similarity, 4)
    return feats


def tally(assessed: list[Assessed]) -> dict[str, Any]:
    """Counts by status and the three generator figures: validity rate (valid or duplicate / all), novelty
    (share of well-formed candidates that are not duplicates or near-duplicates), valid novel rows."""
    counts = {s: 0 for s in ("valid", "invalid", "duplicate", "near_duplicate")}
    reasons: dict[str, int] = {}
    for a in assessed:
        counts[a.status] = counts.get(a.status, 0) + 1
        if a.status == "invalid":
            head = a.reason.split(":")[0]
            reasons[head] = reasons.get(head, 0) + 1
    total = len(assessed)
    novel = counts["valid"] + counts.get("out_of_window", 0)  # valid and new; graded outside the bin or not
    well_formed = novel + counts["duplicate"] + counts["near_duplicate"]
    return {"candidates": total, **counts, "invalid_reasons": reasons,
            "validity_rate": round(well_formed / total, 4) if total else None,
            "novelty": round(novel / well_formed, 4) if well_formed else None}


# ---------------------------------------------------------------- the stage

def sample_llm_problems(model_spec: str | Solver, n: int, out: str, *, conditions: list | None = None,
                        teacher: str | Solver | None = None, k_teacher: int = 4, agreement: float = 0.75,
                        train_data: str | Iterable[dict] | None = None, near_dup_threshold: float = DEFAULT_NEAR_DUP,
                        seed: int = 0, temperature: float | None = None, top_p: float | None = None,
                        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS, batch_size: int | None = None,
                        max_rounds: int = 8, oversample: float = 1.5, overwrite: bool = False,
                        test_fraction: float = DEFAULT_TEST_FRACTION, family: str | None = None,
                        target_pass: float | None = None, solver: str | None = None, level: str | None = None,
                        grade_k: int = 0, constrain: str | bool = "grammar") -> dict[str, Any]:
    """Write up to `n` valid, novel problems from a trained generator to the dataset directory `out`.

    `model_spec`: a model directory (sampled with transformers), any solver SPEC (`hf:`, `vllm:`, `openai:`), or
    a loaded `Solver`. `conditions`: Condition / mapping / "family:difficulty[:tags]" entries, sampled evenly;
    by default the conditions the generator was trained on (from its `generator_data.jsonl`), else
    `llm.cnf:hard`. `train_data`: the texts not to copy (default: the model directory's `generator_data.jsonl`).
    Sampling parameters left as None come from the model directory's `hardgen_generator.json` when it has one.
    `teacher`: a solver SPEC answering free-form (`llm.text`) problems with `k_teacher` samples; a problem is
    valid when at least `agreement` of them agree. Rounds of sampling (each oversampled by `oversample`) go on
    until `n` rows are kept or `max_rounds` pass; every round is one shard, so a rerun resumes.

    Conditioned sampling: `family` (an `llm.<grammar>` or `llm.text`) with `target_pass` (snapped to the 0.2 grid)
    measured by `solver`, or with `level`, builds the conditions instead of `conditions` (tags drawn from the
    generator's training conditions of that bin). With `grade_k` > 0 each valid row is also graded by `solver`
    with that many rollouts and only rows whose measured pass rate falls in the requested bin are kept.
    `constrain` samples formal families under grammar-constrained decoding (`hf:`, `vllm:`, `openai:` backends):
    `grammar` (default) lets the generator write only texts its grammar parses, of the size the condition's tags
    ask for; `planted` also draws a random witness per sample (an assignment, a solution, a colouring) that the
    text must admit, so cnf/color texts are satisfiable/colourable and xor systems consistent by construction
    (validity is still proved by the grammar's solver); `off` samples freely.
    Returns {rows, candidates, valid, invalid, duplicate, near_duplicate, validity_rate, novelty, path, ...}.
    """
    from hardgen.core.store import DatasetWriter

    if n < 1:
        raise HardgenError(f"-n must be at least 1, got {n}")
    if not 0 < agreement <= 1:
        raise HardgenError(f"agreement must be in (0, 1], got {agreement}")
    if k_teacher < 1:
        raise HardgenError(f"k_teacher must be at least 1, got {k_teacher}")
    if max_rounds < 1 or oversample < 1:
        raise HardgenError("max_rounds must be >= 1 and oversample >= 1")
    model_dir = None
    if isinstance(model_spec, str):
        base = SolverSpec.parse(model_spec, "--model").target
        if Path(base).is_dir():
            model_dir = Path(base)
    if train_data is None and model_dir is not None and (model_dir / TRAIN_TEXTS_FILE).exists():
        train_data = str(model_dir)
    if model_dir is not None and (model_dir / GENERATOR_CARD).exists():
        # sample as the generator was sampled while it was trained (a tiny model needs its temperature)
        trained = json.loads((model_dir / GENERATOR_CARD).read_text()).get("params", {})
        temperature = trained.get("temperature") if temperature is None else temperature
        top_p = trained.get("top_p") if top_p is None else top_p
    train = load_train_texts(train_data)
    if grade_k < 0:
        raise HardgenError(f"grade_k must be >= 0, got {grade_k}")
    constrain = constraint_mode(constrain)
    if target_pass is not None:
        if not solver:
            raise HardgenError("--target-pass needs --solver: the SPEC whose pass rate the target means")
        snapped = pass_bin(target_pass)
        if abs(snapped - target_pass) > 1e-9:
            raise HardgenError(f"--target-pass {target_pass:g} is not a bin; use one of "
                               f"{', '.join(f'{g:g}' for g in PASS_GRID)} (each +-{PASS_HALF_WIDTH:g})")
    if grade_k and (target_pass is None or not solver):
        raise HardgenError("grading the samples (grade_k > 0) needs --target-pass and --solver")
    if family is not None or target_pass is not None or level is not None:
        if conditions is not None:
            raise HardgenError("give either conditions or --family/--target-pass/--level, not both")
        fam = family or FORMAL_FAMILY
        if fam not in FAMILIES:
            raise HardgenError(f"--family must be one of {', '.join(FAMILIES)}, got {fam!r}")
        full = load_train_texts_full(train_data) if train_data is not None else []
        trained_solvers = sorted({r["condition"].get("solver") for r in full if isinstance(r.get("condition"), dict)
                                  and r["condition"].get("solver")})
        if target_pass is not None and trained_solvers and solver not in trained_solvers:
            raise HardgenError(f"this generator was trained on pass rates of {', '.join(trained_solvers)}, not "
                               f"{solver!r}; ask for one of those (or retrain on data graded by {solver})")
        conds = conditions_for(full, fam, target_pass, solver, max(1, len(full)) if full else 1, seed, level)
    elif conditions is None:
        conds = conditions_of(train_data) or [Condition()]
    else:
        conds = [Condition.parse(c) for c in conditions]
        if not conds:
            raise HardgenError("conditions is empty; name at least one or leave it out")
    name = model_spec if isinstance(model_spec, str) else (model_spec.spec or type(model_spec).__name__)
    distinct = list(dict.fromkeys(conds))
    params = {"model": name, "n": n, "conditions": [asdict(c) for c in distinct], "seed": seed,
              "target_pass": target_pass, "solver": solver, "grade_k": grade_k,
              "teacher": teacher if isinstance(teacher, str) or teacher is None else teacher.spec,
              "k_teacher": k_teacher, "agreement": agreement, "near_dup_threshold": near_dup_threshold,
              "train_texts": len(train), "test_fraction": test_fraction, "constrain": constrain}
    writer = DatasetWriter(out, stage="generate", params=params, overwrite=overwrite)
    reference = DedupReference(near_dup_threshold)
    for i, r in enumerate(train):
        reference.add(f"train-{i}", r["family"], r["text"], training=True)
    owned: list[Solver] = []
    generator = teacher_solver = grader = None
    totals: dict[str, Any] = {"candidates": 0, "valid": 0, "invalid": 0, "duplicate": 0, "near_duplicate": 0,
                              "invalid_reasons": {}}
    have, index = 0, 0
    try:
        for rnd in range(max_rounds):
            key = f"part-{rnd:05d}"
            if writer.is_done(key):
                info = writer.manifest["shards"][key]
                for row in writer.done_rows(key):
                    reference.add(row["id"], row["family"], row["source"]["text"])
                have += info["rows"]
                index = info["next_index"]
                for k in ("candidates", "valid", "invalid", "duplicate", "near_duplicate"):
                    totals[k] += info["tally"][k]
                continue
            if have >= n:
                break
            if generator is None:
                if isinstance(model_spec, Solver):
                    generator = model_spec
                else:
                    generator = get_solver(generator_spec(model_spec, max_new_tokens, temperature, batch_size, top_p))
                    owned.append(generator)
                if isinstance(teacher, str):
                    teacher_solver = get_solver(teacher)
                    owned.append(teacher_solver)
                else:
                    teacher_solver = teacher
                if grade_k:
                    grader = get_solver(solver)
                    owned.append(grader)
            want = max(1, math.ceil((n - have) * oversample))
            written = write_texts(generator, spread_like(conds, want), derive_seed(seed, rnd), constrain)
            assessed = assess_texts(written, reference=reference, model_name=name, seed=seed, teacher=teacher_solver,
                                    k_teacher=k_teacher, agreement=agreement, start_index=index,
                                    test_fraction=test_fraction)
            index += len(written)
            t = tally(assessed)
            if grader is not None:
                t["out_of_window"] = keep_in_window(assessed, grader, solver, grade_k, target_pass,
                                                    derive_seed(seed, "grade", rnd))
            rows = [a.record for a in assessed if a.status == "valid"][: n - have]
            writer.write_shard(key, rows, {"tally": t, "next_index": index})
            have += len(rows)
            for k in ("candidates", "valid", "invalid", "duplicate", "near_duplicate", "out_of_window"):
                totals[k] = totals.get(k, 0) + t.get(k, 0)
            for r, c in t["invalid_reasons"].items():
                totals["invalid_reasons"][r] = totals["invalid_reasons"].get(r, 0) + c
    finally:
        for s in owned:
            s.close()
    well = totals["valid"] + totals["duplicate"] + totals["near_duplicate"]
    summary = {"rows": have, **totals,
               "validity_rate": round(well / totals["candidates"], 4) if totals["candidates"] else None,
               "novelty": round(totals["valid"] / well, 4) if well else None,
               "duplicates_dropped": totals["duplicate"] + totals["near_duplicate"],
               "conditions": [c.prompt().split("\n", 1)[1] for c in distinct]}
    if have == 0:
        summary["why_none"] = why_nothing_valid(totals, grade_k)
    writer.finish(summary)
    summary["path"] = str(writer.path)
    return summary


def why_nothing_valid(totals: dict[str, Any], grade_k: int = 0) -> str:
    """One line saying why a run kept no rows: what the samples were and the commonest invalid reasons."""
    cand = totals.get("candidates", 0)
    if not cand:
        return "the generator wrote nothing"
    reasons = sorted(totals.get("invalid_reasons", {}).items(), key=lambda kv: -kv[1])[:3]
    parts = [f"{totals.get('invalid', 0)} of {cand} samples invalid"
             + (f" ({'; '.join(f'{r}: {c}' for r, c in reasons)})" if reasons else "")]
    dups = totals.get("duplicate", 0) + totals.get("near_duplicate", 0)
    if dups:
        parts.append(f"{dups} copies of the training data")
    if grade_k and totals.get("out_of_window"):
        parts.append(f"{totals['out_of_window']} valid but outside the requested pass-rate bin")
    hint = ("a model this small or this briefly trained has not learnt the grammar: train longer (epochs) or a "
            "bigger model" if totals.get("invalid", 0) >= cand / 2 else "ask for more samples or another bin")
    return "; ".join(parts) + f"; {hint}"


def spread_like(conds: list[Condition], n: int) -> list[tuple[Condition, int]]:
    """n samples over a list of conditions that may repeat (a repeated one gets proportionally more)."""
    if not conds:
        raise HardgenError("name at least one condition")
    counts: dict[Condition, int] = {}
    for i in range(n):
        c = conds[i % len(conds)]
        counts[c] = counts.get(c, 0) + 1
    return list(counts.items())


def keep_in_window(assessed: list[Assessed], grader: Solver, solver: str, k: int, target: float, seed: int) -> int:
    """Grade the valid rows with `grader` (k rollouts); rows outside the target bin become `out_of_window`.
    Returns how many were dropped."""
    from hardgen.verifiers import score

    valid = [a for a in assessed if a.status == "valid" and a.record is not None]
    if not valid:
        return 0
    rolls = grader.solve([a.record for a in valid], k, seed)
    dropped = 0
    for a, rs in zip(valid, rolls):
        correct = [score(a.record, r.text).correct for r in rs]
        rate = sum(c is True for c in correct) / k
        a.record["difficulty"].setdefault("grades", {})[solver] = {"k": k, "correct": sum(c is True for c in correct),
                                                                   "pass_rate": round(rate, 4)}
        if not in_window(rate, target):
            a.status, a.reason = "out_of_window", f"measured pass rate {rate:.2f} outside bin {target:g}"
            dropped += 1
    return dropped


def conditions_of(train_data: str | Iterable[dict] | None) -> list[Condition]:
    """The distinct conditions recorded with a generator's training texts (their `condition` field), in order."""
    if train_data is None:
        return []
    rows = load_train_texts_full(train_data)
    seen: dict[Condition, None] = {}
    for r in rows:
        c = r.get("condition")
        if isinstance(c, dict):
            seen.setdefault(Condition.parse(c), None)
    return list(seen)


def load_train_texts_full(source: str | Iterable[dict]) -> list[dict]:
    """Training text rows with every stored field (condition included)."""
    if isinstance(source, (str, Path)):
        p = Path(source)
        p = p / TRAIN_TEXTS_FILE if p.is_dir() else p
        return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in source if isinstance(r, dict)]
