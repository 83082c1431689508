"""EFA programs: the EFAGen checks accept good programs, reject bad ones with the failed check, and an accepted
program generates varied rows that `verify` proves (library and CLI)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from hardgen.core.errors import HardgenError
from hardgen.generators.efa import check_efa, extract_program, family_for_record, load_efa_family
from hardgen.stages.generate import generate_dataset
from hardgen.core.store import open_dataset
from hardgen.stages.verify import verify_record

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "efa"

GOOD = '''
FAMILY_NAME = "sum_two"
SEED_PARAMS = {"a": 2, "b": 3}
SEED_PROBLEM = "What is 2 + 3? Answer in \\\\boxed{}."
SEED_ANSWER = "5"
CHECK = {"timeout_s": 2}

def sample(rng):
    return {"a": rng.randint(1, 999), "b": rng.randint(1, 999)}

def render(p):
    return f"What is {p['a']} + {p['b']}? Answer in \\\\boxed{{}}."

def solve(p):
    return p["a"] + p["b"]
'''


def variant(**replace: str) -> str:
    src = GOOD
    for old, new in replace.items():
        assert old in src or old == "APPEND"
        src = src + new if old == "APPEND" else src.replace(old, new)
    return src


@pytest.mark.parametrize("name", ["quadratic", "counting", "modular_inverse"])
def test_examples_pass_every_check(name):
    r = check_efa(EXAMPLES / f"{name}.py")
    assert r.accepted, r.reasons
    # every example offers a second route, so the independent check ran and passed
    assert list(r.checks) == ["extractable", "syntax", "executes", "interface", "varied", "solves_samples",
                              "deterministic", "seed_problem", "seed_answer", "independent"]


BAD = {
    "constant sampler": (variant(**{'return {"a": rng.randint(1, 999), "b": rng.randint(1, 999)}':
                                    'return {"a": 2, "b": 3}'}), "varied", "distinct params"),
    "nondeterministic solve": (variant(**{'return p["a"] + p["b"]':
                                          'import random\n    return p["a"] + p["b"] + random.randint(0, 10**9)'}),
                               "deterministic", "different answer"),
    "hash-order solve": (variant(**{'return p["a"] + p["b"]':
                                    'return ", ".join(sorted({str(p["a"]), "x", "y", "z", "w"}, key=hash))'}),
                         "deterministic", "second run"),
    "seed problem mismatch": (variant(**{'"What is 2 + 3?': '"What is 3 + 2?'}), "seed_problem", "seed problem"),
    "seed answer mismatch": (variant(**{'SEED_ANSWER = "5"': 'SEED_ANSWER = "6"'}), "seed_answer", "'5'"),
    "syntax error": (variant(**{"def solve(p):": "def solve(p)"}), "syntax", "SyntaxError"),
    "crash in module body": (variant(APPEND="\nraise RuntimeError('boom at import')\n"), "executes", "boom"),
    "crash in solve": (variant(**{'return p["a"] + p["b"]': 'return p["a"] // (p["b"] - p["b"])'}),
                       "solves_samples", "ZeroDivisionError"),
    "timeout in solve": (variant(**{'return p["a"] + p["b"]': 'while True:\n        pass'}),
                         "solves_samples", "timeout"),
    "missing render": (variant(**{"def render(p):": "def draw(p):"}), "interface", "render"),
    "wrong solve_alt": (variant(APPEND="\ndef solve_alt(p):\n    return p['a'] * p['b']\n"), "independent",
                        "solve_alt"),
    "no program": ("I could not write this one, sorry.", "extractable", "no program"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_programs_rejected_with_the_failed_check(case):
    src, failed, why = BAD[case]
    r = check_efa(src)
    assert not r.accepted
    assert r.failed == [failed], r.checks
    assert any(why in reason for reason in r.reasons), r.reasons
    assert all(v for k, v in r.checks.items() if k != failed)  # the checks before it passed


def test_good_program_accepted_from_a_markdown_response():
    response = f"Here is the program.\n\n```python\n{GOOD}\n```\n\nIt samples two numbers."
    assert extract_program(response).strip() == GOOD.strip()
    r = check_efa(response, seed_problem="What is 2 + 3?  Answer in \\boxed{}.", seed_answer="5.0")
    assert r.accepted, r.reasons
    assert "independent" not in r.checks  # no second route offered, so none claimed
    # the caller's seed overrides the program's own: a program cannot pass by declaring a seed of its own
    r2 = check_efa(response, seed_problem="What is 7 + 1? Answer in \\boxed{}.")
    assert r2.failed == ["seed_problem"]


def test_load_refuses_a_rejected_program(tmp_path):
    f = tmp_path / "bad.py"
    f.write_text(BAD["constant sampler"][0])
    with pytest.raises(HardgenError, match="varied"):
        load_efa_family(f)


def test_family_generates_varied_rows_that_verify(tmp_path):
    fam = load_efa_family(EXAMPLES / "counting.py")
    assert fam.name == "efa.blocked_lattice_paths"
    s = generate_dataset([fam.name], n=30, out=str(tmp_path / "a"), seed=3, workers=1)
    rows = list(open_dataset(s["path"]))
    assert len(rows) == 30 and len({r["prompt"] for r in rows}) == 30
    again = list(open_dataset(generate_dataset([fam.name], n=30, out=str(tmp_path / "b"), seed=3,
                                               workers=1)["path"]))
    assert [r["id"] for r in rows] == [r["id"] for r in again]  # same seed, same rows
    r0 = rows[0]
    assert r0["check"]["kind"] == "math" and r0["check"]["efa"]["sha256"] == fam.program_sha256
    assert r0["source"]["knobs"]["program"] == str((EXAMPLES / "counting.py").resolve())
    for r in rows:
        v = verify_record(r)
        assert v["status"] == "valid", v
        assert v["checks"]["independent"] is True and v["checks"]["solve_rerun"] is True
    # a wrong stored answer is caught by re-running solve and by the program's own verify
    bad = dict(r0, answer=str(int(r0["answer"]) + 1))
    v = verify_record(bad)
    assert v["status"] == "invalid" and v["checks"].get("solve_rerun") is False
    # a row whose program changed since generation is not trusted
    changed = json.loads(json.dumps(r0))
    changed["check"]["efa"]["sha256"] = "0" * 64
    assert verify_record(changed)["checks"]["program_unchanged"] is False
    assert family_for_record(r0) is fam


def test_cli_generate_and_verify_efa_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HARDGEN_EFA_PROGRAMS"}
    repo = EXAMPLES.parents[1]
    gen = ["gen"]
    out, ver = tmp_path / "raw", tmp_path / "ver"
    r = subprocess.run(gen + ["--json", "generate", "efa:examples/efa/quadratic.py", "-n", "50", "-o", str(out),
                              "--workers", "2"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    # verify in another directory and process: the rows name their program file
    r = subprocess.run(gen + ["--json", "verify", str(out), "-o", str(ver), "--workers", "2"], cwd=tmp_path,
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = list(open_dataset(str(ver)))
    assert len(rows) == 50 and {r["family"] for r in rows} == {"efa.quadratic_roots"}
    assert len({r["answer"] for r in rows}) > 30
    assert all(r["validity"]["status"] == "valid" for r in rows), [r["validity"] for r in rows][:3]


def test_verify_without_a_jail_refuses_efa_rows_with_one_line(tmp_path):
    # gen verify imports the jail only when a row needs it; its JailUnavailable must still stop the stage
    env = {k: v for k, v in os.environ.items() if k != "HARDGEN_EFA_PROGRAMS"}
    repo = EXAMPLES.parents[1]
    out = tmp_path / "raw"
    r = subprocess.run(["gen", "generate", "efa:examples/efa/quadratic.py", "-n", "3", "-o", str(out), "-w", "1"],
                       cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    r = subprocess.run(["gen", "verify", str(out), "-o", str(tmp_path / "ver"), "-w", "1"], cwd=tmp_path,
                       env={**env, "HARDGEN_BWRAP": "/nonexistent/bwrap"}, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "--trust-programs" in r.stderr


def test_a_program_cannot_loosen_checking_with_its_check_tolerance(tmp_path):
    # CHECK = {"tolerance": 1e9} once let `\boxed{1.0}` match any answer and a wrong solve() pass. Two
    # layers now: a program asking for a tolerance past the cap is rejected, and a row carrying one is scored
    # with the cap anyway
    from hardgen.llmgen.efa_author import efa_reward
    from hardgen.verifiers import score

    loose = variant(**{'CHECK = {"timeout_s": 2}': 'CHECK = {"timeout_s": 2, "tolerance": 1e9}'})
    wrong = loose.replace('return p["a"] + p["b"]', 'return p["a"] + p["b"] + 1000')
    for program in (loose, wrong):
        r = check_efa(program)
        assert not r.accepted and r.checks.get("interface") is False
    assert efa_reward([f"```python\n{wrong}\n```"], problem=["What is 2 + 3? Answer in \\boxed{}."],
                      answer=["5"]) != [1.0]
    f = tmp_path / "ok.py"
    f.write_text(variant())
    fam = load_efa_family(f)
    rows = list(open_dataset(generate_dataset([fam.name], n=3, out=str(tmp_path / "d"), seed=1, workers=1)["path"]))
    for row in rows:
        forged = {**row, "check": {**row["check"], "tolerance": 1e9}}  # a row edited (or made elsewhere) to loosen it
        assert score(forged, "\\boxed{1.0}").correct is False
        assert score(forged, f"\\boxed{{{row['answer']}}}").correct is True