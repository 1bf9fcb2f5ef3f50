"""The staging models of the five bronze entities beside requests (dbt/models/staging).

A hand-made bronze lake (the reference tables and requests of tests/test_dbt_models.py, plus a few
rows per entity written per docs/data-contracts.md, with re-loads to dedupe) is built with `dbt build`,
and the staged rows are compared with hand-written expectations (local
times computed by hand). A second lake holds requests only, as when a commune's configuration declares
no source for the other entities: their bronze folders do not exist and the build must still pass,
with empty staging tables typed as the contract says.
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

from connectors.schemas import ENTITY_SCHEMAS, PARTITION_TIME
from tests.test_dbt_models import TIMEZONES, run_dbt, write_bronze_lake

STAGING_MODELS = {
    "stg_bronze__services",
    "stg_bronze__case_events",
    "stg_bronze__appointments",
    "stg_bronze__calls",
    "stg_bronze__portal_logins",
}

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
KEY_A = hashlib.sha256(b"citizen-a").hexdigest()
KEY_B = hashlib.sha256(b"citizen-b").hexdigest()
AGENT = hashlib.sha256(b"agent-1").hexdigest()


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    """A wall-clock time (timestamp without time zone), as the *_local columns hold."""
    return datetime(y, mo, d, h, mi)


def service(load: datetime, commune: str, code: str, name_en: str, sla_days: int | None) -> tuple[datetime, dict]:
    return load, {"commune_id": commune, "service_code": code, "name_en": name_en, "sla_days": sla_days}


def case_event(load: datetime, activity: str, lifecycle: str, at: datetime, resource: str | None) -> tuple:
    return load, {
        "case_id": "c1",
        "activity": activity,
        "lifecycle": lifecycle,
        "event_at": at,
        "resource_key": resource,
    }


def appointment(load: datetime, commune: str, channel: str, status: str, booked: datetime, slot: datetime) -> tuple:
    return load, {
        "commune_id": commune, "appointment_id": "a1", "booking_channel": channel, "status": status,
        "booked_at": booked, "slot_start": slot,
    }  # fmt: skip


def call(
    load: datetime, commune: str, call_id: str, entered: datetime, outcome: str | None, wait: float | None
) -> tuple:
    return load, {"commune_id": commune, "call_id": call_id, "entered_at": entered, "outcome": outcome, "wait_s": wait}


def login(load: datetime, commune: str, key: str, at: datetime, method: str, success: bool) -> tuple:
    return load, {"commune_id": commune, "citizen_key": key, "login_at": at, "method": method, "success": success}


# Rows of each entity: (load, row). The second load of a key must win, whatever the file order.
BRONZE: dict[str, list[tuple[datetime, dict]]] = {
    "service": [
        service(LOAD_2, "brussels", "EID", "eID card", 10),
        service(LOAD_1, "brussels", "EID", "Identity card", 15),
        service(LOAD_1, "brussels", "PASS", "Passport", 20),
        service(LOAD_1, "nyc", "EID", "ID NYC", None),
    ],
    # brussels, 2024-03-31: CET (UTC+1) until 01:00 UTC, CEST (UTC+2) after.
    "case_event": [
        case_event(LOAD_1, "receive", "complete", utc(2024, 3, 31, 0, 30), None),
        case_event(LOAD_2, "receive", "complete", utc(2024, 3, 31, 0, 30), AGENT),
        case_event(LOAD_1, "decide", "start", utc(2024, 3, 31, 6, 0), AGENT),
        case_event(LOAD_1, "decide", "complete", utc(2024, 3, 31, 6, 0), AGENT),
    ],
    # booked on the UTC evening of 05-01, the next local day in brussels; the same id in nyc is another one.
    "appointment": [
        appointment(LOAD_1, "brussels", "online", "booked", utc(2024, 5, 1, 22, 30), utc(2024, 5, 10, 7, 0)),
        appointment(LOAD_2, "brussels", "online", "attended", utc(2024, 5, 1, 22, 30), utc(2024, 5, 10, 7, 0)),
        appointment(LOAD_1, "nyc", "phone", "cancelled", utc(2024, 5, 2, 2, 0), utc(2024, 5, 3, 14, 0)),
    ],
    # brussels, 2024-10-27: CEST (UTC+2) until 01:00 UTC, CET (UTC+1) after; 02:30 local happens twice.
    "call": [
        call(LOAD_1, "brussels", "k1", utc(2024, 10, 27, 0, 30), None, None),
        call(LOAD_2, "brussels", "k1", utc(2024, 10, 27, 0, 30), "answered", 42.5),
        call(LOAD_1, "brussels", "k2", utc(2024, 10, 27, 1, 30), "abandoned", 90.0),
        call(LOAD_1, "nyc", "k3", utc(2024, 6, 5, 2, 0), "timeout", 300.0),
    ],
    "portal_login": [
        login(LOAD_1, "brussels", KEY_A, utc(2024, 5, 1, 10, 0), "itsme", False),
        login(LOAD_2, "brussels", KEY_A, utc(2024, 5, 1, 10, 0), "itsme", True),
        login(LOAD_1, "brussels", KEY_A, utc(2024, 5, 1, 10, 0), "eid", True),
        login(LOAD_1, "nyc", KEY_B, utc(2024, 5, 1, 3, 0), "password", False),
    ],
}

DEFAULTS = {"commune_id": "brussels", "process_code": "EID", "request_id": "b01", "queue": "general"}

EXPECTED: dict[str, tuple[str, list[tuple]]] = {
    "stg_bronze__services": (
        "select commune_id, service_code, name_en, sla_days, bronze_batch_id from main.stg_bronze__services",
        [
            ("brussels", "EID", "eID card", 10, "load-2"),
            ("brussels", "PASS", "Passport", 20, "load-1"),
            ("nyc", "EID", "ID NYC", None, "load-1"),
        ],
    ),
    "stg_bronze__case_events": (
        "select case_id, activity, lifecycle, event_at_local, event_date_local, resource_key, bronze_batch_id "
        "from main.stg_bronze__case_events",
        [
            ("c1", "decide", "complete", local(2024, 3, 31, 8), date(2024, 3, 31), AGENT, "load-1"),
            ("c1", "decide", "start", local(2024, 3, 31, 8), date(2024, 3, 31), AGENT, "load-1"),
            ("c1", "receive", "complete", local(2024, 3, 31, 1, 30), date(2024, 3, 31), AGENT, "load-2"),
        ],
    ),
    "stg_bronze__appointments": (
        "select commune_id, appointment_id, booking_channel, status, booked_at_local, booked_date_local, "
        "slot_start_local, bronze_batch_id from main.stg_bronze__appointments",
        [
            (
                "brussels",
                "a1",
                "online",
                "attended",
                local(2024, 5, 2, 0, 30),
                date(2024, 5, 2),
                local(2024, 5, 10, 9),
                "load-2",
            ),
            (
                "nyc",
                "a1",
                "phone",
                "cancelled",
                local(2024, 5, 1, 22),
                date(2024, 5, 1),
                local(2024, 5, 3, 10),
                "load-1",
            ),
        ],
    ),
    "stg_bronze__calls": (
        "select commune_id, call_id, outcome, entered_at_local, entered_date_local, wait_s, bronze_batch_id "
        "from main.stg_bronze__calls",
        [
            ("brussels", "k1", "answered", local(2024, 10, 27, 2, 30), date(2024, 10, 27), 42.5, "load-2"),
            ("brussels", "k2", "abandoned", local(2024, 10, 27, 2, 30), date(2024, 10, 27), 90.0, "load-1"),
            ("nyc", "k3", "timeout", local(2024, 6, 4, 22), date(2024, 6, 4), 300.0, "load-1"),
        ],
    ),
    "stg_bronze__portal_logins": (
        "select commune_id, citizen_key, method, success, login_at_local, login_date_local, bronze_batch_id "
        "from main.stg_bronze__portal_logins",
        [
            ("brussels", KEY_A, "eid", True, local(2024, 5, 1, 12), date(2024, 5, 1), "load-1"),
            ("brussels", KEY_A, "itsme", True, local(2024, 5, 1, 12), date(2024, 5, 1), "load-2"),
            ("nyc", KEY_B, "password", False, local(2024, 4, 30, 23), date(2024, 4, 30), "load-1"),
        ],
    ),
}


def write_entities(lake: Path) -> None:
    """Writes BRONZE in the contract's folders, one file per commune (and local day of the partition time)."""
    for entity, loads in BRONZE.items():
        schema = pa.schema(list(ENTITY_SCHEMAS[entity]) + list(LINEAGE_SCHEMA))
        files: dict[Path, list[dict]] = {}
        for load, values in loads:
            row = {name: values.get(name, DEFAULTS.get(name)) for name in ENTITY_SCHEMAS[entity].names}
            batch = "load-1" if load == LOAD_1 else "load-2"
            row |= {"_source": f"fixture:{entity}", "_batch_id": batch, "_ingested_at": load}
            row["_row_hash"] = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
            folder = lake / "bronze" / entity / f"commune={row['commune_id']}"
            if entity in PARTITION_TIME:
                tz = ZoneInfo(TIMEZONES[row["commune_id"]])
                folder /= f"date={row[PARTITION_TIME[entity]].astimezone(tz).date().isoformat()}"
            files.setdefault(folder, []).append(row)
        for folder, rows in files.items():
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "data.parquet")


