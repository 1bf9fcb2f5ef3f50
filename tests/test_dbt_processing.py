"""The processing and bottleneck models (dbt/models/intermediate/case_events, marts/processing).

A small hand-made bronze lake: the reference tables written by pipelines/reference.py from a
configuration that declares the closing activities of process P, a catalogue, requests and case
events in the bronze contract. Every expected figure is computed by hand in the comments below.

brussels (Europe/Brussels, CEST = UTC+2 over the whole fixture). Process P closes with `close` or
`cancel`. Services: S (process P, SLA 10 days), T (process P, no SLA).

case  request (channel, service, closed_at)      events (UTC)
c1    r1 (portal, S, closed 06-14: ignored)       register 06-03 08:00; check 06-04 08:00-09:00;
                                                 ask 06-05 08:00; check 06-06 08:00-08:30;
                                                 close 06-13 08:00 -> closed by activity, 10 d exactly
c2    r2 (counter, S, closed 06-13 08:00:01)      register 06-03 08:00; check 06-04 10:00-10:30
                                                 -> closed by its request, 10 d + 1 s
c3    r3 (portal, S, open)                        register 06-22 22:30 (local 06-23 00:30);
                                                 check (complete only) 06-24 08:00 -> open
c4    r4 (phone, S, open)                         register 06-22 21:30 (local 06-22 23:30) -> open
c5    r99 (not in the CRM)                        register 06-10 08:00; archive and close 06-12 08:00
                                                 (same instant: close sorts last) -> closed, 2 d
c6    r6 (app, T, open in the CRM)                register 06-20 08:00; close 07-02 08:00 -> 12 d
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
import yaml

from connectors.schemas import ENTITY_SCHEMAS
from pipelines.config import CivicConfig
from pipelines.reference import REFERENCE_TABLES
from tests.conftest import MINIMAL_CONFIG
from tests.test_dbt_models import run_dbt

TZ = ZoneInfo("Europe/Brussels")
LOAD = datetime(2024, 7, 3, 1, 0, tzinfo=UTC)
DAY = 86400.0

PROCESSING_SELECTION = [
    "+kpi_processing",
    "+kpi_process_transitions",
    "+kpi_process_variants",
    "+fct_cases",
    "+fct_case_events",
    "+fct_case_transitions",
    "dim_commune",
]

LINEAGE = pa.schema(
    [
        ("_source", pa.string()),
        ("_batch_id", pa.string()),
        ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ("_row_hash", pa.string()),
    ]
)


def utc(mo: int, d: int, h: int, mi: int = 0, s: int = 0) -> datetime:
    return datetime(2024, mo, d, h, mi, s, tzinfo=UTC)


REQUESTS = [
    # request, channel, service, created_at, closed_at, status
    ("r1", "portal", "S", utc(6, 3, 7, 55), utc(6, 14, 8), "closed"),
    ("r2", "counter", "S", utc(6, 3, 7, 55), utc(6, 13, 8, 0, 1), "closed"),
    ("r3", "portal", "S", utc(6, 22, 22, 25), None, "open"),
    ("r4", "phone", "S", utc(6, 22, 21, 25), None, "open"),
    ("r6", "app", "T", utc(6, 20, 7, 55), None, "open"),
]

EVENTS = [
    # case, request, activity, lifecycle, event_at
    ("c1", "r1", "register", "complete", utc(6, 3, 8)),
    ("c1", "r1", "check", "start", utc(6, 4, 8)),
    ("c1", "r1", "check", "complete", utc(6, 4, 9)),
    ("c1", "r1", "ask", "complete", utc(6, 5, 8)),
    ("c1", "r1", "check", "start", utc(6, 6, 8)),
    ("c1", "r1", "check", "complete", utc(6, 6, 8, 30)),
    ("c1", "r1", "close", "complete", utc(6, 13, 8)),
    ("c2", "r2", "register", "complete", utc(6, 3, 8)),
    ("c2", "r2", "check", "start", utc(6, 4, 10)),
    ("c2", "r2", "check", "complete", utc(6, 4, 10, 30)),
    ("c3", "r3", "register", "complete", utc(6, 22, 22, 30)),
    ("c3", "r3", "check", "complete", utc(6, 24, 8)),
    ("c4", "r4", "register", "complete", utc(6, 22, 21, 30)),
    ("c5", "r99", "register", "complete", utc(6, 10, 8)),
    ("c5", "r99", "close", "complete", utc(6, 12, 8)),
    ("c5", "r99", "archive", "complete", utc(6, 12, 8)),
    ("c6", "r6", "register", "complete", utc(6, 20, 8)),
    ("c6", "r6", "close", "complete", utc(7, 2, 8)),
]


def processing_config() -> CivicConfig:
    raw = yaml.safe_load(MINIMAL_CONFIG)
    raw["communes"][0]["processes"] = {"P": {"closing_activities": ["close", "cancel"]}}
    return CivicConfig.model_validate(raw)


def _with_lineage(rows: list[dict], schema: pa.Schema, source: str) -> pa.Table:
    for row in rows:
        row |= {"_source": source, "_batch_id": "load-1", "_ingested_at": LOAD}
        row["_row_hash"] = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
    return pa.Table.from_pylist(rows, schema=pa.schema(list(schema) + list(LINEAGE)))


def _write_partitioned(lake: Path, entity: str, rows: list[dict], time_column: str) -> None:
    days: dict[date, list[dict]] = {}
    for row in rows:
        days.setdefault(row[time_column].astimezone(TZ).date(), []).append(row)
    for day, day_rows in days.items():
        folder = lake / "bronze" / entity / "commune=brussels" / f"date={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(_with_lineage(day_rows, ENTITY_SCHEMAS[entity], f"fixture:{entity}"), folder / "data.parquet")


def write_processing_lake(lake: Path, config: CivicConfig) -> None:
    for name, build_table in REFERENCE_TABLES.items():
        folder = lake / "bronze" / name
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(build_table(config), folder / "data.parquet")
    services = [
        {"commune_id": "brussels", "service_code": "S", "name_en": "Service S", "process_code": "P", "sla_days": 10},
        {"commune_id": "brussels", "service_code": "T", "name_en": "Service T", "process_code": "P", "sla_days": None},
    ]
    services = [{name: row.get(name) for name in ENTITY_SCHEMAS["service"].names} for row in services]
    folder = lake / "bronze" / "service" / "commune=brussels"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(_with_lineage(services, ENTITY_SCHEMAS["service"], "fixture:service"), folder / "data.parquet")
    requests = [
        {
            "commune_id": "brussels", "request_id": rid, "service_code": service, "channel": channel,
            "created_at": created, "closed_at": closed, "status": status, "citizen_key": None,
            "source_system": "fixture",
        }
        for rid, channel, service, created, closed, status in REQUESTS
    ]  # fmt: skip
    _write_partitioned(lake, "request", requests, "created_at")
    events = [
        {
            "commune_id": "brussels", "case_id": case, "request_id": rid, "process_code": "P",
            "activity": activity, "lifecycle": lifecycle, "event_at": at, "resource_key": None,
        }
        for case, rid, activity, lifecycle, at in EVENTS
    ]  # fmt: skip
    _write_partitioned(lake, "case_event", events, "event_at")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dbt_processing")
    lake, work = root / "lake", root / "work"
    config = processing_config()
    write_processing_lake(lake, config)
    work.mkdir()
    result = run_dbt(["build", "--select", *PROCESSING_SELECTION, "--indirect-selection", "cautious"], lake, work)
    assert result.returncode == 0, f"{result.stdout[-8000:]}\n{result.stderr[-3000:]}"
    return work


def query(work: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(work / "civiclake.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def kpi(work: Path, name: str, period_type: str, period: str, breakdown: str = "all", value: str = "all") -> tuple:
    rows = query(
        work,
        "select numerator, denominator, value, detail from main.kpi_processing "
        f"where commune_id = 'brussels' and kpi_name = '{name}' and period_type = '{period_type}' "
        f"and period = '{period}' and breakdown = '{breakdown}' and breakdown_value = '{value}'",
    )
    assert len(rows) <= 1
    return rows[0] if rows else None


# --- tests ---------------------------------------------------------------------------------------------


def test_the_build_ran_every_processing_model_and_its_unit_tests(built: Path) -> None:
    results = json.loads((built / "target" / "run_results.json").read_text())["results"]
    status = {r["unique_id"]: r["status"] for r in results}
    assert all(s in {"success", "pass"} for s in status.values()), status
    models = (
        "fct_cases", "fct_case_events", "fct_case_transitions", "kpi_processing", "kpi_process_transitions",
        "kpi_process_variants", "stg_bronze__process_closing_activities",
    )  # fmt: skip
    for model in models:
        assert status.get(f"model.civiclake.{model}") == "success", model
    unit_tests = [uid for uid in status if uid.startswith("unit_test.civiclake.int_case_events__")]
    assert len(unit_tests) >= 5


def test_closing_activities_come_from_the_configuration(built: Path) -> None:
    assert sorted(query(built, "select * from main.stg_bronze__process_closing_activities")) == [
        ("brussels", "P", "cancel"),
        ("brussels", "P", "close"),
    ]


def test_cases_close_by_activity_or_by_request(built: Path) -> None:
    rows = query(
        built,
        "select case_id, channel, is_closed, closed_by, closed_date_local, lead_time_seconds, is_within_sla, "
        "case_duration_seconds, variant from main.fct_cases order by case_id",
    )
    assert rows == [
        # 06-03 08:00 -> 06-13 08:00 = 864000 s = 10 x 86400: the SLA is met exactly
        ("c1", "portal", True, "closing_activity", date(2024, 6, 13), 864000.0, True, 864000.0,
         "register -> check -> ask -> check -> close"),
        # request closed 06-13 08:00:01: one second over; the case's events end 06-04 10:30 (1 d 2 h 30)
        ("c2", "counter", True, "request", date(2024, 6, 13), 864001.0, False, 95400.0, "register -> check"),
        # 06-22 22:30 -> 06-24 08:00 = 1 d 9 h 30 = 120600 s
        ("c3", "portal", False, None, None, None, None, 120600.0, "register -> check"),
        ("c4", "phone", False, None, None, None, None, 0.0, "register"),
        # archive and close at the same instant: close is taken as the last event
        ("c5", "unknown", True, "closing_activity", date(2024, 6, 12), 2 * DAY, None, 2 * DAY,
         "register -> archive -> close"),
        ("c6", "app", True, "closing_activity", date(2024, 7, 2), 12 * DAY, None, 12 * DAY, "register -> close"),
    ]  # fmt: skip


def test_lead_time_and_sla_by_period_of_closing(built: Path) -> None:
    # June: c1 864000, c2 864001, c5 172800 s -> days [2, 10, 10 + 1/86400]
    assert kpi(built, "lead_time_median_days", "month", "2024-06")[1:3] == (3, pytest.approx(10.0))
    # p90 (inclusive): position 0.9 x 2 = 1.8 -> 10 + 0.8 x (1 / 86400)
    assert kpi(built, "lead_time_p90_days", "month", "2024-06")[2] == pytest.approx(10 + 0.8 / 86400, abs=1e-9)
    # mean: (864000 + 864001 + 172800) / 3 s
    assert kpi(built, "lead_time_mean_days", "month", "2024-06")[:3] == (1900801, 3, pytest.approx(1900801 / 3 / 86400))
    # SLA: c1 within, c2 one second over; c5 has no SLA
    assert kpi(built, "sla_compliance", "month", "2024-06")[:3] == (1, 2, pytest.approx(0.5))
    # July: c6 only, its service has no SLA: 0 / 0 -> null
    assert kpi(built, "sla_compliance", "month", "2024-07")[:3] == (0, 0, None)
    assert kpi(built, "lead_time_median_days", "month", "2024-07")[2] == pytest.approx(12.0)
    # year 2024: [2, 10, 10 + 1/86400, 12] -> median (10 + 10 + 1/86400) / 2
    assert kpi(built, "lead_time_median_days", "year", "2024")[2] == pytest.approx(10 + 0.5 / 86400, abs=1e-9)
    # per channel and process x channel in June
    assert kpi(built, "lead_time_median_days", "month", "2024-06", "channel", "portal")[2] == pytest.approx(10.0)
    assert kpi(built, "lead_time_median_days", "month", "2024-06", "channel", "unknown")[2] == pytest.approx(2.0)
    assert kpi(built, "sla_compliance", "month", "2024-06", "process_channel", "P / counter")[:3] == (0, 1, 0.0)


def test_throughput_opened_and_closed(built: Path) -> None:
    # opened (local day of the first event): all six in June; closed: c1 c2 c5 in June, c6 in July
    assert kpi(built, "cases_opened", "month", "2024-06")[:3] == (6, None, 6.0)
    assert kpi(built, "cases_closed", "month", "2024-06")[:3] == (3, None, 3.0)
    assert kpi(built, "cases_closed", "month", "2024-07")[:3] == (1, None, 1.0)
    # ISO week 2024-W25 (06-17..06-23): c3 (local 06-23), c4 (06-22), c6 (06-20)
    assert kpi(built, "cases_opened", "week", "2024-W25")[0] == 3


def test_backlog_at_the_period_end_with_age_buckets(built: Path) -> None:
    # 06-30: open c3 (first local day 06-23: 7 days, 0-7), c4 (06-22: 8 days, 8-30), c6 (06-20: 10, 8-30)
    june = {
        value: kpi(built, "backlog_open_cases", "month", "2024-06", breakdown, value)[0]
        for breakdown, value in [("all", "all"), ("age_bucket", "0-7"), ("age_bucket", "8-30"),
                                 ("age_bucket", "31-90"), ("age_bucket", "over 90")]
    }  # fmt: skip
    assert june == {"all": 3, "0-7": 1, "8-30": 2, "31-90": 0, "over 90": 0}
    # July ends after the data (last day 07-02): measured on 07-02, when c6 has closed; c3 9 days, c4 10
    assert kpi(built, "backlog_open_cases", "month", "2024-07")[0] == 2
    assert kpi(built, "backlog_open_cases", "month", "2024-07", "age_bucket", "8-30")[0] == 2
    assert kpi(built, "backlog_open_cases", "year", "2024")[0] == 2
    # day 06-22: c6 (age 2) and c4 (opened 23:30 local that day, age 0); c3 opens on local 06-23
    assert kpi(built, "backlog_open_cases", "day", "2024-06-22")[0] == 2
    assert kpi(built, "backlog_open_cases", "day", "2024-06-22", "age_bucket", "0-7")[0] == 2
    # day 06-13: c1 and c2 closed that day are no longer open; c5 closed 06-12; none of c3 c4 c6 yet
    assert kpi(built, "backlog_open_cases", "day", "2024-06-13")[0] == 0


def test_rework_rate_counts_activity_instances(built: Path) -> None:
    # check occurs twice in c1 (two start/complete pairs), once in c2 and c3
    assert kpi(built, "rework_rate", "month", "2024-06", "process_activity", "P / check")[:3] == (
        1,
        3,
        pytest.approx(1 / 3),
    )
    assert kpi(built, "rework_rate", "month", "2024-06", "process_activity", "P / register")[:3] == (0, 6, 0.0)
    assert kpi(built, "rework_rate", "month", "2024-06")[:3] == (1, 6, pytest.approx(1 / 6))


def test_transition_waits_and_bottlenecks(built: Path) -> None:
    rows = query(
        built,
        "select from_activity, to_activity, transition_count, wait_total_days, wait_median_days, "
        "is_bottleneck_total, is_bottleneck_median from main.kpi_process_transitions "
        "where period_type = 'month' and period = '2024-06' order by from_activity, to_activity",
    )
    assert rows == [
        ("archive", "close", 1, 0.0, 0.0, False, False),
        ("ask", "check", 1, pytest.approx(1.0), pytest.approx(1.0), False, False),  # 06-05 08:00 -> 06-06 08:00
        ("check", "ask", 1, pytest.approx(23 / 24), pytest.approx(23 / 24), False, False),  # 09:00 -> 08:00
        # c1: check ends 06-06 08:30 -> close 06-13 08:00 = 6 d 23 h 30 = 603000 s: the largest total
        ("check", "close", 1, pytest.approx(603000 / DAY), pytest.approx(603000 / DAY), True, False),
        ("register", "archive", 1, pytest.approx(2.0), pytest.approx(2.0), False, False),
        # c1 86400, c2 93600 (to check's start 10:00), c3 120600 (to the complete-only check)
        ("register", "check", 3, pytest.approx(300600 / DAY), pytest.approx(93600 / DAY), False, False),
    ]
    # no pair is seen 30 times: no median bottleneck; the total one is also a long-format row
    assert kpi(built, "bottleneck_median_wait_days", "month", "2024-06", "process", "P") is None
    assert kpi(built, "bottleneck_total_wait_days", "month", "2024-06", "process", "P") == (
        603000,
        1,
        pytest.approx(603000 / DAY),
        "check -> close",
    )
    # the year adds c6's register -> close (06-20 -> 07-02, 12 days): the year's bottleneck
    assert kpi(built, "bottleneck_total_wait_days", "year", "2024", "process", "P")[3] == "register -> close"
    assert kpi(built, "transition_wait_median_days", "month", "2024-06", "process_transition",
               "P / register -> check")[1:] == (3, pytest.approx(93600 / DAY), "register -> check")  # fmt: skip
    # the detail marts and the waits have no day or week rows
    assert query(built, "select distinct period_type from main.kpi_process_transitions order by 1") == [
        ("month",), ("quarter",), ("rolling_12_months",), ("year",),
    ]  # fmt: skip


def test_activity_duration_is_the_work_between_start_and_complete(built: Path) -> None:
    # check in June: c1 3600 and 1800 s, c2 1800 s -> mean 2400, median 1800
    assert kpi(built, "activity_duration_mean_seconds", "month", "2024-06", "process_activity", "P / check")[:3] == (
        7200,
        3,
        pytest.approx(2400.0),
    )
    assert kpi(built, "activity_duration_median_seconds", "month", "2024-06", "process_activity", "P / check")[
        2
    ] == pytest.approx(1800.0)


def test_top_variants_by_period_of_closing(built: Path) -> None:
    rows = query(
        built,
        "select variant_rank, variant, cases, process_cases, share, lead_time_median_days "
        "from main.kpi_process_variants where period_type = 'month' and period = '2024-06' order by 1",
    )
    # three closed cases, one variant each: ranked by the variant text at equal counts
    assert rows == [
        (1, "register -> archive -> close", 1, 3, pytest.approx(1 / 3), pytest.approx(2.0)),
        (2, "register -> check", 1, 3, pytest.approx(1 / 3), pytest.approx(10 + 1 / 86400)),
        (3, "register -> check -> ask -> check -> close", 1, 3, pytest.approx(1 / 3), pytest.approx(10.0)),
    ]


def test_case_events_keep_their_order_and_key(built: Path) -> None:
    rows = query(
        built,
        "select event_order, activity, lifecycle, is_last_event from main.fct_case_events "
        "where case_id = 'c5' order by event_order",
    )
    assert rows == [
        (1, "register", "complete", False),
        (2, "archive", "complete", False),
        (3, "close", "complete", True),
    ]
    assert query(built, "select count(*), count(distinct (case_id, event_order)) from main.fct_case_events") == [
        (len(EVENTS), len(EVENTS))
    ]


def test_the_config_rejects_a_blank_closing_activity() -> None:
    raw = yaml.safe_load(MINIMAL_CONFIG)
    raw["communes"][0]["processes"] = {"P": {"closing_activities": ["close", " "]}}
    with pytest.raises(ValueError, match="non-empty activity names"):
        CivicConfig.model_validate(raw)
    raw["communes"][0]["processes"] = {"P": {"closing_activities": ["close", "close"]}}
    with pytest.raises(ValueError, match="each activity once"):
        CivicConfig.model_validate(raw)
