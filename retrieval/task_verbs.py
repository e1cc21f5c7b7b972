"""The verbs of maintenance work, by what they do, in the five languages.

A maintenance task's clause says "Ölfilter ersetzen", "Αντικαταστήστε το φίλτρο λαδιού",
"Clean the water strainer"; customers ask "wie wechsle ich den Ölfilter?", "πώς αλλάζω το φίλτρο
λαδιού;", "how do I clean out the strainer?". The object matches, the verb often does not: the
manual uses one verb where people use several ("ersetzen" / wechseln, tauschen; "αντικαθιστώ" /
αλλάζω). So both sides' verbs (and their nouns: "Wechsel", "αλλαγή", "vidange") become one term
per kind of work, and a question that names the work and its object matches the task's clause
on two words, not one.

Forms are listed as people write them (infinitive, first person, imperative, noun), because the
stemmers do not bring every inflection to one stem (Greek "αλλάζω" -> αλλαζ, "αλλάξτε" ->
αλλαξτ).
"""

from __future__ import annotations

from functools import lru_cache

from core.phrases import term

ACTIONS: dict[str, dict[str, str]] = {
    "replace": {
        "en": "replace replaced replacing replacement change changed changing swap swapping "
              "renew renewing exchange",
        "el": "αντικαθιστώ αντικαθιστούμε αντικαθιστάς αντικαθίσταται αντικαταστήσω "
              "αντικαταστήσουμε αντικαταστήστε αντικατάσταση αντικατάστασης αλλάζω αλλάζουμε "
              "αλλάζεις αλλάζει αλλάζεται αλλάξω αλλάξουμε αλλάξτε αλλαγή αλλαγής ανανεώνω "
              "ανανεώστε",
        "de": "ersetzen ersetze ersetzt ersatz wechseln wechsle wechsel wechselt "
              "gewechselt tauschen tausche tausch austauschen austausch ausgetauscht erneuern "
              "erneuere erneuert",
        "fr": "remplacer remplace remplacez remplacement changer change changez changement "
              "vidanger vidange renouveler",
        "es": "sustituir sustituyo sustituye sustitución reemplazar reemplazo reemplaza cambiar "
              "cambio cambia cambiamos renovar recambiar",
    },
    "clean": {
        "en": "clean cleaning cleaned wash washing flush flushing",
        "el": "καθαρίζω καθαρίζουμε καθαρίζεται καθαρίσω καθαρίστε καθαρισμός καθαρισμό "
              "καθάρισμα πλένω πλύσιμο",
        "de": "reinigen reinige reinigt reinigung sauber säubern säubere putzen putze "
              "ausspülen spülen",
        "fr": "nettoyer nettoie nettoyez nettoyage laver lavage rincer",
        "es": "limpiar limpio limpia limpiamos limpieza lavar lavado",
    },
    "check": {
        "en": "check checking checked inspect inspecting inspection test testing tested verify "
              "examine",
        "el": "ελέγχω ελέγχουμε ελέγχεται ελέγξω ελέγξτε έλεγχος έλεγχο ελέγχου επιθεωρώ "
              "επιθεωρήστε επιθεώρηση δοκιμάζω δοκιμάστε δοκιμή τεστάρω",
        "de": "prüfen prüfe prüft prüfung geprüft überprüfen überprüfe kontrollieren "
              "kontrolliere kontrolle testen teste test checken",
        "fr": "contrôler contrôle contrôlez vérifier vérifie vérification tester teste test "
              "essai inspecter inspection",
        "es": "comprobar compruebo comprueba comprobación revisar reviso revisa revisión "
              "verificar verifico verificación probar pruebo prueba inspeccionar inspección "
              "control",
    },
    "lubricate": {
        "en": "grease greasing regrease regreasing lubricate lubricating lubrication",
        "el": "γρασάρω γρασάρουμε γρασάρετε γρασάρισμα γράσο λιπαίνω λίπανση",
        "de": "schmieren schmiere nachschmieren nachschmiere abschmieren fetten nachfetten "
              "schmierung",
        "fr": "graisser graisse regraisser regraisse regraissage graissage lubrifier "
              "lubrification",
        "es": "engrasar engraso engrase reengrasar reengrase lubricar lubricación",
    },
    "tighten": {
        "en": "tighten tightening retighten",
        "el": "σφίγγω σφίξτε σφίξιμο σύσφιξη",
        "de": "nachziehen anziehen festziehen",
        "fr": "serrer resserrer serrage",
        "es": "apretar aprieto apriete reapretar",
    },
    "measure": {
        "en": "measure measuring measurement",
        "el": "μετράω μετρώ μετρήστε μέτρηση",
        "de": "messen messe messung",
        "fr": "mesurer mesure mesurez",
        "es": "medir mido medición",
    },
    "align": {
        "en": "align aligning alignment realign",
        "el": "ευθυγραμμίζω ευθυγραμμίστε ευθυγράμμιση",
        "de": "ausrichten ausrichte ausrichtung",
        "fr": "aligner aligne alignement réaligner",
        "es": "alinear alineo alineación",
    },
}


@lru_cache(maxsize=8)
def action_terms(language: str) -> dict[str, str]:
    """Index term of each listed form -> its kind of work ("@replace")."""
    found: dict[str, str] = {}
    for action, by_language in ACTIONS.items():
        for word in by_language.get(language, "").split():
            found.setdefault(term(word.casefold(), language), "@" + action)
    return found
