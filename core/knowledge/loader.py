"""The one loader of the knowledge pack: the folder `ASSISTANT_KNOWLEDGE_DIR` (families,
glossary, service organisation, translation catalogues) and the expert system's data beside the
code (`rules/data`: symptom vocabulary, extra hazard clauses, the engine's own sentences), read
once into `core.knowledge.model` objects.

Every file is checked against its schema and every cross-reference (observations named by
evidence and triggers, error codes, faults, parts, symptom effects). The first problem raises
`KnowledgeError` naming the file, the entry and the rule it breaks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.knowledge.errors import KnowledgeError
from core.knowledge.families import extra_clauses, load_family
from core.knowledge.glossary import load_glossary
from core.knowledge.i18n import load_catalogues, load_texts
from core.knowledge.model import Family, KnowledgeBase
from core.knowledge.service import (
    family_files,
    parse_service,
    read_service_file,
    severity_priorities,
)
from core.knowledge.symptoms import load_symptoms
from core.settings import PROJECT_ROOT, get_settings

# The expert system's own data ships with the code, not with a deployment's pack.
RULES_DATA = PROJECT_ROOT / "rules" / "data"


def load_knowledge(root: Path, rules_data: Path = RULES_DATA) -> KnowledgeBase:
    """Load the pack at `root` and the rules-side data; a fresh copy on every call."""
    service = read_service_file(root)
    severity_priority = severity_priorities(service)
    extra = extra_clauses(rules_data)
    families: dict[str, Family] = {}
    seen_faults: dict[str, str] = {}
    known_cc = set()
    for path in family_files(root, service):
        family = load_family(path, severity_priority, extra)
        for fid in family.faults:
            if fid in seen_faults:
                raise KnowledgeError(path.name, f"fault {fid}",
                                     f"id already used in {seen_faults[fid]}")
            seen_faults[fid] = path.name
        families[family.id] = family
        known_cc |= set(family.critical)
    for cc_id in extra:
        if cc_id not in known_cc:
            raise KnowledgeError("rules/data/critical.yml", cc_id, "no such critical condition")
    glossary, safety_terms = load_glossary(root / "glossary.yml")
    return KnowledgeBase(families=families,
                         symptoms=load_symptoms(rules_data / "symptoms.yml", families),
                         glossary=glossary,
                         catalogues=load_catalogues(root / "i18n", families),
                         texts=load_texts(rules_data / "i18n"), safety_terms=safety_terms,
                         service=parse_service(service))


@lru_cache(maxsize=4)
def _knowledge_at(root: str) -> KnowledgeBase:
    return load_knowledge(Path(root))


def knowledge_at(root: Path) -> KnowledgeBase:
    """The pack at `root`, loaded once per process and shared: read it, never change it."""
    return _knowledge_at(str(root))


def default_knowledge() -> KnowledgeBase:
    """The configured pack (ASSISTANT_KNOWLEDGE_DIR), loaded once per process."""
    return knowledge_at(get_settings().knowledge_dir)
