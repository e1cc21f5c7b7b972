"""What form a question has, in the five languages: "how do I ...?" asks for a procedure.
NLU's intents are about topics (a fault, maintenance, a part);
a "how do I" question about any of them is answered from the manuals (the procedure), not by a
diagnosis or the whole maintenance schedule. Patterns run on folded text (bot/dialogue/text.py).
"""

from __future__ import annotations

import re

from bot.dialogue.extract import strip_ids
from core.text import fold

# Greek and Spanish need the verb: "πως" is also "that", "como" also "as". Greek is written
# with a plain sigma: casefold turns the final sigma into one.
_HOW = re.compile(
    r"\bhow (do|does|can|could|should|would|to|must|is|are)\b|\bhow\?|\bprocedure\b"
    r"|\bwie\s*\?|\bcomment\s*\?|\bcomo\s*\?|\bπωσ\s*[;?]"
    r"|\bsteps? (to|for)\b|\binstructions?\b|\bwalk me through\b"
    r"|\bwhat'?s the (right |correct |proper |best )?(process|way|procedure)"
    r"|\bthe (right|correct|proper|best) way to\b"
    r"|\bwie (\w+ )?(ich|man|wir|kann|muss|soll|wird|werden|geht|bekomme|mache|stelle)\b"
    r"|\bwie \w+ (unser\w*|der|die|das|den|dem)\b"
    r"|\banleitung|\bvorgehen|\bschritte\b"
    r"|\bprozedur|\bvorgehensweise"
    r"|(^|[;:,.!?]\s*)πωσ\b|\bπωσ (να|μπορω|γινεται|θα)\b"
    r"|\bπωσ ((το|τα|τον|την|τη|τισ|τουσ) )?\w+(ω|ουμε|ετε|εται|ονται)\b"
    r"|διαδικασια|\bβηματα\b|\bοδηγιεσ\b"
    r"|\bcomment\b|\bmarche a suivre|\betapes\b|\bmode operatoire"
    r"|\bla (bonne |meilleure )?methode\b"
    r"|\bla (bonne |meilleure )?(facon|maniere) (de|d)\b"
    r"|¿\s*como\b|(^|[;:,.!?]\s*)como\b|\bcomo (se|puedo|debo|hay que|\w+o)\b"
    r"|\bprocedimiento|\bpasos (para|a seguir)|\bque pasos\b|\binstrucciones\b"
    r"|\bla (mejor )?(forma|manera) de\b"
    # In which order the steps go: a procedure too ("what do I check, and in what order?").
    r"|\bin (what|which) order\b"
    r"|\breihenfolge\b|\bwie genau\b|\bablauf (fur|beim|zum|zur)\b|\bwie ist der ablauf\b"
    r"|\bdans quel ordre\b|\bordre des operations\b"
    r"|\ben (que|cual) orden\b|\b(με|σε) ποια σειρα\b")


def asks_how(text: str) -> bool:
    """A question for a procedure ("how do I vent the pump?"); "how often" alone asks for an
    interval, which the maintenance schedule answers."""
    return bool(_HOW.search(fold(text)))


# "What do I check in the weekly inspection?", "Que faut-il faire à la première révision ?":
# what a task consists of, which the manual's task section answers (not the whole schedule).
_WHAT_TO_DO = re.compile(
    r"\bwhat (do|should|must|can) (i|we|you) (check|do|adjust|inspect|look at|clean|test|set)\b"
    r"|\bwhat (adjustments|settings)\b|\bwhat'?s the fix\b"
    r"|\bwhat (do|should|must) (i|we) need to do\b|\bwhat needs to be done\b"
    r"|\banything (special )?(to (know|watch out for|look out for)|i should know)\b"
    r"|\bwhat (checks|is checked|gets checked|is done|gets done)\b|\bwhat to (check|do)\b"
    r"|\bwas (muss|soll|kann|mache|prufe|kontrolliere|tue|stelle) (ich|man|wir)\b"
    r"|\bwas wird\b.{0,80}\b(gemacht|gepruft|kontrolliert|getan|erledigt)\b"
    r"|\bwas ist\b.{0,80}\bzu (tun|machen|beachten|prufen)\b"
    r"|\bτι (πρεπει να |να )?(ελεγχ|ελεγξ|κανω|κανουμε|κοιτ|ρυθμιζ|ρυθμισ|καθαρ|αλλαζ)\w*"
    r"|\bτι ακριβωσ (κανουμε|κανω|ελεγχ)\w*"
    r"|\bque faut-il (faire|verifier|controler)|\bqu'est-ce qu'on (fait|verifie|controle)"
    r"|\bqu'est-ce qu'il faut (faire|verifier|controler)"
    r"|\bqu'est-ce que (je|on|nous) (dois|doit|devons|peux|peut) (faire|verifier|controler|regler)"
    r"|\bque (dois|doit|devons|peux|peut|pouvons)-(je|on|nous) (faire|verifier|controler|regler)"
    r"|\b(je|on) (controle|verifie|fait) quoi\b"
    r"|\bque (hay que|tengo que|tenemos que|debo|debemos) (hacer|revisar|comprobar|mirar"
    r"|medir|limpiar|cambiar)\b"
    r"|\bque (hago|hacemos|compruebo|reviso|miro|ajusto)\b|\bque se (revisa|comprueba|hace)\b"
    r"|\bque (puedo|podemos) (hacer|ajustar|revisar|comprobar)\b")


