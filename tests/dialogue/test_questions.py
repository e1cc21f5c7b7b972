"""The form of a question in the five languages: a procedure asked for, a part asked for."""

from __future__ import annotations

import pytest

from bot.dialogue.questions import (
    asks_for_part,
    asks_for_remedy,
    asks_how,
    asks_what_to_do,
    part_head,
)
from bot.dialogue.text import zipf

HOW = [
    "How do I swap the separator element on an HSC-37?", "steps to vent the pump casing",
    "Wie wechsle ich den Ansaugfilter?", "Wie wird der Filtertrockner getauscht?",
    "Πώς αλλάζω το φίλτρο λαδιού;", "Διαδικασία αλλαγής λαδιού στο HSC-75",
    "Τι ελέγχω κάθε εβδομάδα και πώς το κάνω;",
    "Comment on fait l'appoint d'huile ?", "quelle est la marche à suivre pour purger",
    "¿Cómo cambio el sello mecánico?", "pasos para hacer el cambio de aceite",
    "E111 again - wie misst unser Elektriker die Spannung?", "Πείτε μου πώς καθαρίζεται η σίτα",
    "κάθε πότε και πώς αλλάζουμε τα ρουλεμάν;", "Quelle est la bonne façon de purger l'air ?",
    "la bomba cavita, ¿qué pasos sigo?", "what's the right way to drain the condensate?",
    "Saugseitiges Sieb reinigen, wie?", "Quelle est la bonne méthode pour purger la pompe ?",
    # In which order the steps go.
    "AL114 on the HWC-20, what do I check and in what order?",
    "Wartungssatz fürs Mindestdruckventil einbauen: was ist die Reihenfolge?",
    "Ablauf für den Wechsel der Gleitringdichtung?", "Öl nachfüllen – wie genau?",
    "je contrôle quoi et dans quel ordre ?", "¿qué compruebo y en qué orden?",
    "Τι ελέγχω και με ποια σειρά;",
]
NOT_HOW = [
    # A phase sequence is no order of steps; "Ablauf" is also the drain.
    "E113 phase sequence after the electricians worked on the supply",
    "A024 Dichtungsleckage, im Ablauf stehen ein paar Tropfen Wasser",
    "how often do I grease the bearings?", "how much is the oil filter?",
    "the pump makes a grinding noise", "μου είπαν πως η αντλία είναι χαλασμένη",
    "funciona como antes", "Wann ist der nächste Ölwechsel fällig?",
    "genau so wie der alte Filter", "le compresseur tourne comme hier",
]
PART = [
    "can I order the load solenoid today?", "price of the separator element?",
    "Habt ihr Luftfilter für den HSC-37 da?", "Was kostet der Hochdruckschalter?",
    "Θέλω το κιτ της γραμμής επιστροφής λαδιού", "τιμή για το ανεμιστηράκι;",
    "électrovanne de charge 24V, c'est dispo ?", "garniture méca, prix et délai svp",
    "necesito un kit de cierre mecánico", "¿cuánto cuesta el rodete?",
    # Typed without accents, a count first, an offer asked for.
    "θελω 3 φιλτρα λαδιου", "στειλτε μου το κιτ", "6 bidons d'huile pour paliers",
    "Schmierfett für die Lager, bitte 2 Kartuschen anbieten", "il nous faut une courroie",
    "the old belt snapped, need a new one",
    "I'd like to order 2 oil filters for the HSC-37",
    # Sending asked for.
    "how soon can you send one?", "bitte einen neuen zuschicken", "¿me lo mandáis hoy?",
    "pouvez-vous m'envoyer la bobine ?", "στείλτε μας δύο φίλτρα",
]
NOT_PART = [
    "the pump makes a grinding noise", "Der Kompressor liefert keine Luft mehr",
    "η αντλία κάνει θόρυβο", "le compresseur chauffe", "la bomba vibra mucho",
    "¿Hace falta parar la bomba antes de purgar?", "Quiero saber por qué pita la enfriadora",
    # "Lager" is a bearing as often as the stock.
    "Lager nachschmieren an der HCP-50, wie oft und womit?",
    # "Order" as a sequence.
    "oil change on the HSC-37, what's the order of steps?",
    "in which order do I close the valves before cleaning the strainer?",
]


