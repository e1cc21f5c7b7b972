from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, Settings

PATHS = ["data_dir", "models_dir", "index_dir", "docs_dir", "glossary_path", "knowledge_dir"]


@pytest.mark.parametrize("name", PATHS)
def test_a_relative_path_setting_is_the_projects(name, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the working directory does not matter
    assert getattr(Settings(**{name: "some/where"}), name) == PROJECT_ROOT / "some" / "where"


@pytest.mark.parametrize("name", PATHS)
def test_an_absolute_or_home_path_setting_is_kept(name):
    assert getattr(Settings(**{name: "/srv/x"}), name) == Path("/srv/x")
    assert getattr(Settings(**{name: "~/x"}), name) == Path.home() / "x"
