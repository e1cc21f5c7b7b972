"""The chat opened from an alert's link (`/chat/?alert=<token>`): the unit is known, its
telemetry is what the customer would have told, and the guided diagnosis starts with it as
answered observations, the alert's candidate faults as hints, in the customer's language:
"Your HSC-37 (H37S-2020-00877) reported at 10:42 UTC: separator pressure drop 1.9 bar. That
points to: Separator element clogged." and then only the questions the telemetry cannot answer."""

from __future__ import annotations

from typing import Any

from bot.dialogue.extract import Mentions
from bot.dialogue.flows.context import FlowContext
from bot.dialogue.flows.diagnosis import Diagnosis
from bot.dialogue.messages import say
from bot.dialogue.ports import AlertSource
from bot.dialogue.replies import Reply
from bot.dialogue.state import Outcome, Turn
from bot.dialogue.telemetry_view import readings_text, reported_at, site_zone
from rules.i18n import Texts


class FromAlert:
    def __init__(self, ctx: FlowContext, alerts: AlertSource, diagnosis: Diagnosis) -> None:
        self.ctx, self.alerts, self.diagnosis = ctx, alerts, diagnosis

    def start_from_alert(self, turn: Turn, found: Mentions, out: Outcome) -> None:
        token = next((str(e.get("value")) for e in turn.entities
                      if e.get("entity") == "alert_token"), "")
        opened = self.alerts.opened(token) if token else None
        asset = self.ctx.service.asset(serial=opened.alert.serial) if opened else None
        if opened is None or asset is None or asset.serial is None:
            out.say(say("alert_link_invalid", turn.language))
            return
        out.slots.update(asset_serial=asset.serial, asset_model=asset.model,
                         asset_family=asset.family, customer_id=asset.customer_id)
        turn.slots.update(out.slots)
        kb = self.ctx.diagnoser.kb
        family = kb.families[asset.family]
        texts = Texts(kb, family, turn.language)
        details: dict[str, Any] = opened.alert.details or {}
        candidates = [c["fault_id"] for c in details.get("candidates", [])
                      if c.get("fault_id") in family.faults]
        shown = readings_text(opened.alert.evidence or {}, family, turn.language)
        at = opened.at or opened.alert.opened_at
        out.say(Reply(say("alert_intro", turn.language, model=asset.model, serial=asset.serial,
                          time=reported_at(at, site_zone(asset.customer_id, asset.site_id,
                                                         self.ctx.catalog), turn.language),
                          readings=shown or "-"),
                      custom={"kind": "alert", "alert_id": opened.alert.id}))
        if candidates:
            out.say(say("alert_points_to", turn.language, faults="; ".join(
                texts.fault_name(family.faults[f]) for f in candidates)))
        observations = {name: value for name, value in opened.readings.items()
                        if name in family.observations
                        and name != family.error_code_observation}
        codes = [c for c in opened.codes if c in family.error_codes]
        code_obs = family.observations.get(family.error_code_observation or "")
        if not codes and code_obs is not None and "none" in code_obs.choices:
            observations[code_obs.id] = "none"  # the controller shows no code: known
        self.diagnosis.start_with(turn, out, asset, observations=observations,
                                  code=codes[0] if codes else None, hints=candidates)
