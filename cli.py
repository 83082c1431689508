"""`gen`: the command line. Thin: each command parses options, calls one library function, prints a summary."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

import click

from hardgen import __version__
from hardgen.core.errors import HardgenError
from hardgen.stages.options import (CalibrateOptions, EvalOptions, ExportOptions, GenerateOptions, GeneratorEfaOptions,
                                    GeneratorSampleOptions, GeneratorTrainOptions, GradeOptions, GrpoOptions,
                                    ImportOptions, IrtOptions,
                                    QuickstartOptions, ReportOptions, ScoreOptions, SelectOptions, SftOptions,
                                    TracesOptions, VerifyOptions)


class _Group(click.Group):
    """Prints user errors (HardgenError) as one line and exits 2, without a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `gen generate llm ...` is the documented alias of `gen generator sample ...`
        if self.name == "main" and "generate" in args:
            i = args.index("generate")
            if "llm" in args[i + 1:] and all(a.startswith("-") or a == "llm" for a in args[:i]):
                rest = args[i + 1:]
                rest.remove("llm")
                args = [*args[:i], "generator", "sample", *rest]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HardgenError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)


def _emit(ctx: click.Context, summary: Any, human: str) -> None:
    obj = ctx.find_root().obj
    if obj.get("json"):
        # libraries (trainers) print to stdout; with --json it carries the summary alone
        out = obj.get("stdout") or sys.stdout
        out.write(json.dumps(summary, indent=1, default=str) + "\n")
        out.flush()
    else:
        click.echo(human)


def _json_mode(ctx: click.Context) -> None:
    """--json: keep the real stdout for the summary and send everything else printed there to stderr."""
    import contextlib

    root = ctx.find_root()
    root.ensure_object(dict)
    if not root.obj.get("stdout"):
        root.obj["stdout"] = sys.stdout
        ctx.with_resource(contextlib.redirect_stdout(sys.stderr))
    root.obj["json"] = True


def _table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    return "\n".join([line(cells[0]), line(["-" * w for w in widths])] + [line(r) for r in cells[1:]])


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gen")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for scripts).")
@click.pass_context
def main(ctx: click.Context, quiet: bool, as_json: bool) -> None:
    """hardgen: make hard-but-solvable verified problems, grade them, train students on them."""
    from hardgen.core.progress import set_quiet

    ctx.ensure_object(dict)
    ctx.obj.setdefault("json", False)
    if as_json:
        _json_mode(ctx)
    set_quiet(quiet or as_json)
    ctx.call_on_close(lambda: set_quiet(False))  # the setting is this command's, not the process's


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from hardgen.core.progress import set_quiet

        _json_mode(ctx)
        set_quiet(True)


def _set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from hardgen.core.progress import set_quiet

        set_quiet(True)


