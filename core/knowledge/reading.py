"""Reading one YAML file of the pack and checking its fields, with errors that name the file,
the entry and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from core.knowledge.errors import KnowledgeError

# The C loader when PyYAML has it: the family files are large and read at every start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, name: str) -> Any:
    """The parsed file; `name` is how errors call it (e.g. "service.yml")."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except FileNotFoundError as exc:
        raise KnowledgeError(name, "-", "file is missing") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(name, "-", f"not valid YAML ({exc})") from exc


def require(data: Any, key: str, kind: type | tuple[type, ...], file: str, entry: str) -> Any:
    """The field `key` of an entry, present, not empty and of the given type."""
    if not isinstance(data, dict) or key not in data or data[key] in (None, ""):
        raise KnowledgeError(file, entry, f"missing field '{key}'")
    if not isinstance(data[key], kind):
        raise KnowledgeError(file, entry, f"field '{key}' has the wrong type")
    return data[key]


def ident(raw: Any, key: str) -> str:
    """How an entry is named in an error, even when it is malformed."""
    return str(raw.get(key, "?")) if isinstance(raw, dict) else repr(raw)
