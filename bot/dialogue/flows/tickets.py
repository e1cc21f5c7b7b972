"""Tickets and escalation: opening a ticket for an engineer (or queueing it when the store is
down), the customer's own requests (a person, a visit, the status of their tickets), the danger
path, and one open incident per machine and reason."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogue.dates import moment_text
from bot.dialogue.escalation import Escalation, Signal
from bot.dialogue.extract import Mentions, mentions, ticket_number
from bot.dialogue.flows.context import FlowContext, ask_asset
from bot.dialogue.flows.verification import Verification
from bot.dialogue.messages import say
from bot.dialogue.ports import DeskUnavailableError, TicketView, UnknownTicketError
from bot.dialogue.replies import Reply
from bot.dialogue.service import AssetInfo
from bot.dialogue.state import Awaiting, Outcome, Pending, Turn
from bot.dialogue.telemetry_view import site_zone
from rules.i18n import Texts
from rules.symptoms import match_symptom
from tickets.catalog import Catalog
from tickets.domain import NewTicket
from tickets.workflow import OPEN_STATUSES

logger = logging.getLogger(__name__)

# An emergency reported again in one conversation within this time is the same emergency.
SAME_EMERGENCY = timedelta(minutes=30)


class Tickets:
    def __init__(self, ctx: FlowContext, verification: Verification | None = None) -> None:
        self.ctx, self.verification = ctx, verification

    # -- what the customer asks for ----------------------------------------------------------
    def book_visit(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self.ctx.asset(turn, found, out)
        if asset is None or asset.customer_id is None:
            ask_asset(turn, out, "book_visit", serial=True)
            return
        self.escalate(turn, out, Escalation("customer_request", "P4", "service_request"),
                      booking=True)

    def ticket_status(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        """A verified customer's tickets; an anonymous chat's own only (a serial, printed on
        the nameplate, proves nothing: it does not show whose tickets those are)."""
        asset = self.ctx.asset(turn, found, out)
        customer_id = turn.verified_customer
        number = ticket_number(turn.text) if not found.serial else None
        try:
            tickets = self.ctx.desk.tickets(customer_id=customer_id,
                                            conversation_id=turn.sender)
        except DeskUnavailableError:
            logger.exception("ticket status lookup failed")
            out.say(say("ticket_status_none", turn.language))
            return
        if number is not None:
            tickets = [t for t in tickets if t.number == number]
        else:
            tickets = [t for t in tickets if t.status in OPEN_STATUSES] or tickets[:3]
        if not tickets:
            if customer_id is None and asset is not None and asset.customer_id \
                    and self.verification is not None:
                # The company's tickets, once the chat proves it is the machine's customer's.
                self.verification.offer(turn, asset, "ticket_status", out,
                                        otherwise="ticket_status_guest_none")
                return
            out.say(say("ticket_status_none" if customer_id else "ticket_status_guest_none",
                        turn.language))
            return
        lines = [say("ticket_status_header", turn.language)]
        for t in tickets[:5]:
            # Only an engineer of the service desk's list is named, never free text.
            engineer = self.ctx.catalog.technicians.get(t.assignee or "")
            assignee = say("ticket_status_assignee", turn.language, assignee=engineer) \
                if engineer else ""
            lines.append(say("ticket_status_line", turn.language, number=t.number,
                             priority=t.priority, subject=t.subject,
                             status=say(f"status_{t.status}", turn.language),
                             assignee=assignee))
        out.say(Reply("\n".join(lines), custom={"kind": "ticket_status",
                                                "ticket_numbers": [t.number for t in tickets]}))

    def talk_to_human(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        self.ctx.asset(turn, found, out)
        escalation = self.ctx.policy.decide(Signal.CUSTOMER_REQUEST)
        assert escalation is not None
        # An ongoing diagnosis keeps its priority (an F-code fault stays P2).
        snapshot_ = turn.slot("diagnosis_snapshot") or {}
        priority = snapshot_.get("priority") or escalation.priority
        self.escalate(turn, out, Escalation(escalation.reason,
                                            min(priority, escalation.priority)))

    def urgent_safety(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        """Danger now: the safety instruction (the machine's own, when its critical
        conditions match), then a P1 ticket."""
        self.safety_instruction(turn, found, out)
        self.urgent_ticket(turn, found, out)

    def safety_instruction(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        """What to do now: the pack's actions for the critical conditions the message meets,
        else the general instruction."""
        asset = self.ctx.asset(turn, found, out)
        kb = self.ctx.diagnoser.kb
        critical: dict[str, str] = dict(self.ctx.hazards_in(turn, found).families)
        if asset is not None:
            fam = kb.families[asset.family]
            critical.update(dict.fromkeys(match_symptom(turn.text, fam, kb).critical, fam.id))
        actions: list[str] = []
        for cc_id, family in sorted(critical.items()):
            fam = kb.families[family]
            action = Texts(kb, fam, turn.language).critical_action(fam.critical[cc_id])
            if action not in actions:
                actions.append(action)
        text = "\n".join(say("safety_specific", turn.language, action=a) for a in actions) \
            if actions else say("safety_generic", turn.language)
        out.say(Reply(text, custom={"kind": "safety"}))

    def urgent_ticket(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        """The P1 ticket of a danger (opened before the serial is known, if need be)."""
        self.ctx.asset(turn, found, out)
        escalation = self.ctx.policy.decide(Signal.URGENT_SAFETY)
        assert escalation is not None
        self.escalate(turn, out, escalation, urgent=True)

    # -- escalation --------------------------------------------------------------------------
    def escalate(self, turn: Turn, out: Outcome, escalation: Escalation, *,
                 booking: bool = False, urgent: bool = False,
                 subject_hint: str | None = None) -> None:
        """Open the ticket (or queue it when the store is down) and tell the customer its
        number and the response time their contract promises. An emergency does not wait for
        the serial: its ticket opens unidentified and the serial is asked for after. A report
        about a machine with an open incident for the same reason joins that incident."""
        ctx = self.ctx
        asset = ctx.known_asset(turn)
        identified = asset is not None and asset.customer_id is not None
        if not identified and not urgent:
            out.say(say("ask_serial_for_ticket", turn.language))
            out.wait_for(Awaiting.ASSET, Pending(
                "escalate", text=turn.text, message_id=turn.message_id,
                reason=escalation.reason, priority=escalation.priority,
                ticket_type=escalation.ticket_type, subject=subject_hint))
            return
        snapshot_ = turn.slot("diagnosis_snapshot") or out.slots.get("diagnosis_snapshot")
        code = (snapshot_ or {}).get("error_code") or mentions(turn.text).error_code
        family = asset.family if asset else None
        new = NewTicket(
            customer_id=asset.customer_id if asset and identified else None,
            subject=subject(escalation, asset, booking=booking, hint=subject_hint),
            description=turn.text[:4000] or escalation.reason,
            type=escalation.ticket_type, priority=escalation.priority,
            language=turn.language, serial=asset.serial if asset and identified else None,
            family=family,
            error_code=code if code and ctx.catalog.error_severity(family, code) else None,
            escalation_reason=None if booking else escalation.reason,
            channel="chat", conversation_id=turn.sender,
            transcript=transcript(turn.events, out.replies),
            diagnosis=ticket_diagnosis(snapshot_),
            citations=list(turn.slot("citations") or out.slots.get("citations") or []))
        # A request for a person stays a ticket of its own: the engineer's replies reach
        # the chat through its conversation.
        if asset and asset.serial and identified and not booking and new.type == "incident" \
                and escalation.reason != "customer_request" \
                and self._join_open_incident(turn, out, new, asset, escalation):
            return
        key = f"chat:{turn.sender}:{turn.message_id}:{escalation.reason}"
        tier = ctx.service.tier(asset.tier or "basic" if asset and identified
                                else ctx.catalog.unidentified().tier)
        try:
            ticket = self._reported_before(turn, escalation) if urgent else None
            if ticket is None:
                ticket = ctx.desk.open(new, key=key)
        except DeskUnavailableError:
            logger.exception("ticket store unavailable; escalation queued")
            ref = ctx.desk.queue(new, key=key)
            guest = identified and not turn.may_see(asset.customer_id if asset else None)
            out.say(Reply(say("ticket_queued_guest" if guest else "ticket_queued",
                              turn.language, reference=ref,
                              tier=tier["name"],
                              hours=tier["response_time_h"][escalation.priority]),
                          custom={"kind": "ticket", "reference": ref,
                                  "priority": escalation.priority,
                                  "reason": None if booking else escalation.reason}))
            if not identified:
                self._ask_serial_after(turn, out, None)
            return
        hours = tier["response_time_h"][ticket.priority]
        due = local_time(ticket.response_due_at, asset if identified else None, ctx.catalog,
                         turn.language)
        key_name = "booking_opened" if booking else \
            "urgent_ticket_opened" if not identified else \
            "ticket_opened" if turn.may_see(asset.customer_id if asset else None) else \
            "ticket_opened_guest"
        out.say(Reply(say(key_name, turn.language, number=ticket.number,
                          priority=ticket.priority, hours=hours, due=due, tier=tier["name"]),
                      custom={"kind": "ticket", "ticket_number": ticket.number,
                              "priority": ticket.priority,
                              "reason": None if booking else escalation.reason}))
        self._remember_ticket(turn, out, ticket.number)
        if not identified:
            self._ask_serial_after(turn, out, ticket.id)

    def _reported_before(self, turn: Turn, escalation: Escalation) -> TicketView | None:
        """The emergency's ticket this conversation opened minutes ago: the customer reports
        it again (the answer did not arrive: a server died in the middle of the turn, and the
        turn with it), and gets that ticket, not a second P1."""
        try:
            return self.ctx.desk.conversation_ticket(
                conversation_id=turn.sender, reason=escalation.reason,
                since=self.ctx.now() - SAME_EMERGENCY)
        except DeskUnavailableError:
            return None

    def resume_escalation(self, pending: Pending, turn: Turn, out: Outcome) -> None:
        """The ticket that waited for the machine (or for the customer's yes)."""
        escalation = Escalation(pending.reason or "customer_request",
                                pending.priority or "P3", pending.ticket_type or "incident")
        self.escalate(turn.replaying(pending), out, escalation, subject_hint=pending.subject)

    def identify_ticket(self, pending: Pending, turn: Turn, out: Outcome) -> None:
        """The serial of an urgent ticket opened before the machine was known."""
        asset = self.ctx.service.asset(serial=turn.slot("asset_serial"))
        if asset is None or asset.serial is None:
            self._ask_serial_after(turn, out, pending.ticket_id)
            return
        try:
            ticket = self.ctx.desk.identify(str(pending.ticket_id), serial=asset.serial)
        except (DeskUnavailableError, UnknownTicketError):
            logger.exception("could not add the machine to ticket %s", pending.ticket_id)
            return
        out.say(say("ticket_identified", turn.language, number=ticket.number,
                    model=asset.model, serial=asset.serial))

    def _remember_ticket(self, turn: Turn, out: Outcome, number: int) -> None:
        numbers = list(turn.slot("tickets") or [])
        if number not in numbers:
            numbers.append(number)
        out.slots["tickets"] = numbers
        out.wait_for(None)

    def _ask_serial_after(self, turn: Turn, out: Outcome, ticket_id: str | None) -> None:
        """The urgent ticket is open; the engineer still needs to know which machine."""
        out.say(say("urgent_ticket_ask_serial", turn.language))
        if ticket_id is not None:
            out.wait_for(Awaiting.ASSET, Pending("identify_ticket", ticket_id=ticket_id))

    def _join_open_incident(self, turn: Turn, out: Outcome, new: NewTicket, asset: AssetInfo,
                            escalation: Escalation) -> bool:
        """Add the report to the machine's open incident for the same reason (or its open P1);
        False when there is none (or the store cannot tell: a new ticket is tried)."""
        assert asset.serial is not None
        desk = self.ctx.desk
        # An anonymous chat's report reaches the engineers all the same, but its conversation
        # is not linked to the customer's ticket: that would show it the ticket and relay the
        # engineers' replies to whoever typed the serial of the nameplate.
        own = turn.may_see(asset.customer_id)
        try:
            existing = desk.open_incident(serial=asset.serial, reason=escalation.reason,
                                          any_reason=escalation.priority == "P1")
            if existing is None:
                return False
            ticket = desk.add_report(existing.id, text=new.description,
                                     transcript=new.transcript, diagnosis=new.diagnosis,
                                     priority=escalation.priority,
                                     conversation_id=turn.sender if own else None)
        except DeskUnavailableError:
            logger.exception("open incidents unavailable; a new ticket is tried")
            return False
        if not own:
            out.say(Reply(say("ticket_joined_guest", turn.language),
                          custom={"kind": "ticket", "priority": escalation.priority,
                                  "reason": escalation.reason, "existing": True}))
            out.wait_for(None)
            return True
        due = local_time(ticket.response_due_at, asset, self.ctx.catalog, turn.language)
        out.say(Reply(say("ticket_joined", turn.language, number=ticket.number,
                          priority=ticket.priority, due=due),
                      custom={"kind": "ticket", "ticket_number": ticket.number,
                              "priority": ticket.priority, "reason": escalation.reason,
                              "existing": True}))
        self._remember_ticket(turn, out, ticket.number)
        return True


# -- what a ticket carries -------------------------------------------------------------------
def ticket_diagnosis(snap: dict[str, Any] | None) -> dict[str, Any] | None:
    if not snap:
        return None
    return {"observations": snap.get("observations") or {},
            "candidates": snap.get("candidates") or [],
            "trace": snap.get("trace") or [], "conclusion": snap.get("conclusion")}


def transcript(events: list[dict[str, Any]], pending: list[Reply]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        text = event.get("text")
        if kind not in ("user", "bot") or not text:
            continue
        at = event.get("timestamp")
        lines.append({"sender": "customer" if kind == "user" else "assistant",
                      "text": str(text)[:5000],
                      "at": datetime.fromtimestamp(at, ZoneInfo("UTC")).isoformat()
                      if isinstance(at, int | float) else None})
    lines.extend({"sender": "assistant", "text": r.text[:5000], "at": None}
                 for r in pending if r.text)
    return lines[-500:]


def subject(escalation: Escalation, asset: AssetInfo | None, *, booking: bool,
            hint: str | None) -> str:
    if hint:
        return hint[:200]
    what = {"critical": "Urgent safety report", "customer_request": "Customer asks for an "
            "engineer", "low_confidence": "Assistant could not resolve",
            "repeated_failure": "Assistant answers did not help"}.get(escalation.reason,
                                                                       escalation.reason)
    if booking:
        what = "Service visit requested"
    machine = f"{asset.model} {asset.serial or ''}".strip() if asset else \
        "machine not identified yet"
    return f"{what}: {machine}"[:200]


def local_time(moment: datetime | None, asset: AssetInfo | None, catalog: Catalog,
               language: str) -> str:
    """The moment in the site's time zone (UTC while the machine is not identified), as the
    customer's language writes it."""
    if moment is None:
        return "-"
    zone = site_zone(asset.customer_id, asset.site_id, catalog) if asset else None
    return moment_text(moment, zone, language)
