"""Every stage's settings, declared once: the CLI's options, `gen run` config keys and the stage functions'
keyword defaults all come from these dataclasses (see docs/architecture.md, "Adding a stage option").

Only the standard library and `hardgen.core` are imported here, so the CLI can build its options without
importing any stage's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardgen.core.engine import ENGINES
from hardgen.core.errors import HardgenError
from hardgen.core.options import setting

SOLVER_HELP = ("Solver SPEC (repeatable): hf:PATH_OR_ID (or a bare model directory), vllm:PATH_OR_ID, "
               "openai:URL#MODEL, sat:cdcl@BUDGET, sat:walksat@FLIPS, sim:ALPHA,BETA")
WINDOW_HELP = "Pass-rate window: LO,HI means (LO, HI]; or write [LO,HI], (LO,HI) explicitly."


@dataclass(frozen=True)
class Parallel:
    """Where a stage's shards run."""

    workers: int | None = setting(None, flags=("--workers", "-w"), show_default=False,
                                  help="Worker processes (default: the machine's cores; 1 for a tiny run).")
    engine: str = setting("local", choices=ENGINES,
                          help="Run shards in a local process pool or on Ray (RAY_ADDRESS picks a cluster).")


@dataclass(frozen=True)
class GenerateOptions(Parallel):
    families: tuple[str, ...] = setting((), required=True, cli=False,
                                        help="Families (names, efa:FILE.py, or {family, n, level, knobs} entries).")
    n: int = setting(100, flags=("-n",), help="Problems per family.")
    seed: int = setting(0, help="Run seed.")
    level: str | None = setting(None, help="Named difficulty level (see `gen list`).")
    knobs: dict = setting({}, flags=("--knob",), kind="assignments", metavar="NAME=VALUE", multiple=True,
                          help="Set a knob (repeatable).")
    shard_rows: int = setting(500, help="Rows per shard.")
    test_fraction: float = setting(0.1, help="Share of ids hashed into the test split.")
    format: str = setting("jsonl", choices=("jsonl", "parquet"), help="Shard format.")


@dataclass(frozen=True)
class ImportOptions:
    """How a problem set is read and cleaned (`gen import`, the `import` stage of `gen run`)."""

    source: str | None = setting(None, cli=False, help="A JSONL/JSON/Parquet/CSV file, a save_to_disk directory "
                                                       "or a hub dataset id.")
    prompt_col: str | None = setting(None, help="Column holding the problem [guessed: problem, question, ...].")
    answer_col: str | None = setting(None, help="Column holding the final answer [guessed: answer, ...].")
    solution_col: str | None = setting(None, help="Column holding a worked solution; its final answer is the "
                                                  "reference where the answer cell is empty [guessed: solution, ...].")
    id_col: str | None = setting(None, help="Column holding the source's own id (kept in source.source_id).")
    split: str | None = setting(None, help="Split of a saved or hub DatasetDict [default: its only one, or train].")
    family: str | None = setting(None, help="external.NAME [default: external.<file or directory stem>].")
    instruction: str | None = setting("Put your final answer within \\boxed{}.", show_default=False,
                                      help="Appended to problems that do not say how to answer [default: 'Put your "
                                           "final answer within \\boxed{}.']; null (config) or --no-instruction "
                                           "leaves problems as they are.")
    dedup: float | None = setting(0.8, help="Near-duplicate Jaccard threshold (0: exact duplicates only).")
    decontaminate: tuple[str, ...] = setting((), multiple=True,
                                             help="Benchmark file or saved dataset whose problems must not leak in "
                                                  "(repeatable).")
    ngram: int = setting(8, help="Word n-gram size of the contamination check.")
    contamination: float = setting(0.5, help="Drop a row sharing this share of its n-grams with one benchmark "
                                             "problem.")
    max_rows: int | None = setting(None, help="Stop after this many imported rows.")
    shard_rows: int = setting(500, cli=False, help="Input rows per shard.")
    test_fraction: float = setting(0.1, help="Share of ids hashed into the test split.")

    def __post_init__(self) -> None:
        object.__setattr__(self, "decontaminate", tuple(self.decontaminate or ()))
        if self.dedup is not None and not 0 <= self.dedup <= 1:
            raise HardgenError(f"dedup threshold must be in [0, 1] (0 disables), got {self.dedup}")
        if not 0 < self.contamination <= 1:
            raise HardgenError(f"contamination threshold must be in (0, 1], got {self.contamination}")
        if self.shard_rows < 1:
            raise HardgenError(f"shard_rows must be at least 1, got {self.shard_rows}")
        if self.max_rows is not None and self.max_rows < 1:
            raise HardgenError(f"max_rows must be at least 1, got {self.max_rows}")


