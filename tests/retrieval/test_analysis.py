from __future__ import annotations

import pytest

from core.text import strip_accents
from retrieval.analysis import Analyzer, Decompounder, analyzer


def test_greek_accents_and_final_sigma_fold():
    assert strip_accents("θερμοκρασία") == "θερμοκρασια"
    assert strip_accents("ΣΥΜΠΙΕΣΤΉΣ".casefold()) == "συμπιεστησ"
    greek = analyzer("el")
    # With and without the tonos, upper and lower case: the same terms.
    assert greek.analyze("Θερμοκρασία λαδιού") == greek.analyze("θερμοκρασια λαδιου")
    assert greek.analyze("ΣΥΜΠΙΕΣΤΗΣ") == greek.analyze("συμπιεστής")


@pytest.mark.parametrize(("language", "inflected", "base"), [
    ("en", "filters", "filter"),
    ("el", "φίλτρα", "φίλτρο"),
    ("de", "Pumpen", "Pumpe"),
    ("fr", "pompes", "pompe"),
    ("es", "bombas", "bomba"),
])
def test_stemming_joins_inflected_forms(language, inflected, base):
    assert analyzer(language).analyze(inflected) == analyzer(language).analyze(base)


@pytest.mark.parametrize(("language", "accented", "plain"), [
    ("fr", "température élevée", "temperature elevee"),
    ("es", "presión de aspiración", "presion de aspiracion"),
    ("de", "Ölkühler verschmutzt", "Olkuhler verschmutzt"),
])
def test_accents_do_not_matter(language, accented, plain):
    assert analyzer(language).analyze(accented) == analyzer(language).analyze(plain)


def test_stop_words_go_and_codes_stay_whole():
    terms = analyzer("en").analyze("What is the part number of HSC-OF-015 for E101?")
    assert "the" not in terms and "what" not in terms
    assert "e101" in terms
    assert "hsc-of-015" in terms


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unsupported"):
        Analyzer("it")


def test_german_compounds_split_into_words_the_corpus_knows():
    splitter = Decompounder.from_texts(["Das Kältemittel im Kreislauf.", "Die Patrone und der "
                                        "Ölabscheider", "Stunden im Betrieb"])
    assert splitter.split("kaltemitteluberfullung") == []  # "überfüllung" is unknown here
    assert splitter.split("olabscheiderpatrone") == [analyzer("de").term("ölabscheider"),
                                                     analyzer("de").term("patrone")]
    assert splitter.split("betriebsstunden") == [analyzer("de").term("betrieb"),
                                                 analyzer("de").term("stunden")]  # Fugen-s
    terms = analyzer("de").analyze("Betriebsstunden", splitter)
    assert analyzer("de").term("stunden") in terms
    # Other languages are never split.
    assert analyzer("en").analyze("Betriebsstunden", splitter) == ["betriebsstunden"]
