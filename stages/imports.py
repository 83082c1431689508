"""Bring your own problems: existing problem sets in as hardgen records, and their references checked by a teacher.

`import_problems` reads a JSONL / JSON / Parquet / CSV file, a directory written by `datasets.save_to_disk`, or a
hub dataset id (through `datasets.load_dataset`), maps its columns (guessed, or named), reads each row's reference
answer (the answer column, else the solution column's final answer) with the verifiers' answer reader, appends
an answer-format instruction when the problem has none, drops exact and near-duplicates and rows that overlap a
named benchmark, and writes ordinary records of family `external.<name>` with `check: {kind: math}`.

Imported references are not proven: a row is `unknown` until `gen verify --teacher SPEC` (the verify stage) asks a
teacher for k solutions and applies `hardgen.verifiers.consistency.teacher_consistency` (valid / invalid / unknown,
agreement stored).
Rows whose reference cannot be read are kept with `answer: null`, `validity: unknown` and the reason.

>>> import_problems("math_train.jsonl", "data/ext")                       # doctest: +SKIP
>>> verify_dataset("data/ext", "data/ext-checked", teacher="openai:http://127.0.0.1:8000/v1#m")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from hardgen.core.errors import HardgenError
from hardgen.core.records import make_record
from hardgen.stages.options import ImportOptions
from hardgen.stages.runner import Shard, StageRun, Task

IMPORT_VERSION = "1"
FAMILY_PREFIX = "external."
DEFAULT_INSTRUCTION = ImportOptions.instruction
#: column names tried in order (case-insensitive) when a column is not named
PROMPT_COLUMNS = ("problem", "question", "prompt", "query", "input", "instruction", "text")
ANSWER_COLUMNS = ("answer", "final_answer", "expected_answer", "gold", "ground_truth", "target", "label")
SOLUTION_COLUMNS = ("solution", "generated_solution", "rationale", "explanation", "reasoning", "response", "output")
ID_COLUMNS = ("id", "unique_id", "uid", "problem_id", "idx", "index")
#: a problem already says how to give the answer when it mentions a box or a final answer
_HAS_INSTRUCTION = re.compile(r"\\boxed|final answer", re.I)
_FILE_SUFFIXES = (".jsonl", ".json", ".parquet", ".csv", ".tsv")
_WORD = re.compile(r"\w+")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
#: rows read first to find a template's shared wording (as `gen select` samples a family)
BOILERPLATE_SAMPLE = 2000


# ---------------------------------------------------------------- references, through the one answer reader

def read_reference(text: Any, kind: str) -> tuple[str | None, str]:
    """(canonical answer, "") or (None, why): a reference from an answer cell or a worked solution, read by the
    verifiers' answer reader (`hardgen.verifiers.read_reference`: a solution gives its final answer, a bare cell
    loses its math delimiters, `$2$` -> `2`). The answer must be readable by the math checker, or no response
    could ever be scored against it.
    """
    from hardgen.verifiers import read_final_answer
    from hardgen.verifiers import read_reference as read_answer
    from hardgen.verifiers.math_parse import LimitError, ParseError, clean_text, is_text_answer, normalize, parse_value

    if text is None or (isinstance(text, float) and text != text):  # None / NaN cell
        return None, f"empty {kind}"
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        return None, f"{kind} is {type(text).__name__}, not text"
    s = str(text).strip()
    if not s:
        return None, f"empty {kind}"
    if kind == "answer" and "\n" not in s and len(s) <= 100 and "\\boxed" not in s and "####" not in s:
        ra = read_answer(s)  # a short answer cell is the answer, less its math delimiters
    else:
        # a worked solution (or an answer cell holding one) must state its final answer: a box, GSM8K's ####, or
        # an answer marker; a last sentence is a guess, and several different final answers are ambiguous
        ra = read_final_answer(s)
        if ra.source not in ("boxed", "gsm8k", "marker") or not ra.answers:
            return None, f"no final answer in the {kind}"
        if len(ra.answers) > 1:
            return None, f"{len(ra.answers)} different final answers in the {kind}"
    if ra.answer is None or not ra.answer.strip():
        return None, f"no final answer in the {kind}" + (f" ({ra.reason})" if ra.reason else "")
    ans = ra.answer.strip()
    if _THOUSANDS.match(ans):  # 1,072 -> 1072: one canonical text for a plain number
        ans = ans.replace(",", "")
    try:
        if is_text_answer(ans):
            clean_text(ans)
        else:
            parse_value(normalize(ans))
    except (ParseError, LimitError, RecursionError) as e:
        return None, f"the math checker cannot read the reference {ans[:40]!r}: {str(e)[:80]}"
    return ans, ""


# ---------------------------------------------------------------- sources

@dataclass
class Source:
    """An opened problem set: its name, columns and rows (a stream)."""

    name: str
    columns: list[str]
    rows: Any  # an iterable of dicts
    num_rows: int | None = None
    split: str | None = None


def _jsonl_rows(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        first = f.read(1)
        while first and first.isspace():
            first = f.read(1)
        f.seek(0)
        if first == "[":  # one JSON array of rows
            try:
                rows = json.load(f)
            except json.JSONDecodeError as e:
                raise HardgenError(f"{path}: not valid JSON: {e}") from None
            for i, r in enumerate(rows):
                if not isinstance(r, dict):
                    raise HardgenError(f"{path}: item {i} is not an object")
                yield r
            return
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                raise HardgenError(f"{path}:{lineno}: malformed JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(r, dict):
                raise HardgenError(f"{path}:{lineno}: expected a JSON object, got {type(r).__name__}")
            yield r


def _first_keys(path: Path, scan: int = 1000) -> list[str]:
    """Column names: the keys of the first `scan` rows, in first-seen order (rows may leave keys out)."""
    keys: dict[str, None] = {}
    for i, r in enumerate(_jsonl_rows(path)):
        keys.update(dict.fromkeys(r))
        if i + 1 >= scan:
            break
    if not keys:
        raise HardgenError(f"{path} holds no rows")
    return list(keys)


def _parquet_rows(path: Path) -> Iterator[dict]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        yield from batch.to_pylist()


def _csv_rows(path: Path, delimiter: str) -> Iterator[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f, delimiter=delimiter)


def _pick_split(dd: Any, split: str | None, where: str) -> tuple[Any, str]:
    names = list(dd.keys())
    if split is not None:
        if split not in dd:
            raise HardgenError(f"{where} has no split {split!r}; its splits are {', '.join(names)}")
        return dd[split], split
    if len(names) == 1:
        return dd[names[0]], names[0]
    if "train" in dd:
        return dd["train"], "train"
    raise HardgenError(f"{where} has splits {', '.join(names)}; choose one with --split")


def _hf_source(ds: Any, name: str, split: str | None) -> Source:
    return Source(name, list(ds.column_names), ds, len(ds), split)


def open_source(source: str, split: str | None = None) -> Source:
    """Open a problem file, a `save_to_disk` directory or a hub dataset id (see the module docstring)."""
    p = Path(source)
    if p.is_file():
        if split is not None:
            raise HardgenError(f"--split picks a split of a saved or hub dataset; {source} is a single file")
        suf = p.suffix.lower()
        name = p.name[: -len(suf)] if suf else p.name
        if suf in (".jsonl", ".json"):
            return Source(name, _first_keys(p), _jsonl_rows(p))
        if suf == ".parquet":
            import pyarrow.parquet as pq

            try:
                pf = pq.ParquetFile(p)
            except Exception as e:  # pyarrow raises several types for a file that is not Parquet
                raise HardgenError(f"cannot read {source} as Parquet: {e}") from None
            return Source(name, list(pf.schema_arrow.names), _parquet_rows(p), pf.metadata.num_rows)
        if suf in (".csv", ".tsv"):
            with open(p, encoding="utf-8", newline="") as f:
                header = next(csv.reader(f, delimiter="\t" if suf == ".tsv" else ","), None)
            if not header:
                raise HardgenError(f"{source} has no header row")
            return Source(name, header, _csv_rows(p, "\t" if suf == ".tsv" else ","))
        raise HardgenError(f"cannot import {source}: expected a .jsonl, .json, .parquet or .csv file, "
                           "a datasets.save_to_disk directory, or a hub dataset id")
    if p.is_dir():
        if (p / "manifest.json").exists():
            raise HardgenError(f"{source} is already a hardgen dataset; pass it to gen verify / grade directly")
        import datasets

        try:
            ds = datasets.load_from_disk(str(p))
        except (FileNotFoundError, ValueError, OSError) as e:
            raise HardgenError(f"cannot load {source} as a datasets.save_to_disk directory: {e}") from None
        if isinstance(ds, datasets.DatasetDict):
            ds, split = _pick_split(ds, split, source)
        elif split is not None:
            raise HardgenError(f"--split picks a split of a DatasetDict; {source} holds a single Dataset")
        return _hf_source(ds, p.name, split)
    if p.suffix.lower() in _FILE_SUFFIXES or not re.fullmatch(r"[\w.-]+(/[\w.-]+)?", source):
        raise HardgenError(f"no such file or directory: {source}")
    import datasets

    try:
        ds = datasets.load_dataset(source, split=split)
    except Exception as e:  # the hub raises many types (offline, not found, gated); all are a user-facing miss
        raise HardgenError(f"cannot load hub dataset {source!r}: {str(e).splitlines()[0][:200]}") from None
    if isinstance(ds, datasets.DatasetDict):
        ds, split = _pick_split(ds, split, source)
    return _hf_source(ds, source.rsplit("/", 1)[-1], split)


def _column(columns: list[str], named: str | None, guesses: tuple[str, ...], what: str, flag: str) -> str | None:
    if named is not None:
        if named not in columns:
            raise HardgenError(f"{flag} {named!r} is not a column; the columns are {', '.join(map(str, columns))}")
        return named
    lower = {str(c).lower(): c for c in columns}
    return next((lower[g] for g in guesses if g in lower), None)


@dataclass(frozen=True)
class Columns:
    prompt: str
    answer: str | None
    solution: str | None
    id: str | None


def map_columns(columns: list[str], prompt: str | None = None, answer: str | None = None,
                solution: str | None = None, id: str | None = None) -> Columns:
    """Which columns hold the problem, answer, solution and id: the named ones, else the first known name."""
    p = _column(columns, prompt, PROMPT_COLUMNS, "problem", "--prompt-col")
    if p is None:
        raise HardgenError(f"no problem column among {', '.join(map(str, columns))}; name it with --prompt-col")
    a = _column(columns, answer, ANSWER_COLUMNS, "answer", "--answer-col")
    s = _column(columns, solution, SOLUTION_COLUMNS, "solution", "--solution-col")
    if a is None and s is None:
        raise HardgenError(f"no answer or solution column among {', '.join(map(str, columns))}; "
                           "name one with --answer-col or --solution-col")
    i = _column(columns, id, ID_COLUMNS, "id", "--id-col")
    if len({p, a, s} - {None}) < len([c for c in (p, a, s) if c is not None]):
        raise HardgenError("the problem, answer and solution columns must be different columns")
    return Columns(p, a, s, i)


def _prompt_text(value: Any) -> str:
    """A problem cell as text; a chat (list of {role, content}) gives its first user turn."""
    if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
        user = [m for m in value if m.get("role") == "user"] or value
        return str(user[0].get("content") or "").strip()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def family_name(name: str | None, source_name: str) -> str:
    """`external.<name>`: the named family (which must say external.) or one made from the source's stem."""
    if name is not None:
        if not name.startswith(FAMILY_PREFIX) or not re.fullmatch(r"external\.[A-Za-z0-9_.-]+", name):
            raise HardgenError(f"--family must look like external.NAME (letters, digits, _ . -), got {name!r}: "
                               "imported problems are not a template family")
        return name
    stem = re.sub(r"[^a-z0-9_]+", "_", source_name.lower()).strip("_") or "problems"
    return FAMILY_PREFIX + stem


