"""Conversation evaluation: scripted multilingual customers talk to the real system.

Starts the system (as `make run` does, on free ports, with a throw-away state folder) unless
--rasa-url/--api-url are given. Then:

1. Quality, one conversation at a time, in en, el, de, fr, es: guided diagnosis from an error
   code (simulated operators answering from a fault's evidence, pressing buttons or typing),
   critical error codes, urgent safety reports (smoke, fire, burning smell, dangerous leak,
   electric shock, injury; plus `urgent_unseen` and `urgent_unseen_2`, 7 per language each,
   written after the hazard lexicon and reported apart), manual questions, spare parts,
   maintenance, contract, booking,
   ticket status and requests for a person. Reports task success and turns to resolution per
   language and scenario, escalation precision and recall, and whether every critical scenario
   escalated as P1.
2. Load: N concurrent simulated customers (default 20), each sending its next message a think
   time (uniform 2-5 s) after the previous reply, running the same scenarios for --seconds after
   a warm-up; turn latency p50/p95/p99, errors, turns per second (bench/README.md).

Customer messages come from bench/data/conversations.yml (held out from the NLU training data).
Writes bench/out/conversation_eval.md.

    .venv/bin/python -m bench.conversation_eval [--clients 20] [--seconds 60] [--warmup 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from tqdm import tqdm

from bench.running import bench_settings, percentile, start_bench_system
from bot.dialogue.simulate import TYPED, answer_message
from core import identity
from core.knowledge.loader import load_knowledge
from core.languages import LANGUAGES
from core.settings import PROJECT_ROOT, Settings
from core.signing import secret_for
from rules.scoring import FamilyModel
from rules.simulate import Operator, fault_error_code, needs_critical_answer

OUT = Path(__file__).resolve().parent / "out"
DATA = Path(__file__).resolve().parent / "data" / "conversations.yml"
SERIALS = {  # one installed machine per family (knowledge/service.yml)
    "centrifugal_process_pump": "P100-2021-00542",
    "rotary_screw_compressor": "H37S-2019-00412",
    "air_cooled_water_chiller": "W060-2021-00207",
}
OWNER = {"rotary_screw_compressor": "CUST-002"}  # whose machine SERIALS names
MAX_TURNS = 16


@dataclass
class Result:
    scenario: str
    language: str
    success: bool
    turns: int
    expect_escalation: bool
    escalated: bool = False
    critical: bool = False
    priority: str | None = None
    note: str = ""


class Chat:
    """One customer's conversation over the REST channel; records each turn's latency."""

    def __init__(self, client: httpx.Client, rasa: str, *, think: Callable[[], None] | None = None,
                 record: Callable[[float, bool], None] | None = None,
                 identity: str | None = None) -> None:
        self.client, self.rasa = client, rasa
        self.identity = identity  # a signed customer identity: a chat opened from the portal
        self.sender = f"eval-{uuid.uuid4().hex[:16]}"
        self.turns = 0
        self.think = think
        self.record = record
        self.tickets: list[dict[str, Any]] = []

    def send(self, message: str) -> list[dict[str, Any]]:
        if self.think and self.turns:
            self.think()
        self.turns += 1
        start = time.perf_counter()
        ok = False
        try:
            payload: dict[str, Any] = {"sender": self.sender, "message": message}
            if self.identity:
                payload["metadata"] = {"identity": self.identity}
            response = self.client.post(f"{self.rasa}/webhooks/rest/webhook", json=payload)
            response.raise_for_status()
            messages = list(response.json())
            ok = True
        finally:
            if self.record:
                self.record((time.perf_counter() - start) * 1000, ok)
        self.tickets += [m["custom"] for m in messages
                         if isinstance(m.get("custom"), dict)
                         and m["custom"].get("kind") == "ticket"]
        return messages


def kinds(messages: list[dict[str, Any]]) -> list[str]:
    return [m["custom"].get("kind", "") for m in messages if isinstance(m.get("custom"), dict)]


def custom(messages: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((m["custom"] for m in messages if isinstance(m.get("custom"), dict)
                 and m["custom"].get("kind") == kind), None)


def escalation(chat: Chat) -> dict[str, Any] | None:
    """The first ticket of the conversation that is an escalation (a booking is not)."""
    return next((t for t in chat.tickets if t.get("reason")), None)


# -- scenarios --------------------------------------------------------------------------------
@dataclass
class Scenario:
    name: str
    language: str
    run: Callable[[Chat], tuple[bool, str]]
    expect_escalation: bool
    critical: bool = False
    customer: str | None = None  # signed in as this customer (the portal's chat)


def diagnosis(family, fault_id: str, language: str, template: str, rng: random.Random):
    operator = Operator(family, FamilyModel(family), fault_id)
    code = fault_error_code(family, fault_id)

    def run(chat: Chat) -> tuple[bool, str]:
        messages = chat.send(template.format(serial=SERIALS[family.id], code=code))
        for _turn in range(MAX_TURNS):
            question = custom(messages, "diagnosis_question")
            if question is None:
                break
            index = next(i for i, m in enumerate(messages) if m.get("custom") is question)
            buttons = messages[index - 1].get("buttons") or []
            messages = chat.send(answer_message(operator, question, buttons, language,
                                                typed=rng.random() < 0.5))
        conclusion = custom(messages, "diagnosis_conclusion")
        if conclusion is None:
            return False, f"no conclusion: {kinds(messages)}"
        if conclusion["fault_id"] != fault_id:
            return False, f"concluded {conclusion['fault_id']}"
        chat.send(TYPED[language]["yes"] if rng.random() < 0.5 else "/affirm")
        return True, ""
    return run


def critical_code(family, code: str, language: str, template: str):
    def run(chat: Chat) -> tuple[bool, str]:
        messages = chat.send(template.format(serial=SERIALS[family.id], code=code))
        ticket = escalation(chat)
        ok = "safety" in kinds(messages) and ticket is not None and ticket["priority"] == "P1"
        return ok, "" if ok else f"{kinds(messages)}"
    return run


def urgent(text: str, family_id: str, language: str):
    def run(chat: Chat) -> tuple[bool, str]:
        messages = chat.send(text)
        first = kinds(messages)[:1]
        if escalation(chat) is None and "safety_check" in kinds(messages):
            # After the instruction, one question ("is anyone in danger right now?"): yes.
            messages = chat.send(TYPED[language]["yes"])
        if escalation(chat) is None:
            chat.send(SERIALS[family_id])
        ticket = escalation(chat)
        ok = first == ["safety"] and ticket is not None and ticket["priority"] == "P1"
        return ok, "" if ok else f"first={first} ticket={ticket}"
    return run


def manual(item: dict[str, Any], language: str):
    def run(chat: Chat) -> tuple[bool, str]:
        chat.send(SERIALS[item["family"]])
        messages = chat.send(item["text"])
        answer = custom(messages, "manual_answer")
        if answer is None:
            return False, f"no manual answer: {kinds(messages)}"
        chat.send(TYPED[language]["yes"])
        ok = item["expect_topic"] in answer.get("topics", [])
        return ok, "" if ok else f"cited {answer['section_id']}"
    return run


def asks_for(kind: str, text: str, *, serial: str | None, check: Callable[[dict], bool]):
    def run(chat: Chat) -> tuple[bool, str]:
        if serial:
            chat.send(serial)
        messages = chat.send(text)
        found = custom(messages, kind)
        if found is None and serial is None:  # the assistant asked for the machine
            messages = chat.send(SERIALS["centrifugal_process_pump"])
            found = custom(messages, kind)
        ok = found is not None and check(found)
        return ok, "" if ok else f"{kinds(messages)}"
    return run


def booking_then_status(booking: str, status: str):
    def run(chat: Chat) -> tuple[bool, str]:
        chat.send(SERIALS["rotary_screw_compressor"])
        messages = chat.send(booking)
        ticket = custom(messages, "ticket")
        if ticket is None:
            return False, f"no booking: {kinds(messages)}"
        messages = chat.send(status)
        found = custom(messages, "ticket_status")
        ok = found is not None and ticket["ticket_number"] in found["ticket_numbers"]
        return ok, "" if ok else f"{kinds(messages)}"
    return run


# Urgent messages written after the old hazard lexicon (some of them extended it), each list
# reported apart.
UNSEEN = {"urgent_unseen": "urgent (unseen):", "urgent_unseen_2": "urgent (unseen 2):"}
LOAD_HEADING = "## Turn latency"


def scenarios(data: dict[str, Any], rng: random.Random) -> list[Scenario]:
    kb = load_knowledge(PROJECT_ROOT / "knowledge")
    out: list[Scenario] = []
    for language in LANGUAGES:
        lang = data["languages"][language]
        for family in kb.families.values():
            faults = [f.id for f in family.faults.values()
                      if fault_error_code(family, f.id) and not f.safety_critical
                      and not needs_critical_answer(family, f.id)]
            for fault_id in rng.sample(faults, min(3, len(faults))):
                out.append(Scenario(f"diagnosis:{family.file}", language, diagnosis(
                    family, fault_id, language, rng.choice(lang["code_report"]), rng), False))
            code = next((c.code for c in family.error_codes.values()
                         if family.severity_priority.get(c.severity) == "P1"), None)
            if code:
                out.append(Scenario(f"critical code:{family.file}", language, critical_code(
                    family, code, language, rng.choice(lang["code_report"])), True,
                    critical=True))
        for item in lang["urgent"]:
            out.append(Scenario(f"urgent:{item['hazard']}", language,
                                urgent(item["text"], rng.choice(list(SERIALS)), language), True,
                                critical=True))
        for key, prefix in UNSEEN.items():
            for item in lang.get(key, []):
                out.append(Scenario(f"{prefix}{item['hazard']}", language,
                                    urgent(item["text"], rng.choice(list(SERIALS)), language), True,
                                    critical=True))
        for item in lang["manual"]:
            out.append(Scenario("manual", language, manual(item, language), False))
        for text in lang["human"]:
            out.append(Scenario("talk to human", language, asks_for(
                "ticket", text, serial=SERIALS["air_cooled_water_chiller"],
                check=lambda t: t.get("reason") == "customer_request"), True))
        for item in lang["spare_part"]:
            out.append(Scenario("spare part", language, asks_for(
                "spare_part", item["text"], serial=None,
                check=lambda c, part=item["expect"]: part in c["part_numbers"]), False))
        for text in lang["maintenance"]:
            out.append(Scenario("maintenance", language, asks_for(
                "maintenance", text, serial=SERIALS["centrifugal_process_pump"],
                check=lambda c: True), False))
        for text in lang["contract"]:
            # A customer's contract is shown to that customer only, signed in (the portal).
            out.append(Scenario("contract", language, asks_for(
                "contract", text, serial=SERIALS["rotary_screw_compressor"],
                check=lambda c: True), False, customer=OWNER["rotary_screw_compressor"]))
        for booking, status in zip(lang["booking"], lang["status"], strict=True):
            out.append(Scenario("booking + status", language,
                                booking_then_status(booking, status), False))
    return out


def play(chat: Chat, scenario: Scenario) -> Result:
    try:
        success, note = scenario.run(chat)
    except (httpx.HTTPError, StopIteration, KeyError, ValueError) as exc:
        success, note = False, f"error: {exc!r}"
    ticket = escalation(chat)
    return Result(scenario.name, scenario.language, success, chat.turns,
                  scenario.expect_escalation, ticket is not None, scenario.critical,
                  ticket["priority"] if ticket else None, note)


# -- reports ------------------------------------------------------------------------------------
def quality_tables(results: list[Result]) -> list[str]:
    lines = ["## Task success (one conversation at a time)", "",
             "| language | conversations | task success | turns to resolution (mean / max) |"
             " escalation precision | escalation recall | critical as P1 |",
             "|---|---|---|---|---|---|---|"]
    for language in (*LANGUAGES, "all"):
        rows = [r for r in results if language in ("all", r.language)]
        ok = [r for r in rows if r.success]
        tp = sum(r.escalated and r.expect_escalation for r in rows)
        predicted = sum(r.escalated for r in rows)
        expected = sum(r.expect_escalation for r in rows)
        critical = [r for r in rows if r.critical]
        p1 = sum(r.priority == "P1" for r in critical)
        turns = [r.turns for r in ok] or [0]
        lines.append(
            f"| {language} | {len(rows)} | {len(ok) / len(rows):.2f} | "
            f"{statistics.mean(turns):.1f} / {max(turns)} | "
            f"{tp / predicted if predicted else 1:.2f} | {tp / expected if expected else 1:.2f} |"
            f" {p1}/{len(critical)} |")
    for key, prefix in UNSEEN.items():
        unseen = [r for r in results if r.scenario.startswith(prefix)]
        if unseen:
            lines += ["", f"`{key}` (urgent messages written after the old hazard lexicon, "
                      f"which some of them extended; the triage that replaced it did not "
                      f"learn from them): {sum(r.success for r in unseen)}/{len(unseen)} got "
                      f"the safety instruction first and a P1 ticket (a safety question first "
                      f"counts as a miss here)."]
    lines += ["", "| scenario | " + " | ".join(LANGUAGES) + " |",
              "|---|" + "---|" * len(LANGUAGES)]
    names = sorted({r.scenario for r in results})
    for name in names:
        cells = []
        for language in LANGUAGES:
            rows = [r for r in results if r.scenario == name and r.language == language]
            cells.append(f"{sum(r.success for r in rows)}/{len(rows)}" if rows else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    failures = [r for r in results if not r.success]
    if failures:
        lines += ["", "Failures:", ""]
        lines += [f"- {r.language} {r.scenario}: {r.note}" for r in failures[:40]]
    return lines


def load_test(rasa: str, all_scenarios: list[Scenario], clients: int, seconds: float,
              warmup: float, seed: int,
              signed_in: Callable[[str | None], str | None] = lambda customer: None
              ) -> list[str]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    started = time.monotonic()
    measure_from = started + warmup
    stop_at = measure_from + seconds

    def record(ms: float, ok: bool) -> None:
        nonlocal errors
        if time.monotonic() < measure_from:
            return
        with lock:
            if ok:
                latencies.append(ms)
            else:
                errors += 1

    def customer(n: int) -> None:
        rng = random.Random(seed + n)

        def think() -> None:
            time.sleep(rng.uniform(2.0, 5.0))

        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop_at:
                scenario = rng.choice(all_scenarios)
                chat = Chat(client, rasa, think=think, record=record,
                            identity=signed_in(scenario.customer))
                play(chat, scenario)
                think()

    threads = [threading.Thread(target=customer, args=(n,), daemon=True)
               for n in range(clients)]
    for thread in threads:
        thread.start()
    with tqdm(total=int(warmup + seconds), desc=f"{clients} customers", unit="s") as bar:
        while time.monotonic() < stop_at:
            time.sleep(1)
            bar.update(1)
    for thread in threads:
        thread.join(timeout=120)
    if not latencies:
        return ["no turns measured"]
    return [f"{LOAD_HEADING}, {clients} concurrent conversations (think time 2-5 s, "
            f"{seconds:.0f} s after {warmup:.0f} s warm-up)", "",
            "| turns | turns/s | p50 ms | p95 ms | p99 ms | errors |", "|---|---|---|---|---|---|",
            f"| {len(latencies)} | {len(latencies) / seconds:.1f} | "
            f"{statistics.median(latencies):.0f} | {percentile(latencies, 95):.0f} | "
            f"{percentile(latencies, 99):.0f} | {errors} |"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", help="evaluate a running system instead of starting one")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-quality", action="store_true",
                        help="only the load test; it replaces the load section of the report")
    args = parser.parse_args()
    data = yaml.safe_load(DATA.read_text("utf-8"))
    rng = random.Random(args.seed)
    all_scenarios = scenarios(data, rng)

    supervisor = None
    rasa = args.rasa_url
    settings = Settings()  # a running system's: its data folder holds the signing secret
    if not rasa:
        settings = bench_settings("bench-conversations-")
        supervisor, rasa = start_bench_system("bench-conversations-", settings)
    secret = secret_for(settings.data_dir, settings.link_secret)

    def signed_in(customer: str | None) -> str | None:
        if customer is None:
            return None
        return identity.issue(customer, secret, now=datetime.now(UTC),
                              ttl=timedelta(hours=2))[0]

    try:
        lines = ["# Conversation evaluation", ""]
        if not args.skip_quality:
            results: list[Result] = []
            with httpx.Client(timeout=60) as client:
                for scenario in tqdm(all_scenarios, desc="conversations", unit="conv"):
                    results.append(play(Chat(client, rasa,
                                             identity=signed_in(scenario.customer)), scenario))
            lines += [*quality_tables(results), ""]
            print("\n".join(lines))
        if not args.skip_load:
            lines += load_test(rasa, all_scenarios, args.clients, args.seconds, args.warmup,
                               args.seed, signed_in)
            print("\n".join(lines[-5:]))
    finally:
        if supervisor:
            supervisor.stop()
    report = OUT / "conversation_eval.md"
    if args.skip_quality and report.exists():
        # Keep the quality tables of the last full run; only the load section is new.
        kept = report.read_text(encoding="utf-8").split(LOAD_HEADING)[0].rstrip("\n")
        lines = [kept, "", *lines[2:]]
    OUT.mkdir(exist_ok=True)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
