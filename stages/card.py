"""Dataset cards: a Hugging Face `README.md` (YAML front matter + body) describing how a dataset was made.

    >>> write_card("data/hard", "data/export", command="gen run p.yaml", config="p.yaml")  # doctest: +SKIP

The front matter follows the HF datasets card format (`configs` with `data_files`, `dataset_info` with features
and split sizes, license, task categories, tags), so `huggingface_hub.DatasetCard.load(path)` parses it and
`card.push_to_hub(repo_id)` publishes it beside the exported files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hardgen.core.errors import HardgenError
from hardgen.core.records import FIELDS
from hardgen.stages.report import collect, stage_lineage

#: labels `gen select` gives from the selecting solver's pass rate p (see hardgen.difficulty.select)
LABEL_RULE = "unsolved p = 0; very_hard 0 < p ≤ 1/8; hard 1/8 < p ≤ 3/8; medium 3/8 < p ≤ 5/8; easy p > 5/8"
FIELD_MEANINGS = {
    "id": "content hash of (family, prompt, answer, check); the dedup key",
    "family": "problem family, e.g. `math.linear_system`, `sat.ksat`",
    "source": "JSON: `{generator, version, knobs, seed, run_seed, index}`, enough to regenerate the row",
    "prompt": "what a solver is shown, including how to format the answer",
    "answer": "canonical reference answer, or null when any valid solution counts",
    "check": "JSON: `{kind, params, ...}`, what the verifier needs to score a response",
    "validity": "JSON: `{status, checks, reason}` from the independent re-derivation (`gen verify`)",
    "difficulty": "JSON: knob level, solver effort, per-solver grades `{k, correct, pass_rate, ci, pass_at}`, "
                  "IRT `{b, a}`, label",
    "split": "`train` or `test`, from a hash of `id`",
}


def _size_category(n: int) -> str:
    for lim, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                      (10_000_000, "1M<n<10M")):
        if n < lim:
            return name
    return "10M<n<100M"


def _data_files(out_dir: Path, splits: list[str]) -> tuple[list[dict], str]:
    """`data_files` entries for the exported files found in `out_dir` (parquet, jsonl, or a saved DatasetDict);
    when none are there yet, the names `gen export --format parquet -o OUT_DIR` will write."""
    for ext in ("parquet", "jsonl"):
        if any((out_dir / f"{s}.{ext}").exists() for s in splits):
            return [{"split": s, "path": f"{s}.{ext}"} for s in splits], ext
    if (out_dir / "dataset_dict.json").exists():
        return [{"split": s, "path": f"{s}/*.arrow"} for s in splits], "arrow"
    return [{"split": s, "path": f"{s}.parquet"} for s in splits], "parquet"


def _verifier_lines(kinds: list[str]) -> list[str]:
    """One line per check kind: the checker's own summary of how a response is judged."""
    from hardgen.verifiers.base import get_scorer

    lines = []
    for kind in kinds:
        try:
            doc = (get_scorer(kind).__doc__ or "").strip()
        except HardgenError:
            doc = ""
        first = " ".join(doc.split("\n\n")[0].split()) if doc else "no checker registered in this hardgen version"
        lines.append(f"- `{kind}`: {first}")
    return lines


def _family_lines(families: list[str]) -> list[str]:
    """Per family, its description and how its answers are proved (the family's `verification` paragraph)."""
    from hardgen.generators.base import load_families

    known = load_families()
    lines = []
    for f in families:
        cls = known.get(f)
        if cls is None:
            lines.append(f"- `{f}`: (family not known to this hardgen version)")
            continue
        ver = " ".join((cls.verification or "").split()) or "no verification note"
        lines.append(f"- `{f}` (version {cls.version}): {ver}")
    return lines


def _config_text(config: Any) -> str | None:
    if config is None:
        return None
    if isinstance(config, dict):
        import yaml

        return yaml.safe_dump(config, sort_keys=False, allow_unicode=True).rstrip()
    p = Path(config)
    try:
        return p.read_text().rstrip()
    except OSError as e:
        raise HardgenError(f"cannot read config {p}: {e.strerror or e}") from None


