"""'How do I ...' searches over a real manual: the section the question is about comes first."""

from __future__ import annotations

import shutil

import pytest

from core.phrases import term
from core.settings import PROJECT_ROOT
from retrieval.encoder import Encoder
from retrieval.search import Searcher
from retrieval.store import build_index
from retrieval.task_verbs import action_terms

TOP_UP = "what's the right way to top up oil on H15S-2022-03011? level is under the min mark"


def _index_of(manual: str, tmp_path_factory, encoder: Encoder, language: str = "en"):
    root = tmp_path_factory.mktemp("procedures")
    (root / "corpus" / language).mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "docs_corpus" / language / manual, root / "corpus" / language)
    build_index(root / "corpus", root / "index", encoder,
                glossary_path=PROJECT_ROOT / "knowledge" / "glossary.yml")
    return root / "index"


@pytest.fixture(scope="module")
def compressor_manual(tmp_path_factory, encoder: Encoder):
    return _index_of("compressors.md", tmp_path_factory, encoder)


@pytest.fixture(scope="module")
def pump_manual(tmp_path_factory, encoder: Encoder):
    return _index_of("pumps.md", tmp_path_factory, encoder)


def test_the_section_about_the_task_outranks_one_that_mentions_it(compressor_manual, encoder):
    # "Oil overfilled" names topping up in a cause and ends on a short remedy; "Low oil level"
    # is about it in its symptoms, checks and remedy: its chunks support each other.
    searcher = Searcher.open(compressor_manual, encoder)
    hits = searcher.search(TOP_UP, k=3, procedures=True).hits
    assert hits[0].section_id == "hsc.fault.low_oil_level"


def test_without_section_support_the_best_single_chunk_decides(compressor_manual, encoder):
    searcher = Searcher.open(compressor_manual, encoder, section_weight=0.0)
    hits = searcher.search(TOP_UP, k=3, procedures=True).hits
    assert hits[0].section_id == "hsc.fault.oil_overfilled"


@pytest.mark.parametrize(("question", "task"), [
    ("How do I regrease the bearings on the HCP-100 and how much grease?", "mt_hcp_2000h"),
    ("Changing the bearing oil on an HCP-150, what's the procedure?", "mt_hcp_8000h"),
])
def test_a_question_naming_a_scheduled_task_gets_the_task(pump_manual, encoder, question, task):
    # "Bearing failure" mentions bearings, grease and oil all over; the schedule's task
    # "Regrease pump bearings ..." is what the question names.
    hits = Searcher.open(pump_manual, encoder).search(question, k=3, procedures=True).hits
    assert hits[0].section_id == f"hcp.maint.{task}"
    unweighted = Searcher.open(pump_manual, encoder, task_weight=0.0)
    assert unweighted.search(question, k=3, procedures=True).hits[0].section_id == \
        "hcp.fault.bearing_failure"


@pytest.fixture(scope="module")
def french_pump_manual(tmp_path_factory, encoder: Encoder):
    return _index_of("pumps.md", tmp_path_factory, encoder, "fr")


def test_a_task_named_by_its_noun_gets_the_task(french_pump_manual, encoder):
    # "Regraissage" (the noun) and "Regraisser les roulements" (the task's verb) stem apart.
    hits = Searcher.open(french_pump_manual, encoder).search(
        "Regraissage des roulements de la HCP-100 : comment et quand ?", language="fr", k=3,
        procedures=True).hits
    assert hits[0].section_id == "hcp.maint.mt_hcp_2000h"


def test_section_support_and_tasks_are_for_how_to_searches_only(compressor_manual, encoder):
    plain = Searcher.open(compressor_manual, encoder).search(TOP_UP, k=5)
    unsupported = Searcher.open(compressor_manual, encoder, section_weight=0.0,
                                task_weight=0.0).search(TOP_UP, k=5)
    assert [(h.section_id, h.score) for h in plain.hits] == \
        [(h.section_id, h.score) for h in unsupported.hits]


@pytest.fixture(scope="module")
def greek_pump_manual(tmp_path_factory, encoder: Encoder):
    return _index_of("pumps.md", tmp_path_factory, encoder, "el")


@pytest.mark.parametrize("question", [
    # The task says "Αλλάξτε το λάδι ρουλεμάν" (imperative), people "αλλάζω" or ask for the
    # "αλλαγή": the verb's forms stem apart, the kind of work is one.
    "Πώς αλλάζουμε το λάδι στα ρουλεμάν της HCP-150;",
    "αλλαγή λαδιού ρουλεμάν HCP-150, τι κάνω;",
])
def test_the_task_matches_whatever_form_names_the_work(greek_pump_manual, encoder, question):
    searcher = Searcher.open(greek_pump_manual, encoder)
    hits = searcher.search(question, language="el", k=3, procedures=True).hits
    assert hits[0].section_id == "hcp.maint.mt_hcp_8000h"
    unweighted = Searcher.open(greek_pump_manual, encoder, task_weight=0.0)
    assert unweighted.search(question, language="el", k=3, procedures=True).hits[0] \
        .section_id != "hcp.maint.mt_hcp_8000h"


def test_verbs_of_one_kind_of_work_are_one_term():
    german = action_terms("de")
    assert german[term("wechsle", "de")] == german[term("ersetzen", "de")] == "@replace"
    assert german[term("prüfen", "de")] == "@check"
    assert term("ölfilter", "de") not in german
