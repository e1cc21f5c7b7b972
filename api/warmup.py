"""Load the slow parts (embedding model and index, expert system, language detector, triage, word
frequencies) in the background as the API starts, so that the first customer does not wait for
them: a first search otherwise spends seconds loading the model inside a chat turn."""

from __future__ import annotations

import logging
import threading

from core.settings import Settings

logger = logging.getLogger(__name__)

# Set when the warm-up has ended (loaded, or given up: the parts then load on first use); the
# balancer sends a replica no customer before (GET /readyz).
_warm = threading.Event()


def is_warm() -> bool:
    return _warm.is_set()


def warm_up(settings: Settings) -> None:
    # Imported here, in the warm-up thread, so that importing this module (at the API's start)
    # loads none of them.
    from api.deps import diagnoser_for, searcher_for
    from bot.dialogue.text import zipf
    from bot.triage.other_languages import unsupported_language
    from bot.triage.triage import default_triage
    from core.languages import LANGUAGES

    try:
        diagnoser_for(settings)
        unsupported_language("warming up the language detector")
        default_triage()
        for language in LANGUAGES:  # the folded frequency tables: about a second each
            zipf("warm", language)
        searcher_for(settings).search("warm up", k=1)
        logger.info("warm: expert system, language detector, triage, word frequencies, index "
                    "and embedding model loaded")
    except Exception as exc:  # noqa: BLE001 - no index yet, etc.: loaded on first use instead
        logger.info("warm-up incomplete (%s); parts load on first use", exc)
    finally:
        _warm.set()


def start_warm_up(settings: Settings) -> threading.Thread:
    thread = threading.Thread(target=warm_up, args=(settings,), name="warm-up", daemon=True)
    thread.start()
    return thread
