"""Shared test helpers: paths of the real public data sets and a minimal valid configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REALDATA = PROJECT_ROOT.parent / "shared" / "realdata"

MINIMAL_CONFIG = """\
version: 1
mode: demo
history:
  start: 2024-01-01
communes:
  - id: brussels
    name: {fr: Ville de Bruxelles, nl: Stad Brussel, en: City of Brussels}
    timezone: Europe/Brussels
    office_hours:
      mon: ["08:00-17:00"]
      tue: ["08:00-17:00"]
      wed: ["08:00-17:00"]
      thu: ["08:00-17:00"]
      fri: ["08:00-17:00"]
    holidays:
      country: BE
      extra:
        - {date: 2024-11-15, name: "Fête du Roi"}
    targets:
      - {kpi: services_digital_share, value: 0.85, deadline: 2025-12-31}
sources:
  - id: brussels-crm
    commune: brussels
    entity: request
    kind: dynamics365
    format: odata_json
    location: crm
"""


@pytest.fixture
def minimal_config_file(tmp_path: Path) -> Path:
    path = tmp_path / "civiclake.yaml"
    path.write_text(MINIMAL_CONFIG, encoding="utf-8")
    return path
