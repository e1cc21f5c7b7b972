"""Write the operator and maintenance manuals in docs_corpus/<language>/<family>.md from the
knowledge pack.

Facts (codes, faults, checks, remedies, maintenance, parts) come from knowledge/<family>.yml in
English and from the translators' catalogues knowledge/i18n/<lang>/<family>.yml in the other
languages; the fixed text (headings, labels, safety and operation prose) from
scripts/manual_texts/<lang>.yml. Output is deterministic: same inputs, same bytes.

    .venv/bin/python scripts/build_manuals.py            # every language with a catalogue
    .venv/bin/python scripts/build_manuals.py --languages en el
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from core.languages import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
TEXTS = Path(__file__).resolve().parent / "manual_texts"
OUT = ROOT / "docs_corpus"
FAMILIES = ("compressors", "pumps", "chillers")
_TRIGGER = re.compile(r"\b([a-z][a-z0-9_]+)\s*(==|!=|>=|<=|>|<)\s*([\w.\-]+)")
_CONDITION = re.compile(r"^\s*(==|!=|>=|<=|>|<|in)\s*(.+?)\s*$")
_UNITS = (("_mm_s", "mm/s"), ("_pct", "%"), ("_bar", "bar"), ("_c", "°C"), ("_k", "K"),
          ("_v", "V"))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


class Facts:
    """The knowledge of one family with its text in one language (English where a catalogue
    lacks an entry; `missing` counts those)."""

    def __init__(self, family_file: str, language: str) -> None:
        self.data = _load(KNOWLEDGE / f"{family_file}.yml")
        self.language = language
        self.catalogue: dict[str, Any] = {}
        path = KNOWLEDGE / "i18n" / language / f"{family_file}.yml"
        if language != "en":
            self.catalogue = _load(path)
        labels = KNOWLEDGE / "i18n" / "en" / f"{family_file}.yml"
        self.en_labels = _load(labels) if labels.is_file() else {}
        self.missing: list[str] = []

    def text(self, section: str, key: str, field: str) -> Any:
        source = next((item for item in self.data.get(section) or []
                       if item.get("part_no", item.get("code", item.get("id"))) == key), {})
        english = source.get(field)
        if self.language == "en" or english in (None, "", []):
            return english
        value = (self.catalogue.get(section) or {}).get(key, {}).get(field)
        if value in (None, "", []):
            self.missing.append(f"{section}.{key}.{field}")
            return english
        return value

    def choice(self, observation: str, value: str) -> str:
        catalogue = self.en_labels if self.language == "en" else self.catalogue
        labels = ((catalogue.get("observations") or {}).get(observation) or {}).get("choices")
        return str((labels or {}).get(value) or value.replace("_", " "))

    def family_name(self) -> str:
        if self.language == "en":
            return str(self.data["family"]["name"])
        return str(self.catalogue.get("family_name") or self.data["family"]["name"])


def _marker(section_id: str, topics: list[str]) -> str:
    unique = list(dict.fromkeys(topics))
    return f"<!-- section: {section_id}; topics: {', '.join(unique)} -->"


def _unit(key: str) -> str:
    padded = f"{key}_"
    return next((unit for suffix, unit in _UNITS if f"{suffix}_" in padded), "")


def _value(value: Any, unit: str = "") -> str:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float)
                                                           for v in value):
        text = f"{value[0]}-{value[1]}"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return f"{text} {unit}".strip()


class Manual:
    def __init__(self, family_file: str, language: str) -> None:
        self.facts = Facts(family_file, language)
        self.t = _load(TEXTS / f"{language}.yml")
        self.family_file = family_file
        self.language = language
        data = self.facts.data
        self.family = data["family"]
        self.models = [m["id"] for m in data["models"]]
        self.prefix = self.models[0].split("-")[0].lower()
        drive = str(self.family.get("drive", ""))
        self.controller = self.family.get("controller") or " ".join(drive.split()[:2])
        self.lines: list[str] = []
        self.fault_numbers = {f["id"]: n for n, f in enumerate(data["faults"], 1)}

    def heading(self, level: int, title: str, section_id: str, topics: list[str]) -> None:
        self.lines += ["", f"{'#' * level} {title}", _marker(section_id, topics), ""]

    def para(self, text: str) -> None:
        self.lines += [text.strip().format(**self.fill()), ""]

    def fill(self) -> dict[str, str]:
        return {"family_name": self.facts.family_name(), "models": ", ".join(self.models),
                "controller": self.controller}

    def render(self, version: str) -> str:
        t, p = self.t, self.prefix
        title = f"{self.facts.family_name()} - {t['manual']}"
        front = {"doc_id": f"{p}-manual-{self.language}", "series": f"{p}-manual",
                 "title": title, "family": self.family["id"], "models": self.models,
                 "language": self.language, "version": version}
        self.lines = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False,
                                            width=1000).strip(), "---"]
        self.heading(1, title, f"{p}.about", [])
        self.para(t["about"]["text"])
        self.safety()
        self.operation()
        self.codes()
        self.troubleshooting()
        self.maintenance()
        self.parts()
        return "\n".join(self.lines).rstrip() + "\n"

    def safety(self) -> None:
        t, p, data = self.t, self.prefix, self.facts.data
        self.heading(2, f"1 {t['safety']['title']}", f"{p}.safety", [])
        self.para(t["safety"]["text"])
        self.para(t["safety"]["family"][self.family_file])
        conditions = data.get("critical_conditions") or []
        self.heading(3, f"1.1 {t['critical']['title']}", f"{p}.safety.critical",
                     [c["id"] for c in conditions])
        self.para(t["critical"]["intro"])
        for c in conditions:
            trigger = self._trigger(self.facts.text("critical_conditions", c["id"], "trigger"))
            action = self.facts.text("critical_conditions", c["id"], "action")
            self.lines.append(f"- **{t['critical']['when']}:** {trigger} **{t['critical']['do']}:**"
                              f" {action} ({t['critical']['priority']} {c['priority']})")
        self.lines.append("")

    def _trigger(self, text: str) -> str:
        """Conditions written as data ("smoke_visible == true") read as question and answer."""
        observations = {o["id"]: o for o in self.facts.data["observations"]}

        def readable(match: re.Match[str]) -> str:
            obs_id, op, value = match.groups()
            if obs_id not in observations:
                return match.group(0)
            line = self._symptom({"observation": obs_id, "condition": f"{op} {value}"},
                                 observations)
            return line[2:].replace(" **", " → ").replace("**", "")

        return _TRIGGER.sub(readable, text)

    def operation(self) -> None:
        t, p, data = self.t, self.prefix, self.facts.data
        self.heading(2, f"2 {t['operation']['title']}", f"{p}.operation", [])
        self.para(t["operation"]["family"][self.family_file])
        labels = t["model_labels"]
        keys = [k for k in labels if any(k in m for m in data["models"])]
        self.heading(3, f"2.1 {t['models']['title']}", f"{p}.models", self.models)
        self.lines.append(f"| {t['models']['model']} | " + " | ".join(labels[k] for k in keys)
                          + " |")
        self.lines.append("|---" * (len(keys) + 1) + "|")
        for m in data["models"]:
            cells = [_value(m[k]) if k in m else "-" for k in keys]
            self.lines.append(f"| {m['id']} | " + " | ".join(cells) + " |")
        self.lines.append("")
        ranges = self.family.get("normal_operating_ranges") or {}
        self.heading(3, f"2.2 {t['ranges']['title']}", f"{p}.ranges", [])
        self.para(t["ranges"]["intro"])
        self.lines += [f"| {t['ranges']['reading']} | {t['ranges']['value']} |", "|---|---|"]
        for key, value in ranges.items():
            label = t["ranges_labels"].get(key, key.replace("_", " "))
            self.lines.append(f"| {label} | {_value(value, _unit(key))} |")
        self.lines.append("")

    def codes(self) -> None:
        t, p, data = self.t, self.prefix, self.facts.data
        c = t["codes"]
        self.heading(2, f"3 {c['title']}", f"{p}.codes", [e["code"] for e in data["error_codes"]])
        self.para(c["intro"])
        for entry in data["error_codes"]:
            code = entry["code"]
            title = self.facts.text("error_codes", code, "title")
            self.heading(3, f"{code} - {title}", f"{p}.code.{code}",
                         [code, *entry.get("related_faults", [])])
            self.lines.append(f"**{c['severity']}:** {c['severities'][entry['severity']]}  ")
            if entry.get("applies_to"):
                self.lines.append(f"**{c['applies_to']}:** {', '.join(entry['applies_to'])}  ")
            self.lines.append(f"**{c['meaning']}:** "
                              f"{self.facts.text('error_codes', code, 'meaning')}  ")
            self.lines.append(f"**{c['immediate_action']}:** "
                              f"{self.facts.text('error_codes', code, 'immediate_action')}")
            if entry.get("related_faults"):
                self.lines += ["", f"{c['possible_causes']}:"]
                for fault in entry["related_faults"]:
                    name = self.facts.text("faults", fault, "name")
                    self.lines.append(f"- 4.{self.fault_numbers[fault]} {name}")
            self.lines.append("")

    def _symptom(self, evidence: dict[str, Any], observations: dict[str, Any]) -> str:
        tr = self.t["troubleshooting"]
        obs = observations[evidence["observation"]]
        question = self.facts.text("observations", obs["id"], "question")
        match = _CONDITION.match(str(evidence["condition"]))
        if not match:
            return f"- {question} **{evidence['condition']}**"
        op, raw = match.groups()
        if obs["type"] == "boolean":
            truth = (raw == "true") == (op == "==")
            answer = tr["answer_yes"] if truth else tr["answer_no"]
        elif obs["type"] == "choice":
            answer = self.facts.choice(obs["id"], raw)
            answer = answer if op == "==" else f"≠ {answer}"
        else:
            unit = obs.get("unit", "")
            value = raw.strip("[]").replace(",", " -") if op == "in" else raw
            answer = f"{op if op != 'in' else ''} {value} {unit}".strip()
        return f"- {question} **{answer}**"

    def troubleshooting(self) -> None:
        t, p, data = self.t, self.prefix, self.facts.data
        tr = t["troubleshooting"]
        observations = {o["id"]: o for o in data["observations"]}
        parts = {part["part_no"]: part for part in data["parts"]}
        self.heading(2, f"4 {tr['title']}", f"{p}.troubleshooting", [])
        self.para(tr["intro"])
        for number, fault in enumerate(data["faults"], 1):
            fid = fault["id"]
            text = lambda field, fid=fid: self.facts.text("faults", fid, field)  # noqa: E731
            self.heading(3, f"4.{number} {text('name')}", f"{p}.fault.{fid}",
                         [fid, *fault.get("error_codes", []), *fault.get("parts", [])])
            self.para(text("description"))
            if fault.get("error_codes"):
                self.para(f"**{tr['codes']}:** {', '.join(fault['error_codes'])}")
            if fault.get("safety_critical"):
                self.para(f"**⚠ {tr['safety_critical']}**")
            self.lines.append(f"**{tr['symptoms']}:**")
            self.lines += [self._symptom(e, observations) for e in fault["evidence"]]
            self.lines += ["", f"**{tr['checks']}:**"]
            for obs_id in dict.fromkeys(e["observation"] for e in fault["evidence"]):
                how = self.facts.text("observations", obs_id, "how_to_check")
                if not how:
                    continue
                by = f" ({tr['check_by']} {tr['technician']})" \
                    if observations[obs_id].get("skill") == "technician" else ""
                self.lines.append(f"- {how}{by}")
                note = self.facts.text("observations", obs_id, "safety_note")
                if note:
                    self.lines.append(f"  ⚠ {note}")
            self.lines += ["", f"**{tr['causes']}:**"]
            self.lines += [f"{i}. {c}" for i, c in enumerate(text("causes_ranked") or [], 1)]
            self.lines += ["", f"**{tr['remedy']}:**"]
            self.lines += [f"{i}. {s}" for i, s in enumerate(text("remedy_steps") or [], 1)]
            listed = [f"{n} ({self.facts.text('parts', n, 'name')}, "
                      f"{', '.join(parts[n]['compatible_models'])})"
                      for n in fault.get("parts", []) if n in parts]
            self.lines += ["", f"**{tr['parts']}:** " + (", ".join(listed) or tr["none"])]
            self.lines += ["", f"**{tr['escalate']}:** {text('escalate_when')}  ",
                           f"**{tr['downtime']}:** {fault.get('typical_downtime_h', '-')} "
                           f"{tr['hours']}", ""]

    def maintenance(self) -> None:
        t, p, data = self.t, self.prefix, self.facts.data
        m = t["maintenance"]
        tasks = data.get("maintenance_schedule") or []
        self.heading(2, f"5 {m['title']}", f"{p}.maintenance", [task["id"] for task in tasks])
        self.para(m["intro"])
        self.lines += [f"| {m['interval']} | {m['task']} | {m['skill']} |", "|---|---|---|"]
        for task in tasks:
            label = self.facts.text("maintenance_schedule", task["id"], "label")
            self.lines.append(f"| {self._interval(task)} | {label} | "
                              f"{m['skills'].get(task.get('skill'), task.get('skill'))} |")
        self.lines.append("")
        parts = {part["part_no"]: part for part in data["parts"]}
        for number, task in enumerate(tasks, 1):
            label = self.facts.text("maintenance_schedule", task["id"], "label")
            needed = task.get("parts_if_needed") or []
            self.heading(3, f"5.{number} {m['title']}: {label}", f"{p}.maint.{task['id']}",
                         [task["id"], *task.get("parts", []), *needed])
            self.para(f"**{m['interval']}:** {self._interval(task)}  \n**{m['skill']}:** "
                      f"{m['skills'].get(task.get('skill'), task.get('skill'))}")
            self.para(self.facts.text("maintenance_schedule", task["id"], "task"))
            for key, numbers in (("parts", task.get("parts") or []), ("parts_if_needed", needed)):
                if numbers:
                    listed = ", ".join(f"{n} ({self.facts.text('parts', n, 'name')})"
                                       for n in numbers if n in parts)
                    self.para(f"**{m[key]}:** {listed}")

    def _interval(self, task: dict[str, Any]) -> str:
        m = self.t["maintenance"]
        if task.get("first_service_only"):
            return str(m["first_only"]).format(hours=task["interval_hours"])
        bits = []
        if task.get("interval_hours"):
            bits.append(str(m["every_hours"]).format(hours=task["interval_hours"]))
        if task.get("interval_months"):
            bits.append(str(m["every_months"]).format(months=task["interval_months"]))
        return " / ".join(bits) or "-"

    def parts(self) -> None:
        t, p, data = self.t, self.prefix, self.facts.data
        pt = t["parts"]
        self.heading(2, f"6 {pt['title']}", f"{p}.parts", [x["part_no"] for x in data["parts"]])
        self.para(pt["intro"])
        self.lines += [f"| {pt['part_no']} | {pt['name']} | {pt['models']} |", "|---|---|---|"]
        for part in data["parts"]:
            name = self.facts.text("parts", part["part_no"], "name")
            self.lines.append(f"| {part['part_no']} | {name} | "
                              f"{', '.join(part['compatible_models'])} |")
        self.lines.append("")


def inputs_hash(family_file: str, language: str) -> str:
    """Short hash of the data a manual is written from (the manual's version suffix)."""
    digest = hashlib.sha256()
    for path in (KNOWLEDGE / f"{family_file}.yml", TEXTS / f"{language}.yml",
                 KNOWLEDGE / "i18n" / language / f"{family_file}.yml"):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", nargs="*", default=list(LANGUAGES))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    status = 0
    for language in args.languages:
        for family_file in FAMILIES:
            catalogue = KNOWLEDGE / "i18n" / language / f"{family_file}.yml"
            if language != "en" and not catalogue.is_file():
                print(f"skip {language}/{family_file}: no catalogue {catalogue.name}",
                      file=sys.stderr)
                continue
            try:
                manual = Manual(family_file, language)
                text = manual.render(f"1.0+{inputs_hash(family_file, language)}")
            except (yaml.YAMLError, ValueError, KeyError) as exc:
                print(f"skip {language}/{family_file}: {type(exc).__name__}: {exc}",
                      file=sys.stderr)
                status = 1
                continue
            target = args.out / language / f"{family_file}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            missing = manual.facts.missing
            note = f" ({len(missing)} texts in English: {missing[:3]})" if missing else ""
            shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
            print(f"wrote {shown}{note}")
    return status


if __name__ == "__main__":
    sys.exit(main())
