"""`rasa test core` on the test stories: every dialogue path is predicted as written, with the
customer texts going through the trained model's NLU (the model is trained if needed)."""

from __future__ import annotations

import subprocess

import pytest

from core.settings import PROJECT_ROOT, get_settings
from launcher.model import ensure_model, rasa_env
from tests.conftest import RASA_BIN, requires_rasa_env

pytestmark = pytest.mark.e2e  # needs the trained model


@requires_rasa_env()
def test_test_stories_pass(tmp_path):
    model = ensure_model(get_settings().models_dir, quiet=True)
    proc = subprocess.run(
        [str(RASA_BIN), "test", "core", "--model", str(model), "--stories",
         "bot/tests/test_stories.yml", "--out", str(tmp_path), "--fail-on-prediction-errors",
         "--no-plot"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=900,
    )
    output = proc.stdout + proc.stderr
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text("utf-8")[-3000:] if failed.exists() else ""
    assert proc.returncode == 0, (output[-3000:] + "\n" + details)
