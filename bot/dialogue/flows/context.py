"""What every flow is given: the interfaces to the outside, the domain services, and the few
steps they all share (which machine, asking for it, the engineer button)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.dialogue.escalation import EscalationPolicy
from bot.dialogue.extract import Mentions
from bot.dialogue.messages import say
from bot.dialogue.ports import DiagnosisSessions, ManualSearch, TicketDesk
from bot.dialogue.replies import Button, intent_payload
from bot.dialogue.service import AssetInfo, ServiceData
from bot.dialogue.state import Awaiting, Outcome, Pending, Turn
from rules.diagnosis import Diagnoser
from rules.readings import HazardReader, Hazards
from tickets.catalog import Catalog

# A flow step: the message, what it names, the answer it fills.
Step = Callable[[Turn, Mentions, Outcome], None]
# Run another flow's step by name (a task put aside, a question beside an id).
Dispatch = Callable[[str, Turn, Mentions, Outcome], None]

FEEDBACK_INTENTS = ("affirm", "deny")


@dataclass(frozen=True)
class FlowContext:
    desk: TicketDesk
    sessions: DiagnosisSessions
    manuals: ManualSearch
    diagnoser: Diagnoser
    service: ServiceData
    catalog: Catalog
    policy: EscalationPolicy
    now: Callable[[], datetime]
    hazards: HazardReader

    def hazards_in(self, turn: Turn, found: Mentions) -> Hazards:
        """The critical conditions the message's readings and codes meet (rules/readings.py),
        in the family of the machine it names or the conversation knows, else in any family."""
        kb = self.diagnoser.kb
        asset = self.known_asset(turn, found)
        by_code = kb.family_for(error_code=found.error_code) if found.error_code else None
        family = asset.family if asset else by_code.id if by_code else None
        return self.hazards.hazards(turn.text, turn.language, family)

    def known_asset(self, turn: Turn, found: Mentions | None = None) -> AssetInfo | None:
        """The machine named now or identified earlier, without saying anything."""
        serial, model = _named(turn, found)
        return self.service.asset(serial=serial, model=model)

    def asset(self, turn: Turn, found: Mentions, out: Outcome) -> AssetInfo | None:
        """The machine the conversation is about: named now, or identified earlier; a serial
        nobody knows is said so. Remembered in the slots."""
        serial, model = _named(turn, found)
        asset = self.service.asset(serial=serial, model=model)
        if found.serial and (asset is None or asset.serial is None):
            out.say(say("serial_unknown", turn.language, serial=found.serial))
            out.slots["asset_serial"] = None
            if asset is None and turn.slot("asset_serial"):
                asset = self.service.asset(serial=turn.slot("asset_serial"))
        if asset is not None:
            out.slots.update(asset_serial=asset.serial, asset_model=asset.model,
                             asset_family=asset.family, customer_id=asset.customer_id)
            turn.slots.update(out.slots)
        return asset


def _named(turn: Turn, found: Mentions | None) -> tuple[str | None, str | None]:
    """The serial and model a message is about: those it names, else the conversation's. A
    message naming another model than the machine identified ("the coil for an HWC-60", after
    a pump's serial) is about that model, not the serial."""
    serial = found.serial if found else None
    model = found.model if found else None
    if serial is None and (model is None or model == turn.slot("asset_model")):
        serial = turn.slot("asset_serial")
    return serial, model or turn.slot("asset_model")


def ask_asset(turn: Turn, out: Outcome, task: str, *, serial: bool = False,
              message: str | None = None) -> None:
    """Ask which machine, and put the task aside until it is known."""
    out.say(say(message or ("ask_serial_for_ticket" if serial else "ask_asset"),
                turn.language))
    out.wait_for(Awaiting.ASSET, Pending(task, text=turn.text, message_id=turn.message_id))


def engineer_button(language: str) -> Button:
    return Button(say("button_talk_to_engineer", language), intent_payload("talk_to_human"))


def yes_no(language: str) -> list[Button]:
    return [Button(say("button_yes", language), intent_payload("affirm")),
            Button(say("button_no", language), intent_payload("deny"))]
