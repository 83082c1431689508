"""`gen`: the command line. Thin: each command parses options, calls one library function, prints a summary."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from hardgen import __version__
from hardgen.errors import HardgenError


class _Group(click.Group):
    """Prints user errors (HardgenError) as one line and exits 2, without a traceback."""

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


def _parse_knobs(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for p in pairs:
        if "=" not in p:
            raise HardgenError(f"--knob expects NAME=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


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
    from hardgen.progress import set_quiet

    ctx.ensure_object(dict)
    ctx.obj.setdefault("json", False)
    if as_json:
        _json_mode(ctx)
    set_quiet(quiet or as_json)


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from hardgen.progress import set_quiet

        _json_mode(ctx)
        set_quiet(True)


def _set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from hardgen.progress import set_quiet

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

workers_opt = click.option("--workers", "-w", type=int, default=None,
                           help="Worker processes (default: the machine's cores).")
engine_opt = click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
                          help="Run shards in a local process pool or on Ray (RAY_ADDRESS picks a cluster).")
overwrite_opt = click.option("--overwrite", is_flag=True, help="Replace an existing output of a different run.")


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
@click.option("-n", "n", type=int, default=100, show_default=True, help="Problems per family.")
@click.option("--seed", type=int, default=0, show_default=True, help="Run seed.")
@click.option("--level", default=None, help="Named difficulty level (see `gen list`).")
@click.option("--knob", "knobs", multiple=True, metavar="NAME=VALUE", help="Set a knob (repeatable).")
@click.option("--from", "from_path", default=None, type=click.Path(exists=True),
              help="Input files for families that wrap existing problems (e.g. sat.dimacs); sets knob 'path'.")
@click.option("--model", "model_spec", default=None,
              help="`gen generate llm`: the trained generator (a model directory or a solver SPEC).")
@click.option("--condition", "conditions", multiple=True, metavar="FAMILY:DIFFICULTY[:TAGS]",
              help="`gen generate llm`: what to ask the generator for (repeatable; default: its training conditions).")
@click.option("--teacher", default=None, help="`gen generate llm`: solver SPEC answering free-form problems by vote.")
@click.option("--teacher-k", type=int, default=4, show_default=True, help="`gen generate llm`: teacher samples.")
@click.option("--agreement", type=float, default=0.75, show_default=True,
              help="`gen generate llm`: majority share needed for a free-form answer to count.")
@click.option("--family", "llm_family", default=None,
              help="`gen generate llm`: the grammar the generator writes (llm.cnf, llm.xor, llm.color) or llm.text.")
@click.option("--target-pass", type=float, default=None,
              help="`gen generate llm`: requested pass rate of --solver (0, 0.2, ..., 1; each bin +-0.1).")
@click.option("--solver", "llm_solver", default=None,
              help="`gen generate llm`: solver SPEC the --target-pass is measured with.")
@click.option("--grade-k", type=int, default=0, show_default=True,
              help="`gen generate llm`: grade each valid row with --solver (k rollouts), keep only in-bin rows.")
@click.option("-o", "--out", required=True, type=click.Path(), help="Output dataset directory.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet"]), default="jsonl", show_default=True)
@click.option("--shard-rows", type=int, default=500, show_default=True)
@click.option("--test-fraction", type=float, default=0.1, show_default=True,
              help="Share of ids hashed into the test split.")
@workers_opt
@engine_opt
@overwrite_opt
@click.pass_context
def generate(ctx, families, n, seed, level, knobs, from_path, model_spec, conditions, teacher, teacher_k, agreement,
             llm_family, target_pass, llm_solver, grade_k, out, fmt, shard_rows, test_fraction, workers, engine,
             overwrite):
    """Generate candidate problems: template families, efa:FILE.py programs, or `llm` (a trained generator)."""
    from hardgen.generators.run import generate_dataset

    if "llm" in families:
        if families != ("llm",):
            raise HardgenError("`gen generate llm` samples a trained generator; run template families separately")
        if not model_spec:
            raise HardgenError("`gen generate llm` needs --model (a trained generator directory or solver SPEC)")
        from hardgen.generators.llm_sample import sample_llm_problems

        s = sample_llm_problems(model_spec, n, out, conditions=list(conditions) or None, teacher=teacher,
                                k_teacher=teacher_k, agreement=agreement, seed=seed, overwrite=overwrite,
                                test_fraction=test_fraction, family=llm_family, target_pass=target_pass,
                                solver=llm_solver, level=level, grade_k=grade_k)
        counts = ", ".join(f"{k} {v}" for k, v in s.items() if isinstance(v, int) and not isinstance(v, bool))
        why = f"\nno rows: {s['why_none']}" if s.get("why_none") else ""
        return _emit(ctx, s, f"llm generator: {counts}{why}\n→ {out}")

    knob_values = _parse_knobs(knobs)
    if from_path is not None:
        knob_values["path"] = from_path
    s = generate_dataset(list(families), n=n, out=out, seed=seed, level=level, knobs=knob_values,
                         workers=workers, shard_rows=shard_rows, fmt=fmt, overwrite=overwrite,
                         test_fraction=test_fraction, engine=engine)
    rows = [[f, v["rows"], v["duplicates_dropped"]] for f, v in s["families"].items()]
    _emit(ctx, s, _table(rows, ["family", "rows", "duplicates dropped"]) + f"\n\nwrote {s['rows']} rows to {out}")


@main.command()
@click.argument("data", type=click.Path())
@click.option("-o", "--out", required=True, type=click.Path(), help="Output dataset directory.")
@click.option("--drop-invalid", is_flag=True, help="Keep only valid rows.")
@workers_opt
@engine_opt
@overwrite_opt
@click.pass_context
def verify(ctx, data, out, drop_invalid, workers, engine, overwrite):
    """Re-derive every answer independently and write `validity` on each row."""
    from hardgen.verifiers.validity import verify_dataset

    s = verify_dataset(data, out, workers=workers, keep_invalid=not drop_invalid, overwrite=overwrite,
                       engine=engine)
    rows = [[f, c["valid"], c["invalid"], c["unknown"]] for f, c in sorted(s["by_family"].items())]
    c = s["counts"]
    human = _table(rows, ["family", "valid", "invalid", "unknown"])
    human += f"\n\nvalid {c['valid']}, invalid {c['invalid']}, unknown {c['unknown']} → {out}"
    for reason, k in sorted(s["reasons"].items(), key=lambda kv: -kv[1])[:10]:
        human += f"\n  {k} × {reason}"
    _emit(ctx, s, human)


@main.command()
@click.argument("data", type=click.Path())
@click.option("--responses", "-r", required=True, type=click.Path(), help="JSONL of {id, response}.")
@click.option("-o", "--out", type=click.Path(), default=None, help="Write {id, correct, reason} lines here.")
@click.pass_context
def score(ctx, data, responses, out):
    """Score model responses strictly against the dataset's verifiers."""
    from hardgen.verifiers import score_responses

    s = score_responses(data, responses, out)
    human = (f"accuracy {s['accuracy']:.4f}  ({s['correct']}/{s['total']} correct, {s['wrong']} wrong, "
             f"{s['undecided']} undecided)")
    if s["unknown_id"]:
        human += f"\nwarning: {s['unknown_id']} response id(s) not in {data}"
    if out:
        human += f"\nverdicts → {out}"
    _emit(ctx, s, human)


