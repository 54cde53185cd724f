"""The package's layers: imports point one way, no module imports itself back through another,
and each outside dependency has one owner (DESIGN.md, Layout; STYLE.md, rules 2 and 3)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "agent_git_tracker"

# Lowest first. A unit may import its own modules and the units of lower layers; units that
# share a layer are independent of each other.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(names.split())
    for names in (
        "errors times text",
        "models",
        "config",
        "attribution",
        "capture",
        "store",
        "gitmeta",
        "ledger",
        "agentlogs",
        "costs",
        "history",
        "migration",
        "report",
        "hooks",
        "team",
        "demo",
        "cli",
        "__main__",
    )
)
# Outside dependencies and the one unit allowed to import each.
OWNERS = {
    "lmdb": "store",
    "orjson": {"store", "agentlogs", "history"},
    "click": "cli",
    "git": "gitmeta",
    "duckdb": "team",
    "pyarrow": "team",
}
# The hook path: only these units, and nothing from outside the standard library.
HOOK_PATH_ALLOWED = {"capture", "config", "attribution", "errors", "models", "text"}


def unit_of(module: str) -> str:
    """`agent_git_tracker.ledger.flush` → `ledger`; the package's own `__init__` → `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_of(unit: str) -> int:
    if unit == "__init__":
        return -1  # the version string: imported by anything
    for level, units in enumerate(LAYERS):
        if unit in units:
            return level
    raise AssertionError(f"{unit} is in no layer: add it to LAYERS in {__file__}")


def package_sources(root: Path = PACKAGE) -> dict[str, str]:
    """Every module of the package by dotted name, with its source."""
    sources = {}
    for path in sorted(root.rglob("*.py")):
        parts = ["agent_git_tracker", *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        sources[".".join(parts)] = path.read_text(encoding="utf-8")
    return sources


def imports(module: str, source: str, modules: Mapping[str, str]) -> Iterator[str]:
    """Every module `module` imports, at any depth (imports inside functions count too)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield full if full in modules else node.module


def check(modules: Mapping[str, str]) -> list[str]:
    """What breaks the layering, one line each (empty: nothing)."""
    problems = []
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, source in modules.items():
        unit = unit_of(name)
        for target in imports(name, source, modules):
            top = target.split(".")[0]
            if top == "agent_git_tracker":
                problems += _inside(name, unit, target)
                graph[name].add(target)
            elif top not in sys.stdlib_module_names and top != "__future__":
                owners = OWNERS.get(top, ())
                allowed = {owners} if isinstance(owners, str) else set(owners)
                if unit not in allowed:
                    who = " or ".join(sorted(allowed)) or "no one"
                    problems.append(f"{name} imports {top}, which only {who} may")
            if unit == "capture" and top != "agent_git_tracker" and top not in _stdlib():
                problems.append(f"{name} is on the hook path and imports {top}")
    return problems + _circles(graph)


def _stdlib() -> frozenset[str]:
    return frozenset(sys.stdlib_module_names) | {"__future__"}


def _inside(name: str, unit: str, target: str) -> list[str]:
    other = unit_of(target)
    if other == unit or other == "__init__":
        return []
    if unit == "capture" and other not in HOOK_PATH_ALLOWED:
        return [f"{name} is on the hook path and imports {target}"]
    if layer_of(other) < layer_of(unit):
        return []
    return [f"{name} ({unit}) imports {target} ({other}), which is not below it"]


def _circles(graph: Mapping[str, set[str]]) -> list[str]:
    """Modules that import themselves back through others (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append("import circle: " + " ↔ ".join(sorted(component)))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_package_keeps_its_layers() -> None:
    assert check(package_sources()) == []


def test_no_module_is_much_over_400_lines() -> None:
    sizes = {name: source.count("\n") for name, source in package_sources().items()}
    assert {name: size for name, size in sizes.items() if size > 440} == {}


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("agent_git_tracker.report.run", "import lmdb", "only store may"),
        ("agent_git_tracker.ledger.flush", "import click", "only cli may"),
        ("agent_git_tracker.hooks.push", "def f():\n    import git", "only gitmeta may"),
        ("agent_git_tracker.store.db", "from agent_git_tracker.ledger import flush", "not below"),
        ("agent_git_tracker.capture.hook", "import orjson", "hook path"),
        ("agent_git_tracker.capture.hook", "from agent_git_tracker.store import keys", "hook path"),
        ("agent_git_tracker.agentlogs.x", "from agent_git_tracker.history import scan", "below"),
        ("agent_git_tracker.costs.passes", "from agent_git_tracker.history import scan", "below"),
    ],
)
def test_the_check_finds_a_stray_import(module: str, source: str, expected: str) -> None:
    modules = {
        **package_sources(),
        module: source,
        "agent_git_tracker.agentlogs.x": "",
        "agent_git_tracker.history.scan": "",
    }
    modules[module] = source
    assert any(expected in problem for problem in check(modules))


def test_the_check_finds_a_circle() -> None:
    modules = {
        "agent_git_tracker.config.settings": "from agent_git_tracker.config import locate",
        "agent_git_tracker.config.locate": (
            "def f():\n    from agent_git_tracker.config import settings"
        ),
    }
    assert check(modules) == [
        "import circle: agent_git_tracker.config.locate ↔ agent_git_tracker.config.settings"
    ]
