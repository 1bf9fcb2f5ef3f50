"""Shared test helpers: paths of the real public data sets and a minimal valid configuration."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

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


# The small demo most integration tests share: one commune, spring 2024, 5 % of the city's volumes.
SMALL_DEMO_FIRST_DAY, SMALL_DEMO_LAST_DAY = date(2024, 3, 1), date(2024, 5, 31)


@pytest.fixture(scope="session")
def small_demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """(sources, lake, RunSummary) of one pipeline run over the small demo, shared by the test modules
    that read its lake (a run takes a minute; they must not change what others read)."""
    from pipelines.demo.generator import generate
    from pipelines.runner import run_pipeline

    root = tmp_path_factory.mktemp("small-demo")
    sources, lake = root / "sources", root / "lake"
    generate(sources, start=SMALL_DEMO_FIRST_DAY, end=SMALL_DEMO_LAST_DAY, scale=0.05, seed=7, progress=False)
    summary = run_pipeline(
        sources / "civiclake.yaml",
        lake,
        echo=lambda line: None,
        first_day=SMALL_DEMO_FIRST_DAY,
        last_day=SMALL_DEMO_LAST_DAY,
    )
    return sources, lake, summary
