"""DEMO DATA: the words of the demo quarter (analytics/demo.py) that the training data does not
hold: questions the manuals do not answer (knowledge gaps), messages the NLU does not
understand, what customers type instead of pressing a button, and the engineers' replies and
notes on the demo tickets. Everything else the demo customers say comes from the NLU training
examples of their language (bot/data/nlu/<lang>.yml); the assistant's words from its own
message catalogues."""

from __future__ import annotations

# Questions the manuals do not answer: the gaps the documentation team should see. Several
# ask the same thing in other words, so the gap clusters (/api/v1/kpis/gaps) have sizes.
GAP_QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "how do I connect the controller to our SCADA over Modbus TCP",
        "which Modbus registers does the controller expose",
        "can the controller talk Profinet to our PLC",
        "what is the noise level in dB at one metre",
        "how loud is the machine at full load",
        "can we use a third-party synthetic oil instead of yours",
        "is there an ATEX version for a zone 2 area",
        "can the unit run on our diesel generator during a power cut",
        "how do I update the controller firmware",
        "where do I download the latest controller software",
        "how much electricity does it use per year",
        "what is the yearly energy consumption in kWh",
        "can we move the machine to another building ourselves",
        "how do I dispose of the old refrigerant",
        "is the unit rated for outdoor installation, what IP class",
        "do you offer operator training courses",
        "can I get remote access to the controller over VPN",
        "does the warranty transfer if we sell the machine",
    ),
    "de": (
        "wie binde ich die Steuerung per Modbus TCP an unser Leitsystem an",
        "welche Modbus-Register hat die Steuerung",
        "kann die Steuerung Profinet mit unserer SPS",
        "wie hoch ist der Schalldruckpegel in dB in einem Meter Abstand",
        "wie laut ist die Maschine unter Volllast",
        "dürfen wir ein synthetisches Öl eines anderen Herstellers verwenden",
        "gibt es eine ATEX-Ausführung für Zone 2",
        "kann die Anlage bei Stromausfall am Notstromaggregat laufen",
        "wie mache ich ein Firmware-Update der Steuerung",
        "wie viel Strom verbraucht die Anlage im Jahr",
        "wie hoch ist der jährliche Energieverbrauch in kWh",
        "können wir die Maschine selbst in eine andere Halle umsetzen",
        "wie entsorge ich das alte Kältemittel",
        "ist das Gerät für die Aufstellung im Freien geeignet, welche IP-Schutzart",
        "bieten Sie Schulungen für unsere Bediener an",
        "gilt die Garantie weiter, wenn wir die Maschine verkaufen",
    ),
    "el": (
        "πώς συνδέω τον ελεγκτή με το SCADA μας μέσω Modbus TCP",
        "ποιους καταχωρητές Modbus έχει ο ελεγκτής",
        "πόσα dB θόρυβο κάνει το μηχάνημα σε απόσταση ενός μέτρου",
        "πόσο θόρυβο κάνει σε πλήρες φορτίο",
        "μπορούμε να βάλουμε συνθετικό λάδι άλλης εταιρείας",
        "υπάρχει έκδοση ATEX για ζώνη 2",
        "μπορεί να δουλέψει με ηλεκτροπαραγωγό ζεύγος σε διακοπή ρεύματος",
        "πώς κάνω αναβάθμιση λογισμικού στον ελεγκτή",
        "πόσο ρεύμα καταναλώνει το χρόνο",
        "ποια είναι η ετήσια κατανάλωση ενέργειας σε kWh",
        "μπορούμε να μεταφέρουμε μόνοι μας το μηχάνημα σε άλλο κτίριο",
        "πώς ανακυκλώνω το παλιό ψυκτικό υγρό",
        "μπορεί να μπει σε εξωτερικό χώρο, τι βαθμό προστασίας IP έχει",
        "κάνετε εκπαίδευση για τους χειριστές μας",
        "ισχύει η εγγύηση αν πουλήσουμε το μηχάνημα",
    ),
    "fr": (
        "comment raccorder l'automate à notre supervision en Modbus TCP",
        "quels registres Modbus l'automate propose-t-il",
        "quel est le niveau sonore en dB à un mètre",
        "quel bruit fait la machine à pleine charge",
        "peut-on utiliser une huile synthétique d'une autre marque",
        "existe-t-il une version ATEX pour une zone 2",
        "la machine peut-elle fonctionner sur notre groupe électrogène",
        "comment mettre à jour le logiciel de l'automate",
        "quelle est la consommation électrique annuelle",
        "combien de kWh consomme la machine par an",
        "peut-on déplacer la machine nous-mêmes dans un autre bâtiment",
        "comment éliminer l'ancien fluide frigorigène",
        "l'appareil peut-il être installé en extérieur, quel indice IP",
        "proposez-vous des formations pour nos opérateurs",
        "la garantie est-elle transférée si nous revendons la machine",
    ),
    "es": (
        "cómo conecto el controlador a nuestro SCADA por Modbus TCP",
        "qué registros Modbus tiene el controlador",
        "cuál es el nivel de ruido en dB a un metro",
        "cuánto ruido hace la máquina a plena carga",
        "podemos usar un aceite sintético de otra marca",
        "existe una versión ATEX para zona 2",
        "puede funcionar con nuestro grupo electrógeno si se va la luz",
        "cómo actualizo el firmware del controlador",
        "cuánta electricidad consume al año",
        "cuál es el consumo anual de energía en kWh",
        "podemos trasladar la máquina nosotros mismos a otra nave",
        "cómo se desecha el refrigerante viejo",
        "se puede instalar a la intemperie, qué grado de protección IP tiene",
        "ofrecen cursos de formación para nuestros operarios",
        "se mantiene la garantía si vendemos la máquina",
    ),
}

