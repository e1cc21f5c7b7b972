from __future__ import annotations

import shutil

import pytest

from core.settings import PROJECT_ROOT
from launcher.model import MODEL_INPUTS, content_hash


@pytest.fixture()
def project_copy(tmp_path):
    for entry in MODEL_INPUTS:
        source = PROJECT_ROOT / entry
        target = tmp_path / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return tmp_path


def test_hash_is_stable_and_matches_the_project(project_copy):
    assert content_hash(project_copy) == content_hash(project_copy) == content_hash(PROJECT_ROOT)


@pytest.mark.parametrize("changed", ["config.yml", "bot/domain.yml", "bot/data/nlu/de.yml",
                                     "core/language_detection.py"])
def test_any_model_input_change_changes_the_hash(project_copy, changed):
    before = content_hash(project_copy)
    with open(project_copy / changed, "a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    assert content_hash(project_copy) != before


def test_files_outside_the_inputs_do_not_matter(project_copy):
    before = content_hash(project_copy)
    (project_copy / "README.md").write_text("docs")
    (project_copy / "bot" / "nlu" / "__pycache__").mkdir(exist_ok=True)
    (project_copy / "bot" / "nlu" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert content_hash(project_copy) == before


def test_missing_input_is_reported(project_copy):
    (project_copy / "config.yml").unlink()
    with pytest.raises(FileNotFoundError, match="config.yml"):
        content_hash(project_copy)