class _Command(click.Command):
    """Every command also takes --json and --quiet after its name (`gen list --json`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(["--json", "json_flag"], is_flag=True, expose_value=False,
                                        is_eager=True, callback=_set_json, help="Print the summary as JSON."))
        self.params.append(click.Option(["--quiet", "-q", "quiet_flag"], is_flag=True, expose_value=False,
                                        is_eager=True, callback=_set_quiet, help="No progress bars."))


_Group.command_class = _Command


def options(cls: type, skip: tuple[str, ...] = ()):
    """Click options for every command-line setting of the options dataclass `cls` (its defaults, help and
    flags are declared there once); the command receives the built `opts` instead of one argument per option."""
    import typing

    from hardgen.core.options import setting_type, settings_of

    hints = typing.get_type_hints(cls)
    fields = [f for f in settings_of(cls) if f.metadata.get("cli", True) and f.name not in skip]

    def deco(fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            from hardgen.core.options import options_from_mapping

            given = {}
            for f in fields:
                v = kwargs.pop(f"opt_{f.name}")
                if f.metadata.get("flag_inverts"):
                    v = None if not v else False
                if v is None or v == () or v is False and not f.metadata.get("flag_inverts"):
                    continue
                given[f.name] = v
            opts = options_from_mapping(cls, given, "", source="cli")
            return fn(*args, opts=opts, **kwargs)

        for f in reversed(fields):
            m = f.metadata
            flags = m.get("flags") or (f"--{f.name.replace('_', '-')}",)
            base = setting_type(hints[f.name])
            default = f.default if f.default is not dataclasses.MISSING else None
            kw: dict[str, Any] = {"help": m.get("help", ""), "default": None}
            if base is bool:
                kw.update(is_flag=True, default=False)
            else:
                if m.get("multiple") or m.get("kind") == "specs":
                    kw.update(multiple=True, default=())
                if m.get("choices"):
                    kw["type"] = click.Choice([c for c in m["choices"] if c is not None])
                elif base in (int, float) and m.get("kind", "plain") == "plain":
                    kw["type"] = base
                if m.get("metavar"):
                    kw["metavar"] = m["metavar"]
                if m.get("show_default", True) and default not in (None, (), {}) and not m.get("multiple"):
                    kw["show_default"] = str(default)
                if m.get("required"):
                    kw["required"] = True
            wrapper = click.option(*flags, f"opt_{f.name}", **kw)(wrapper)
        return wrapper

    return deco


out_opt = click.option("-o", "--out", required=True, type=click.Path(), help="Output dataset directory.")
overwrite_opt = click.option("--overwrite", is_flag=True, help="Replace an existing output of a different run.")


def _trust_programs(ctx, param, value):
    if value:  # read by hardgen.core.jail.trusting_programs, here and in the worker processes this run starts
        import os

        from hardgen.core.isolation import ENV_TRUST

        before = os.environ.get(ENV_TRUST)
        os.environ[ENV_TRUST] = "1"
        # for this command only: a later command in the same process (the Python API, tests) is jailed again
        ctx.call_on_close(lambda: os.environ.pop(ENV_TRUST) if before is None else os.environ.__setitem__(
            ENV_TRUST, before))
    return value


trust_opt = click.option("--trust-programs", is_flag=True, expose_value=False, callback=_trust_programs,
                         help="Run EFA programs even where no kernel jail (bubblewrap, user namespaces) can be "
                              "set up, with in-process guards only. Only for programs you trust.")


@main.command("list")
@click.argument("family", required=False)
@click.pass_context
def list_cmd(ctx: click.Context, family: str | None) -> None:
    """Families with their knobs (name, type, range, default) and difficulty levels."""
    from hardgen.generators.catalog import describe_families, format_catalog

    info = describe_families(family)
    _emit(ctx, info, format_catalog(info, detail=family is not None))


@main.command()
@click.argument("families", nargs=-1, required=True)
@options(GenerateOptions)
@click.option("--from", "from_path", default=None, type=click.Path(exists=True),
              help="Input files for families that wrap existing problems (e.g. sat.dimacs); sets knob 'path'.")
@out_opt
@overwrite_opt
@trust_opt
@click.pass_context
def generate(ctx, families, opts, from_path, out, overwrite):
    """Generate candidate problems: template families and efa:FILE.py programs (`gen generate llm` samples a
    trained generator: see `gen generator sample`)."""
    from hardgen.stages import generate as stage

    if from_path is not None:
        opts = dataclasses.replace(opts, knobs={**opts.knobs, "path": from_path})
    s = stage.run(list(families), out, opts, overwrite=overwrite)
    rows = [[f, v["rows"], v["duplicates_dropped"]] for f, v in s["families"].items()]
    over = (f"\n{s['over_budget']} draws ran past their proof budget and were redrawn with new seeds"
            if s.get("over_budget") else "")
    _emit(ctx, s, _table(rows, ["family", "rows", "duplicates dropped"]) + f"\n\nwrote {s['rows']} rows to {out}"
          + over)


@main.command()
@click.argument("data", type=click.Path())
@out_opt
@options(VerifyOptions)
@overwrite_opt
@trust_opt
@click.pass_context
def verify(ctx, data, out, opts, overwrite):
    """Re-derive every answer independently and write `validity` on each row; --teacher checks imported ones."""
    from hardgen.stages import verify as stage

    s = stage.run(data, out, opts, overwrite=overwrite)
    rows = [[f, c["valid"], c["invalid"], c["unknown"]] for f, c in sorted(s["by_family"].items())]
    c = s["counts"]
    human = _table(rows, ["family", "valid", "invalid", "unknown"])
    human += f"\n\nvalid {c['valid']}, invalid {c['invalid']}, unknown {c['unknown']} → {out}"
    for reason, k in sorted(s["reasons"].items(), key=lambda kv: -kv[1])[:10]:
        human += f"\n  {k} × {reason}"
    _emit(ctx, s, human)


@main.command("import")
@click.argument("source")
@click.option("-o", "--out", required=True, type=click.Path(), help="Output dataset directory.")
@options(ImportOptions)
@click.option("--no-instruction", is_flag=True, help="Leave every problem exactly as it is.")
@overwrite_opt
@click.pass_context
def import_cmd(ctx, source, out, opts, no_instruction, overwrite):
    """Bring your own problems: a JSONL/Parquet/CSV file, a save_to_disk directory or a hub id, as records."""
    from hardgen.stages import imports as stage

    if no_instruction:
        if opts.instruction != ImportOptions.instruction:
            raise HardgenError("--instruction and --no-instruction contradict each other; pass one")
        opts = dataclasses.replace(opts, instruction=None)
    s = stage.run(source, out, opts, overwrite=overwrite)
    ref, drop = s["references"], s["dropped"]
    human = (f"{s['family']}: {s['rows']} of {s['input']} rows imported → {out}\n"
             f"references: {ref['answer']} from the answer column, {ref['solution']} from solutions, "
             f"{ref['unreadable']} unreadable (kept, validity unknown)\n"
             f"dropped: {drop['duplicate']} duplicates, {drop['near_duplicate']} near-duplicates, "
             f"{drop['contaminated']} contaminated, {drop['empty_prompt']} empty")
    if s["decontamination"]:
        d = s["decontamination"]
        human += (f"\ncontamination: {d['ngram']}-gram overlap >= {d['threshold']:g} with "
                  f"{d['benchmark_problems']} benchmark problems")
    for reason, k in sorted(s["unreadable_reasons"].items(), key=lambda kv: -kv[1])[:5]:
        human += f"\n  {k} × {reason}"
    _emit(ctx, s, human)


@main.command()
@click.argument("data", type=click.Path())
@options(ScoreOptions)
@click.option("-o", "--out", type=click.Path(), default=None, help="Write {id, correct, reason} lines here.")
@click.pass_context
def score(ctx, data, opts, out):
    """Score model responses strictly against the dataset's verifiers."""
    from hardgen.stages.score import score_responses

    s = score_responses(data, opts.responses, out)
    human = (f"accuracy {s['accuracy']:.4f}  ({s['correct']}/{s['total']} correct, {s['wrong']} wrong, "
             f"{s['undecided']} undecided)")
    if s["unknown_id"]:
        human += f"\nwarning: {s['unknown_id']} response id(s) not in {data}"
    if out:
        human += f"\nverdicts → {out}"
    _emit(ctx, s, human)


