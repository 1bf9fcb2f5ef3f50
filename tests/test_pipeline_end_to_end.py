"""The whole thin path on demo data: generate, run every asset, read the KPIs back.

The expected KPIs are computed here straight from the generated CRM pages with the standard library
(json, zoneinfo and a hand-written list of Belgian public holidays), not with any civiclake code.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.cli import main
from pipelines.runner import RunSummary, run_pipeline
from tests.conftest import PROJECT_ROOT

# Belgian public holidays of 2024 (Easter Monday 1 April, Ascension 9 May, Whit Monday 20 May).
BELGIAN_HOLIDAYS_2024 = {
    date(2024, 1, 1), date(2024, 4, 1), date(2024, 5, 1), date(2024, 5, 9), date(2024, 5, 20),
    date(2024, 7, 21), date(2024, 8, 15), date(2024, 11, 1), date(2024, 11, 11), date(2024, 12, 25),
}  # fmt: skip
DIGITAL_ORIGIN_CODES = {2, 3, 100000002}  # email, web (portal), app


ENTITIES = ("service", "request", "case_event", "appointment", "call", "portal_login")
FIRST_DAY, LAST_DAY = date(2024, 3, 1), date(2024, 5, 31)


def _run(sources: Path, lake: Path) -> RunSummary:
    return run_pipeline(
        sources / "civiclake.yaml", lake, echo=lambda line: None, first_day=FIRST_DAY, last_day=LAST_DAY
    )


@pytest.fixture(scope="module")
def demo_run(small_demo_run: tuple[Path, Path, RunSummary]) -> tuple[Path, Path, RunSummary]:
    # The shared small demo (tests/conftest.py): the same days as FIRST_DAY..LAST_DAY, seed 7, scale 0.05.
    return small_demo_run


@pytest.fixture(scope="module")
def demo_lake(demo_run: tuple[Path, Path, RunSummary]) -> tuple[Path, Path]:
    return demo_run[0], demo_run[1]


def test_every_entity_lands_in_bronze_with_balanced_counts_and_green_checks(
    demo_run: tuple[Path, Path, RunSummary],
) -> None:
    sources, lake, summary = demo_run
    config = yaml.safe_load((sources / "civiclake.yaml").read_text(encoding="utf-8"))
    for entity in ENTITIES:
        files = sorted((lake / "bronze" / entity).rglob("*.parquet"))
        assert files, f"nothing in bronze for {entity}"
        first = pq.read_table(files[0])
        assert {"_source", "_batch_id", "_ingested_at", "_row_hash"} <= set(first.column_names)
        counts = summary.bronze_counts[f"bronze/{entity}"]
        assert counts["rows_read"] > 0, entity
        assert counts["rows_read"] == counts["rows_loaded"] + counts["rows_quarantined"] + counts["rows_outside_window"]
        assert sum(pq.read_metadata(path).num_rows for path in files) == counts["rows_loaded"], entity
        if entity != "service":  # hive folders of local days, within the run's window
            days = {path.parent.name.removeprefix("date=") for path in files}
            assert all(FIRST_DAY.isoformat() <= day <= LAST_DAY.isoformat() for day in days), entity
        results = sorted((lake / "quality" / entity).glob("*.json"))
        assert results and json.loads(results[-1].read_text())["civiclake"]["critical_success"], entity
    # Each generated source row is accounted for: the requests are the CRM pages' incidents, the calls
    # the queue_log's ENTERQUEUE lines.
    incidents = sum(
        len(json.loads(page.read_text(encoding="utf-8"))["value"])
        for page in (sources / "brussels" / "crm" / "incidents").glob("*.json")
    )
    assert summary.bronze_counts["bronze/request"]["rows_read"] == incidents
    queue_log = (sources / "brussels" / "telephony" / "queue_log").read_text(encoding="utf-8").splitlines()
    assert summary.bronze_counts["bronze/call"]["rows_read"] == sum("|ENTERQUEUE|" in line for line in queue_log)
    assert {source["entity"] for source in config["sources"]} == set(ENTITIES)


def _expected_kpis(sources: Path, first: date, last: date) -> dict[str, tuple[int, int | None]]:
    config = yaml.safe_load((sources / "civiclake.yaml").read_text(encoding="utf-8"))
    brussels = next(commune for commune in config["communes"] if commune["id"] == "brussels")
    holidays = BELGIAN_HOLIDAYS_2024 | {
        date.fromisoformat(str(extra["date"])) for extra in brussels["holidays"].get("extra", [])
    }
    zone = ZoneInfo("Europe/Brussels")
    volume = digital = known = after_hours = 0
    for page in sorted((sources / "brussels" / "crm" / "incidents").glob("*.json")):
        for incident in json.loads(page.read_text(encoding="utf-8"))["value"]:
            created = datetime.strptime(incident["createdon"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            local = created.astimezone(zone)
            if not first <= local.date() <= last:
                continue
            volume += 1
            origin = incident["caseorigincode"]
            known += origin is not None
            digital += origin in DIGITAL_ORIGIN_CODES
            in_office = local.weekday() < 5 and local.date() not in holidays and 8 <= local.hour < 17
            after_hours += not in_office
    return {
        "requests_volume": (volume, None),
        "digital_take_up": (digital, known),
        "after_hours_share": (after_hours, volume),
    }


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-03", date(2024, 3, 1), date(2024, 3, 31)),  # holds the switch to summer time
        ("2024-W14", date(2024, 4, 1), date(2024, 4, 7)),  # Easter Monday
        ("2024-05-01", date(2024, 5, 1), date(2024, 5, 1)),  # Labour Day: all of it after hours
    ],
)
def test_kpis_agree_with_a_count_made_from_the_source_files(
    demo_lake: tuple[Path, Path], capsys: pytest.CaptureFixture[str], period: str, first: date, last: date
) -> None:
    sources, lake = demo_lake
    code = main(["kpis", "--config", str(sources / "civiclake.yaml"), "--lake", str(lake),
                 "--commune", "brussels", "--period", period, "--format", "json"])  # fmt: skip
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["commune"] == "brussels" and printed["period"] == period
    expected = _expected_kpis(sources, first, last)
    assert expected["requests_volume"][0] > 0
    for name, (numerator, denominator) in expected.items():
        figures = printed["kpis"][name]
        assert (figures["numerator"], figures["denominator"]) == (numerator, denominator), name
        value = numerator if denominator is None else numerator / denominator
        assert figures["value"] == pytest.approx(value), name


def test_the_kpi_table_names_every_kpi(demo_lake: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, lake = demo_lake
    assert main(["kpis", "--lake", str(lake), "--commune", "brussels", "--period", "2024-04"]) == 0
    table = capsys.readouterr().out
    for name in ("requests_volume", "digital_take_up", "after_hours_share"):
        assert name in table
    assert main(["kpis", "--lake", str(lake), "--commune", "ixelles", "--period", "2024"]) == 1
    assert "commune 'ixelles' is not in the lake; it holds: brussels" in capsys.readouterr().err


def test_gold_holds_the_marts_and_a_rerun_loads_nothing_twice(demo_lake: tuple[Path, Path]) -> None:
    sources, lake = demo_lake
    gold = {path.stem for path in (lake / "gold").glob("*.parquet")}
    assert {"dim_commune", "fct_requests", "kpi_adoption"} <= gold
    partitions = sorted((lake / "bronze").rglob("data.parquet"))
    assert partitions, "no bronze partition written"
    before = {path: path.stat().st_mtime_ns for path in partitions}
    requests = sorted((lake / "bronze" / "request").rglob("data.parquet"))
    bronze_rows = sum(pq.read_metadata(path).num_rows for path in requests)
    fct_rows = pq.read_metadata(lake / "gold" / "fct_requests.parquet").num_rows

    again = _run(sources, lake)

    after = sorted((lake / "bronze").rglob("data.parquet"))
    assert after == partitions
    assert {path: path.stat().st_mtime_ns for path in after} == before  # not one partition rewritten
    assert all(counts["rows_new"] == 0 for counts in again.bronze_counts.values())
    assert pq.read_metadata(lake / "gold" / "fct_requests.parquet").num_rows == fct_rows == bronze_rows


def source_identifiers(sources: Path) -> set[str]:
    """The personal identifiers in clear in the demo sources of brussels."""
    identifiers: set[str] = set()
    # Names, e-mail addresses and phone numbers of the booking export; callers' numbers of the queue_log;
    # national register numbers of the portal log.
    with (sources / "brussels" / "appointments" / "bookings.csv").open(encoding="utf-8") as bookings:
        for booking in csv.DictReader(bookings):
            identifiers |= {booking["citizen_name"], booking["citizen_email"], booking["citizen_phone"]} - {""}
    for line in (sources / "brussels" / "telephony" / "queue_log").read_text(encoding="utf-8").splitlines():
        fields = line.split("|")
        if fields[4] == "ENTERQUEUE" and fields[6]:
            identifiers.add(fields[6])
    for line in (sources / "brussels" / "portal" / "logins.jsonl").read_text(encoding="utf-8").splitlines():
        identifiers.add(json.loads(line)["national_register_number"])
    for page in (sources / "brussels" / "crm" / "contacts").glob("*.json"):
        for contact in json.loads(page.read_text(encoding="utf-8"))["value"]:
            number = contact.get("cl_nationalregisternumber") or ""
            fields = (contact.get(name) for name in ("fullname", "emailaddress1", "telephone1"))
            identifiers |= {value for value in (*fields, number, "".join(filter(str.isdigit, number))) if value}
    return identifiers


def test_no_personal_data_from_the_sources_reaches_the_lake(demo_lake: tuple[Path, Path]) -> None:
    sources, lake = demo_lake
    identifiers = source_identifiers(sources)
    assert len(identifiers) > 100
    # Every distinct text or integer value of every table in the lake (Parquet files and the DuckDB file):
    # an identifier in clear would be one of them, or inside one (a quarantined raw record).
    values: set[str] = set()
    with duckdb.connect() as connection:
        for path in lake.rglob("*.parquet"):
            values |= _distinct_values(connection, f"read_parquet('{path}')")
    with duckdb.connect(str(lake / "civiclake.duckdb"), read_only=True) as connection:
        for (table,) in connection.execute("select table_name from information_schema.tables").fetchall():
            values |= _distinct_values(connection, f'"{table}"')
    # Keyed hashes cannot hold an identifier in clear: leaving them out keeps the scan fast.
    lake_text = "\n".join(value for value in values if not re.fullmatch(r"[0-9a-f]{64}", value))
    found = sorted(identifier for identifier in identifiers if identifier in lake_text)
    assert not found, f"personal data in the lake: {found[:5]}"


def _distinct_values(connection: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    columns = connection.execute(f"describe select * from {relation}").fetchall()
    wanted = [name for name, kind, *_ in columns if kind == "VARCHAR" or "INT" in kind or kind.endswith("[]")]
    values: set[str] = set()
    for name in wanted:
        rows = connection.execute(f'select distinct cast("{name}" as varchar) from {relation}').fetchall()
        values.update(value for (value,) in rows if value)
    return values


def test_a_failing_asset_makes_run_exit_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "civiclake.yaml"
    text = (PROJECT_ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    config.write_text(text.split('MINIMAL_CONFIG = """\\\n')[1].split('"""')[0], encoding="utf-8")
    # The configuration is valid, but the CRM export it names does not exist.
    completed = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--config", str(config), "--lake", str(tmp_path / "lake")],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env={**os.environ}, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 1
    assert "stage 'bronze, 2024-01-01 to" in completed.stderr
    assert "expected an 'incidents' folder" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_gold_holds_the_data_quality_tables_of_the_run(demo_run: tuple[Path, Path, RunSummary]) -> None:
    # The loads, quarantine, quality results and freshness, built from the lake's own files by the gold
    # export, agree with what the run reported and with bronze itself.
    _, lake, summary = demo_run
    gold = lake / "gold"
    with duckdb.connect() as connection:
        loads = connection.execute(
            f"select entity, sum(rows_read), sum(rows_loaded), sum(rows_quarantined), sum(rows_outside_window), "
            f"bool_and(is_balanced) from read_parquet('{gold / 'fct_source_loads.parquet'}') "
            "where is_latest_load group by entity"
        ).fetchall()
        assert {entity for entity, *_ in loads} == set(ENTITIES)
        for entity, read, loaded, quarantined, outside, balanced in loads:
            counts = summary.bronze_counts[f"bronze/{entity}"]
            assert (read, loaded, quarantined, outside) == (
                counts["rows_read"], counts["rows_loaded"], counts["rows_quarantined"], counts["rows_outside_window"],
            ), entity  # fmt: skip
            assert balanced and read == loaded + quarantined + outside, entity
        freshness = dict(
            connection.execute(
                f"select entity, sum(rows_in_bronze) from read_parquet('{gold / 'dim_source_freshness.parquet'}') "
                "group by entity"
            ).fetchall()
        )
        for entity in ENTITIES:
            files = sorted((lake / "bronze" / entity).rglob("data.parquet"))
            assert freshness[entity] == sum(pq.read_metadata(path).num_rows for path in files), entity
        (last_day,) = connection.execute(
            f"select max(last_event_date_local) from read_parquet('{gold / 'dim_source_freshness.parquet'}') "
            "where entity = 'request'"
        ).fetchone()
        assert FIRST_DAY <= last_day <= LAST_DAY
        results = connection.execute(
            f"select entity, count(*), bool_and(success) filter (where severity = 'critical') "
            f"from read_parquet('{gold / 'fct_quality_results.parquet'}') where is_latest_run group by entity"
        ).fetchall()
        assert {entity for entity, *_ in results} == set(ENTITIES)
        assert all(count > 0 and critical_ok for _, count, critical_ok in results)
        (quarantined,) = connection.execute(
            f"select coalesce(sum(rows), 0) from read_parquet('{gold / 'fct_quarantine_reasons.parquet'}')"
        ).fetchone()
        assert quarantined >= max(counts["rows_quarantined"] for counts in summary.bronze_counts.values())
    assert {path.parent.name for path in (lake / "audit" / "loads").glob("*/*.json")} == set(ENTITIES)
