"""The held-out split of bench/nlu_split.py: stratified, disjoint, deterministic, languages kept."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bench.nlu_split import NLU_DIR, load_nlu_blocks, stratified_split, write_nlu_yaml


def _blocks() -> list[dict]:
    """Two languages, one intent each language with 10 and 5 examples, one singleton group."""
    return [
        {"intent": "greet", "language": "en", "examples": [f"hello {i}" for i in range(10)]},
        {"intent": "greet", "language": "de", "examples": [f"hallo {i}" for i in range(5)]},
        {"intent": "thank", "language": "en", "examples": ["thanks [HCP-50](equipment_model)"]},
        {"intent": "thank", "language": "de", "examples": [f"danke {i}" for i in range(20)]},
    ]


def _pairs(blocks: list[dict]) -> Counter:
    return Counter((b["language"], b["intent"], e) for b in blocks for e in b["examples"])


def test_split_is_stratified_per_language_and_intent() -> None:
    train, test = stratified_split(_blocks(), test_share=0.2, seed=1)
    sizes = Counter({(b["language"], b["intent"]): len(b["examples"]) for b in test})
    assert sizes == {("en", "greet"): 2, ("de", "greet"): 1, ("de", "thank"): 4}
    # a group of one cannot be split: it stays in training
    assert [b["examples"] for b in train if b["intent"] == "thank" and b["language"] == "en"] == [
        ["thanks [HCP-50](equipment_model)"]
    ]


def test_split_is_disjoint_and_complete() -> None:
    train, test = stratified_split(_blocks(), seed=1)
    assert not set(_pairs(train)) & set(_pairs(test))
    assert _pairs(train) + _pairs(test) == _pairs(_blocks())


def test_split_is_deterministic_and_depends_on_seed() -> None:
    assert stratified_split(_blocks(), seed=7) == stratified_split(_blocks(), seed=7)
    # the draw of a group does not depend on the order of the other groups
    assert _pairs(stratified_split(list(reversed(_blocks())), seed=7)[1]) == _pairs(
        stratified_split(_blocks(), seed=7)[1]
    )
    tests = {tuple(sorted(_pairs(stratified_split(_blocks(), seed=s)[1]))) for s in range(5)}
    assert len(tests) > 1


def test_duplicates_do_not_end_up_on_both_sides() -> None:
    blocks = [{"intent": "greet", "language": "en", "examples": ["hi"] * 3 + ["hey", "yo"]}]
    train, test = stratified_split(blocks, seed=3)
    assert not set(_pairs(train)) & set(_pairs(test))


def test_written_yaml_keeps_language_metadata_and_annotations(tmp_path: Path) -> None:
    train, _ = stratified_split(_blocks(), seed=1)
    write_nlu_yaml(train, tmp_path / "nlu.yml")
    doc = yaml.safe_load((tmp_path / "nlu.yml").read_text(encoding="utf-8"))
    assert {(i["intent"], i["metadata"]["language"]) for i in doc["nlu"]} == {
        (b["intent"], b["language"]) for b in train
    }
    assert load_nlu_blocks([tmp_path / "nlu.yml"]) == train


@pytest.mark.parametrize("language", ["en", "el", "de", "fr", "es"])
def test_real_data_keeps_every_intent_of_every_language_on_both_sides(language: str) -> None:
    blocks = load_nlu_blocks(sorted(p for p in NLU_DIR.glob("*.yml") if p.name != "entities.yml"))
    train, test = stratified_split(blocks)
    intents = {b["intent"] for b in blocks if b["language"] == language}
    assert len(intents) >= 18
    assert {b["intent"] for b in train if b["language"] == language} == intents
    assert {b["intent"] for b in test if b["language"] == language} == intents
    n_all = sum(len(b["examples"]) for b in blocks if b["language"] == language)
    n_test = sum(len(b["examples"]) for b in test if b["language"] == language)
    assert 0.17 <= n_test / n_all <= 0.23
