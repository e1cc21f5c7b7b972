from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.settings import PROJECT_ROOT, SUPPORTED_LANGUAGES
from launcher.ports import free_port

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"


@pytest.fixture(scope="session")
def nlu_examples() -> list[tuple[str, str, str]]:
    """(text, intent, language) of every NLU training example."""
    examples = []
    for lang in SUPPORTED_LANGUAGES:
        data = yaml.safe_load((PROJECT_ROOT / "bot/data/nlu" / f"{lang}.yml").read_text("utf-8"))
        for block in data["nlu"]:
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    examples.append((line.strip()[2:], block["intent"], lang))
    return examples


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "bot/domain.yml").read_text("utf-8"))


def response_text(domain: dict, response: str, language: str) -> str:
    """The text of a domain response for a language (the unconditioned variation is English)."""
    for variation in domain["responses"][response]:
        conditions = variation.get("condition") or []
        values = {c["value"] for c in conditions if c.get("name") == "language"}
        if (language in values) or (language == "en" and not conditions):
            return variation["text"]
    raise KeyError(f"{response} has no {language} variation")


def requires_rasa_env() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not RASA_BIN.exists(), reason="Rasa environment missing: make setup")


__all__ = ["free_port", "response_text", "requires_rasa_env", "Path"]
