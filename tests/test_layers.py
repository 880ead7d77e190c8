"""Checks that keep the seams: the engine never imports Streamlit, and nothing outside an item type's own
module asks which type an item is."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from cpd.items.registry import TYPES

ROOT = Path(__file__).resolve().parent.parent
CPD = ROOT / "cpd"

# Modules are found on disk, not with pkgutil.walk_packages: that imports every package it walks, cpd.ui too.
PROBE = r"""
import importlib, json, pathlib, sys
root = pathlib.Path("cpd")
names = sorted(".".join(p.with_suffix("").parts).removesuffix(".__init__") for p in root.rglob("*.py"))
# Not importable on their own: the pages, the CLI's entry point, and Alembic's scripts (run by Alembic, and
# checked for Streamlit below by reading them).
skip = ("cpd.ui", "cpd.storage.migrations")
names = [n for n in names if not any(n == s or n.startswith(s + ".") for s in skip) and n != "cpd.__main__"]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}))
"""


def test_no_engine_module_imports_streamlit():
    """Every cpd module outside cpd/ui, imported in a fresh interpreter, leaves Streamlit unloaded."""
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(out.stdout)
    assert {"cpd.attempts", "cpd.items.registry", "cpd.behaviours.grading", "cpd.certificates.service"} <= set(found["imported"])
    assert len(found["imported"]) >= 40
    assert found["streamlit"] == [], "the engine imported Streamlit"


def test_migrations_do_not_import_streamlit_either():
    for path in (CPD / "storage" / "migrations").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(m.split(".")[0] == "streamlit" for m in imported), path


def _engine_files() -> list[Path]:
    return [p for p in CPD.rglob("*.py") if "items" not in p.relative_to(CPD).parts[:1]]


def test_nothing_outside_the_item_types_branches_on_the_type():
    """No engine or page module names an item type or its model: they reach types through the registry."""
    tags = set(TYPES)
    models = {t.model.__name__ for t in TYPES.values()}
    found = []
    for path in _engine_files():
        if path.parent.name == "item_forms" and path.stem in tags:
            continue  # a type's own form module
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in tags:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.Name | ast.Attribute) and (getattr(node, "id", None) or getattr(node, "attr", None)) in models:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []
