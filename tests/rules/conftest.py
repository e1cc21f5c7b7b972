from __future__ import annotations

import pytest

from core.knowledge.loader import load_knowledge
from core.knowledge.model import KnowledgeBase
from core.settings import PROJECT_ROOT
from rules.diagnosis import Diagnoser
from rules.questioning import Policy

KNOWLEDGE = PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="session")
def diagnoser(kb: KnowledgeBase) -> Diagnoser:
    return Diagnoser(kb, Policy(threshold=0.9))