@main.command()
@click.argument("data", type=click.Path())
@options(ExportOptions)
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def export(ctx, data, opts, out, overwrite):
    """Export a dataset for trainers ({train,test}.jsonl / .parquet, a HF DatasetDict, TRL shapes) with a card."""
    from hardgen.stages import export as stage

    command = " ".join(["gen", *sys.argv[1:]]) if sys.argv[1:2] == ["export"] else None
    counts = stage.run(data, out, opts, overwrite=overwrite, command=command)
    rows = {k: v for k, v in counts.items() if k != "card"}
    _emit(ctx, counts, f"exported {sum(rows.values())} rows ({', '.join(f'{k} {v}' for k, v in rows.items())})"
                       f" as {opts.format} → {out}")


@main.command()
@click.argument("data", type=click.Path())
@options(GradeOptions)
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def grade(ctx, data, opts, out, overwrite):
    """Rollouts from solvers, scored by the verifiers: pass rates with intervals, pass@k, rollouts kept."""
    from hardgen.stages import grade as stage

    s = stage.run(data, out, opts, overwrite=overwrite)
    rows = [[sp, t["problems"], t["rollouts"], f"{t['correct'] / t['rollouts']:.3f}" if t["rollouts"] else "-"]
            for sp, t in s["solvers"].items()]
    _emit(ctx, s, _table(rows, ["solver", "problems", "rollouts", "pass rate"]) + f"\n\ngraded rows → {out}")


