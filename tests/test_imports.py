"""The layers of the plugin import only downwards (read by ``ast``, nothing is imported):

    routes_plugin/core      no QGIS; imports only itself (and no private ``_names`` of its sibling modules)
    routes_plugin/edge      the shared QGIS edge: core
    routes_plugin/layouts   core, edge
    processing/             core, edge, layouts; no algorithm module imports another one
    routes_plugin/ui        core, edge, layouts
    routes_plugin/plugin.py everything

Also: every algorithm declares in ``REQUIRES`` exactly the runtime packages it
imports (itself and, transitively, the plugin modules it imports), each known
to the dependency check; and every module docs/architecture.md names exists.
"""
from __future__ import annotations

import ast
import re
import sys
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "trafficking_routes"
#: layer -> the layers it may import
ALLOWED = {
    "core": {"core"},
    "edge": {"core", "edge"},
    "layouts": {"core", "edge", "layouts"},
    "processing": {"core", "edge", "layouts", "processing"},
    "ui": {"core", "edge", "layouts", "ui"},
    "plugin": {"core", "edge", "layouts", "processing", "ui", "plugin"},
    "root": {"plugin"},
}
NOT_THIRD_PARTY = {"qgis", "osgeo", "processing", "PyQt5", "PyQt6", "sip", "__future__"}


def source_files() -> list[Path]:
    files = [REPO / "__init__.py", *sorted((REPO / "routes_plugin").rglob("*.py")),
             *sorted((REPO / "processing").rglob("*.py"))]
    return [f for f in files if "__pycache__" not in f.parts]


