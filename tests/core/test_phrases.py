"""The one phrase matcher: terms, negations, and the two strictnesses its users choose."""

from __future__ import annotations

from core.knowledge.loader import default_knowledge
from core.phrases import NEG, PhraseMatcher, occurs, terms
from retrieval.symptoms import SymptomLexicon


def test_terms_fold_accents_before_stemming_and_keep_negations():
    assert terms("Ölkühler", "de") == terms("olkuhler", "de")
    assert terms("fördert aber kein Wasser", "de").count(NEG) == 1
    assert NEG not in terms("water dripping from the shaft", "en")


def test_greek_when_is_not_never():
    """Typed without its accent, "ποτέ" (never) is "πότε" (when): no negation either way."""
    assert NEG not in terms("Πότε ξεκινάει το πρωτάθλημα;", "el")
    assert NEG in terms("δεν ξεκινάει", "el")


def test_in_order_needs_the_phrasing_as_written():
    matcher = PhraseMatcher([("stuck", "en", "valve stuck")], in_order=True)
    assert matcher.find("the valve stuck again") == ["stuck"]
    assert matcher.find("is it stuck, the valve?") == []


def test_any_order_finds_the_words_apart_and_tolerates_endings():
    matcher = PhraseMatcher([("no_flow", "de", "fördert nicht")], in_order=False)
    assert matcher.find("Pumpe läuft, fördert aber kein Wasser", ["de"]) == ["no_flow"]
    assert matcher.find("fördert Wasser", ["de"]) == []  # a negation matches only itself
    assert occurs("μηχανικ", {"μηχαν"}) and not occurs("under", {"undervoltag"})


def test_a_phrasing_of_negations_only_is_never_found():
    matcher = PhraseMatcher([("none", "en", "not"), ("flow", "en", "no flow")], in_order=True)
    assert matcher.find("it is not running, no flow") == ["flow"]


def test_the_expert_system_and_the_search_find_symptoms_with_one_matcher():
    """Both read the knowledge model's phrasings through `core.phrases`: what the expert
    system finds in its word order, the search finds too."""
    kb = default_knowledge()
    lexicon = SymptomLexicon.from_knowledge(kb)
    text = "Der Kompressor verliert Öl"
    by_rules = set(kb.symptom_matcher.find(text))
    assert by_rules and by_rules <= set(lexicon.match(text, "de").ids)