def _commands_from_lineage(chain: list[dict]) -> list[str]:
    """The `gen` commands the manifests record (best effort: generate entries given as mappings come out as
    JSON in a comment, since the CLI takes one level per call)."""
    cmds = []
    for e in chain:
        p, st = e["params"], e["stage"]
        if st == "generate":
            fams = p.get("families", [])
            if all(isinstance(f, str) for f in fams):
                cmd = f"gen generate {' '.join(fams)} -n {p.get('n')} --seed {p.get('seed')}"
                if p.get("level"):
                    cmd += f" --level {p['level']}"
                cmd += "".join(f" --knob {k}={v}" for k, v in (p.get("knobs") or {}).items())
                cmds.append(cmd + f" -o {e['path']}")
            else:
                cmds.append(f"# generate (Python API / pipeline config): families = {json.dumps(fams)}, "
                            f"seed = {p.get('seed')}  -> {e['path']}")
        elif st == "verify":
            cmds.append(f"gen verify {p.get('src')} -o {e['path']}" + ("" if p.get("keep_invalid", True)
                                                                       else " --drop-invalid"))
        elif st == "grade":
            cmd = f"gen grade {p.get('src')}" + "".join(f" --solver {s}" for s in p.get("solvers", []))
            cmd += f" -k {p.get('k')} --seed {p.get('seed')}"
            if p.get("adaptive"):
                cmd += f" --adaptive --window {p['adaptive'].get('window')}"
            cmds.append(cmd + f" -o {e['path']}")
        elif st == "select":
            w = str(p.get("window", "")).replace(" ", "")
            cmd = f"gen select {p.get('src')} --solver {p.get('solver')} --window '{w}'"
            if p.get("dedup_threshold") is not None:
                cmd += f" --dedup {p['dedup_threshold']}"
            cmds.append(cmd + f" --seed {p.get('seed')} -o {e['path']}")
        elif st == "irt":
            cmds.append(f"gen irt {p.get('src')} --model {p.get('model')} -o {e['path']}")
        elif st != "file":
            cmds.append(f"# {st}: {json.dumps(p, sort_keys=True)}  -> {e['path']}")
    return cmds


