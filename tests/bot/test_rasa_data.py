"""Rasa's own validation of the domain, NLU data, rules and stories (run in Rasa's environment)."""

from __future__ import annotations

import subprocess

from core.settings import PROJECT_ROOT
from launcher.model import rasa_env
from tests.conftest import RASA_BIN, requires_rasa_env


@requires_rasa_env()
def test_rasa_data_validate():
    proc = subprocess.run(
        [str(RASA_BIN), "data", "validate", "--fail-on-warnings", "--config", "config.yml",
         "--domain", "bot/domain.yml", "--data", "bot/data"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