@dataclass(frozen=True)
class VerifyOptions(Parallel):
    drop_invalid: bool = setting(False, help="Keep only valid rows.")
    format: str = setting("jsonl", choices=("jsonl", "parquet"), help="Shard format.")
    teacher: str | None = setting(None, kind="spec",
                                  help="Solver SPEC that checks references nobody can re-derive (imported rows) by "
                                       "k samples.")
    teacher_k: int = setting(4, help="With --teacher: samples per problem.")
    agreement: float = setting(0.75, help="With --teacher: share of samples that must back (or, for invalid, "
                                          "contradict) the reference.")
    seed: int = setting(0, help="With --teacher: sampling seed.")


@dataclass(frozen=True)
class ScoreOptions:
    responses: str | None = setting(None, flags=("--responses", "-r"), required=True,
                                    help="JSONL of {id, response}.")


@dataclass(frozen=True)
class GradeOptions(Parallel):
    solvers: tuple[str, ...] = setting((), flags=("--solver", "-s"), kind="specs", required=True, help=SOLVER_HELP)
    k: int = setting(8, flags=("-k",),
                     help="Rollouts per problem; with --adaptive, the accuracy of K fixed rollouts is what it matches.")
    adaptive: bool = setting(False, help="Stop sampling a problem once its side of --window is decided.")
    window: str = setting("0,0.5", help="Pass-rate window for --adaptive: LO,HI = (LO, HI].")
    batch: int = setting(2, help="Rollouts per adaptive round.")
    max_k: int | None = setting(None, show_default=False,
                                help="Most rollouts one problem may get when adaptive [default: 2K; K with --until-correct].")
    rollout_cost: float | None = setting(None, show_default=False,
                                         help="Adaptive: wrong calls one rollout is worth (e.g. 0.002) instead of "
                                              "matching fixed-K accuracy.")
    max_doubt: float = setting(1.0, help="Adaptive: a solved problem stops early only once P(its call is wrong) <= "
                                         "this (1 = no cap).")
    until_correct: int | None = setting(None, show_default=False,
                                        help="DART mode: sample until M correct or --max-k trials.")
    interval: str = setting("wilson", choices=("wilson", "jeffreys"), help="Pass-rate interval.")
    seed: int = setting(0, help="Run seed.")
    workers: int | None = setting(None, flags=("--workers", "-w"), show_default=False,
                                  help="Processes grading chunks in parallel, each building its own solvers (CPU "
                                       "panels; one model each). Default: in this process, where a model backend "
                                       "batches and runs requests concurrently itself.")


@dataclass(frozen=True)
class SelectOptions:
    solver: str | None = setting(None, flags=("--solver", "-s"), kind="spec", required=True,
                                 help="The solver whose pass rate defines the window.")
    window: str = setting("0,0.5", help=WINDOW_HELP)
    require_solvable: bool = setting(True, flags=("--no-solvable-check",), flag_inverts=True,
                                     help="Keep rows without a proven answer or another solver's solve.")
    dedup: float = setting(0.8, help="Near-duplicate Jaccard threshold (0 disables).")
    balance_families: bool = setting(False, help="Cap every family at the smallest family's count.")
    target: dict = setting({}, kind="typed_assignments", metavar="LABEL=SHARE,...",
                           help="Difficulty mix, e.g. very_hard=0.3,hard=0.5,medium=0.2.")
    max_rows: int | None = setting(None, show_default=False, help="Keep at most this many rows.")
    seed: int = setting(0, help="Run seed.")


@dataclass(frozen=True)
class IrtOptions:
    model: str = setting("2pl", choices=("1pl", "2pl"), help="IRT model.")


@dataclass(frozen=True)
class ExportOptions:
    format: str = setting("parquet", choices=("jsonl", "parquet", "hf", "trl-sft", "trl-grpo"),
                          help="trl-sft: a trace set's messages; trl-grpo: chat prompts with the check/answer "
                               "reward columns.")
    card: bool = setting(True, flags=("--no-card",), flag_inverts=True,
                         help="Leave out the dataset card (README.md) written beside the export.")


@dataclass(frozen=True)
class CalibrateOptions:
    solver: str | None = setting(None, flags=("--solver", "-s"), kind="spec", required=True, help=SOLVER_HELP)
    target: float | None = setting(None, required=True, help="Pass rate to hit, e.g. 0.3.")
    n: int = setting(32, flags=("-n",), help="Problems per evaluated level.")
    k: int = setting(4, flags=("-k",), help="Rollouts per problem.")
    sweep: str | None = setting(None, metavar="KNOB=V1,V2,...", help="Search one knob's values instead of levels.")
    all_levels: bool = setting(False, help="Evaluate every level (no binary search).")
    seed: int = setting(0, help="Run seed.")


