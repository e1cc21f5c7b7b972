"""The generated manuals in docs_corpus/: in sync with their generator, parallel across
languages, every section with a stable id and topics that are knowledge-pack ids."""

from __future__ import annotations

import importlib.util

import pytest
import yaml

from core.languages import LANGUAGES
from core.settings import PROJECT_ROOT
from retrieval.ingest import ingest_file

CORPUS = PROJECT_ROOT / "docs_corpus"
FAMILIES = ["compressors", "pumps", "chillers"]

_spec = importlib.util.spec_from_file_location("build_manuals",
                                               PROJECT_ROOT / "scripts" / "build_manuals.py")
assert _spec and _spec.loader
build_manuals = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_manuals)


def knowledge_ids(family: str) -> set[str]:
    data = yaml.safe_load((PROJECT_ROOT / "knowledge" / f"{family}.yml").read_text("utf-8"))
    ids = {f["id"] for f in data["faults"]} | {e["code"] for e in data["error_codes"]}
    ids |= {p["part_no"] for p in data["parts"]} | {m["id"] for m in data["models"]}
    ids |= {t["id"] for t in data.get("maintenance_schedule") or []}
    ids |= {c["id"] for c in data.get("critical_conditions") or []}
    return ids


def manuals() -> list[tuple[str, str]]:
    return [(lang, fam) for lang in LANGUAGES for fam in FAMILIES
            if (CORPUS / lang / f"{fam}.md").is_file()]


@pytest.mark.parametrize("family", FAMILIES)
def test_english_manual_sections_have_ids_and_known_topics(family):
    doc = ingest_file(CORPUS / "en" / f"{family}.md", CORPUS)
    ids = [s.section_id for s in doc.sections]
    assert len(ids) == len(set(ids))
    known = knowledge_ids(family)
    data = yaml.safe_load((PROJECT_ROOT / "knowledge" / f"{family}.yml").read_text("utf-8"))
    prefix = data["models"][0]["id"].split("-")[0].lower()
    # One troubleshooting section per fault, one section per code and maintenance task.
    for fault in data["faults"]:
        assert f"{prefix}.fault.{fault['id']}" in ids
    for code in data["error_codes"]:
        assert f"{prefix}.code.{code['code']}" in ids
    for task in data["maintenance_schedule"]:
        assert f"{prefix}.maint.{task['id']}" in ids
    for section in doc.sections:
        assert set(section.topics) <= known, (section.section_id, set(section.topics) - known)
    assert doc.family == data["family"]["id"]
    assert doc.models == [m["id"] for m in data["models"]]


@pytest.mark.parametrize(("language", "family"), manuals())
def test_language_versions_are_parallel_to_english(language, family):
    english = ingest_file(CORPUS / "en" / f"{family}.md", CORPUS)
    other = ingest_file(CORPUS / language / f"{family}.md", CORPUS)
    assert other.language == language
    assert other.series == english.series
    assert [s.section_id for s in other.sections] == [s.section_id for s in english.sections]
    assert [s.topics for s in other.sections] == [s.topics for s in english.sections]


@pytest.mark.parametrize(("language", "family"), manuals())
def test_committed_manual_is_what_the_generator_writes(language, family, tmp_path):
    assert build_manuals.main(["--languages", language, "--out", str(tmp_path)]) == 0
    generated = (tmp_path / language / f"{family}.md").read_text(encoding="utf-8")
    committed = (CORPUS / language / f"{family}.md").read_text(encoding="utf-8")
    assert committed == generated, "run: .venv/bin/python scripts/build_manuals.py"
