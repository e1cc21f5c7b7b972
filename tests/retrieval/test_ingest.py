from __future__ import annotations

from retrieval.chunking import chunk_document, split_text
from retrieval.ingest import corpus_files, ingest_file, ingest_paths


def test_markdown_front_matter_sections_and_topics(built):
    corpus = built[0]
    doc = ingest_file(corpus / "en" / "compressors.md", corpus)
    assert (doc.doc_id, doc.series, doc.language) == ("hsc-test-en", "hsc-test", "en")
    assert doc.family == "rotary_screw_compressor"
    assert doc.models == ["HSC-15", "HSC-37"]
    assert doc.version == "1.0"
    by_id = {s.section_id: s for s in doc.sections}
    code = by_id["hsc.code.E101"]
    assert code.title == "E101 - High discharge temperature warning"
    assert code.topics == ["E101", "oil_cooler_fouled"]
    assert code.path == ["HSC test manual", "3 Controller error and alarm codes"]
    assert "105 °C" in code.text and "<!--" not in code.text
    assert len(doc.content_hash) == 64


def test_pdf_keeps_page_numbers_and_sidecar_metadata(built):
    corpus = built[0]
    doc = ingest_file(corpus / "glycol.pdf", corpus)
    assert doc.kind == "pdf"
    assert doc.doc_id == "hwc-glycol"
    assert doc.family == "air_cooled_water_chiller"
    assert doc.models == ["HWC-20", "HWC-60"]
    assert [s.page for s in doc.sections] == [1, 2]
    assert "glycol" in doc.sections[1].text and "refractometer" in doc.sections[1].text


def test_html_sections_ids_topics_and_language(built):
    corpus = built[0]
    doc = ingest_file(corpus / "chiller-guide.html", corpus)
    assert doc.language == "en"
    assert doc.family == "air_cooled_water_chiller"
    assert doc.models == ["HWC-20"]
    by_id = {s.section_id: s for s in doc.sections}
    alarm = by_id["hwc.code.AL101"]
    assert alarm.title == "AL101 High pressure cut-out"
    assert alarm.topics == ["AL101", "condenser_coil_fouled"]
    assert "41.5 bar" in alarm.text
    assert all("not text" not in s.text and "color" not in s.text for s in doc.sections)


def test_corrupt_and_unsupported_files_are_reported_by_name_and_others_ingested(built):
    corpus = built[0]
    files, problems = corpus_files(corpus)
    assert [p.path for p in problems] == ["notes.docx"]
    assert "unsupported" in problems[0].reason
    names = [f.name for f in files]
    assert "README.md" not in names and "glycol.pdf.meta.yml" not in names
    report = ingest_paths(files, corpus)
    assert [p.path for p in report.problems] == ["broken.pdf"]
    assert "broken.pdf" in str(report.problems[0])
    assert {d.doc_id for d in report.documents} == {
        "hsc-test-en", "hsc-test-de", "hcp-test-en", "chiller-guide", "hwc-glycol"}


def test_chunks_respect_the_size_limit_and_keep_the_citation(built):
    corpus = built[0]
    doc = ingest_file(corpus / "en" / "compressors.md", corpus)
    chunks = chunk_document(doc, max_chars=120)
    fault = [c for c in chunks if c.section_id == "hsc.fault.oil_cooler_fouled"]
    assert len(fault) >= 2
    assert all(len(c.text) <= 120 for c in fault)
    assert [c.part for c in fault] == list(range(len(fault)))
    assert all(c.topics == ["oil_cooler_fouled", "E101", "HSC-CLN-005"] for c in fault)
    # A heading with no text of its own is no chunk.
    assert "hsc.troubleshooting" not in {c.section_id for c in chunks}


def test_split_text_cuts_at_paragraphs_first():
    text = "a" * 50 + "\n\n" + "b" * 50 + "\n\n" + "c" * 50
    assert split_text(text, 110) == ["a" * 50 + "\n\n" + "b" * 50, "c" * 50]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_marker_may_follow_a_blank_line_and_sections_without_one_get_a_slug(tmp_path):
    (tmp_path / "m.md").write_text("---\nlanguage: en\n---\n# Title\n\n"
                                   "<!-- section: x.intro; topics: E101 -->\nText.\n"
                                   "## Second part\nMore text.\n", encoding="utf-8")
    doc = ingest_file(tmp_path / "m.md", tmp_path)
    assert [(s.section_id, s.topics) for s in doc.sections] == [
        ("x.intro", ["E101"]), ("second-part", [])]
    assert doc.doc_id == "m" and doc.series == "m"
