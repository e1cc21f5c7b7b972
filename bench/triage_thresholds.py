"""Choose the triage thresholds on the validation set (never on the evaluation set).

Trains the triage classifiers as the assistant does (bot/triage), scores every message of the
validation sets (bench/data/blind/<date>/validation*_<lang>.yml, every round's unless --date
names some) and of the study sets (evaluation sets after their one reported run; not with
--no-study), counts a reading over a critical limit as danger as the assistant does
(rules/readings.py), sweeps the thresholds and picks:

- safety `now` (the safety instruction first): the lowest threshold at which routine messages
  get it in at most --max-routine-now of cases (--max-routine-now-language in any language)
  and at most --max-ood-now of out-of-domain requests;
- safety `sure` (a P1 ticket at once; between `now` and `sure` the instruction is followed by a
  question and the ticket waits for "yes"): the same with --max-routine-p1;
- safety `possible`: the highest threshold at which at least --min-emergencies-asked of the
  emergencies still get the instruction or the question (the question costs every customer it
  interrupts a click), and no higher than one that asks at most --max-routine-check of routine
  messages;
- scope `out_of_domain` and `out_of_domain_bare` (for messages without a domain word): the pair
  that catches the most out-of-domain requests while at most --max-in-domain-ood of in-domain
  messages (routine, in-domain requests, emergencies) are called out of domain.

Prints the sweep and the choice per language, writes bench/out/triage_thresholds.md, and with
--write stores the choice in bot/triage/thresholds.yml.

    .venv/bin/python -m bench.triage_thresholds [--write | --current] [--date D]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

from bench.blind_eval import BLIND, OUT, load_set
from bot.dialogue.extract import mentions
from bot.triage.corpus import SMALL_TALK, examples
from bot.triage.safety import SafetyThresholds
from bot.triage.triage import FOREIGN_DANGER, THRESHOLDS, Thresholds, Triage, train_triage
from core.knowledge.loader import load_knowledge
from core.knowledge.model import KnowledgeBase
from core.languages import LANGUAGES
from rules.readings import HazardReader

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"

GRID = [round(float(x), 3) for x in np.arange(0.05, 0.951, 0.025)]
# Explained emergencies scored under this are not heard as danger at any threshold in use.
CODED_FLOOR = 0.5


def score(triage: Triage, sets: dict[str, dict[str, list]]) -> dict[tuple[str, str], dict]:
    """Per language and category: P(danger), where a reading over a critical limit or a
    repeated critical code (rules/readings.py) counts as 1, as the assistant routes it; P(out
    of domain); whether the message has no domain word; whether it is small talk."""
    kb = load_knowledge(KNOWLEDGE)
    reader = HazardReader(kb)
    scores: dict[tuple[str, str], dict] = {}
    for lang, cats in sets.items():
        for cat, items in cats.items():
            texts = [i if isinstance(i, str) else i["text"] for i in items]
            intents = [None if isinstance(i, str) else i.get("intent") for i in items]
            hazards = [reader.hazards(t, lang, _family(kb, t)) for t in texts]
            known = np.array([bool(h.now) for h in hazards])
            ood = np.array(triage.scope.probability(texts))
            # As the triage does: a message with an id or one of our names (engineers,
            # customers, products) is ours; no danger heard in what is clearly not ours.
            ours = np.array([_has_id(t) or (triage.names is not None and
                                            triage.names.found(t)) for t in texts])
            foreign = (ood >= FOREIGN_DANGER) & ~ours
            danger = np.where(foreign, 0.0, np.array(triage.safety.probability(texts)))
            scores[(lang, cat)] = {
                "danger": np.where(known, 1.0, danger),
                "ood": np.where(ours, 0.0, ood),
                "bare": np.array([triage.vocabulary.hits(t) == 0 for t in texts]),
                "small_talk": np.array([i in SMALL_TALK for i in intents]),
                # An alarm code the pack rates a warning or a fault explains the words.
                "explained": np.array([bool(h.explained) for h in hazards]),
            }
    return scores


STUDY_CATEGORIES = ("routine_alarming", "emergencies", "out_of_domain", "in_domain")


def study_sets(sets: dict[str, dict[str, list]]) -> list[str]:
    """Adds the messages of the study sets to `sets`: evaluation sets after their one reported
    run (bench/out/blind_eval_<set>_study*.jsonl, the newest file per set), which are never
    reported again and so serve as validation data, four times the size of the validation sets
    alone. Returns the sets' names."""
    newest: dict[str, Path] = {}
    for path in sorted(OUT.glob("blind_eval_*_study*.jsonl")):
        newest[path.name.removeprefix("blind_eval_").split("_")[0]] = path
    for path in newest.values():
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["category"] not in STUDY_CATEGORIES:
                continue
            item = ({"text": row["text"], "intent": row["expected"]}
                    if row["category"] == "in_domain" else row["text"])
            sets.setdefault(row["language"], {}).setdefault(row["category"], []).append(item)
    return sorted(newest)