@main.command()
@click.argument("data", type=click.Path())
@options(SelectOptions)
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def select(ctx, data, opts, out, overwrite):
    """Keep hard-but-solvable rows; mix by family and difficulty; remove near-duplicates."""
    from hardgen.stages import select as stage

    s = stage.run(data, out, opts, overwrite=overwrite)
    drops = ", ".join(f"{k} {v}" for k, v in s["dropped"].items() if v)
    _emit(ctx, s, f"kept {s['kept']} of {s['input']} rows in window {s['window']} of {opts.solver}\n"
                  f"dropped: {drops or 'none'}\nlabels: {s['labels']}\n→ {out}")


@main.command()
@click.argument("family")
@options(CalibrateOptions)
@click.option("-o", "--out", type=click.Path(), default=None, help="Save the table as JSON.")
@click.pass_context
def calibrate(ctx, family, opts, out):
    """Find the knob level whose pass rate for a solver hits a target."""
    from hardgen.stages.calibrate import run as run_calibrate

    s = run_calibrate(family, out, opts)
    rows = [[r["level"], f"{r['pass_rate']:.3f}", f"[{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]", r["problems"] * r["k"]]
            for r in s["table"]]
    human = _table(rows, ["level", "pass rate", "95% CI", "rollouts"])
    human += f"\n\nclosest to {opts.target}: {s['best']['level']} ({s['best']['pass_rate']:.3f})"
    if not s["monotone"]:
        human += "\nwarning: pass rate does not fall monotonically along the levels"
    _emit(ctx, s, human)


@main.command()
@click.argument("data", type=click.Path())
@options(IrtOptions)
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def irt(ctx, data, opts, out, overwrite):
    """Fit IRT (item difficulty b, discrimination a, solver ability θ) on a graded dataset."""
    from hardgen.stages import irt as stage

    s = stage.run(data, out, opts, overwrite=overwrite)
    rows = [[sp, f"{t:+.3f}"] for sp, t in sorted(s["theta"].items(), key=lambda kv: -kv[1])]
    _emit(ctx, s, _table(rows, ["solver", "θ"]) + f"\n\n{opts.model} on {s['items']} items → {out}")


@main.command()
@click.argument("data", type=click.Path())
@click.option("-o", "--out", required=True, type=click.Path())
@options(ReportOptions)
@click.option("--card", "card_dir", type=click.Path(), default=None,
              help="Also write a Hugging Face dataset card (README.md) into this folder.")
@click.option("--command", "card_command", default=None, help="The command to quote in the card.")
@click.option("--config", "card_config", type=click.Path(exists=True), default=None, help="Config to quote in the card.")
@click.option("--license", "card_license", default="apache-2.0", show_default=True)
@click.pass_context
def report(ctx, data, out, opts, card_dir, card_command, card_config, card_license):
    """Statistics, PNG plots and report.md for a dataset; optionally a dataset card."""
    from hardgen.stages import report as stage

    s = stage.run(data, out, opts)
    if card_dir:
        from hardgen.stages.card import write_card

        s["card"] = str(write_card(data, card_dir, card_command, card_config, license=card_license))
    human = f"{len(s['plots'])} plots, report → {s['report']}"
    human += "".join(f"\n  skipped {k}: {v}" for k, v in s["skipped"].items())
    if card_dir:
        human += f"\ncard → {s['card']}"
    _emit(ctx, s, human)


