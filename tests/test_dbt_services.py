"""The service-catalogue adoption KPIs and the shared dimensions of the dbt project, on a hand-made lake.

The reference tables (communes, office hours, holidays, targets) are those of tests/test_dbt_models.py:
brussels (Europe/Brussels, digital channels portal, app, email, office hours Monday to Friday 08:00-12:00
and 13:00-17:00) and nyc (America/New_York, digital channels portal and app). Below, a service catalogue
and requests with service codes; every expected figure is computed by hand in the comments.
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
from tests.test_dbt_models import REQUEST_SCHEMA, TIMEZONES, _output, run_dbt, write_bronze_lake

LOAD = datetime(2024, 5, 7, 1, 0, tzinfo=UTC)

# Catalogue. brussels:
#   EID  active since 2010, online since 2020            -> online all along
#   MAR  active since 2010, online from 2024-03-15       -> launched mid-March (L = 03-15, L+29 = 04-13)
#   OLD  active since 2010, retired on 2024-03-10, never online
#   NEW  active from 2024-04-10, never online
# nyc: NYX active since 2010, online from 2024-03-20 (its only request day: a launch cut by the data).
SERVICES = [
    ("brussels", "EID", date(2010, 1, 1), None, date(2020, 1, 1)),
    ("brussels", "MAR", date(2010, 1, 1), None, date(2024, 3, 15)),
    ("brussels", "OLD", date(2010, 1, 1), date(2024, 3, 10), None),
    ("brussels", "NEW", date(2024, 4, 10), None, None),
    ("nyc", "NYX", date(2010, 1, 1), None, date(2024, 3, 20)),
]

# Requests (UTC; Brussels is UTC+1 until 2024-03-31 02:00 UTC, UTC+2 after; New York UTC-4 from 03-10).
# request  service  channel   UTC               local                 office hours?
# a1       EID      portal    02-20 09:00       Tue 02-20 10:00       in
# a2       MAR      counter   03-14 10:00       Thu 03-14 11:00       in     (L - 1: not online yet)
# a3       MAR      portal    03-14 23:30       Fri 03-15 00:30       out    (L by its LOCAL date)
# a4       MAR      email     04-12 21:59       Fri 04-12 23:59       out    (L + 28)
# a5       MAR      portal    04-13 12:00       Sat 04-13 14:00       out    (L + 29: last day of the window)
# a6       MAR      app       04-13 22:30       Sun 04-14 00:30       out    (L + 30 by its local date: out)
# a7       MAR      phone     03-20 10:00       Wed 03-20 11:00       in
# a8       MAR      unknown   03-21 10:00       Thu 03-21 11:00       in
# a9       (none)   phone     03-05 10:00       Tue 03-05 11:00       in     (no service code)
# a10      ZZZ      portal    04-20 10:00       Sat 04-20 12:00       out    (not in the catalogue)
# a11      OLD      counter   03-05 09:00       Tue 03-05 10:00       in
# a12      NEW      counter   04-15 08:00       Mon 04-15 10:00       in
# n1       NYX      portal    03-20 15:00       Wed 03-20 11:00       in
REQUESTS = [
    ("brussels", "a1", "EID", "portal", datetime(2024, 2, 20, 9, 0, tzinfo=UTC)),
    ("brussels", "a2", "MAR", "counter", datetime(2024, 3, 14, 10, 0, tzinfo=UTC)),
    ("brussels", "a3", "MAR", "portal", datetime(2024, 3, 14, 23, 30, tzinfo=UTC)),
    ("brussels", "a4", "MAR", "email", datetime(2024, 4, 12, 21, 59, tzinfo=UTC)),
    ("brussels", "a5", "MAR", "portal", datetime(2024, 4, 13, 12, 0, tzinfo=UTC)),
    ("brussels", "a6", "MAR", "app", datetime(2024, 4, 13, 22, 30, tzinfo=UTC)),
    ("brussels", "a7", "MAR", "phone", datetime(2024, 3, 20, 10, 0, tzinfo=UTC)),
    ("brussels", "a8", "MAR", "unknown", datetime(2024, 3, 21, 10, 0, tzinfo=UTC)),
    ("brussels", "a9", None, "phone", datetime(2024, 3, 5, 10, 0, tzinfo=UTC)),
    ("brussels", "a10", "ZZZ", "portal", datetime(2024, 4, 20, 10, 0, tzinfo=UTC)),
    ("brussels", "a11", "OLD", "counter", datetime(2024, 3, 5, 9, 0, tzinfo=UTC)),
    ("brussels", "a12", "NEW", "counter", datetime(2024, 4, 15, 8, 0, tzinfo=UTC)),
    ("nyc", "n1", "NYX", "portal", datetime(2024, 3, 20, 15, 0, tzinfo=UTC)),
]

MODELS = "+int_services__kpis +int_requests__kpis +dim_service +dim_channel +dim_date"
MY_SINGULAR_TESTS = "assert_int_requests__kpis_breakdowns_add_up assert_services_digital_share_matches_catalogue"


def write_lake(lake: Path) -> None:
    write_bronze_lake(lake, requests=[])  # the reference tables only
    schema = pa.schema(
        list(ENTITY_SCHEMAS["service"])
        + [
            ("_source", pa.string()),
            ("_batch_id", pa.string()),
            ("_ingested_at", pa.timestamp("us", tz="UTC")),
            ("_row_hash", pa.string()),
        ]
    )
    for commune in ("brussels", "nyc"):
        rows = [
            {
                "commune_id": c,
                "service_code": code,
                "name_fr": f"{code} fr",
                "name_nl": f"{code} nl",
                "name_en": f"{code} en",
                "process_code": None,
                "owner": "fixture",
                "active_from": active_from,
                "retired_on": retired_on,
                "digital_since": digital_since,
                "sla_days": 10,
                "_source": "fixture:catalogue",
                "_batch_id": "catalogue-1",
                "_ingested_at": LOAD,
                "_row_hash": hashlib.sha256(f"{c}/{code}".encode()).hexdigest(),
            }
            for c, code, active_from, retired_on, digital_since in SERVICES
            if c == commune
        ]
        folder = lake / "bronze" / "service" / f"commune={commune}"
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "data.parquet")

    partitions: dict[tuple[str, date], list[dict]] = {}
    for commune, request_id, service_code, channel, created_at in REQUESTS:
        row = {
            "commune_id": commune,
            "request_id": request_id,
            "service_code": service_code,
            "channel": channel,
            "created_at": created_at,
            "closed_at": None,
            "status": "open",
            "citizen_key": hashlib.sha256(request_id.encode()).hexdigest(),
            "source_system": "fixture",
            "_source": "fixture:requests",
            "_batch_id": "requests-1",
            "_ingested_at": LOAD,
            "_row_hash": hashlib.sha256(request_id.encode()).hexdigest(),
        }
        local_day = created_at.astimezone(ZoneInfo(TIMEZONES[commune])).date()
        partitions.setdefault((commune, local_day), []).append(row)
    for (commune, local_day), rows in partitions.items():
        folder = lake / "bronze" / "request" / f"commune={commune}" / f"date={local_day.isoformat()}"
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=REQUEST_SCHEMA), folder / "data.parquet")


class Built:
    def __init__(self, work: Path) -> None:
        self.work = work

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.work / "civiclake.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()

    def kpi(self, model: str, commune: str, period_type: str, period: str, kpi_name: str, value: str = "all") -> tuple:
        rows = self.query(
            f"select numerator, denominator, value from main.{model} where commune_id = '{commune}' "
            f"and period_type = '{period_type}' and period = '{period}' and kpi_name = '{kpi_name}' "
            f"and breakdown_value = '{value}'"
        )
        assert len(rows) == 1, (model, commune, period_type, period, kpi_name, value, rows)
        return rows[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("dbt_services")
    lake, work = root / "lake", root / "work"
    write_lake(lake)
    work.mkdir()
    # cautious: only the tests of the selected models (not those of the kpi_ marts that union them)
    result = run_dbt(
        ["build", "--select", *MODELS.split(), *MY_SINGULAR_TESTS.split(), "--indirect-selection", "cautious"],
        lake,
        work,
    )
    assert result.returncode == 0, _output(result)
    return Built(work)


def test_build_ran_the_models_their_tests_and_unit_tests(built: Built) -> None:
    results = json.loads((built.work / "target" / "run_results.json").read_text())["results"]
    assert all(r["status"] in {"success", "pass"} for r in results), [r for r in results if r["status"] != "pass"]
    ids = {r["unique_id"] for r in results}
    for model in ("int_services__availability_by_day", "int_services__launches", "int_services__kpis"):
        assert f"model.civiclake.{model}" in ids
    unit_tests = [i for i in ids if i.startswith("unit_test.") and ("int_services__" in i or "int_requests__kpis" in i)]
    assert len(unit_tests) >= 6


def test_services_digital_share_at_period_ends(built: Built) -> None:
    m = "int_services__kpis"
    # 02-29: EID online; MAR (online 03-15) and OLD (never) active, offline; NEW not active yet -> 1/3
    assert built.kpi(m, "brussels", "month", "2024-02", "services_digital_share") == (1, 3, pytest.approx(1 / 3))
    # 03-31: EID, MAR online; OLD retired 03-10; NEW not active (04-10) -> 2/2
    assert built.kpi(m, "brussels", "month", "2024-03", "services_digital_share") == (2, 2, 1.0)
    assert built.kpi(m, "brussels", "quarter", "2024-Q1", "services_digital_share") == (2, 2, 1.0)
    # 04-30 and 12-31 (the year end, after the last request day 04-20): NEW active, offline -> 2/3
    assert built.kpi(m, "brussels", "month", "2024-04", "services_digital_share") == (2, 3, pytest.approx(2 / 3))
    assert built.kpi(m, "brussels", "year", "2024", "services_digital_share") == (2, 3, pytest.approx(2 / 3))
    assert built.kpi(m, "brussels", "rolling_12_months", "2024-04", "services_digital_share")[:2] == (2, 3)
    # retirement day excluded: 03-09 EID / EID MAR OLD = 1/3, 03-10 EID / EID MAR = 1/2
    assert built.kpi(m, "brussels", "day", "2024-03-09", "services_digital_share")[:2] == (1, 3)
    assert built.kpi(m, "brussels", "day", "2024-03-10", "services_digital_share")[:2] == (1, 2)
    # digital_since inclusive: 03-14 1/2, 03-15 2/2; week 2024-W11 is read on Sunday 03-17 -> 2/2
    assert built.kpi(m, "brussels", "day", "2024-03-14", "services_digital_share")[:2] == (1, 2)
    assert built.kpi(m, "brussels", "day", "2024-03-15", "services_digital_share")[:2] == (2, 2)
    assert built.kpi(m, "brussels", "week", "2024-W11", "services_digital_share")[:2] == (2, 2)
    # nyc: NYX online from 03-20, its only day -> 1/1; the brussels catalogue does not leak in
    assert built.kpi(m, "nyc", "day", "2024-03-20", "services_digital_share") == (1, 1, 1.0)


def test_services_digital_share_weighted_and_unknown_services(built: Built) -> None:
    m = "int_services__kpis"
    # rolling 2024-04 (and the year): known services a1-a8, a11, a12 = 10; online on their local day:
    # a1, a3 (03-15 local), a4, a5, a6, a7, a8 = 7 (a2 the day before digital_since, OLD, NEW never)
    assert built.kpi(m, "brussels", "rolling_12_months", "2024-04", "services_digital_share_weighted") == (
        7,
        10,
        pytest.approx(0.7),
    )
    assert built.kpi(m, "brussels", "year", "2024", "services_digital_share_weighted")[:2] == (7, 10)
    # March: a2, a3, a7, a8, a11 known (a9 has no service) -> online a3, a7, a8 = 3/5
    assert built.kpi(m, "brussels", "month", "2024-03", "services_digital_share_weighted")[:2] == (3, 5)
    # the day before and the day of digital_since, by local date (a3 is 03-14 in UTC)
    assert built.kpi(m, "brussels", "day", "2024-03-14", "services_digital_share_weighted")[:2] == (0, 1)
    assert built.kpi(m, "brussels", "day", "2024-03-15", "services_digital_share_weighted")[:2] == (1, 1)
    # a9 (no code) and a10 (ZZZ) are in neither term: counted apart
    assert built.kpi(m, "brussels", "year", "2024", "unknown_service_requests") == (2, None, 2.0)
    assert built.kpi(m, "brussels", "month", "2024-03", "unknown_service_requests")[0] == 1


def test_launch_adoption_window_and_periods(built: Built) -> None:
    rows = built.query(
        "select commune_id, period_type, period, numerator, denominator, detail from main.int_services__kpis "
        "where kpi_name = 'launch_adoption' order by commune_id, period_type, period"
    )
    # MAR, window 03-15..04-13 by local date: a3 portal, a4 email, a5 portal (L+29) digital, a7 phone
    # known, a8 unknown channel left out; a2 (L-1) and a6 (L+30 locally) out -> 3/4
    mar = "launch 2024-03-15; window 2024-03-15 to 2024-04-13"
    nyx = "launch 2024-03-20; window 2024-03-20 to 2024-04-18; incomplete: the data ends on 2024-03-20"
    assert rows == [
        # every period containing 03-15; rolling windows up to the last month of data (2024-04)
        ("brussels", "day", "2024-03-15", 3, 4, mar),
        ("brussels", "month", "2024-03", 3, 4, mar),
        ("brussels", "quarter", "2024-Q1", 3, 4, mar),
        ("brussels", "rolling_12_months", "2024-03", 3, 4, mar),
        ("brussels", "rolling_12_months", "2024-04", 3, 4, mar),
        ("brussels", "week", "2024-W11", 3, 4, mar),
        ("brussels", "year", "2024", 3, 4, mar),
        ("nyc", "day", "2024-03-20", 1, 1, nyx),
        ("nyc", "month", "2024-03", 1, 1, nyx),
        ("nyc", "quarter", "2024-Q1", 1, 1, nyx),
        ("nyc", "rolling_12_months", "2024-03", 1, 1, nyx),
        ("nyc", "week", "2024-W12", 1, 1, nyx),
        ("nyc", "year", "2024", 1, 1, nyx),
    ]
    breakdowns = built.query(
        "select distinct breakdown, breakdown_value from main.int_services__kpis where kpi_name = 'launch_adoption'"
    )
    assert sorted(breakdowns) == [("service", "MAR"), ("service", "NYX")]


def test_request_kpis_per_service_and_channel(built: Built) -> None:
    m = "int_requests__kpis"
    # MAR in 2024: a2-a8 = 7; known a2-a7 = 6, digital a3 a4 a5 a6 = 4; after hours a3 a4 a5 a6 = 4
    assert built.kpi(m, "brussels", "year", "2024", "requests_volume", "MAR") == (7, None, 7.0)
    assert built.kpi(m, "brussels", "year", "2024", "digital_take_up", "MAR") == (4, 6, pytest.approx(2 / 3))
    assert built.kpi(m, "brussels", "year", "2024", "after_hours_share", "MAR") == (4, 7, pytest.approx(4 / 7))
    # portal: a1 (in), a3, a5, a10 (Saturday) -> 4 requests, 3 after hours; counter a2 a11 a12 all in
    assert built.kpi(m, "brussels", "year", "2024", "requests_volume", "portal") == (4, None, 4.0)
    assert built.kpi(m, "brussels", "year", "2024", "after_hours_share", "portal") == (3, 4, 0.75)
    assert built.kpi(m, "brussels", "year", "2024", "after_hours_share", "counter") == (0, 3, 0.0)
    # no digital_take_up per channel; a8 is the only unknown channel
    assert built.query("select count(*) from main.int_requests__kpis where kpi_name = 'digital_take_up' "
                       "and breakdown = 'channel'") == [(0,)]  # fmt: skip
    assert built.kpi(m, "brussels", "year", "2024", "unknown_channel_requests") == (1, None, 1.0)
    # a9 has no service code: in 'all' (12 requests), in no service (11 = EID 1 + MAR 7 + ZZZ 1 + OLD 1 + NEW 1)
    assert built.kpi(m, "brussels", "year", "2024", "requests_volume")[0] == 12
    by_service = built.query(
        "select breakdown_value, numerator from main.int_requests__kpis where commune_id = 'brussels' "
        "and period_type = 'year' and kpi_name = 'requests_volume' and breakdown = 'service' order by 1"
    )
    assert by_service == [("EID", 1), ("MAR", 7), ("NEW", 1), ("OLD", 1), ("ZZZ", 1)]


def test_dim_service_and_dim_channel(built: Built) -> None:
    assert built.query(
        "select commune_id, service_code, active_from, retired_on, digital_since from main.dim_service order by 1, 2"
    ) == sorted((c, s, a, r, d) for c, s, a, r, d in SERVICES)
    channels = built.query(
        "select commune_id, channel, is_digital from main.dim_channel order by commune_id, sort_order"
    )
    digital = {"brussels": {"portal", "app", "email"}, "nyc": {"portal", "app"}}
    vocabulary = ["portal", "app", "email", "phone", "counter", "post", "other", "unknown"]
    assert channels == [(c, ch, ch in digital[c]) for c in ("brussels", "nyc") for ch in vocabulary]


def test_dim_date(built: Built) -> None:
    # events from 2024-02-20 to 2024-04-20: the whole year 2024 (its end is the last period end)
    assert built.query("select count(*), min(date_day), max(date_day) from main.dim_date") == [
        (366, date(2024, 1, 1), date(2024, 12, 31))
    ]
    row = built.query(
        "select day_label, iso_weekday, is_weekend, week_label, week_start, week_end, month_label, "
        "quarter_label, quarter_end, year_label from main.dim_date where date_day = date '2024-12-30'"
    )
    assert row == [
        ("2024-12-30", 1, False, "2025-W01", date(2024, 12, 30), date(2025, 1, 5), "2024-12", "2024-Q4",
         date(2024, 12, 31), "2024"),
    ]  # fmt: skip
    assert built.query("select iso_weekday, is_weekend from main.dim_date where date_day = date '2024-03-17'") == [
        (7, True)
    ]