# Messages the NLU does not understand (typos, fragments, another subject half-said).
FALLBACK_TEXTS: dict[str, tuple[str, ...]] = {
    "en": ("asdf", "the thing is doing it again", "??", "ok so about that",
           "it went brrr then stopped", "same as yesterday", "can u chek", "hmm no",
           "the green one", "pls", "what about the other one"),
    "de": ("asdf", "das Ding macht es schon wieder", "??", "also wegen dem",
           "wie gestern", "könnt ihr mal schaun", "hmm nee", "das grüne", "bitte",
           "und das andere"),
    "el": ("ασδφ", "το ίδιο πάλι", "??", "λοιπόν για εκείνο", "όπως χθες",
           "μπορείτε να δείτε", "χμ όχι", "το πράσινο", "παρακαλώ", "και το άλλο"),
    "fr": ("asdf", "ça recommence", "??", "bon alors pour ça", "comme hier",
           "vous pouvez regarder", "hmm non", "le vert", "svp", "et l'autre"),
    "es": ("asdf", "otra vez lo mismo", "??", "bueno pues eso", "como ayer",
           "pueden mirar", "mmm no", "el verde", "porfa", "y el otro"),
}

# What customers type instead of pressing a button (bot/dialogue/simulate.py says the same).
TYPED = {
    "en": {"yes": "yes", "no": "no", "dont_know": "I don't know"},
    "el": {"yes": "ναι", "no": "όχι", "dont_know": "δεν ξέρω"},
    "de": {"yes": "ja", "no": "nein", "dont_know": "weiß ich nicht"},
    "fr": {"yes": "oui", "no": "non", "dont_know": "je ne sais pas"},
    "es": {"yes": "sí", "no": "no", "dont_know": "no lo sé"},
}

# The engineer's first reply to the customer, asking for something, and the last one.
FIRST_REPLY = {
    "en": "Hello, I have taken over your case and am looking into it now.",
    "el": "Καλησπέρα σας, ανέλαβα την υπόθεσή σας και την εξετάζω τώρα.",
    "de": "Guten Tag, ich habe Ihren Fall übernommen und sehe ihn mir gerade an.",
    "fr": "Bonjour, j'ai repris votre dossier et je l'examine en ce moment.",
    "es": "Hola, me he hecho cargo de su caso y lo estoy revisando ahora.",
}
ASK_CUSTOMER = {
    "en": "Could you send me a photo of the nameplate and the last alarm list?",
    "el": "Μπορείτε να μου στείλετε φωτογραφία της πινακίδας και τη λίστα των τελευταίων "
          "συναγερμών;",
    "de": "Können Sie mir ein Foto des Typenschilds und die letzte Alarmliste schicken?",
    "fr": "Pourriez-vous m'envoyer une photo de la plaque signalétique et la dernière liste "
          "d'alarmes ?",
    "es": "¿Podría enviarme una foto de la placa de características y la última lista de "
          "alarmas?",
}
RESOLVED_REPLY = {
    "en": "The machine is back in service. Please let us know if the fault comes back.",
    "el": "Το μηχάνημα λειτουργεί ξανά. Ενημερώστε μας αν το πρόβλημα επανεμφανιστεί.",
    "de": "Die Maschine läuft wieder. Bitte melden Sie sich, falls die Störung wiederkommt.",
    "fr": "La machine est de nouveau en service. Prévenez-nous si le défaut réapparaît.",
    "es": "La máquina vuelve a estar en servicio. Avísenos si la avería se repite.",
}
# Internal notes (staff only; the service desk writes them in English).
ASSIGN_NOTES = (
    "Assigned by the dispatcher (region and skills).",
    "Taking this one; spare parts checked at the regional warehouse.",
    "Assigned after triage; customer called back by phone.",
)
RESOLUTION_NOTES = (
    "Fixed on site; parts replaced as per the diagnosis.",
    "Resolved remotely with the operator over the phone.",
    "Settings corrected, unit observed for one hour without fault.",
    "Visit done, preventive maintenance carried out at the same time.",
    "Answered the question by e-mail with the relevant documentation.",
)
