"""The id shapes: every id of the knowledge pack has its shape, the extractors find ids as people
type them, and the NLU regexes are the ones core/ids.py writes."""

from __future__ import annotations

import re

import pytest
import yaml

from core import ids
from core.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
ENTITIES = PROJECT_ROOT / "bot" / "data" / "nlu" / "entities.yml"
FAMILIES = ("compressors", "pumps", "chillers")


def _family(name: str) -> dict:
    return yaml.safe_load((KNOWLEDGE / f"{name}.yml").read_text("utf-8"))


def _serials() -> list[str]:
    return re.findall(r"serial_no:\s*([\w-]+)", (KNOWLEDGE / "service.yml").read_text("utf-8"))


def test_every_knowledge_id_has_its_shape():
    serials = _serials()
    assert len(serials) >= 40 and all(ids.is_serial(s) for s in serials)
    for name in FAMILIES:
        data = _family(name)
        assert all(ids.is_error_code(e["code"]) for e in data["error_codes"])
        assert all(ids.is_part_number(p["part_no"]) for p in data["parts"]), name
        assert all(ids.is_model(m["id"]) for m in data["models"])


@pytest.mark.parametrize(("shape", "text"), [
    (ids.is_serial, "P50-2019"), (ids.is_serial, "H37S-2019-0041"),
    (ids.is_error_code, "E1011"), (ids.is_error_code, "B101"), (ids.is_error_code, "R32"),
    (ids.is_part_number, "HSC-37"), (ids.is_part_number, "star-delta"),
    (ids.is_model, "HVD-30"), (ids.is_model, "HSC-OF-015"),
])
def test_what_is_not_an_id(shape, text):
    assert not shape(text)


@pytest.mark.parametrize(("pattern", "text", "found"), [
    (ids.SERIAL, "the unit h37s 2019 00412 stopped", ("h37s", "2019", "00412")),
    (ids.SERIAL, "serial P100202100542", ("P100", "2021", "00542")),
    (ids.MODEL, "our hsc37 again", ("hsc", "37")),
    (ids.ERROR_CODE, "shows al140 since noon", ("al140",)),
    (ids.PART, "price of HSC-TS-PT1000?", ("HSC-TS-PT1000",)),
    (ids.PART, "a hsc-scv-kit please", ("hsc-scv-kit",)),
])
def test_extractors_find_ids_as_people_type_them(pattern, text, found):
    match = pattern.search(text)
    assert match is not None and match.groups() == found


def test_the_nlu_regexes_are_the_core_shapes():
    data = yaml.safe_load(ENTITIES.read_text("utf-8"))
    regexes = {item["regex"]: [line.removeprefix("- ").strip()
                               for line in item["examples"].splitlines() if line.strip()]
               for item in data["nlu"] if "regex" in item}
    assert regexes == {name: [pattern] for name, pattern in ids.NLU_REGEXES.items()}


def test_the_nlu_model_lookup_lists_the_knowledge_models():
    data = yaml.safe_load(ENTITIES.read_text("utf-8"))
    lookup = next(item for item in data["nlu"] if item.get("lookup") == "equipment_model")
    listed = {line.removeprefix("- ").strip() for line in lookup["examples"].splitlines()
              if line.strip()}
    assert listed == {m["id"] for name in FAMILIES for m in _family(name)["models"]}
