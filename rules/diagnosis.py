"""A guided diagnosis session: start, answer, evaluate. Framework-free; the state is plain data
(`DiagnosisState.to_dict`) so callers can persist it and resume after a restart."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from core.knowledge.model import Family, KnowledgeBase, Observation, Value
from core.languages import LANGUAGES
from rules import explain
from rules.engine import EngineResult, FamilyEngine
from rules.i18n import Texts
from rules.questioning import Policy, next_question
from rules.scoring import FamilyModel
from rules.symptoms import match_symptom
from rules.units import RangeError, UnitError, canonical, normalise

_READING = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(\S.*?)?\s*$")
_TRUE = {"true", "yes", "y", "1", "ja", "oui", "si", "sí", "ναι"}
_FALSE = {"false", "no", "n", "0", "nein", "non", "όχι", "οχι"}


class AnswerError(ValueError):
    """Bad input; `field` names it (e.g. "value", "observations.discharge_temp_c")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass
class DiagnosisState:
    family: str
    language: str = "en"
    model: str | None = None
    serial: str | None = None
    answers: dict[str, Value] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    hinted: list[str] = field(default_factory=list)
    hazards: list[str] = field(default_factory=list)
    symptom: str | None = None
    symptom_matched: list[str] = field(default_factory=list)
    contradictions: list[dict[str, Any]] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    pending: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiagnosisState:
        return cls(**data)


