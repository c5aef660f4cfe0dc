"""The packages keep their levels, read from the code's own imports (every import, also
those inside functions):

* graph_model is the ground: schema, identifiers, regions, settings, errors, the store
  port and its adapters; it imports nothing else of creditkb;
* loaders and queries build on graph_model only (not on each other);
* api parses, calls queries/ and loaders/, and converts;
* creditkb (the command line, the synthetic data) is the top and may use everything.

And every error raised on purpose is a CreditKBError."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

from graph_model.errors import CreditKBError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("graph_model", "loaders", "queries", "api", "creditkb")
ALLOWED = {
    "graph_model": {"graph_model"},
    "loaders": {"graph_model", "loaders"},
    "queries": {"graph_model", "queries"},
    "api": {"graph_model", "loaders", "queries", "api"},
    "creditkb": set(PACKAGES),
}


def imports(path: Path) -> set[str]:
    """The top-level packages of this project that the module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_nothing_imports_upward(package):
    wrong = {str(p.relative_to(ROOT)): sorted(imports(p) - ALLOWED[package])
             for p in sorted((ROOT / package).rglob("*.py"))}
    assert {f: names for f, names in wrong.items() if names} == {}


def test_the_level_test_reads_imports_inside_functions_too(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from api.app import create_app\n")
    assert imports(module) == {"api"}


def _modules():
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            if not info.name.endswith("__main__"):
                yield importlib.import_module(info.name)


def test_every_error_raised_on_purpose_is_a_creditkb_error():
    errors = {f"{cls.__module__}.{cls.__qualname__}"
              for module in _modules() for _, cls in inspect.getmembers(module, inspect.isclass)
              if issubclass(cls, BaseException) and cls.__module__ == module.__name__
              and not cls.__name__.startswith("_")}
    assert len(errors) >= 15
    assert sorted(e for e in errors if not issubclass(_cls(e), CreditKBError)) == []


def _cls(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)