def _has_id(text: str) -> bool:
    found = mentions(text)
    return bool(found.serial or found.model or found.error_code or found.part_number)


def _family(kb: KnowledgeBase, text: str) -> str | None:
    found = mentions(text)
    family = kb.family_for(model=found.model, serial=found.serial, error_code=found.error_code)
    return family.id if family else None


def _pool(scores: dict, cat: str, key: str, lang: str | None = None) -> np.ndarray:
    parts = [v[key][~v["small_talk"]] if key in ("ood", "bare") else v[key]
             for (lg, c), v in scores.items() if c == cat and (lang is None or lg == lang)]
    return np.concatenate(parts) if parts else np.array([])


def choose(scores: dict, args: argparse.Namespace) -> Thresholds:
    """The rules hold over all languages and, with a little more room, in each language: the
    targets are per language, and a threshold that fits the pool can still fail one language."""
    langs = sorted({lg for lg, _ in scores})
    # Messages whose alarm code explains them (a warning or a fault, no critical sign) get
    # the instruction only from `coded` on, the question below it: the highest threshold at
    # which no emergency of the pool naming such a code, and heard as danger at all
    # (>= CODED_FLOOR), loses the instruction. Chosen first: the rates below count it.
    emergencies = _pool(scores, "emergencies", "danger")
    heard = emergencies[_pool(scores, "emergencies", "explained") &
                        (emergencies >= CODED_FLOOR)]
    coded = max(t for t in GRID if all(p >= t for p in heard))

    def firing(cat: str, lang: str | None = None) -> Callable[[float], np.ndarray]:
        danger = _pool(scores, cat, "danger", lang)
        held = _pool(scores, cat, "explained", lang) & (danger < coded)
        return lambda t: (danger >= t) & ~held

    routine, ood_danger = firing("routine_alarming"), firing("out_of_domain")
    by_lang = [firing("routine_alarming", lg) for lg in langs]

    def routine_rate_ok(t: float, overall: float, per_language: float) -> bool:
        return (routine(t).mean() <= overall and ood_danger(t).mean() <= args.max_ood_now
                and all(r(t).mean() <= per_language for r in by_lang if len(r(t))))

    now = next(t for t in GRID if routine_rate_ok(t, args.max_routine_now,
                                                  args.max_routine_now_language))
    sure = next((t for t in GRID if t >= now and routine_rate_ok(
        t, args.max_routine_p1, args.max_routine_p1_language)), 1.0)
    # The question costs every customer it interrupts a click: asked as rarely as possible
    # while (nearly) every emergency still gets the instruction or the question.
    raw = _pool(scores, "routine_alarming", "danger")
    held = _pool(scores, "routine_alarming", "explained") & (raw >= now) & (raw < coded)
    possible = max(t for t in GRID if t <= now and
                   (emergencies >= t).mean() >= args.min_emergencies_asked)
    possible = max(possible, next(t for t in GRID if t <= now and (
        ((raw >= t) & (raw < now)) | held).mean() <= args.max_routine_check))
    coded = max(coded, now)
    in_domain = _called_ood_inputs(scores, None)
    in_domain_by_lang = [_called_ood_inputs(scores, lg) for lg in langs]
    ood_p, ood_bare = _pool(scores, "out_of_domain", "ood"), _pool(scores, "out_of_domain", "bare")
    best = None
    for high in GRID:
        for low in (t for t in GRID if t <= high):
            if _called(in_domain, high, low).mean() > args.max_in_domain_ood or any(
                    _called(x, high, low).mean() > args.max_in_domain_ood_language
                    for x in in_domain_by_lang if len(x[0])):
                continue
            caught = _called((ood_p, ood_bare), high, low).mean()
            key = (caught, high, low)  # most caught; then the most cautious limits
            if best is None or key > best:
                best = key
    assert best is not None, "no scope thresholds meet the in-domain limit"
    _caught, ood, bare = best
    return Thresholds(SafetyThresholds(now, possible, sure, coded), ood, bare)


