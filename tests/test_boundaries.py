"""The import graph of the app: dependencies run one way, and nothing dodges a cycle.

    views / tasks  ->  services  ->  providers  ->  normalise  ->  models

The modules are read as source (ast), so the test sees function-level imports too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "transcripts"
LAYERS = ("services", "providers", "normalise")
# Django's own pattern: AppConfig.ready() and its hooks import once the app registry is loaded.
LATE_IMPORTS_ALLOWED_IN = {"transcripts.apps"}


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def absolute(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The project modules an ``from … import …`` names (a name may be a submodule)."""
    if node.level == 0:
        base = node.module or ""
    else:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def app_modules() -> dict[str, Path]:
    return {module_name(path): path for path in APP.rglob("*.py") if "migrations" not in path.parts}


def imports_of(module: str, path: Path) -> tuple[set[str], list[tuple[int, str]]]:
    """(project modules imported at module level, [(line, module)] imported inside functions)."""
    tree = ast.parse(path.read_text())
    known = app_modules()
    top: set[str] = set()
    late: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only: never executed
            names: list[str] = []
            if isinstance(child, ast.ImportFrom):
                names = absolute(module, path.name == "__init__.py", child)
            elif isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            for name in names:
                if name in known or (inside and name.startswith("django_q")):
                    (late.append((child.lineno, name)) if inside else top.add(name))
            visit(child, inside)

    visit(tree, False)
    return {name for name in top if name != module}, late


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def graph() -> dict[str, set[str]]:
    """Every project module each module imports, wherever in the file the import stands."""
    edges = {}
    for module, path in app_modules().items():
        top, late = imports_of(module, path)
        edges[module] = top | {name for _, name in late if name.startswith("transcripts")} - {module}
    return edges


def test_no_function_level_import_of_project_modules():
    found = [
        f"{path.relative_to(APP.parent)}:{line} imports {name}"
        for module, path in app_modules().items()
        for line, name in imports_of(module, path)[1]
        if module not in LATE_IMPORTS_ALLOWED_IN
    ]
    assert found == []


def test_the_layers_import_downwards_only():
    forbidden = {
        "models": {"services", "providers", "normalise", "views", "forms", "exports"},
        "normalise": {"services", "providers", "views", "forms", "exports"},
        "providers": {"services", "views", "forms", "exports"},
        "services": {"views", "forms", "tasks"},
    }
    wrong = [
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        for layer, banned in forbidden.items()
        if module.split(".")[1:2] == [layer] and target.split(".")[1:2] and target.split(".")[1] in banned
    ]
    assert wrong == []


def test_no_import_cycles_between_services_providers_and_normalise():
    edges = {
        module: {target for target in targets if layer_of(target)}
        for module, targets in graph().items()
        if layer_of(module)
    }
    # A package's __init__ importing its own modules is how a package is built, not a cycle.
    for module, targets in edges.items():
        edges[module] = {t for t in targets if not t.startswith(module + ".")}

    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                walk(target, [*trail, target])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            walk(module, [module])
    assert cycles == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from .lifecycle import transition\n", "transcripts.services.lifecycle"),
        ("from ..providers import get_provider\n", "transcripts.providers"),
    ],
)
def test_the_walker_resolves_relative_imports(tmp_path, source, expected):
    node = ast.parse(source).body[0]
    assert expected in absolute("transcripts.services.pipeline", False, node)


def test_the_walker_sees_an_import_hidden_in_a_function(tmp_path, monkeypatch):
    hidden = tmp_path / "hidden.py"
    hidden.write_text("def f():\n    from transcripts.services import pipeline\n")
    _, late = imports_of("transcripts.providers.hidden", hidden)
    assert (2, "transcripts.services.pipeline") in late
