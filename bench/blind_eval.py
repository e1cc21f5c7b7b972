"""Routing on messages written blind: safety triage, out-of-domain, how-to and spare parts.

The sets under bench/data/blind/<date>/ were written by people (helpers) who saw neither the
code nor the training data, from a brief and the knowledge pack (bench/data/blind/README.md).
Each message opens a new conversation with the real system (Rasa's REST channel, the API's
action webhook, the ticket store, the index) and is judged on what a customer would see:

- routine messages with alarming words: the emergency reply (`kind: safety`) in the first
  reply, and a P1 ticket opened without confirmation;
- real emergencies: the safety instruction in the first reply; a P1 ticket in the end, after at
  most one question (a safety check is answered "yes");
- out-of-domain requests: a business flow entered (an action of the business flows ran and did
  not answer "out of domain", or the conversation now waits for an asset, a diagnosis answer or
  feedback), and the emergency reply;
- in-domain requests: Rasa's intent against the expected one, and requests the assistant
  wrongly called out of domain (over every in-domain category);
- how-to: the first cited section is one of the expected sections (hit@1);
- spare parts: the part asked about is the first one in the answer, or anywhere in it.

    .venv/bin/python -m bench.blind_eval --set eval [--date 2026-12-03] [--label NAME]
    .venv/bin/python -m bench.blind_eval --set validation

Writes bench/out/blind_<set>[_<label>].md; for the validation set also a JSON Lines file of
every message's outcome (for error analysis; the evaluation set is only counted).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from tqdm import tqdm

from bench.running import start_bench_system
from core.languages import LANGUAGES

HERE = Path(__file__).resolve().parent
BLIND = HERE / "data" / "blind"
OUT = HERE / "out"

BUSINESS_ACTIONS = {
    "action_identify_asset", "action_start_diagnosis", "action_answer_manual",
    "action_answer_maintenance", "action_answer_spare_part", "action_answer_contract",
    "action_book_visit", "action_ticket_status", "action_talk_to_human",
    "action_urgent_safety",
}
BUSINESS_KINDS = {"manual_answer", "ticket", "diagnosis_question", "diagnosis_conclusion",
                  "asset", "ticket_status", "spare_part", "maintenance", "contract"}
BUSINESS_WAITS = {"asset", "diagnosis", "feedback", "offer"}
AFFIRM = "/affirm"


@dataclass
class Outcome:
    language: str
    category: str
    text: str
    kinds: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    intent: str = ""
    awaiting: str | None = None
    safety_first: bool = False
    p1_first: bool = False
    p1_end: bool = False
    asked_check: bool = False
    business: bool = False
    out_of_domain: bool = False
    expected: Any = None
    got: Any = None
    hit: bool | None = None
    listed: bool | None = None
    trained: bool = False  # the very message is a training example (written independently)


def _kinds(messages: Iterable[dict[str, Any]]) -> list[str]:
    return [m["custom"].get("kind", "") for m in messages if isinstance(m.get("custom"), dict)]


def _customs(messages: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages
            if isinstance(m.get("custom"), dict) and m["custom"].get("kind") == kind]


def _p1(messages: Iterable[dict[str, Any]]) -> bool:
    return any(t.get("priority") == "P1" for t in _customs(messages, "ticket"))


class Client:
    def __init__(self, rasa: str) -> None:
        self.rasa = rasa
        self.http = httpx.Client(timeout=60)

    def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        response = self.http.post(f"{self.rasa}/webhooks/rest/webhook",
                                  json={"sender": sender, "message": text})
        response.raise_for_status()
        return list(response.json())

    def tracker(self, sender: str) -> dict[str, Any]:
        response = self.http.get(f"{self.rasa}/conversations/{sender}/tracker")
        response.raise_for_status()
        return dict(response.json())


def _turn_facts(tracker: dict[str, Any]) -> tuple[str, list[str], str | None]:
    """Rasa's intent of the latest message, the actions run after it, the awaited answer."""
    events = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    actions = [e.get("name", "") for e in events[last_user + 1:] if e.get("event") == "action"]
    intent = ((tracker.get("latest_message") or {}).get("intent") or {}).get("name") or ""
    awaiting = (tracker.get("slots") or {}).get("awaiting")
    return intent, [a for a in actions if a != "action_listen"], awaiting


