from __future__ import annotations

import pytest

from core.phrases import occurs
from retrieval.errors import UnknownFilterError


def test_error_code_finds_its_section_first(searcher):
    result = searcher.search("E132", k=3)
    assert result.hits[0].section_id == "hsc.code.E132"
    assert result.hits[0].topics == ["E132", "air_filter_clogged"]


def test_paraphrase_finds_the_fault(searcher):
    hits = searcher.search("the compressor runs too hot, the cooler fins are dusty").hits
    assert hits[0].section_id in {"hsc.fault.oil_cooler_fouled", "hsc.code.E101"}


def test_pdf_hit_cites_its_page(searcher):
    hit = searcher.search("glycol concentration for freeze protection", k=1).hits[0]
    assert (hit.document, hit.page) == ("hwc-glycol", 2)


def test_html_hit_cites_its_section(searcher):
    hit = searcher.search("AL101 high pressure cut-out", k=1).hits[0]
    assert (hit.document, hit.section_id) == ("chiller-guide", "hwc.code.AL101")


def test_one_hit_per_section_in_the_readers_language(searcher):
    german = searcher.search("Ölstand zu niedrig", k=5)
    assert german.query_language == "de"
    low_oil = [h for h in german.hits if h.section_id == "hsc.fault.low_oil_level"]
    assert len(low_oil) == 1 and low_oil[0].language == "de"
    english = searcher.search("oil level too low", k=5)
    low_oil = [h for h in english.hits if h.section_id == "hsc.fault.low_oil_level"]
    assert len(low_oil) == 1 and low_oil[0].language == "en"
    # English is the fallback where the reader's language has no version of a section.
    greek = searcher.search("κωδικός E101", language="el", k=5)
    assert greek.hits[0].section_id == "hsc.code.E101" and greek.hits[0].language == "en"


@pytest.mark.parametrize("query", [
    "διαρροή από τον μηχανικό στυπιοθλίπτη",  # Greek: leak at the mechanical seal
    "fuga en el sello mecánico",  # Spanish
    "fuite de la garniture mécanique",  # French
])
def test_glossary_expansion_finds_english_only_content(searcher, query):
    result = searcher.search(query, k=3)
    assert "mechanical_seal" in result.expanded_with
    assert result.hits[0].section_id == "hcp.fault.mechanical_seal_leak"
    assert result.hits[0].language == "en"


def test_filters_by_family_and_model(searcher):
    hits = searcher.search("maintenance", family="centrifugal_process_pump", k=10).hits
    assert hits and {h.family for h in hits} == {"centrifugal_process_pump"}
    hits = searcher.search("glycol coil cleaning", model="HWC-60", k=10).hits
    assert hits and all("HWC-60" in h.models for h in hits)
    assert searcher.search("E101", model="HCP-50", k=10).hits[0].section_id.startswith("hcp.")


@pytest.mark.parametrize(("field", "value"), [
    ("language", "it"), ("family", "turbines"), ("model", "HSC-999")])
def test_unknown_filters_are_refused_by_name(searcher, field, value):
    with pytest.raises(UnknownFilterError, match=value) as excinfo:
        searcher.search("oil", **{field: value})
    assert excinfo.value.field == field


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_single_retrievers_answer_too(searcher, mode):
    assert searcher.search("E101 high discharge temperature", mode=mode, k=2).hits[0].section_id \
        in {"hsc.code.E101", "hsc.fault.oil_cooler_fouled"}


def test_misspelt_query_still_matches(searcher):
    hits = searcher.search("separater oil levle", mode="lexical", k=3).hits
    assert "hsc.fault.low_oil_level" in [h.section_id for h in hits]


def test_dense_scores_only_languages_the_model_reads(searcher, encoder):
    from retrieval.search import Searcher

    languages = {c.language for c, ok in zip(searcher.index.chunks, searcher._dense_rows,
                                             strict=True) if ok}
    assert languages == {"en"}  # the packaged model is English-only
    multilingual = Searcher(searcher.index, encoder, dense_languages=None)
    assert multilingual._dense_rows.all()
    hits = multilingual.search("Ölstand zu niedrig", mode="dense", k=3).hits
    assert "hsc.fault.low_oil_level" in [h.section_id for h in hits]


def test_a_common_word_does_not_stand_for_a_longer_term():
    """ "under the min mark" is not "undervoltage", "Motor" not "Motorüberlast"; an ending
    that differs by a few letters still matches (Greek stems are not always consistent)."""
    assert not occurs("under", {"undervoltag"})
    assert not occurs("motor", {"motoruberlast"})
    assert occurs("μηχανικ", {"μηχαν"})
    assert occurs("filter", {"filter"})