@main.command()
@click.argument("data", type=click.Path())
@click.option("--format", "fmt", required=True, type=click.Choice(["jsonl", "parquet", "hf", "trl-sft", "trl-grpo"]),
              help="trl-sft: a trace set's messages; trl-grpo: chat prompts with the check/answer reward columns.")
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def export(ctx, data, fmt, out, overwrite):
    """Export a dataset for trainers: {train,test}.jsonl / .parquet, or a HF DatasetDict (load_from_disk)."""
    from hardgen.card import write_card
    from hardgen.store import export_dataset

    counts = export_dataset(data, out, fmt, overwrite=overwrite)
    if fmt == "hf":  # ready for push_to_hub: the card describes how the set was made and verified
        write_card(data, out, command=" ".join(["gen", *sys.argv[1:]]) if sys.argv[1:2] == ["export"] else None)
    _emit(ctx, counts, f"exported {sum(counts.values())} rows ({', '.join(f'{k} {v}' for k, v in counts.items())})"
                       f" as {fmt} → {out}")


solver_opt = click.option("--solver", "-s", "solvers", multiple=True, required=True,
                          help="Solver SPEC (repeatable): hf:PATH_OR_ID, vllm:PATH_OR_ID, openai:URL#MODEL, "
                               "sat:cdcl@BUDGET, sat:walksat@FLIPS, sim:ALPHA,BETA")


