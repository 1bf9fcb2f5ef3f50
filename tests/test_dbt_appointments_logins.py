"""The appointment and portal-login models (fct_appointments, fct_portal_logins, int_appointments__kpis,
int_portal_logins__kpis) built with dbt on a hand-made bronze lake.

The reference tables come from tests/test_dbt_models.py; the appointments and logins below are written in
the bronze contract (docs/data-contracts.md: `bronze/<entity>/commune=<id>/date=<local day>/data.parquet`,
the day being the local day of booked_at / login_at). Every expected figure is computed by hand in the
comments, from the local time of each row (Europe/Brussels: CET = UTC+1 until 2024-03-31 01:00 UTC,
CEST = UTC+2 until 2024-10-27 01:00 UTC; America/New_York: EDT = UTC-4 in May).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.schemas import ENTITY_SCHEMAS, PARTITION_TIME
from tests.test_dbt_models import TIMEZONES, run_dbt, write_bronze_lake

LINEAGE_SCHEMA = pa.schema(
    [
        ("_source", pa.string()),
        ("_batch_id", pa.string()),
        ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ("_row_hash", pa.string()),
    ]
)
LOAD_1 = datetime(2025, 2, 1, 1, 0, tzinfo=UTC)
LOAD_2 = datetime(2025, 2, 2, 1, 0, tzinfo=UTC)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def citizen(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def appointment(
    appointment_id: str,
    channel: str,
    status: str,
    booked: datetime,
    slot: datetime,
    service: str | None,
    site: str | None,
    commune: str = "brussels",
    load: datetime = LOAD_1,
) -> tuple[datetime, dict]:
    return load, {
        "commune_id": commune, "appointment_id": appointment_id, "service_code": service,
        "booking_channel": channel, "booked_at": booked, "slot_start": slot,
        "slot_end": slot + timedelta(minutes=15), "status": status, "site": site,
        "citizen_key": citizen(appointment_id),
    }  # fmt: skip


def login(name: str, at: datetime, method: str, success: bool, commune: str = "brussels") -> tuple[datetime, dict]:
    return LOAD_1, {
        "commune_id": commune, "citizen_key": citizen(name), "login_at": at, "method": method, "success": success,
    }  # fmt: skip


# Appointments.                 booked UTC -> local date      slot UTC -> local date    days  channel status
# ap1 (2nd load wins)           03-29 10:00 -> Fri 03-29       04-02 08:00 -> 04-02      4     online  attended
# ap2                           03-31 22:30 -> Mon 04-01 (!)   04-01 13:00 -> 04-01      0     phone   no-show
# ap3                           04-10 07:00 -> 04-10           05-02 07:00 -> 05-02      22    online  cancelled
# ap4                           06-28 21:30 -> 06-28 23:30     07-01 07:00 -> 07-01      3     online  no-show
# ap5                           12-20 09:00 -> 12-20           2025-01-07 09:00 -> 01-07 18    counter booked
# ap6                           11-04 08:00 -> 11-04           11-05 08:00 -> 11-05      1     online  attended
# (ap2 is booked on UTC 03-31 but local 04-01 after the change to summer time: booked in April.)
# services / sites: ap1 EID/Centre, ap2 EID/Centre, ap3 PASS/Laeken, ap4 PASS/Laeken, ap5 EID/(none),
# ap6 (none)/Centre.
# nyc: n1 booked 05-02 02:00 UTC -> 05-01 22:00 local, slot 05-03 14:00 UTC -> 05-03 10:00: 2 days, online.
APPOINTMENTS = [
    appointment("ap1", "online", "booked", utc(2024, 3, 29, 10), utc(2024, 4, 2, 8), "EID", "Centre"),
    appointment("ap1", "online", "attended", utc(2024, 3, 29, 10), utc(2024, 4, 2, 8), "EID", "Centre", load=LOAD_2),
    appointment("ap2", "phone", "no-show", utc(2024, 3, 31, 22, 30), utc(2024, 4, 1, 13), "EID", "Centre"),
    appointment("ap3", "online", "cancelled", utc(2024, 4, 10, 7), utc(2024, 5, 2, 7), "PASS", "Laeken"),
    appointment("ap4", "online", "no-show", utc(2024, 6, 28, 21, 30), utc(2024, 7, 1, 7), "PASS", "Laeken"),
    appointment("ap5", "counter", "booked", utc(2024, 12, 20, 9), utc(2025, 1, 7, 9), "EID", None),
    appointment("ap6", "online", "attended", utc(2024, 11, 4, 8), utc(2024, 11, 5, 8), None, "Centre"),
    appointment("n1", "online", "attended", utc(2024, 5, 2, 2), utc(2024, 5, 3, 14), "EID", "Manhattan", "nyc"),
]

# Logins, brussels, the week of Monday 2024-07-01 (2024-W27, CEST = UTC+2):
#   L1 c1 Mon 07-01 08:00 UTC itsme ok           -> Mon
#   L2 c1 Mon 07-01 12:00 UTC eid ok             -> Mon (second login of c1 that day, another method)
#   L3 c2 Mon 07-01 22:30 UTC itsme ok           -> Tue 07-02 00:30 local (the next local day)
#   L4 c3 Tue 07-02 09:00 UTC password FAILED    -> counted nowhere (but 'password' is a method value)
#   L5 c3 Wed 07-03 09:00 UTC password ok        -> Wed
#   L6 c1 Wed 07-03 10:00 UTC itsme ok           -> Wed
#   (Thu 07-04, Fri 07-05: no login at all)
#   L7 c4 Sat 07-06 10:00 UTC itsme ok           -> Sat
#   L8 c1 Sun 07-07 21:30 UTC itsme ok           -> Sun 23:30 local
LOGINS = [
    login("c1", utc(2024, 7, 1, 8), "itsme", True),
    login("c1", utc(2024, 7, 1, 12), "eid", True),
    login("c2", utc(2024, 7, 1, 22, 30), "itsme", True),
    login("c3", utc(2024, 7, 2, 9), "password", False),
    login("c3", utc(2024, 7, 3, 9), "password", True),
    login("c1", utc(2024, 7, 3, 10), "itsme", True),
    login("c4", utc(2024, 7, 6, 10), "itsme", True),
    login("c1", utc(2024, 7, 7, 21, 30), "itsme", True),
]


def write_entities(
    lake: Path,
    appointments: list[tuple[datetime, dict]] = APPOINTMENTS,
    logins: list[tuple[datetime, dict]] = LOGINS,
) -> None:
    """Writes the appointments and logins in the contract's folders, one file per commune and local day."""
    for entity, loads in {"appointment": appointments, "portal_login": logins}.items():
        schema = pa.schema(list(ENTITY_SCHEMAS[entity]) + list(LINEAGE_SCHEMA))
        files: dict[Path, list[dict]] = {}
        for load, values in loads:
            row = {name: values.get(name) for name in ENTITY_SCHEMAS[entity].names}
            row |= {"_source": f"fixture:{entity}", "_batch_id": f"load-{load.day}", "_ingested_at": load}
            row["_row_hash"] = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
            local_day = row[PARTITION_TIME[entity]].astimezone(ZoneInfo(TIMEZONES[row["commune_id"]])).date()
            folder = lake / "bronze" / entity / f"commune={row['commune_id']}" / f"date={local_day.isoformat()}"
            files.setdefault(folder, []).append(row)
        for folder, rows in files.items():
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "data.parquet")


