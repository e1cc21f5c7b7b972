"""Metrics and the Markdown report of bench/nlu_eval.py's held-out evaluation.

Input rows are the parse worker's JSON Lines: text, language, gold intent, predicted intent (the
classifier's top intent with the FallbackClassifier undone), its confidence and the runner-up's,
gold and predicted entities.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bench.nlu_split import ROOT, SPLIT_SEED, TEST_SHARE
from core.languages import LANGUAGES

THRESHOLDS = [round(0.30 + 0.05 * i, 2) for i in range(11)]  # 0.30 .. 0.80
# Largest share of right answers we accept to lose to the fallback when picking a threshold.
MAX_CORRECT_FALLBACK = 0.05


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def intent_scores(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the union of gold and predicted intents, per-intent P/R/F1."""
    labels = sorted({r["intent"] for r in rows} | {r["predicted"] for r in rows if r["predicted"]})
    per: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for r in rows if r["intent"] == label and r["predicted"] == label)
        fp = sum(1 for r in rows if r["intent"] != label and r["predicted"] == label)
        fn = sum(1 for r in rows if r["intent"] == label and r["predicted"] != label)
        p, rc, f = prf(tp, fp, fn)
        per[label] = {"precision": p, "recall": rc, "f1": f, "support": tp + fn}
    correct = sum(1 for r in rows if r["intent"] == r["predicted"])
    return {
        "n": len(rows),
        "accuracy": correct / len(rows) if rows else 0.0,
        "macro_f1": statistics.mean(v["f1"] for v in per.values()) if per else 0.0,
        "per_intent": per,
    }


def entity_scores(
    rows: Sequence[dict[str, Any]], extractor: str | None = None, *, ignore_case: bool = False
) -> dict[str, dict[str, float]]:
    """Entity P/R/F1 per type: a hit is the same (type, value) in the message, value exact
    (or equal but for case with `ignore_case`).

    Predictions of several extractors for the same (type, value) count once.
    """
    norm = str.casefold if ignore_case else str
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        gold = Counter((t, norm(v)) for t, v in r["gold_entities"])
        pred = Counter({(t, norm(v)): 1 for t, v, x in r["entities"] if extractor in (None, x)})
        for key in set(gold) | set(pred):
            tp = min(gold[key], pred[key])
            counts[key[0]][0] += tp
            counts[key[0]][1] += pred[key] - tp
            counts[key[0]][2] += gold[key] - tp
    out = {}
    for etype, (tp, fp, fn) in sorted(counts.items()):
        p, rc, f = prf(tp, fp, fn)
        out[etype] = {"precision": p, "recall": rc, "f1": f, "support": tp + fn}
    return out


def falls_back(row: dict[str, Any], threshold: float, ambiguity: float) -> bool:
    """FallbackClassifier's rule: top confidence below threshold, or top two too close."""
    return row["confidence"] < threshold or (row["confidence"] - row["second"]) < ambiguity


def threshold_sweep(rows: Sequence[dict[str, Any]], ambiguity: float) -> list[dict[str, float]]:
    right = [r for r in rows if r["intent"] == r["predicted"]]
    wrong = [r for r in rows if r["intent"] != r["predicted"]]
    sweep = []
    for t in THRESHOLDS:
        lost = sum(falls_back(r, t, ambiguity) for r in right)
        caught = sum(falls_back(r, t, ambiguity) for r in wrong)
        accepted = (len(right) - lost) + (len(wrong) - caught)
        sweep.append(
            {
                "threshold": t,
                "correct_fallback": lost / len(right) if right else 0.0,
                "wrong_caught": caught / len(wrong) if wrong else 0.0,
                "accepted_accuracy": (len(right) - lost) / accepted if accepted else 0.0,
                "fallback_rate": (lost + caught) / len(rows) if rows else 0.0,
                # messages handled right: right answers kept plus wrong ones sent to the fallback
                "handled_right": ((len(right) - lost) + caught) / len(rows) if rows else 0.0,
            }
        )
    return sweep


def recommend_threshold(sweep: Sequence[dict[str, float]]) -> dict[str, float]:
    """Most messages handled right (right answer kept or wrong one caught), counting a needless
    fallback as costly as a wrong answer, losing at most MAX_CORRECT_FALLBACK of the right ones;
    on a tie the lower threshold."""
    allowed = [s for s in sweep if s["correct_fallback"] <= MAX_CORRECT_FALLBACK] or [sweep[0]]
    return max(allowed, key=lambda s: (round(s["handled_right"], 9), -s["threshold"]))


def quantiles(values: Sequence[float]) -> str:
    if not values:
        return "0 | - | - | - | - | -"
    v = sorted(values)
    q = lambda p: v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]  # noqa: E731
    cells = [f"{q(p):.2f}" for p in (0.1, 0.25, 0.5, 0.75)] + [f"{statistics.mean(v):.2f}"]
    return f"{len(v)} | " + " | ".join(cells)


def fallback_config(config: Path) -> tuple[float, float]:
    for component in (yaml.safe_load(config.read_text()) or {}).get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3)), float(
                component.get("ambiguity_threshold", 0.1)
            )
    return 0.3, 0.1