@main.command()
@click.argument("data", type=click.Path())
@solver_opt
@click.option("-k", "k", type=int, default=8, show_default=True,
              help="Rollouts per problem; with --adaptive, the accuracy of K fixed rollouts is what it matches.")
@click.option("--adaptive", is_flag=True, help="Stop sampling a problem once its side of --window is decided.")
@click.option("--window", default="0,0.5", show_default=True, help="Pass-rate window for --adaptive: LO,HI = (LO, HI].")
@click.option("--batch", type=int, default=2, show_default=True, help="Rollouts per adaptive round.")
@click.option("--max-k", type=int, default=None,
              help="Most rollouts one problem may get when adaptive [default: 2K; K with --until-correct].")
@click.option("--rollout-cost", type=float, default=None,
              help="Adaptive: wrong calls one rollout is worth (e.g. 0.002) instead of matching fixed-K accuracy.")
@click.option("--max-doubt", type=float, default=1.0, show_default=True,
              help="Adaptive: a solved problem stops early only once P(its call is wrong) <= this (1 = no cap).")
@click.option("--until-correct", type=int, default=None, help="DART mode: sample until M correct or --max-k trials.")
@click.option("--interval", "interval_method", type=click.Choice(["wilson", "jeffreys"]), default="wilson",
              show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", "-w", type=int, default=1, show_default=True,
              help="Processes grading chunks in parallel, each with its own solvers (CPU panels; one model each).")
@engine_opt
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def grade(ctx, data, solvers, k, adaptive, window, batch, max_k, rollout_cost, max_doubt, until_correct,
          interval_method, seed, workers, engine, out, overwrite):
    """Rollouts from solvers, scored by the verifiers: pass rates with intervals, pass@k, rollouts kept."""
    from hardgen.difficulty.grade import AdaptiveConfig, grade_dataset
    from hardgen.difficulty.window import Window

    ada = None
    if adaptive or until_correct:
        ada = AdaptiveConfig(window=Window.parse(window), batch=batch, max_k=max_k, cost=rollout_cost,
                             max_doubt=max_doubt, until_correct=until_correct)
    s = grade_dataset(data, out, list(solvers), k=k, seed=seed, adaptive=ada, interval_method=interval_method,
                      overwrite=overwrite, workers=workers, engine=engine)
    rows = [[sp, t["problems"], t["rollouts"], f"{t['correct'] / t['rollouts']:.3f}" if t["rollouts"] else "-"]
            for sp, t in s["solvers"].items()]
    _emit(ctx, s, _table(rows, ["solver", "problems", "rollouts", "pass rate"]) + f"\n\ngraded rows → {out}")


@main.command()
@click.argument("data", type=click.Path())
@click.option("--solver", "-s", required=True, help="The solver whose pass rate defines the window.")
@click.option("--window", default="0,0.5", show_default=True,
              help="Pass-rate window: LO,HI means (LO, HI]; or write [LO,HI], (LO,HI) explicitly.")
@click.option("--no-solvable-check", is_flag=True, help="Keep rows without a proven answer or another solver's solve.")
@click.option("--dedup", type=float, default=0.8, show_default=True,
              help="Near-duplicate Jaccard threshold (0 disables).")
@click.option("--balance-families", is_flag=True, help="Cap every family at the smallest family's count.")
@click.option("--target", default=None, help="Difficulty mix, e.g. very_hard=0.3,hard=0.5,medium=0.2.")
@click.option("--max-rows", type=int, default=None)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def select(ctx, data, solver, window, no_solvable_check, dedup, balance_families, target, max_rows, seed, out,
           overwrite):
    """Keep hard-but-solvable rows; mix by family and difficulty; remove near-duplicates."""
    from hardgen.difficulty.select import parse_target, select_dataset
    from hardgen.difficulty.window import Window

    s = select_dataset(data, out, solver, Window.parse(window), not no_solvable_check, dedup or None,
                       balance_families, parse_target(target), max_rows, seed, overwrite)
    drops = ", ".join(f"{k} {v}" for k, v in s["dropped"].items() if v)
    _emit(ctx, s, f"kept {s['kept']} of {s['input']} rows in window {s['window']} of {solver}\n"
                  f"dropped: {drops or 'none'}\nlabels: {s['labels']}\n→ {out}")