# ---------------------------------------------------------------- contamination

class BenchmarkNgrams:
    """Word n-grams of benchmark problems; `overlap(text)` is the largest share of one benchmark problem's
    n-grams that a text contains, over the shorter of the two (so a copy inside a longer text counts too).

    N-grams found in two or more benchmark problems are left out: they are shared wording (a template, "what is
    the value of"), not one problem, and counting them flags every unrelated problem written the same way.
    """

    def __init__(self, n: int = 8):
        if n < 1:
            raise HardgenError(f"contamination n-gram size must be at least 1, got {n}")
        self.n = n
        self.index: dict[str, list[int]] = {}
        self.seen: set[str] = set()
        self._sizes: list[int] | None = None
        self.count = 0

    def grams(self, text: str) -> set[str]:
        toks = _WORD.findall(text.lower())
        if len(toks) < self.n:
            return {" ".join(toks)} if toks else set()
        return {" ".join(toks[i:i + self.n]) for i in range(len(toks) - self.n + 1)}

    def add(self, text: str) -> None:
        key = " ".join(text.lower().split())
        g = self.grams(text)
        if not g or key in self.seen:  # a problem listed twice is one problem, not shared wording
            return
        self.seen.add(key)
        j = self.count
        self.count += 1
        for x in g:
            self.index.setdefault(x, []).append(j)
        self._sizes = None

    def __len__(self) -> int:
        return self.count

    def _own_sizes(self) -> list[int]:
        """Each benchmark problem's count of n-grams no other benchmark problem has."""
        if self._sizes is None:
            sizes = [0] * self.count
            for ids in self.index.values():
                if len(ids) == 1:
                    sizes[ids[0]] += 1
            self._sizes = sizes
        return self._sizes

    def overlap(self, text: str) -> float:
        sizes = self._own_sizes()
        g = self.grams(text)
        hits: dict[int, int] = {}
        for x in g:
            ids = self.index.get(x)
            if ids is not None and len(ids) == 1:
                hits[ids[0]] = hits.get(ids[0], 0) + 1
        return max((c / min(len(g), sizes[j]) for j, c in hits.items()), default=0.0)


