"""The shape of the package, drawn from its own imports: no circles, core free of its surfaces,
files a reader can take in at once. Imports inside functions count; ``TYPE_CHECKING`` ones do
not (they never run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "jupyter_mlops"
SURFACES = ("widgets", "server", "cli", "magics", "views", "pytest_plugin")
CORE = ("card", "params", "tracking", "jobs", "registry", "governance", "reproduce", "provenance")
MAX_LINES = 350


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in ROOT.rglob("*.py") if "labextension" not in p.parts}


def _imports(module: str) -> set[str]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    here = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here
            for _ in range(max(node.level - 1, 0)):
                base = base.rpartition(".")[0]
            target = (base + "." + node.module if node.module else base) if node.level else ""
            target = target or node.module or ""
            targets = [f"{target}.{a.name}" for a in node.names] + [target]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    if path.name == "__init__.py":  # a package importing its own parts is no circle
        found = {t for t in found if not t.startswith(module + ".")}
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in GRAPH[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_the_drawing_sees_the_imports_it_should():
    """A check that cannot fail is no check: the graph holds edges we know are there."""
    assert "jupyter_mlops.jobs.request" in GRAPH["jupyter_mlops.jobs.submit"]
    assert "jupyter_mlops.jobs.submit" in GRAPH["jupyter_mlops.server.job_handlers"]  # lazy
    assert "jupyter_mlops.jobs.executors.base" in GRAPH["jupyter_mlops.jobs.executors.local"]


def test_no_import_circles():
    assert _cycles() == []


@pytest.mark.parametrize("core", CORE)
def test_core_imports_no_surface(core):
    prefix = f"jupyter_mlops.{core}"
    leaks = {
        (module, dep)
        for module, deps in GRAPH.items()
        if module == prefix or module.startswith(prefix + ".")
        for dep in deps
        if dep.removeprefix("jupyter_mlops.").split(".")[0] in SURFACES
    }
    assert leaks == set()


def test_no_file_is_too_long_to_read_at_once():
    long = {
        str(path.relative_to(ROOT.parent)): n
        for path in MODULES.values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_tag_names_are_written_only_in_the_tag_vocabulary():
    """Every ``mlops.*`` tag (and MLflow's own ``mlflow.*`` tags we set) is named in tags.py."""
    from jupyter_mlops import tags

    typed = [
        f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.value}"
        for path in MODULES.values()
        if path.name != "tags.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith(("mlops.", "mlflow."))
        and node.value.count(".") >= 1
        and " " not in node.value
        and node.value not in ("mlflow.db", "mlflow.")  # a file name; a module prefix
    ]
    assert typed == []
    assert tags.vocabulary()["JOB"] == "mlops.job"
    assert tags.vocabulary()["CARD_PREFIX"] == "mlops.card."
