"""The newcomer's documentation stays true: the README is short, every relative link in it and
in docs/ leads somewhere, and the configuration page names exactly the settings that exist."""

from __future__ import annotations

import re

import pytest

from core.settings import PROJECT_ROOT, Settings

DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_a_short_entry():
    assert len((PROJECT_ROOT / "README.md").read_text("utf-8").splitlines()) <= 200


@pytest.mark.parametrize("page", [PROJECT_ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_relative_links_lead_to_files(page):
    for target in LINK.findall(page.read_text("utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (page.parent / target).exists(), f"{page.name}: {target}"


def test_the_configuration_page_names_every_setting_and_no_other():
    page = (PROJECT_ROOT / "docs" / "configuration.md").read_text("utf-8")
    table = {m for m in re.findall(r"^\| `(ASSISTANT_[A-Z0-9_]+)`", page, re.MULTILINE)}
    assert table == {f"ASSISTANT_{name.upper()}" for name in Settings.model_fields}
