"""`gen run PIPELINE.yaml`: generate (or import) → verify → grade → select → irt → export (→ traces → sft → grpo) from one
config. Each stage writes `OUT/<stage>`; a stage whose output is complete for the same settings is skipped, and a
partial one resumes. Unknown keys are errors that name the closest valid key.

    out: data/run1          # every stage writes a folder here
    seed: 0
    workers: 2
    generate: {families: [math.modular, sat.ksat], n: 200, level: medium}
    verify: {drop_invalid: true}
    grade: {solvers: ["sat:cdcl@200"], k: 4}
    select: {solver: "sat:cdcl@200", window: "0,0.5"}
    export: {format: parquet}

Every stage section takes the keys of that stage's options (`hardgen.stages.options`), plus `input`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable

from hardgen.core.engine import ENGINES
from hardgen.core.errors import HardgenError, unknown_name_error
from hardgen.core.options import options_from_mapping
from hardgen.core.records import canonical_json
from hardgen.stages.options import PIPELINE_STAGES

TOP_KEYS = {"out", "seed", "workers", "engine", *PIPELINE_STAGES}
ORDER = list(PIPELINE_STAGES)
#: stages that make the problem set (no input); the module of a stage whose name is a Python keyword
STARTS = ("generate", "import")
MODULES = {"import": "imports"}
#: settings given once at the top of a config and passed to every stage that has them
SHARED = ("seed", "workers", "engine")
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
    """Check a config against the stages' options: unknown keys name the closest known one, values are read
    into their declared shapes, required settings are present. Each stage section becomes `{"input": ...,
    "options": <the stage's options dataclass>}`."""
    if not isinstance(cfg, dict):
        raise HardgenError(f"{where}: expected a mapping of settings at the top level")
    for k in cfg:
        if k not in TOP_KEYS:
            raise HardgenError(f"{where}: {unknown_name_error('key', str(k), sorted(TOP_KEYS))}")
    if "out" not in cfg:
        raise HardgenError(f"{where}: needs 'out', the folder every stage writes into")
    if not any(s in cfg for s in PIPELINE_STAGES):
        raise HardgenError(f"{where}: names no stage; add at least one of {', '.join(ORDER)}")
    if cfg.get("engine", "local") not in ENGINES:
        raise HardgenError(f"{where}: engine must be local or ray, got {cfg['engine']!r}")
    if "import" in cfg and "generate" in cfg:
        raise HardgenError(f"{where}: has both 'import' and 'generate'; a pipeline starts from one problem set")
    if "sft" in cfg and "traces" not in cfg:
        raise HardgenError(f"{where}: stage 'sft' trains on the 'traces' stage's output: add a traces section")
    out = Path(str(cfg["out"]))
    trained = "grpo" if "grpo" in cfg else "sft" if "sft" in cfg else None
    for stage, cls in PIPELINE_STAGES.items():
        sec = cfg.get(stage)
        if sec is None or isinstance(sec, dict) and "options" in sec and dataclasses.is_dataclass(sec["options"]):
            continue
        if sec is True:
            sec = {}
        if not isinstance(sec, dict):
            raise HardgenError(f"{where}: '{stage}' must be a mapping of its options")
        sec = dict(sec)
        src = sec.pop("input", None)
        names = {f.name for f in dataclasses.fields(cls)}
        for key in SHARED:
            if key in names and key not in sec and key in cfg:
                sec[key] = cfg[key]
        # defaults that depend on other stages: GRPO starts from the SFT model, eval judges the trained one
        if stage == "grpo" and not sec.get("student") and "sft" in cfg:
            sec["student"] = f"hf:{out / 'sft'}"
        if stage == "eval" and not sec.get("solver") and trained:
            sec["solver"] = f"hf:{out / trained}?temperature=0"
        for key in sec:
            if key not in names:
                raise HardgenError(f"{where}: in '{stage}': {unknown_name_error('key', str(key), sorted(names | {'input'}))}")
        cfg[stage] = {"input": src, "options": options_from_mapping(cls, sec, f"{where}: {stage}")}
    if "import" in cfg and not cfg["import"]["options"].source:
        raise HardgenError(f"{where}: 'import' needs 'source'")
    if "grpo" in cfg and not cfg["grpo"]["options"].student:
        raise HardgenError(f"{where}: stage 'grpo' needs 'student', or an 'sft' stage to start from")
    return cfg


def run_pipeline(cfg: dict, on_stage: Callable[[str, str], None] = lambda s, m: None,
                 config_path: str | None = None) -> dict:
    """Run the configured stages in order; returns each stage's summary (or 'skipped')."""
    import importlib

    cfg = validate_config(cfg)
    out = Path(cfg["out"])
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / "pipeline.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    prev: str | None = None
    results: dict[str, Any] = {}
    for stage in ORDER:
        if stage not in cfg:
            continue
        opts = cfg[stage]["options"]
        src = cfg[stage]["input"] or (str(out / "traces") if stage == "sft" else prev)
        if stage not in STARTS and src is None:
            raise HardgenError(f"stage '{stage}' has no input: run generate or import first, or give "
                               f"'{stage}.input'")
        dest = str(out / stage)
        fingerprint = canonical_json({"stage": dataclasses.asdict(opts), "src": src})
        done = state.get(stage, {})
        if done.get("fingerprint") == fingerprint and done.get("complete") and Path(dest).exists():
            on_stage(stage, "skipped (complete)")
            results[stage] = "skipped"
            if stage not in LEAVES:
                prev = dest
            continue
        on_stage(stage, "running")
        module = importlib.import_module(f"hardgen.stages.{MODULES.get(stage, stage)}")
        if stage == "generate":
            r = module.run(list(opts.families), dest, opts, overwrite=True)
        elif stage == "import":
            r = module.run(opts.source, dest, opts, overwrite=True)
        elif stage == "export":
            r = module.run(src, dest, opts, overwrite=True,
                           command=f"gen run {config_path}" if config_path else None, config=config_path)
        else:
            r = module.run(src, dest, opts, overwrite=True)
        results[stage] = r
        state[stage] = {"fingerprint": fingerprint, "complete": True}
        state_path.write_text(json.dumps(state, indent=1) + "\n")
        if stage not in LEAVES:
            prev = dest
    return results