def asks_what_to_do(text: str) -> bool:
    """A question for what a task consists of ("what do we check every week?"): a procedure
    too, though not asked with "how"."""
    return bool(_WHAT_TO_DO.search(fold(text)))


# "What do I do to stop the cavitation?", "what can we adjust?": the customer asks for the
# remedy of what they already know, which the manual's section gives.
_REMEDY = re.compile(
    r"\bwhat (do|can|should|must) (i|we) do (to|about)\b"
    r"|\bwhat (can|should|do) (i|we) (adjust|set|change)\b|\bwhat (adjustments|settings)\b"
    r"|\bwas (kann|soll|muss) (ich|man|wir) (dagegen )?(tun|machen)\b"
    r"|\bwas (kann|soll|muss) (ich|man|wir)\b.{0,40}\beinstellen\b|\bwelche \w+ stell"
    r"|\bτι (να )?(κανω|κανουμε) για να\b|\bτι (να )?ρυθμ"
    r"|\bque faire pour\b|\bqu'est-ce qu'on peut (faire|regler)\b|\bque peut-on (faire|regler)"
    r"|\bqu'est-ce que (je|on) peu[xt] (faire|regler)\b"
    r"|\bque (hago|hacemos|puedo hacer|podemos hacer) para\b|\bque (puedo|podemos) ajustar\b"
    r"|\bque ajusto\b")


def asks_for_remedy(text: str) -> bool:
    """A question for the remedy of a condition the customer names ("what do I do to stop
    the cavitation?"), or for what to adjust."""
    return bool(_REMEDY.search(fold(text)))


_PART = re.compile(
    r"\border|\bprice|\bcost|\bhow much\b|\bin stock\b|\bdo you have\b|\bhave you got\b"
    r"|\bany in\b|\bquote\b|\blead time|\bbuy\b|\bspare\b|\breplacement\b|\bcan i get\b"
    r"|(\b(i|we)|^|[,;.!]) ?need (a|an|the|new|two|\d)|\bsend (me|us)\b"
    # A count first: "4 bidons de glycol", "2 φίλτρα αέρα", "5 Stück".
    r"|^\s*\d{1,2} ?(x )?[^\W\d_]{3,}|\b\d+ ?(stuck|stk|pcs|pieces|unidades|unites|τεμαχια)\b"
    # "Lager" alone is a bearing as often as the stock: "auf Lager" is the stock.
    r"|\bbestell|\bpreis|\bkost|\b(auf|am|im|ab) lager\b|\bvorratig|\bhabt ihr\b|\bhaben sie\b"
    r"|\bangebot"
    r"|\blieferzeit|\banbiet|\bbrauch(e|en|t|te|ten)\b|\bbenotige|\bersatz|\bschickt (mir|uns)\b"
    r"|\bτιμη|\bποσο κανει|\bκοστιζ|\bαποθεμα|\bεχετε\b|\bθελω (το|την|τον|ενα|μια|καινουρι)"
    r"|\bθελω (\d|καινουρ|καινουργ)|\bστειλ(τε|ε) (μου|μασ)\b"
    r"|\bχρειαζομαστε\b|\bχρειαζομαι\b|\bπαραγγελ|\bανταλλακτικ|\bπροσφορα"
    r"|\bcommand|\bprix\b|\bcombien\b|\bstock\b|\bdispo|\bvous avez\b|\bavez-vous\b"
    r"|\bdevis\b|\bil (me|nous) faut\b|\bdelai|\bbesoin d|\bje cherche\b|\brechange\b"
    r"|\benvoyez-(moi|nous)"
    r"|\bpedir\b|\bpedido|\bprecio|\bcuanto (cuesta|vale|sale)|\btienen\b|\bteneis\b"
    r"|\bdisponib|\bpresupuesto|\bplazo\b|\bnecesito\b"
    r"|\b(quiero|quisiera) (un|una|unos|unas|dos|\d)\b|\b(me|nos) hace(n)? falta\b|\bnecesitamos\b"
    r"|\brecambio|\brepuesto|\bcomprar\b|\bmandad(me|nos)?\b|\benviad(me|nos)?\b"
    # Sending a part: "how quick can you send them", "bitte einen neuen schicken",
    # "¿me mandáis un juego de correas?", "στείλτε μου" (a person sent is a visit, which the
    # controller tells apart first).
    r"|\b(send|ship) (them|it|one|over|a new|two|\d)|\bhow (quick|fast|soon) can you\b"
    r"|\bschicken\b|\bzuschicken|\bzusenden|\b(einen|eine|ein) neue(n|s)?\b"
    r"|\benvoy(er|ez)\b|\bexpedi"
    r"|\bmand(ar|ais|an)\b|\benvi(ar|ais|an)\b"
    r"|\bστειλ(τε|ετε)\b|\bστελνετε\b")


