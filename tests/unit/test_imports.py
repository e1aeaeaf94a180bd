"""No import cycles in mjtui, counting imports inside functions.

The graph is built from the source with `ast`, so an import deferred into a function (to
dodge a cycle at load time) still counts. Imports under `if TYPE_CHECKING:` do not: they
never run. `from package import name` counts as importing the submodule when `name` is one,
else the package.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mjtui"


def module_files() -> dict[str, tuple[Path, bool]]:
    """Every mjtui module: dotted name -> (file, is a package's __init__)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = (path, is_package)
    return modules


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_modules(tree: ast.AST, package: list[str], modules: set[str]) -> set[str]:
    """The mjtui modules a module imports anywhere, except under `if TYPE_CHECKING:`."""
    found: set[str] = set()

    def add(name: str) -> None:
        while name and name not in modules:  # `import mjtui.x.Y` or a name in a module
            name = name.rpartition(".")[0]
        if name:
            found.add(name)

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit_one(other)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                add(submodule if submodule in modules else module)
        visit(node)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """mjtui module -> the mjtui modules it imports."""
    modules = module_files()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        package = name.split(".") if is_package else name.split(".")[:-1]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = imported_modules(tree, package, set(modules)) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert "mjtui.cli.main" in graph and "mjtui.session.store" in graph  # the walk found them
    found = cycles(graph)
    assert not found, "import cycles (deferred imports count):\n" + "\n".join(
        " -> ".join(c) for c in found)


def test_the_graph_sees_function_level_imports() -> None:
    graph = import_graph()
    # cli.main imports the dashboard's launch and the headless commands inside `main()`.
    assert {"mjtui.cli.launch", "mjtui.cli.run"} <= graph["mjtui.cli.main"]


def test_a_cycle_is_reported() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_api_layer_imports_no_other_mjtui_module() -> None:
    # import-linter says the same for today's modules; this also covers modules added later.
    leaks = sorted(f"{module} -> {target}" for module, targets in import_graph().items()
                   if module.startswith("mjtui.api") for target in targets
                   if not target.startswith("mjtui.api"))
    assert not leaks, leaks


def test_the_import_contracts_name_every_top_level_module() -> None:
    # A module the contracts do not list is not checked: the next new one must be added.
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = settings["tool"]["importlinter"]["contracts"]
    (core,) = [c for c in contracts if "textual" in c.get("forbidden_modules", ())]
    (api,) = [c for c in contracts if c["source_modules"] == ["mjtui.api"]]
    top_level = {".".join(name.split(".")[:2]) for name in module_files()} - {"mjtui"}
    assert "mjtui.keys" in top_level and "mjtui.cli" in top_level  # the walk found them
    assert sorted(top_level - {"mjtui.ui"} - set(core["source_modules"])) == []
    assert sorted(top_level - {"mjtui.api"} - set(api["forbidden_modules"])) == []
