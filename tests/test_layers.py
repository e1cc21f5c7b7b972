"""The package layers hold (the contracts are in pyproject.toml; `make lint` runs them too)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from core.settings import PROJECT_ROOT


def test_the_import_contracts_hold():
    contracts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))[
        "tool"]["importlinter"]["contracts"]
    linter = Path(sys.executable).parent / "lint-imports"
    run = subprocess.run([str(linter), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    kept = re.search(r"Contracts: (\d+) kept, 0 broken\.", run.stdout)
    assert kept is not None and int(kept.group(1)) == len(contracts) >= 6


PACKAGES = ("core", "db", "rules", "retrieval", "tickets", "monitoring", "analytics", "runtime",
            "api", "bot", "launcher")


def _unexplained_imports(path: Path) -> list[str]:
    """Imports inside a function with no comment on their line or in the run of import and
    comment lines just above them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            i = node.lineno - 1
            block = [lines[i]]
            while i > 0 and lines[i - 1].strip().startswith(("from ", "import ", "#")):
                i -= 1
                block.append(lines[i])
            if not any("#" in line for line in block):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    return found


def test_an_import_inside_a_function_says_why():
    """No import hides in a function to dodge a cycle; a lazy one (start-up time, an optional
    or heavy library) says so in a comment."""
    unexplained = [place for package in PACKAGES
                   for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
                   for place in _unexplained_imports(path)]
    assert unexplained == []
