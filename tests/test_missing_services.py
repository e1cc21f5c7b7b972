"""A service a test needs that is missing: skipped on a developer's machine, a failure in CI."""

from __future__ import annotations

import pytest

from tests import conftest


def test_a_missing_service_skips_outside_ci(monkeypatch):
    monkeypatch.setattr(conftest, "STRICT", False)
    with pytest.raises(pytest.skip.Exception, match="no such service"):
        conftest.unavailable("no such service")


def test_a_missing_service_fails_in_ci(monkeypatch):
    monkeypatch.setattr(conftest, "STRICT", True)
    with pytest.raises(pytest.fail.Exception, match="no such service.*CI=true"):
        conftest.unavailable("no such service")


def test_ci_runs_strict():
    text = (conftest.PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=true" in text
