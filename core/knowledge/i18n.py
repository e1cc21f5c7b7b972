"""The translation catalogues of the knowledge pack (`knowledge/i18n/<lang>/<family file>.yml`)
and the expert system's own sentences (`rules/data/i18n/<lang>.yml`), read and checked."""

from __future__ import annotations

from pathlib import Path

import yaml

from core.knowledge.errors import KnowledgeError
from core.knowledge.model import Family
from core.languages import LANGUAGES


def load_catalogues(root: Path, families: dict[str, Family]) -> dict[str, dict[str, dict]]:
    """language -> family id -> catalogue; a missing file is no error (English is used)."""

    out: dict[str, dict[str, dict]] = {}
    for lang in LANGUAGES:
        out[lang] = {}
        for family in families.values():
            path = root / lang / f"{family.file}.yml"
            if not path.exists():
                continue
            name = f"i18n/{lang}/{path.name}"
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise KnowledgeError(name, "-", f"not valid YAML ({exc})") from exc
            if not isinstance(data, dict):
                raise KnowledgeError(name, "-", "top level must be a mapping")
            out[lang][family.id] = data
    return out


def load_texts(root: Path) -> dict[str, dict[str, str]]:
    """The engine's own sentences; every language must have every English key."""

    texts: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        path = root / f"{lang}.yml"
        try:
            texts[lang] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"rules/data/i18n/{lang}.yml", "-", str(exc)) from exc
    for lang in LANGUAGES:
        missing = set(texts["en"]) - set(texts[lang])
        if missing:
            raise KnowledgeError(f"rules/data/i18n/{lang}.yml", sorted(missing)[0], "missing key")
    return texts
