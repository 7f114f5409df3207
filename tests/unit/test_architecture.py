"""The layout's rules, read from the code: data flows one way and private names stay home.

The stage order is `trending_now.STAGES` (written once, in the package docstring's module).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import trending_now
from trending_now import ABOVE, SHARED, STAGES

SRC = Path(trending_now.__file__).parent
PACKAGE = "trending_now"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in SRC.rglob("*.py")}


def _imports(tree: ast.Module) -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every trending_now import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE or node.module.startswith(PACKAGE + "."):
                yield node.module, [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    yield alias.name, [], node.lineno


def _top(module: str) -> str:
    """The first component under trending_now: a stage, a shared module, or ops/cli."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _targets(module: str, names: list[str]) -> list[str]:
    """What an import reaches: `from trending_now import audit` reaches the `audit` module."""
    if module == PACKAGE:
        return [n for n in names if n in (*STAGES, *SHARED, *ABOVE)]
    return [_top(module)]


def _rank(part: str) -> tuple[int, int]:
    if part in SHARED:
        return (0, 0)
    if part in STAGES:
        return (1, STAGES.index(part))
    if part in ABOVE:
        return (2, 0)
    raise AssertionError(f"{part!r} is in no layer: add it to STAGES, SHARED or ABOVE")


def import_violations(modules: dict[str, ast.Module]) -> list[str]:
    """Every import from a later stage, or from a stage into a shared module, or into ops/cli."""
    found = []
    for name, tree in modules.items():
        here = _top(name)
        if not here:
            continue
        for module, names, line in _imports(tree):
            for target in _targets(module, names):
                if target == here:
                    continue
                (layer, order), (t_layer, t_order) = _rank(here), _rank(target)
                if (t_layer, t_order) > (layer, order) and not (layer == t_layer == 2):
                    found.append(f"{name}:{line} imports {module} ({target} comes later)")
    return found


def _defined_here(tree: ast.Module) -> set[str]:
    """Names a module defines itself: functions, classes, and attributes it assigns."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _is_private(attr: str) -> bool:
    return attr.startswith("_") and not attr.startswith("__")


def private_name_uses(modules: dict[str, ast.Module]) -> list[str]:
    """Every `_name` taken from another module: imported, as `module._name`, or as
    `obj._name` on an object of a class defined elsewhere (`clf._inputs`)."""
    found = []
    for name, tree in modules.items():
        own = _defined_here(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and _is_private(node.attr)
                and node.attr not in own
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"{name}:{node.lineno} uses .{node.attr} of another module")
        aliases: dict[str, str] = {}
        for module, names, line in _imports(tree):
            for taken in names:
                if taken.startswith("_") and not taken.startswith("__"):
                    found.append(f"{name}:{line} imports {taken} from {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append(f"{name}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_every_top_level_part_is_in_a_layer() -> None:
    parts = {p.stem for p in SRC.iterdir() if p.suffix == ".py" or p.is_dir()} - {"__init__"}
    parts.discard("__pycache__")
    assert parts == set(STAGES) | set(SHARED) | set(ABOVE)


def test_data_flows_one_way() -> None:
    assert import_violations(_modules()) == []


def test_no_private_name_is_used_across_modules() -> None:
    assert private_name_uses(_modules()) == []


@pytest.mark.parametrize(
    ("module", "code", "broken"),
    [
        ("trending_now.ingest.x", "from trending_now.train import run_stage", True),
        ("trending_now.train.x", "from trending_now.ingest import run_stage", False),
        ("trending_now.io", "from trending_now.features import text", True),
        ("trending_now.registry.x", "from trending_now import audit", False),
        ("trending_now.monitor.x", "from trending_now.cli import app", True),
        ("trending_now.cli.x", "from trending_now.ops import stack", False),
    ],
)
def test_the_direction_check_catches_a_backward_import(
    module: str, code: str, broken: bool
) -> None:
    assert bool(import_violations({module: ast.parse(code)})) is broken


def test_the_private_check_catches_both_forms() -> None:
    taken = ast.parse("from trending_now.ops.stack import _is_alive")
    used = ast.parse("from trending_now.ops import stack\nstack._is_alive(rec)")
    reached = ast.parse("def explain(clf):\n    return clf._inputs(docs)")
    at_home = ast.parse("class A:\n    def _f(self): ...\n    def g(self, other): other._f()")
    assert private_name_uses({"trending_now.cli.a": taken})
    assert private_name_uses({"trending_now.cli.b": used})
    assert private_name_uses({"trending_now.governance.c": reached})
    assert not private_name_uses({"trending_now.train.d": at_home})
