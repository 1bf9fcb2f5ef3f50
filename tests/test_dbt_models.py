"""The dbt project (dbt/): build it on a small hand-made bronze lake and check the marts.

The lake below follows docs/data-contracts.md (hive folders `commune=<id>/date=<local day>/data.parquet`
for requests, one file per reference table). Every expected KPI figure is computed by hand in the
comments next to the fixture, from the local time of each request.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.dbt_cli import DBT_PROJECT_DIR, run_dbt

TZ_BRUSSELS = "Europe/Brussels"
TZ_NEW_YORK = "America/New_York"

REQUEST_SCHEMA = pa.schema(
    [
        ("commune_id", pa.string()),
        ("request_id", pa.string()),
        ("service_code", pa.string()),
        ("channel", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("closed_at", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),
        ("citizen_key", pa.string()),
        ("source_system", pa.string()),
        ("_source", pa.string()),
        ("_batch_id", pa.string()),
        ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ("_row_hash", pa.string()),
    ]
)

LOAD_1 = datetime(2024, 5, 7, 1, 0, tzinfo=UTC)
LOAD_2 = datetime(2024, 5, 8, 1, 0, tzinfo=UTC)


def utc(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@dataclass(frozen=True)
class Req:
    commune_id: str
    request_id: str
    channel: str
    created_at: datetime
    ingested_at: datetime = LOAD_1
    batch_id: str = "batch-1"


# Two communes.
# brussels: Europe/Brussels (CEST = UTC+2 over the whole fixture), office hours Monday to Friday
#   08:00-12:00 and 13:00-17:00 (two windows: the lunch break is outside office hours), holiday
#   2024-05-01, digital channels portal, app, email.
# nyc: America/New_York (EDT = UTC-4), office hours Monday to Friday 09:00-17:00, no holiday,
#   digital channels portal and app only (email is not digital there).
#
# request                  UTC                local                    channel  office hours?
# b01                      04-29 06:30        Mon 04-29 08:30          portal   in
# b02                      04-29 10:30        Mon 04-29 12:30          phone    out (lunch break)
# b03 (2nd load wins)      04-29 14:59        Mon 04-29 16:59          email    in (end exclusive)
# b04                      04-29 15:00        Mon 04-29 17:00          counter  out
# b05                      04-29 22:30        Tue 04-30 00:30          portal   out (local day != UTC day)
# b06                      04-30 09:00        Tue 04-30 11:00          unknown  in
# b07                      05-01 09:00        Wed 05-01 11:00          app      out (holiday)
# b08                      05-01 12:00        Wed 05-01 14:00          counter  out (holiday)
# b09                      05-04 10:00        Sat 05-04 12:00          portal   out (Saturday)
# b10                      05-06 07:00        Mon 05-06 09:00          phone    in
# n01                      05-01 14:00        Wed 05-01 10:00          email    in (no holiday in nyc)
# n02                      05-01 20:59        Wed 05-01 16:59          portal   in
# n03                      05-01 21:00        Wed 05-01 17:00          app      out
# n04                      05-02 02:00        Wed 05-01 22:00          phone    out (local day != UTC day)
#
# b03 was first loaded (load 1) with created_at 04-28 06:00 UTC and channel phone, in the 04-28
# partition; load 2 corrected it. If the older row survived, brussels would start on 04-28.
REQUESTS = [
    Req("brussels", "b03", "phone", utc(2024, 4, 28, 6, 0)),
    Req("brussels", "b01", "portal", utc(2024, 4, 29, 6, 30)),
    Req("brussels", "b02", "phone", utc(2024, 4, 29, 10, 30)),
    Req("brussels", "b03", "email", utc(2024, 4, 29, 14, 59), LOAD_2, "batch-2"),
    Req("brussels", "b04", "counter", utc(2024, 4, 29, 15, 0)),
    Req("brussels", "b05", "portal", utc(2024, 4, 29, 22, 30)),
    Req("brussels", "b06", "unknown", utc(2024, 4, 30, 9, 0)),
    Req("brussels", "b07", "app", utc(2024, 5, 1, 9, 0)),
    Req("brussels", "b08", "counter", utc(2024, 5, 1, 12, 0)),
    Req("brussels", "b09", "portal", utc(2024, 5, 4, 10, 0)),
    Req("brussels", "b10", "phone", utc(2024, 5, 6, 7, 0)),
    Req("nyc", "n01", "email", utc(2024, 5, 1, 14, 0)),
    Req("nyc", "n02", "portal", utc(2024, 5, 1, 20, 59)),
    Req("nyc", "n03", "app", utc(2024, 5, 1, 21, 0)),
    Req("nyc", "n04", "phone", utc(2024, 5, 2, 2, 0)),
]

# Per local day, brussels (requests / known channel / digital among known / after hours):
#   04-29: b01 b02 b03 b04             -> 4 / 4 / 2 (portal, email)  / 2 (b02, b04)
#   04-30: b05 b06                     -> 2 / 1 / 1 (portal)         / 1 (b05)
#   05-01: b07 b08                     -> 2 / 2 / 1 (app)            / 2
#   05-02, 05-03, 05-05: none          -> 0 / 0 / 0 / 0 (reported: the days lie between first and last)
#   05-04: b09                         -> 1 / 1 / 1                  / 1
#   05-06: b10                         -> 1 / 1 / 0                  / 0
# Periods, brussels:
#   2024-W18 (04-29..05-05)  = 04-29 + 04-30 + 05-01 + 05-04 -> 9 / 8 / 5 / 6
#   2024-W19 (05-06..05-12)  = 05-06                         -> 1 / 1 / 0 / 0
#   2024-04 (04-01..04-30)   = 04-29 + 04-30                 -> 6 / 5 / 3 / 3
#   2024-05 (05-01..05-31)   = 05-01 + 05-04 + 05-06         -> 4 / 4 / 2 / 3
#   2024-Q2, 2024            = everything                    -> 10 / 9 / 5 / 6
# nyc, every period (all four requests on local day 2024-05-01): 4 / 4 / 2 (portal, app) / 2 (n03, n04)
#
# Expected rows: (commune, period_type, period) -> (period_start, period_end,
#   requests, known channel, digital, after hours).
EXPECTED_PERIODS = {
    ("brussels", "day", "2024-04-29"): (date(2024, 4, 29), date(2024, 4, 29), 4, 4, 2, 2),
    ("brussels", "day", "2024-04-30"): (date(2024, 4, 30), date(2024, 4, 30), 2, 1, 1, 1),
    ("brussels", "day", "2024-05-01"): (date(2024, 5, 1), date(2024, 5, 1), 2, 2, 1, 2),
    ("brussels", "day", "2024-05-02"): (date(2024, 5, 2), date(2024, 5, 2), 0, 0, 0, 0),
    ("brussels", "day", "2024-05-03"): (date(2024, 5, 3), date(2024, 5, 3), 0, 0, 0, 0),
    ("brussels", "day", "2024-05-04"): (date(2024, 5, 4), date(2024, 5, 4), 1, 1, 1, 1),
    ("brussels", "day", "2024-05-05"): (date(2024, 5, 5), date(2024, 5, 5), 0, 0, 0, 0),
    ("brussels", "day", "2024-05-06"): (date(2024, 5, 6), date(2024, 5, 6), 1, 1, 0, 0),
    ("brussels", "week", "2024-W18"): (date(2024, 4, 29), date(2024, 5, 5), 9, 8, 5, 6),
    ("brussels", "week", "2024-W19"): (date(2024, 5, 6), date(2024, 5, 12), 1, 1, 0, 0),
    ("brussels", "month", "2024-04"): (date(2024, 4, 1), date(2024, 4, 30), 6, 5, 3, 3),
    ("brussels", "month", "2024-05"): (date(2024, 5, 1), date(2024, 5, 31), 4, 4, 2, 3),
    ("brussels", "quarter", "2024-Q2"): (date(2024, 4, 1), date(2024, 6, 30), 10, 9, 5, 6),
    ("brussels", "year", "2024"): (date(2024, 1, 1), date(2024, 12, 31), 10, 9, 5, 6),
    # rolling 12 months: only the windows that end in a month of the data (April and May 2024)
    ("brussels", "rolling_12_months", "2024-04"): (date(2023, 5, 1), date(2024, 4, 30), 6, 5, 3, 3),
    ("brussels", "rolling_12_months", "2024-05"): (date(2023, 6, 1), date(2024, 5, 31), 10, 9, 5, 6),
    ("nyc", "day", "2024-05-01"): (date(2024, 5, 1), date(2024, 5, 1), 4, 4, 2, 2),
    ("nyc", "week", "2024-W18"): (date(2024, 4, 29), date(2024, 5, 5), 4, 4, 2, 2),
    ("nyc", "month", "2024-05"): (date(2024, 5, 1), date(2024, 5, 31), 4, 4, 2, 2),
    ("nyc", "quarter", "2024-Q2"): (date(2024, 4, 1), date(2024, 6, 30), 4, 4, 2, 2),
    ("nyc", "year", "2024"): (date(2024, 1, 1), date(2024, 12, 31), 4, 4, 2, 2),
    ("nyc", "rolling_12_months", "2024-05"): (date(2023, 6, 1), date(2024, 5, 31), 4, 4, 2, 2),
}

# request -> (local time, is_office_hours, is_digital, is_known_channel), from the table above.
EXPECTED_REQUESTS = {
    "b01": (datetime(2024, 4, 29, 8, 30), True, True, True),
    "b02": (datetime(2024, 4, 29, 12, 30), False, False, True),
    "b03": (datetime(2024, 4, 29, 16, 59), True, True, True),
    "b04": (datetime(2024, 4, 29, 17, 0), False, False, True),
    "b05": (datetime(2024, 4, 30, 0, 30), False, True, True),
    "b06": (datetime(2024, 4, 30, 11, 0), True, False, False),
    "b07": (datetime(2024, 5, 1, 11, 0), False, True, True),
    "b08": (datetime(2024, 5, 1, 14, 0), False, False, True),
    "b09": (datetime(2024, 5, 4, 12, 0), False, True, True),
    "b10": (datetime(2024, 5, 6, 9, 0), True, False, True),
    "n01": (datetime(2024, 5, 1, 10, 0), True, False, True),
    "n02": (datetime(2024, 5, 1, 16, 59), True, True, True),
    "n03": (datetime(2024, 5, 1, 17, 0), False, True, True),
    "n04": (datetime(2024, 5, 1, 22, 0), False, False, True),
}

TIMEZONES = {"brussels": TZ_BRUSSELS, "nyc": TZ_NEW_YORK}


# --- writing the bronze lake -------------------------------------------------------------------------


def _lineage(n: int, source: str) -> dict[str, list]:
    return {
        "_source": [source] * n,
        "_batch_id": ["config-1"] * n,
        "_ingested_at": [LOAD_1] * n,
        "_row_hash": [f"{i:064x}" for i in range(n)],
    }


def _write_reference(lake: Path, name: str, columns: dict[str, list], schema: pa.Schema) -> None:
    n = len(next(iter(columns.values())))
    lineage_schema = pa.schema(
        [
            ("_source", pa.string()),
            ("_batch_id", pa.string()),
            ("_ingested_at", pa.timestamp("us", tz="UTC")),
            ("_row_hash", pa.string()),
        ]
    )
    full_schema = pa.schema(list(schema) + list(lineage_schema))
    table = pa.table({**columns, **_lineage(n, "config:civiclake.yaml")}, schema=full_schema)
    folder = lake / "bronze" / name
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "data.parquet")


def write_bronze_lake(lake: Path, requests: list[Req] = REQUESTS) -> None:
    _write_reference(
        lake,
        "commune",
        {
            "commune_id": ["brussels", "nyc"],
            "name_fr": ["Ville de Bruxelles", "Ville de New York"],
            "name_nl": ["Stad Brussel", "Stad New York"],
            "name_en": ["City of Brussels", "New York City"],
            "timezone": [TZ_BRUSSELS, TZ_NEW_YORK],
            "digital_channels": [["portal", "app", "email"], ["portal", "app"]],
        },
        pa.schema(
            [
                ("commune_id", pa.string()),
                ("name_fr", pa.string()),
                ("name_nl", pa.string()),
                ("name_en", pa.string()),
                ("timezone", pa.string()),
                ("digital_channels", pa.list_(pa.string())),
            ]
        ),
    )
    windows = [("brussels", d, time(8), time(12)) for d in range(1, 6)]
    windows += [("brussels", d, time(13), time(17)) for d in range(1, 6)]
    windows += [("nyc", d, time(9), time(17)) for d in range(1, 6)]
    _write_reference(
        lake,
        "office_hours",
        {
            "commune_id": [w[0] for w in windows],
            "iso_weekday": [w[1] for w in windows],
            "opens_at": [w[2] for w in windows],
            "closes_at": [w[3] for w in windows],
        },
        pa.schema(
            [
                ("commune_id", pa.string()),
                ("iso_weekday", pa.int32()),
                ("opens_at", pa.time64("us")),
                ("closes_at", pa.time64("us")),
            ]
        ),
    )
    _write_reference(
        lake,
        "holiday",
        {
            "commune_id": ["brussels", "brussels", "brussels"],
            "holiday_date": [date(2024, 4, 1), date(2024, 5, 1), date(2024, 5, 9)],
            "name": ["Lundi de Pâques", "Fête du Travail", "Ascension"],
        },
        pa.schema([("commune_id", pa.string()), ("holiday_date", pa.date32()), ("name", pa.string())]),
    )
    _write_reference(
        lake,
        "target",
        {
            "commune_id": ["brussels"],
            "kpi_name": ["services_digital_share"],
            "target_value": [0.85],
            "deadline": [date(2025, 12, 31)],
        },
        pa.schema(
            [
                ("commune_id", pa.string()),
                ("kpi_name", pa.string()),
                ("target_value", pa.float64()),
                ("deadline", pa.date32()),
            ]
        ),
    )

    partitions: dict[tuple[str, date], list[dict]] = {}
    for r in requests:
        local_day = r.created_at.astimezone(ZoneInfo(TIMEZONES[r.commune_id])).date()
        row = {
            "commune_id": r.commune_id,
            "request_id": r.request_id,
            "service_code": "EID",
            "channel": r.channel,
            "created_at": r.created_at,
            "closed_at": None,
            "status": "open",
            "citizen_key": hashlib.sha256(r.request_id.encode()).hexdigest(),
            "source_system": "fixture",
            "_source": f"fixture:{r.batch_id}",
            "_batch_id": r.batch_id,
            "_ingested_at": r.ingested_at,
        }
        row["_row_hash"] = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
        partitions.setdefault((r.commune_id, local_day), []).append(row)
    for (commune_id, local_day), rows in partitions.items():
        folder = lake / "bronze" / "request" / f"commune={commune_id}" / f"date={local_day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=REQUEST_SCHEMA), folder / "data.parquet")


# --- running dbt ---------------------------------------------------------------------------------------


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {result.returncode}\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"


@dataclass(frozen=True)
class BuiltProject:
    lake: Path
    work: Path

    @property
    def database(self) -> Path:
        return self.work / "civiclake.duckdb"

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    root = tmp_path_factory.mktemp("dbt_build")
    lake, work = root / "lake", root / "work"
    write_bronze_lake(lake)
    work.mkdir()
    result = run_dbt(["build"], lake, work)
    assert result.returncode == 0, _output(result)
    return BuiltProject(lake, work)


# --- tests ---------------------------------------------------------------------------------------------


def test_build_ran_models_data_tests_and_unit_tests(built: BuiltProject) -> None:
    results = json.loads((built.work / "target" / "run_results.json").read_text())["results"]
    by_kind: dict[str, int] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0) + 1
        assert r["status"] in {"success", "pass"}, r
    # Every model of the project ran (one .sql file per model).
    assert by_kind.get("model") == len(list((DBT_PROJECT_DIR / "models").rglob("*.sql")))
    assert by_kind.get("test", 0) > 40
    assert by_kind.get("unit_test", 0) >= 5


@pytest.mark.parametrize("kpi_name", ["requests_volume", "digital_take_up", "after_hours_share"])
def test_kpi_adoption_matches_hand_computation(built: BuiltProject, kpi_name: str) -> None:
    rows = built.query(
        "select commune_id, period_type, period, period_start, period_end, numerator, denominator, value "
        f"from main.kpi_adoption where kpi_name = '{kpi_name}' and breakdown = 'all'"
    )
    actual = {(r[0], r[1], r[2]): r[3:] for r in rows}
    assert set(actual) == set(EXPECTED_PERIODS)
    for key, (start, end, requests, known, digital, after_hours) in EXPECTED_PERIODS.items():
        if kpi_name == "requests_volume":
            numerator, denominator, value = requests, None, float(requests)
        elif kpi_name == "digital_take_up":
            numerator, denominator = digital, known
            value = digital / known if known else None
        else:
            numerator, denominator = after_hours, requests
            value = after_hours / requests if requests else None
        got_start, got_end, got_numerator, got_denominator, got_value = actual[key]
        assert (got_start, got_end) == (start, end), key
        assert (got_numerator, got_denominator) == (numerator, denominator), key
        assert got_value == (pytest.approx(value) if value is not None else None), key


def test_kpi_adoption_spot_values(built: BuiltProject) -> None:
    # The same figures read as ratios: brussels week 18 digital take-up 5/8, after hours 6/9.
    values = dict(
        built.query(
            "select kpi_name, value from main.kpi_adoption "
            "where commune_id = 'brussels' and period_type = 'week' and period = '2024-W18' and breakdown = 'all' "
            "and kpi_name in ('requests_volume', 'digital_take_up', 'after_hours_share')"
        )
    )
    assert values == {
        "requests_volume": 9.0,
        "digital_take_up": pytest.approx(0.625),
        "after_hours_share": pytest.approx(2 / 3),
    }


def test_kpi_adoption_column_types_follow_the_gold_contract(built: BuiltProject) -> None:
    types = dict(
        built.query(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'kpi_adoption' order by ordinal_position"
        )
    )
    assert types == {
        "commune_id": "VARCHAR",
        "period_type": "VARCHAR",
        "period": "VARCHAR",
        "period_start": "DATE",
        "period_end": "DATE",
        "kpi_name": "VARCHAR",
        "breakdown": "VARCHAR",
        "breakdown_value": "VARCHAR",
        "numerator": "BIGINT",
        "denominator": "BIGINT",
        "value": "DOUBLE",
        "unit": "VARCHAR",
        "detail": "VARCHAR",
    }


def test_fct_requests_dedupes_converts_to_local_time_and_flags(built: BuiltProject) -> None:
    rows = built.query(
        "select request_id, channel, created_at_local, created_date_local, is_office_hours, "
        "is_after_hours, is_digital, is_known_channel from main.fct_requests"
    )
    actual = {r[0]: r[1:] for r in rows}
    assert set(actual) == set(EXPECTED_REQUESTS)
    assert actual["b03"][0] == "email"  # the second load won
    for request_id, (local, office_hours, digital, known) in EXPECTED_REQUESTS.items():
        _, got_local, got_date, got_office, got_after, got_digital, got_known = actual[request_id]
        assert (got_local, got_date) == (local, local.date()), request_id
        assert (got_office, got_after) == (office_hours, not office_hours), request_id
        assert (got_digital, got_known) == (digital, known), request_id


def test_fct_requests_columns_follow_the_gold_contract(built: BuiltProject) -> None:
    columns = [
        r[0]
        for r in built.query(
            "select column_name from information_schema.columns "
            "where table_name = 'fct_requests' order by ordinal_position"
        )
    ]
    assert columns == [
        "commune_id", "request_id", "service_code", "channel", "is_digital", "is_known_channel",
        "created_at", "created_at_local", "created_date_local", "is_office_hours", "is_after_hours",
        "closed_at", "status", "citizen_key", "bronze_ingested_at",
    ]  # fmt: skip


def test_dim_commune(built: BuiltProject) -> None:
    assert built.query("select * from main.dim_commune order by commune_id") == [
        ("brussels", "Ville de Bruxelles", "Stad Brussel", "City of Brussels", TZ_BRUSSELS),
        ("nyc", "Ville de New York", "Stad New York", "New York City", TZ_NEW_YORK),
    ]


def test_docs_generate_and_every_model_and_column_is_documented(built: BuiltProject) -> None:
    result = run_dbt(["docs", "generate"], built.lake, built.work)
    assert result.returncode == 0, _output(result)
    catalog = json.loads((built.work / "target" / "catalog.json").read_text())["nodes"]
    manifest = json.loads((built.work / "target" / "manifest.json").read_text())["nodes"]
    models = {uid: node for uid, node in manifest.items() if node["resource_type"] == "model"}
    assert "model.civiclake.kpi_adoption" in catalog
    undocumented = []
    for uid, node in models.items():
        if not node["description"].strip():
            undocumented.append(uid)
        documented = {name for name, col in node["columns"].items() if col["description"].strip()}
        # the columns the database really has, as dbt's catalog saw them
        undocumented += [f"{uid}.{c}" for c in catalog[uid]["columns"] if c.lower() not in documented]
    assert undocumented == []


def test_a_failing_data_test_fails_the_build(tmp_path: Path) -> None:
    # 'fax' is not in the channel vocabulary: accepted_values on stg_bronze__requests.channel fails,
    # the run fails and nothing downstream of the failing model is built.
    lake, work = tmp_path / "lake", tmp_path / "work"
    write_bronze_lake(lake, [*REQUESTS, Req("brussels", "b99", "fax", utc(2024, 5, 2, 9, 0))])
    work.mkdir()
    result = run_dbt(["build"], lake, work)
    assert result.returncode == 1, _output(result)
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    status = {r["unique_id"]: r["status"] for r in results}
    failed = [uid for uid, s in status.items() if s in {"fail", "error"}]
    assert failed and all("accepted_values_stg_bronze__requests_channel" in uid for uid in failed), failed
    assert status["model.civiclake.fct_requests"] == "skipped"
    assert status["model.civiclake.kpi_adoption"] == "skipped"
