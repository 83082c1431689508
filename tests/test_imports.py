"""Bring your own problems: a saved HF dataset with planted faults goes import → verify --teacher → grade → select
→ export, and every count in the summaries matches what was planted. Teacher and solver are scripted models
behind the OpenAI-compatible server, answering from a table of true answers (so a wrong reference is caught by
disagreement, not by reading the reference)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardgen.core.errors import HardgenError
from hardgen.models.base import Rollout
from hardgen.models.generation import SamplingParams

# (problem, answer cell, solution cell, true answer, solver's correct rollouts of 4, what is planted)
ROWS = [
    ("Compute $\\dbinom{8}{3}$.", None, "We have $\\frac{8\\cdot7\\cdot6}{6} = \\boxed{56}$.", "56", 4, "good"),
    ("What is the remainder when $2^{10}$ is divided by 7?", "$2$", None, "2", 1, "good"),
    ("Simplify $\\sqrt{50}$.", "5\\sqrt{2}", None, "5\\sqrt{2}", 2, "good"),
    ("Find the sum of the roots of $x^2 - 5x + 6 = 0$, counting each root once, and give the sum as a whole "
     "number without any units or explanation.", None, "By Vieta the sum is $\\boxed{5}$.", "5", 0, "good"),
    ("If $3x + 7 = 22$, what is $x$?", "5", "", "5", 4, "good"),
    ("What is the least common multiple of 12 and 18?", None, "Prime powers give 36. The answer is 36.", "36", 2,
     "good"),
    ("Evaluate $\\frac{1}{2} + \\frac{1}{3}$.", "$\\frac{5}{6}$", None, "\\frac{5}{6}", 1, "good"),
    ("How many positive divisors does 36 have?", None, "$36 = 2^2 3^2$, so $3 \\cdot 3 = \\boxed{9}$.", "9", 3,
     "good"),
    ("What is $7 \\times 8$?", "54", None, "56", 1, "wrong"),                       # the solver echoes 54 once
    ("What is the greatest common divisor of 48 and 36?", None, "So it is \\boxed{6}.", "12", 2, "wrong"),
    ("In how many ways can 4 people sit around a round table?", "6", None, "6", 1, "split"),
    ("Find the area of a circle with radius 3.", None, "Use the formula for the area of a circle.", "9\\pi", 2,
     "unreadable"),
    ("Solve $x^2 = 49$ for positive $x$.", "\\frac{7}{", None, "7", 2, "unreadable"),
    # planted hygiene faults
    ("What is the remainder when  $2^{10}$ is divided by 7?", "2", None, "2", 1, "duplicate"),
    ("Find the sum of the roots of $x^2 - 5x + 6 = 0$, counting each root once, and give the sum as a whole "
     "number without any units or explanation!", "5", None, "5", 0, "near_duplicate"),
    ("Problem 3. A bag has 5 red and 3 blue marbles; two are drawn without replacement. What is the probability "
     "that both are red?", "\\frac{5}{14}", None, "\\frac{5}{14}", 2, "contaminated"),
]
BENCHMARK = [
    {"problem": "A bag has 5 red and 3 blue marbles; two are drawn without replacement. What is the probability "
                "that both are red?", "answer": "\\frac{5}{14}"},
    {"problem": "What is the largest prime factor of 91?", "answer": "13"},
]


class ScriptedModel:
    """A text generator answering each problem from the table: the teacher always right (split on one row),
    the solver right on its planned number of samples."""

    def __init__(self, role: str):
        self.role = role
        self.spec = f"scripted:{role}"
        self.params = SamplingParams()

    def _row(self, prompt) -> tuple:
        text = prompt if isinstance(prompt, str) else " ".join(m["content"] for m in prompt)
        # the longest matching problem wins (a near-duplicate's text contains its original's)
        hits = [r for r in ROWS if r[0] in text]
        assert hits, f"unknown prompt {text[:80]!r}"
        return max(hits, key=lambda r: len(r[0]))

    def generate_texts(self, prompts, n, params, on_result=None):
        out = []
        for i, p in enumerate(prompts):
            problem, answer, _, truth, correct, planted = self._row(p)
            texts = []
            for j in range(n):
                if self.role == "teacher":
                    ans = truth if planted != "split" or j % 2 == 0 else "24"
                elif planted == "wrong" and answer is not None:
                    ans = answer if j < correct else truth   # agrees with the faulty key on `correct` samples
                else:
                    ans = truth if j < correct else "0"
                texts.append(f"Working it out carefully, the answer is \\boxed{{{ans}}}.")
            rolls = [Rollout(t, tokens=len(t.split())) for t in texts]
            if on_result is not None:
                on_result(i, rolls)
            out.append(rolls)
        return out

    def close(self):
        pass


@pytest.fixture(scope="module")
def servers():
    from hardgen.models.server import BackgroundServer

    with BackgroundServer(ScriptedModel("teacher"), model_name="teacher") as t, \
            BackgroundServer(ScriptedModel("solver"), model_name="solver") as s:
        opts = "max_retries=2&backoff=0.01&max_backoff=0.05&timeout=20"
        yield f"openai:{t.url}#teacher?{opts}", f"openai:{s.url}#solver?{opts}"


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """The problem set as a DatasetDict saved with `save_to_disk` (train: the planted rows), and a benchmark."""
    import datasets

    d = tmp_path_factory.mktemp("byop")
    rows = [{"problem": p, "answer": a, "solution": s, "unique_id": f"row/{i}"} for i, (p, a, s, *_) in
            enumerate(ROWS)]
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_list(rows),
                               "test": datasets.Dataset.from_list(rows[:2])})
    dd.save_to_disk(str(d / "mathset"))
    (d / "bench.jsonl").write_text("".join(json.dumps(b) + "\n" for b in BENCHMARK))
    return d


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for p in sorted((path / "shards").glob("*.jsonl")) for x in p.read_text().splitlines()]


def _planted(kind: str) -> set[str]:
    return {r[0] for r in ROWS if r[5] == kind}


def test_saved_dataset_through_import_verify_grade_select_export(cli, saved, servers, tmp_path):
    teacher, solver = servers
    out = tmp_path
    s = json.loads(cli("--json", "import", saved / "mathset", "--split", "train", "--decontaminate",
                       saved / "bench.jsonl", "-o", out / "imp").output)
    assert s["family"] == "external.mathset" and s["split"] == "train"
    assert s["columns"] == {"prompt": "problem", "answer": "answer", "solution": "solution", "id": "unique_id"}
    assert s["input"] == 16 and s["rows"] == 13
    assert s["dropped"] == {"empty_prompt": 0, "duplicate": 1, "near_duplicate": 1, "contaminated": 1}
    assert s["references"] == {"answer": 6, "solution": 5, "unreadable": 2}
    assert s["decontamination"] == {"files": [str(saved / "bench.jsonl")], "benchmark_problems": 2, "ngram": 8,
                                    "threshold": 0.5}
    assert s["contaminated_examples"][0]["problem"].startswith("Problem 3.")
    rows = {r["source"]["problem"]: r for r in _rows(out / "imp")}
    assert set(rows) == {r[0] for r in ROWS if r[5] in ("good", "wrong", "split", "unreadable")}
    r2 = rows[ROWS[1][0]]
    assert r2["answer"] == "2" and r2["source"]["reference_text"] == "$2$"      # `$2$` -> canonical `2`
    assert r2["prompt"].endswith("Put your final answer within \\boxed{}.") and r2["source"]["source_id"] == "row/1"
    assert rows[ROWS[5][0]]["answer"] == "36"                                   # a solution's marked final answer
    for p in _planted("unreadable"):
        assert rows[p]["answer"] is None and rows[p]["validity"]["status"] == "unknown"
        assert rows[p]["validity"]["reason"].startswith("unreadable reference")

    v = json.loads(cli("--json", "verify", out / "imp", "--teacher", teacher, "--teacher-k", 4,
                       "-o", out / "ver").output)
    assert v["counts"] == {"valid": 8, "invalid": 2, "unknown": 3}
    assert v["teacher"]["rows_voted"] == 11
    vrows = {r["source"]["problem"]: r for r in _rows(out / "ver")}
    for p in _planted("wrong"):
        assert vrows[p]["validity"]["status"] == "invalid"
        assert vrows[p]["validity"]["teacher"]["agreement"] == 0.0
    split = vrows[next(iter(_planted("split")))]["validity"]
    assert split["status"] == "unknown" and split["teacher"]["agreement"] == 0.5
    assert all(vrows[p]["validity"]["teacher"]["agreement"] == 1.0 for p in _planted("good"))

    g = json.loads(cli("--json", "grade", out / "ver", "--solver", solver, "-k", 4, "-o", out / "graded").output)
    assert g["solvers"][solver]["problems"] == 11                                # unreadable rows are not graded
    grows = {r["source"]["problem"]: r for r in _rows(out / "graded")}
    rates = {p: grows[p]["difficulty"]["grades"][solver]["pass_rate"] for p in grows if p not in _planted("unreadable")}
    for problem, _, _, _, correct, planted in ROWS:
        if planted in ("good", "split"):
            assert rates[problem] == correct / 4
    assert rates[ROWS[8][0]] == 0.25 and rates[ROWS[9][0]] == 0.0              # scored against the (bad) key

    sel = json.loads(cli("--json", "select", out / "graded", "--solver", solver, "--window", "0,0.5",
                         "-o", out / "hard").output)
    # kept: good rows with pass rate in (0, 0.5]; the faulty-key and undecided rows are not reference-consistent
    assert sel["kept"] == 4
    assert sel["dropped"]["not_graded"] == 2 and sel["dropped"]["not_solvable"] == 2
    assert sel["dropped"]["outside_window"] == 5
    kept = {r["source"]["problem"] for r in _rows(out / "hard")}
    assert kept == {ROWS[i][0] for i in (1, 2, 5, 6)}

    e = json.loads(cli("--json", "export", out / "hard", "--format", "jsonl", "-o", out / "export").output)
    assert e["train"] + e["test"] == 4
    exported = [json.loads(x) for f in ("train.jsonl", "test.jsonl") if (out / "export" / f).exists()
                for x in (out / "export" / f).read_text().splitlines()]
    assert {r["answer"] for r in exported} == {"2", "5\\sqrt{2}", "36", "\\frac{5}{6}"}

    # adaptive grading works on the same rows and keeps its window call
    a = json.loads(cli("--json", "grade", out / "ver", "--solver", solver, "-k", 4, "--adaptive", "--max-k", 4,
                       "-o", out / "adaptive").output)
    assert a["solvers"][solver]["problems"] == 11
    assert all("adaptive" in r["difficulty"]["grades"][solver] for r in _rows(out / "adaptive") if r["answer"])


def test_default_split_family_and_resume(cli, saved, tmp_path):
    from hardgen.stages.imports import import_problems

    first = import_problems(str(saved / "mathset"), str(tmp_path / "a"), family="external.mine", shard_rows=5)
    assert first["split"] == "train" and first["family"] == "external.mine" and first["rows"] == 14
    again = import_problems(str(saved / "mathset"), str(tmp_path / "a"), family="external.mine", shard_rows=5)
    assert {k: again[k] for k in ("rows", "input", "dropped", "references")} == \
        {k: first[k] for k in ("rows", "input", "dropped", "references")}
    # a shard lost after a crash is redone, and the duplicate index still knows the rows of the kept ones
    man = json.loads((tmp_path / "a" / "manifest.json").read_text())
    del man["shards"]["part-00002"]
    man["complete"] = False
    (tmp_path / "a" / "manifest.json").write_text(json.dumps(man))
    (tmp_path / "a" / "shards" / "part-00002.jsonl").unlink()
    redo = import_problems(str(saved / "mathset"), str(tmp_path / "a"), family="external.mine", shard_rows=5)
    assert redo["rows"] == first["rows"] and redo["dropped"] == first["dropped"]
    assert len(_rows(tmp_path / "a")) == first["rows"]


def test_files_csv_parquet_jsonl_and_named_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hardgen.stages.imports import import_problems

    rows = [{"Q": "What is 2+3?", "gold": "5", "k": 1}, {"Q": "What is 4+4? Give the final answer.", "gold": "8",
                                                          "k": 2}]
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "s.parquet")
    (tmp_path / "s.csv").write_text("Q,gold,k\n\"What is 2+3?\",5,1\n\"What is 4+4? Give the final answer.\",8,2\n")
    outs = []
    for f in ("s.jsonl", "s.parquet", "s.csv"):
        s = import_problems(str(tmp_path / f), str(tmp_path / f"o-{f}"), prompt_col="Q", id_col="k")
        assert s["family"] == "external.s" and s["columns"]["answer"] == "gold" and s["rows"] == 2
        outs.append([(r["id"], r["answer"], r["prompt"]) for r in _rows(tmp_path / f"o-{f}")])
    assert outs[0] == outs[1] == outs[2]               # one problem set, one record set, whatever the file type
    assert outs[0][1][2] == "What is 4+4? Give the final answer."  # has its own instruction: left alone
    off = import_problems(str(tmp_path / "s.jsonl"), str(tmp_path / "off"), prompt_col="Q", instruction=None)
    assert off["instruction"] is None and _rows(tmp_path / "off")[0]["prompt"] == "What is 2+3?"


def test_user_mistakes_are_one_line_errors(cli, saved, tmp_path):
    (tmp_path / "x.jsonl").write_text(json.dumps({"question": "What is 1+1?", "notes": "x"}) + "\n")
    cases = [
        (("import", tmp_path / "x.jsonl", "-o", tmp_path / "o"), "no answer or solution column"),
        (("import", tmp_path / "x.jsonl", "--answer-col", "ans", "-o", tmp_path / "o"), "--answer-col 'ans' is not"),
        (("import", tmp_path / "x.jsonl", "--answer-col", "notes", "--family", "mine", "-o", tmp_path / "o"),
         "external.NAME"),
        (("import", saved / "mathset", "--split", "dev", "-o", tmp_path / "o"), "no split 'dev'"),
        (("import", tmp_path / "missing.jsonl", "-o", tmp_path / "o"), "no such file"),
        (("import", "nobody/no-such-dataset-hardgen", "-o", tmp_path / "o"), "cannot load hub dataset"),
        (("calibrate", "external.mathset", "--solver", "sim:1,1", "--target", "0.3"), "does not apply"),
    ]
    for args, msg in cases:
        res = cli(*args, expect=2)
        assert msg in res.output and "Traceback" not in res.output, (args, res.output)
        assert len([ln for ln in res.output.splitlines() if ln.startswith("error:")]) == 1


def test_read_reference_and_teacher_consistency():
    from hardgen.stages.imports import read_reference
    from hardgen.verifiers.consistency import teacher_consistency

    assert read_reference("$2$", "answer") == ("2", "")
    assert read_reference(42, "answer") == ("42", "")
    assert read_reference("\\boxed{\\frac{1}{2}}", "answer") == ("\\frac{1}{2}", "")
    assert read_reference("so \\boxed{3} and \\boxed{3}", "solution") == ("3", "")
    assert read_reference("The final answer is $x = 4$.", "solution")[0] == "x = 4"
    assert read_reference("\\boxed{3} or \\boxed{4}", "solution")[1] == "2 different final answers in the solution"
    assert read_reference("no answer here", "solution") == (None, "no final answer in the solution")
    assert read_reference(float("nan"), "answer") == (None, "empty answer")
    assert "cannot read" in read_reference("\\frac{1}{", "answer")[1]
    gsm = "She sold 48/2 = <<48/2=24>>24 clips in May.\nSo 48+24 = <<48+24=72>>72 clips.\n#### 1,072"
    assert read_reference(gsm, "answer") == ("1072", "")                 # GSM8K's `#### N` in the answer cell
    assert read_reference("We add them.\nWe keep adding.", "answer") == (None, "no final answer in the answer")

    box = lambda *xs: [f"\\boxed{{{x}}}" for x in xs]  # noqa: E731
    c = teacher_consistency(box("1/2", "0.5", "\\frac{1}{2}", "3"), "\\frac12", 0.75)
    assert (c.status, c.votes, c.voters, c.agreement) == ("valid", 3, 4, 0.75)
    c = teacher_consistency(box("7", "7", "7", "2"), "2", 0.75)
    assert c.status == "invalid" and c.majority == "7" and c.agreement == 0.25
    assert teacher_consistency(box("7", "7", "2", "2"), "2", 0.75).status == "unknown"
    assert teacher_consistency(box("7", "7", "7") + ["no box"], "2", 0.75).status == "invalid"
    assert teacher_consistency(box("7", "7") + ["no box", "none"], "2", 0.75).status == "unknown"
    # without a reference (the free-form generator route) the majority is the answer
    c = teacher_consistency(box("5", "5", "5", "6"), None, 0.75)
    assert (c.status, c.answer) == ("valid", "5")
    assert teacher_consistency(box("5", "6"), None, 0.5).status == "invalid"  # a tie has no answer
    with pytest.raises(HardgenError):
        teacher_consistency([], "1", 0)


def test_pipeline_import_stage(cli, saved, tmp_path):
    cfg = tmp_path / "p.yaml"
    cfg.write_text(f"""out: {tmp_path / 'run'}
