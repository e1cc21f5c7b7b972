"""Verifying a chat with a one-time code (core/verification.py): an anonymous chat that asks
for its company's data (the contract, the company's tickets) about a machine whose customer
has a contact on file is sent a code there; typed back here, it proves the chat is that
customer's for the rest of the conversation (a signed identity kept in the `identity` slot),
and the question that asked is answered."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from bot.dialogue.extract import Mentions, mentions
from bot.dialogue.flows.context import Dispatch, FlowContext
from bot.dialogue.messages import say
from bot.dialogue.ports import DeskUnavailableError
from bot.dialogue.replies import Reply
from bot.dialogue.service import AssetInfo
from bot.dialogue.state import Awaiting, Outcome, Pending, Turn
from core import identity, verification

logger = logging.getLogger(__name__)

# How long a chat verified by a code stays verified: a working shift.
VERIFIED_FOR = timedelta(hours=8)


class Verification:
    def __init__(self, ctx: FlowContext, secret: bytes, dispatch: Dispatch) -> None:
        self.ctx, self.secret, self.dispatch = ctx, secret, dispatch

    def offer(self, turn: Turn, asset: AssetInfo, step: str, out: Outcome, *,
              otherwise: str = "verify_for_customer_data") -> None:
        """The chat may not see the customer's data: send the contact on file a code (when
        there is one, and this service can sign), else say `otherwise` (how to sign in)."""
        customer = self.ctx.catalog.customers.get(asset.customer_id or "")
        contact = customer.contact if customer else None
        if not self.secret or customer is None or contact is None:
            out.say(say(otherwise, turn.language))
            return
        code = verification.code_for(self.secret, conversation_id=turn.sender,
                                     customer_id=customer.customer_id, at=self.ctx.now())
        to = verification.masked_email(contact.email) if contact.email else \
            verification.masked_phone(contact.phone or "")
        try:
            sent = self.ctx.desk.send_code(customer.customer_id, conversation_id=turn.sender,
                                           code=code, language=turn.language, shown_to=to)
        except DeskUnavailableError:
            logger.exception("the one-time code could not be queued")
            out.say(say(otherwise, turn.language))
            return
        if sent != "sent":
            out.say(say("code_limited" if sent == "limited" else otherwise, turn.language))
            return
        out.say(Reply(say("code_sent", turn.language, to=to),
                      custom={"kind": "verification_code_sent"}))
        out.wait_for(Awaiting.CODE, Pending("verify_code", text=turn.text,
                                            message_id=turn.message_id, action=step,
                                            intent=turn.intent, customer_id=customer.customer_id,
                                            attempts=0))

    def answer(self, turn: Turn, found: Mentions, out: Outcome) -> bool:
        """A message while a code is awaited: the code (right or wrong) is answered here; any
        other message goes its own way (False), the code still awaited."""
        pending = turn.pending
        code = verification.typed_code(turn.text)
        if pending is None or pending.task != "verify_code" or not pending.customer_id \
                or code is None:
            return False
        customer_id = pending.customer_id
        if not verification.check(self.secret, code, conversation_id=turn.sender,
                                  customer_id=customer_id, now=self.ctx.now()):
            attempts = (pending.attempts or 0) + 1
            if attempts >= verification.MAX_ATTEMPTS:
                out.say(say("code_locked", turn.language))
                out.wait_for(None)
                return True
            out.say(say("code_wrong", turn.language,
                         left=verification.MAX_ATTEMPTS - attempts))
            out.wait_for(Awaiting.CODE, replace(pending, attempts=attempts))
            return True
        token, _ = identity.issue(customer_id, self.secret, now=self.ctx.now(),
                                  ttl=VERIFIED_FOR, via="code")
        out.slots["identity"] = token
        out.say(Reply(say("code_accepted", turn.language),
                      custom={"kind": "verified"}))
        out.wait_for(None)
        again = replace(turn.replaying(pending, pending.intent), verified_customer=customer_id)
        self.dispatch(pending.action or "answer_contract", again,
                      mentions(again.text), out)
        return True
