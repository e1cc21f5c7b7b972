"""Names only our own customers write (bot/triage/names.py), read from the knowledge pack: an
engineer's full name or title and surname (Greek ones in Greek letters too), a customer's
company, the brand's products; and the everyday words that some of those names also are."""

from __future__ import annotations

import pytest

from bot.triage.names import KnownNames, latin
from bot.triage.triage import Route, default_triage
from core.knowledge.loader import default_knowledge


@pytest.fixture(scope="module")
def names():
    return KnownNames.from_knowledge(default_knowledge())


@pytest.mark.parametrize("text", [
    "Est-ce que Julien Moreau peut me rappeler ?",
    "¿Me puede llamar Javier Romero? Es el que lleva lo nuestro",
    "δωστε μου ενα τηλεφωνο να μιλησω απευθειας με τον κ. Παπαδάκη",
    "Θέλω να μιλήσω με τον Νίκο Παπαδάκη",
    "Herr Weber soll mich bitte zurückrufen",
    "Buenas tardes, le escribo desde Química Levante",
    "hello, Northbridge Pharma here",
    "Wo sehe ich in der HeliosLogic die Laststunden?",
])
def test_our_names_are_found(names, text):
    assert names.found(text)


@pytest.mark.parametrize("text", [
    "receta de pollo al horno con romero",     # rosemary, and one engineer's surname
    "Weber Grill oder Napoleon, was ist besser?",
    "remind me to call Martin at 6",
    "Rappelle-moi d'appeler maman dimanche",
    "Καλημέρα, τι καιρό θα κάνει αύριο;",
])
def test_everyday_words_are_not_our_names(names, text):
    assert not names.found(text)


def test_greek_letters_are_compared_in_latin():
    assert latin("παπαδακη") == "papadaki"
    assert latin("χριστοδουλου") == "christodoulou"


def test_a_message_naming_our_engineer_is_not_sent_away_as_out_of_domain():
    triage = default_triage()
    text = "I'd rather deal with a human - can Daniel Hughes give me a ring?"
    assert triage.route(text, intent="talk_to_human", confidence=0.6).route is Route.FLOW
