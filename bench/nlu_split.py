"""Stratified held-out split of the NLU data for bench/nlu_eval.py.

Every (language, intent) group gives the same share to the held-out part, drawn with a fixed seed,
and the parts are written back as Rasa YAML with the intent blocks' `metadata: language`.
Plain Python + PyYAML: it runs in the project env and in .venv-rasa alike.
"""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
NLU_DIR = ROOT / "bot" / "data" / "nlu"
SPLIT_SEED = 20240601
TEST_SHARE = 0.2

Block = dict[str, Any]  # {"intent": str, "language": str, "examples": [str, ...]}


def load_nlu_blocks(paths: Iterable[Path]) -> list[Block]:
    """Intent blocks of Rasa NLU YAML files, one per (file, intent), examples as raw lines.

    Raw lines keep the `[value](entity)` annotations, so the split can be written back verbatim.
    """
    blocks: list[Block] = []
    for path in paths:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for item in doc.get("nlu") or []:
            if "intent" not in item:
                continue  # regex / lookup / synonym: copied as a whole file
            language = (item.get("metadata") or {}).get("language")
            if not language:
                raise ValueError(f"{path}: intent {item['intent']!r} has no metadata.language")
            examples = [
                line.strip()[2:].strip()
                for line in str(item.get("examples") or "").splitlines()
                if line.strip().startswith("- ")
            ]
            blocks.append({"intent": item["intent"], "language": language, "examples": examples})
    return blocks


def stratified_split(
    blocks: Sequence[Block], test_share: float = TEST_SHARE, seed: int = SPLIT_SEED
) -> tuple[list[Block], list[Block]]:
    """Split every (language, intent) group into train and test, `test_share` of it to test.

    Deterministic: each group is drawn with its own RNG seeded from (seed, language, intent), so
    the draw does not depend on file order or on other groups. A group of one stays in train.
    """
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for block in blocks:
        groups[(block["language"], block["intent"])].extend(block["examples"])
    train: list[Block] = []
    test: list[Block] = []
    for (language, intent), examples in sorted(groups.items()):
        examples = list(dict.fromkeys(examples))  # a duplicate must not sit on both sides
        n_test = max(1, round(len(examples) * test_share)) if len(examples) > 1 else 0
        rng = random.Random(f"{seed}:{language}:{intent}")
        test_idx = set(rng.sample(range(len(examples)), n_test))
        tr = [e for i, e in enumerate(examples) if i not in test_idx]
        te = [e for i, e in enumerate(examples) if i in test_idx]
        train.append({"intent": intent, "language": language, "examples": tr})
        if te:
            test.append({"intent": intent, "language": language, "examples": te})
    return train, test


def write_nlu_yaml(blocks: Sequence[Block], path: Path) -> None:
    """Write intent blocks as Rasa 3.1 NLU YAML, keeping `metadata: language`."""
    lines = ['version: "3.1"', "nlu:"]
    for block in blocks:
        lines += [
            f"- intent: {block['intent']}",
            "  metadata:",
            f"    language: {block['language']}",
            "  examples: |",
        ]
        lines += [f"    - {example}" for example in block["examples"]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_split(work: Path, seed: int = SPLIT_SEED) -> tuple[Path, Path, int, int]:
    """Write train/ (with entities.yml) and test/ under `work`; returns dirs and sizes."""
    paths = sorted(p for p in NLU_DIR.glob("*.yml") if p.name != "entities.yml")
    train, test = stratified_split(load_nlu_blocks(paths), seed=seed)
    train_dir, test_dir = work / "train", work / "test"
    train_dir.mkdir(parents=True)
    test_dir.mkdir(parents=True)
    write_nlu_yaml(train, train_dir / "nlu.yml")
    shutil.copy(NLU_DIR / "entities.yml", train_dir / "entities.yml")
    write_nlu_yaml(test, test_dir / "nlu.yml")
    return (
        train_dir,
        test_dir,
        sum(len(b["examples"]) for b in train),
        sum(len(b["examples"]) for b in test),
    )
