from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from core.knowledge.errors import KnowledgeError
from core.knowledge.families import parse_condition
from core.knowledge.loader import RULES_DATA, load_knowledge
from core.knowledge.model import KnowledgeBase, Observation
from core.phrases import NEG
from core.phrases import terms as symptom_terms
from core.settings import PROJECT_ROOT
from retrieval.search import Searcher
from retrieval.store import load_index
from retrieval.symptoms import SymptomEntry, SymptomLexicon

SYMPTOMS = """
symptoms:
  - id: no_flow
    phrases:
      en: [no flow, does not pump]
      de: [fördert nicht, kein Durchfluss]
    sets: {no_flow_at_all: true}
  - id: gravel
    phrases: {en: [sounds like gravel]}
    sets: {noise_type: gravel_crackling}
  - id: hot
    phrases: {en: [runs hot]}
    hints: [casing_temp_c]
  - id: fire
    phrases: {en: [fire]}
    critical: [cc_fire]
"""

FAMILY = """
family: {id: process_pump, name: Process pump}
observations:
  - {id: no_flow_at_all, type: boolean, question: Is there no flow at all?}
  - {id: noise_type, type: choice, question: What does it sound like?,
     choices: [gravel_crackling, hissing, none]}
  - {id: casing_temp_c, type: number, question: Casing temperature?, unit: C}
faults:
  - id: not_primed
    name: Not primed
    remedy_steps: [Prime the pump]
    evidence:
      - {observation: no_flow_at_all, condition: "== true", weight: strong}
      - {observation: casing_temp_c, condition: "> 60", weight: moderate}
  - id: dry_running
    name: Dry running
    remedy_steps: [Stop the pump]
    evidence:
      - {observation: no_flow_at_all, condition: "== true", weight: moderate}
  - id: flows_fine
    name: Flows fine
    remedy_steps: [Nothing]
    evidence:
      - {observation: no_flow_at_all, condition: "== false", weight: strong}
  - id: cavitation
    name: Cavitation
    remedy_steps: [Open the suction valve]
    evidence:
      - {observation: noise_type, condition: "in [gravel_crackling, hissing]", weight: strong}
critical_conditions:
  - {id: cc_fire, trigger: fire or smoke, action: Leave the room, priority: P1}
"""


def load_pack(root: Path, family: str, symptoms: str,
              catalogues: dict[str, str] | None = None) -> KnowledgeBase:
    """A one-family pack in `root`, with the engine's own sentences of the real rules data."""
    knowledge, rules_data = root / "knowledge", root / "rules_data"
    knowledge.mkdir(parents=True)
    (knowledge / "pumps.yml").write_text(family, encoding="utf-8")
    for language, text in (catalogues or {}).items():
        (knowledge / "i18n" / language).mkdir(parents=True)
        (knowledge / "i18n" / language / "pumps.yml").write_text(text, encoding="utf-8")
    (rules_data / "i18n").mkdir(parents=True)
    (rules_data / "symptoms.yml").write_text(symptoms, encoding="utf-8")
    for texts in (RULES_DATA / "i18n").glob("*.yml"):
        (rules_data / "i18n" / texts.name).write_bytes(texts.read_bytes())
    return load_knowledge(knowledge, rules_data)


@pytest.fixture()
def lexicon(tmp_path: Path) -> SymptomLexicon:
    return SymptomLexicon.from_knowledge(load_pack(tmp_path, FAMILY, SYMPTOMS))


def test_negations_are_kept_as_one_token():
    assert symptom_terms("fördert aber kein Wasser", "de").count(NEG) == 1
    assert symptom_terms("ne pompe pas", "fr") == [NEG, "pomp", NEG]
    assert NEG not in symptom_terms("water dripping from the shaft", "en")


OBSERVATIONS = {
    "boolean": Observation("running", "boolean", "Running?"),
    "choice": Observation("noise", "choice", "Noise?",
                          choices=("gravel_crackling", "hissing", "knocking")),
    "number": Observation("temp", "number", "Temperature?"),
}


@pytest.mark.parametrize(("kind", "condition", "value", "expected"), [
    ("boolean", "== true", True, True),
    ("boolean", "== true", False, False),
    ("boolean", "== false", False, True),
    ("boolean", "!= true", False, True),
    ("boolean", "== true", "true", False),  # another type never satisfies
    ("choice", "in [gravel_crackling, hissing]", "hissing", True),
    ("choice", "in [gravel_crackling, hissing]", "rattling", False),
    ("number", "> 105", 110, True),
    ("number", "> 105", 100, False),
    ("number", "<= 2.5", 2.5, True),
    ("choice", "== knocking", "knocking", True),
    ("number", "> 105", True, False),
])
def test_evidence_conditions(kind, condition, value, expected):
    parsed = parse_condition(OBSERVATIONS[kind], condition, "test.yml", "fault x")
    assert parsed.admits(value) is expected


def test_symptoms_point_to_the_faults_they_are_evidence_for(lexicon):
    by_id = {e.id: e.faults for e in lexicon.entries}
    # A set value counts with its evidence weight; a contradicting condition not at all.
    assert by_id["no_flow"] == {"not_primed": 1.0, "dry_running": 0.6}
    assert by_id["gravel"] == {"cavitation": 1.0}
    # A hinted observation counts for less than a stated one.
    assert by_id["hot"] == {"not_primed": pytest.approx(0.3)}
    # A hazard-only symptom points to no fault and is left out.
    assert "fire" not in by_id