def module_name(path: Path) -> str:
    """Dotted name inside the plugin: ``routes_plugin.core.flows``, ``processing.base``, ``""`` for the root."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if module == "":
        return "root"
    if parts[0] == "processing":
        return "processing"
    if parts[:2] == ["routes_plugin", "plugin"]:
        return "plugin"
    if len(parts) >= 2 and parts[1] in ("core", "edge", "layouts", "ui"):
        return parts[1]
    return "plugin"  # routes_plugin/__init__.py


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


@lru_cache(maxsize=None)
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def imports(path: Path):
    """(line, absolute target inside the plugin or None, top-level name of an outside module or None,
    imported names) of every import statement, deferred ones included."""
    module = module_name(path)
    package = module if is_package(path) else module.rpartition(".")[0]
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                inside = alias.name[len(PACKAGE) + 1:] if top == PACKAGE else None
                yield node.lineno, inside, None if inside is not None else top, []
        elif isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names]
            if node.level == 0:
                top = (node.module or "").split(".")[0]
                if top == PACKAGE:
                    yield node.lineno, node.module[len(PACKAGE) + 1:], None, names
                else:
                    yield node.lineno, None, top, names
                continue
            base = package.split(".") if package else []
            if node.level > 1:
                base = base[:len(base) - (node.level - 1)]
            target = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, target, None, names


def resolve(target: str) -> Path | None:
    """The file of a plugin module (``a.b`` -> a/b.py or a/b/__init__.py)."""
    base = REPO.joinpath(*target.split(".")) if target else REPO
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def targets(target: str, names) -> list[str]:
    """The modules an import reaches: ``from . import x`` reaches the module x when it is one."""
    found = [f"{target}.{n}" if target else n for n in names if resolve(f"{target}.{n}" if target else n)]
    return found or [target]


FILES = source_files()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_imports_only_look_down(path):
    module = module_name(path)
    layer = layer_of(module)
    wrong = []
    for line, target, outside, names in imports(path):
        if outside is not None:
            if layer == "core" and outside in ("qgis", "PyQt5", "PyQt6", "processing"):
                wrong.append(f"line {line}: the core imports {outside}")
            continue
        for reached in targets(target, names):
            if resolve(reached) is None:
                wrong.append(f"line {line}: {reached} does not exist")
                continue
            other = layer_of(reached)
            if other not in ALLOWED[layer]:
                wrong.append(f"line {line}: {layer} imports {other} ({reached})")
            if (module.startswith("processing.algorithms.") and reached.startswith("processing.algorithms.")
                    and reached != "processing.algorithms"):
                wrong.append(f"line {line}: algorithm module imports another algorithm module ({reached})")
    assert not wrong, f"{path.relative_to(REPO)}:\n" + "\n".join(wrong)


def test_algorithm_modules_are_imported_only_by_the_provider():
    users = []
    for path in FILES:
        module = module_name(path)
        if module in ("processing.provider",) or module.startswith("processing.algorithms"):
            continue
        for line, target, _outside, names in imports(path):
            if target is not None and any(t.startswith("processing.algorithms.") for t in targets(target, names)):
                users.append(f"{module} line {line}")
    assert not users, users


@pytest.mark.parametrize("path", [f for f in FILES if layer_of(module_name(f)) == "core"],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_core_uses_no_private_name_of_a_sibling_module(path):
    module = module_name(path)
    aliases, wrong = {}, []
    for line, target, _outside, names in imports(path):
        if target is None:
            continue
        for name in names:
            if name.startswith("_") and not name.startswith("__") and target != module:
                wrong.append(f"line {line}: from {target} import {name}")
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ImportFrom) and node.lineno == line:
                for a in node.names:
                    if resolve(f"{target}.{a.name}"):
                        aliases[a.asname or a.name] = f"{target}.{a.name}"
    for node in ast.walk(parsed(path)):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            wrong.append(f"line {node.lineno}: {aliases[node.value.id]}.{node.attr}")
    assert not wrong, f"{path.relative_to(REPO)}:\n" + "\n".join(wrong)


# ------------------------------------------------------------ declared requirements
def module_level(path: Path, line: int) -> bool:
    """Whether the import at ``line`` runs when the module is imported (not inside a function)."""
    for node in ast.walk(parsed(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= node.end_lineno:
            return False
    return True


def third_party(path: Path, deferred_everywhere: bool, seen=None) -> set[str]:
    """Top-level outside packages imported by ``path`` and the plugin modules it imports, transitively.
    Deferred imports (inside functions) count in the algorithm module itself and in the glue it calls
    (processing/, the edge); in the core and the layouts only with ``deferred_everywhere`` (they are
    optional features there: PostGIS, YAML profiles, Gi* statistics)."""
    seen = set() if seen is None else seen
    if path in seen:
        return set()
    seen.add(path)
    glue = layer_of(module_name(path)) in ("processing", "edge")
    found = set()
    for line, target, outside, names in imports(path):
        if not (deferred_everywhere or glue or module_level(path, line)):
            continue
        if outside is not None:
            if outside not in NOT_THIRD_PARTY and outside not in sys.stdlib_module_names:
                found.add(outside)
            continue
        for reached in targets(target, names):
            parts = reached.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__, a/b/__init__ too
                file = resolve(".".join(parts[:i]))
                if file is not None:
                    found |= third_party(file, deferred_everywhere, seen)
    return found


def literal(path: Path, name: str, cls: str | None = None):
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.ClassDef) and cls is not None and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.Assign) and any(getattr(t, "id", None) == name for t in item.targets):
                    return ast.literal_eval(item.value)
        if cls is None and isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name
                                                                 for t in node.targets):
            return ast.literal_eval(node.value)
    return None


ALGORITHMS = sorted((REPO / "processing" / "algorithms").glob("[!_]*.py"))


@pytest.mark.parametrize("path", ALGORITHMS, ids=lambda p: p.stem)
def test_declared_requirements_are_what_the_algorithm_imports(path):
    """REQUIRES holds every package the algorithm cannot run without, and nothing it never imports."""
    known = literal(REPO / "routes_plugin" / "edge" / "dependencies.py", "RUNTIME_PACKAGES")
    classes = [n.name for n in parsed(path).body if isinstance(n, ast.ClassDef)
               and any(getattr(b, "id", None) == "RoutesAlgorithm" for b in n.bases)]
    assert classes, f"{path.name} defines no RoutesAlgorithm"
    needed, reachable = third_party(path, False), third_party(path, True)
    assert needed <= set(known), f"{path.name} imports packages the dependency check does not know: " \
                                 f"{sorted(needed - set(known))}"
    for cls in classes:
        declared = literal(path, "REQUIRES", cls)
        assert declared is not None, f"{cls} declares no REQUIRES"
        assert needed <= set(declared), f"{cls}.REQUIRES lacks {sorted(needed - set(declared))}"
        assert set(declared) <= reachable & set(known), \
            f"{cls}.REQUIRES names {sorted(set(declared) - reachable)}, which it never imports"


# ------------------------------------------------------------ docs/architecture.md
def test_architecture_page_names_only_modules_that_exist():
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:routes_plugin|processing)/[\w/]+\.py)", page))
    functions = re.findall(r"`((?:routes_plugin|processing)/[\w/]+\.py)::(\w+)`", page)
    assert len(named) >= 10, "docs/architecture.md names the modules of each layer"
    assert [n for n in named if not (REPO / n).is_file()] == []
    missing = []
    for file, function in functions:
        tree = parsed(REPO / file)
        defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        if function not in defined:
            missing.append(f"{file}::{function}")
    assert len(functions) >= 8 and missing == [], missing
