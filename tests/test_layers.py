"""The layers of qa/, as each sub-package's docstring states them: a module
imports only from its own layer, the layers below it, and the core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = {"qa", "qa.config", "qa.errors", "qa.types", "qa.files", "qa.inputs", "qa.records", "qa.wording", "qa.not_said"}
# What each layer may import besides the core (and itself).
ALLOWED = {
    "index": set(),
    "answer": {"index"},
    "build": {"index", "answer"},
    "eval": {"index", "answer"},
    "feedback": set(),
    "web": {"index", "answer", "build", "feedback", "cli"},
    "cli": {"index", "answer", "build", "eval", "feedback", "train"},
    "train": {"index", "answer", "build", "eval"},
}


def imported_modules(path: Path) -> set[str]:
    """Every qa module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qa":
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "qa")
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_it_may(layer):
    problems = []
    for path in sorted((ROOT / "qa" / layer).rglob("*.py")):
        for module in imported_modules(path):
            other = layer_of(module)
            if other is None or other == layer or module in CORE:
                continue
            if other not in ALLOWED[layer]:
                problems.append(f"{path.relative_to(ROOT)} imports {module}")
    assert problems == []


def test_the_core_imports_no_layer():
    problems = []
    for path in sorted((ROOT / "qa").glob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue  # the public face composes the layers (lazily); __main__ is an entry point
        problems += [f"{path.name} imports {m}" for m in imported_modules(path) if layer_of(m) is not None]
    assert problems == []


def test_the_check_sees_a_forbidden_import(tmp_path):
    """The check itself: an answer-layer module importing the build is caught."""
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from qa.build.ensure import ensure_index\n", encoding="utf-8")
    assert "qa.build.ensure" in imported_modules(module) and layer_of("qa.build.ensure") == "build"
    assert "build" not in ALLOWED["answer"]
