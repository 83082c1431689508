"""Disk and format faults as a user meets them through `gen`: unwritable outputs, a full disk, a dataset from a newer
hardgen, typos in configs and knobs, broken input files. Each must end in one clear error (exit 2, no traceback)
and never leave a half-written output marked complete."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

import hardgen.core.store as store
from hardgen.core.errors import HardgenError
from hardgen.stages.generate import generate_dataset
from hardgen.core.store import FORMAT_VERSION, open_dataset

GEN = ["math.linear_system", "-n", "40", "--shard-rows", "10", "--seed", "5", "-w", "1"]


def _user_error(res, *fragments: str) -> str:
    """The CLI's one-line error: exit 2, `error: ...` naming every fragment, and no traceback."""
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert "Traceback" not in res.output
    lines = res.output.splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.startswith("error: ")), None)
    assert first is not None, res.output
    msg = "\n".join(lines[first:])
    for f in fragments:
        assert f.lower() in msg.lower(), (f, msg)
    return msg


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture
def reference(tmp_path) -> Path:
    out = tmp_path / "reference"
    generate_dataset(["math.linear_system"], n=40, out=str(out), seed=5, shard_rows=10, workers=1)
    return out


# ------------------------------------------------------------------ unwritable outputs


def test_output_is_a_file(cli, tmp_path):
    f = tmp_path / "data"
    f.write_text("not a directory\n")
    _user_error(cli("generate", *GEN, "-o", f, expect=None), str(f), "not a directory")
    assert f.read_text() == "not a directory\n"


def test_output_below_a_file(cli, tmp_path):
    f = tmp_path / "data"
    f.write_text("x")
    _user_error(cli("generate", *GEN, "-o", f / "sub", expect=None), "cannot create output directory")


def test_shards_folder_is_a_file(cli, tmp_path, reference):
    # a resumable output whose shards/ became a file (a bad copy, a user's mistake) cannot be written into
    (reference / "shards").rename(tmp_path / "moved")
    (reference / "shards").write_text("oops")
    _user_error(cli("generate", *GEN, "-o", reference, expect=None), "cannot create output directory")


def test_read_only_filesystem(cli, tmp_path):
    # root ignores chmod, but not a kernel filesystem: /proc refuses new entries even for root
    target = Path("/proc/hardgen-test-out")
    try:
        os.mkdir(target)
    except OSError:
        pass
    else:
        os.rmdir(target)
        pytest.skip("/proc accepts new directories here; no read-only location to test with")
    res = cli("generate", *GEN, "-o", target, expect=None)
    _user_error(res, str(target))
    assert not target.exists()


class _DiskFull:
    """Makes the n-th shard rename fail with ENOSPC, as a full disk does."""

    def __init__(self, root: Path, at: int, where: str = "replace"):
        self.root, self.at, self.where, self.calls = str(root), at, where, 0
        self.real_replace, self.real_fsync = os.replace, os.fsync

    def replace(self, src, dst, *a, **kw):
        if str(dst).startswith(self.root) and Path(dst).parent.name == "shards":
            self.calls += 1
            if self.calls >= self.at:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.real_replace(src, dst, *a, **kw)


def test_disk_full_during_shard_rename(cli, tmp_path, reference, monkeypatch):
    out = tmp_path / "out"
    full = _DiskFull(out, at=3)
    monkeypatch.setattr(store.os, "replace", full.replace)
    _user_error(cli("generate", *GEN, "-o", out, expect=None), "no space left on device")
    monkeypatch.undo()
    m = json.loads((out / "manifest.json").read_text())
    assert m["complete"] is False
    assert sorted(m["shards"]) == ["part-00000", "part-00001"]  # only what was fully written is listed
    assert not [p for p in out.rglob(".*")], "temporary files left behind"
    # a half-written output is never readable as a dataset
    with pytest.raises(HardgenError, match="incomplete"):
        open_dataset(out)
    _user_error(cli("verify", out, "-o", tmp_path / "v", expect=None), "incomplete")
    # space freed: the same command finishes the job, byte for byte as an undisturbed run
    cli("generate", *GEN, "-o", out)
    assert _files(out) == _files(reference)


def test_disk_full_during_write(cli, tmp_path, reference, monkeypatch):
    out = tmp_path / "out"
    real = os.fsync
    calls = {"n": 0}

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] == 4:  # manifest, shard 0, manifest, then the next shard's data fails to reach the disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(store.os, "fsync", fsync)
    _user_error(cli("generate", *GEN, "-o", out, expect=None), "no space left on device")
    monkeypatch.undo()
    m = json.loads((out / "manifest.json").read_text())
    assert m["complete"] is False and len(m["shards"]) == 1
    assert not [p for p in out.rglob(".*")], "temporary files left behind"
    cli("generate", *GEN, "-o", out)
    assert _files(out) == _files(reference)


