"""Print the translatable text of one family file as a catalogue skeleton (English text).

Translators copy it to knowledge/i18n/<lang>/<family>.yml and translate the values in place,
keeping every key and the number of list items. `tests/knowledge/test_i18n.py` checks that.

    .venv/bin/python scripts/i18n_template.py compressors > /tmp/compressors.en.yml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"

# Which fields of which sections are text for people (everything else is data: ids, numbers).
TEXT_FIELDS = {
    "error_codes": ("code", ["title", "meaning", "immediate_action"]),
    "observations": ("id", ["question", "how_to_check", "safety_note"]),
    "faults": ("id", ["name", "description", "causes_ranked", "remedy_steps", "escalate_when"]),
    "critical_conditions": ("id", ["trigger", "action"]),
    "maintenance_schedule": ("id", ["label", "task"]),
    "parts": ("part_no", ["name"]),
}


def catalogue(family_file: str) -> dict:
    data = yaml.safe_load((KNOWLEDGE / f"{family_file}.yml").read_text(encoding="utf-8"))
    out: dict = {"family": data["family"]["id"], "family_name": data["family"]["name"]}
    for section, (key, fields) in TEXT_FIELDS.items():
        entries: dict = {}
        for item in data.get(section) or []:
            texts = {f: item[f] for f in fields if item.get(f) not in (None, "", [])}
            if section == "observations" and item.get("type") == "choice":
                texts["choices"] = {c: c.replace("_", " ") for c in item["choices"]}
            if texts:
                entries[item[key]] = texts
        out[section] = entries
    return out


if __name__ == "__main__":
    family = sys.argv[1] if len(sys.argv) > 1 else "compressors"
    yaml.safe_dump(catalogue(family), sys.stdout, allow_unicode=True, sort_keys=False, width=100)
