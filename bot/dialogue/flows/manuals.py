"""Answers from the manuals: the procedure a "how do I" question asks for, cited, with
"Did this help?"; the section about a concluded fault."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue import answers, diagnosis_view
from bot.dialogue.escalation import Escalation, Signal
from bot.dialogue.extract import Mentions, strip_ids
from bot.dialogue.flows.context import FlowContext
from bot.dialogue.flows.tickets import Tickets
from bot.dialogue.messages import say
from bot.dialogue.replies import Reply
from bot.dialogue.state import Awaiting, Outcome, Turn

# A "how do I" question is about a task of the schedule when its words name the task this
# well: two telling words ("regrease" and "bearings"), not one that a task merely mentions
# ("motor" in "megger the motor"). The maintenance questions' own bar is lower
# (answers.TASK_MIN_SCORE): they are about the schedule already.
HOW_TO_TASK_SCORE = 2.5


class Manuals:
    def __init__(self, ctx: FlowContext, tickets: Tickets) -> None:
        self.ctx, self.tickets = ctx, tickets
        # Worked out once, not on every how-to question.
        self.schedule_words = answers.schedule_words(ctx.diagnoser.kb.glossary)

    def answer_manual(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        asset = self.ctx.asset(turn, found, out)
        # The machine's id filters the manuals; as a query word it would match the model
        # table, not the task asked about.
        hits = self.ctx.manuals.search(strip_ids(turn.text) or turn.text,
                                       language=turn.language,
                                       family=asset.family if asset else None,
                                       model=asset.model if asset else None, k=3,
                                       procedures=True)
        best = hits[0] if hits else None
        escalation = self.ctx.policy.decide(Signal.RETRIEVAL_SCORE,
                                            score=best.score if best else None)
        if best is None or escalation is not None:
            out.say(say("manual_nothing", turn.language))
            self.tickets.escalate(turn, out, escalation or Escalation(
                "low_confidence", "P3", "question"))
            return
        self.answer_with(best, turn, out, interval=self._interval(turn, asset, best))

    def _interval(self, turn: Turn, asset: Any, best: Any) -> str | None:
        """When the procedure is a task of the machine's maintenance schedule ("regrease the
        bearings") and the section answering it is not that task's own (which says it): the
        task's interval from the schedule."""
        if asset is None:
            return None
        kb = self.ctx.diagnoser.kb
        task = answers.match_task(turn.text, asset, turn.language, service=self.ctx.service,
                                  catalogues=kb.catalogues,
                                  ignore=self.schedule_words,
                                  min_score=HOW_TO_TASK_SCORE)
        if task is None or best.section_id.endswith("." + task["id"]):
            return None
        return say("task_interval", turn.language,
                   task=answers.task_line(task, asset, turn.language, kb.catalogues))

    def answer_task(self, turn: Turn, asset: Any, task: dict[str, Any], text: str,
                    out: Outcome) -> bool:
        """The manual's section of one maintenance task (its interval, who does it, the
        work), cited, with "Did this help?"; False when the manuals have no such section."""
        hits = self.ctx.manuals.search(text, language=turn.language, family=asset.family,
                                       model=asset.model, k=10)
        section = next((h for h in hits if h.section_id.endswith("." + task["id"])), None)
        if section is None:
            return False
        self.answer_with(section, turn, out)
        return True

    @staticmethod
    def answer_with(best: Any, turn: Turn, out: Outcome, *, interval: str | None = None
                    ) -> None:
        body = say("manual_answer", turn.language, excerpt=excerpt(best.text))
        if interval:
            body += "\n\n" + interval
        out.say(Reply(body + "\n\n" + citation_text(best, turn.language),
                      custom={"kind": "manual_answer", "document": best.document,
                              "section_id": best.section_id, "topics": list(best.topics),
                              "score": round(best.score, 4)}))
        out.say(diagnosis_view.helpful_question(turn.language))
        out.wait_for(Awaiting.FEEDBACK)
        out.slots.update(last_answer="manual", citations=[citation(best)])

    def fault_citation(self, conclusion: dict[str, Any], family: str, language: str
                       ) -> tuple[str | None, list[dict[str, Any]]]:
        """The manual section about the concluded fault (its `topics` name the fault id)."""
        hits = self.ctx.manuals.search(conclusion["fault_name"], language=language,
                                       family=family, k=10)
        for hit in hits:
            if conclusion["fault_id"] in (hit.topics or ()):
                return citation_text(hit, language), [citation(hit)]
        return None, []


def citation_text(hit: Any, language: str) -> str:
    page = say("citation_page", language, page=hit.page) if hit.page else ""
    return say("citation", language, document=hit.document, section=hit.section_title,
               page=page)


def excerpt(text: str, limit: int = 700) -> str:
    """The passage as plain text (the chat shows no Markdown), cut at a sentence end near
    `limit` characters."""
    body = re.sub(r"^#+\s*", "", text.replace("**", ""), flags=re.MULTILINE).strip()
    if len(body) <= limit:
        return body
    cut = max(body.rfind(". ", 0, limit), body.rfind("\n", 0, limit))
    return body[: cut + 1 if cut > limit // 3 else limit].rstrip() + " …"


def citation(hit: Any) -> dict[str, Any]:
    data = {"document": hit.document, "section_id": hit.section_id,
            "section_title": hit.section_title, "language": hit.language}
    if hit.page:
        data["page"] = hit.page
    return data