def load_benchmarks(paths: list[str] | tuple[str, ...], n: int = 8, split: str | None = None) -> BenchmarkNgrams:
    """The n-gram index of every problem in the named benchmark files (records or raw problem sets)."""
    idx = BenchmarkNgrams(n)
    for path in paths:
        src = open_source(path, split if not Path(path).is_file() else None)
        col = _column(src.columns, None, PROMPT_COLUMNS, "problem", "")
        if col is None:
            raise HardgenError(f"benchmark {path}: no problem column among {', '.join(map(str, src.columns))}")
        before = len(idx)
        for r in src.rows:
            idx.add(_prompt_text(r.get(col)))
        if len(idx) == before:
            raise HardgenError(f"benchmark {path} holds no problems")
    return idx


# ---------------------------------------------------------------- the import stage

def with_instruction(problem: str, instruction: str | None) -> tuple[str, bool]:
    """The prompt a solver sees: the problem, plus the instruction when it has none of its own."""
    if not instruction or _HAS_INSTRUCTION.search(problem):
        return problem, False
    return f"{problem}\n\n{instruction}", True


@dataclass
class _Hygiene:
    """Duplicate and contamination state across shards (rebuilt from finished shards on resume)."""

    dedup: float | None
    bench: BenchmarkNgrams | None
    contamination: float
    boilerplate: frozenset = frozenset()  # shingles most problems share (a template's wording), left out
    exact: set[bytes] = field(default_factory=set)
    near: Any = None

    def __post_init__(self) -> None:
        if self.dedup:
            from hardgen.core.dedup import NearDuplicateIndex

            self.near = NearDuplicateIndex(self.dedup)

    @staticmethod
    def key(problem: str) -> bytes:
        """16 bytes per problem, so the exact-duplicate set stays small on a million rows."""
        return hashlib.blake2b(" ".join(problem.lower().split()).encode(), digest_size=16).digest()

    def drop_reason(self, problem: str) -> tuple[str | None, float | None]:
        if self.bench is not None:
            ov = self.bench.overlap(problem)
            if ov >= self.contamination:
                return "contaminated", ov
        if self.key(problem) in self.exact:
            return "duplicate", None
        if self.near is not None and self.near.query_signature(self._signature(problem)) is not None:
            return "near_duplicate", None
        return None, None

    def _signature(self, problem: str):
        if getattr(self, "_last", (None,))[0] != problem:  # query then add of one problem hash it once
            self._last = (problem, self.near.hasher.signature(problem, self.boilerplate))
        return self._last[1]

    def add(self, rid: str, problem: str) -> None:
        self.exact.add(self.key(problem))
        if self.near is not None:
            self.near.add_signature(rid, self._signature(problem))


