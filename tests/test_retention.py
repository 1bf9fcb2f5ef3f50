"""GDPR retention: a source's bronze rows older than its `retention_days` are deleted at the next run, and
the monthly KPIs already computed from them stay.

The lake of the shared small demo (March to May 2024, tests/conftest.py small_demo_run, run without
retention) is copied, then run again with `retention_days: 45` on the CRM source, "today" being 31 May:
the cutoff is 16 April. Its bronze partitions before that day must be gone (files and rows), the retention
audit must say what was deleted, when and by which rule, and the monthly request counts in gold (March
entirely, April in part built on deleted rows) must still equal those before and the counts made here
from the CRM's own export files.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl
import pytest
import yaml

from pipelines.config import ConfigError, load_config
from pipelines.runner import run_pipeline
from tests.conftest import MINIMAL_CONFIG, SMALL_DEMO_FIRST_DAY, SMALL_DEMO_LAST_DAY

FIRST_DAY, LAST_DAY = SMALL_DEMO_FIRST_DAY, SMALL_DEMO_LAST_DAY
RETENTION_DAYS = 45
CUTOFF = LAST_DAY - timedelta(days=RETENTION_DAYS)  # 2024-04-16: the first day kept
OLD_MONTHS = ("2024-03", "2024-04")
SOURCE = "brussels-crm"


def _created_days(sources: Path) -> list[date]:
    """The local creation day of every request in the CRM's OData pages (read here, not by a connector)."""
    brussels = ZoneInfo("Europe/Brussels")
    days = []
    for page in sorted((sources / "brussels" / "crm" / "incidents").glob("*.json")):
        for incident in json.loads(page.read_text(encoding="utf-8"))["value"]:
            created = datetime.fromisoformat(incident["createdon"].replace("Z", "+00:00")).astimezone(brussels)
            days.append(created.date())
    return days


def _requests_by_month(sources: Path) -> Counter[str]:
    return Counter(f"{day:%Y-%m}" for day in _created_days(sources))


def _gold_requests(lake: Path) -> dict[str, int]:
    with duckdb.connect() as connection:
        rows = connection.execute(
            "select period, numerator from read_parquet(?) where commune_id = 'brussels' and period_type = 'month'"
            " and kpi_name = 'requests_volume' and breakdown = 'all'",
            [str(lake / "gold" / "kpi_adoption.parquet")],
        ).fetchall()
    return {period: int(value) for period, value in rows}


@pytest.fixture(scope="module")
def runs(
    small_demo_run: tuple[Path, Path, Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict[str, int]]:
    """(sources, lake after the run with retention, gold monthly requests before it)."""
    demo_sources, demo_lake, _ = small_demo_run
    # Copies: the shared lake and sources are read by other modules.
    root = tmp_path_factory.mktemp("retention")
    sources, lake = root / "sources", root / "lake"
    shutil.copytree(demo_sources, sources)
    shutil.copytree(demo_lake, lake, symlinks=True)
    before = _gold_requests(lake)
    document = yaml.safe_load((sources / "civiclake.yaml").read_text(encoding="utf-8"))
    (crm,) = [source for source in document["sources"] if source["id"] == SOURCE]
    crm["retention_days"] = RETENTION_DAYS
    with_retention = sources / "civiclake-retention.yaml"
    with_retention.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    run_pipeline(with_retention, lake, echo=lambda line: None, first_day=FIRST_DAY, last_day=LAST_DAY, today=LAST_DAY)
    return sources, lake, before


def test_old_bronze_partitions_of_the_source_are_deleted(runs: tuple[Path, Path, dict[str, int]]) -> None:
    _, lake, _ = runs
    days = sorted(
        date.fromisoformat(folder.name.removeprefix("date="))
        for folder in (lake / "bronze" / "request" / "commune=brussels").glob("date=*")
    )
    assert days and min(days) == CUTOFF  # nothing older, and the kept days are there
    rows = pl.read_parquet(lake / "bronze" / "request" / "commune=brussels" / "date=*" / "*.parquet")
    created = rows["created_at"].dt.convert_time_zone("Europe/Brussels").dt.date()
    assert created.min() >= CUTOFF
    # Other sources have no retention: their January partitions stay.
    assert (lake / "bronze" / "call" / "commune=brussels" / "date=2024-03-04").is_dir()


def test_the_audit_says_what_was_deleted_when_and_by_which_rule(runs: tuple[Path, Path, dict[str, int]]) -> None:
    sources, lake, _ = runs
    (audit,) = (lake / "audit" / "retention").glob("*.json")
    document = json.loads(audit.read_text(encoding="utf-8"))
    assert document["applied_at"] and document["today"] == LAST_DAY.isoformat()
    (rule,) = document["rules"]
    assert rule["source"] == SOURCE and rule["entity"] == "request" and rule["retention_days"] == RETENTION_DAYS
    assert rule["deleted_before"] == CUTOFF.isoformat()
    assert {item["day"] for item in rule["partitions"]} <= {
        (FIRST_DAY + timedelta(days=n)).isoformat() for n in range((CUTOFF - FIRST_DAY).days)
    }
    # The rows deleted are the requests created before the cutoff, counted from the source files.
    old = sum(day < CUTOFF for day in _created_days(sources))
    assert rule["rows_deleted"] == old > 0


def test_monthly_kpis_of_deleted_days_stay_in_gold(runs: tuple[Path, Path, dict[str, int]]) -> None:
    sources, lake, before = runs
    expected = _requests_by_month(sources)
    after = _gold_requests(lake)
    assert all(expected[month] > 0 for month in OLD_MONTHS)
    for month in OLD_MONTHS:
        assert after.get(month) == before[month] == expected[month], month
    # The fact keeps the requests of the deleted days, row for row.
    facts = pl.read_parquet(lake / "gold" / "fct_requests.parquet")
    kept = facts.filter(pl.col("created_date_local") < pl.lit(CUTOFF)).height
    assert kept == sum(day < CUTOFF for day in _created_days(sources))


def test_the_loads_skip_what_the_source_still_holds_beyond_retention(runs: tuple[Path, Path, dict[str, int]]) -> None:
    sources, lake, _ = runs
    documents = [
        json.loads(path.read_text(encoding="utf-8")) for path in (lake / "audit" / "loads" / "request").glob("*.json")
    ]
    latest = max(documents, key=lambda document: document["finished_at"])
    (crm,) = [source for source in latest["sources"] if source["source"] == SOURCE]
    assert crm["rows_outside_window"] > 0 and crm["balanced"]


@pytest.mark.parametrize("value", ["0", "-30", "thirty", "1.5", "true"])
def test_a_retention_that_is_not_a_positive_number_of_days_is_a_config_error(tmp_path: Path, value: str) -> None:
    path = tmp_path / "civiclake.yaml"
    path.write_text(MINIMAL_CONFIG + f"    retention_days: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"retention_days.*at least 1"):
        load_config(path)


def test_a_retention_on_case_events_is_a_config_error(tmp_path: Path) -> None:
    config = MINIMAL_CONFIG + (
        "  - id: cases\n    commune: brussels\n    entity: case_event\n    kind: generic\n    format: csv\n"
        "    location: cases.csv\n    retention_days: 30\n"
    )
    path = tmp_path / "civiclake.yaml"
    path.write_text(config, encoding="utf-8")
    with pytest.raises(ConfigError, match="retention_days is not supported for case_event"):
        load_config(path)
    path.write_text(MINIMAL_CONFIG + "    retention_days: 30\n", encoding="utf-8")
    assert load_config(path).sources[0].retention_days == 30