def _called_ood_inputs(scores: dict, lang: str | None) -> tuple[np.ndarray, np.ndarray]:
    cats = ("routine_alarming", "in_domain", "emergencies")
    return (np.concatenate([_pool(scores, c, "ood", lang) for c in cats]),
            np.concatenate([_pool(scores, c, "bare", lang) for c in cats]))


def _called(inputs: tuple[np.ndarray, np.ndarray], high: float, low: float) -> np.ndarray:
    """Called out of domain: over `high`, or over `low` without a domain word."""
    p, bare = inputs
    return (p >= high) | ((p >= low) & bare)


def _effective(scores: dict, cat: str, lang: str | None, s: SafetyThresholds) -> np.ndarray:
    """P(danger) as the levels see it: an explained message under `coded` is held just under
    `now` (the safety question, not the instruction)."""
    danger = _pool(scores, cat, "danger", lang)
    explained = _pool(scores, cat, "explained", lang)
    if s.coded is None or not len(danger):
        return danger
    held = explained & (danger >= s.now) & (danger < s.coded)
    return np.where(held, np.maximum(s.possible, np.nextafter(s.now, 0.0)), danger)


def _pct(values: np.ndarray) -> str:
    return f"{100 * values.mean():.0f}% ({int(values.sum())}/{len(values)})" if len(values) \
        else "-"


