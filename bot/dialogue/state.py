"""The dialogue's state between turns, typed: the latest message (`Turn`), what the assistant
answers (`Outcome`), what it is waiting for (`Awaiting`) and the task it put aside (`Pending`).

Rasa keeps all of it in slots (bot/domain.yml); `awaiting` is a text slot and `pending` a JSON
one, so the types here read and write those slots and nothing else."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from bot.dialogue.replies import Reply


class Awaiting(StrEnum):
    """What the assistant asked last and waits to hear."""

    ASSET = "asset"                # which machine (a serial or a model)
    DIAGNOSIS = "diagnosis"        # the answer to the expert system's question
    FEEDBACK = "feedback"          # "did this help?"
    OFFER = "offer"                # "shall an engineer take over?"
    SAFETY_CHECK = "safety_check"  # "is anyone in danger right now?"
    CODE = "code"                  # the one-time code sent to the contact on file


@dataclass(frozen=True)
class Pending:
    """A task put aside until the customer answers: `task` names the flow step that resumes
    it; `text` and `message_id` are the message that asked for it (the idempotency of its
    ticket). The other fields belong to one kind of task each."""

    task: str
    text: str = ""
    message_id: str = ""
    reason: str | None = None        # escalate: the Escalation to open
    priority: str | None = None
    ticket_type: str | None = None
    subject: str | None = None
    ticket_id: str | None = None     # identify_ticket: the unidentified urgent ticket
    action: str | None = None        # safety_check: the flow the message would have gone to
    intent: str | None = None
    awaiting: str | None = None      # safety_check: the state to return to
    pending: dict[str, Any] | None = None
    customer_id: str | None = None   # verify_code: whose contact the code went to
    attempts: int | None = None      # verify_code: wrong codes typed so far

    @classmethod
    def from_slot(cls, value: Any) -> Pending | None:
        if not isinstance(value, dict) or not value.get("task"):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in known})

    def to_slot(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Turn:
    """The latest user message and what the conversation knows."""

    sender: str
    intent: str
    text: str
    language: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    message_id: str = ""  # stable per user message: the idempotency of its escalation
    ranking: list[tuple[str, float]] = field(default_factory=list)  # NLU's intents, best first
    # The customer this message's signed identity proves (core/identity.py); None: anonymous,
    # shown no customer data.
    verified_customer: str | None = None

    def may_see(self, customer_id: str | None) -> bool:
        """Whether this chat may be shown the customer's data (company, site, contract,
        tickets): only when its identity proves it is that customer."""
        return customer_id is not None and customer_id == self.verified_customer

    def slot(self, name: str, default: Any = None) -> Any:
        value = self.slots.get(name)
        return default if value is None else value

    @property
    def awaiting(self) -> Awaiting | None:
        value = self.slots.get("awaiting")
        return Awaiting(str(value)) if value in Awaiting._value2member_map_ else None

    @property
    def pending(self) -> Pending | None:
        return Pending.from_slot(self.slots.get("pending"))

    @property
    def machine_known(self) -> bool:
        return bool(self.slot("asset_serial") or self.slot("asset_model"))

    def replaying(self, pending: Pending, intent: str | None = None) -> Turn:
        """The message that asked for a put-aside task, answered now with what is known."""
        return Turn(self.sender, intent if intent is not None else self.intent, pending.text,
                    self.language, [], self.slots, self.events,
                    pending.message_id or self.message_id,
                    verified_customer=self.verified_customer)


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)

    def say(self, reply: Reply | str) -> None:
        self.replies.append(reply if isinstance(reply, Reply) else Reply(reply))

    def wait_for(self, awaiting: Awaiting | None, pending: Pending | None = None) -> None:
        self.slots.update(awaiting=None if awaiting is None else str(awaiting),
                          pending=None if pending is None else pending.to_slot())