@main.command()
@click.argument("family")
@click.option("--solver", "-s", required=True)
@click.option("--target", type=float, required=True, help="Pass rate to hit, e.g. 0.3.")
@click.option("-n", "n", type=int, default=32, show_default=True, help="Problems per evaluated level.")
@click.option("-k", "k", type=int, default=4, show_default=True, help="Rollouts per problem.")
@click.option("--sweep", default=None, metavar="KNOB=V1,V2,...", help="Search one knob's values instead of levels.")
@click.option("--all-levels", is_flag=True, help="Evaluate every level (no binary search).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--out", type=click.Path(), default=None, help="Save the table as JSON.")
@click.pass_context
def calibrate(ctx, family, solver, target, n, k, sweep, all_levels, seed, out):
    """Find the knob level whose pass rate for a solver hits a target."""
    from hardgen.difficulty.calibrate import calibrate as run_calibrate

    sw = None
    if sweep:
        if "=" not in sweep:
            raise HardgenError(f"--sweep expects KNOB=V1,V2,..., got {sweep!r}")
        knob_name, vals = sweep.split("=", 1)
        sw = (knob_name.strip(), [v.strip() for v in vals.split(",") if v.strip()])
    s = run_calibrate(family, solver, target, n=n, k=k, seed=seed, sweep=sw, exhaustive=all_levels)
    if out:
        from pathlib import Path

        Path(out).write_text(json.dumps(s, indent=1) + "\n")
    rows = [[r["level"], f"{r['pass_rate']:.3f}", f"[{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]", r["problems"] * r["k"]]
            for r in s["table"]]
    human = _table(rows, ["level", "pass rate", "95% CI", "rollouts"])
    human += f"\n\nclosest to {target}: {s['best']['level']} ({s['best']['pass_rate']:.3f})"
    if not s["monotone"]:
        human += "\nwarning: pass rate does not fall monotonically along the levels"
    _emit(ctx, s, human)


@main.command()
@click.argument("data", type=click.Path())
@click.option("--model", type=click.Choice(["1pl", "2pl"]), default="2pl", show_default=True)
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def irt(ctx, data, model, out, overwrite):
    """Fit IRT (item difficulty b, discrimination a, solver ability θ) on a graded dataset."""
    from hardgen.difficulty.irt import irt_dataset

    s = irt_dataset(data, out, model=model, overwrite=overwrite)
    rows = [[sp, f"{t:+.3f}"] for sp, t in sorted(s["theta"].items(), key=lambda kv: -kv[1])]
    _emit(ctx, s, _table(rows, ["solver", "θ"]) + f"\n\n{model} on {s['items']} items → {out}")


@main.command()
@click.argument("data", type=click.Path())
@click.option("-o", "--out", required=True, type=click.Path())
@click.option("--calibration", "-c", multiple=True, type=click.Path(exists=True),
              help="A `gen calibrate -o` JSON to plot (repeatable).")
@click.option("--no-lineage", is_flag=True, help="Leave out the table of stages that made the data.")
@click.option("--card", "card_dir", type=click.Path(), default=None,
              help="Also write a Hugging Face dataset card (README.md) into this folder.")
@click.option("--command", "card_command", default=None, help="The command to quote in the card.")
@click.option("--config", "card_config", type=click.Path(exists=True), default=None, help="Config to quote in the card.")
@click.option("--license", "card_license", default="apache-2.0", show_default=True)
@click.pass_context
def report(ctx, data, out, calibration, no_lineage, card_dir, card_command, card_config, card_license):
    """Statistics, PNG plots and report.md for a dataset; optionally a dataset card."""
    from hardgen.report import make_report

    s = make_report(data, out, calibration=list(calibration) or None, lineage=not no_lineage)
    if card_dir:
        from hardgen.card import write_card

        s["card"] = str(write_card(data, card_dir, card_command, card_config, license=card_license))
    human = f"{len(s['plots'])} plots, report → {s['report']}"
    human += "".join(f"\n  skipped {k}: {v}" for k, v in s["skipped"].items())
    if card_dir:
        human += f"\ncard → {s['card']}"
    _emit(ctx, s, human)


