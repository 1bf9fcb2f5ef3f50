"""The Channels page over a tiny hand-made gold lake: channel mix, weekday x hour heatmap, appointments,
daily active citizens. Expected figures are computed here from the fixture rows with pandas, never read
back from the page."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dashboard_fixtures import (
    KPI_SCHEMA,
    captions,
    communes_table,
    gold_folder,
    metrics,
    open_app,
    record_downloads,
    table_with,
)
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards.i18n import TEXTS, format_int, format_pct

PAGE = "views/channels.py"
BRUSSELS = ZoneInfo("Europe/Brussels")
HOSTILE = "x' OR '1'='1"

# (commune, request id, service, channel, local creation time, within office hours?)
# Office hours: Monday to Friday 08:00-17:00 local, 2024-01-01 a holiday (closed all day).
REQUESTS: list[tuple[str, str, str, str, dt.datetime, bool]] = [
    ("brussels", "R01", "POP-EID", "portal", dt.datetime(2024, 1, 2, 9, 15), True),
    ("brussels", "R02", "POP-EID", "portal", dt.datetime(2024, 1, 2, 9, 40), True),
    ("brussels", "R03", "POP-EID", "counter", dt.datetime(2024, 1, 2, 9, 55), True),
    ("brussels", "R04", "URB-INFO", "email", dt.datetime(2024, 1, 2, 21, 10), False),
    ("brussels", "R05", "URB-INFO", "phone", dt.datetime(2024, 1, 3, 10, 5), True),
    ("brussels", "R06", "POP-EID", "app", dt.datetime(2024, 1, 6, 11, 0), False),  # a Saturday
    ("brussels", "R07", "URB-INFO", "portal", dt.datetime(2024, 1, 1, 10, 30), False),  # New Year: closed
    ("brussels", "R08", "URB-INFO", "portal", dt.datetime(2024, 1, 8, 10, 10), True),
    ("brussels", "R09", "URB-INFO", "portal", dt.datetime(2024, 1, 15, 10, 20), True),
    ("brussels", "R10", "POP-EID", "unknown", dt.datetime(2024, 2, 5, 7, 59), False),
    ("brussels", "R11", "POP-EID", "portal", dt.datetime(2024, 2, 5, 8, 0), True),
    ("brussels", "R12", "URB-INFO", "counter", dt.datetime(2024, 2, 14, 14, 30), True),
    ("brussels", "R13", "POP-EID", "email", dt.datetime(2024, 2, 29, 23, 59), False),
    ("brussels", "R14", "POP-EID", "portal", dt.datetime(2024, 12, 31, 23, 30), False),
    ("brussels", "R15", "POP-EID", "portal", dt.datetime(2023, 12, 31, 23, 30), False),  # the year before
    ("brussels", "R16", "POP-EID", "app", dt.datetime(2024, 4, 1, 1, 30), False),  # 2024-03-31 23:30 UTC
    ("ixelles", "X01", "POP-EID", "portal", dt.datetime(2024, 1, 2, 9, 0), True),  # another commune
]
# (channel, FR, NL, EN, digital, sort order)
CHANNELS = [
    ("portal", "Portail web", "Webportaal", "Web portal", True, 1),
    ("app", "Application mobile", "Mobiele app", "Mobile app", True, 2),
    ("email", "Courriel", "E-mail", "Email", True, 3),
    ("phone", "Téléphone", "Telefoon", "Phone", False, 4),
    ("counter", "Guichet", "Loket", "Counter", False, 5),
    ("post", "Courrier postal", "Post", "Post", False, 6),
    ("unknown", "Inconnu", "Onbekend", "Unknown", False, 8),
]
# kpi_adoption rows: (period_type, period, start, end, kpi, breakdown, breakdown value, num, den, value, unit)
Y, M1, M2 = ("year", "2024"), ("month", "2024-01"), ("month", "2024-02")
SPANS = {
    Y: (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    M1: (dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
    M2: (dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
}
# (period, breakdown, value): online (num, den), cancellations (num, den), no-shows (num, den), booked.
APPOINTMENTS = [
    (Y, "all", "all", (160, 200), (14, 200), (9, 170), 200),
    (M1, "all", "all", (70, 100), (7, 100), (4, 85), 100),
    (M2, "all", "all", (90, 100), (6, 100), (5, 85), 100),
    (Y, "service", "POP-EID", (90, 100), (5, 100), (4, 80), 100),
    (M1, "service", "POP-EID", (40, 50), (2, 50), (1, 40), 50),
    (M2, "service", "POP-EID", (50, 50), (3, 50), (3, 40), 50),
    (Y, "site", "Antenne Laeken", (1, 3), (1, 3), (1, 3), 3),  # another breakdown: never shown
]
DAILY = {
    dt.date(2024, 1, 1): 600,
    dt.date(2024, 1, 2): 1200,
    dt.date(2024, 1, 3): 1100,
    dt.date(2024, 1, 4): 1300,
    dt.date(2024, 1, 5): 800,
    dt.date(2024, 2, 1): 900,
}
# Period figures of the logins: mean (citizen-days / days) and weekday median (over n weekdays).
CITIZENS = {Y: ((5900, 6), (1000, 6)), M1: ((5000, 5), (1100, 5)), M2: ((900, 1), (900, 1))}


def _kpi(period: tuple[str, str], kpi: str, num: int | None, den: int | None, value: float, unit: str, **extra: str):
    start, end = SPANS[period]
    row = {"commune_id": "brussels", "period_type": period[0], "period": period[1], "period_start": start}
    row |= {"period_end": end, "kpi_name": kpi, "breakdown": "all", "breakdown_value": "all"}
    return row | {"numerator": num, "denominator": den, "value": value, "unit": unit, "detail": None} | extra


def kpi_rows() -> list[dict[str, object]]:
    rows = []
    for period, breakdown, value, online, cancelled, no_show, booked in APPOINTMENTS:
        where = {"breakdown": breakdown, "breakdown_value": value}
        for kpi, (num, den) in (
            ("appointments_online_share", online),
            ("appointments_cancellation_rate", cancelled),
            ("appointments_no_show_rate", no_show),
        ):
            rows.append(_kpi(period, kpi, num, den, num / den, "share", **where))
        rows.append(_kpi(period, "appointments_booked", booked, None, float(booked), "count", **where))
    for period, ((total, days), (median, weekdays)) in CITIZENS.items():
        rows.append(_kpi(period, "daily_active_citizens", total, days, total / days, "citizens"))
        rows.append(_kpi(period, "daily_active_citizens_weekday_median", None, weekdays, float(median), "citizens"))
    for day, citizens in DAILY.items():
        row = _kpi(Y, "daily_active_citizens", citizens, None, float(citizens), "citizens")
        rows.append(row | {"period_type": "day", "period": day.isoformat(), "period_start": day, "period_end": day})
    return rows


def requests_frame() -> pd.DataFrame:
    """fct_requests as the contract has it (UTC and local times, flags)."""
    frame = pd.DataFrame(REQUESTS, columns=["commune_id", "request_id", "service_code", "channel", "local", "office"])
    digital = {c[0]: c[4] for c in CHANNELS}
    return pd.DataFrame(
        {
            "commune_id": frame["commune_id"],
            "request_id": frame["request_id"],
            "service_code": frame["service_code"],
            "channel": frame["channel"],
            "is_digital": frame["channel"].map(digital),
            "is_known_channel": frame["channel"] != "unknown",
            "created_at": [ts.replace(tzinfo=BRUSSELS).astimezone(dt.UTC) for ts in frame["local"]],
            "created_at_local": frame["local"],
            "created_date_local": [ts.date() for ts in frame["local"]],
            "is_office_hours": frame["office"],
            "is_after_hours": ~frame["office"],
            "closed_at": pd.Series([None] * len(frame), dtype="datetime64[us, UTC]"),
            "status": "open",
            "citizen_key": "c",
            "bronze_ingested_at": pd.Timestamp("2025-01-01", tz="UTC"),
        }
    )


def write_gold(lake: Path, skip: tuple[str, ...] = ()) -> Path:
    gold = gold_folder(lake)
    tables = {
        "dim_commune": communes_table(),
        "dim_service": pa.table(
            {
                "commune_id": ["brussels", "brussels"],
                "service_code": ["POP-EID", "URB-INFO"],
                "name_fr": ["Carte d'identité électronique", "Renseignements urbanistiques"],
                "name_nl": ["Elektronische identiteitskaart", "Stedenbouwkundige inlichtingen"],
                "name_en": ["Electronic identity card", "Urban planning information"],
                "process_code": ["eid", "urb"],
                "digital_since": [dt.date(2020, 1, 1), None],
            }
        ),
        "dim_channel": pa.Table.from_pylist(
            [
                {"commune_id": "brussels", "channel": c, "name_fr": fr, "name_nl": nl, "name_en": en}
                | {"is_digital": digital, "sort_order": order}
                for c, fr, nl, en, digital, order in CHANNELS
            ]
        ),
        "kpi_adoption": pa.Table.from_pylist(kpi_rows(), schema=KPI_SCHEMA),
        "fct_requests": pa.Table.from_pandas(requests_frame(), preserve_index=False),
    }
    for name, table in tables.items():
        if name not in skip:
            pq.write_table(table, gold / f"{name}.parquet")
    return gold


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_gold(root)
    return root


def run_page(monkeypatch: pytest.MonkeyPatch, lake: Path, lang: str | None = None) -> AppTest:
    return open_app(monkeypatch, lake, PAGE, lang)


def expected_requests(start: dt.date, end: dt.date, service: str | None = None) -> pd.DataFrame:
    """The fixture's requests of Brussels created between two local dates (independent of the page)."""
    frame = pd.DataFrame(REQUESTS, columns=["commune_id", "request_id", "service_code", "channel", "local", "office"])
    day = frame["local"].dt.date
    keep = (frame["commune_id"] == "brussels") & (day >= start) & (day <= end)
    if service:
        keep &= frame["service_code"] == service
    return frame[keep]