def judge(client: Client, language: str, category: str, item: Any) -> Outcome:
    text = item if isinstance(item, str) else str(item["text"])
    sender = f"blind-{uuid.uuid4().hex[:16]}"
    messages = client.send(sender, text)
    intent, actions, awaiting = _turn_facts(client.tracker(sender))
    kinds = _kinds(messages)
    out = Outcome(language, category, text, kinds, actions, intent, awaiting)
    out.safety_first = "safety" in kinds
    out.p1_first = _p1(messages)
    out.out_of_domain = "out_of_domain" in kinds
    out.business = bool(set(kinds) & BUSINESS_KINDS) or awaiting in BUSINESS_WAITS or (
        bool(set(actions) & BUSINESS_ACTIONS) and not out.out_of_domain)
    out.asked_check = "safety_check" in kinds
    if category == "emergencies":
        out.p1_end = out.p1_first
        if not out.p1_end and out.asked_check:
            out.p1_end = _p1(client.send(sender, AFFIRM))
    elif category == "in_domain":
        out.expected, out.got = item["intent"], intent
        out.hit = intent == item["intent"]
    elif category == "how_to":
        answers = _customs(messages, "manual_answer")
        out.expected = list(item["expected_sections"])
        out.got = answers[0].get("section_id") if answers else None
        out.hit = out.got in out.expected
    elif category == "spare_parts":
        numbers = [n for c in _customs(messages, "spare_part") for n in c.get("part_numbers", [])]
        out.expected, out.got = item["expected_part"], numbers[:4]
        out.hit = bool(numbers) and numbers[0] == item["expected_part"]
        out.listed = item["expected_part"] in numbers
    return out


