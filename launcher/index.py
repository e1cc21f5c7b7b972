"""The search index, brought up to date before the API starts (like the Rasa model): only when
the manuals, the glossary or the embedding settings changed since the last successful update."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from typing import IO

from core.settings import PROJECT_ROOT, Settings

STAMP = ".launcher-stamp"


class IndexBuildError(RuntimeError):
    """`python -m retrieval update` failed; the message carries the tail of its output."""


def corpus_stamp(settings: Settings) -> str:
    """Hash of everything an index build reads (file list as the ingester sees it)."""
    digest = hashlib.sha256()
    for setting in (settings.embedding_model, settings.index_kind, settings.embedding_languages):
        digest.update(setting.encode() + b"\0")
    files = sorted(p for p in settings.docs_dir.rglob("*") if p.is_file()) \
        if settings.docs_dir.is_dir() else []
    # The symptom vocabulary, the fault evidence and the choices' labels feed the index's
    # symptoms.json.
    symptom_inputs = [PROJECT_ROOT / "rules" / "data" / "symptoms.yml",
                      *sorted(settings.knowledge_dir.glob("*.yml")),
                      *sorted(settings.knowledge_dir.glob("i18n/*/*.yml"))]
    for path in [settings.glossary_path, *symptom_inputs, *files]:
        if path.is_file():
            digest.update(str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT)
                              else path).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def index_is_current(settings: Settings) -> bool:
    stamp = settings.index_dir / STAMP
    return (settings.index_dir / "meta.json").is_file() and stamp.is_file() \
        and stamp.read_text().strip() == corpus_stamp(settings)


def ensure_index(settings: Settings, env: dict[str, str], out: IO[str]) -> bool:
    """Update the index if its inputs changed; True if it ran. Progress goes to `out`."""
    if index_is_current(settings):
        out.write(f"[index] search index up to date: {settings.index_dir}\n")
        return False
    out.write(f"[index] updating the search index in {settings.index_dir}\n")
    out.flush()
    stamp = corpus_stamp(settings)
    proc = subprocess.Popen([sys.executable, "-m", "retrieval", "update"], cwd=PROJECT_ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    tail: list[str] = []
    for line in proc.stdout:  # text mode turns tqdm's \r updates into lines
        line = line.rstrip()
        if line:
            tail = (tail + [line])[-30:]
            out.write(f"[index] {line}\n")
            out.flush()
    if proc.wait() != 0:
        raise IndexBuildError("the search index could not be built:\n" + "\n".join(tail))
    (settings.index_dir / STAMP).write_text(stamp)
    return True