# --- data functions ------------------------------------------------------------------------------


def test_data_functions_return_the_fixture_figures(lake: Path) -> None:
    year = expected_requests(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    mix = data.channels_monthly_mix(lake, "brussels", dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    got = {(pd.Timestamp(m).strftime("%Y-%m"), c): int(n) for m, c, n in mix[["month", "channel", "requests"]].values}
    want = year.groupby([year["local"].dt.strftime("%Y-%m"), "channel"]).size().to_dict()
    assert got == want
    assert got[("2024-04", "app")] == 1  # R16: the local date (1 April), not the UTC one (31 March)
    assert list(mix.loc[mix["month"] == pd.Timestamp("2024-01-01"), "channel"]) == [
        "portal", "app", "email", "phone", "counter",
    ]  # dim_channel's sort order  # fmt: skip

    cells = data.channels_weekday_hour(lake, "brussels", "2024-01-01", "2024-12-31")
    got_cells = {(int(d), int(h)): int(n) for d, h, n in cells[["iso_weekday", "hour", "requests"]].values}
    want_cells = year.groupby([year["local"].dt.isocalendar().day, year["local"].dt.hour]).size().to_dict()
    assert got_cells == {(int(d), int(h)): n for (d, h), n in want_cells.items()}
    assert int(cells["after_hours_requests"].sum()) == int((~year["office"]).sum())

    eid = data.channels_period_kpis(lake, "brussels", "year", "2024", data.CHANNELS_APPOINTMENT_KPIS, "POP-EID")
    assert set(eid["breakdown_value"]) == {"POP-EID"} and len(eid) == 4
    daily = data.channels_daily_kpi(lake, "brussels", "daily_active_citizens", "2024-01-01", "2024-01-31")
    assert list(daily["value"]) == [v for d, v in DAILY.items() if d.month == 1]


def test_data_functions_refuse_hostile_filters(lake: Path) -> None:
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    kpis = data.CHANNELS_APPOINTMENT_KPIS
    assert data.channels_monthly_mix(lake, HOSTILE, start, end).empty
    assert data.channels_monthly_mix(lake, "brussels", start, end, HOSTILE).empty
    assert data.channels_monthly_mix(lake, "brussels", HOSTILE, end).empty
    assert data.channels_weekday_hour(lake, "brussels", start, end, HOSTILE).empty
    assert data.channels_weekday_hour(lake, "brussels", start, HOSTILE).empty
    assert data.channels_weekday_hour(lake, "brussels", 2024, end).empty
    assert data.channels_period_kpis(lake, "brussels", "year", HOSTILE, kpis).empty
    assert data.channels_period_kpis(lake, "brussels", HOSTILE, "2024", kpis).empty
    assert data.channels_period_kpis(lake, "brussels", "year", "2024", [HOSTILE]).empty
    assert data.channels_period_kpis(lake, "brussels", "year", "2024", kpis, HOSTILE).empty
    assert data.channels_monthly_kpis(lake, "brussels", start, end, kpis, HOSTILE).empty
    assert data.channels_monthly_kpis(lake, HOSTILE, start, end, kpis).empty
    assert data.channels_daily_kpi(lake, "brussels", HOSTILE, start, end).empty
    assert data.channels_daily_kpi(lake, "brussels", "daily_active_citizens", HOSTILE, end).empty
    # A well-formed but unknown service reaches DuckDB as a bound value: it matches nothing.
    assert data.channels_monthly_mix(lake, "brussels", start, end, "NO-SUCH").empty
    # And everything is still there.
    assert int(data.channels_monthly_mix(lake, "brussels", start, end)["requests"].sum()) == 15


# --- the page ------------------------------------------------------------------------------------


def test_page_shows_the_figures_of_the_fixture(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    assert not at.exception
    assert at.title[0].value == "How citizens reach us"
    assert at.selectbox(key="period_year").value == "2024"
    year = expected_requests(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    after, total = int((~year["office"]).sum()), len(year)
    assert (after, total) == (7, 15)
    _, _, _, online, cancelled, no_show, booked = APPOINTMENTS[0]
    (dac_total, dac_days), (median, weekdays) = CITIZENS[Y]
    assert metrics(at) == {
        "After-hours share": format_pct(after / total),
        "Appointments booked online": format_pct(online[0] / online[1]),
        "Cancellation rate": format_pct(cancelled[0] / cancelled[1]),
        "No-show rate": format_pct(no_show[0] / no_show[1]),
        "Appointments booked": format_int(booked),
        "Typical weekday (median)": format_int(median),
        "Daily average": format_int(round(dac_total / dac_days)),
    }
    shown = captions(at)
    assert f"{after} of {total} requests created outside office hours" in shown
    assert "160 of 200 appointments booked online" in shown
    assert "14 of 200 booked appointments cancelled" in shown
    assert "9 no-shows of 170 appointments held or missed" in shown
    assert f"median of {weekdays} weekdays" in shown
    assert "5,900 citizen-days over 6 days" in shown

    # The channel mix: counts, month totals and shares as computed from the fixture.
    mix = table_with(at, "month_total")
    want = year.groupby([year["local"].dt.strftime("%Y-%m"), "channel"]).size()
    assert {(m, c): n for m, c, n in mix[["month", "channel", "requests"]].values} == want.to_dict()
    january = mix[mix["month"] == "2024-01"].set_index("channel")
    assert (january.loc["portal", "requests"], january.loc["portal", "month_total"]) == (5, 9)  # R01 R02 R07-R09
    assert january.loc["portal", "share"] == pytest.approx(5 / 9)
    assert january.loc["portal", "channel_name"] == "Web portal" and january.loc["portal", "is_digital"]

    # The heatmap: 7 x 24 cells, the fixture's counts, the cells framed as office hours.
    cells = table_with(at, "mostly_office_hours")
    assert len(cells) == 7 * 24 and int(cells["requests"].sum()) == total
    cell = cells.set_index(["iso_weekday", "hour"])
    assert cell.loc[(2, 9), "requests"] == 3 and cell.loc[(2, 9), "mostly_office_hours"]  # R01-R03
    assert cell.loc[(1, 10), "requests"] == 3 and cell.loc[(1, 10), "mostly_office_hours"]  # 2 of 3 (holiday)
    assert cell.loc[(1, 1), "requests"] == 1 and not cell.loc[(1, 1), "mostly_office_hours"]  # R16, local hour
    assert not cell.loc[(6, 11), "mostly_office_hours"]  # Saturday
    framed = {(d, h) for (d, h), row in cell.iterrows() if row["mostly_office_hours"]}
    assert framed == {(2, 9), (3, 10), (1, 10), (1, 8), (3, 14)}

    # The charts: heatmap in grey scale with its office-hours frames and text labels, each with a text
    # alternative stating the key figures.
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(specs) == 5  # mix, heatmap, online share, the two rates, daily logins
    heatmap = next(s for s in specs if "greys" in json.dumps(s))
    assert [layer["mark"]["type"] for layer in heatmap["layer"]] == ["rect", "rect", "rect", "text"]
    assert any(f"{after} of {total} requests (46.7%) were created outside office hours" in c for c in shown)
    portal = int((year["channel"] == "portal").sum())
    assert any(f"Web portal {format_pct(portal / total)} ({portal} of {total})" in c for c in shown)


def test_service_and_period_filters(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    at.selectbox(key="service").select("POP-EID").run()
    assert not at.exception
    eid = expected_requests(dt.date(2024, 1, 1), dt.date(2024, 12, 31), "POP-EID")
    after, total = int((~eid["office"]).sum()), len(eid)
    _, _, _, online, cancelled, no_show, booked = APPOINTMENTS[3]
    shown = metrics(at)
    assert shown["After-hours share"] == format_pct(after / total)
    assert shown["Appointments booked online"] == format_pct(online[0] / online[1])  # 90.0%
    assert shown["Appointments booked"] == format_int(booked)
    assert f"{after} of {total} requests created outside office hours" in captions(at)
    assert int(table_with(at, "month_total")["requests"].sum()) == total
    assert "Portal logins are not tied to a service: these figures are for all services." in captions(at)

    # A month: the heatmap and tiles follow it, the mix still shows the whole year.
    at.selectbox(key="service").select(None).run()
    at.radio(key="period_type").set_value("month").run()
    at.selectbox(key="period_month").select("2024-02").run()
    assert not at.exception
    february = expected_requests(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    _, _, _, online, *_ = APPOINTMENTS[2]
    shown = metrics(at)
    assert shown["After-hours share"] == format_pct((~february["office"]).sum() / len(february))  # 2 of 4
    assert shown["Appointments booked online"] == format_pct(online[0] / online[1])
    assert shown["Typical weekday (median)"] == format_int(CITIZENS[M2][1][0])
    assert int(table_with(at, "mostly_office_hours")["requests"].sum()) == len(february)
    assert int(table_with(at, "month_total")["requests"].sum()) == 15
    assert list(table_with(at, "citizens")["citizens"]) == [DAILY[dt.date(2024, 2, 1)]]

    # Counts instead of shares in the mix.
    at.radio(key="channels_mix_mode").set_value("count").run()
    assert not at.exception


def test_language_switch(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    at.radio(key="lang").set_value("nl").run()
    assert not at.exception
    assert at.title[0].value == "Hoe burgers ons bereiken"
    assert metrics(at)["Aandeel online geboekte afspraken"] == "80,0%"
    assert "160 van 200 afspraken online geboekt" in captions(at)
    assert set(table_with(at, "channel_name")["channel_name"]) >= {"Webportaal", "Loket"}
    at.radio(key="lang").set_value("fr").run()
    assert not at.exception
    assert at.title[0].value == "Comment les citoyens nous contactent"
    assert metrics(at)["Part des rendez-vous pris en ligne"] == "80,0\u202f%"
    assert "Taux d'absence" in metrics(at)


def test_every_channels_text_in_three_languages() -> None:
    keys = {k for k in TEXTS["en"] if k.startswith("channels.")}
    assert len(keys) > 50
    for lang in ("fr", "nl"):
        assert {k for k in TEXTS[lang] if k.startswith("channels.")} == keys


def test_csv_downloads(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = record_downloads(monkeypatch)
    at = run_page(monkeypatch, lake)
    offered = {str(d["key"]): d["data"] for d in downloads}
    assert not at.exception
    assert set(offered) == {
        "channels_download_mix",
        "channels_download_heatmap",
        "channels_download_appointments",
        "channels_download_daily",
    }
    heatmap = pd.read_csv(io.StringIO(offered["channels_download_heatmap"].decode("utf-8")))
    assert (int(heatmap["requests"].sum()), int(heatmap["after_hours_requests"].sum())) == (15, 7)
    appointments = pd.read_csv(io.StringIO(offered["channels_download_appointments"].decode("utf-8")), dtype=str)
    online = appointments[
        (appointments["period"] == "2024") & (appointments["kpi_name"] == "appointments_online_share")
    ]
    assert (online.iloc[0]["numerator"], online.iloc[0]["denominator"]) == ("160", "200")
    daily = pd.read_csv(io.StringIO(offered["channels_download_daily"].decode("utf-8")))
    assert list(daily["citizens"]) == list(DAILY.values())


def test_missing_tables_are_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = tmp_path / "lake"
    gold = write_gold(lake, skip=("fct_requests", "dim_channel"))
    at = run_page(monkeypatch, lake)
    assert not at.exception
    messages = [m.value for m in at.info]
    assert f"This part needs fct_requests.parquet, dim_channel.parquet in {gold.resolve()}: " in messages[0]
    assert f"This part needs fct_requests.parquet in {gold.resolve()}: " in messages[1]
    # The parts from kpi_adoption are still there.
    assert metrics(at)["Appointments booked online"] == "80.0%"
