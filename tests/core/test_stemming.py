"""Stemming under concurrent chat turns: the API runs each turn in a worker thread, and a
snowball stemmer shared by threads mixed words up (IndexError mid-word, a failed turn)."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.stemming import stemmer
from retrieval.analysis import Analyzer
from rules.symptoms import stems

MANUAL = Path(__file__).resolve().parents[2] / "docs_corpus" / "en" / "compressors.md"


@pytest.fixture()
def fast_switching():
    # Threads switch after every few bytecodes, so a shared stemmer would be caught mid-word.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _words() -> list[str]:
    words = sorted({w for w in MANUAL.read_text("utf-8").casefold().split() if w.isalpha()})
    assert len(words) > 500
    return words


def test_each_thread_has_its_own_stemmer():
    mine = stemmer("de")
    assert stemmer("de") is mine
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(stemmer("de")))
    thread.start()
    thread.join()
    assert other[0] is not mine


def test_concurrent_stemming_gives_the_sequential_stems(fast_switching):
    words = _words()
    expected = {w: stemmer("en").stemWord(w) for w in words}
    # Each text is new to the caches: every call stems.
    texts = [f"{w} {w}s {w}ing" for w in words]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda t: stems(t, "en"), texts))
        analyzer = Analyzer("en")
        terms = list(pool.map(analyzer.term, [f"{w}ed" for w in words]))
    assert [r[0] for r in results] == [expected[w] for w in words]
    assert terms == [stemmer("en").stemWord(f"{w}ed") for w in words]
