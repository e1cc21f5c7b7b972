"""Typed errors of the retrieval library; adapters (CLI, API) turn them into messages/HTTP."""

from __future__ import annotations

BUILD_COMMAND = ".venv/bin/python -m retrieval build"


class RetrievalError(Exception):
    """Base class of every error raised by the retrieval package."""


class IngestError(RetrievalError):
    """One file could not be read or parsed; the message names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexNotBuiltError(RetrievalError):
    """No index in the folder; the message says which command builds it."""

    def __init__(self, index_dir: str) -> None:
        super().__init__(f"no search index in {index_dir}; build it with: {BUILD_COMMAND}")
        self.index_dir = index_dir
        self.command = BUILD_COMMAND


class IndexMismatchError(RetrievalError):
    """The stored index was built with another model, dimension or format."""


class ModelLoadError(RetrievalError):
    """The embedding model named in the settings cannot be loaded."""


class UnknownFilterError(RetrievalError):
    """A search filter names a language, family or model the index does not know."""

    def __init__(self, field: str, value: str, known: list[str]) -> None:
        shown = ", ".join(known) if known else "none"
        super().__init__(f"unknown {field} '{value}' (known: {shown})")
        self.field = field
        self.value = value
        self.known = known
