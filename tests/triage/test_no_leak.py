"""No message of an evaluation set written blind (bench/data/blind/) that describes a case
(a routine report, an emergency, a how-to or a part question) is a training example: the blind
figures would measure recall of the training data, not routing. Stock requests ("tell me a
joke", "hi there") are written word for word by independent writers too; bench/blind_eval.py
counts those apart."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.blind_eval import Outcome, mark_trained, report, training_texts

BLIND = Path(__file__).resolve().parents[2] / "bench" / "data" / "blind"
CASES = ("routine_alarming", "emergencies", "how_to", "spare_parts")


def _blind_cases() -> set[str]:
    found = set()
    for path in BLIND.glob("*/eval_*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for category in CASES:
            found |= {" ".join((i if isinstance(i, str) else str(i["text"])).casefold().split())
                      for i in data.get(category) or []}
    return found


def test_no_blind_case_is_a_training_example():
    blind = _blind_cases()
    trained = training_texts()
    assert len(blind) > 1000 and len(trained) > 1000  # both are there
    assert sorted(blind & trained) == []


def test_the_report_gives_the_figures_without_messages_seen_in_training():
    results = [Outcome("en", "out_of_domain", "Tell me a  joke", business=True),
               Outcome("en", "out_of_domain", "book me a table for two", business=False)]
    mark_trained(results, {"tell me a joke"})
    assert [r.trained for r in results] == [True, False]
    text = report(results, "t", "s")
    assert "| out of domain: business flow entered | <= 3% | 50% (1/2) |" in text
    assert "training examples (written independently): 1 (out_of_domain 1)" in text
    assert "- out of domain: business flow entered: 0% (0/1) (target <= 3%)" in text
