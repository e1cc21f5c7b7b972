"""A safety net under the NLU: words that mean danger now, in the five languages.

A report of smoke, fire, an electric shock or an injury must never depend on the intent
classifier alone; when NLU files such a message under another intent, the controller still
treats it as `urgent_safety` (safety instruction first, then a P1 ticket). Only unmistakable
terms are listed: a hot bearing or a dripping seal is a fault, not an emergency."""

from __future__ import annotations

import re

from bot.dialogue.text import fold

_PATTERNS = {
    "en": r"\bsmok(e|ing)\b|\bfire\b|\bflames?\b|\bsparks?\b|\bsparking\b|burning smell"
          r"|smell(s|ing)? (of )?burn|\bburnt smell|electric(al)? shock|\bshock(ed)?\b"
          r"|electrocut|\binjur|\bbleeding\b|\bis bleeding|\bunconscious|\bcollapsed\b"
          r"|gas smell|smell(s)? of gas"
          r"|refrigerant\b.*\bhiss|hissing\b.*\brefrigerant|\bspray(ing|s)?\b|\bspurt"
          r"|\bexplo(ded|sion|de)",
    "de": r"\brauch|\bfeuer\b|\bbrennt\b|\bflamme|\bfunken|brandgeruch|verbrannt"
          r"|stromschlag|\bstrom bekommen|\bgewischt\b|\bverletzt|\bblutet|bewusstlos"
          r"|gasgeruch|riecht nach gas|kaltemittel\b.*\b(zisch|tritt aus)|\bspritzt"
          r"|\bexplo",
    "el": r"καπν|φωτια|φλογ|σπιθ|σπινθηρ|μυριζει καμεν|καμενο|ηλεκτροπληξ|πηρε ρευμα"
          r"|τον χτυπησε (το )?ρευμα|τραυματ|αιμορραγ|αιμα|λιποθυμ|αναισθητ|γκαζι"
          r"|διαρροη ψυκτικου|πεταγεται|εκτοξευ|εκρηξ",
    "fr": r"\bfumee|\bfume\b|\ben feu\b|\bincendie|\bflamme|etincel|odeur de brul|sent le brul"
          r"|electrocut|decharge electrique|prendre une decharge|\bcoup de jus|\bbless"
          r"|\bsaign|inconscient|evanoui|odeur de gaz|refrigerant\b.*\b(fuit|siffl)|\bgicle"
          r"|\bjaillit|\bexplos",
    "es": r"\bhumo\b|\bfuego\b|\bllamas\b|\bchispa|olor a quemado|huele\b.*\ba quemado"
          r"|electrocut|descarga electrica|\b(una|la) descarga (electrica|al tocar)"
          r"|\bcalambre|\b(dio|da|dado|dar) (la )?corriente"
          r"|\b(salta|saltando)\b.*\bcaliente|liquido caliente"
          r"|\bherid|\bsangr|inconsciente|desmay|olor a gas|huele a gas"
          r"|refrigerante\b.*\b(fuga|silb)|\bchorro|\bexplos",
}
_HAZARD = re.compile("|".join(f"(?:{p})" for p in _PATTERNS.values()))


def mentions_hazard(text: str) -> bool:
    """Whether the message speaks of a danger to people (any of the five languages).

    Written from general safety vocabulary; a few phrasings were added after the conversation
    evaluation (bench/data/conversations.yml) missed them, so its urgent figures flatter."""
    return bool(text) and _HAZARD.search(fold(text)) is not None
