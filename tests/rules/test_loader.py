"""A broken knowledge file is refused with a message naming the file, the entry and the rule."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from core.knowledge.errors import KnowledgeError
from core.knowledge.loader import load_knowledge
from tests.rules.conftest import KNOWLEDGE


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def edit(pack: Path, file: str, change: Callable[[dict], None]) -> None:
    path = pack / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def fault(data: dict, fault_id: str) -> dict:
    return next(f for f in data["faults"] if f["id"] == fault_id)


def test_the_real_pack_loads(kb):
    assert set(kb.families) == {"rotary_screw_compressor", "centrifugal_process_pump",
                                "air_cooled_water_chiller"}
    assert sum(len(f.faults) for f in kb.families.values()) == 60


CASES = [
    ("compressors.yml", "fault low_oil_level evidence #1", "observation 'oil_level_glass'",
     lambda d: fault(d, "low_oil_level")["evidence"][0].update(observation="oil_level_glass")),
    ("pumps.yml", "fault bearing_failure evidence #1", "weight 'very strong'",
     lambda d: fault(d, "bearing_failure")["evidence"][0].update(weight="very strong")),
    ("chillers.yml", "fault sensor_fault evidence #1", "does not parse",
     lambda d: fault(d, "sensor_fault")["evidence"][0].update(condition="is broken")),
    ("compressors.yml", "fault oil_overfilled evidence #1", "not a choice",
     lambda d: fault(d, "oil_overfilled")["evidence"][0].update(condition="== brimful")),
    ("compressors.yml", "fault low_oil_level", "error code 'E999'",
     lambda d: fault(d, "low_oil_level")["error_codes"].append("E999")),
    ("pumps.yml", "fault bearing_failure", "part 'HCP-NOPE'",
     lambda d: fault(d, "bearing_failure")["parts"].append("HCP-NOPE")),
    ("chillers.yml", "fault sensor_fault", "missing field 'remedy_steps'",
     lambda d: fault(d, "sensor_fault").pop("remedy_steps")),
    ("compressors.yml", "fault low_oil_level", "duplicate id",
     lambda d: d["faults"].append(dict(fault(d, "low_oil_level")))),
    ("compressors.yml", "error code E101", "related fault 'no_such_fault'",
     lambda d: d["error_codes"][0]["related_faults"].append("no_such_fault")),
    ("pumps.yml", "critical condition cc_hcp_severe_vibration", "unknown observation 'vibes'",
     lambda d: next(c for c in d["critical_conditions"]
                    if c["id"] == "cc_hcp_severe_vibration").update(trigger="vibes > 11")),
    ("chillers.yml", "observation ambient_temp_c", "type 'float'",
     lambda d: next(o for o in d["observations"]
                    if o["id"] == "ambient_temp_c").update(type="float")),
]


@pytest.mark.parametrize(("file", "entry", "problem", "change"), CASES,
                         ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_broken_entry_is_named(pack, file, entry, problem, change):
    edit(pack, file, change)
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(pack)
    assert raised.value.file == file
    assert raised.value.entry == entry
    assert problem in raised.value.problem
    assert file in str(raised.value) and entry in str(raised.value)


def test_invalid_yaml_names_the_file(pack):
    (pack / "pumps.yml").write_text("faults: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="pumps.yml: -: not valid YAML"):
        load_knowledge(pack)


def test_a_fault_id_used_in_two_families_is_refused(pack):
    edit(pack, "pumps.yml", lambda d: d["faults"].append({**d["faults"][0], "id": "low_oil_level"}))
    with pytest.raises(KnowledgeError, match="pumps.yml: fault low_oil_level: id already used"):
        load_knowledge(pack)


def test_a_broken_translation_catalogue_is_refused(pack):
    target = pack / "i18n" / "de"
    target.mkdir(parents=True, exist_ok=True)
    (target / "pumps.yml").write_text("observations: {a: [b\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="i18n/de/pumps.yml"):
        load_knowledge(pack)


def test_missing_catalogues_fall_back_to_english(pack, kb):
    shutil.rmtree(pack / "i18n")
    loaded = load_knowledge(pack)
    assert loaded.catalogues == {lang: {} for lang in ("en", "el", "de", "fr", "es")}


def test_triggers_are_parsed_into_conditions_and_free_text(kb):
    compressors = kb.families["rotary_screw_compressor"]
    smoke = compressors.critical["cc_hsc_smoke_or_fire"]
    assert [[str(c) for c in clause] for clause in smoke.clauses] == [["smoke_visible == true"]]
    assert smoke.phrases == ("flames at the compressor",)
    dead_head = kb.families["centrifugal_process_pump"].critical["cc_hcp_dead_head_overheat"]
    assert [str(c) for c in dead_head.clauses[0]] == ["casing_hot == true",
                                                      "discharge_valve_position_pct < 10"]
    leak = kb.families["air_cooled_water_chiller"].critical["cc_hwc_refrigerant_leak"]
    assert ["active_alarm_code == AL140"] in [[str(c) for c in cl] for cl in leak.clauses]


def test_numeric_cells_split_at_every_threshold(kb):
    temp = kb.families["rotary_screw_compressor"].observations["discharge_temp_c"]
    cells = [temp.cell_of(v) for v in (-5.0, 50.0, 80.0, 102.0, 110.0, 130.0)]
    assert len(set(cells)) == 6
    # "> 105" puts 105 itself below the cut, "< 70" puts 70 above it.
    assert temp.cell_of(105.0) == temp.cell_of(104.0)
    assert temp.cell_of(70.0) == temp.cell_of(80.0)