class Diagnoser:
    """Runs sessions against one loaded knowledge base (engines and models built per family)."""

    def __init__(self, kb: KnowledgeBase, policy: Policy | None = None) -> None:
        self.kb = kb
        self.policy = policy or Policy()
        self.engines = {fid: FamilyEngine(f) for fid, f in kb.families.items()}
        self.models = {fid: FamilyModel(f) for fid, f in kb.families.items()}

    # -- input --------------------------------------------------------------------------------
    def parse_value(self, family: Family, obs: Observation, value: Any, unit: str | None,
                    where: str, texts: Texts) -> Value | None:
        """An answer normalised to the observation's type and unit; None means don't know."""
        if value is None:
            return None
        if obs.type == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().casefold()
            if text in _TRUE or text in _FALSE:
                return text in _TRUE
            raise AnswerError(where, texts.own("not_a_boolean"))
        if obs.type == "choice":
            for choice in obs.choices:
                if str(value).strip().casefold() == choice.casefold():
                    return choice
            raise AnswerError(where, texts.own("not_a_choice", value=value,
                                               choices=", ".join(obs.choices)))
        if isinstance(value, bool):
            raise AnswerError(where, texts.own("not_a_number"))
        if isinstance(value, str):  # "7,5", "230 °F"
            match = _READING.match(value)
            if match is None:
                raise AnswerError(where, texts.own("not_a_number"))
            value, unit = match.group(1).replace(",", "."), unit or match.group(2)
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise AnswerError(where, texts.own("not_a_number")) from exc
        if not math.isfinite(number):
            raise AnswerError(where, texts.own("not_a_number"))
        unit_field = "unit" if where == "value" else where
        try:
            return normalise(number, unit, obs.unit)
        except UnitError as exc:
            if unit and canonical(unit) is None:
                raise AnswerError(unit_field, texts.own("unit_unknown", unit=unit)) from exc
            raise AnswerError(unit_field, texts.own("unit_incompatible", unit=unit,
                                                    target=obs.unit or "-")) from exc
        except RangeError as exc:
            low, high = exc.args[1], exc.args[2]
            raise AnswerError(where, texts.own("out_of_range", value=f"{number:g}",
                                               low=f"{low:g}", high=f"{high:g}",
                                               unit=obs.unit or "")) from exc

    def _record(self, state: DiagnosisState, oid: str, value: Value | None, source: str) -> None:
        if value is None:
            state.answers.pop(oid, None)
            if oid not in state.unknown:
                state.unknown.append(oid)
            return
        previous = state.answers.get(oid)
        if previous is not None and previous != value:
            state.contradictions.append({"observation": oid, "previous": previous,
                                         "value": value, "source": source})
        if oid in state.unknown:
            state.unknown.remove(oid)
        state.answers[oid] = value
        state.sources[oid] = source

    # -- session ------------------------------------------------------------------------------
    def start(self, *, family: str | None = None, model: str | None = None,
              serial: str | None = None, language: str | None = None,
              error_code: str | None = None, symptom: str | None = None,
              observations: dict[str, Any] | None = None) -> tuple[DiagnosisState, dict]:
        language = language or "en"
        if language not in LANGUAGES:
            raise AnswerError("language", f"'{language}' is not one of {', '.join(LANGUAGES)}")
        fam = self.kb.family_for(family=family, model=model, serial=serial,
                                 error_code=error_code)
        if fam is None:
            fields = "family" if family else "model" if model else "serial" if serial else \
                "error_code" if error_code else "family"
            raise AnswerError(fields, "the equipment family cannot be determined")
        if model and model not in fam.models:
            raise AnswerError("model", f"'{model}' is not a model of {fam.id}")
        texts = Texts(self.kb, fam, language)
        state = DiagnosisState(family=fam.id, language=language, model=model, serial=serial)
        if error_code:
            code = error_code.strip().upper()
            if code not in fam.error_codes or not fam.error_code_observation:
                raise AnswerError("error_code", f"'{error_code}' is not an error code of {fam.id}")
            self._record(state, fam.error_code_observation, code, "start")
        for oid, value in (observations or {}).items():
            obs = fam.observations.get(oid)
            if obs is None:
                raise AnswerError(f"observations.{oid}", f"'{oid}' is not an observation of "
                                  f"{fam.id}")
            self._record(state, oid, self.parse_value(fam, obs, value, None,
                                                      f"observations.{oid}", texts), "start")
        if symptom:
            found = match_symptom(symptom, fam, self.kb)
            state.symptom, state.symptom_matched = symptom, found.matched
            state.hinted = sorted(found.faults)
            state.hazards = sorted(found.critical)
            for oid, value in found.sets.items():
                if oid not in state.answers:
                    self._record(state, oid, value, "symptom")
        return state, self.evaluate(state)

    def answer(self, state: DiagnosisState, observation_id: str, value: Any,
               unit: str | None = None) -> dict:
        fam = self.kb.families[state.family]
        obs = fam.observations.get(observation_id)
        if obs is None:
            raise AnswerError("observation_id",
                              f"'{observation_id}' is not an observation of {fam.id}")
        texts = Texts(self.kb, fam, state.language)
        parsed = self.parse_value(fam, obs, value, unit, "value", texts)
        self._record(state, observation_id, parsed, "operator")
        return self.evaluate(state)

    def cells(self, state: DiagnosisState) -> tuple[dict[str, str], set[str]]:
        """Answers as cells, plus the observations implied by them (never asked)."""
        fam = self.kb.families[state.family]
        cells = {oid: fam.observations[oid].cell_of(v) for oid, v in state.answers.items()}
        implied: set[str] = set()
        code = state.answers.get(fam.error_code_observation or "")
        for obs in fam.observations.values():
            if code in obs.implied_by_codes and obs.id not in cells and obs.id not in state.unknown:
                cells[obs.id] = "true"
                implied.add(obs.id)
        return cells, implied

    def evaluate(self, state: DiagnosisState) -> dict:
        """The session's current outcome: the next question, a conclusion or an escalation."""
        fam = self.kb.families[state.family]
        texts = Texts(self.kb, fam, state.language)
        cells, implied = self.cells(state)
        result = self.engines[fam.id].evaluate(cells, state.hazards)
        model = self.models[fam.id]
        post = model.posterior(cells, set(state.hinted))
        ranked = sorted(range(len(model.fault_ids)), key=lambda i: -post[i])
        candidates = [{"fault_id": model.fault_ids[i], "confidence": round(float(post[i]), 4)}
                      for i in ranked[:5]]
        out: dict[str, Any] = {"status": "question", "candidates": candidates}
        symptom = ({"text": state.symptom, "matched": state.symptom_matched}
                   if state.symptom else None)
        best = model.fault_ids[ranked[0]]
        confidence = float(post[ranked[0]])

        def the_trace(fault_id: str | None) -> dict:
            data = explain.trace(result, fault_id, state.answers, state.unknown,
                                 state.contradictions, symptom)
            data["implied"] = sorted(implied)
            return data

        if result.critical or result.critical_codes:
            state.pending = None
            out["status"] = "escalated"
            out["escalation"] = self._critical(fam, texts, result)
            out["escalation"]["trace"] = the_trace(None)
            return out
        if confidence >= self.policy.threshold:
            state.pending = None
            return self._conclude(fam, texts, state, out, best, confidence, the_trace(best))
        question = None
        if len(state.asked) < self.policy.max_questions:
            settled = set(state.answers) | set(state.unknown) | implied
            question, _gain = next_question(fam, model, post, settled, self.policy)
        if question is not None:
            if question not in state.asked:
                state.asked.append(question)
            state.pending = question
            out["question"] = self._question(fam.observations[question], texts)
            # What an engineer needs if the session is handed over before it ends.
            out["trace"] = the_trace(best)
            return out
        state.pending = None
        other = float(post[-1])
        if confidence >= self.policy.accept_floor and confidence > other:
            return self._conclude(fam, texts, state, out, best, confidence, the_trace(best))
        reason = "no_candidate" if other >= confidence else "low_confidence"
        sentence = (texts.own("no_candidate") if reason == "no_candidate" else
                    texts.own("low_confidence", fault=texts.fault_name(fam.faults[best]),
                              confidence=explain.percent(confidence)))
        out["status"] = "escalated"
        out["escalation"] = {"reason": reason, "priority": self._code_priority(fam, state),
                             "action": texts.own("engineer_action"), "explanation": sentence,
                             "trace": the_trace(best)}
        return out

    # -- outcome parts ------------------------------------------------------------------------
    def _critical(self, fam: Family, texts: Texts, result: EngineResult) -> dict:
        if result.critical:
            cc = fam.critical[result.critical[0]]
            return {"reason": "critical", "priority": cc.priority, "condition": cc.id,
                    "action": texts.critical_action(cc),
                    "explanation": texts.own("critical", trigger=texts.critical_trigger(cc),
                                             priority=cc.priority)}
        code = fam.error_codes[result.critical_codes[0]]
        return {"reason": "critical", "priority": "P1", "condition": code.code,
                "action": texts.code_action(code),
                "explanation": texts.own("critical_code", code=code.code,
                                         title=texts.code_title(code), priority="P1")}

    def _code_priority(self, fam: Family, state: DiagnosisState) -> str:
        code = state.answers.get(fam.error_code_observation or "")
        if isinstance(code, str) and code in fam.error_codes:
            return fam.severity_priority.get(fam.error_codes[code].severity, "P3")
        return "P3"

    def _question(self, obs: Observation, texts: Texts) -> dict:
        question: dict[str, Any] = {"observation_id": obs.id, "text": texts.question(obs),
                                    "type": obs.type}
        if obs.unit:
            question["unit"] = obs.unit
        if obs.type == "choice":
            question["choices"] = [{"id": c, "label": texts.choice_label(obs, c)}
                                   for c in obs.choices]
        if obs.how_to_check:
            question["how_to_check"] = texts.how_to_check(obs)
        note = texts.safety_note(obs)
        if note:
            question["safety_note"] = note
        return question

    def _conclude(self, fam: Family, texts: Texts, state: DiagnosisState, out: dict,
                  fault_id: str, confidence: float, trace: dict) -> dict:
        fault = fam.faults[fault_id]
        parts = []
        for part_no in fault.parts:
            part = fam.parts[part_no]
            if state.model and part.compatible_models and state.model not in \
                    part.compatible_models:
                continue
            parts.append({"part_no": part.part_no, "name": texts.part_name(part.part_no),
                          "stock": dict(part.stock), "lead_time_days": part.lead_time_days,
                          "compatible_models": list(part.compatible_models)})
        name = texts.fault_name(fault)
        percent = explain.percent(confidence)
        if fault.safety_critical:
            sentence = texts.own("safety_critical", fault=name, confidence=percent)
        else:
            sentence = texts.own("concluded", fault=name, confidence=percent,
                                 supporting=len(trace["evidence_for"]),
                                 opposing=len(trace["evidence_against"]))
        out["status"] = "concluded"
        out["conclusion"] = {"fault_id": fault.id, "fault_name": name,
                             "confidence": round(confidence, 4),
                             "remedy_steps": texts.remedy_steps(fault), "parts": parts,
                             "explanation": sentence, "trace": trace}
        if fault.safety_critical:
            out["status"] = "escalated"
            out["escalation"] = {"reason": "safety_critical_fault", "priority": "P2",
                                 "action": texts.own("engineer_action"),
                                 "explanation": sentence}
        return out


def snapshot(outcome: dict[str, Any]) -> dict[str, Any]:
    """What a ticket needs from a diagnosis outcome (the chat keeps it in a slot between turns;
    the demo data replays it as the chat would)."""
    trace = ((outcome.get("conclusion") or {}).get("trace")
             or (outcome.get("escalation") or {}).get("trace") or outcome.get("trace") or {})
    answers_ = dict(trace.get("answers") or {})
    code = next((v for k, v in answers_.items() if "code" in k and isinstance(v, str)), None)
    return {
        "status": outcome["status"],
        "candidates": outcome.get("candidates", [])[:5],
        "observations": answers_,
        # The session as it went: what the customer answered (codes included), in order,
        # then the rules that fired on it and what they could not tell.
        "trace": [f"answered: {k} = {v}" for k, v in answers_.items()][:50]
        + [f"rule fired: {r}" for r in trace.get("rules_fired", [])][:50]
        + [f"don't know: {u}" for u in trace.get("unknown", [])][:20],
        "conclusion": {k: v for k, v in (outcome.get("conclusion") or {}).items()
                       if k in ("fault_id", "fault_name", "confidence")} or None,
        "priority": (outcome.get("escalation") or {}).get("priority"),
        "error_code": code,
    }
