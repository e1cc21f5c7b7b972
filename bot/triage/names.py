"""Names only our own customers write: the service organisation's engineers, its customers'
companies and the manufacturer's brand (HeliosLogic, HeliosChill).

"Can Julien Moreau call me back?", "Buenas tardes, le escribo desde Química Levante", "Where do
I see the load hours in the HeliosLogic?" carry no domain word the scope classifier knows, yet
they are plainly meant for this service; a name like that counts as an id does: the message is
not sent away as out of the domain.

A surname alone is not enough ("Martin", "Weber" and "Romero" are everyday words or other
people): the full name, or the surname after a title ("Mr Hughes", "κ. Παπαδάκη", "Herr
Weber"). Greek messages write the engineers' names in Greek letters, so Greek words are also
compared in Latin transliteration; Greek declension changes a name's ending ("του κ.
Παπαδάκη"), so a Greek-written surname matches on all but its last letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.knowledge.model import KnowledgeBase
from core.phrases import contains
from core.text import fold

# Legal forms that are not part of what a customer calls its own company.
LEGAL_FORMS = frozenset("sa ae gmbh kg sas sl ltd bv ag oe ike plc inc srl spa".split())
# Titles that make a surname a person's name, in the five languages (folded, no dots).
TITLES = frozenset(
    "mr mrs ms dr herr frau hr fr m mme monsieur madame sr sra senor senora don dona "
    "κ κα κοσ κυριε κυρια κυριοσ".split())
MIN_SURNAME = 4
_WORD = re.compile(r"\w+", re.UNICODE)
# ISO 843-like transliteration of folded Greek, the spelling of names in Latin letters
# ("Χριστοδούλου" -> christodoulou). Not the parts matcher's (bot/dialogue/answers.py), which
# reads loanwords by their sound ("κομπρεσέρ" -> kompreser, ου -> u) and would lose the "ou"
# of "Georgiou".
_GREEK_PAIRS = (("ου", "ou"), ("αι", "ai"), ("ει", "ei"), ("οι", "oi"), ("μπ", "b"),
                ("ντ", "d"), ("γκ", "g"), ("θ", "th"), ("χ", "ch"), ("ψ", "ps"), ("ξ", "x"))
_GREEK = str.maketrans("αβγδεζηικλμνοπρστυφω", "avgdeziiklmnoprstyfo")


def latin(word: str) -> str:
    """A folded Greek word in Latin letters ("παπαδακη" -> "papadaki"); others unchanged."""
    for greek, roman in _GREEK_PAIRS:
        word = word.replace(greek, roman)
    return word.translate(_GREEK)


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text).replace(".", " ")) if w != "_"]


@dataclass(frozen=True)
class KnownNames:
    people: tuple[tuple[str, ...], ...]     # folded words of each engineer's name
    companies: tuple[tuple[str, ...], ...]  # folded words of each customer's name
    brand: str                              # folded first word of the company's name

    def found(self, text: str) -> bool:
        """Whether the message names one of our engineers, customers or products."""
        words = _words(text)
        if self.brand and any(w.startswith(self.brand) for w in words):
            return True
        if any(contains(words, company) for company in self.companies):
            return True
        romans = [latin(w) for w in words]  # once per message, not once per engineer
        return any(self._names(words, romans, person) for person in self.people)

    @staticmethod
    def _names(words: list[str], romans: list[str], person: tuple[str, ...]) -> bool:
        surname = person[-1]
        if len(surname) < MIN_SURNAME:
            return False
        for i, word in enumerate(words):
            greek = romans[i] != word
            same = word == surname or (greek and len(word) >= MIN_SURNAME and
                                       _same_stem(romans[i], surname))
            if not same:
                continue
            before = words[i - 1] if i else ""
            first = romans[i - 1] if greek and i else before
            if before in TITLES or (len(person) > 1 and first and _same_stem(first, person[0])):
                return True
        return False

    @classmethod
    def from_knowledge(cls, knowledge: KnowledgeBase) -> KnownNames:
        people = tuple(tuple(_words(t.name)) for t in knowledge.service.technicians)
        companies = []
        for customer in knowledge.service.customers:
            # "Química Levante S.A." -> quimica levante (the dots split "S.A." into letters)
            words = tuple(w for w in _words(customer.name)
                          if len(w) > 1 and w not in LEGAL_FORMS)
            if words:
                companies.append(words)
        brand = (_words(knowledge.service.company) or [""])[0]
        return cls(tuple(p for p in people if p), tuple(companies), brand)


def _same_stem(word: str, name: str) -> bool:
    """The same name, allowing a changed last letter (Greek cases: Παπαδάκη(ς), Γεωργίου)."""
    if word == name:
        return True
    stem = name[:-1] if len(name) > MIN_SURNAME else name
    return word.startswith(stem) and len(word) <= len(name) + 1


__all__ = ["KnownNames", "latin"]
