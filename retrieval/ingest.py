"""Reading manuals: Markdown with front matter, text PDFs (page numbers kept) and HTML.

Every file becomes a `Document` of `Section`s. A file that cannot be read is reported by name
(`IngestReport.problems`) and the others are still ingested. PDF and HTML files may carry their
metadata (doc_id, family, models, language, title) in a sidecar `<file>.meta.yml`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.language_detection import LanguageIdentifier
from retrieval.documents import Document, Section
from retrieval.errors import IngestError

logger = logging.getLogger(__name__)

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".pdf": "pdf", ".html": "html",
            ".htm": "html"}
SIDECAR = ".meta.yml"
SKIPPED_NAMES = {"readme.md"}  # a corpus folder's own notes are not manuals

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MARKER = re.compile(r"^<!--\s*section:\s*(?P<id>[^;\s]+)\s*(?:;\s*topics:\s*(?P<topics>.*?))?"
                     r"\s*-->\s*$")
_SLUG = re.compile(r"[^\w]+", re.UNICODE)


@dataclass
class IngestReport:
    documents: list[Document] = field(default_factory=list)
    problems: list[IngestError] = field(default_factory=list)


def slug(text: str) -> str:
    return _SLUG.sub("-", text.casefold()).strip("-") or "section"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes())
    sidecar = path.with_name(path.name + SIDECAR)
    if sidecar.is_file():
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def corpus_files(root: Path) -> tuple[list[Path], list[IngestError]]:
    """Candidate files under `root`, sorted; unsupported files are reported, not read."""
    files: list[Path] = []
    problems: list[IngestError] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.name.lower() in SKIPPED_NAMES or path.name.endswith(SIDECAR):
            continue
        if path.suffix.lower() not in SUFFIXES:
            problems.append(IngestError(rel, f"unsupported file type '{path.suffix or path.name}'"))
            continue
        files.append(path)
    return files, problems


def ingest_file(path: Path, root: Path) -> Document:
    """Read one file; raises IngestError naming it when it is corrupt or empty."""
    rel = path.relative_to(root).as_posix()
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise IngestError(rel, f"unsupported file type '{path.suffix}'")
    try:
        meta = _sidecar(path)
        content_hash = file_hash(path)
        if kind == "markdown":
            doc = _markdown(path.read_text(encoding="utf-8"), rel, meta)
        elif kind == "pdf":
            doc = _pdf(path, rel, meta)
        else:
            doc = _html(path.read_bytes(), rel, meta)
    except IngestError:
        raise
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(rel, f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on corrupt files
        if type(exc).__module__.startswith("pypdf"):
            raise IngestError(rel, f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
        raise
    if not any(s.text.strip() for s in doc.sections):
        raise IngestError(rel, "no text found (a scanned PDF needs OCR first)")
    doc.content_hash = content_hash
    doc.kind = kind
    return doc


def ingest_paths(paths: Iterable[Path], root: Path) -> IngestReport:
    report = IngestReport()
    for path in paths:
        try:
            report.documents.append(ingest_file(path, root))
        except IngestError as exc:
            logger.warning("skipped %s", exc)
            report.problems.append(exc)
    return report


def _sidecar(path: Path) -> dict[str, Any]:
    sidecar = path.with_name(path.name + SIDECAR)
    if not sidecar.is_file():
        return {}
    data = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{sidecar.name} must be a mapping")
    return data


def _document(meta: dict[str, Any], rel: str, title: str, sections: list[Section],
              sample: str) -> Document:
    doc_id = str(meta.get("doc_id") or slug(Path(rel).with_suffix("").as_posix()))
    models = meta.get("models") or []
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    language = str(meta.get("language") or _detect_language(sample))
    return Document(
        doc_id=doc_id, source=rel, language=language, title=str(meta.get("title") or title),
        sections=sections, content_hash="", family=meta.get("family"),
        models=[str(m) for m in models], version=str(meta["version"]) if "version" in meta
        else None, series=str(meta.get("series") or doc_id),
    )


def _detect_language(text: str) -> str:
    # The chat's offline identifier (lingua, loaded on first use). English when unsure.
    return LanguageIdentifier().detect(text[:2000]).language or "en"


def _markdown(text: str, rel: str, meta: dict[str, Any]) -> Document:
    match = _FRONT_MATTER.match(text)
    if match:
        front = yaml.safe_load(match.group(1)) or {}
        if not isinstance(front, dict):
            raise ValueError("front matter must be a mapping")
        meta = {**front, **meta}
        text = text[match.end():]
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    current: Section | None = None
    body: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            if current is not None:
                current.text = "\n".join(body).strip()
            level, title = len(heading.group(1)), heading.group(2).strip()
            stack = [(lvl, t) for lvl, t in stack if lvl < level]
            current = Section(section_id=_unique(slug(title), seen), title=title, text="",
                              level=level, path=[t for _, t in stack])
            stack.append((level, title))
            sections.append(current)
            body = []
            continue
        marker = _MARKER.match(line.strip())
        if marker and current is not None and not any(b.strip() for b in body):
            seen.discard(current.section_id)
            current.section_id = _unique(marker.group("id"), seen)
            topics = marker.group("topics") or ""
            current.topics = [t.strip() for t in topics.split(",") if t.strip()]
            continue
        if current is None:
            current = Section(section_id="preamble", title=str(meta.get("title") or rel),
                              text="", level=1)
            seen.add("preamble")
            sections.append(current)
        body.append(line)
    if current is not None:
        current.text = "\n".join(body).strip()
    title = str(meta.get("title") or (sections[0].title if sections else rel))
    return _document(meta, rel, title, sections, text)


def _unique(section_id: str, seen: set[str]) -> str:
    candidate, n = section_id, 2
    while candidate in seen:
        candidate, n = f"{section_id}-{n}", n + 1
    seen.add(candidate)
    return candidate


def _pdf(path: Path, rel: str, meta: dict[str, Any]) -> Document:
    from pypdf import PdfReader  # only when a PDF is ingested

    reader = PdfReader(str(path))
    info = reader.metadata
    title = str(meta.get("title") or (info.title if info and info.title else Path(rel).stem))
    sections = []
    for number, page in enumerate(reader.pages, start=1):
        text = (page.extract_text() or "").strip()
        if text:
            first_line = text.splitlines()[0].strip()[:120]
            sections.append(Section(section_id=f"page-{number}", title=first_line or title,
                                    text=text, page=number, path=[title]))
    return _document(meta, rel, title, sections, " ".join(s.text for s in sections[:3]))


_HTML_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HTML_BLOCKS = {"p", "li", "tr", "div", "section", "br", "pre", "table", "ul", "ol", "dd", "dt"}


def _html(raw: bytes, rel: str, meta: dict[str, Any]) -> Document:
    from bs4 import BeautifulSoup  # only when an HTML page is ingested
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(raw, "html.parser")
    html_tag = soup.find("html")
    lang = html_tag.get("lang") if isinstance(html_tag, Tag) else None
    for name in ("family", "models", "doc_id", "version"):
        tag = soup.find("meta", attrs={"name": name})
        if isinstance(tag, Tag) and tag.get("content") and name not in meta:
            meta = {**meta, name: str(tag.get("content"))}
    if lang and "language" not in meta:
        meta = {**meta, "language": str(lang).split("-")[0].lower()}
    title_tag = soup.find("title")
    title = title_tag.get_text(strip=True) if title_tag else Path(rel).stem
    sections: list[Section] = []
    seen: set[str] = set()
    parts: list[str] = []
    current = Section(section_id="preamble", title=title, text="")
    stack: list[tuple[int, str]] = []

    def close() -> None:
        current.text = re.sub(r"[ \t]+", " ", "".join(parts)).strip()
        current.text = re.sub(r"\n\s*\n+", "\n", current.text)
        if current.text or current.section_id != "preamble":
            sections.append(current)

    root = soup.body or soup
    for node in root.descendants:
        if isinstance(node, Tag) and node.name in _HTML_HEADINGS:
            close()
            level, heading = int(node.name[1]), node.get_text(" ", strip=True)
            stack = [(lvl, t) for lvl, t in stack if lvl < level]
            anchor = node.get("id") or (node.parent.get("id") if isinstance(node.parent, Tag)
                                        and node.parent.name == "section" else None)
            topics_attr = str(node.get("data-topics") or "")
            current = Section(section_id=_unique(str(anchor or slug(heading)), seen),
                              title=heading, text="", level=level, path=[t for _, t in stack],
                              topics=[t for t in re.split(r"[,\s]+", topics_attr) if t])
            stack.append((level, heading))
            parts = []
        elif isinstance(node, Tag) and node.name in _HTML_BLOCKS:
            parts.append("\n")
        elif isinstance(node, NavigableString) and not isinstance(node, Tag):
            parent = node.parent
            if parent is None or parent.name in {"script", "style", "title", "head"}:
                continue
            if any(p.name in _HTML_HEADINGS for p in node.parents if isinstance(p, Tag)):
                continue
            if type(node).__name__ in {"Comment", "Doctype", "Declaration"}:
                continue
            parts.append(str(node))
    close()
    return _document(meta, rel, title, sections, " ".join(s.text for s in sections[:5]))
