"""The Contact centre page over a tiny hand-made gold lake (AppTest), and its data functions."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dashboard_fixtures import KPI_SCHEMA, captions, communes_table, gold_folder, metrics, open_app, record_downloads
from streamlit.testing.v1 import AppTest

from dashboards import data

HOSTILE = "x' OR '1'='1"

# Hand-chosen figures of a period: offered, answered, abandoned, short abandons, answered within 20 s,
# service-level denominator (answered + abandoned after 20 s), total wait (s), total talk (s).
FIGURES = {
    ("brussels", "all", "all"): (1_000, 850, 100, 50, 600, 900, 21_250, 170_000),
    ("brussels", "queue", "population"): (600, 520, 60, 20, 390, 560, 13_000, 98_800),
    ("brussels", "queue", "info"): (400, 330, 40, 30, 210, 340, 8_250, 71_200),
    ("ixelles", "all", "all"): (200, 150, 40, 10, 120, 180, 4_500, 36_000),
}
# Day rows of March 2024 (brussels, breakdown all).
DAYS = {
    dt.date(2024, 3, 1): (120, 100, 15, 5, 80, 110, 2_600, 19_000),
    dt.date(2024, 3, 2): (60, 54, 4, 2, 50, 56, 900, 11_000),
    dt.date(2024, 3, 4): (150, 120, 25, 5, 84, 140, 3_600, 26_400),
}


def _kpi_rows(commune: str, ptype: str, period: str, start: dt.date, end: dt.date, breakdown: str, value: str,
              figures: tuple[int, ...]) -> list[dict[str, object]]:  # fmt: skip
    offered, answered, abandoned, short, within, sl_den, wait, talk = figures
    common = {"commune_id": commune, "period_type": ptype, "period": period, "period_start": start, "period_end": end,
              "breakdown": breakdown, "breakdown_value": value, "detail": None}  # fmt: skip
    count = {"denominator": None, "unit": "count"}
    return [
        common | count | {"kpi_name": "calls_offered", "numerator": offered, "value": float(offered)},
        common | count | {"kpi_name": "calls_answered", "numerator": answered, "value": float(answered)},
        common | count | {"kpi_name": "calls_abandoned", "numerator": abandoned, "value": float(abandoned)},
        common | count | {"kpi_name": "calls_short_abandoned", "numerator": short, "value": float(short)},
        common
        | {
            "kpi_name": "abandonment_rate",
            "numerator": abandoned,
            "denominator": offered,
            "value": abandoned / offered,
            "unit": "share",
        },  # fmt: skip
        common
        | {
            "kpi_name": "service_level",
            "numerator": within,
            "denominator": sl_den,
            "value": within / sl_den,
            "unit": "share",
        },  # fmt: skip
        common
        | {
            "kpi_name": "average_speed_of_answer",
            "numerator": wait,
            "denominator": answered,
            "value": wait / answered,
            "unit": "seconds",
        },  # fmt: skip
        common
        | {
            "kpi_name": "average_handle_time",
            "numerator": talk,
            "denominator": answered,
            "value": talk / answered,
            "unit": "seconds",
        },  # fmt: skip
    ]


YEAR = ("year", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31))

# Calls of fct_calls: (commune, local day, local hour, answered, abandoned, short abandon).
CALLS = [
    ("brussels", dt.date(2024, 3, 1), 9, True, False, False),
    ("brussels", dt.date(2024, 3, 1), 9, True, False, False),
    ("brussels", dt.date(2024, 3, 1), 9, False, True, False),
    ("brussels", dt.date(2024, 3, 4), 9, True, False, False),
    ("brussels", dt.date(2024, 3, 4), 14, True, False, False),
    ("brussels", dt.date(2024, 3, 4), 14, False, False, True),
    ("brussels", dt.date(2023, 12, 31), 20, True, False, False),  # another year: not in 2024
    ("ixelles", dt.date(2024, 3, 4), 11, True, False, False),
]


def write_gold(lake: Path, with_contact_centre: bool = True) -> Path:
    gold = gold_folder(lake)
    pq.write_table(communes_table(), gold / "dim_commune.parquet")
    # kpi_adoption gives the sidebar its periods.
    adoption = [
        {"commune_id": c, "period_type": "year", "period": "2024", "period_start": YEAR[2], "period_end": YEAR[3],
         "kpi_name": "requests_volume", "breakdown": "all", "breakdown_value": "all", "numerator": 10,
         "denominator": None, "value": 10.0, "unit": "count", "detail": None}
        for c in ("brussels", "ixelles")
    ]  # fmt: skip
    pq.write_table(pa.Table.from_pylist(adoption, schema=KPI_SCHEMA), gold / "kpi_adoption.parquet")
    if not with_contact_centre:
        return gold
    rows: list[dict[str, object]] = []
    for (commune, breakdown, value), figures in FIGURES.items():
        rows += _kpi_rows(commune, *YEAR, breakdown, value, figures)
    for day, figures in DAYS.items():
        rows += _kpi_rows("brussels", "day", day.isoformat(), day, day, "all", "all", figures)
    # A day outside 2024 (not on the charts of 2024) and a queue row of a day (not on the daily charts).
    rows += _kpi_rows("brussels", "day", "2023-12-31", dt.date(2023, 12, 31), dt.date(2023, 12, 31), "all", "all",
                      (999, 999, 0, 0, 999, 999, 999, 999))  # fmt: skip
    rows += _kpi_rows("brussels", "day", "2024-03-01", dt.date(2024, 3, 1), dt.date(2024, 3, 1), "queue", "info",
                      (7, 7, 0, 0, 7, 7, 7, 7))  # fmt: skip
    pq.write_table(pa.Table.from_pylist(rows, schema=KPI_SCHEMA), gold / "kpi_contact_centre.parquet")
    calls = pd.DataFrame(CALLS, columns=["commune_id", "entered_date_local", "entered_hour_local", "is_answered",
                                          "is_abandoned", "is_short_abandon"])  # fmt: skip
    calls.insert(1, "call_id", [f"C{i}" for i in range(len(calls))])
    calls["is_offered"] = True
    table = pa.Table.from_pandas(calls, preserve_index=False)
    table = table.set_column(
        table.schema.get_field_index("entered_hour_local"),
        "entered_hour_local",
        table["entered_hour_local"].cast(pa.int32()),
    )
    pq.write_table(table, gold / "fct_calls.parquet")
    # A configured service-level target for brussels only (two months: the latest as of the period counts).
    targets = pa.table(
        {
            "commune_id": ["brussels", "brussels", "brussels"],
            "kpi_name": ["service_level", "service_level", "digital_take_up"],
            "target_value": [0.85, 0.90, 0.70],
            "deadline": [dt.date(2025, 12, 31)] * 3,
            "as_of_month": ["2024-12", "2025-01", "2024-12"],
            "as_of_date": [dt.date(2024, 12, 31), dt.date(2025, 1, 31), dt.date(2024, 12, 31)],
        }
    )
    pq.write_table(targets, gold / "kpi_target_status.parquet")
    return gold


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_gold(root)
    return root


def run_page(monkeypatch: pytest.MonkeyPatch, lake: Path, lang: str | None = None) -> AppTest:
    return open_app(monkeypatch, lake, "views/contact_centre.py", lang)


def pct(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.1%}"


# --- data functions ----------------------------------------------------------------------------------


def test_data_functions_return_the_hand_made_rows(lake: Path) -> None:
    kpis = data.contact_centre_kpis(lake, "brussels", "year", "2024")
    assert len(kpis) == 3 * 8
    overall = kpis[kpis["breakdown"] == "all"].set_index("kpi_name")
    assert overall.loc["service_level", "numerator"] == 600 and overall.loc["service_level", "denominator"] == 900
    daily = data.contact_centre_daily(lake, "brussels", dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert sorted(set(daily["day"].astype(str))) == ["2024-03-01", "2024-03-02", "2024-03-04"]
    offered = daily[daily["kpi_name"] == "calls_offered"]
    assert list(offered["numerator"]) == [figures[0] for figures in DAYS.values()]  # no queue row mixed in
    hourly = data.contact_centre_hourly(lake, "brussels", dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert hourly.set_index("hour").to_dict("index") == {
        9: {"offered": 4, "answered": 3, "abandoned": 1, "short_abandoned": 0},
        14: {"offered": 2, "answered": 1, "abandoned": 0, "short_abandoned": 1},
    }
    targets = data.contact_centre_targets(lake, "brussels", dt.date(2024, 12, 31))
    assert targets.set_index("kpi_name")["target_value"].to_dict() == {"service_level": 0.85}
    assert data.contact_centre_targets(lake, "ixelles", dt.date(2024, 12, 31)).empty


def test_data_functions_refuse_hostile_filter_values(lake: Path) -> None:
    assert data.contact_centre_kpis(lake, HOSTILE, "year", "2024").empty
    assert data.contact_centre_kpis(lake, "brussels", HOSTILE, "2024").empty
    assert data.contact_centre_kpis(lake, "brussels", "year", HOSTILE).empty  # bound: matches nothing
    assert data.contact_centre_kpis(lake, "brussels", "year", "2024' OR '1'='1").empty
    assert data.contact_centre_daily(lake, HOSTILE, dt.date(2024, 1, 1), dt.date(2024, 12, 31)).empty
    assert data.contact_centre_daily(lake, "brussels", HOSTILE, dt.date(2024, 12, 31)).empty
    assert data.contact_centre_daily(lake, "brussels", dt.date(2024, 1, 1), dt.date(2024, 12, 31), [HOSTILE]).empty
    assert data.contact_centre_hourly(lake, HOSTILE, dt.date(2024, 1, 1), dt.date(2024, 12, 31)).empty
    assert data.contact_centre_hourly(lake, "brussels", "2024-01-01' OR '1'='1", dt.date(2024, 12, 31)).empty
    assert data.contact_centre_targets(lake, HOSTILE, dt.date(2024, 12, 31)).empty
    assert data.contact_centre_targets(lake, "brussels", HOSTILE).empty
    assert len(data.contact_centre_kpis(lake, "brussels", "year", "2024")) == 24  # all still there


# --- the page ----------------------------------------------------------------------------------------


def test_page_shows_the_figures_of_the_period(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    assert not at.exception
    assert at.title[0].value == "Contact centre"
    offered, answered, abandoned, short, within, sl_den, wait, talk = FIGURES[("brussels", "all", "all")]
    assert metrics(at) == {
        "Calls offered": f"{offered:,}",
        "Calls answered": f"{answered:,}",
        "Calls abandoned": f"{abandoned:,}",
        "Abandonment rate": pct(abandoned, offered),
        "Service level": pct(within, sl_den),
        "Average speed of answer": f"{wait / answered:.1f} s",
        "Average handle time": f"{talk / answered:.1f} s",
    }
    shown = captions(at)
    assert f"{answered:,} of {offered:,} calls offered" in shown
    assert f"plus {short:,} short abandons (under 5 s), counted apart" in shown
    assert f"{abandoned:,} abandoned of {offered:,} calls offered" in shown
    assert f"{within:,} of {sl_den:,} calls answered within 20 s" in shown
    assert f"{wait:,} s of waiting over {answered:,} answered calls" in shown
    # The service-level target configured for brussels (as of the end of 2024, not the later one), the
    # reference speed of answer, no handle-time target.
    assert "Target: 85.0%" in shown and "Reference: 20.0 s" in shown and "No target" in shown

    # The queue table: one row per queue, busiest first, the figures of the fixture.
    queues = at.dataframe[0].value
    assert list(queues["queue"]) == ["population", "info"]
    for row in queues.itertuples(index=False):
        q_offered, q_answered, q_abandoned, q_short, q_within, q_den, q_wait, q_talk = FIGURES[
            ("brussels", "queue", row.queue)
        ]
        assert (row.calls_offered, row.calls_answered, row.calls_abandoned, row.calls_short_abandoned) == (
            q_offered, q_answered, q_abandoned, q_short,
        )  # fmt: skip
        assert (row.service_level_numerator, row.service_level_denominator) == (q_within, q_den)
        assert row.service_level == pytest.approx(q_within / q_den)
        assert row.abandonment_rate == pytest.approx(q_abandoned / q_offered)
        assert row.average_speed_of_answer == pytest.approx(round(q_wait / q_answered, 1))
        assert row.average_handle_time == pytest.approx(round(q_talk / q_answered, 1))

    # Five charts (days, hours, service level, speed of answer, handle time), each described in words.
    charts = at.get("vega_lite_chart")
    assert len(charts) == 5
    specs = [json.loads(chart.proto.spec) for chart in charts]
    assert all(spec.get("description") for spec in specs)
    day_offered = [figures[0] for figures in DAYS.values()]
    assert (
        f"Calls by day from 2024-03-01 to 2024-03-04: {sum(day_offered):,} offered, "
        f"{sum(f[1] for f in DAYS.values()):,} answered, {sum(f[2] for f in DAYS.values()):,} abandoned. "
        f"Busiest day 2024-03-04 with {max(day_offered):,} calls offered; "
        f"quietest 2024-03-02 with {min(day_offered):,}."
    ) in shown
    calls_2024 = [c for c in CALLS if c[0] == "brussels" and c[1].year == 2024]
    at_nine = [c for c in calls_2024 if c[2] == 9]
    assert (
        f"the busiest hour is 9:00 to 10:00 with {len(at_nine)} calls offered "
        f"({pct(len(at_nine), len(calls_2024))}, {len(at_nine)} of {len(calls_2024)}); "
        f"{sum(c[3] for c in at_nine)} answered, {sum(c[4] for c in at_nine)} abandoned and "
        f"{sum(c[5] for c in at_nine)} short abandons in that hour."
    ) in " ".join(shown)
    levels = {day: f[4] / f[5] for day, f in DAYS.items()}
    assert (
        f"Service level by day from 2024-03-01 to 2024-03-04: {sum(v >= 0.85 for v in levels.values())} of 3 days "
        f"at or better than the target of 85.0%; best {max(levels.values()):.1%} on 2024-03-02, "
        f"worst {min(levels.values()):.1%} on 2024-03-04."
    ) in shown
    # The daily table: every day row of the period (8 KPIs x 3 days), none of 2023 nor of a queue.
    daily = at.dataframe[1].value
    assert len(daily) == 8 * len(DAYS)
    assert set(daily["day"].astype(str)) == {day.isoformat() for day in DAYS}

    # Another commune: no target configured, so the reference value.
    at.selectbox(key="commune").select("ixelles").run()
    assert not at.exception
    offered, answered, abandoned, short, within, sl_den, wait, talk = FIGURES[("ixelles", "all", "all")]
    assert metrics(at)["Service level"] == pct(within, sl_den)
    assert metrics(at)["Calls offered"] == f"{offered:,}"
    assert "Reference: 80.0%" in captions(at)
    assert "No figures by queue for this period." in [i.value for i in at.info]


def test_the_language_switch_changes_title_and_labels(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    at.radio(key="lang").set_value("nl").run()
    assert not at.exception
    assert at.title[0].value == "Contactcenter"
    assert metrics(at)["Aangeboden oproepen"] == "1.000"
    assert metrics(at)["Serviceniveau"] == pct(600, 900).replace(".", ",")
    assert "Doel: 85,0%" in captions(at)
    at.radio(key="lang").set_value("fr").run()
    assert not at.exception
    assert at.title[0].value == "Centre de contact"
    assert metrics(at)["Appels reçus"] == "1\u202f000"
    assert metrics(at)["Taux d'abandon"] == "10,0\u202f%"
    assert "Temps moyen de réponse" in metrics(at)


def test_the_queue_table_downloads_as_csv(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = record_downloads(monkeypatch)
    at = run_page(monkeypatch, lake)
    offered = {str(d.get("key")): d["data"] for d in downloads}
    assert not at.exception
    assert {"contact_centre_queues_csv", "contact_centre_daily_csv"} <= set(offered)
    csv = pd.read_csv(io.StringIO(offered["contact_centre_queues_csv"].decode("utf-8")))
    assert list(csv["queue"]) == ["population", "info"]
    assert list(csv["calls_offered"]) == [600, 400]
    assert list(csv["service_level_numerator"]) == [390, 210]
    assert list(csv["service_level_denominator"]) == [560, 340]
    daily = pd.read_csv(io.StringIO(offered["contact_centre_daily_csv"].decode("utf-8")))
    assert len(daily) == 8 * len(DAYS)


def test_without_contact_centre_figures_the_page_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = tmp_path / "lake"
    gold = write_gold(lake, with_contact_centre=False)
    at = run_page(monkeypatch, lake)
    assert not at.exception
    assert not at.metric
    assert [i.value for i in at.info] == [
        f"No contact-centre figures in {gold.resolve()} (kpi_contact_centre): run `civiclake run` with a call "
        "source configured."
    ]