def _kv_options(pairs: tuple[str, ...], what: str) -> dict[str, Any]:
    """NAME=VALUE pairs → dict, values parsed as YAML scalars (numbers, booleans, strings)."""
    import yaml

    out = {}
    for p in pairs:
        if "=" not in p:
            raise HardgenError(f"{what} expects NAME=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        out[k.strip()] = yaml.safe_load(v)
    return out


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
@click.option("--teacher", "-t", required=True, help="Solver SPEC of the teacher (hf:, openai:, vllm:, ref:).")
@click.option("-k", "k", type=int, default=4, show_default=True, help="Samples per problem (fixed mode).")
@click.option("--mode", type=click.Choice(["fixed", "uniform", "prop2diff"]), default="fixed", show_default=True,
              help="Budget: fixed k; DART uniform (until m correct or max-k); prop2diff (more for harder problems).")
@click.option("-m", "m", type=int, default=1, show_default=True, help="Correct traces wanted per problem.")
@click.option("--max-k", type=int, default=16, show_default=True, help="Budget per problem (uniform/prop2diff).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--include-test", is_flag=True, help="Also trace test-split problems (they would leak into training).")
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def distill_traces(ctx, data, teacher, k, mode, m, max_k, seed, include_test, out, overwrite):
    """The teacher writes solutions; only verified-correct ones are kept (a TRL-ready chat dataset)."""
    from hardgen.distill import make_traces

    s = make_traces(data, teacher, out, k=k, mode=mode, m=m, max_k=max_k, seed=seed, include_test=include_test,
                    overwrite=overwrite)
    human = ", ".join(f"{k} {v}" for k, v in s.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
    _emit(ctx, s, f"traces: {human}\n→ {out}")


lora_opt = click.option("--lora", default=None, metavar="r=8,alpha=16[,dropout=..]",
                        help="Train LoRA adapters (PEFT) instead of all weights.")
config_opt = click.option("--config", "config_yaml", type=click.Path(exists=True), default=None,
                          help="YAML file of hyper-parameters (flags override it).")


@distill.command("sft")
@click.argument("traces", type=click.Path())
@click.option("--student", required=True, help="Local model directory (or hub id) of the student.")
@click.option("-o", "--out", required=True, type=click.Path())
@lora_opt
@click.option("--epochs", type=float, default=None)
@click.option("--lr", type=float, default=None)
@click.option("--batch-size", type=int, default=None)
@click.option("--max-steps", type=int, default=None)
@click.option("--max-length", type=int, default=None)
@config_opt
@click.option("--no-resume", is_flag=True, help="Start over instead of resuming from the last checkpoint.")
@click.option("--dry-run", is_flag=True, help="Check inputs and print the resolved config; train nothing.")
@click.option("--threads", type=int, default=None, help="torch threads on CPU.")
@click.pass_context
def distill_sft(ctx, traces, student, out, lora, epochs, lr, batch_size, max_steps, max_length, config_yaml,
                no_resume, dry_run, threads):
    """Supervised fine-tuning on verified traces (TRL SFTTrainer, completion-only loss, checkpoints, resumable)."""
    from hardgen.distill import train_sft

    s = train_sft(traces, student, out, lora=lora, epochs=epochs, lr=lr, batch_size=batch_size, max_steps=max_steps,
                  max_length=max_length, config_yaml=config_yaml, resume=not no_resume, dry_run=dry_run,
                  threads=threads)
    if dry_run:
        return _print_config(ctx, s, "sft")
    _emit(ctx, s, f"sft done → {out}" + _scalars(s))


@distill.command("grpo")
@click.argument("data", type=click.Path())
@click.option("--student", required=True, help="Local model directory of the student (e.g. the SFT output).")
@click.option("-o", "--out", required=True, type=click.Path())
@click.option("--curriculum", type=click.Choice(["none", "static", "gated", "sec", "dump", "balanced"]),
              default="none", show_default=True)
@click.option("--arms", type=click.Choice(["difficulty", "family"]), default=None,
              help="Categories the bandit curricula (sec, dump) choose between.")
@click.option("--curriculum-option", "curriculum_options", multiple=True, metavar="NAME=VALUE",
              help="Curriculum setting, e.g. epsilon=0.6 (gated) or tau=0.5 (sec).")
@lora_opt
@click.option("--num-generations", type=int, default=None)
@click.option("--prompts-per-step", type=int, default=None)
@click.option("--max-steps", type=int, default=None)
@click.option("--lr", type=float, default=None)
@click.option("--max-completion-length", type=int, default=None)
@click.option("--temperature", type=float, default=None)
@click.option("--format-weight", type=float, default=None, help="Weight of the one-boxed-answer format reward.")
@config_opt
@click.option("--no-resume", is_flag=True)
@click.option("--dry-run", is_flag=True)
@click.option("--threads", type=int, default=None)
@click.pass_context
def distill_grpo(ctx, data, student, out, curriculum, arms, curriculum_options, lora, num_generations,
                 prompts_per_step, max_steps, lr, max_completion_length, temperature, format_weight, config_yaml,
                 no_resume, dry_run, threads):
    """GRPO (TRL) with the family verifiers as rewards and a curriculum over graded difficulty."""
    from hardgen.distill import train_grpo

    s = train_grpo(data, student, out, curriculum=curriculum, arms=arms,
                   curriculum_options=_kv_options(curriculum_options, "--curriculum-option"), lora=lora,
                   num_generations=num_generations, prompts_per_step=prompts_per_step, max_steps=max_steps, lr=lr,
                   max_completion_length=max_completion_length, temperature=temperature,
                   format_weight=format_weight, config_yaml=config_yaml, resume=not no_resume, dry_run=dry_run,
                   threads=threads)
    if dry_run:
        return _print_config(ctx, s, "grpo")
    _emit(ctx, s, f"grpo done → {out}" + _scalars(s))


@main.command("eval")
@click.argument("data", type=click.Path())
@click.option("--solver", "-s", required=True)
@click.option("--compare", default=None, help="A second solver SPEC side by side (before/after).")
@click.option("-k", "k", type=int, default=1, show_default=True, help="Samples per problem (pass@1 and pass@k).")
@click.option("--split", type=click.Choice(["test", "train", "all"]), default="test", show_default=True)
@click.option("--max-problems", type=int, default=None)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--out", type=click.Path(), default=None, help="Write eval.json and eval.png here.")
@click.pass_context
def eval_cmd(ctx, data, solver, compare, k, split, max_problems, seed, out):
    """pass@1 / pass@k by family and difficulty bin on the test split; --compare for before/after."""
    from hardgen.distill import evaluate

    s = evaluate(data, solver, k=k, split=None if split == "all" else split, out=out, compare=compare, seed=seed,
                 max_problems=max_problems, quiet=True)
    from hardgen.distill.evaluate import format_table

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
    from hardgen.models.server import serve as run_server

    run_server(solver, host=host, port=port, model_name=model_name)


@main.group(cls=_Group)
def generator() -> None:
    """Problem generators written or trained by models: EFA programs, the trained LLM generator."""


@generator.command("train")
@click.argument("data", type=click.Path())
@click.option("--model", "-m", required=True, help="Starting model directory (e.g. `gen model tiny -o DIR`).")
@click.option("--method", type=click.Choice(["sft", "rft", "grpo"]), default="sft", show_default=True,
              help="sft: hard part only (ScaleDiff); rft: rounds of rejection fine-tuning (QueST); grpo: RL on "
                   "validity × hardness minus a near-duplicate penalty.")
@click.option("--rounds", type=int, default=3, show_default=True, help="RFT rounds.")
@click.option("--reference-solver", default="sat:walksat@2", show_default=True,
              help="Solver SPEC whose pass rate measures the hardness of what the generator writes.")
@click.option("-k", "k", type=int, default=8, show_default=True, help="Reference rollouts per generated problem.")
@click.option("--solver", default=None, help="Whose grades rank DATA's rows (default: mean over graded solvers).")
@click.option("--hard-fraction", type=float, default=0.5, show_default=True)
@click.option("--condition", type=click.Choice(["pass", "level"]), default="pass", show_default=True,
              help="pass: pair each problem with its measured pass-rate bin of the reference solver (ask for a bin "
                   "with `gen generate llm --target-pass`); level: every pair labelled 'hard'.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Training setting, e.g. epochs=8, lr=5e-4, samples_per_round=256, grpo_steps=24.")
@click.option("-o", "--out", required=True, type=click.Path())
@overwrite_opt
@click.pass_context
def generator_train(ctx, data, model, method, rounds, reference_solver, k, solver, hard_fraction, condition, params,
                    out, overwrite):
    """Train the LLM problem generator on a graded set; report validity, novelty and hardness per round and bin.
    A rerun with the same arguments resumes after the last finished round."""
    from hardgen.distill.gen_train import round_table, train_generator

    s = train_generator(data, model, out, method=method, rounds=rounds, reference_solver=reference_solver, k=k,
                        solver=solver, hard_fraction=hard_fraction, condition=condition, overwrite=overwrite,
                        **_kv_options(params, "--param"))
    rows, header, notes = round_table(s["rounds"])
    _emit(ctx, s, _table(rows, header) + "".join(f"\n{n}" for n in notes) + f"\n\ngenerator → {out}")


@generator.command("efa")
@click.option("--model", "-m", required=True, help="Solver SPEC of the model that writes programs.")
@click.option("--seed-problems", required=True, type=click.Path(exists=True), help="JSONL of {problem, answer}.")
@click.option("-k", "k", type=int, default=4, show_default=True, help="Programs asked per seed problem.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--out", required=True, type=click.Path())
@click.pass_context
def generator_efa(ctx, model, seed_problems, k, seed, out):
    """A model writes EFA programs for seed problems; the EFAGen checks accept or reject each."""
    from hardgen.generators.efa_author import author_efas

    s = author_efas(model, seed_problems, out, k=k, seed=seed)
    fails = ", ".join(f"{c} {n}" for c, n in sorted(s.get("failed_checks", {}).items(), key=lambda kv: -kv[1]))
    _emit(ctx, s, f"accepted {s['accepted']} of {s['attempts']} programs for {s['seeds']} seed problems → {out}"
                  + (f"\nfailed checks: {fails}" if fails else ""))


@main.command("run")
@click.argument("config", type=click.Path())
@click.pass_context
def run_cmd(ctx, config):
    """Run a whole pipeline from one YAML config; complete stages are skipped, partial ones resume."""
    from hardgen.pipeline import load_config, run_pipeline

    cfg = load_config(config)
    if ctx.find_root().obj.get("json"):
        res = run_pipeline(cfg, config_path=config)
    else:
        res = run_pipeline(cfg, on_stage=lambda s, m: click.echo(f"[{s}] {m}", err=True), config_path=config)
    lines = []
    for stage, r in res.items():
        if r == "skipped":
            lines.append(f"{stage:<9} skipped (already complete)")
        elif stage == "generate":
            lines.append(f"{stage:<9} {r['rows']} rows")
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
            lines.append(f"{stage:<9} " + ", ".join(f"{k} {v}" for k, v in r.items()))
        elif stage == "report":
            lines.append(f"{stage:<9} {len(r['plots'])} plots → {r['report']}")
        elif stage == "traces":
            lines.append(f"{stage:<9} {r.get('traces')} verified traces of {r.get('rollouts')} samples")
        elif stage in ("sft", "grpo"):
            lines.append(f"{stage:<9} model → {cfg['out']}/{stage}")
        elif stage == "eval":
            lines.append(f"{stage:<9} " + ", ".join(f"{sp} pass@1 {v['overall'].get('pass@1') or 0.0:.3f}"
                                                    for sp, v in r["solvers"].items()))
    _emit(ctx, res, "\n".join(lines) + f"\n\noutputs under {cfg['out']}")


@main.command()
@click.option("-o", "--out", default="data/quickstart", show_default=True, type=click.Path())
@click.option("-n", "n", type=int, default=60, show_default=True, help="Problems per family.")
@click.option("--seed", type=int, default=0, show_default=True)
@workers_opt
@click.pass_context
def quickstart(ctx, out, n, seed, workers):
    """Generate and verify a few hundred problems from several families; print a summary."""
    from hardgen.quickstart import run_quickstart

    s = run_quickstart(out, n=n, seed=seed, workers=workers)
    _emit(ctx, s, s["text"])


if __name__ == "__main__":
    main()
