"""The floors of docs/architecture.md: every hardgen import, lazy ones too, points down (or within its package),
and no module imports itself back through a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: package -> floor; a module may import its own package and any package on a lower floor
FLOORS = {
    "core": 0,
    "verifiers": 1,
    "generators": 2,
    "models": 3,
    "difficulty": 4,
    "distill": 5,
    "llmgen": 5,
    "stages": 6,
    "cli": 7,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = ["hardgen", *rel.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        rel = p.relative_to(ROOT)
        if rel.parts[0] in ("tests", "bench", "examples", "docs") or rel.parts[0].startswith("."):
            continue
        out[_module_name(p)] = p
    return out


def _imports(path: Path, modname: str) -> list[tuple[str, int]]:
    """Every hardgen module named by an import in `path` (module-level and inside functions), with its line."""
    tree = ast.parse(path.read_text(), str(path))
    pkg = modname if path.name == "__init__.py" else modname.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "hardgen"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "hardgen":
                continue
            found.append((mod, node.lineno))
            for a in node.names:  # `from hardgen.x import y` where y is a submodule
                found.append((f"{mod}.{a.name}", node.lineno))
    return found


def _floor_of(modname: str) -> tuple[str, int] | None:
    parts = modname.split(".")
    if len(parts) < 2:
        return None  # the package root (`hardgen`) re-exports HardgenError only
    top = parts[1]
    return (top, FLOORS[top]) if top in FLOORS else None


MODULES = _package_modules()


def test_every_package_has_a_floor():
    tops = {m.split(".")[1] for m in MODULES if m.count(".") >= 1}
    assert tops <= set(FLOORS), f"packages without a floor in docs/architecture.md: {sorted(tops - set(FLOORS))}"


def test_imports_point_down():
    bad = []
    for mod, path in sorted(MODULES.items()):
        here = _floor_of(mod)
        if here is None:
            continue
        for target, line in _imports(path, mod):
            if target not in MODULES and target.rsplit(".", 1)[0] in MODULES:
                continue  # `from pkg.mod import name`: the module itself was counted
            there = _floor_of(target)
            if there is None or there[0] == here[0]:
                continue
            if there[1] >= here[1]:
                bad.append(f"{path.relative_to(ROOT)}:{line} {here[0]} imports {target} ({there[0]})")
    assert not bad, "imports that point up or sideways:\n" + "\n".join(bad)


def test_no_import_cycles():
    graph = {m: {t for t, _ in _imports(p, m) if t in MODULES and t != m} for m, p in MODULES.items()}
    # a package's __init__ is imported with each of its modules; count only explicit edges
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycles.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles[:20])


@pytest.mark.parametrize("command", ["list", "generate", "verify", "score"])
def test_light_commands_import_no_training_stack(command):
    """`gen list/generate/verify/score` stay fast to start: no torch, transformers, TRL or Ray behind them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from hardgen.cli import main\n"
        f"CliRunner().invoke(main, [{command!r}, '--help'])\n"
        "import hardgen.stages.generate, hardgen.stages.verify, hardgen.stages.score, hardgen.verifiers\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'trl', 'ray', 'peft') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"`gen {command}` imports {res.stdout.strip()}"
