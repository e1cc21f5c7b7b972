"""The expert system's outcome (rules.diagnosis, the API contract's shape) as chat replies."""

from __future__ import annotations

from typing import Any

from bot.dialogue.messages import say
from bot.dialogue.replies import Button, Reply, intent_payload
from bot.dialogue.service import ServiceData


def question_replies(question: dict[str, Any], language: str) -> list[Reply]:
    """The next question: yes/no/don't-know buttons, choice buttons, or a number in a unit."""
    lines = [question["text"]]
    if question.get("how_to_check"):
        lines.append(say("how_to_check", language, how=question["how_to_check"]))
    if question.get("safety_note"):
        lines.append(say("safety_note", language, note=question["safety_note"]))
    dont_know = Button(say("button_dont_know", language), intent_payload("dont_know"))
    kind = question.get("type")
    if kind == "boolean":
        buttons = [Button(say("button_yes", language), intent_payload("affirm")),
                   Button(say("button_no", language), intent_payload("deny")), dont_know]
    elif kind == "choice":
        buttons = [Button(c["label"], intent_payload("provide_reading", choice=c["id"]))
                   for c in question.get("choices", [])] + [dont_know]
    else:
        unit = question.get("unit")
        lines.append(say("answer_with_number_unit" if unit else "answer_with_number",
                         language, unit=unit or ""))
        buttons = [dont_know]
    custom = {"kind": "diagnosis_question", "observation_id": question["observation_id"],
              "type": kind}
    return [Reply("\n".join(lines), buttons, custom)]


def _stock_text(part: dict[str, Any], warehouse: str | None, service: ServiceData,
                language: str) -> str:
    stock = part.get("stock") or {}
    if warehouse and stock.get(warehouse, 0) > 0:
        return say("part_in_stock_at", language, count=stock[warehouse],
                   warehouse=service.warehouse_name(warehouse))
    total = sum(stock.values())
    if total > 0:
        return say("part_in_stock_elsewhere", language, count=total)
    return say("part_out_of_stock", language, days=f"{part.get('lead_time_days', 0):g}")


def conclusion_replies(conclusion: dict[str, Any], language: str, *, service: ServiceData,
                       region: str | None, citation: str | None) -> list[Reply]:
    steps = "\n".join(f"{i}. {step}" for i, step in
                      enumerate(conclusion.get("remedy_steps") or [], start=1))
    # The engine's explanation names the fault and its confidence already.
    text = [conclusion.get("explanation") or say(
        "diagnosis_result", language, fault=conclusion["fault_name"],
        confidence=f"{round(100 * float(conclusion['confidence']))} %")]
    if steps:
        text.append(say("remedy_header", language) + "\n" + steps)
    warehouse = service.warehouse_for(region)
    parts = conclusion.get("parts") or []
    if parts:
        lines = [say("parts_header", language)]
        for part in parts:
            lines.append(say("part_line", language, part_no=part["part_no"], name=part["name"],
                             stock=_stock_text(part, warehouse, service, language),
                             days=f"{part.get('lead_time_days', 0):g}"))
        text.append("\n".join(lines))
    if citation:
        text.append(citation)
    custom = {"kind": "diagnosis_conclusion", "fault_id": conclusion["fault_id"],
              "confidence": conclusion["confidence"]}
    return [Reply("\n\n".join(t for t in text if t), [], custom),
            helpful_question(language)]


def helpful_question(language: str) -> Reply:
    return Reply(say("did_this_help", language),
                 [Button(say("button_yes", language), intent_payload("affirm")),
                  Button(say("button_no", language), intent_payload("deny"))],
                 {"kind": "feedback_request"})