def build(lake: Path, work: Path) -> dict[str, str]:
    """`dbt build` of the whole project (staging, intermediate, marts, their data and unit tests)."""
    work.mkdir(parents=True)
    result = run_dbt(["build"], lake, work)
    assert result.returncode == 0, f"exit code {result.returncode}\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r["status"] for r in results}


def query(work: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(work / "civiclake.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def full_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("dbt_staging_full")
    write_bronze_lake(root / "lake")
    write_entities(root / "lake")
    return root / "work", build(root / "lake", root / "work")


def test_build_runs_the_new_models_their_data_tests_and_unit_tests(full_lake: tuple[Path, dict[str, str]]) -> None:
    _, status = full_lake
    assert all(s in {"success", "pass"} for s in status.values()), status
    assert {f"model.civiclake.{m}" for m in STAGING_MODELS} <= set(status)
    for model in STAGING_MODELS:
        tests = [uid for uid in status if uid.startswith("test.") and f"_{model}_" in uid]
        assert tests, f"no data test ran on {model}"
    unit_tests = {uid.rsplit(".", 1)[-1] for uid in status if uid.startswith("unit_test.")}
    assert {
        "stg_bronze__calls_local_time_across_dst",
        "stg_bronze__appointments_keeps_the_latest_load",
        "stg_bronze__case_events_dedupe_on_the_compound_key",
    } <= unit_tests


@pytest.mark.parametrize("model", sorted(EXPECTED))
def test_staged_rows_equal_the_hand_made_expectations(full_lake: tuple[Path, dict[str, str]], model: str) -> None:
    work, _ = full_lake
    sql, expected = EXPECTED[model]
    assert sorted(query(work, sql), key=repr) == sorted(expected, key=repr)


def test_a_lake_with_only_requests_builds_with_empty_typed_staging_tables(tmp_path: Path) -> None:
    lake, work = tmp_path / "lake", tmp_path / "work"
    write_bronze_lake(lake)  # reference tables and requests only
    assert sorted(p.name for p in (lake / "bronze").iterdir()) == [
        "commune", "holiday", "office_hours", "request", "target",
    ]  # fmt: skip
    status = build(lake, work)
    assert all(s in {"success", "pass"} for s in status.values()), status
    for model in STAGING_MODELS:
        assert query(work, f"select count(*) from main.{model}") == [(0,)], model
    assert query(work, "select count(*) from main.stg_bronze__requests")[0][0] > 0
    types = dict(
        query(
            work,
            "select column_name, data_type from information_schema.columns where table_name = 'stg_bronze__calls'",
        )
    )
    assert types["entered_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["entered_at_local"] == "TIMESTAMP"
    assert types["wait_s"] == "DOUBLE"
    assert types["commune_id"] == "VARCHAR"
