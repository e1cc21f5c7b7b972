"""A small manual corpus for the retrieval and search API tests: Markdown in two languages and
two families, a text PDF (made with fpdf2), an HTML manual, a corrupt PDF and an unsupported
file."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

COMPRESSOR_EN = """---
doc_id: hsc-test-en
series: hsc-test
title: HSC test manual
family: rotary_screw_compressor
models: [HSC-15, HSC-37]
language: en
version: "1.0"
---
# HSC test manual
<!-- section: hsc.about; topics: -->

This manual covers the HSC rotary screw compressors.

## 3 Controller error and alarm codes
<!-- section: hsc.codes; topics: E101, E132 -->

### E101 - High discharge temperature warning
<!-- section: hsc.code.E101; topics: E101, oil_cooler_fouled -->

**Meaning:** Element outlet temperature above 105 °C. **Immediate action:** check the oil level
and the cooler fins; reduce air demand if the temperature keeps rising.

### E132 - Air intake filter restriction
<!-- section: hsc.code.E132; topics: E132, air_filter_clogged -->

**Meaning:** Intake vacuum above 50 mbar. **Immediate action:** replace the air intake filter
element at the next stop.

## 4 Troubleshooting
<!-- section: hsc.troubleshooting; topics: -->

### 4.1 Oil cooler fouled externally
<!-- section: hsc.fault.oil_cooler_fouled; topics: oil_cooler_fouled, E101, HSC-CLN-005 -->

Dust, fibres or an oily film on the cooler fins stop heat rejection, so the machine runs too
hot. Blow the fins clean with dry air against the normal airflow direction, degrease oily
cores with the approved cleaner HSC-CLN-005 and restart.

### 4.2 Low oil level
<!-- section: hsc.fault.low_oil_level; topics: low_oil_level, HSC-OIL-020 -->

Too little oil in the separator vessel. Stop and depressurise fully, wait five minutes, read
the sight glass and top up with compressor oil HSC-OIL-020 to the middle of the sight glass.

## 6 Spare parts list
<!-- section: hsc.parts; topics: HSC-OF-015, HSC-OF-037 -->

| Part number | Description | Fits |
|---|---|---|
| HSC-OF-015 | Oil filter cartridge | HSC-15 |
| HSC-OF-037 | Oil filter cartridge | HSC-37 |
"""

COMPRESSOR_DE = """---
doc_id: hsc-test-de
series: hsc-test
title: HSC Testhandbuch
family: rotary_screw_compressor
models: [HSC-15, HSC-37]
language: de
version: "1.0"
---
# HSC Testhandbuch
<!-- section: hsc.about; topics: -->

Dieses Handbuch behandelt die Schraubenkompressoren HSC.

### 4.2 Niedriger Ölstand
<!-- section: hsc.fault.low_oil_level; topics: low_oil_level, HSC-OIL-020 -->

Zu wenig Öl im Abscheidebehälter. Anhalten und vollständig drucklos machen, fünf Minuten
warten, das Schauglas ablesen und mit Kompressorenöl HSC-OIL-020 bis zur Mitte auffüllen.
"""

PUMP_EN = """---
doc_id: hcp-test-en
series: hcp-test
title: HCP test manual
family: centrifugal_process_pump
models: [HCP-50]
language: en
---
# HCP test manual

## Mechanical seal leakage
<!-- section: hcp.fault.mechanical_seal_leak; topics: mechanical_seal_leak, HCP-MS-025 -->

Liquid drips or sprays from the mechanical seal. The seal faces are worn or the pump ran dry.
Replace the mechanical seal HCP-MS-025 and check shaft alignment.

## Cavitation
<!-- section: hcp.fault.cavitation; topics: cavitation_low_npsh -->

Crackling noise like gravel in the pump and a fluctuating discharge pressure: the available
NPSH is too low. Open the suction valve fully and clean the suction strainer.
"""

HTML = """<!DOCTYPE html>
<html lang="en"><head><title>HWC chiller quick guide</title>
<meta name="family" content="air_cooled_water_chiller"><meta name="models" content="HWC-20">
<style>body { color: red }</style></head>
<body>
<h1>HWC chiller quick guide</h1>
<p>Read the safety rules first.</p>
<h2 id="hwc.code.AL101" data-topics="AL101, condenser_coil_fouled">AL101 High pressure cut-out</h2>
<p>The high pressure switch tripped at 41.5 bar. Check that every condenser fan runs and that
the condenser coil is clean before resetting once.</p>
<h2 id="hwc.maint.coil">Condenser coil cleaning</h2>
<ul><li>Clean the coil with a non-acid cleaner every three months.</li></ul>
<script>var x = "not text";</script>
</body></html>
"""


def write_pdf(path: Path) -> None:
    """A two-page text PDF; page 2 holds the freeze-protection content."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.set_title("HWC glycol guide")
    pdf.add_page()
    pdf.multi_cell(0, 6, "HWC glycol guide. General information about the water circuit and "
                         "the buffer tank of the chiller.")
    pdf.add_page()
    pdf.multi_cell(0, 6, "Freeze protection. Below 5 degrees leaving water temperature the "
                         "water circuit needs glycol (antifreeze) at 30 percent concentration; "
                         "check it with a refractometer every year.")
    pdf.output(str(path))


def write_corpus(root: Path) -> Path:
    (root / "en").mkdir(parents=True, exist_ok=True)
    (root / "de").mkdir(parents=True, exist_ok=True)
    (root / "en" / "compressors.md").write_text(COMPRESSOR_EN, encoding="utf-8")
    (root / "de" / "compressors.md").write_text(COMPRESSOR_DE, encoding="utf-8")
    (root / "en" / "pumps.md").write_text(PUMP_EN, encoding="utf-8")
    (root / "chiller-guide.html").write_text(HTML, encoding="utf-8")
    write_pdf(root / "glycol.pdf")
    (root / "glycol.pdf.meta.yml").write_text(
        "doc_id: hwc-glycol\nfamily: air_cooled_water_chiller\nmodels: [HWC-20, HWC-60]\n"
        "language: en\n", encoding="utf-8")
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not a PDF at all \x00\x01")
    (root / "notes.docx").write_bytes(b"PK\x03\x04 not supported")
    (root / "README.md").write_text("# About this folder\n", encoding="utf-8")
    return root