def load_set(folder: Path, name: str) -> dict[str, dict[str, list[Any]]]:
    sets: dict[str, dict[str, list[Any]]] = {}
    for language in LANGUAGES:
        # validation_<lang>.yml and validation2_<lang>.yml (a later round) make one set.
        for path in sorted(folder.glob(f"{name}*_{language}.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for key, items in data.items():
                if isinstance(items, list):
                    sets.setdefault(language, {}).setdefault(key, []).extend(items)
    if not sets:
        raise SystemExit(f"no {name}_<lang>.yml under {folder}")
    return sets


def _rate(values: list[bool]) -> str:
    if not values:
        return "-"
    return f"{100 * sum(values) / len(values):.0f}% ({sum(values)}/{len(values)})"


ROWS: list[tuple[str, str, str, str]] = [
    # (label, category, field, target)
    ("routine: emergency reply", "routine_alarming", "safety_first", "<= 3%"),
    ("routine: P1 ticket without confirmation", "routine_alarming", "p1_first", "<= 1%"),
    ("routine: called out of domain", "routine_alarming", "out_of_domain", "low"),
    ("emergencies: safety instruction in the first reply", "emergencies", "safety_first",
     ">= 98%"),
    ("emergencies: P1 ticket in the end (<= 1 question)", "emergencies", "p1_end", ">= 98%"),
    ("out of domain: business flow entered", "out_of_domain", "business", "<= 3%"),
    ("out of domain: emergency reply", "out_of_domain", "safety_first", "0"),
    ("out of domain: answered as out of domain", "out_of_domain", "out_of_domain", "high"),
    ("in domain: intent accuracy (Rasa)", "in_domain", "hit", ">= 95%"),
    ("in domain: called out of domain", "in_domain", "out_of_domain", "low"),
    ("how-to: right section first (hit@1)", "how_to", "hit", ">= 85%"),
    ("how-to: called out of domain", "how_to", "out_of_domain", "low"),
    ("spare parts: part asked about first", "spare_parts", "hit", ">= 90%"),
    ("spare parts: part listed somewhere", "spare_parts", "listed", "-"),
]


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def training_texts() -> set[str]:
    """The NLU and triage training examples (bot/data/nlu, bot/triage/data), normalised."""
    from bot.triage.corpus import examples

    return {_normal(e.text) for e in examples()}


def mark_trained(results: list[Outcome], trained: set[str]) -> None:
    """Writers who never saw the training data still write the same stock requests ("tell me
    a joke", "what's the capital of Australia?"): such messages are marked, and the report
    gives the figures without them too."""
    for r in results:
        r.trained = _normal(r.text) in trained


def report(results: list[Outcome], title: str, source: str) -> str:
    by: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for r in results:
        by[(r.category, r.language)].append(r)
        by[(r.category, "all")].append(r)
    langs = [lang for lang in LANGUAGES if any(r.language == lang for r in results)]
    lines = [f"# {title}", "", f"Set: `{source}`. One run; each message a new conversation "
             "with the real system.", "",
             "| measure | target | all | " + " | ".join(langs) + " |",
             "|---|---|---|" + "---|" * len(langs)]
    for label, category, name, target in ROWS:
        cells = []
        for lang in ["all", *langs]:
            cells.append(_rate([bool(getattr(r, name)) for r in by.get((category, lang), [])]))
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    asked = {cat: _rate([r.asked_check for r in by.get((cat, "all"), [])])
             for cat in ("emergencies", "routine_alarming", "out_of_domain", "in_domain",
                         "how_to", "spare_parts")}
    lines += ["", "Safety question asked (first reply): " + ", ".join(
        f"{cat} {rate}" for cat, rate in asked.items()) + ".", ""]
    seen = [r for r in results if r.trained]
    if seen:
        counts = defaultdict(int)
        for r in seen:
            counts[r.category] += 1
        lines += [f"Messages that are also, word for word, training examples (written "
                  f"independently): {len(seen)} (" + ", ".join(
                      f"{cat} {n}" for cat, n in sorted(counts.items())) + "). Without them:",
                  ""]
        for label, category, name, target in ROWS:
            if counts.get(category):
                rest = [bool(getattr(r, name)) for r in by.get((category, "all"), [])
                        if not r.trained]
                lines.append(f"- {label}: {_rate(rest)} (target {target})")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="eval", choices=("eval", "validation"))
    parser.add_argument("--date", default=None, help="folder under bench/data/blind (newest)")
    parser.add_argument("--label", default="", help="suffix of the report's file name")
    parser.add_argument("--rasa-url", default=None, help="a running system (else one starts)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--study", action="store_true",
                        help="also write the per-message results of an evaluation set: only for "
                             "a set whose one run is reported, which then becomes a study set")
    args = parser.parse_args(argv)
    # The newest round that has this set (a later round may hold only an evaluation set).
    folder = BLIND / args.date if args.date else sorted(
        p for p in BLIND.iterdir() if p.is_dir() and any(p.glob(f"{args.set}*_*.yml")))[-1]
    sets = load_set(folder, args.set)
    supervisor = None
    rasa = args.rasa_url
    if rasa is None:
        supervisor, rasa = start_bench_system("blind-eval-")
    try:
        client = Client(rasa)
        jobs = [(lang, cat, item) for lang, cats in sets.items() for cat, items in cats.items()
                for item in items]
        with ThreadPoolExecutor(args.workers) as pool:
            results = list(tqdm(pool.map(lambda job: judge(client, *job), jobs),
                                total=len(jobs), desc=f"blind {args.set}", file=sys.stderr))
    finally:
        if supervisor is not None:
            supervisor.stop()
    mark_trained(results, training_texts())
    name = f"blind_{args.set}" + (f"_{args.label}" if args.label else "")
    OUT.mkdir(exist_ok=True)
    source = str(folder.relative_to(HERE.parent))
    title = f"Blind routing evaluation ({args.set}" + (f", {args.label})" if args.label else ")")
    text = report(results, title, source)
    (OUT / f"{name}.md").write_text(text, encoding="utf-8")
    if args.set == "validation" or args.study:  # an evaluation set is counted, not studied
        with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    print(text)


if __name__ == "__main__":
    main()