@pytest.mark.parametrize("text", HOW)
def test_a_procedure_is_asked_for(text):
    assert asks_how(text)


@pytest.mark.parametrize("text", NOT_HOW)
def test_intervals_prices_and_reports_are_no_procedure_questions(text):
    assert not asks_how(text)


@pytest.mark.parametrize("text", PART)
def test_a_part_is_asked_for(text):
    assert asks_for_part(text)


@pytest.mark.parametrize("text", NOT_PART)
def test_fault_reports_ask_for_no_part(text):
    assert not asks_for_part(text)


WHAT_TO_DO = [
    "What do we check in the yearly safety inspection?",
    "Was wird bei der ersten 500-Stunden-Wartung gemacht?",
    "Τι ελέγχει ο χειριστής κάθε εβδομάδα;", "Que faut-il faire à la première révision ?",
    "qué se revisa en la inspección semanal?",
    "F002 again, what can we adjust?", "E141 beim Start, was kann ich tun?",
    "Πριν το reset, τι πρέπει να ελέγξω;", "AL104 le matin, que peut-on régler ?",
    "sale F009, ¿qué puedo revisar?",
    "Oil looks milky. What do I need to do?", "swapping the belts, anything to watch out for?",
    "Was ist bei der halbjährlichen Wartung zu tun?",
    "qu'est-ce qu'il faut faire pour la vidange ?", "¿qué hay que medir cada semana?",
]
NOT_WHAT_TO_DO = ["how often is the oil filter changed?", "Τι τιμή έχει το κιτ;",
                  "Was kostet der Luftfilter?", "quel est le prix du filtre ?"]


@pytest.mark.parametrize("text", WHAT_TO_DO)
def test_what_a_task_consists_of_is_asked(text):
    assert asks_what_to_do(text)


@pytest.mark.parametrize("text", NOT_WHAT_TO_DO)
def test_intervals_and_prices_are_not_what_to_do_questions(text):
    assert not asks_what_to_do(text)


@pytest.mark.parametrize(("text", "head"), [
    ("condenser fan 800 mm for W060-2021-00208, one has died", "condenser fan 800 mm"),
    ("Niederdruckgeber für W060-2023-00511, der alte spinnt", "Niederdruckgeber"),
    ("correas para el compresor de Burgos, serie H15S-2022-03011", "correas"),
    ("Ανεμιστηράκι για το HSC-15", "Ανεμιστηράκι"),
    # No machine after the "for": no part asked for by its name alone.
    ("what is the lead time for the oil filter", None),
    ("the seal leaks", None),
])
def test_the_words_before_for_the_machine(text, head):
    assert part_head(text) == head


def test_how_common_a_word_is_however_it_is_accented():
    assert zipf("θελω", "el") == zipf("θέλω", "el") > 5
    assert zipf("electrico", "es") == zipf("eléctrico", "es") > 4
    assert zipf("Ölabscheidepatrone", "de") < 2


@pytest.mark.parametrize("text", [
    "pretty sure it's cavitation, what do we do to stop it?", "What settings should I change?",
    "Es kavitiert, was kann ich dagegen tun?", "Welche Mindestfrequenz stelle ich ein?",
    "Τι κάνουμε για να σταματήσει η σπηλαίωση;", "Τι ρυθμίζω στον inverter;",
    "Que faire pour éviter la cavitation ?", "¿Qué hago para quitar la cavitación?",
])
def test_a_remedy_is_asked_for(text):
    assert asks_for_remedy(text)


@pytest.mark.parametrize("text", [
    "the pump makes a grinding noise, what do I do?", "Die Pumpe ist laut, was nun?",
    "la bomba vibra, ¿qué hago?", "how often is the oil changed?",
])
def test_a_symptom_with_what_now_asks_for_no_remedy(text):
    assert not asks_for_remedy(text)