# --------------------------------------------------------------------------- reports


def pipeline_summary(config: Path) -> str:
    """Component names, with DIET's settings: config.yml changes, the report keeps what ran."""
    parts = []
    for component in (yaml.safe_load(config.read_text()) or {}).get("pipeline") or []:
        name = str(component.get("name", "?")).rsplit(".", 1)[-1]
        if name in ("DIETClassifier", "CountVectorsFeaturizer", "FallbackClassifier"):
            opts = ", ".join(f"{k}={v}" for k, v in component.items() if k != "name")
            name += f"({opts})" if opts else ""
        parts.append(name)
    return ", ".join(parts)


def held_out_report(rows: list[dict[str, Any]], config: Path, meta: dict[str, Any]) -> str:
    threshold, ambiguity = fallback_config(config)
    by_lang = {lang: [r for r in rows if r["language"] == lang] for lang in LANGUAGES}
    scores = {lang: intent_scores(rs) for lang, rs in by_lang.items()}
    scores["all"] = intent_scores(rows)
    md = [
        "# NLU held-out evaluation",
        "",
        f"`bench/nlu_eval.py`: {meta.get('train', '?')} training / {len(rows)} held-out "
        f"examples ({int(TEST_SHARE * 100)}% of every language x intent, seed {SPLIT_SEED}); "
        f"model trained with `{config.relative_to(ROOT)}` in {meta.get('train_s', 0) / 60:.1f} "
        "min (2 shared cores, niced); held-out parsed through the whole pipeline. The intent is "
        "the classifier's top intent with the FallbackClassifier undone (as `rasa test nlu` "
        "does); the fallback is analysed separately below. Trained "
        f"{meta.get('run_at') or time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Pipeline: {meta.get('pipeline') or pipeline_summary(config)}.",
        "",
        "## Intents per language",
        "",
        "| language | held-out | accuracy | macro-F1 | target macro-F1 >= 0.90 |",
        "|---|---|---|---|---|",
    ]
    for lang in (*LANGUAGES, "all"):
        s = scores[lang]
        ok = "" if lang == "all" else ("met" if s["macro_f1"] >= 0.90 else "**missed**")
        md.append(f"| {lang} | {s['n']} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | {ok} |")
    intents = sorted(scores["all"]["per_intent"])
    md += [
        "",
        "## F1 per intent",
        "",
        "| intent | " + " | ".join(LANGUAGES) + " | all |",
        "|---" * (len(LANGUAGES) + 2) + "|",
    ]
    for intent in intents:
        cells = []
        for lang in (*LANGUAGES, "all"):
            v = scores[lang]["per_intent"].get(intent)
            cells.append(f"{v['f1']:.2f}" if v else "-")
        md.append(f"| {intent} | " + " | ".join(cells) + " |")
    wrong = [r for r in rows if r["intent"] != r["predicted"]]
    confusions = Counter((r["intent"], r["predicted"]) for r in wrong)
    md += [
        "",
        f"## Confusions ({len(wrong)} wrong of {len(rows)})",
        "",
        "| gold -> predicted | n | languages | examples (confidence) |",
        "|---|---|---|---|",
    ]
    for (gold, pred), n in confusions.most_common():
        cases = [r for r in wrong if (r["intent"], r["predicted"]) == (gold, pred)]
        langs = ", ".join(
            f"{k} {v}" for k, v in Counter(r["language"] for r in cases).most_common()
        )
        examples = "; ".join(f'"{r["text"]}" ({r["confidence"]:.2f})' for r in cases[:3]).replace(
            "|", "/"
        )
        md.append(f"| {gold} -> {pred} | {n} | {langs} | {examples} |")
    md += [
        "",
        "## Entities (exact value, all extractors)",
        "",
        "F1 per entity type; a hit is the annotated (type, value) found in the message. The last "
        "column ignores case (e.g. gold `hsc-37`, predicted `HSC-37`).",
        "",
        "| entity | "
        + " | ".join(LANGUAGES)
        + " | all F1 | all P | all R | support | all F1, any case |",
        "|---" * (len(LANGUAGES) + 6) + "|",
    ]
    ent_lang = {lang: entity_scores(rs) for lang, rs in by_lang.items()}
    ent_all = entity_scores(rows)
    ent_case = entity_scores(rows, ignore_case=True)
    for etype in sorted(ent_all):
        cells = [
            f"{ent_lang[lang][etype]['f1']:.2f}" if etype in ent_lang[lang] else "-"
            for lang in LANGUAGES
        ]
        a = ent_all[etype]
        md.append(
            f"| {etype} | "
            + " | ".join(cells)
            + f" | {a['f1']:.3f} | {a['precision']:.3f} | {a['recall']:.3f} | {int(a['support'])}"
            + f" | {ent_case[etype]['f1']:.3f} |"
        )
    extractors = sorted({x for r in rows for _, _, x in r["entities"] if x})
    if extractors:
        md += [
            "",
            "Per extractor (all languages, F1): "
            + "; ".join(
                f"{x}: "
                + ", ".join(f"{t} {v['f1']:.2f}" for t, v in entity_scores(rows, x).items())
                for x in extractors
            )
            + ".",
        ]
    md += [
        "",
        "## Confidence of right and wrong predictions",
        "",
        "| language | group | n | p10 | p25 | median | p75 | mean |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for lang in (*LANGUAGES, "all"):
        rs = rows if lang == "all" else by_lang[lang]
        for label, group in (
            ("right", [r for r in rs if r["intent"] == r["predicted"]]),
            ("wrong", [r for r in rs if r["intent"] != r["predicted"]]),
        ):
            md.append(f"| {lang} | {label} | {quantiles([r['confidence'] for r in group])} |")
    bins = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]
    md += ["", "Histogram (all languages):", "", "| confidence | right | wrong |", "|---|---|---|"]
    for lo, hi in zip(bins, bins[1:], strict=False):
        n_r = sum(1 for r in rows if r["intent"] == r["predicted"] and lo <= r["confidence"] < hi)
        n_w = sum(1 for r in rows if r["intent"] != r["predicted"] and lo <= r["confidence"] < hi)
        md.append(f"| {lo:.1f}-{min(hi, 1.0):.1f} | {n_r} | {n_w} |")
    md += [
        "",
        "## FallbackClassifier threshold sweep",
        "",
        f"config.yml now: threshold {threshold}, ambiguity_threshold {ambiguity}. A message falls "
        "back when its top confidence is below the threshold or the top two are closer than the "
        'ambiguity threshold. "right lost" = share of right predictions that would fall back, '
        '"wrong caught" = share of wrong ones that would; "accepted accuracy" = accuracy of what '
        'does not fall back; "handled right" = share of all messages with a right answer kept or '
        "a wrong one caught.",
        "",
    ]
    for amb in (ambiguity, 0.0):
        sweep = threshold_sweep(rows, amb)
        rec = recommend_threshold(sweep)
        md += [
            f"ambiguity_threshold {amb}:",
            "",
            "| threshold | right lost | wrong caught | accepted accuracy | fallback rate "
            "| handled right |",
            "|---|---|---|---|---|---|",
        ]
        for s in sweep:
            mark = " **<-**" if s is rec else ""
            md.append(
                f"| {s['threshold']:.2f}{mark} | {s['correct_fallback']:.1%} "
                f"| {s['wrong_caught']:.1%} "
                f"| {s['accepted_accuracy']:.3f} | {s['fallback_rate']:.1%} "
                f"| {s['handled_right']:.1%} |"
            )
        md.append("")
    # the thresholds from which on the ambiguity rule never adds a fallback
    same: list[float] = []
    for a, b in zip(threshold_sweep(rows, ambiguity), threshold_sweep(rows, 0.0), strict=True):
        same = same + [a["threshold"]] if a == b else []
    if same and ambiguity:
        md += [
            f"The ambiguity threshold changes nothing from threshold {same[0]:.2f} up (the "
            "confidences sum to 1, so a top intent above 0.55 is 0.1 ahead of the next).",
            "",
        ]
    sweep = threshold_sweep(rows, ambiguity)
    rec = recommend_threshold(sweep)
    md += [
        "Recommended (most messages handled right - right answer kept or wrong one sent to the "
        "fallback, a needless fallback counted as costly as a wrong answer - with right lost <= "
        f"{MAX_CORRECT_FALLBACK:.0%}, ambiguity {ambiguity}): **threshold {rec['threshold']:.2f}**"
        f" - right lost {rec['correct_fallback']:.1%}, wrong caught {rec['wrong_caught']:.1%}, "
        f"handled right {rec['handled_right']:.1%}.",
        "",
        "Per language at the recommended and the current threshold:",
        "",
        "| language | right lost (rec.) | wrong caught (rec.) | right lost (current) "
        "| wrong caught (current) |",
        "|---|---|---|---|---|",
    ]
    for lang in LANGUAGES:
        s_rec = next(
            s
            for s in threshold_sweep(by_lang[lang], ambiguity)
            if s["threshold"] == rec["threshold"]
        )
        cur = [r for r in by_lang[lang]]
        right = [r for r in cur if r["intent"] == r["predicted"]]
        wrong_l = [r for r in cur if r["intent"] != r["predicted"]]
        lost = sum(falls_back(r, threshold, ambiguity) for r in right) / max(1, len(right))
        caught = sum(falls_back(r, threshold, ambiguity) for r in wrong_l) / max(1, len(wrong_l))
        md.append(
            f"| {lang} | {s_rec['correct_fallback']:.1%} | {s_rec['wrong_caught']:.1%} "
            f"| {lost:.1%} | "
            f"{caught:.1%} ({len(wrong_l)} wrong) |"
        )
    md += [
        "",
        "Caveat: the held-out set has few wrong predictions per language, so the sweep is coarse; "
        "it also says nothing about text unlike the training data (gibberish is handled by "
        "VocabularyGuard, which sets confidence 0).",
        "",
    ]
    return "\n".join(md)


def print_key_figures(report: str) -> None:
    keep = False
    for line in report.splitlines():
        if line.startswith("## "):
            keep = line in ("## Intents per language",)
        if keep or line.startswith("Recommended"):
            print(line)
