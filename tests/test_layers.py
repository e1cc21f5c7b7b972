"""The package layers hold (the contracts are in pyproject.toml; `make lint` runs them too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT


def test_the_import_contracts_hold():
    linter = Path(sys.executable).parent / "lint-imports"
    run = subprocess.run([str(linter), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 4 kept, 0 broken." in run.stdout
