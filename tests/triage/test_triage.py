"""The triage on the classifiers trained from bot/data (as the assistant trains them): the
order of its stages, and unmistakable examples per language of each route. The measured
figures on messages written blind are in bench/out/blind_eval.md."""

from __future__ import annotations

import dataclasses

import pytest

from bot.triage.corpus import CorpusError, examples, plain
from bot.triage.safety import Danger, SafetyThresholds
from bot.triage.triage import Route, Thresholds, default_triage


@pytest.fixture(scope="module")
def triage():
    return default_triage()


DANGER = {
    "en": "There is thick black smoke pouring out of the compressor cabinet and my colleague "
          "collapsed next to it",
    "de": "Aus dem Schaltschrank vom Kompressor kommt Rauch und es brennt, ein Kollege ist "
          "verletzt",
    "el": "Βγαίνει καπνός και φωτιά από τον πίνακα του συμπιεστή, ένας συνάδελφος είναι "
          "τραυματισμένος",
    "fr": "Il y a de la fumée et des flammes qui sortent de l'armoire électrique du "
          "compresseur, un collègue est blessé",
    "es": "Sale humo y fuego del cuadro eléctrico del compresor y un compañero está herido",
}
OUT_OF_DOMAIN = {
    "en": "Can you recommend a good recipe for lasagne for six people?",
    "de": "Wie wird das Wetter am Wochenende in München?",
    "el": "Θέλω να κλείσω ένα τραπέζι για δύο άτομα σε εστιατόριο απόψε",
    "fr": "Comment faire un virement bancaire vers le compte de ma sœur ?",
    "es": "¿Qué película me recomiendas ver esta noche en Netflix?",
}
ROUTINE = {
    "en": "How often should I change the oil filter on the HSC-37?",
    "de": "Wann muss ich beim HSC-37 den Ölfilter wechseln?",
    "el": "Κάθε πότε αλλάζω το φίλτρο λαδιού στο HSC-37;",
    "fr": "Tous les combien faut-il changer le filtre à huile du HSC-37 ?",
    "es": "¿Cada cuánto hay que cambiar el filtro de aceite del HSC-37?",
}


@pytest.mark.parametrize("language", sorted(DANGER))
def test_a_plain_emergency_takes_the_danger_path(triage, language):
    verdict = triage.route(DANGER[language], intent="report_problem")
    assert verdict.route is Route.DANGER, verdict


@pytest.mark.parametrize("language", sorted(OUT_OF_DOMAIN))
def test_a_request_from_another_domain_is_called_out_of_domain(triage, language):
    verdict = triage.route(OUT_OF_DOMAIN[language], intent="ask_how_to")
    assert verdict.route is Route.OUT_OF_DOMAIN, verdict


@pytest.mark.parametrize("language", sorted(ROUTINE))
def test_a_routine_question_goes_to_its_flow(triage, language):
    verdict = triage.route(ROUTINE[language], intent="ask_maintenance", has_id=True)
    assert verdict.route is Route.FLOW, verdict


def test_safety_comes_before_the_domain_and_the_context(triage):
    # Awaiting an answer, naming a serial: the emergency still comes first.
    verdict = triage.route(DANGER["en"] + " P100-2021-00542", intent="provide_reading",
                           awaiting="diagnosis", has_id=True)
    assert verdict.route is Route.DANGER


def test_the_domain_check_leaves_answers_ids_and_small_talk_alone(triage):
    text = OUT_OF_DOMAIN["en"]
    assert triage.route(text, awaiting="diagnosis").route is Route.FLOW
    assert triage.route(text, has_id=True).route is Route.FLOW
    assert triage.route(text, intent="thank").route is Route.FLOW
    assert triage.route(text, intent="ask_how_to").route is Route.OUT_OF_DOMAIN


def test_a_button_payload_is_not_triaged(triage):
    assert triage.route("", intent="affirm").route is Route.FLOW


def test_thresholds_give_three_levels():
    levels = SafetyThresholds(now=0.8, possible=0.4)
    assert [levels.level(p) for p in (0.9, 0.8, 0.5, 0.4, 0.1)] == [
        Danger.NOW, Danger.NOW, Danger.POSSIBLE, Danger.POSSIBLE, Danger.NONE]
    with pytest.raises(ValueError):
        SafetyThresholds(now=0.3, possible=0.5)


def test_between_the_instruction_and_the_sure_threshold_danger_is_likely():
    levels = SafetyThresholds(now=0.8, possible=0.4, sure=0.9)
    assert [levels.level(p) for p in (0.95, 0.9, 0.85, 0.8, 0.5, 0.1)] == [
        Danger.NOW, Danger.NOW, Danger.LIKELY, Danger.LIKELY, Danger.POSSIBLE, Danger.NONE]
    with pytest.raises(ValueError):
        SafetyThresholds(now=0.8, possible=0.4, sure=0.7)