import: {{source: {saved / 'mathset'}, decontaminate: {saved / 'bench.jsonl'}}}
verify: {{teacher: "ref:", teacher_k: 2}}
grade: {{solvers: ["sim:1,1"], k: 4}}
select: {{solver: "sim:1,1", window: "0,1"}}
export: {{format: jsonl, card: false}}
""")
    res = json.loads(cli("--json", "run", cfg).output)
    assert res["import"]["rows"] == 13 and res["import"]["dropped"]["contaminated"] == 1
    assert res["verify"]["counts"] == {"valid": 11, "invalid": 0, "unknown": 2}  # ref: backs every reference
    assert res["grade"]["solvers"]["sim:1,1"]["problems"] == 11
    assert res["export"]["train"] + res["export"]["test"] == res["select"]["kept"] > 0
    again = json.loads(cli("--json", "run", cfg).output)
    assert again["import"] == "skipped"
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"out: {tmp_path / 'r2'}\nimport: {{source: x.jsonl}}\ngenerate: {{families: [math.modular]}}\n")
    assert "both 'import' and 'generate'" in cli("run", bad, expect=2).output


def test_downstream_stages_take_imported_rows(saved, tmp_path):
    """irt, traces, eval, report and the GRPO export run on imported rows as they are (CPU stand-in models)."""
    from hardgen.stages.grade import grade_dataset
    from hardgen.stages.irt import irt_dataset
    from hardgen.distill import evaluate
    from hardgen.stages.traces import make_traces
    from hardgen.stages.imports import import_problems
    from hardgen.stages.verify import verify_dataset
    from hardgen.stages.report import make_report
    from hardgen.stages.export import export_dataset

    d = tmp_path
    import_problems(str(saved / "mathset"), str(d / "imp"))
    verify_dataset(str(d / "imp"), str(d / "ver"), teacher="ref:", teacher_k=2)
    grade_dataset(str(d / "ver"), str(d / "g"), ["sim:1,1", "sim:3,1"], k=4)
    irt = irt_dataset(str(d / "g"), str(d / "irt"))
    assert set(irt["theta"]) == {"sim:1,1", "sim:3,1"}
    assert irt["items"] == 12 and irt["ungraded"] == 2     # rows with an unreadable key get no b
    assert sum(1 for r in _rows(d / "irt") if "irt" in r["difficulty"]) == 12
    tr = make_traces(str(d / "ver"), "ref:", str(d / "tr"), k=1, include_test=True)
    assert tr["traces"] == 12 and tr["problems"] == 12           # every row with a readable reference...
    assert tr["skipped_no_reference"] == 2 and tr["undecided"] == 0  # ...and none of the two without one
    ev = evaluate(str(d / "ver"), "sim:1,1", split=None, quiet=True)
    assert ev["problems"] == 12 and ev["skipped_no_reference"] == 2
    rep = make_report(str(d / "irt"), str(d / "rep"))
    assert (d / "rep" / "report.md").exists() and "external.mathset" in (d / "rep" / "report.md").read_text()
    assert rep["plots"]
    counts = export_dataset(str(d / "g"), str(d / "grpo"), "trl-grpo")
    assert sum(counts.values()) == 14


def test_templated_set_keeps_its_problems_and_still_drops_a_near_copy(tmp_path):
    """A template's shared wording is left out of the near-duplicate check (as `gen select` does), so problems
    differing in their numbers are kept, while a copy of one problem with a changed mark is still dropped."""
    from hardgen.stages.imports import import_problems

    t = ("A shop sells {a} apples on Monday and {b} apples on Tuesday, packed in boxes of {c} apples each. "
         "How many apples did it sell on the two days together?")
    rows = [{"question": t.format(a=11 * i + 3, b=7 * i + 5, c=i % 9 + 2), "answer": str(18 * i + 8)}
            for i in range(40)]
    rows.append({"question": rows[5]["question"].replace("?", " ?!"), "answer": rows[5]["answer"]})
    (tmp_path / "shop.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    s = import_problems(str(tmp_path / "shop.jsonl"), str(tmp_path / "o"))
    assert s["boilerplate_shingles"] > 0
    assert s["rows"] == 40 and s["dropped"]["near_duplicate"] == 1
