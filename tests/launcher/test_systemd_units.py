"""The systemd units of deploy/systemd: valid for systemd (`systemd-analyze verify`, with the
paths pointed at this checkout), starting the launcher and restarting it when it fails."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from tests.conftest import unavailable

UNITS = sorted((PROJECT_ROOT / "deploy/systemd").glob("*.service"))
PLACE = "/opt/helios-assistant"


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string(path.read_text("utf-8"))
    return parser


def test_there_is_a_unit_for_run_and_for_cluster():
    commands = {u.name: unit(u)["Service"]["ExecStart"] for u in UNITS}
    assert commands == {
        "helios-assistant.service": f"{PLACE}/.venv/bin/python -m launcher",
        "helios-assistant-cluster.service": f"{PLACE}/.venv/bin/python -m launcher --cluster"}


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_the_launcher_is_started_again_when_it_fails(path):
    service = unit(path)["Service"]
    assert service["Restart"] == "on-failure" and float(service["RestartSec"]) > 0
    assert service["KillSignal"] == "SIGTERM"  # the launcher stops its children on it


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_accepts_the_unit(path, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze is missing (Debian's systemd package)")
    here = tmp_path / path.name
    here.write_text(path.read_text("utf-8").replace(PLACE, str(PROJECT_ROOT))
                    .replace("User=helios", "User=root"), "utf-8")
    done = subprocess.run([analyze or "", "verify", str(here)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