def test_a_message_its_alarm_code_explains_needs_the_coded_threshold_for_the_instruction():
    levels = SafetyThresholds(now=0.7, possible=0.6, sure=0.9, coded=0.85)
    # Under `coded` the safety question instead of the instruction: one click from danger.
    assert levels.level(0.8, explained=True) is Danger.POSSIBLE
    assert levels.level(0.8) is Danger.LIKELY
    assert levels.level(0.86, explained=True) is Danger.LIKELY
    assert levels.level(0.95, explained=True) is Danger.NOW
    assert levels.level(0.5, explained=True) is Danger.NONE
    with pytest.raises(ValueError):
        SafetyThresholds(now=0.7, possible=0.6, coded=0.5)


def test_the_triage_holds_an_explained_message_unless_the_pack_knows_a_hazard(triage):
    text = "red LED on the chiller panel, AL120, one of the two condenser fans is not turning"
    assert 0.05 < triage.safety.probability([text])[0] < 0.999
    strict = dataclasses.replace(triage, thresholds=Thresholds(
        SafetyThresholds(now=0.05, possible=0.05, sure=0.999, coded=0.999),
        triage.thresholds.out_of_domain, triage.thresholds.out_of_domain_bare))
    assert strict.route(text, has_id=True).route is Route.DANGER_LIKELY
    # Explained by its code: the safety question, not the instruction.
    assert strict.route(text, has_id=True, explained=True).route is Route.SAFETY_CHECK
    # A hazard the pack knows (a reading over its limit) is danger whatever the code says.
    assert strict.route(text, has_id=True, explained=True,
                        known=Danger.NOW).route is Route.DANGER


def test_the_stored_thresholds_load_and_are_ordered():
    thresholds = Thresholds.load()
    assert 0 < thresholds.safety.possible <= thresholds.safety.now < 1
    assert 0 < thresholds.out_of_domain < 1


def test_unreadable_thresholds_name_the_file(tmp_path):
    path = tmp_path / "thresholds.yml"
    path.write_text("safety: {now: 0.5}\n")
    with pytest.raises(ValueError, match="thresholds.yml"):
        Thresholds.load(path)


def test_the_corpus_has_every_kind_in_every_language():
    data = examples()
    for language in ("en", "el", "de", "fr", "es"):
        mine = [e for e in data if e.language == language]
        assert sum(e.danger for e in mine) >= 50, language
        assert sum(e.in_domain is False for e in mine) >= 50, language
        assert sum(e.in_domain is True and not e.danger and e.source == "triage"
                   for e in mine) >= 50, language
        assert sum(e.in_domain is None for e in mine) >= 20, language  # small talk


def test_nlu_annotations_are_removed():
    assert plain("my [HSC-37](model) shows [E101]{\"entity\": \"error_code\"}") == \
        "my HSC-37 shows E101"


def test_a_malformed_triage_file_is_refused_with_its_name(tmp_path):
    (tmp_path / "en.yml").write_text("danger_now: ['ok']\nmaybe: ['x']\n")
    with pytest.raises(CorpusError, match="en.yml.*maybe"):
        examples.__wrapped__(tmp_path, tmp_path)


def test_once_a_machine_is_known_only_a_clearly_foreign_request_leaves_the_domain(triage):
    # A borderline request (somewhere between the two limits) stays with the machine.
    borderline = "Which contract are we on, and how fast do you get back to us?"
    verdict = triage.route(borderline, intent="ask_contract", machine_known=True)
    assert verdict.route is Route.FLOW
    assert triage.route(OUT_OF_DOMAIN["en"], intent="ask_contract",
                        machine_known=True).route is Route.OUT_OF_DOMAIN


FOREIGN_ALARM = {  # alarming words about something that is not ours (written for this test)
    "en": "The fridge in my kitchen at home is buzzing loudly and water is leaking onto the floor",
    "de": "Mein Kühlschrank zu Hause brummt laut und unten läuft Wasser raus, was soll ich tun?",
    "fr": "Mon frigo à la maison claque toute la nuit et de l'eau coule sous le bac à légumes",
    "es": "El frigorífico de mi casa hace un ruido horrible y gotea agua por debajo",
}


@pytest.mark.parametrize("language", sorted(FOREIGN_ALARM))
def test_alarming_words_about_something_not_ours_are_no_danger(triage, language):
    verdict = triage.route(FOREIGN_ALARM[language], intent="report_problem")
    assert verdict.route not in (Route.DANGER, Route.DANGER_LIKELY, Route.SAFETY_CHECK), verdict


def test_the_foreign_veto_leaves_ids_and_the_packs_conditions_alone(triage, monkeypatch):
    text = FOREIGN_ALARM["en"]
    monkeypatch.setattr(triage.safety, "probability", lambda texts: [0.99] * len(texts))
    assert triage.route(text).route is Route.OUT_OF_DOMAIN
    # The same words with a serial, or a reading the pack calls critical: danger.
    assert triage.route(text, has_id=True).route is Route.DANGER
    assert triage.route(text, known=Danger.NOW).route is Route.DANGER