# "Order" as a sequence, not a purchase: "what's the order of steps", "in which order".
_SEQUENCE = re.compile(r"\bin (what|which|the (right|correct|same)) order\b"
                       r"|\border (of|in which|in what)\b")


def asks_for_part(text: str) -> bool:
    """Words of buying: a price, stock, an order, "I need a new ..." (the controller also
    requires a part of the catalogue to match the message's words)."""
    return bool(_PART.search(_SEQUENCE.sub(" ", fold(text))))


# Words of a service contract or warranty: a question with them is about the contract,
# whatever part it names ("is the separator covered by our warranty?", "what does the
# Wartungsvertrag cost?").
_CONTRACT = re.compile(
    r"\bcontract|\bwarrant|\bguarantee|\bsla\b|\bcovered\b|\bcoverage"
    r"|vertrag|\bgarantie|\bgewahrleist|\babgedeckt"
    r"|συμβασ|συμβολαι|εγγυησ|καλυπτ"
    r"|\bcontrat|\bcouvert"
    r"|\bcontrato|\bgarantia|\bcubiert|\bcobertura"
)


def asks_about_contract(text: str) -> bool:
    return bool(_CONTRACT.search(fold(text)))


_VISIT = re.compile(
    r"\btechnic|\bengineer|\bvisit|\bcome (out|over|by|and)|\bon site\b|\bsend someone"
    r"|\btechniker|\bmonteur|\bbesuch|\btermin|\beinsatz|\bvorbeikommen|\bvor ort"
    r"|\bτεχνικ|\bεπισκεψ|\bνα ερθει|\bραντεβου"
    r"|\btechnicien|\bintervenant|\bfrigorist|\belektriker|\bvisite|\bintervention"
    r"|\brendez-vous|\bsur site"
    r"|\btecnico|\bvisita|\bcita\b|\bque venga|\ben planta\b"
    r"|\bschedul|\beinplanen|\bplanifier|\bprogramar|\bagendar|\bπρογραμματισ")


# "<part> for <machine>": the words before "for" name what is wanted, whatever follows ("EC
# fan 800 mm for W060-2021-00208, one has failed", "correas para el compresor ... H15S-...").
_FOR = re.compile(r"\s(?:for|f(?:u|ü|ue)rs?|pour|para|για|per)\s", re.IGNORECASE)


def part_head(text: str) -> str | None:
    """The words before "for <the machine>" (an id follows the "for"), or None."""
    match = _FOR.search(text)
    if match is None or not match.start():
        return None
    rest = text[match.end():]
    return text[:match.start()] if strip_ids(rest) != " ".join(rest.split()) else None


def asks_for_visit(text: str) -> bool:
    """A message that asks for someone to come (a technician, a visit, an appointment)."""
    return bool(_VISIT.search(fold(text)))