def _scalars(s: dict) -> str:
    """The plain values of a training summary, one per line (logs and configs stay in --json)."""
    return "".join(f"\n  {k}: {v}" for k, v in s.items() if not isinstance(v, (list, dict)) and v is not None)


def _print_config(ctx, s: dict, what: str) -> None:
    import yaml

    _emit(ctx, s, f"{what} (dry run, nothing trained):\n" + yaml.safe_dump(s["config"], sort_keys=False).rstrip())


@main.group(cls=_Group)
def distill() -> None:
    """Teacher traces with rejection sampling, SFT and GRPO of students (TRL + PEFT) with curricula."""


@distill.command("traces")
@click.argument("data", type=click.Path())
@options(TracesOptions)
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def distill_traces(ctx, data, opts, out, overwrite):
    """The teacher writes solutions; only verified-correct ones are kept (a TRL-ready chat dataset)."""
    from hardgen.stages import traces as stage

    s = stage.run(data, out, opts, overwrite=overwrite)
    human = ", ".join(f"{k} {v}" for k, v in s.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
    _emit(ctx, s, f"traces: {human}\n→ {out}")


@distill.command("sft")
@click.argument("traces", type=click.Path())
@click.option("-o", "--out", required=True, type=click.Path())
@options(SftOptions)
@click.pass_context
def distill_sft(ctx, traces, out, opts):
    """Supervised fine-tuning on verified traces (TRL SFTTrainer, completion-only loss, checkpoints, resumable)."""
    from hardgen.stages import sft as stage

    s = stage.run(traces, out, opts)
    if opts.dry_run:
        return _print_config(ctx, s, "sft")
    _emit(ctx, s, f"sft done → {out}" + _scalars(s))


@distill.command("grpo")
@click.argument("data", type=click.Path())
@click.option("-o", "--out", required=True, type=click.Path())
@options(GrpoOptions)
@click.pass_context
def distill_grpo(ctx, data, out, opts):
    """GRPO (TRL) with the family verifiers as rewards and a curriculum over graded difficulty."""
    from hardgen.stages import grpo as stage

    if not opts.student:
        raise HardgenError("gen distill grpo needs --student (a local model directory or hf:PATH)")
    s = stage.run(data, out, opts)
    if opts.dry_run:
        return _print_config(ctx, s, "grpo")
    _emit(ctx, s, f"grpo done → {out}" + _scalars(s))


@main.command("eval")
@click.argument("data", type=click.Path())
@options(EvalOptions)
@click.option("-o", "--out", type=click.Path(), default=None, help="Write eval.json and eval.png here.")
@click.pass_context
def eval_cmd(ctx, data, opts, out):
    """pass@1 / pass@k by family and difficulty bin on the test split; --compare for before/after."""
    from hardgen.distill.evaluate import format_table
    from hardgen.stages import eval as stage

    s = stage.run(data, out, opts)
    _emit(ctx, s, format_table(s) + (f"\n→ {out}" if out else ""))


@main.group(cls=_Group)
def model() -> None:
    """Local models: build a tiny one for tests and demos."""


@model.command("tiny")
@click.option("-o", "--out", required=True, type=click.Path())
@click.option("--arch", type=click.Choice(["qwen2", "llama"]), default="qwen2", show_default=True)
@click.option("--hidden", type=int, default=64, show_default=True)
@click.option("--layers", type=int, default=2, show_default=True)
@click.option("--vocab-size", type=int, default=1024, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@overwrite_opt
@click.pass_context
def model_tiny(ctx, out, arch, hidden, layers, vocab_size, seed, overwrite):
    """Build a tiny random-weight causal LM with a BPE tokenizer trained on generated problems (no hub)."""
    from hardgen.models.tiny import build_tiny_model

    path = build_tiny_model(out, arch=arch, hidden=hidden, layers=layers, vocab_size=vocab_size, seed=seed,
                            overwrite=overwrite)
    _emit(ctx, {"path": str(path)}, f"tiny {arch} model → {path}  (use it as --solver hf:{path})")


@main.command()
@click.option("--solver", "-s", required=True, help="Backend to serve, e.g. hf:PATH_OR_ID.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--model-name", default=None, help="Name reported by /v1/models (default: the model path).")
def serve(solver, host, port, model_name):
    """Serve a backend over an OpenAI-compatible API (/v1/models, /v1/completions, /v1/chat/completions)."""
    from hardgen.core.specs import SolverSpec
    from hardgen.models.server import serve as run_server

    run_server(str(SolverSpec.parse(solver)), host=host, port=port, model_name=model_name)


@main.group(cls=_Group)
def generator() -> None:
    """Problem generators written or trained by models: EFA programs, the trained LLM generator."""


@generator.command("train")
@click.argument("data", type=click.Path())
@options(GeneratorTrainOptions)
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def generator_train(ctx, data, opts, out, overwrite):
    """Train the LLM problem generator on a graded set; report validity, novelty and hardness per round and bin.
    A rerun with the same arguments resumes after the last finished round."""
    from hardgen.stages.generator import train

    from hardgen.llmgen.train import round_table

    s = train(data, out, opts, overwrite=overwrite)
    rows, header, notes = round_table(s["rounds"])
    _emit(ctx, s, _table(rows, header) + "".join(f"\n{n}" for n in notes) + f"\n\ngenerator → {out}")


@generator.command("sample")
@options(GeneratorSampleOptions)
@click.option("-o", "--out", required=True, type=click.Path(), help="Output dataset directory.")
@overwrite_opt
@click.pass_context
def generator_sample(ctx, opts, out, overwrite):
    """Sample problems from a trained LLM generator (alias: `gen generate llm`); validity proved or voted."""
    from hardgen.stages.generator import sample

    s = sample(out, opts, overwrite=overwrite)
    counts = ", ".join(f"{k} {v}" for k, v in s.items() if isinstance(v, int) and not isinstance(v, bool))
    why = f"\nno rows: {s['why_none']}" if s.get("why_none") else ""
    _emit(ctx, s, f"llm generator: {counts}{why}\n→ {out}")


@generator.command("efa")
@options(GeneratorEfaOptions)
@click.option("-o", "--out", required=True, type=click.Path())
@trust_opt
@click.pass_context
def generator_efa(ctx, opts, out):
    """A model writes EFA programs for seed problems; the EFAGen checks accept or reject each."""
    from hardgen.stages.generator import author

    s = author(out, opts)
    fails = ", ".join(f"{c} {n}" for c, n in sorted(s.get("failed_checks", {}).items(), key=lambda kv: -kv[1]))
    _emit(ctx, s, f"accepted {s['accepted']} of {s['attempts']} programs for {s['seeds']} seed problems → {out}"
                  + (f"\nfailed checks: {fails}" if fails else ""))


@main.command("run")
@click.argument("config", type=click.Path())
@click.pass_context
def run_cmd(ctx, config):
    """Run a whole pipeline from one YAML config; complete stages are skipped, partial ones resume."""
    from hardgen.stages.run import load_config, run_pipeline, summary_lines

    cfg = load_config(config)
    if ctx.find_root().obj.get("json"):
        res = run_pipeline(cfg, config_path=config)
    else:
        res = run_pipeline(cfg, on_stage=lambda s, m: click.echo(f"[{s}] {m}", err=True), config_path=config)
    _emit(ctx, res, "\n".join(summary_lines(res, cfg)) + f"\n\noutputs under {cfg['out']}")


@main.command()
@click.option("-o", "--out", default="data/quickstart", show_default=True, type=click.Path())
@options(QuickstartOptions)
@click.pass_context
def quickstart(ctx, out, opts):
    """Generate and verify a few hundred problems from several families; print a summary."""
    from hardgen.stages.quickstart import run_quickstart

    s = run_quickstart(out, n=opts.n, seed=opts.seed, workers=opts.workers)
    _emit(ctx, s, s["text"])


if __name__ == "__main__":
    main()