def test_disk_full_while_verifying(cli, tmp_path, reference, monkeypatch):
    out = tmp_path / "valid"
    monkeypatch.setattr(store.os, "replace", _DiskFull(out, at=2).replace)
    _user_error(cli("verify", reference, "-o", out, "-w", "1", expect=None), "no space left on device")
    monkeypatch.undo()
    assert json.loads((out / "manifest.json").read_text())["complete"] is False
    cli("verify", reference, "-o", out, "-w", "1")
    assert len(list(open_dataset(out))) == 40


# ------------------------------------------------------------------ formats


def _bump_version(d: Path) -> None:
    m = json.loads((d / "manifest.json").read_text())
    m["format_version"] = FORMAT_VERSION + 1
    (d / "manifest.json").write_text(json.dumps(m))


def test_dataset_from_a_newer_format_version(cli, tmp_path, reference):
    _bump_version(reference)
    before = _files(reference)
    _user_error(cli("verify", reference, "-o", tmp_path / "v", expect=None), "newer", "upgrade")
    _user_error(cli("export", reference, "--format", "jsonl", "-o", tmp_path / "e", expect=None), "newer")
    # resuming into it must not overwrite a newer hardgen's work either
    _user_error(cli("generate", *GEN, "-o", reference, expect=None), "newer")
    assert _files(reference) == before


def test_manifest_that_is_not_json(cli, tmp_path, reference):
    (reference / "manifest.json").write_text('{"format_version": 1, "shards": {')
    _user_error(cli("verify", reference, "-o", tmp_path / "v", expect=None), "manifest.json")


def test_truncated_shard_in_input(cli, tmp_path, reference):
    shard = sorted((reference / "shards").glob("*.jsonl"))[1]
    shard.write_bytes(shard.read_bytes()[:-40])
    # the manifest's hash catches it before any line is parsed
    _user_error(cli("verify", reference, "-o", tmp_path / "v", expect=None), shard.name, "corrupted")


def test_plain_jsonl_input_with_a_bad_line(cli, tmp_path, reference):
    lines = [json.dumps(r) for r in open_dataset(reference)][:5]
    lines[3] = lines[3][: len(lines[3]) // 2]
    f = tmp_path / "rows.jsonl"
    f.write_text("\n".join(lines) + "\n")
    _user_error(cli("verify", f, "-o", tmp_path / "v", expect=None), "rows.jsonl:4")


def test_record_missing_a_field(cli, tmp_path, reference):
    rec = next(iter(open_dataset(reference)))
    del rec["check"]
    f = tmp_path / "rows.jsonl"
    f.write_text(json.dumps(rec) + "\n")
    _user_error(cli("verify", f, "-o", tmp_path / "v", expect=None), "check")


# ------------------------------------------------------------------ configs and options


@pytest.mark.parametrize("cfg, fragments", [
    ("genrate: {families: [math.modular], n: 5}\n", ["unknown key 'genrate'", "generate"]),
    ("generate: {familes: [math.modular], n: 5}\n", ["unknown key 'familes'", "families"]),
    ("generate: {families: [math.modular], n: 5}\nverify: {drop_invalid: true, inptu: x}\n", ["'inptu'", "input"]),
    ("wokers: 2\ngenerate: {families: [math.modular], n: 5}\n", ["unknown key 'wokers'", "workers"]),
    ("generate: {families: [math.modular], n: 5, knobs: {modulsu: 7}}\n", ["unknown knob 'modulsu'"]),
    ("generate: [math.modular]\n", ["'generate' must be a mapping"]),
    ("engine: spark\ngenerate: {families: [math.modular], n: 5}\n", ["engine must be local or ray"]),
    ("generate: {families: [math.modular], n: 5\n", ["not valid yaml"]),
])
def test_pipeline_config_typos(cli, tmp_path, cfg, fragments):
    out = tmp_path / "run"
    p = tmp_path / "pipeline.yaml"
    p.write_text(f"out: {out}\nworkers: 1\n" + cfg)
    _user_error(cli("run", p, expect=None), *fragments)
    # nothing that looks like a finished stage may be left behind
    for m in out.rglob("manifest.json"):
        assert json.loads(m.read_text())["complete"] is False


@pytest.mark.parametrize("args, fragments", [
    (["--knob", "nvar=3"], ["unknown knob 'nvar'", "n_vars"]),
    (["--knob", "n_vars=banana"], ["n_vars"]),
    (["--knob", "n_vars"], ["name=value"]),
    (["--level", "impossible"], ["impossible"]),
])
def test_generate_option_typos(cli, tmp_path, args, fragments):
    out = tmp_path / "out"
    _user_error(cli("generate", *GEN, *args, "-o", out, expect=None), *fragments)
    assert not (out / "manifest.json").exists()


def test_unknown_family_typo(cli, tmp_path):
    _user_error(cli("generate", "math.linear_sytem", "-n", "3", "-o", tmp_path / "o", expect=None),
                "math.linear_sytem", "math.linear_system")
