"""`gen run PIPELINE.yaml`: generate (or import) → verify → grade → select → irt → export (→ traces → sft → grpo)
from one config. Each stage writes `OUT/<stage>`; a stage whose output is complete for the same settings is skipped, and a
partial one resumes. Unknown keys are errors that name the closest valid key.

    out: data/run1          # every stage writes a folder here
    seed: 0
    workers: 2
    generate: {families: [math.modular, sat.ksat], n: 200, level: medium}
    verify: {drop_invalid: true}
    grade: {solvers: ["sat:cdcl@200"], k: 4}
    select: {solver: "sat:cdcl@200", window: "0,0.5"}
    export: {format: parquet}
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable

from hardgen.errors import HardgenError, unknown_name_error
from hardgen.imports import ImportOptions
from hardgen.records import canonical_json

#: stage name -> allowed keys with defaults (None = required or optional without default)
SCHEMA: dict[str, dict[str, Any]] = {
    # bring your own problems instead of generating them: the keys and defaults of hardgen.imports.ImportOptions
    "import": {"source": None, **{f.name: list(f.default) if isinstance(f.default, tuple) else f.default
                                  for f in fields(ImportOptions) if f.name != "shard_rows"}},
    "generate": {"families": None, "n": 100, "level": None, "knobs": {}, "shard_rows": 500, "test_fraction": 0.1},
    "verify": {"drop_invalid": False, "teacher": None, "teacher_k": 4, "agreement": 0.75, "input": None},
    "grade": {"solvers": None, "k": 8, "adaptive": False, "window": "0,0.5", "batch": 2, "max_k": None,
              "rollout_cost": None, "max_doubt": 1.0, "until_correct": None,
              "interval": "wilson", "workers": 1, "input": None},
    "select": {"solver": None, "window": "0,0.5", "require_solvable": True, "dedup": 0.8,
               "balance_families": False, "target": None, "max_rows": None, "input": None},
    "irt": {"model": "2pl", "input": None},
    "export": {"format": "parquet", "card": True, "input": None},
    "traces": {"teacher": None, "k": 4, "mode": "fixed", "m": 1, "max_k": 16, "input": None},
    "sft": {"student": None, "lora": None, "epochs": None, "lr": None, "batch_size": None, "max_steps": None,
            "max_length": None, "config": None, "threads": None},
    "grpo": {"student": None, "curriculum": "none", "arms": None, "curriculum_options": {}, "lora": None,
             "num_generations": None, "prompts_per_step": None, "max_steps": None, "lr": None,
             "max_completion_length": None, "temperature": None, "config": None, "threads": None, "input": None},
    "eval": {"solver": None, "compare": None, "k": 1, "split": "test", "max_problems": None, "input": None},
    "report": {"calibration": None, "input": None},
}
TOP_KEYS = {"out", "seed", "workers", "engine", *SCHEMA}
ORDER = list(SCHEMA)
#: stages that do not change the problem set later stages read (the selected/graded set before them)
LEAVES = ("export", "report", "traces", "sft", "grpo", "eval")


def load_config(path: str) -> dict:
    import yaml

    try:
        cfg = yaml.safe_load(Path(path).read_text())
    except OSError as e:
        raise HardgenError(f"cannot read pipeline config {path}: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise HardgenError(f"{path}: not valid YAML: {e}") from None
    return validate_config(cfg, path)


def validate_config(cfg: Any, where: str = "config") -> dict:
    if not isinstance(cfg, dict):
        raise HardgenError(f"{where}: expected a mapping of settings at the top level")
    for k in cfg:
        if k not in TOP_KEYS:
            raise HardgenError(f"{where}: {unknown_name_error('key', str(k), sorted(TOP_KEYS))}")
    if "out" not in cfg:
        raise HardgenError(f"{where}: needs 'out', the folder every stage writes into")
    for stage in SCHEMA:
        sec = cfg.get(stage)
        if sec is None:
            continue
        if sec is True:
            cfg[stage] = sec = {}
        if not isinstance(sec, dict):
            raise HardgenError(f"{where}: '{stage}' must be a mapping of its options")
        for k in sec:
            if k not in SCHEMA[stage]:
                raise HardgenError(f"{where}: in '{stage}': {unknown_name_error('key', str(k), sorted(SCHEMA[stage]))}")
        merged = {**SCHEMA[stage], **sec}
        for k, v in SCHEMA[stage].items():
            if v is None and merged.get(k) is None and k in ("families", "solvers", "source") + (
                    ("solver",) if stage == "select" else ("teacher",) if stage == "traces" else ()):
                raise HardgenError(f"{where}: '{stage}' needs '{k}'")
        cfg[stage] = merged
    if "import" in cfg and "generate" in cfg:
        raise HardgenError(f"{where}: has both 'import' and 'generate'; a pipeline starts from one problem set")
    if not any(s in cfg for s in SCHEMA):
        raise HardgenError(f"{where}: names no stage; add at least one of {', '.join(ORDER)}")
    if cfg.get("engine", "local") not in ("local", "ray"):
        raise HardgenError(f"{where}: engine must be local or ray, got {cfg['engine']!r}")
    return cfg


def run_pipeline(cfg: dict, on_stage: Callable[[str, str], None] = lambda s, m: None,
                 config_path: str | None = None) -> dict:
    """Run the configured stages in order; returns each stage's summary (or 'skipped')."""
    if "import" in cfg and isinstance(cfg["import"].get("decontaminate"), str):
        cfg["import"]["decontaminate"] = [cfg["import"]["decontaminate"]]
    from hardgen.difficulty.grade import AdaptiveConfig, grade_dataset
    from hardgen.difficulty.irt import irt_dataset
    from hardgen.difficulty.select import parse_target, select_dataset
    from hardgen.difficulty.window import Window
    from hardgen.generators.run import generate_dataset
    from hardgen.store import export_dataset
    from hardgen.verifiers.validity import verify_dataset

    out = Path(cfg["out"])
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / "pipeline.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    seed, workers, engine = cfg.get("seed", 0), cfg.get("workers"), cfg.get("engine", "local")
    prev: str | None = None
    results: dict[str, Any] = {}
    for stage in ORDER:
        if stage not in cfg:
            continue
        o = cfg[stage]
        src = o.get("input") or prev
        if stage not in ("generate", "import") and src is None:
            raise HardgenError(f"stage '{stage}' has no input: run generate or import first, or give "
                               f"'{stage}.input'")
        dest = str(out / stage)
        fingerprint = canonical_json({"stage": o, "src": src, "seed": seed})
        done = state.get(stage, {})
        if done.get("fingerprint") == fingerprint and done.get("complete") and Path(dest).exists():
            on_stage(stage, "skipped (complete)")
            results[stage] = "skipped"
            if stage not in LEAVES:
                prev = dest
            continue
        on_stage(stage, "running")
        if stage == "generate":
            r = generate_dataset(o["families"], n=o["n"], out=dest, seed=seed, level=o["level"], knobs=o["knobs"],
                                 workers=workers, shard_rows=o["shard_rows"], test_fraction=o["test_fraction"],
                                 overwrite=True, engine=engine)
        elif stage == "import":
            from hardgen.imports import import_problems

            opts = {k: v for k, v in o.items() if k != "source"}
            opts["decontaminate"] = tuple(opts["decontaminate"] or ())
            r = import_problems(str(o["source"]), dest, ImportOptions(**opts), overwrite=True)
        elif stage == "verify" and o["teacher"]:
            from hardgen.imports import verify_references

            r = verify_references(src, dest, o["teacher"], k=o["teacher_k"], agreement=o["agreement"], seed=seed,
                                  keep_invalid=not o["drop_invalid"], overwrite=True)
        elif stage == "verify":
            r = verify_dataset(src, dest, workers=workers, keep_invalid=not o["drop_invalid"], overwrite=True,
                               engine=engine)
        elif stage == "grade":
            ada = None
            if o["adaptive"] or o["until_correct"]:
                ada = AdaptiveConfig(window=Window.parse(o["window"]), batch=o["batch"], max_k=o["max_k"],
                                     cost=o["rollout_cost"], max_doubt=o["max_doubt"],
                                     until_correct=o["until_correct"])
            r = grade_dataset(src, dest, list(o["solvers"]), k=o["k"], seed=seed, adaptive=ada,
                              interval_method=o["interval"], overwrite=True, workers=o["workers"], engine=engine)
        elif stage == "select":
            tgt = o["target"]
            tgt = parse_target(",".join(f"{k}={v}" for k, v in tgt.items()) if isinstance(tgt, dict) else tgt)
            r = select_dataset(src, dest, o["solver"], Window.parse(o["window"]), o["require_solvable"],
                               o["dedup"] or None, o["balance_families"], tgt, o["max_rows"], seed, overwrite=True)
        elif stage == "irt":
            r = irt_dataset(src, dest, model=o["model"], overwrite=True)
        elif stage == "export":
            r = export_dataset(src, dest, o["format"], overwrite=True)
            if o["card"]:
                from hardgen.card import write_card

                write_card(src, dest, command=f"gen run {config_path}" if config_path else None, config=config_path)
        elif stage == "traces":
            from hardgen.distill import make_traces

            r = make_traces(src, o["teacher"], dest, k=o["k"], mode=o["mode"], m=o["m"], max_k=o["max_k"], seed=seed,
                            overwrite=True)
        elif stage == "sft":
            from hardgen.distill import train_sft

            if "traces" not in cfg:
                raise HardgenError("stage 'sft' trains on the 'traces' stage's output: add a traces section")
            if not o["student"]:
                raise HardgenError("stage 'sft' needs 'student' (a model directory or hub id)")
            r = train_sft(str(out / "traces"), o["student"], dest, lora=o["lora"], epochs=o["epochs"], lr=o["lr"],
                          batch_size=o["batch_size"], max_steps=o["max_steps"], max_length=o["max_length"],
                          config_yaml=o["config"], seed=seed, threads=o["threads"])
        elif stage == "grpo":
            from hardgen.distill import train_grpo

            student = o["student"] or (str(out / "sft") if "sft" in cfg else None)
            if not student:
                raise HardgenError("stage 'grpo' needs 'student', or an 'sft' stage to start from")
            r = train_grpo(src, student, dest, curriculum=o["curriculum"], arms=o["arms"],
                           curriculum_options=o["curriculum_options"], lora=o["lora"],
                           num_generations=o["num_generations"], prompts_per_step=o["prompts_per_step"],
                           max_steps=o["max_steps"], lr=o["lr"], max_completion_length=o["max_completion_length"],
                           temperature=o["temperature"], config_yaml=o["config"], seed=seed, threads=o["threads"])
        elif stage == "eval":
            from hardgen.distill import evaluate

            trained = "grpo" if "grpo" in cfg else "sft" if "sft" in cfg else None
            solver = o["solver"] or (f"hf:{out / trained}?temperature=0" if trained else None)
            if not solver:
                raise HardgenError("stage 'eval' needs 'solver', or an sft/grpo stage whose model it evaluates")
            r = evaluate(src, solver, k=o["k"], split=None if o["split"] == "all" else o["split"], out=dest,
                         compare=o["compare"], seed=seed, max_problems=o["max_problems"], quiet=True)
        elif stage == "report":
            from hardgen.report import make_report

            cal = o["calibration"]
            r = make_report(src, dest, calibration=[cal] if isinstance(cal, str) else cal)
        else:  # pragma: no cover - SCHEMA and this chain are edited together
            raise AssertionError(stage)
        results[stage] = r
        state[stage] = {"fingerprint": fingerprint, "complete": True}
        state_path.write_text(json.dumps(state, indent=1) + "\n")
        if stage not in LEAVES:
            prev = dest
    return results
