"""The contact-centre models (fct_calls, kpi_contact_centre) built with dbt on a hand-made bronze lake.

The reference tables come from tests/test_dbt_models.py; the calls below are written in the bronze
contract (docs/data-contracts.md: `bronze/call/commune=<id>/date=<local day>/data.parquet`), and every
expected figure is computed by hand in the comments, from the local time of each call.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.schemas import ENTITY_SCHEMAS
from tests.test_dbt_models import TIMEZONES, run_dbt, write_bronze_lake

LINEAGE_SCHEMA = pa.schema(
    [
        ("_source", pa.string()),
        ("_batch_id", pa.string()),
        ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ("_row_hash", pa.string()),
    ]
)
LOAD_1 = datetime(2024, 11, 1, 1, 0, tzinfo=UTC)
LOAD_2 = datetime(2024, 11, 2, 1, 0, tzinfo=UTC)
AGENT = hashlib.sha256(b"agent-1").hexdigest()


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def call(
    call_id: str,
    entered: datetime,
    outcome: str | None,
    wait: float | None,
    talk: float | None = None,
    queue: str = "population",
    commune: str = "brussels",
    load: datetime = LOAD_1,
) -> dict:
    answered = outcome in ("answered", "transferred")
    return {
        "commune_id": commune,
        "call_id": call_id,
        "queue": queue,
        "entered_at": entered,
        "answered_at": entered if answered else None,
        "ended_at": None,
        "outcome": outcome,
        "wait_s": wait,
        "talk_s": talk,
        "agent_key": AGENT if answered else None,
        "_ingested_at": load,
    }


# Thresholds: short abandon under 5 s (strictly), service level T = 20 s (answered at <= 20 s is within,
# abandoned at > 20 s is after T).
#
# call  UTC               local (Europe/Brussels)   queue       outcome      wait   talk   class
# k01   03-31 00:30       Sun 03-31 01:30 (CET)     population  answered     20     120    answered, within T
# k02   03-31 10:00       Sun 03-31 12:00 (CEST)    population  abandoned    4      -      short abandon
# k03   03-31 10:05       Sun 03-31 12:05           population  abandoned    5.0    -      abandoned (5.0 not short)
# k04   06-04 08:00       Tue 06-04 10:00           etat-civil  answered     21     300    answered, not within
# k05   06-04 08:10       Tue 06-04 10:10           etat-civil  transferred  3.25   45.25  answered, within T
# k06   06-04 09:00       Tue 06-04 11:00           etat-civil  abandoned    25     -      abandoned after T
# k07   06-04 09:30       Tue 06-04 11:30           population  timeout      10     -      abandoned, not after T
#       (k07 was first loaded with no outcome; the second load wins)
# k08   10-26 22:30       Sun 10-27 00:30 (CEST)    population  exit_empty   30     -      abandoned after T
# k10   10-27 10:00       Sun 10-27 11:00 (CET)     population  (null)       -      -      not offered: no outcome yet
# k09   10-27 23:30       Mon 10-28 00:30 (CET)     population  answered     0      10     answered, within T
# n01   06-04 14:00       Tue 06-04 10:00 (EDT, nyc) general    answered     50     60     answered, not within
CALLS = [
    call("k01", utc(2024, 3, 31, 0, 30), "answered", 20.0, 120.0),
    call("k02", utc(2024, 3, 31, 10, 0), "abandoned", 4.0),
    call("k03", utc(2024, 3, 31, 10, 5), "abandoned", 5.0),
    call("k04", utc(2024, 6, 4, 8, 0), "answered", 21.0, 300.0, queue="etat-civil"),
    call("k05", utc(2024, 6, 4, 8, 10), "transferred", 3.25, 45.25, queue="etat-civil"),
    call("k06", utc(2024, 6, 4, 9, 0), "abandoned", 25.0, queue="etat-civil"),
    call("k07", utc(2024, 6, 4, 9, 30), None, None),
    call("k07", utc(2024, 6, 4, 9, 30), "timeout", 10.0, load=LOAD_2),
    call("k08", utc(2024, 10, 26, 22, 30), "exit_empty", 30.0),
    call("k10", utc(2024, 10, 27, 10, 0), None, None),
    call("k09", utc(2024, 10, 27, 23, 30), "answered", 0.0, 10.0),
    call("n01", utc(2024, 6, 4, 14, 0), "answered", 50.0, 60.0, queue="general", commune="nyc"),
]

# Year 2024, brussels, breakdown all:
#   offered   k01..k09 = 9 (k10 has no outcome)     answered k01 k04 k05 k09 = 4
#   abandoned k03 k06 k07 k08 = 4                  short abandoned k02 = 1          (4 + 4 + 1 = 9)
#   abandonment_rate 4 / 9; within T k01 k05 k09 = 3; abandoned after T k06 k08 = 2
#   service_level 3 / (4 + 2) = 0.5
#   ASA   waits 20 + 21 + 3.25 + 0 = 44.25 over 4 = 11.0625 (numerator rounded: 44)
#   AHT   talks 120 + 300 + 45.25 + 10 = 475.25 over 4 = 118.8125 (numerator rounded: 475)
# queue population (k01 k02 k03 k07 k08 k09): offered 6, answered 2, abandoned 3, short 1,
#   abandonment 3 / 6, service_level (k01 k09) 2 / (2 + 1 (k08)), ASA 20 / 2 = 10, AHT 130 / 2 = 65
# queue etat-civil (k04 k05 k06): offered 3, answered 2, abandoned 1, short 0,
#   abandonment 1 / 3, service_level (k05) 1 / (2 + 1 (k06)), ASA 24.25 / 2 = 12.125 (numerator 24),
#   AHT 345.25 / 2 = 172.625 (numerator 345)
# nyc, general: offered 1, answered 1, abandoned 0, short 0, abandonment 0 / 1, service_level 0 / 1,
#   ASA 50, AHT 60
# (commune, breakdown_value) -> kpi_name -> (numerator, denominator, value)
EXPECTED_YEAR = {
    ("brussels", "all"): {
        "calls_offered": (9, None, 9.0),
        "calls_answered": (4, None, 4.0),
        "calls_abandoned": (4, None, 4.0),
        "calls_short_abandoned": (1, None, 1.0),
        "abandonment_rate": (4, 9, 4 / 9),
        "service_level": (3, 6, 0.5),
        "average_speed_of_answer": (44, 4, 11.0625),
        "average_handle_time": (475, 4, 118.8125),
    },
    ("brussels", "population"): {
        "calls_offered": (6, None, 6.0),
        "calls_answered": (2, None, 2.0),
        "calls_abandoned": (3, None, 3.0),
        "calls_short_abandoned": (1, None, 1.0),
        "abandonment_rate": (3, 6, 0.5),
        "service_level": (2, 3, 2 / 3),
        "average_speed_of_answer": (20, 2, 10.0),
        "average_handle_time": (130, 2, 65.0),
    },
    ("brussels", "etat-civil"): {
        "calls_offered": (3, None, 3.0),
        "calls_answered": (2, None, 2.0),
        "calls_abandoned": (1, None, 1.0),
        "calls_short_abandoned": (0, None, 0.0),
        "abandonment_rate": (1, 3, 1 / 3),
        "service_level": (1, 3, 1 / 3),
        "average_speed_of_answer": (24, 2, 12.125),
        "average_handle_time": (345, 2, 172.625),
    },
    ("nyc", "all"): {
        "calls_offered": (1, None, 1.0),
        "calls_answered": (1, None, 1.0),
        "calls_abandoned": (0, None, 0.0),
        "calls_short_abandoned": (0, None, 0.0),
        "abandonment_rate": (0, 1, 0.0),
        "service_level": (0, 1, 0.0),
        "average_speed_of_answer": (50, 1, 50.0),
        "average_handle_time": (60, 1, 60.0),
    },
}
EXPECTED_YEAR[("nyc", "general")] = EXPECTED_YEAR[("nyc", "all")]

# Local days of brussels, breakdown all: (offered, answered, abandoned, short abandoned).
# 10-26 has no call in local time (k08 is on 10-26 in UTC only): reported with zeros.
EXPECTED_DAYS = {
    "2024-03-31": (3, 1, 1, 1),
    "2024-06-04": (4, 2, 2, 0),
    "2024-10-26": (0, 0, 0, 0),
    "2024-10-27": (1, 0, 1, 0),
    "2024-10-28": (1, 1, 0, 0),
}

# call -> (local date, local hour, is_offered, is_answered, is_abandoned, is_short_abandon,
#          answered_within_threshold, abandoned_after_threshold)
EXPECTED_CALLS = {
    "k01": (date(2024, 3, 31), 1, True, True, False, False, True, False),
    "k02": (date(2024, 3, 31), 12, True, False, False, True, False, False),
    "k03": (date(2024, 3, 31), 12, True, False, True, False, False, False),
    "k04": (date(2024, 6, 4), 10, True, True, False, False, False, False),
    "k05": (date(2024, 6, 4), 10, True, True, False, False, True, False),
    "k06": (date(2024, 6, 4), 11, True, False, True, False, False, True),
    "k07": (date(2024, 6, 4), 11, True, False, True, False, False, False),
    "k08": (date(2024, 10, 27), 0, True, False, True, False, False, True),
    "k09": (date(2024, 10, 28), 0, True, True, False, False, True, False),
    "k10": (date(2024, 10, 27), 11, False, False, False, False, False, False),
    "n01": (date(2024, 6, 4), 10, True, True, False, False, False, False),
}

UNITS = {
    "calls_offered": "count",
    "calls_answered": "count",
    "calls_abandoned": "count",
    "calls_short_abandoned": "count",
    "abandonment_rate": "share",
    "service_level": "share",
    "average_speed_of_answer": "seconds",
    "average_handle_time": "seconds",
}

MY_UNIT_TESTS = {
    "int_calls__outcomes_classification_at_the_thresholds",
    "int_calls__outcomes_thresholds_are_vars",
    "int_calls__period_counts_days_without_calls_and_queues",
    "kpi_contact_centre_ratios_means_and_empty_periods",
}


def write_calls(lake: Path, calls: list[dict] = CALLS) -> None:
    """Writes the calls in bronze, one file per commune and local day of entered_at."""
    schema = pa.schema(list(ENTITY_SCHEMAS["call"]) + list(LINEAGE_SCHEMA))
    files: dict[Path, list[dict]] = {}
    for values in calls:
        row = {name: values[name] for name in ENTITY_SCHEMAS["call"].names}
        load = values["_ingested_at"]
        batch = "load-1" if load == LOAD_1 else "load-2"
        row |= {"_source": "fixture:call", "_batch_id": batch, "_ingested_at": load}
        row["_row_hash"] = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
        local_day = row["entered_at"].astimezone(ZoneInfo(TIMEZONES[row["commune_id"]])).date()
        folder = lake / "bronze" / "call" / f"commune={row['commune_id']}" / f"date={local_day.isoformat()}"
        files.setdefault(folder, []).append(row)
    for folder, rows in files.items():
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "data.parquet")


def query(work: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(work / "civiclake.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("dbt_contact_centre")
    lake, work = root / "lake", root / "work"
    write_bronze_lake(lake)
    write_calls(lake)
    work.mkdir()
    # Only the contact-centre lineage (and dim_commune, which its relationships tests read); tests that
    # also read models outside it are left to the other test files (cautious indirect selection).
    select = ["--select", "+kpi_contact_centre", "dim_commune", "--indirect-selection", "cautious"]
    result = run_dbt(["build", *select], lake, work)
    assert result.returncode == 0, f"exit code {result.returncode}\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return work, {r["unique_id"]: r["status"] for r in results}


def test_build_runs_models_data_tests_and_unit_tests(built: tuple[Path, dict[str, str]]) -> None:
    _, status = built
    assert all(s in {"success", "pass"} for s in status.values()), status
    for model in ("int_calls__outcomes", "int_calls__period_counts", "fct_calls", "kpi_contact_centre"):
        assert status[f"model.civiclake.{model}"] == "success"
    assert any("kpi_long_format_kpi_contact_centre" in uid for uid in status)
    unit_tests = {uid.rsplit(".", 1)[-1] for uid in status if uid.startswith("unit_test.")}
    assert unit_tests >= MY_UNIT_TESTS


def test_fct_calls_local_time_and_flags(built: tuple[Path, dict[str, str]]) -> None:
    work, _ = built
    rows = query(
        work,
        "select call_id, entered_date_local, entered_hour_local, is_offered, is_answered, is_abandoned, "
        "is_short_abandon, answered_within_threshold, abandoned_after_threshold from main.fct_calls",
    )
    assert {r[0]: r[1:] for r in rows} == EXPECTED_CALLS


def test_fct_calls_keeps_the_latest_load(built: tuple[Path, dict[str, str]]) -> None:
    work, _ = built
    assert query(work, "select outcome, wait_s from main.fct_calls where call_id = 'k07'") == [("timeout", 10.0)]


@pytest.mark.parametrize("commune_id, breakdown_value", sorted(EXPECTED_YEAR))
def test_year_totals_match_hand_computation(
    built: tuple[Path, dict[str, str]], commune_id: str, breakdown_value: str
) -> None:
    work, _ = built
    breakdown = "all" if breakdown_value == "all" else "queue"
    rows = query(
        work,
        "select kpi_name, numerator, denominator, value, period_start, period_end, unit "
        "from main.kpi_contact_centre where period_type = 'year' and period = '2024' "
        f"and commune_id = '{commune_id}' and breakdown = '{breakdown}' and breakdown_value = '{breakdown_value}'",
    )
    expected = EXPECTED_YEAR[(commune_id, breakdown_value)]
    actual = {r[0]: r[1:] for r in rows}
    assert set(actual) == set(expected)
    for kpi_name, (numerator, denominator, value) in expected.items():
        got_numerator, got_denominator, got_value, start, end, unit = actual[kpi_name]
        assert (got_numerator, got_denominator) == (numerator, denominator), kpi_name
        assert got_value == pytest.approx(value, abs=1e-12), kpi_name
        assert (start, end) == (date(2024, 1, 1), date(2024, 12, 31))
        assert unit == UNITS[kpi_name], kpi_name


def test_local_days_are_gap_free_and_counted_in_local_time(built: tuple[Path, dict[str, str]]) -> None:
    work, _ = built
    rows = query(
        work,
        "select period, kpi_name, numerator, denominator, value from main.kpi_contact_centre "
        "where commune_id = 'brussels' and period_type = 'day' and breakdown = 'all'",
    )
    by_day: dict[str, dict[str, tuple]] = {}
    for period, kpi_name, numerator, denominator, value in rows:
        by_day.setdefault(period, {})[kpi_name] = (numerator, denominator, value)
    # from 2024-03-31 to 2024-10-28: 1 + 30 + 31 + 30 + 31 + 31 + 30 + 28 = 212 days, no gap
    assert len(by_day) == 212
    assert min(by_day) == "2024-03-31" and max(by_day) == "2024-10-28"
    for day, (offered, answered, abandoned, short) in EXPECTED_DAYS.items():
        kpis = by_day[day]
        got = tuple(kpis[k][0] for k in ("calls_offered", "calls_answered", "calls_abandoned", "calls_short_abandoned"))
        assert got == (offered, answered, abandoned, short), day
    # a day without calls: 0 offered, ratios and means null over a zero denominator
    empty = by_day["2024-10-26"]
    assert empty["calls_offered"] == (0, None, 0.0)
    for kpi_name in ("abandonment_rate", "service_level", "average_speed_of_answer", "average_handle_time"):
        assert empty[kpi_name] == (0, 0, None), kpi_name


def test_every_queue_has_every_day(built: tuple[Path, dict[str, str]]) -> None:
    work, _ = built
    rows = query(
        work,
        "select breakdown_value, count(distinct period), sum(numerator) from main.kpi_contact_centre "
        "where commune_id = 'brussels' and period_type = 'day' and kpi_name = 'calls_offered' "
        "and breakdown = 'queue' group by breakdown_value",
    )
    assert sorted(rows) == [("etat-civil", 212, 3), ("population", 212, 6)]


def test_kpi_contact_centre_column_types_follow_the_gold_contract(built: tuple[Path, dict[str, str]]) -> None:
    work, _ = built
    types = query(
        work,
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'kpi_contact_centre' order by ordinal_position",
    )
    assert types == [
        ("commune_id", "VARCHAR"),
        ("period_type", "VARCHAR"),
        ("period", "VARCHAR"),
        ("period_start", "DATE"),
        ("period_end", "DATE"),
        ("kpi_name", "VARCHAR"),
        ("breakdown", "VARCHAR"),
        ("breakdown_value", "VARCHAR"),
        ("numerator", "BIGINT"),
        ("denominator", "BIGINT"),
        ("value", "DOUBLE"),
        ("unit", "VARCHAR"),
        ("detail", "VARCHAR"),
    ]
