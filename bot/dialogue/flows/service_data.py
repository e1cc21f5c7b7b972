"""Answers from the service data: the maintenance schedule of a machine, spare parts and their
prices, the customer's contract and warranty."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.dialogue import answers
from bot.dialogue.extract import Mentions, strip_ids
from bot.dialogue.flows.context import FlowContext, ask_asset
from bot.dialogue.flows.manuals import Manuals
from bot.dialogue.flows.verification import Verification
from bot.dialogue.messages import say
from bot.dialogue.questions import asks_for_part, asks_how, part_head
from bot.dialogue.replies import Reply
from bot.dialogue.service import AssetInfo
from bot.dialogue.state import Outcome, Turn

PART_MIN_SCORE = 2.0  # how well a part's name must match to be what a message asks to buy
# A message without words of buying asks for a part when the part's name is most of what it
# says ("mechanical seal kit for the W060-2023-00640"): this share of its telling words.
NAMES_ONLY_A_PART = 0.75


class ServiceAnswers:
    def __init__(self, ctx: FlowContext, manuals: Manuals | None = None,
                 verification: Verification | None = None) -> None:
        self.ctx, self.manuals, self.verification = ctx, manuals, verification
        glossary = ctx.diagnoser.kb.glossary
        self.any_machine_words = answers.words_of(glossary, answers.MACHINE_TERMS)
        self.family_machine_words = {
            family: answers.words_of(glossary, terms)
            for family, terms in answers.FAMILY_MACHINE_TERMS.items()}
        self.schedule_words = answers.schedule_words(glossary)

    def names_task(self, turn: Turn, found: Mentions) -> bool:
        """The message names one task of the known machine's maintenance schedule."""
        asset = self.ctx.known_asset(turn, found)
        return asset is not None and self._task(turn, asset) is not None

    def _task(self, turn: Turn, asset: AssetInfo) -> dict[str, Any] | None:
        return answers.match_task(turn.text, asset, turn.language, service=self.ctx.service,
                                  catalogues=self.ctx.diagnoser.kb.catalogues,
                                  ignore=self.schedule_words)

    def answer_maintenance(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self.ctx.asset(turn, found, out)
        if asset is None:
            ask_asset(turn, out, "answer_maintenance", message="ask_model_for_maintenance")
            return
        catalogues = self.ctx.diagnoser.kb.catalogues
        # "What gets replaced at 8000 h?", "cleaning the suction strainer, what's the
        # sequence?": one task of the schedule, answered by its section of the manual.
        task = self._task(turn, asset)
        if task is not None and self.manuals is not None and self.manuals.answer_task(
                turn, asset, task, answers.task_text(task, asset, turn.language, catalogues),
                out):
            return
        out.say(answers.maintenance_answer(asset, turn.language, service=self.ctx.service,
                                           catalogues=catalogues))

    def machine_words(self, asset: AssetInfo | None) -> frozenset[str]:
        """The words that name the customer's machine, not a part of it (any machine's when
        it is not known)."""
        if asset is None:
            return self.any_machine_words
        return self.family_machine_words.get(asset.family, self.any_machine_words)

    def answer_spare_part(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self.ctx.asset(turn, found, out)
        if asset is not None and not turn.may_see(asset.customer_id):
            asset = replace(asset, tier=None)  # list prices: the contract's discount is private
        reply = answers.spare_part_answer(turn.text, turn.language, service=self.ctx.service,
                                          catalogues=self.ctx.diagnoser.kb.catalogues,
                                          part_number=found.part_number, asset=asset,
                                          glossary=self.ctx.diagnoser.kb.glossary,
                                          machine_words=self.machine_words(asset))
        out.say(reply or Reply(say("part_not_found", turn.language)))

    def answer_contract(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self.ctx.asset(turn, found, out)
        if asset is None or asset.customer_id is None:
            ask_asset(turn, out, "answer_contract", serial=True)
            return
        if not turn.may_see(asset.customer_id):
            if self.verification is not None:
                self.verification.offer(turn, asset, "answer_contract", out)
            else:
                out.say(say("verify_for_customer_data", turn.language))
            return
        out.say(answers.contract_answer(asset, turn.language, service=self.ctx.service,
                                        today=self.ctx.now().date()))

    def asks_for_part(self, turn: Turn, found: Mentions, *, or_names_one: bool = False,
                      share: float = NAMES_ONLY_A_PART) -> bool:
        """Words of buying, and a part of the catalogue (of the machine, when known) that the
        message names well; with `or_names_one`, also a message that is little more than a
        part's name (no buying words, no code, no "how do I")."""
        buying = asks_for_part(turn.text)
        if not buying and not or_names_one:
            return False
        if found.part_number:
            return buying
        asset = self.ctx.known_asset(turn, found)
        service = self.ctx.service
        pool = service.parts_for(model=asset.model) if asset else list(service.parts.values())
        catalogues, glossary = self.ctx.diagnoser.kb.catalogues, self.ctx.diagnoser.kb.glossary
        scored = answers.match_parts(strip_ids(turn.text), pool, turn.language, catalogues,
                                     glossary, machine_words=self.machine_words(asset))
        if not scored or scored[0][0] < PART_MIN_SCORE:
            return False
        if buying:
            return True
        if found.error_code or asks_how(turn.text):
            return False
        # The whole message, or what comes before "for <the machine>" ("EC fan 800 mm for
        # W060-2021-00208, one has failed": the fan is asked for, the failure says why).
        head = part_head(turn.text)
        machine_words = self.machine_words(asset)
        return any(answers.part_coverage(
            text, scored[0][1], turn.language, catalogues, machine_words=machine_words,
            glossary=glossary) >= share for text in (turn.text, head) if text)
