"""The architecture README describes, checked on the source: no import cycle between modules,
and packages that import only the layers below them.

Every import counts, those under ``if TYPE_CHECKING:`` and inside functions included: a cycle
hidden behind a late import is still two modules that cannot be understood one without the other.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "bot", "content", "core", "digests", "fake_bot_api", "feeds", "storage", "ui")
ALLOWED: Mapping[str, frozenset[str]] = {
    # package: the project packages it may import (README's architecture map, bottom-up).
    "core": frozenset(),
    "fake_bot_api": frozenset(),
    "content": frozenset({"core"}),
    "ui": frozenset({"content", "core"}),
    "digests": frozenset({"content", "core", "ui"}),
    "feeds": frozenset({"content", "core"}),
    "storage": frozenset({"content", "core", "digests", "feeds"}),
    "bot": frozenset({"content", "core", "digests", "feeds", "storage", "ui"}),
    "app": frozenset(PACKAGES) - {"app"},
}
ENTRY_POINTS = frozenset({"bot.__main__"})
"""Scripts no module imports: ``python -m bot`` hands over to ``app.cli``."""
ONLY_FROM = {"bot": {"storage": frozenset({"storage.errors", "storage.coordination"})}}
"""Narrower grants: the bot tells a refused write from a bug, and asks the database what
replicas agree on (``storage.coordination``'s Protocols); it knows no other storage."""
TELEGRAM_USERS = frozenset({"bot"})
"""The packages that may import python-telegram-bot: the bot alone talks Telegram."""


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module: str, known: Collection[str]) -> set[str]:
    """The modules among ``known`` that ``path`` imports (relative imports resolved). In
    « from package import name », the dependency is the module ``package.name`` when there is
    one, otherwise the package itself (the name is defined in its ``__init__``)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {name for name in found if name in known or not known}


def import_graph(root: Path, packages: Iterable[str]) -> dict[str, set[str]]:
    """First-party modules and the first-party modules each one imports."""
    files = {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    return {module: imports_of(path, module, files) - {module} for module, path in files.items()}


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return None


def test_no_module_is_part_of_an_import_cycle() -> None:
    cycle = find_cycle(import_graph(ROOT, PACKAGES))
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_cycle(tmp_path: Path) -> None:
    """The check above can fail: two modules importing each other, one only for type hints."""
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loop.b import B\n\nclass A: ...\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loop import a\nB = 1\n"
    )
    (package / "c.py").write_text("from . import b\n")
    graph = import_graph(tmp_path, ["loop"])
    assert graph["loop.c"] == {"loop.b"}
    cycle = find_cycle(graph)
    assert cycle is not None and {"loop.a", "loop.b"} <= set(cycle)


def layer_violations(
    graph: Mapping[str, Iterable[str]],
    allowed: Mapping[str, frozenset[str]],
    narrowed: Mapping[str, Mapping[str, frozenset[str]]],
) -> list[str]:
    """Imports of a package that its layer does not grant, entry points aside."""
    wrong = []
    for module, imported in graph.items():
        if module in ENTRY_POINTS:
            continue
        package = module.split(".")[0]
        for name in imported:
            target = name.split(".")[0]
            if target == package:
                continue
            only = narrowed.get(package, {}).get(target)
            if target not in allowed[package] or (only is not None and name not in only):
                wrong.append(f"{module} imports {name}")
    return sorted(wrong)


def test_packages_import_only_the_layers_below_them() -> None:
    assert layer_violations(import_graph(ROOT, PACKAGES), ALLOWED, ONLY_FROM) == []


def test_the_layer_check_finds_an_upward_import() -> None:
    graph = {
        "content.library": {"digests.service"},
        "bot.handlers": {"storage.sqlite.database", "storage.errors"},
        "bot.__main__": {"app.cli"},
    }
    assert layer_violations(graph, ALLOWED, ONLY_FROM) == [
        "bot.handlers imports storage.sqlite.database",
        "content.library imports digests.service",
    ]


@pytest.mark.parametrize("package", sorted(set(PACKAGES) - TELEGRAM_USERS))
def test_only_the_bot_imports_telegram(package: str) -> None:
    offenders = [
        module_name(path, ROOT)
        for path in sorted((ROOT / package).rglob("*.py"))
        if any(
            name == "telegram" or name.startswith("telegram.")
            for name in imports_of(path, module_name(path, ROOT), ())
        )
    ]
    assert offenders == []
