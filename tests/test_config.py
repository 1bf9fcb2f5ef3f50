"""The configuration file: a valid one loads, every mistake names the file, the key and the expectation."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from pipelines.config import ConfigError, load_config
from tests.conftest import MINIMAL_CONFIG


def test_a_valid_file_loads_with_its_communes_and_sources(minimal_config_file: Path) -> None:
    config = load_config(minimal_config_file)
    brussels = config.commune("brussels")
    assert brussels.timezone == "Europe/Brussels"
    assert brussels.office_hours["mon"][0].opens_at == time(8, 0)
    assert brussels.office_hours["mon"][0].closes_at == time(17, 0)
    assert "sat" not in brussels.office_hours
    assert brussels.digital_channels == ["portal", "app", "email"]
    assert brussels.targets[0].deadline == date(2025, 12, 31)
    assert config.sources_for("request")[0].id == "brussels-crm"
    # Source locations are relative to the configuration file's folder, wherever the command runs.
    assert config.resolve("crm") == minimal_config_file.parent / "crm"


@pytest.mark.parametrize(
    ("original", "broken", "expected_fragments"),
    [
        ("timezone: Europe/Brussels", "timezone: Europe/Brusels", ["communes[0].timezone", "IANA", "Brusels"]),
        ('mon: ["08:00-17:00"]', 'mon: ["8h-17h"]', ["communes[0].office_hours", "HH:MM-HH:MM", "8h-17h"]),
        ('mon: ["08:00-17:00"]', 'mon: ["17:00-08:00"]', ["closes after it opens"]),
        ('mon: ["08:00-17:00"]', 'lun: ["08:00-17:00"]', ["weekday keys", "lun"]),
        ("    commune: brussels", "    commune: bruxelles", ["sources[0].commune", "bruxelles", "brussels"]),
        ("    entity: request", "    entity: requests", ["sources[0].entity", "requests"]),
        ("    location: crm", "    locaton: crm", ["sources[0].locaton", "no such key"]),
        ("value: 0.85", "value: -1", ["communes[0].targets[0].value", "greater than or equal to 0"]),
        ("    digital_channels", "    digital_channels", []),
    ],
)
def test_a_mistake_names_the_file_the_key_and_what_was_expected(
    tmp_path: Path, original: str, broken: str, expected_fragments: list[str]
) -> None:
    assert original in MINIMAL_CONFIG or original == "    digital_channels"
    text = MINIMAL_CONFIG.replace(original, broken)
    if original == "    digital_channels":  # an unknown channel name in the digital list
        text = text.replace("    targets:", "    digital_channels: [portal, fax]\n    targets:")
        expected_fragments = ["communes[0].digital_channels", "fax"]
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in expected_fragments:
        assert fragment in message


def test_a_missing_required_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        MINIMAL_CONFIG.replace("    timezone: Europe/Brussels\n", "").replace(
            "    name: {fr: Ville de Bruxelles, nl: Stad Brussel, en: City of Brussels}\n", ""
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"communes\[0\]\.name: this key is required"):
        load_config(path)


def test_a_missing_or_unparsable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("communes: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(scalar)
