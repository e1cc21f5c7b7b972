"""What the actions run on (the controller's `Dependencies`), wired in process: the actions run
inside the API (rasa-sdk's executor behind POST /webhook), so they share its database engine,
knowledge and index."""

from __future__ import annotations

from functools import lru_cache, partial

from bot.dialogue.controller import Controller, Dependencies
from bot.dialogue.escalation import EscalationPolicy
from bot.dialogue.service import default_service_data
from core.settings import Settings, get_settings
from monitoring import links
from runtime.resources import diagnoser_for, engine_for, searcher_for
from tickets.catalog import default_catalog


def escalation_policy(settings: Settings) -> EscalationPolicy:
    return EscalationPolicy(
        nlu_misses=settings.escalation_nlu_misses,
        retrieval_min_score=settings.escalation_retrieval_min_score,
        diagnosis_min_confidence=settings.escalation_diagnosis_min_confidence,
        not_helped_limit=settings.escalation_not_helped)


def dependencies_for(settings: Settings) -> Dependencies:
    return Dependencies(engine=engine_for(settings), diagnoser=diagnoser_for(settings),
                        service=default_service_data(), catalog=default_catalog(),
                        policy=escalation_policy(settings),
                        spool_dir=settings.escalation_spool_dir,
                        searcher=partial(searcher_for, settings),
                        link_secret=links.secret_for(settings.data_dir, settings.link_secret))


def action_deadline_s() -> float:
    return _deadline[-1] if _deadline else get_settings().action_deadline_s


def controller() -> Controller:
    return _override[-1] if _override else _default_controller()


@lru_cache(maxsize=1)
def _default_controller() -> Controller:
    return Controller(dependencies_for(get_settings()))


def configure(deps: Dependencies | None, *, deadline_s: float | None = None) -> None:
    """Run the actions on other dependencies (tests), or back on the settings' (None)."""
    _default_controller.cache_clear()
    if deps is not None:
        _override.append(Controller(deps))
    else:
        _override.clear()
    _deadline.clear()
    if deadline_s is not None:
        _deadline.append(deadline_s)


_override: list[Controller] = []
_deadline: list[float] = []
