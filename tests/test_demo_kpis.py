"""The demo, end to end, reproduces the city's published figures (../shared/SEED_FIGURES.md).

One full run of `civiclake demo --no-serve` with its defaults (the City of Brussels, 2024, scale 1) in a
fresh folder, then `civiclake kpis --commune brussels --period 2024 --format json`. The expected values
are the city's published figures, each with the tolerance stated next to it; none comes from civiclake.
(tests/test_dbt_models.py checks that `dbt docs generate` works and every model and column is documented.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT
from tests.disclosure_attacker import attack_release

# Every KPI of KPIS.md, by the name civiclake publishes it under (statistics get a suffix).
KPIS_OF_KPIS_MD = {
    # adoption
    "services_digital_share",
    "services_digital_share_weighted",
    "digital_take_up",
    "after_hours_share",
    "requests_volume",
    "appointments_online_share",
    "daily_active_citizens",
    # contact centre
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
    "calls_short_abandoned",
    "abandonment_rate",
    "service_level",
    "average_speed_of_answer",
    "average_handle_time",
    # processing and bottlenecks
    "lead_time_median_days",
    "lead_time_p90_days",
    "lead_time_mean_days",
    "sla_compliance",
    "backlog_open_cases",
    "cases_opened",
    "cases_closed",
}


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("full-demo")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = _cli("demo", "--no-serve", "--out", str(root / "sources"), "--lake", str(root / "lake"), env=env, cwd=root)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    kpis = _cli(
        "kpis", "--lake", str(root / "lake"), "--commune", "brussels", "--period", "2024", "--format", "json",
        env=env, cwd=root,
    )  # fmt: skip
    assert kpis.returncode == 0, kpis.stderr
    return {"root": root, "lake": root / "lake", "report": json.loads(kpis.stdout), "demo_output": run.stdout}


def test_every_kpi_of_kpis_md_is_printed_with_value_numerator_and_denominator(demo: dict[str, Any]) -> None:
    kpis = demo["report"]["kpis"]
    assert KPIS_OF_KPIS_MD <= set(kpis), sorted(KPIS_OF_KPIS_MD - set(kpis))
    for name in KPIS_OF_KPIS_MD:
        assert {"value", "numerator", "denominator", "unit"} <= set(kpis[name]), name
        assert kpis[name]["value"] is not None, name
    breakdowns = demo["report"]["breakdowns"]
    assert "CIV-MARRIAGE" in breakdowns["launch_adoption"]["service"]
    assert breakdowns["rework_rate"]  # per activity
    assert any(name.startswith("bottleneck") for name in kpis) or any(n.startswith("bottleneck") for n in breakdowns)


def test_requests_volume_is_the_167005_dossiers_of_2024(demo: dict[str, Any]) -> None:
    # SEED_FIGURES: 167,005 dossiers in 2024, appointments excluded (exact: the generator allocates them).
    assert demo["report"]["kpis"]["requests_volume"]["value"] == 167_005


def test_services_digital_share_is_78_percent_at_the_end_of_2024(demo: dict[str, Any]) -> None:
    # SEED_FIGURES: 78 % of the services accessible digitally at the end of 2024 (tolerance 1 point).
    share = demo["report"]["kpis"]["services_digital_share"]
    assert share["value"] == pytest.approx(0.78, abs=0.01)
    assert share["value"] == pytest.approx(share["numerator"] / share["denominator"])


def test_appointments_online_share_is_80_percent(demo: dict[str, Any]) -> None:
    # SEED_FIGURES: 80 % of appointments booked online (tolerance 1 point).
    assert demo["report"]["kpis"]["appointments_online_share"]["value"] == pytest.approx(0.80, abs=0.01)


def test_after_hours_share_is_45_percent(demo: dict[str, Any]) -> None:
    # SEED_FIGURES: 45 % of requests outside office hours (tolerance half a point).
    assert demo["report"]["kpis"]["after_hours_share"]["value"] == pytest.approx(0.45, abs=0.005)


def test_about_360000_calls_were_offered(demo: dict[str, Any]) -> None:
    # SEED_FIGURES: about 360,000 calls a year (tolerance 2 %).
    assert demo["report"]["kpis"]["calls_offered"]["value"] == pytest.approx(360_000, rel=0.02)


def test_more_than_1000_citizens_log_in_on_a_typical_weekday(demo: dict[str, Any]) -> None:
    # SEED_FIGURES: more than 1,000 citizens log in each day; a typical weekday is the median weekday.
    assert demo["report"]["kpis"]["daily_active_citizens_weekday_median"]["value"] > 1_000


def test_the_marriage_declaration_was_90_percent_digital_in_its_first_month(demo: dict[str, Any]) -> None:
    # SEED_FIGURES: 90 % of marriage declarations filed online at the end of its first month (tolerance 2 points).
    launch = demo["report"]["breakdowns"]["launch_adoption"]["service"]["CIV-MARRIAGE"]
    assert launch["value"] == pytest.approx(0.90, abs=0.02)


def test_the_85_percent_target_has_a_status_and_a_projection(demo: dict[str, Any]) -> None:
    # SEED_FIGURES: target 85 % by the end of 2025, 78 % at the end of 2024: a gap of 7 points.
    [target] = [t for t in demo["report"]["target_status"] if t["kpi_name"] == "services_digital_share"]
    assert target["target_value"] == pytest.approx(0.85)
    assert target["deadline"] == "2025-12-31"
    assert target["as_of_month"] == "2024-12"
    assert target["gap"] == pytest.approx(0.07, abs=0.01)
    assert target["status"] in {"on track", "at risk", "off track"}  # not met: 78 % < 85 %
    assert target["projection_low"] <= target["projected_value"] <= target["projection_high"]


def test_dashboards_read_gold_not_the_duckdb_file(demo: dict[str, Any]) -> None:
    # Every mart reached lake/gold, and the gold KPI tables answer without the pipeline's DuckDB file.
    gold = demo["lake"] / "gold"
    names = {p.stem for p in gold.glob("*.parquet")}
    assert {"kpi_adoption", "kpi_contact_centre", "kpi_processing", "kpi_target_status"} <= names
    with duckdb.connect() as connection:
        [(rows,)] = connection.execute(
            "select count(*) from read_parquet(?)", [str(gold / "kpi_adoption.parquet")]
        ).fetchall()
    assert rows > 0


def test_the_demo_exports_an_open_data_release_no_attacker_can_reverse(demo: dict[str, Any]) -> None:
    # `civiclake demo` ends its pipeline with an open-data release named after the last day of data.
    folder = demo["lake"] / "opendata" / "2024-12-31"
    assert f"open-data release 2024-12-31 in {folder}" in demo["demo_output"]
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert {resource["path"] for resource in package["resources"]} == {
        f"{name}.{fmt}"
        for name in ("requests_by_month", "appointments_by_month", "calls_by_day", "kpis_by_month", "services")
        for fmt in ("csv", "parquet")
    }
    # At full scale too, no count of 1..4 can be recovered from the files together (tests/disclosure_attacker).
    assert attack_release(demo["lake"] / "gold", folder, threshold=4)