def test_matching_needs_every_word_and_respects_negation(lexicon):
    match = lexicon.match("Pumpe läuft, fördert aber kein Wasser", "de")
    assert match.ids == ["no_flow"]
    assert match.faults == {"not_primed": 1.0, "dry_running": 0.6}
    assert match.english == ["no flow"]
    assert lexicon.match("Pumpe fördert Wasser", "de").ids == []  # no negation
    assert lexicon.match("the pump runs hot", "en").ids == ["hot"]
    assert lexicon.match("the pump runs", "en").ids == []
    # The query's language decides; unknown language: every language is tried.
    assert lexicon.match("fördert nicht", "en").ids == []
    assert lexicon.match("fördert nicht", None).ids == ["no_flow"]


def test_lexicon_survives_a_json_round_trip(lexicon):
    again = SymptomLexicon.from_json(lexicon.to_json())
    assert [e.__dict__ for e in again.entries] == [e.__dict__ for e in lexicon.entries]
    assert again.match("no flow at all", "en").ids == ["no_flow"]


def test_a_malformed_file_is_named(tmp_path: Path):
    with pytest.raises(KnowledgeError, match="symptoms.yml.*needs an id"):
        load_pack(tmp_path / "a", FAMILY, "symptoms:\n  - phrases: {en: [x]}\n")
    with pytest.raises(KnowledgeError, match="cannot be read"):
        load_pack(tmp_path / "b", FAMILY, "symptoms: [")


def test_the_packs_symptoms_point_to_faults_the_manuals_cover():
    """Every fault the real vocabulary can point to has a troubleshooting section."""
    lexicon = SymptomLexicon.from_knowledge(load_knowledge(PROJECT_ROOT / "knowledge"))
    assert len(lexicon) >= 5
    manual = "\n".join(p.read_text(encoding="utf-8")
                       for p in (PROJECT_ROOT / "docs_corpus" / "en").glob("*.md"))
    sections = set(re.findall(r"section: \w+\.fault\.(\w+);", manual))
    assert lexicon.fault_ids <= sections


def test_a_described_symptom_lifts_the_faults_section(built, encoder):
    index = load_index(built[1], encoder.name, encoder.dimension)
    query = "Unter der Pumpe steht eine Pfütze"  # the manual has no such word
    plain = Searcher(index, encoder).search(query, language="de", k=5)
    assert "hcp.fault.mechanical_seal_leak" not in [h.section_id for h in plain.hits[:1]]
    puddle = SymptomEntry("puddle", {"de": ["Pfütze"], "en": ["puddle under the pump"]},
                          {"mechanical_seal_leak": 1.0})
    expanded = Searcher(dataclasses.replace(index, symptoms=SymptomLexicon([puddle])),
                        encoder).search(query, language="de", k=5)
    assert expanded.hits[0].section_id == "hcp.fault.mechanical_seal_leak"
    assert "symptom:puddle" in expanded.expanded_with
    # Dense-only and lexical-only stay pure rankings (the evaluation's ablations).
    lexical = Searcher(dataclasses.replace(index, symptoms=SymptomLexicon([puddle])),
                       encoder).search(query, language="de", k=5, mode="lexical")
    assert "symptom:puddle" not in lexical.expanded_with


def test_the_index_folder_keeps_the_lexicon(tmp_path: Path, encoder, lexicon):
    from retrieval.store import build_index
    from tests.retrieval.corpus import write_corpus

    corpus = write_corpus(tmp_path / "corpus")
    folder = tmp_path / "index"
    build_index(corpus, folder, encoder, symptoms=lexicon)
    loaded = load_index(folder, encoder.name, encoder.dimension)
    assert [e.id for e in loaded.symptoms.entries] == [e.id for e in lexicon.entries]
    assert loaded.meta["symptoms"] == len(lexicon)
    # An index from before the symptom vocabulary still loads, without expansion.
    (folder / "symptoms.json").unlink()
    assert len(load_index(folder, encoder.name, encoder.dimension).symptoms) == 0


CHOICES = {
    "en": "observations:\n  oil_look:\n    choices:\n      milky: Milky (emulsified)\n"
          "      clear: Normal\n  code:\n    choices:\n      E101: E101\n",
    "de": "observations:\n  oil_look:\n    choices:\n      milky: Milchig, emulgiert\n"
          "      clear: Normal\n",
}
CHOICE_FAMILY = """
family: {id: process_pump, name: Process pump}
observations:
  - {id: oil_look, type: choice, question: How does the oil look?, choices: [milky, clear]}
  - {id: code, type: choice, question: Which code?, choices: [E101, none]}
faults:
  - id: water_in_oil
    name: Water in the oil
    remedy_steps: [Change the oil]
    evidence:
      - {observation: oil_look, condition: "== milky", weight: strong}
  - id: old_oil
    name: Old oil
    remedy_steps: [Change the oil]
    evidence:
      - {observation: oil_look, condition: "== clear", weight: weak}
"""


def test_the_labels_of_a_choice_are_phrasings_of_that_answer(tmp_path: Path):
    """"The oil went milky" is the answer "Milky (emulsified)" the diagnosis would ask for;
    a label of common words only ("Normal") or an id ("E101") is no symptom."""
    lexicon = SymptomLexicon.from_knowledge(
        load_pack(tmp_path, CHOICE_FAMILY, "symptoms: []\n", CHOICES))
    assert [e.id for e in lexicon.entries] == ["choice:oil_look=milky"]
    assert lexicon.entries[0].phrases == {"en": ["Milky", "emulsified"],
                                          "de": ["Milchig", "emulgiert"]}
    assert lexicon.match("the oil went milky, how do I get the water out?", "en").faults == {
        "water_in_oil": 1.0}
    assert lexicon.match("Öl ist milchig geworden", "de").ids == ["choice:oil_look=milky"]
    assert lexicon.match("oil looks normal", "en").ids == []