@dataclass(frozen=True)
class ReportOptions:
    calibration: tuple[str, ...] = setting((), flags=("--calibration", "-c"), multiple=True,
                                           help="A `gen calibrate -o` JSON to plot (repeatable).")
    lineage: bool = setting(True, flags=("--no-lineage",), flag_inverts=True,
                            help="Leave out the table of stages that made the data.")


@dataclass(frozen=True)
class TracesOptions:
    teacher: str | None = setting(None, flags=("--teacher", "-t"), kind="spec", required=True,
                                  help="Solver SPEC of the teacher (hf:, openai:, vllm:, ref:).")
    k: int = setting(4, flags=("-k",), help="Samples per problem (fixed mode).")
    mode: str = setting("fixed", choices=("fixed", "uniform", "prop2diff"),
                        help="Budget: fixed k; DART uniform (until m correct or max-k); prop2diff (more for harder).")
    m: int = setting(1, flags=("-m",), help="Correct traces wanted per problem.")
    max_k: int = setting(16, help="Budget per problem (uniform/prop2diff).")
    seed: int = setting(0, help="Run seed.")
    include_test: bool = setting(False, help="Also trace test-split problems (they would leak into training).")


@dataclass(frozen=True)
class TrainCommon:
    """Settings every trainer shares; unset ones come from --config, then the trainer's defaults."""

    student: str | None = setting(None, kind="spec", required=True,
                                  help="The student: a local model directory or hf:PATH_OR_ID.")
    lora: str | None = setting(None, metavar="r=8,alpha=16[,dropout=..]",
                               help="Train LoRA adapters (PEFT) instead of all weights.")
    lr: float | None = setting(None, help="Learning rate.")
    max_steps: int | None = setting(None, help="Optimizer steps.")
    config: str | None = setting(None, help="YAML file of hyper-parameters (flags override it).")
    resume: bool = setting(True, flags=("--no-resume",), flag_inverts=True,
                           help="Start over instead of resuming from the last checkpoint.")
    dry_run: bool = setting(False, help="Check inputs and print the resolved config; train nothing.", config=False)
    threads: int | None = setting(None, help="torch threads on CPU.")
    seed: int | None = setting(None, help="Training seed (default: the config's, else 0).")


@dataclass(frozen=True)
class SftOptions(TrainCommon):
    epochs: float | None = setting(None, help="Epochs.")
    batch_size: int | None = setting(None, help="Batch size.")
    max_length: int | None = setting(None, help="Longest example in tokens (longer ones are dropped and counted).")


@dataclass(frozen=True)
class GrpoOptions(TrainCommon):
    student: str | None = setting(None, kind="spec",
                                  help="The student: a local model directory or hf:PATH_OR_ID (in `gen run`, the "
                                       "sft stage's model by default).")
    curriculum: str = setting("none", choices=("none", "static", "gated", "sec", "dump", "balanced"),
                              help="Curriculum over graded difficulty.")
    arms: str | None = setting(None, choices=("difficulty", "family", None),
                               help="Categories the bandit curricula (sec, dump) choose between.")
    curriculum_options: dict = setting({}, flags=("--curriculum-option",), kind="typed_assignments",
                                       metavar="NAME=VALUE", multiple=True,
                                       help="Curriculum setting, e.g. epsilon=0.6 (gated) or tau=0.5 (sec).")
    num_generations: int | None = setting(None, help="Completions per prompt (the GRPO group).")
    prompts_per_step: int | None = setting(None, help="Prompts per optimizer step.")
    max_completion_length: int | None = setting(None, help="Longest completion in tokens.")
    temperature: float | None = setting(None, help="Sampling temperature.")
    format_weight: float | None = setting(None, help="Weight of the one-boxed-answer format reward.")


@dataclass(frozen=True)
class EvalOptions:
    solver: str | None = setting(None, flags=("--solver", "-s"), kind="spec", required=True,
                                 help="The solver to evaluate (in `gen run`, the trained model by default).")
    compare: str | None = setting(None, kind="spec", help="A second solver SPEC side by side (before/after).")
    k: int = setting(1, flags=("-k",), help="Samples per problem (pass@1 and pass@k).")
    split: str = setting("test", choices=("test", "train", "all"), help="Which split to evaluate.")
    max_problems: int | None = setting(None, help="Evaluate at most this many problems.")
    seed: int = setting(0, help="Run seed.")