def _problem_of(rec: dict) -> str:
    src = rec.get("source") or {}
    return src.get("problem") or rec["prompt"]


def _tally_rows() -> dict:
    return {"input": 0, "rows": 0, "references": {"answer": 0, "solution": 0, "unreadable": 0},
            "unreadable_reasons": {}, "dropped": {"empty_prompt": 0, "duplicate": 0, "near_duplicate": 0,
                                                  "contaminated": 0},
            "contaminated_examples": [], "splits": {"train": 0, "test": 0}}


def _add_tally(total: dict, t: dict) -> None:
    total["input"] += t["input"]
    total["rows"] += t["rows"]
    for k in ("references", "dropped", "splits", "unreadable_reasons"):
        for kk, v in t[k].items():
            total[k][kk] = total[k].get(kk, 0) + v
    total["contaminated_examples"] = (total["contaminated_examples"] + t["contaminated_examples"])[:10]


def _convert(row: dict, i: int, cols: Columns, family: str, opts: ImportOptions, src: Source, source: str,
             hyg: _Hygiene, t: dict) -> dict | None:
    t["input"] += 1
    problem = _prompt_text(row.get(cols.prompt))
    if not problem:
        t["dropped"]["empty_prompt"] += 1
        return None
    why, ov = hyg.drop_reason(problem)
    if why is not None:
        t["dropped"][why] += 1
        if why == "contaminated" and len(t["contaminated_examples"]) < 10:
            t["contaminated_examples"].append({"row": i, "overlap": round(ov, 3), "problem": problem[:120]})
        return None
    answer_cell = row.get(cols.answer) if cols.answer else None
    solution = row.get(cols.solution) if cols.solution else None
    has_answer = answer_cell is not None and str(answer_cell).strip() != ""
    kind = "answer" if has_answer else "solution"
    answer, reason = read_reference(answer_cell if has_answer else solution, kind)
    prompt, added = with_instruction(problem, opts.instruction)
    source_info: dict[str, Any] = {"generator": "import", "version": IMPORT_VERSION, "from": source,
                                   "split": src.split, "row": i, "knobs": {}, "seed": None,
                                   "reference": kind, "instruction_added": added}
    if added:
        source_info["problem"] = problem
    if cols.id and row.get(cols.id) is not None:
        source_info["source_id"] = str(row[cols.id])
    if isinstance(solution, str) and solution.strip():
        source_info["solution"] = solution
    if has_answer:
        source_info["reference_text"] = str(answer_cell)
    rec = make_record(family, prompt, answer, {"kind": "math"}, source_info, {}, opts.test_fraction)
    if answer is None:
        t["references"]["unreadable"] += 1
        t["unreadable_reasons"][reason] = t["unreadable_reasons"].get(reason, 0) + 1
        rec["validity"] = {"status": "unknown", "checks": {"reference_read": False},
                           "reason": f"unreadable reference: {reason}"}
    else:
        t["references"][kind] += 1
        rec["validity"] = {"status": "unknown", "checks": {"reference_read": True},
                           "reason": "imported reference, not checked yet (gen verify --teacher SPEC)"}
    hyg.add(rec["id"], problem)
    t["rows"] += 1
    t["splits"][rec["split"]] += 1
    return rec