def table(scores: dict, chosen: Thresholds) -> str:
    s = chosen.safety
    lines = ["| language | emergencies: P1 at once | emergencies: instruction | "
             "emergencies: instruction or check | routine: P1 at once | routine: instruction | "
             "routine: check | ood: instruction | ood caught | in-domain called ood |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for lang in [*LANGUAGES, None]:
        # An explained message under `coded` gets the question, as the triage routes it.
        em, ro, od = (_effective(scores, cat, lang, s) for cat in
                      ("emergencies", "routine_alarming", "out_of_domain"))
        ood = _called((_pool(scores, "out_of_domain", "ood", lang),
                       _pool(scores, "out_of_domain", "bare", lang)),
                      chosen.out_of_domain, chosen.out_of_domain_bare)
        ind = _called(_called_ood_inputs(scores, lang), chosen.out_of_domain,
                      chosen.out_of_domain_bare)
        lines.append(f"| {lang or 'all'} | {_pct(em >= s.p1)} | {_pct(em >= s.now)} | "
                     f"{_pct(em >= s.possible)} | {_pct(ro >= s.p1)} | {_pct(ro >= s.now)} | "
                     f"{_pct((ro >= s.possible) & (ro < s.now))} | "
                     f"{_pct(od >= s.now)} | {_pct(ood)} | {_pct(ind)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--date", action="append", default=None,
                        help="a folder under bench/data/blind (repeat; default: every folder "
                             "with a validation set)")
    # The targets: the emergency reply on at most 3% of routine messages, a P1 ticket opened
    # without confirmation on at most 1%; the rules keep a margin for unseen messages. The
    # margin is half: a fresh blind set (2026-12-04o) gave 4% (P1 2%) at thresholds whose
    # rates here were 2% (P1 0.5%), since these sets have chosen thresholds before.
    parser.add_argument("--max-routine-now", type=float, default=0.01,
                        help="routine messages given the safety instruction")
    parser.add_argument("--max-routine-p1", type=float, default=0.002,
                        help="routine messages given a P1 ticket without a question")
    parser.add_argument("--max-routine-now-language", type=float, default=0.02,
                        help="the same in any one language")
    parser.add_argument("--max-routine-p1-language", type=float, default=0.005,
                        help="the same in any one language")
    parser.add_argument("--max-ood-now", type=float, default=0.001,
                        help="out-of-domain requests given the safety instruction (the target "
                             "is none; one in a thousand allows for a stray one in thousands)")
    parser.add_argument("--max-routine-check", type=float, default=0.10)
    # In-domain messages called out of domain: 2-4% on the fresh blind sets n and o at rates
    # of 1% here; a margin of a quarter.
    parser.add_argument("--max-in-domain-ood", type=float, default=0.0075)
    parser.add_argument("--max-in-domain-ood-language", type=float, default=0.015,
                        help="the same in any one language")
    parser.add_argument("--min-emergencies-asked", type=float, default=0.99,
                        help="emergencies that get at least the safety question")
    parser.add_argument("--no-study", action="store_true",
                        help="the validation sets only, without the study sets")
    parser.add_argument("--write", action="store_true", help="store the choice")
    parser.add_argument("--current", action="store_true",
                        help="no choice: the table at the thresholds in use (thresholds.yml)")
    args = parser.parse_args(argv)
    folders = [BLIND / d for d in args.date] if args.date else sorted(
        p for p in BLIND.iterdir() if p.is_dir() and any(p.glob("validation*_*.yml")))
    sets: dict[str, dict[str, list]] = {}
    for folder in folders:
        for lang, cats in load_set(folder, "validation").items():
            for cat, items in cats.items():
                sets.setdefault(lang, {}).setdefault(cat, []).extend(items)
    names = ", ".join(f.name for f in folders)
    if not args.no_study:
        studied = study_sets(sets)
        names += f", and the study sets {', '.join(studied)}" if studied else ""
    triage = train_triage()
    print(f"trained on {len(examples())} examples; scoring the validation sets of {names}")
    scores = score(triage, sets)
    chosen = Thresholds.load() if args.current else choose(scores, args)
    if args.current:
        print(f"at the thresholds in use: {chosen}\n" + table(scores, chosen))
        return
    text = "\n".join([
        "# Triage thresholds, chosen on the validation set", "",
        f"Sets: the validation sets (`validation*_<lang>.yml`) of {names}. "
        f"Rules: routine messages given the safety instruction <= {args.max_routine_now:.0%} "
        f"(<= {args.max_routine_now_language:.0%} in any language), "
        f"a P1 ticket without a question <= {args.max_routine_p1:.1%} "
        f"(<= {args.max_routine_p1_language:.0%} in any language), and no out-of-domain "
        f"request either; the safety question as rarely as possible while at least "
        f"{args.min_emergencies_asked:.0%} of emergencies get it or the instruction; "
        f"in-domain messages called out of domain <= "
        f"{args.max_in_domain_ood:.0%} (<= {args.max_in_domain_ood_language:.0%} in any "
        "language).", "",
        f"Chosen: P1 at once >= {chosen.safety.p1}, safety instruction (then a question before "
        f"the P1) >= {chosen.safety.now} (>= {chosen.safety.coded} for a message whose alarm "
        f"code the pack rates a warning or a fault), safety check >= {chosen.safety.possible}, "
        f"out of domain >= {chosen.out_of_domain} (>= {chosen.out_of_domain_bare} without a "
        "domain word).", "",
        table(scores, chosen), ""])
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "triage_thresholds.md").write_text(text, encoding="utf-8")
    if args.write:
        header = "".join(line + "\n" for line in THRESHOLDS.read_text("utf-8").splitlines()
                         if line.startswith("#"))
        body = {"safety": {"now": chosen.safety.now, "possible": chosen.safety.possible,
                           "sure": chosen.safety.p1, "coded": chosen.safety.coded},
                "scope": {"out_of_domain": chosen.out_of_domain,
                          "out_of_domain_bare": chosen.out_of_domain_bare}}
        Path(THRESHOLDS).write_text(header + yaml.safe_dump(body, sort_keys=False), "utf-8")
        print(f"written to {THRESHOLDS}")


if __name__ == "__main__":
    main()
