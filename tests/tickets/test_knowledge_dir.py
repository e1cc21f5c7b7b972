"""ASSISTANT_KNOWLEDGE_DIR moves all of the knowledge pack, not only the expert system's part: the
ticket catalogue (contract SLAs) and the dialogue's service data (parts) read the same folder."""

from __future__ import annotations

import shutil

import pytest

from bot.dialogue.service import default_service_data
from core.settings import PROJECT_ROOT, get_settings
from tickets.catalog import default_catalog


@pytest.fixture()
def own_pack(tmp_path, monkeypatch):
    pack = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", pack)
    service = pack / "service.yml"
    service.write_text(service.read_text("utf-8").replace(
        "response_time_h: {P1: 8, P2: 24, P3: 72, P4: 120}",
        "response_time_h: {P1: 6, P2: 24, P3: 72, P4: 120}", 1), encoding="utf-8")
    compressors = pack / "compressors.yml"
    text = compressors.read_text("utf-8")
    line = next(x for x in text.splitlines() if "part_no: HSC-OF-037" in x)
    compressors.write_text(text.replace(line, line.replace("unit_price_eur: 52",
                                                           "unit_price_eur: 61")), "utf-8")
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(pack))
    for cached in (get_settings, default_catalog, default_service_data):
        cached.cache_clear()
    yield pack
    for cached in (get_settings, default_catalog, default_service_data):
        cached.cache_clear()


def test_a_deployments_own_pack_is_read_everywhere(own_pack):
    assert get_settings().knowledge_dir == own_pack
    assert default_catalog().tiers["basic"].response_h["P1"] == 6
    assert default_service_data().parts["HSC-OF-037"].price_eur == 61


def test_the_repositorys_pack_by_default():
    assert default_catalog().tiers["basic"].response_h["P1"] == 8
    assert default_service_data().parts["HSC-OF-037"].price_eur == 52
