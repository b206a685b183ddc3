"""The import graph: `meetings` sits on top of `experiments` and `metrics`, and nothing below it
imports it (`tracker/urls.py` and the settings only name it)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", ["experiments", "metrics"])
def test_nothing_below_meetings_imports_it(app):
    sources = sorted((ROOT / app).rglob("*.py"))
    assert sources, f"no Python files under {app}/"
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m.split(".")[0] == "meetings")
        for path in sources
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_meetings_reads_the_apps_below_it():
    imported = set().union(*(_imported_modules(p) for p in (ROOT / "meetings").rglob("*.py")))
    assert {m.split(".")[0] for m in imported} >= {"experiments", "metrics"}