def build_card_text(data: str | os.PathLike, out_dir: str | os.PathLike, command: str | None = None,
                    config: Any = None, license: str = "apache-2.0", pretty_name: str | None = None) -> str:
    """The README.md text for `data`; `write_card` writes it."""
    import yaml

    out_p = Path(out_dir)
    st = collect(data, dedup_sample=0)
    if not st.rows:
        raise HardgenError(f"{data} has no rows; a card describes a dataset with rows")
    chain = stage_lineage(data)
    splits = [s for s in ("train", "test") if any(r["split"] == s for r in st.rows)]
    splits += sorted({r["split"] for r in st.rows} - {"train", "test"})
    counts = {s: sum(r["split"] == s for r in st.rows) for s in splits}
    nbytes = {s: sum(r["nbytes"] for r in st.rows if r["split"] == s) for s in splits}
    files, file_fmt = _data_files(out_p, splits)
    families = st.families
    kinds = sorted({r["kind"] for r in st.rows if r["kind"]})
    groups = sorted({f.split(".")[0] for f in families})
    header = {
        "pretty_name": pretty_name or f"hardgen: {', '.join(families[:4])}{' …' if len(families) > 4 else ''}",
        "license": license,
        "language": ["en"],
        "task_categories": ["question-answering", "text-generation"],
        "tags": ["synthetic", "reasoning", "verifiable-rewards", "hardgen"] + groups,
        "size_categories": [_size_category(len(st.rows))],
        "configs": [{"config_name": "default", "data_files": files}],
        "dataset_info": {
            "config_name": "default",
            # every export column is a string: nested fields are JSON text, so all families share one schema
            "features": [{"name": k, "dtype": "string"} for k in FIELDS],
            "splits": [{"name": s, "num_bytes": nbytes[s], "num_examples": counts[s]} for s in splits],
            "dataset_size": sum(nbytes.values()),
        },
    }
    yaml_text = yaml.safe_dump(header, sort_keys=False, allow_unicode=True)
    name = header["pretty_name"]
    b: list[str] = [f"# {name}", ""]
    all_valid = all(r["validity"] == "valid" for r in st.rows)
    n_valid = sum(r["validity"] == "valid" for r in st.rows)
    graded = bool(st.solvers) or any(e["stage"] == "grade" for e in chain)
    # the opening line claims only what the rows show: proof when every row is valid, grading when graded
    made = ["generated by programs"]
    made.append("answers proved by an independent route" if all_valid else
                f"{n_valid} of {len(st.rows)} answers proved by an independent route" if n_valid else
                "answers not verified")
    made.append("difficulty measured by solver rollouts" if graded else "difficulty not measured")
    b += [f"{len(st.rows)} {'verified ' if all_valid else ''}reasoning problems from {len(families)} famil"
          f"{'y' if len(families) == 1 else 'ies'}, made with hardgen: " + ", ".join(made) + ".", ""]

    # ---- counts
    b += ["## Counts", "", "| family | " + " | ".join(splits) + " | total |",
          "|---|" + "---|" * (len(splits) + 1)]
    for f in families:
        fr = [r for r in st.rows if r["family"] == f]
        b.append(f"| `{f}` | " + " | ".join(str(sum(r["split"] == s for r in fr)) for s in splits)
                 + f" | {len(fr)} |")
    b.append("| **total** | " + " | ".join(str(counts[s]) for s in splits) + f" | {len(st.rows)} |")
    labels: dict[str, int] = {}
    for r in st.rows:
        if r["label"]:
            labels[r["label"]] = labels.get(r["label"], 0) + 1
    if labels:
        from hardgen.stages.report import LABEL_ORDER

        order = sorted(labels, key=lambda k: LABEL_ORDER.index(k) if k in LABEL_ORDER else len(LABEL_ORDER))
        b += ["", "Difficulty labels: " + ", ".join(f"{k} {labels[k]}" for k in order) + "."]
    statuses: dict[str, int] = {}
    for r in st.rows:
        statuses[r["validity"] or "not verified"] = statuses.get(r["validity"] or "not verified", 0) + 1
    b += ["", "Validity: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + ".", ""]

    # ---- how it was made
    b += ["## How it was made", ""]
    b += ["| family | levels | knobs | run seeds |", "|---|---|---|---|"]
    for f in families:
        fr = [r for r in st.rows if r["family"] == f]
        lv: dict[str, int] = {}
        for r in fr:
            lv[r["level"]] = lv.get(r["level"], 0) + 1
        knob_sets = sorted({json.dumps(r["knobs"], sort_keys=True) for r in fr})
        kn = "; ".join(f"`{k}`" for k in knob_sets[:4]) + (f" (+{len(knob_sets) - 4} more)" if len(knob_sets) > 4
                                                         else "")
        seeds = sorted({str(r["run_seed"]) for r in fr if r["run_seed"] is not None})
        b.append(f"| `{f}` | {', '.join(f'{k} {v}' for k, v in lv.items())} | {kn.replace('|', '/')} | "
                 f"{', '.join(seeds) or '-'} |")
    b += ["", "Per-item seeds hash (family, version, knobs, run seed, index), so the same command reproduces "
          "every row byte for byte; `source` on each row holds its knobs and seed.", ""]
    if chain:
        b += ["Stages (oldest first):", ""]
        for i, e in enumerate(chain, 1):
            rows = "" if e["rows"] is None else f", {e['rows']} rows"
            b.append(f"{i}. `{e['stage']}`{rows}: `{json.dumps(e['params'], sort_keys=True)}`")
        b.append("")

    # ---- command and config
    b += ["## Command", ""]
    cmds = [command] if command else _commands_from_lineage(chain)
    if cmds:
        b += ["```bash", *cmds, "```", ""]
    else:
        b += ["Not recorded (the data is a plain record file).", ""]
    cfg = _config_text(config)
    if cfg:
        b += ["Config:", "", "```yaml", cfg, "```", ""]

    # ---- verification
    rule = ("a row is `valid` only when every check passes and its own checker accepts the reference answer")
    if all_valid:
        proved = (f"Every answer was re-derived offline by a route independent of the generator (`gen verify`); "
                  f"{rule}.")
    elif n_valid:
        proved = (f"{n_valid} of {len(st.rows)} rows are `valid`: their answers were re-derived offline by a route "
                  f"independent of the generator (`gen verify`), where {rule}. The other rows are not proved "
                  "(see Validity above); run `gen verify` and keep only `valid` rows before training on them.")
    else:
        proved = ("No row of this set has been verified: its answers come from the generating programs alone. "
                  f"`gen verify` re-derives each answer by an independent route, where {rule}.")
    b += ["## Verification", "", proved + " Responses are scored strictly: correct, wrong, or undecided — no "
          "partial credit.", "", "Checkers, per `check.kind`:", ""]
    b += _verifier_lines(kinds)
    b += ["", "How each family's answers are proved:", ""]
    b += _family_lines(families)
    b.append("")

    # ---- difficulty
    b += ["## Difficulty", ""]
    grade = next((e for e in reversed(chain) if e["stage"] == "grade"), None)
    select = next((e for e in reversed(chain) if e["stage"] == "select"), None)
    irt = next((e for e in reversed(chain) if e["stage"] == "irt"), None)
    if grade:
        gp = grade["params"]
        ada = gp.get("adaptive")
        b.append(f"- Graded by {', '.join(f'`{s}`' for s in gp.get('solvers', []))} with k = {gp.get('k')} "
                 f"rollouts per problem{' (adaptive: ' + json.dumps(ada) + ')' if ada else ''}; pass rate = "
                 f"correct / k, with a 95% {gp.get('interval', 'wilson')} interval (`difficulty.grades[solver].ci`).")
    elif st.solvers:
        b.append(f"- Graded by {', '.join(f'`{s}`' for s in st.solvers)}; pass rate = correct / k with a 95% "
                 "interval (`difficulty.grades[solver]`).")
    else:
        b.append("- Not graded: rows carry their knob level (`difficulty.level`) and generator-side features only.")
    if select:
        sp = select["params"]
        line = f"- Selected: `{sp.get('solver')}`'s pass rate in the window {sp.get('window')} (hard but solvable)"
        if sp.get("require_solvable"):
            line += "; solvable rows only (proven answer or solved by another solver)"
        if sp.get("dedup_threshold"):
            line += f"; near-duplicates removed at Jaccard ≥ {sp['dedup_threshold']}"
        b.append(line + ".")
        b.append(f"- Labels (`difficulty.label`): {LABEL_RULE}.")
    if irt:
        theta = irt["summary"].get("theta", {})
        b.append(f"- IRT ({irt['params'].get('model')}): `difficulty.irt = {{b, a}}` per item, "
                 "P(solve) = σ(a(θ − b)); solver abilities θ: "
                 + ", ".join(f"`{s}` {t:+.2f}" for s, t in theta.items()) + ".")
    for s in st.solvers:
        cells = [r["grades"][s] for r in st.rows if s in r["grades"]]
        c, n = sum(x[0] for x in cells), sum(x[1] for x in cells)
        if n:
            b.append(f"- `{s}`: pooled pass rate {c / n:.3f} over {len(cells)} problems ({n} rollouts).")
    b.append("")

    # ---- use
    b += ["## Fields", "", "Every column is a string; `source`, `check`, `validity` and `difficulty` hold JSON "
          "text (`json.loads` them), so rows of all families share one schema.", "",
          "| field | meaning |", "|---|---|"]
    b += [f"| `{k}` | {FIELD_MEANINGS.get(k, '')} |" for k in FIELDS]
    b += ["", "## Use", "", "```python", "import json", "from datasets import load_dataset",
          "", 'ds = load_dataset("USER/DATASET")  # or load_dataset("' + file_fmt + '", data_files=...)',
          'row = ds["' + splits[0] + '"][0]', 'check = json.loads(row["check"])', "",
          "# strict reward for RL (TRL GRPOTrainer(reward_funcs=reward)): the check and answer columns arrive "
          "as keyword arguments", "from hardgen.verifiers import score_check",
          'score_check("... so the answer is \\\\boxed{42}", check, row["answer"])  # Verdict(correct, reason)',
          "```", ""]
    return f"---\n{yaml_text}---\n\n" + "\n".join(b)


def write_card(data: str | os.PathLike, out_dir: str | os.PathLike, command: str | None = None, config: Any = None,
               license: str = "apache-2.0", pretty_name: str | None = None) -> Path:
    """Write `out_dir/README.md`, the HF dataset card for `data` (any stage's output or a record file).

    `out_dir` is usually the `gen export` folder: the card's `configs.data_files` point at the `{split}.parquet`,
    `{split}.jsonl` or saved `DatasetDict` files it finds there (Parquet names when there are none yet).
    `command` is the command that made the data (reconstructed from the manifests when None); `config` a
    pipeline config (path or dict) shown verbatim. Returns the card's path.

    >>> from huggingface_hub import DatasetCard  # doctest: +SKIP
    >>> DatasetCard.load(write_card("data/hard", "data/export")).push_to_hub("me/hard-set")  # doctest: +SKIP
    """
    text = build_card_text(data, out_dir, command, config, license, pretty_name)
    out_p = Path(out_dir)
    try:
        out_p.mkdir(parents=True, exist_ok=True)
        path = out_p / "README.md"
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise HardgenError(f"cannot write the dataset card to {out_dir}: {e.strerror or e}") from None
    return path


__all__ = ["write_card", "build_card_text"]
