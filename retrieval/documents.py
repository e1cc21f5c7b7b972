"""The data the retrieval package passes around: documents, their sections, and chunks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Section:
    """A part of a document under one heading; `topics` are knowledge-pack ids."""

    section_id: str
    title: str
    text: str
    level: int = 1
    topics: list[str] = field(default_factory=list)
    page: int | None = None
    path: list[str] = field(default_factory=list)  # titles of the enclosing headings


@dataclass
class Document:
    """One ingested file. `series` groups the language versions of one manual."""

    doc_id: str
    source: str  # path relative to the corpus folder
    language: str
    title: str
    sections: list[Section]
    content_hash: str
    family: str | None = None
    models: list[str] = field(default_factory=list)
    version: str | None = None
    series: str | None = None
    kind: str = "markdown"


@dataclass
class Chunk:
    """The unit that is embedded, indexed and returned as a hit."""

    chunk_id: str
    document: str
    source: str
    series: str
    section_id: str
    section_title: str
    language: str
    family: str | None
    models: list[str]
    topics: list[str]
    page: int | None
    text: str  # what a hit shows: the section text (or a part of it)
    context: str  # heading path, prepended for embedding and lexical matching
    part: int = 0
    content_hash: str = ""

    def index_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text

    def lexical_text(self) -> str:
        """Text for BM25: the section title counts twice (a cheap BM25F), because titles name
        the fault, code or task a section is about."""
        return f"{self.section_title}\n{self.index_text()}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)