def summary_lines(results: dict[str, Any], cfg: dict) -> list[str]:
    """One line per stage of a `gen run` for people (the whole summaries stay in --json)."""
    lines = []
    for stage, r in results.items():
        if r == "skipped":
            lines.append(f"{stage:<9} skipped (already complete)")
        elif stage == "generate":
            lines.append(f"{stage:<9} {r['rows']} rows")
        elif stage == "import":
            lines.append(f"{stage:<9} {r['rows']} of {r['input']} rows, {r['references']['unreadable']} unreadable "
                         "references, " + ", ".join(f"{k} {v}" for k, v in r["dropped"].items() if v))
        elif stage == "verify":
            c = r["counts"]
            lines.append(f"{stage:<9} valid {c['valid']}, invalid {c['invalid']}, unknown {c['unknown']}")
        elif stage == "grade":
            lines.append(f"{stage:<9} " + ", ".join(f"{s} pass rate {t['correct'] / max(t['rollouts'], 1):.3f}"
                                                    for s, t in r["solvers"].items()))
        elif stage == "select":
            lines.append(f"{stage:<9} kept {r['kept']} of {r['input']}")
        elif stage == "irt":
            lines.append(f"{stage:<9} θ " + ", ".join(f"{s} {t:+.2f}" for s, t in r["theta"].items()))
        elif stage == "export":
            lines.append(f"{stage:<9} " + ", ".join(f"{k} {v}" for k, v in r.items() if k != "card"))
        elif stage == "report":
            lines.append(f"{stage:<9} {len(r['plots'])} plots → {r['report']}")
        elif stage == "traces":
            lines.append(f"{stage:<9} {r.get('traces')} verified traces of {r.get('rollouts')} samples")
        elif stage in ("sft", "grpo"):
            lines.append(f"{stage:<9} model → {cfg['out']}/{stage}")
        elif stage == "eval":
            lines.append(f"{stage:<9} " + ", ".join(f"{sp} pass@1 {v['overall'].get('pass@1') or 0.0:.3f}"
                                                    for sp, v in r["solvers"].items()))
    return lines
