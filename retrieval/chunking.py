"""Chunking along headings with a size limit.

Each section becomes one chunk; a section longer than `max_chars` is split at paragraph, then
line, then sentence boundaries, every part keeping the section's id, title, topics and page.
Sections with no text of their own (a chapter heading directly followed by a sub-heading) are
left out: their title still reaches the index through the children's heading path.
"""

from __future__ import annotations

import re

from retrieval.documents import Chunk, Document

DEFAULT_MAX_CHARS = 1200
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")


def split_text(text: str, max_chars: int) -> list[str]:
    """Pieces of at most about max_chars, cut at the coarsest boundary that fits."""
    if len(text) <= max_chars:
        return [text]
    for pattern in ("\n\n", "\n"):
        pieces = [p for p in text.split(pattern) if p.strip()]
        if len(pieces) > 1:
            return _pack(pieces, pattern, max_chars)
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    if len(sentences) > 1:
        return _pack(sentences, " ", max_chars)
    return [text[i:i + max_chars] for i in range(0, len(text), max_chars)]


def _pack(pieces: list[str], joiner: str, max_chars: int) -> list[str]:
    out: list[str] = []
    current = ""
    for piece in pieces:
        if len(piece) > max_chars:
            if current:
                out.append(current)
                current = ""
            out.extend(split_text(piece, max_chars))
            continue
        candidate = f"{current}{joiner}{piece}" if current else piece
        if len(candidate) > max_chars and current:
            out.append(current)
            current = piece
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def chunk_document(document: Document, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in document.sections:
        text = section.text.strip()
        if not text:
            continue
        context = " > ".join([*section.path, section.title])
        for part, piece in enumerate(split_text(text, max_chars)):
            chunks.append(Chunk(
                chunk_id=f"{document.doc_id}#{section.section_id}#{part}",
                document=document.doc_id, source=document.source,
                series=document.series or document.doc_id, section_id=section.section_id,
                section_title=section.title, language=document.language,
                family=document.family, models=list(document.models),
                topics=list(section.topics), page=section.page, text=piece.strip(),
                context=context, part=part, content_hash=document.content_hash,
            ))
    return chunks