def _source_tasks(rows: Iterator[dict], shard_rows: int, enough: Any) -> Iterator[Task]:
    """The source's rows in slices of `shard_rows` input rows, one output shard each (a resumed run skips the
    finished ones without converting them); reading stops once `enough()`."""
    for shard in itertools.count():
        chunk = [] if enough() else list(itertools.islice(rows, shard_rows))
        if not chunk:
            return
        yield Task(f"part-{shard:05d}", (shard * shard_rows, chunk), len(chunk))


def _as_is(payload: Any) -> Any:
    return payload


def import_problems(source: str, out: str, options: ImportOptions = ImportOptions(), *,
                    overwrite: bool = False, **overrides: Any) -> dict:
    """Import a problem set into the dataset directory `out`; returns the summary (counts of every drop).

    `options` (or keyword overrides of its fields) set the columns, family, instruction and hygiene. Resumable:
    finished shards are kept and their rows re-enter the duplicate index.
    """
    if overrides:
        options = ImportOptions(**{**asdict(options), **overrides})
    src = open_source(source, options.split)
    cols = map_columns(src.columns, options.prompt_col, options.answer_col, options.solution_col, options.id_col)
    family = family_name(options.family, src.name)
    bench = load_benchmarks(options.decontaminate, options.ngram) if options.decontaminate else None
    params = {"source": str(source), "options": asdict(options), "family": family}
    rows = iter(src.rows)
    boiler: frozenset = frozenset()
    if options.dedup:
        # as `gen select` does: wording shared by most problems (a template) would make any two look alike;
        # found on the first rows, so a resumed run finds the same
        from hardgen.core.dedup import boilerplate_shingles

        head = [r for _, r in zip(range(BOILERPLATE_SAMPLE), rows)]
        boiler = boilerplate_shingles(_prompt_text(r.get(cols.prompt)) for r in head)
        rows = itertools.chain(head, rows)
    hyg = _Hygiene(options.dedup or None, bench, options.contamination, boiler)

    def convert(task: Task, payload: tuple[int, list[dict]]) -> Shard:
        # in this process, in order: the duplicate index must see every row before this one
        first, chunk = payload
        t, kept = _tally_rows(), []
        for i, row in enumerate(chunk, first):
            if limit is not None and total["rows"] + t["rows"] >= limit:
                break  # --max-rows: stop after that many imported rows
            rec = _convert(row, i, cols, family, options, src, str(source), hyg, t)
            if rec is not None:
                kept.append(rec)
        return Shard(kept, {"tally": t})

    total, limit = _tally_rows(), options.max_rows
    tasks = _source_tasks(rows, options.shard_rows, lambda: limit is not None and total["rows"] >= limit)
    with StageRun("import", out, params, src=str(source), overwrite=overwrite, total=src.num_rows) as run:
        for _task, shard in run.map(_as_is, tasks, replay=True, collect=convert):
            if shard.meta.get("sha256"):  # a shard a killed run finished: its rows re-enter the duplicate index
                for rec in shard.rows:
                    hyg.add(rec["id"], _problem_of(rec))
            _add_tally(total, shard.meta["tally"])
        total.update({"family": family, "source": str(source), "split": src.split,
                      "boilerplate_shingles": len(boiler), "columns": asdict(cols),
                      "instruction": options.instruction or None, "dedup_threshold": options.dedup or None,
                      "decontamination": None if bench is None else {
                          "files": list(options.decontaminate), "benchmark_problems": len(bench),
                          "ngram": options.ngram, "threshold": options.contamination}})
        return run.finish(total)


def run(source: str, out: str, opts: ImportOptions, overwrite: bool = False) -> dict:
    """The import stage with its settings: what `gen import` and `gen run` call."""
    return import_problems(source or opts.source, out, opts, overwrite=overwrite)


__all__ = ["import_problems", "read_reference", "open_source",
           "map_columns", "BenchmarkNgrams", "load_benchmarks", "with_instruction", "DEFAULT_INSTRUCTION"]
