"""The layers of docs/architecture.md, checked on the source: who may import whom, no cycles, file sizes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
# layer of each top-level part of sim; a module may import its own layer and those below
LAYERS = {"scenario": 0, "model": 1, "metrics": 2, "experiments": 3, "decide": 4, "outputs": 4, "fit": 4, "api": 5,
          "cli": 6}
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """The sim modules a file imports (anywhere in it: top level, functions, TYPE_CHECKING blocks)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "sim"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sim":
            for a in node.names:  # `from sim.x import y` imports the module sim.x.y when there is one
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in MODULES else node.module)
    return out


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None  # None: the package root (its version)


GRAPH = {m: imports(p) for m, p in MODULES.items()}
# the package root holds the version, and imports the API only when `sim.run(...)` is called (lazily)
GRAPH["sim"] = set()


def test_the_import_scanner_sees_imports():
    assert "sim.scenario" in GRAPH["sim.model.simulation"]
    assert "sim.api" in GRAPH["sim.cli"]
    assert len(MODULES) > 30


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m) is not None])
def test_imports_go_down_only(module):
    mine = layer(module)
    for target in GRAPH[module]:
        theirs = layer(target)
        if theirs is None:
            continue
        assert LAYERS[theirs] <= LAYERS[mine], f"{module} ({mine}) imports {target} ({theirs}), a layer above"
        if mine != theirs and LAYERS[theirs] == LAYERS[mine]:
            pytest.fail(f"{module} ({mine}) imports {target} ({theirs}): side-by-side layers stay apart")


def test_the_model_imports_only_the_scenario():
    for module, targets in GRAPH.items():
        if layer(module) == "model":
            bad = {t for t in targets if layer(t) not in ("model", "scenario")}
            assert not bad, f"{module} imports {bad}"


def test_the_cli_goes_through_the_api():
    assert GRAPH["sim.cli"] <= {"sim", "sim.api"}, GRAPH["sim.cli"]


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(GRAPH.get(m, ())):
            if state.get(t) == 1:
                cycle = path[path.index(t):] + [t] if t in path else [m, t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t in GRAPH and not state.get(t):
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(GRAPH):
        if not state.get(m):
            visit(m, [m])


@pytest.mark.parametrize("module", list(MODULES))
def test_no_source_file_over_the_limit_without_a_reason(module):
    text = MODULES[module].read_text(encoding="utf-8")
    if text.count("\n") > MAX_LINES:
        doc = ast.get_docstring(ast.parse(text)) or ""
        assert f"Over {MAX_LINES} lines" in doc, f"{module}: {text.count(chr(10))} lines and no reason at its top"
