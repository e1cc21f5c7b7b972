"""The package layers hold (the contracts are in pyproject.toml; `make lint` runs them too)."""

from __future__ import annotations

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