@dataclass(frozen=True)
class GeneratorTrainOptions:
    model: str | None = setting(None, flags=("--model", "-m"), kind="spec", required=True,
                                help="Starting model: a local directory or hf:PATH (e.g. `gen model tiny -o DIR`).")
    method: str = setting("sft", choices=("sft", "rft", "grpo"),
                          help="sft: hard part only (ScaleDiff); rft: rounds of rejection fine-tuning (QueST); grpo: "
                               "RL on validity x hardness minus a near-duplicate penalty.")
    rounds: int = setting(3, help="RFT rounds.")
    reference_solver: str = setting("sat:walksat@2", kind="spec",
                                    help="Solver SPEC whose pass rate measures the hardness of what the generator writes.")
    k: int = setting(8, flags=("-k",), help="Reference rollouts per generated problem.")
    solver: str | None = setting(None, kind="spec",
                                 help="Whose grades rank DATA's rows (default: mean over graded solvers).")
    hard_fraction: float = setting(0.5, help="Share of the hardest rows trained on.")
    condition: str = setting("pass", choices=("pass", "level"),
                             help="pass: pair each problem with its measured pass-rate bin of the reference solver "
                                  "(ask for a bin with `gen generator sample --target-pass`); level: every pair "
                                  "labelled 'hard'.")
    constrain: str = setting("grammar", choices=("grammar", "planted", "off"),
                             help="How RFT rounds, GRPO and round measurements sample formal families: grammar "
                                  "(only texts the grammar parses, of the requested size), planted (also admitting "
                                  "a random witness drawn per sample), off (free).")
    params: dict = setting({}, flags=("--param",), kind="typed_assignments", metavar="NAME=VALUE", multiple=True,
                           help="Training setting, e.g. epochs=8, lr=5e-4, samples_per_round=256, grpo_steps=24.")


@dataclass(frozen=True)
class GeneratorSampleOptions:
    model: str | None = setting(None, flags=("--model", "-m"), kind="spec", required=True,
                                help="The trained generator (a model directory or a solver SPEC).")
    n: int = setting(100, flags=("-n",), help="Problems to write.")
    conditions: tuple[str, ...] = setting((), flags=("--condition",), metavar="FAMILY:DIFFICULTY[:TAGS]", multiple=True,
                                          help="What to ask the generator for (repeatable; default: its training "
                                               "conditions).")
    teacher: str | None = setting(None, kind="spec", help="Solver SPEC answering free-form problems by vote.")
    teacher_k: int = setting(4, help="Teacher samples per free-form problem.")
    agreement: float = setting(0.75, help="Majority share needed for a free-form answer to count.")
    family: str | None = setting(None, help="The grammar the generator writes (llm.cnf, llm.xor, llm.color) or "
                                            "llm.text.")
    target_pass: float | None = setting(None, help="Requested pass rate of --solver (0, 0.2, ..., 1; each bin "
                                                   "+-0.1).")
    solver: str | None = setting(None, kind="spec", help="Solver SPEC the --target-pass is measured with.")
    level: str | None = setting(None, help="Requested level instead of a pass-rate bin.")
    grade_k: int = setting(0, help="Grade each valid row with --solver (k rollouts) and keep only in-bin rows.")
    constrain: str = setting("grammar", choices=("grammar", "planted", "off"),
                             help="Constrained decoding for formal families: grammar (only texts the grammar "
                                  "parses, of the requested size), planted (also admitting a random witness drawn "
                                  "per sample: satisfiable, colourable, consistent by construction), off (free).")
    seed: int = setting(0, help="Run seed.")
    test_fraction: float = setting(0.1, help="Share of ids hashed into the test split.")


@dataclass(frozen=True)
class GeneratorEfaOptions:
    model: str | None = setting(None, flags=("--model", "-m"), kind="spec", required=True,
                                help="Solver SPEC of the model that writes programs.")
    seed_problems: str | None = setting(None, required=True, help="JSONL of {problem, answer}.")
    k: int = setting(4, flags=("-k",), help="Programs asked per seed problem.")
    seed: int = setting(0, help="Run seed.")


@dataclass(frozen=True)
class QuickstartOptions:
    n: int = setting(30, flags=("-n",), help="Problems per family.")
    seed: int = setting(0, help="Run seed.")
    workers: int | None = setting(None, flags=("--workers", "-w"), show_default=False,
                                  help="Worker processes (default: the machine's cores).")


#: `gen run` stages in pipeline order, with their options and whether they change the set later stages read
PIPELINE_STAGES: dict[str, type] = {
    "import": ImportOptions, "generate": GenerateOptions, "verify": VerifyOptions, "grade": GradeOptions, "select": SelectOptions,
    "irt": IrtOptions, "export": ExportOptions, "traces": TracesOptions, "sft": SftOptions, "grpo": GrpoOptions,
    "eval": EvalOptions, "report": ReportOptions,
}