def query(work: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(work / "civiclake.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dbt_appointments_logins")
    lake, work = root / "lake", root / "work"
    write_bronze_lake(lake)
    write_entities(lake)
    work.mkdir()
    # This file's lineage, its data and unit tests; tests that also read models outside it are left to the
    # other test files (cautious indirect selection).
    select = [
        "--select", "+int_appointments__kpis", "+int_portal_logins__kpis", "dim_commune",
        "--indirect-selection", "cautious",
    ]  # fmt: skip
    result = run_dbt(["build", *select], lake, work)
    assert result.returncode == 0, f"exit code {result.returncode}\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
    return work


def kpis(work: Path, table: str, where: str) -> dict[tuple, tuple]:
    """(kpi_name, 'all' or 'breakdown:value') -> (numerator, denominator, value) of one commune and period."""
    rows = query(
        work,
        "select kpi_name, case when breakdown = 'all' then 'all' else breakdown || ':' || breakdown_value end, "
        f"numerator, denominator, value from main.{table} where {where}",
    )
    return {(r[0], r[1]): r[2:] for r in rows}


def approx(value: float | None) -> object:
    return None if value is None else pytest.approx(value)


# --- the build -----------------------------------------------------------------------------------------


def test_build_ran_the_models_their_data_tests_and_unit_tests(work: Path) -> None:
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    status = {r["unique_id"]: r["status"] for r in results}
    assert all(s in {"success", "pass"} for s in status.values()), status
    models = {"fct_appointments", "fct_portal_logins", "int_appointments__breakdowns", "int_appointments__kpis"}
    models |= {"int_portal_logins__breakdowns", "int_portal_logins__kpis"}
    assert {f"model.civiclake.{m}" for m in models} <= set(status)
    tests = {uid for uid in status if uid.startswith("test.")}
    for model in ("int_appointments__kpis", "int_portal_logins__kpis"):
        assert any(uid.startswith(f"test.civiclake.kpi_long_format_{model}") for uid in tests), model
    unit_tests = {uid.rsplit(".", 1)[-1] for uid in status if uid.startswith("unit_test.")}
    assert {
        "fct_appointments_local_calendar_days_and_status_flags",
        "int_appointments__kpis_booking_date_and_slot_date_calendars",
        "int_portal_logins__kpis_daily_counts_mean_weekday_median_and_distinct_citizens",
        "stg_bronze__portal_logins_local_day_for_daily_active_citizens",
    } <= unit_tests


# --- fct_appointments, fct_portal_logins -------------------------------------------------------------------


def test_fct_appointments_local_dates_days_and_latest_status(work: Path) -> None:
    rows = query(
        work,
        "select appointment_id, status, booked_date_local, slot_date_local, days_booking_to_slot, is_online_booking "
        "from main.fct_appointments where commune_id = 'brussels'",
    )
    assert sorted(rows) == [
        ("ap1", "attended", date(2024, 3, 29), date(2024, 4, 2), 4, True),
        ("ap2", "no-show", date(2024, 4, 1), date(2024, 4, 1), 0, False),
        ("ap3", "cancelled", date(2024, 4, 10), date(2024, 5, 2), 22, True),
        ("ap4", "no-show", date(2024, 6, 28), date(2024, 7, 1), 3, True),
        ("ap5", "booked", date(2024, 12, 20), date(2025, 1, 7), 18, False),
        ("ap6", "attended", date(2024, 11, 4), date(2024, 11, 5), 1, True),
    ]


def test_fct_portal_logins_one_row_per_attempt_on_its_local_day(work: Path) -> None:
    rows = query(work, "select login_date_local, method, success from main.fct_portal_logins")
    assert sorted(rows) == sorted(
        [
            (date(2024, 7, 1), "itsme", True),
            (date(2024, 7, 1), "eid", True),
            (date(2024, 7, 2), "itsme", True),  # 22:30 UTC on Monday
            (date(2024, 7, 2), "password", False),
            (date(2024, 7, 3), "password", True),
            (date(2024, 7, 3), "itsme", True),
            (date(2024, 7, 6), "itsme", True),
            (date(2024, 7, 7), "itsme", True),
        ]
    )


# --- appointment KPIs ------------------------------------------------------------------------------------


def test_appointment_kpis_year_2024_brussels(work: Path) -> None:
    got = kpis(work, "int_appointments__kpis", "commune_id = 'brussels' and period_type = 'year' and period = '2024'")
    # By booking date, all six booked in 2024. Online ap1 ap3 ap4 ap6 = 4/6; cancelled ap3 = 1/6;
    # lead days 4+0+22+3+18+1 = 48 -> 48/6 = 8; median of 0,1,3,4,18,22 = (3+4)/2 = 3.5.
    # By slot date (2024): ap1 attended, ap2 no-show, ap4 no-show, ap6 attended (ap3 cancelled out,
    # ap5's slot is in 2025) -> 2 / (2 + 2) = 0.5.
    # Services: EID = ap1 ap2 ap5 (online ap1: 1/3; lead 4+0+18 = 22; median 4; no-show ap2 of ap1 ap2 = 1/2);
    # PASS = ap3 ap4 (online 2/2; cancelled 1/2; lead 25, median 12.5; no-show ap4 = 1/1);
    # unknown = ap6 (1 booked; attended: no-show 0/1). Sites: Centre = ap1 ap2 ap6 (online ap1 ap6: 2/3;
    # slots ap1 attended, ap2 no-show, ap6 attended: 1/3); Laeken = ap3 ap4; unknown = ap5 (slot in 2025: 0/0).
    expected = {
        ("appointments_booked", "all"): (6, None, 6.0),
        ("appointments_online_share", "all"): (4, 6, 4 / 6),
        ("appointments_cancellation_rate", "all"): (1, 6, 1 / 6),
        ("appointments_booking_lead_days", "all"): (48, 6, 8.0),
        ("appointments_booking_lead_days_median", "all"): (None, 6, 3.5),
        ("appointments_no_show_rate", "all"): (2, 4, 0.5),
        ("appointments_booked", "service:EID"): (3, None, 3.0),
        ("appointments_online_share", "service:EID"): (1, 3, 1 / 3),
        ("appointments_cancellation_rate", "service:EID"): (0, 3, 0.0),
        ("appointments_booking_lead_days", "service:EID"): (22, 3, 22 / 3),
        ("appointments_booking_lead_days_median", "service:EID"): (None, 3, 4.0),
        ("appointments_no_show_rate", "service:EID"): (1, 2, 0.5),
        ("appointments_booked", "service:PASS"): (2, None, 2.0),
        ("appointments_online_share", "service:PASS"): (2, 2, 1.0),
        ("appointments_cancellation_rate", "service:PASS"): (1, 2, 0.5),
        ("appointments_booking_lead_days", "service:PASS"): (25, 2, 12.5),
        ("appointments_booking_lead_days_median", "service:PASS"): (None, 2, 12.5),
        ("appointments_no_show_rate", "service:PASS"): (1, 1, 1.0),
        ("appointments_booked", "site:Centre"): (3, None, 3.0),
        ("appointments_online_share", "site:Centre"): (2, 3, 2 / 3),
        ("appointments_no_show_rate", "site:Centre"): (1, 3, 1 / 3),
        ("appointments_booked", "site:Laeken"): (2, None, 2.0),
        ("appointments_no_show_rate", "service:unknown"): (0, 1, 0.0),  # ap6 attended
        ("appointments_booked", "site:unknown"): (1, None, 1.0),  # ap5
        ("appointments_no_show_rate", "site:unknown"): (0, 0, None),  # ap5's slot is in 2025
    }
    for key, (numerator, denominator, value) in expected.items():
        assert got[key] == (numerator, denominator, approx(value)), key
    assert {v for (_, v) in got} == {
        "all", "service:EID", "service:PASS", "service:unknown", "site:Centre", "site:Laeken", "site:unknown",
    }  # fmt: skip


def test_appointment_kpis_use_booking_months_and_slot_months(work: Path) -> None:
    def month(period: str) -> dict[str, tuple]:
        rows = kpis(
            work,
            "int_appointments__kpis",
            f"commune_id = 'brussels' and period_type = 'month' and period = '{period}' and breakdown = 'all'",
        )
        return {name: v for (name, _), v in rows.items()}

    # March: ap1 only (ap2 is booked on local 04-01); the slot calendar starts on 04-01 (ap2): no March.
    assert month("2024-03")["appointments_booked"] == (1, None, 1.0)
    assert "appointments_no_show_rate" not in month("2024-03")
    # April: booked ap2 ap3 (online ap3: 1/2); slots ap1 attended, ap2 no-show: 1/2.
    assert month("2024-04")["appointments_online_share"] == (1, 2, 0.5)
    assert month("2024-04")["appointments_no_show_rate"] == (1, 2, 0.5)
    # May: nothing booked; ap3's slot is cancelled: 0/0. June: ap4 booked (no slot); July: ap4 no-show 1/1.
    assert month("2024-05")["appointments_booked"] == (0, None, 0.0)
    assert month("2024-05")["appointments_no_show_rate"] == (0, 0, None)
    assert month("2024-06")["appointments_booking_lead_days"] == (3, 1, 3.0)
    assert month("2024-07")["appointments_no_show_rate"] == (1, 1, 1.0)
    # January 2025 exists for the slot calendar only (ap5, still booked: 0/0), not for bookings.
    assert month("2025-01") == {"appointments_no_show_rate": (0, 0, None)}


def test_appointment_kpis_report_every_day_between_the_first_and_last_booking(work: Path) -> None:
    rows = query(
        work,
        "select period, numerator from main.int_appointments__kpis where commune_id = 'brussels' "
        "and period_type = 'day' and kpi_name = 'appointments_booked' and breakdown = 'all'",
    )
    days = dict(rows)
    first, last = date(2024, 3, 29), date(2024, 12, 20)
    assert len(days) == (last - first).days + 1
    assert days["2024-03-30"] == 0
    assert days["2024-04-01"] == 1  # ap2, booked at 22:30 UTC on 03-31
    assert sum(days.values()) == 6
    # a day without bookings: the ratios have a null value over a zero denominator
    assert kpis(
        work,
        "int_appointments__kpis",
        "commune_id = 'brussels' and period_type = 'day' and period = '2024-03-30' and breakdown = 'all'",
    )[("appointments_online_share", "all")] == (0, 0, None)


def test_appointment_kpis_communes_do_not_mix(work: Path) -> None:
    got = kpis(work, "int_appointments__kpis", "commune_id = 'nyc' and period_type = 'year' and period = '2024'")
    # n1: booked on local 05-01 (22:00 EDT), online, slot 05-03: 2 days, attended.
    assert got[("appointments_booked", "all")] == (1, None, 1.0)
    assert got[("appointments_online_share", "all")] == (1, 1, 1.0)
    assert got[("appointments_booking_lead_days", "all")] == (2, 1, 2.0)
    assert got[("appointments_no_show_rate", "all")] == (0, 1, 0.0)
    assert query(
        work,
        "select period from main.int_appointments__kpis where commune_id = 'nyc' and period_type = 'day' "
        "and kpi_name = 'appointments_booked' and breakdown = 'all'",
    ) == [("2024-05-01",)]


# --- portal login KPIs -----------------------------------------------------------------------------------


def test_portal_kpis_year_2024_brussels(work: Path) -> None:
    got = kpis(work, "int_portal_logins__kpis", "commune_id = 'brussels' and period_type = 'year' and period = '2024'")
    # Days in the data: 07-01 .. 07-07 (7 days). Active citizens per local day, all methods:
    #   Mon c1 (twice) = 1, Tue c2 (L3, 22:30 UTC Monday) = 1, Wed c3 c1 = 2, Thu 0, Fri 0, Sat c4 = 1,
    #   Sun c1 = 1 -> sum 6 over 7 days; weekday median of 1,1,2,0,0 = 1 over 5 days; distinct c1..c4 = 4.
    # Per method: itsme Mon c1, Tue c2, Wed c1, Sat c4, Sun c1 -> 5/7, weekdays 1,1,1,0,0 -> 1, c1 c2 c4 = 3;
    #   eid Mon c1 -> 1/7, weekdays 1,0,0,0,0 -> 0, 1 citizen; password (L4 failed) Wed c3 -> 1/7, 0, 1.
    # Were L3 put on its UTC day, Mon would be 2 and Tue 0: weekday median 0. Were L4 counted, Tue 2.
    expected = {
        ("daily_active_citizens", "all"): (6, 7, 6 / 7),
        ("daily_active_citizens_weekday_median", "all"): (None, 5, 1.0),
        ("active_citizens", "all"): (4, None, 4.0),
        ("daily_active_citizens", "method:itsme"): (5, 7, 5 / 7),
        ("daily_active_citizens_weekday_median", "method:itsme"): (None, 5, 1.0),
        ("active_citizens", "method:itsme"): (3, None, 3.0),
        ("daily_active_citizens", "method:eid"): (1, 7, 1 / 7),
        ("daily_active_citizens_weekday_median", "method:eid"): (None, 5, 0.0),
        ("active_citizens", "method:eid"): (1, None, 1.0),
        ("daily_active_citizens", "method:password"): (1, 7, 1 / 7),
        ("daily_active_citizens_weekday_median", "method:password"): (None, 5, 0.0),
        ("active_citizens", "method:password"): (1, None, 1.0),
    }
    assert set(got) == set(expected)
    for key, (numerator, denominator, value) in expected.items():
        assert got[key] == (numerator, denominator, approx(value)), key


def test_portal_kpis_per_day(work: Path) -> None:
    rows = query(
        work,
        "select period, numerator, denominator, value from main.int_portal_logins__kpis "
        "where commune_id = 'brussels' and period_type = 'day' and kpi_name = 'daily_active_citizens' "
        "and breakdown = 'all'",
    )
    assert sorted(rows) == [
        ("2024-07-01", 1, None, 1.0),
        ("2024-07-02", 1, None, 1.0),
        ("2024-07-03", 2, None, 2.0),
        ("2024-07-04", 0, None, 0.0),
        ("2024-07-05", 0, None, 0.0),
        ("2024-07-06", 1, None, 1.0),
        ("2024-07-07", 1, None, 1.0),
    ]
    # the whole week is 2024-W27, in the data from Monday to Sunday
    week = kpis(
        work, "int_portal_logins__kpis", "commune_id = 'brussels' and period = '2024-W27' and breakdown = 'all'"
    )
    assert week[("daily_active_citizens", "all")] == (6, 7, approx(6 / 7))
    assert query(work, "select count(*) from main.int_portal_logins__kpis where commune_id = 'nyc'") == [(0,)]
