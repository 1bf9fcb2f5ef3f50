"""The Processes page over a tiny hand-made gold lake: the figures it shows equal those computed here
from the fixture's cases, the language switch, the CSV downloads, hostile filter values, missing tables."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
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
from dashboards.i18n import format_int, format_pct, t
from dashboards.views import processes as page

HOSTILE = "x' OR '1'='1"
D = dt.date

# The cases: (case, process, channel, service, first event, closing date or None, lead time days, sla).
CASES = [
    ("c1", "PROC-A", "portal", "S-A", D(2024, 1, 2), D(2024, 1, 5), 3.0, 5),
    ("c2", "PROC-A", "portal", "S-A", D(2024, 1, 3), D(2024, 1, 13), 10.0, 5),
    ("c3", "PROC-A", "counter", "S-B", D(2024, 1, 10), D(2024, 1, 12), 2.0, None),
    ("c4", "PROC-A", "counter", "S-A", D(2024, 2, 1), D(2024, 3, 1), 29.0, 5),
    ("c5", "PROC-A", "portal", "S-A", D(2024, 6, 3), D(2024, 6, 4), 1.5, 5),
    ("c6", "PROC-A", "portal", "S-A", D(2024, 12, 30), None, None, 5),
    ("c7", "PROC-A", "counter", "S-A", D(2023, 12, 28), D(2024, 1, 2), 5.0, 5),
    ("c8", "PROC-A", "portal", "S-A", D(2023, 11, 1), D(2023, 12, 1), 30.0, 5),
    ("b1", "PROC-B", "portal", "S-C", D(2024, 3, 1), D(2024, 3, 4), 3.0, 10),
    ("ab1", "PROC-AB", "portal", None, D(2024, 5, 1), D(2024, 5, 2), 1.0, None),
]
YEAR = ("year", "2024", D(2024, 1, 1), D(2024, 12, 31))


def cases_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        CASES,
        columns=[
            "case_id", "process_code", "channel", "service_code", "first_event_date_local",
            "closed_date_local", "lead_time_days", "sla_days",
        ],
    )  # fmt: skip
    frame["is_closed"] = frame["closed_date_local"].notna()
    frame["is_within_sla"] = [
        None if pd.isna(lead) or pd.isna(sla) else bool(lead <= sla)
        for lead, sla in zip(frame["lead_time_days"], frame["sla_days"], strict=True)
    ]
    return frame


def closed_in_2024(frame: pd.DataFrame, process: str = "PROC-A", channel: str | None = None) -> pd.DataFrame:
    chosen = frame[(frame["process_code"] == process) & frame["is_closed"]]
    chosen = chosen[chosen["closed_date_local"].between(D(2024, 1, 1), D(2024, 12, 31))]
    return chosen if channel is None else chosen[chosen["channel"] == channel]


def _lead_kpis(closed: pd.DataFrame, breakdown: str, value: str) -> list[dict[str, object]]:
    """kpi_processing rows of the lead time, SLA and closed cases, computed from the cases (as dbt does)."""
    leads = closed["lead_time_days"].astype(float).to_numpy()
    with_sla = closed[closed["is_within_sla"].notna()]
    within = int(with_sla["is_within_sla"].astype(bool).sum())
    base = {"breakdown": breakdown, "breakdown_value": value}
    rows = [
        base | {"kpi_name": "cases_closed", "numerator": len(closed), "value": float(len(closed)), "unit": "count"},
        base
        | {
            "kpi_name": "lead_time_median_days",
            "denominator": len(closed),
            "value": float(np.percentile(leads, 50)),
            "unit": "days",
        },
        base
        | {
            "kpi_name": "lead_time_p90_days",
            "denominator": len(closed),
            "value": float(np.percentile(leads, 90)),
            "unit": "days",
        },
    ]
    if len(with_sla):
        rows.append(
            base
            | {
                "kpi_name": "sla_compliance",
                "numerator": within,
                "denominator": len(with_sla),
                "value": within / len(with_sla),
                "unit": "share",
            }
        )
    return rows


def processing_rows() -> list[dict[str, object]]:
    frame = cases_frame()
    rows: list[dict[str, object]] = []
    for process in ("PROC-A", "PROC-B", "PROC-AB"):
        closed = closed_in_2024(frame, process)
        rows += _lead_kpis(closed, "process", process)
        for channel in sorted(closed["channel"].unique()):
            rows += _lead_kpis(closed[closed["channel"] == channel], "process_channel", f"{process} / {channel}")
    count = {"unit": "count"}
    rows += [
        {"kpi_name": "backlog_open_cases", "breakdown": "process", "breakdown_value": "PROC-A", "numerator": 1} | count,
        {"kpi_name": "backlog_open_cases", "breakdown": "process", "breakdown_value": "PROC-B", "numerator": 7} | count,
        {"kpi_name": "backlog_open_cases", "breakdown": "all", "breakdown_value": "all", "numerator": 23} | count,
    ]
    for bucket, n in (("0-7", 11), ("8-30", 6), ("31-90", 4), ("over 90", 2)):
        rows.append({"kpi_name": "backlog_open_cases", "breakdown": "age_bucket", "breakdown_value": bucket} | count)
        rows[-1]["numerator"] = n
    share = {"kpi_name": "rework_rate", "unit": "share"}
    for breakdown, value, numerator, denominator in (
        ("process", "PROC-A", 2, 6),
        ("process_activity", "PROC-A / Check", 2, 6),
        ("process_activity", "PROC-A / Register", 0, 6),
        ("process_activity", "PROC-A / Decide", 1, 5),
        ("process_activity", "PROC-B / Check", 1, 1),
        ("process_activity", "PROC-AB / Check", 1, 1),
    ):
        rows.append(share | {"breakdown": breakdown, "breakdown_value": value})
        rows[-1] |= {"numerator": numerator, "denominator": denominator, "value": numerator / denominator}
    period_type, period, start, end = YEAR
    common = {"commune_id": "brussels", "period_type": period_type, "period": period}
    common |= {"period_start": start, "period_end": end}
    out = []
    for row in rows:
        row = common | {"numerator": None, "denominator": None, "detail": None} | row
        if row.get("value") is None:
            row["value"] = float(row["numerator"])  # counts: value = numerator
        out.append(row)
    return out


TRANSITIONS = [
    # from, to, count, median, p90, total, mean, bottleneck total, bottleneck median
    ("PROC-A", "Register", "Check", 7, 1.0, 2.0, 9.0, 1.29, False, False),
    ("PROC-A", "Check", "Decide", 6, 4.0, 20.0, 30.0, 5.0, True, False),
    ("PROC-A", "Check", "Check", 2, 8.0, 9.0, 16.0, 8.0, False, False),
    ("PROC-B", "Check", "Decide", 1, 2.0, 2.0, 2.0, 2.0, True, True),
]
VARIANTS = [
    ("PROC-A", 1, "Register -> Check -> Decide", 4, 6, 4 / 6, 4.0),
    ("PROC-A", 2, "Register -> Check -> Check -> Decide", 2, 6, 2 / 6, 19.5),
    ("PROC-B", 1, "Register -> Check -> Decide", 1, 1, 1.0, 3.0),
]


def write_gold(lake: Path, *, processing: bool = True) -> Path:
    gold = gold_folder(lake)
    pq.write_table(communes_table(), gold / "dim_commune.parquet")
    adoption = []
    for commune in ("brussels", "ixelles"):
        for ptype, period, start, end in (YEAR, ("month", "2024-03", D(2024, 3, 1), D(2024, 3, 31))):
            adoption.append(
                {"commune_id": commune, "period_type": ptype, "period": period, "period_start": start}
                | {"period_end": end, "kpi_name": "requests_volume", "breakdown": "all", "breakdown_value": "all"}
                | {"numerator": 10, "denominator": None, "value": 10.0, "unit": "count", "detail": None}
            )
    pq.write_table(pa.Table.from_pylist(adoption, schema=KPI_SCHEMA), gold / "kpi_adoption.parquet")
    if not processing:
        return gold
    pq.write_table(
        pa.table(
            {
                "commune_id": ["brussels"] * 3,
                "service_code": ["S-A", "S-B", "S-C"],
                "name_fr": ["Carte d'identité", "Passeport", "Permis"],
                "name_nl": ["Identiteitskaart", "Paspoort", "Vergunning"],
                "name_en": ["Identity card", "Passport", "Permit"],
                "process_code": ["PROC-A", "PROC-A", "PROC-B"],
                "digital_since": [D(2020, 1, 1), None, None],
                "sla_days": [5, None, 10],
            }
        ),
        gold / "dim_service.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "commune_id": ["brussels"] * 2,
                "channel": ["portal", "counter"],
                "name_fr": ["Portail web", "Guichet"],
                "name_nl": ["Webportaal", "Loket"],
                "name_en": ["Web portal", "Counter"],
                "is_digital": [True, False],
                "sort_order": [1, 5],
            }
        ),
        gold / "dim_channel.parquet",
    )
    frame = cases_frame().assign(commune_id="brussels")
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False).cast(
            pa.schema(
                [
                    ("case_id", pa.string()),
                    ("process_code", pa.string()),
                    ("channel", pa.string()),
                    ("service_code", pa.string()),
                    ("first_event_date_local", pa.date32()),
                    ("closed_date_local", pa.date32()),
                    ("lead_time_days", pa.float64()),
                    ("sla_days", pa.int32()),
                    ("is_closed", pa.bool_()),
                    ("is_within_sla", pa.bool_()),
                    ("commune_id", pa.string()),
                ]
            )
        ),
        gold / "fct_cases.parquet",
    )
    pq.write_table(pa.Table.from_pylist(processing_rows(), schema=KPI_SCHEMA), gold / "kpi_processing.parquet")
    period_type, period, start, end = YEAR
    common = {"commune_id": "brussels", "period_type": period_type, "period": period}
    common |= {"period_start": start, "period_end": end}
    names = ["process_code", "from_activity", "to_activity", "transition_count", "wait_median_days"]
    names += ["wait_p90_days", "wait_total_days", "wait_mean_days", "is_bottleneck_total", "is_bottleneck_median"]
    pq.write_table(
        pa.Table.from_pylist([common | dict(zip(names, row, strict=True)) for row in TRANSITIONS]),
        gold / "kpi_process_transitions.parquet",
    )
    names = ["process_code", "variant_rank", "variant", "cases", "process_cases", "share", "lead_time_median_days"]
    pq.write_table(
        pa.Table.from_pylist([common | dict(zip(names, row, strict=True)) for row in VARIANTS]),
        gold / "kpi_process_variants.parquet",
    )
    return gold


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_gold(root)
    return root


def run_page(monkeypatch: pytest.MonkeyPatch, lake: Path) -> AppTest:
    return open_app(monkeypatch, lake, "views/processes.py", timeout=90)


def days(value: float, lang: str = "en") -> str:
    return t("processes.days", lang, value=page.format_number(value, lang))


# --- the page ------------------------------------------------------------------------------------


def test_page_shows_the_figures_of_the_cases(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("processes.title", "en")
    assert at.selectbox(key=page.PROCESS_KEY).value == "PROC-A"  # the first process by code
    assert at.selectbox(key=page.PROCESS_KEY).options == [
        "PROC-A · Identity card, Passport",
        "PROC-AB · no service in the catalogue",
        "PROC-B · Permit",
    ]

    closed = closed_in_2024(cases_frame())  # c1..c5 and c7 (c8 closed in 2023, c6 open)
    leads = closed["lead_time_days"].to_numpy()
    with_sla = closed[closed["is_within_sla"].notna()]
    within = int(with_sla["is_within_sla"].astype(bool).sum())
    assert (len(closed), len(with_sla), within) == (6, 5, 3)
    shown = metrics(at)
    assert shown["Cases closed"] == format_int(len(closed))
    assert shown["Median lead time"] == days(float(np.median(leads))) == "4.0 days"
    assert shown["Lead time, 90th percentile"] == days(float(np.percentile(leads, 90)))
    assert shown["SLA compliance"] == format_pct(within / len(with_sla)) == "60.0%"
    assert shown["Backlog at period end"] == "1"
    assert shown["Rework rate"] == "33.3%"
    text = captions(at)
    assert f"{within} of {len(with_sla)} closed cases with an SLA" in text
    assert "2 of 6 cases with rework" in text
    # The histogram's text alternative counts the cases closed in the period.
    assert any(c.startswith(f"Histogram of the lead time of {len(closed)} cases closed") for c in text)
    # Age buckets are commune-wide in the marts: the page says so.
    assert any("not broken down by process" in c and "(23 cases)" in c for c in text)

    # Median per channel, fastest first, from the cases themselves.
    channels = table_with(at, "sla_within")
    names = {"portal": "Web portal", "counter": "Counter"}
    expected = closed.groupby("channel")["lead_time_days"].median().sort_values().rename(names)
    assert list(channels["channel"]) == list(expected.index) == ["Web portal", "Counter"]
    assert list(channels["lead_time_median_days"]) == list(expected.round(2))
    assert list(channels["cases_closed"]) == [3, 3]
    assert list(channels["sla_within"]) == [2, 1] and list(channels["sla_cases"]) == [3, 2]

    # Cases opened and closed per week: every ISO week overlapping 2024, counted from the cases.
    weekly = table_with(at, "cases_opened")
    frame = cases_frame()
    proc = frame[frame["process_code"] == "PROC-A"]
    monday = lambda d: d - dt.timedelta(days=d.weekday())  # noqa: E731
    opened = proc[proc["first_event_date_local"].between(D(2024, 1, 1), D(2024, 12, 31))]
    expected_opened = opened["first_event_date_local"].map(monday).value_counts()
    expected_closed = closed["closed_date_local"].map(monday).value_counts()
    assert len(weekly) == 53
    weeks = pd.to_datetime(weekly["week_start"]).dt.date
    assert dict(zip(weeks, weekly["cases_opened"], strict=True)) == {w: int(expected_opened.get(w, 0)) for w in weeks}
    assert dict(zip(weeks, weekly["cases_closed"], strict=True)) == {w: int(expected_closed.get(w, 0)) for w in weeks}
    assert weekly["cases_opened"].sum() == 6 and weekly["cases_closed"].sum() == 6

    # The process map: the bottleneck arrow is bold, dashed and labelled; the same data as a table.
    (graph,) = at.get("graphviz_chart")
    spec = graph.proto.spec
    bottleneck = next(line for line in spec.splitlines() if "bottleneck" in line)
    assert 'style="bold,dashed"' in bottleneck and "bottleneck (total wait)" in bottleneck
    assert bottleneck.strip().startswith("a0 -> a1")  # nodes by name: a0 Check, a1 Decide, a2 Register
    assert 'label="7"' in spec and "PROC-B" not in spec
    transitions = table_with(at, "transition_count")
    assert list(transitions["transition_count"]) == [7, 6, 2]
    assert list(transitions["is_bottleneck_total"]) == [False, True, False]

    variants = table_with(at, "variant")
    assert list(variants["variant_rank"]) == [1, 2]
    assert list(variants["cases"]) == [4, 2] and list(variants["process_cases"]) == [6, 6]

    rework = table_with(at, "rework_rate")
    assert list(rework["activity"]) == ["Check", "Decide", "Register"]  # not PROC-AB's nor PROC-B's
    assert list(rework["rework_cases"]) == [2, 1, 0] and list(rework["activity_cases"]) == [6, 5, 6]


def test_channel_filter_and_weight(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    at.selectbox(key=page.CHANNEL_KEY).set_value("portal").run()
    assert not at.exception
    portal = closed_in_2024(cases_frame(), channel="portal")  # c1, c2, c5
    leads = portal["lead_time_days"].to_numpy()
    shown = metrics(at)
    assert shown["Cases closed"] == "3"
    assert shown["Median lead time"] == days(float(np.median(leads))) == "3.0 days"
    assert shown["Lead time, 90th percentile"] == days(float(np.percentile(leads, 90))) == "8.6 days"
    assert shown["SLA compliance"] == format_pct(2 / 3)
    assert any(c.startswith("Histogram of the lead time of 3 cases") for c in captions(at))
    assert table_with(at, "cases_opened")["cases_opened"].sum() == 4  # c1, c2, c5, c6
    assert any("whole process" in i.value for i in at.info)

    at.radio(key=page.WEIGHT_KEY).set_value("median").run()
    spec = at.get("graphviz_chart")[0].proto.spec
    assert 'label="4.0 d\\nbottleneck (total wait)"' in spec


def test_sidebar_service_picks_its_process(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    at.selectbox(key="service").set_value("S-C").run()
    assert not at.exception
    assert at.selectbox(key=page.PROCESS_KEY).value == "PROC-B"
    assert metrics(at)["Cases closed"] == "1"
    assert metrics(at)["Backlog at period end"] == "7"


def test_language_switch(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    at.radio(key="lang").set_value("nl").run()
    assert not at.exception
    assert at.title[0].value == "Processen: waar wachten de dossiers?"
    shown = metrics(at)
    assert shown["Mediane doorlooptijd"] == "4,0 dagen"
    assert shown["Naleving van de normtermijn"] == format_pct(0.6, "nl") == "60,0%"
    at.radio(key="lang").set_value("fr").run()
    assert at.title[0].value == "Processus : où les dossiers attendent-ils ?"
    assert metrics(at)["Délai de traitement médian"] == "4,0 jours"
    assert "goulet d'étranglement (attente totale)" in at.get("graphviz_chart")[0].proto.spec


def test_csv_downloads(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = record_downloads(monkeypatch)
    at = run_page(monkeypatch, lake)
    offered = {str(d.get("key")): d["data"] for d in downloads}
    assert not at.exception
    assert set(offered) >= {
        "processes_download_channels",
        "processes_download_throughput",
        "processes_download_transitions",
        "processes_download_variants",
        "processes_download_rework",
    }
    rework = pd.read_csv(io.StringIO(offered["processes_download_rework"].decode("utf-8")))
    assert list(rework.columns) == ["activity", "rework_cases", "activity_cases", "rework_rate"]
    assert rework.iloc[0].tolist() == ["Check", 2, 6, round(2 / 6, 4)]
    transitions = pd.read_csv(io.StringIO(offered["processes_download_transitions"].decode("utf-8")))
    assert transitions[["from_activity", "to_activity", "transition_count"]].values.tolist() == [
        ["Register", "Check", 7],
        ["Check", "Decide", 6],
        ["Check", "Check", 2],
    ]


def test_period_without_processing_figures(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    at.radio(key="period_type").set_value("month").run()
    assert not at.exception
    assert [i.value for i in at.info] == [t("processes.no_period", "en", period="2024-03")]


def test_missing_tables_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "lake"
    write_gold(root, processing=False)
    at = run_page(monkeypatch, root)
    assert not at.exception
    assert at.info[0].value == t("processes.missing_gold", "en", names="fct_cases, kpi_processing")


def test_missing_map_tables(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (lake / "gold" / "kpi_process_transitions.parquet").unlink()
    (lake / "gold" / "kpi_process_variants.parquet").unlink()
    at = run_page(monkeypatch, lake)
    assert not at.exception
    infos = [i.value for i in at.info]
    assert t("processes.missing_gold", "en", names="kpi_process_transitions") in infos
    assert t("processes.missing_gold", "en", names="kpi_process_variants") in infos
    assert metrics(at)["Cases closed"] == "6"


# --- data functions and helpers -------------------------------------------------------------------


def test_data_functions(lake: Path) -> None:
    assert list(data.process_list(lake, "brussels")["process_code"]) == ["PROC-A", "PROC-AB", "PROC-B"]
    assert data.process_list(lake, "ixelles").empty
    kpis = data.process_kpis(lake, "brussels", "year", "2024", "PROC-A")
    # Never PROC-AB's rows (a prefix of the code is not the code), nor other processes'.
    assert not kpis["breakdown_value"].str.contains("PROC-AB|PROC-B").any()
    assert set(kpis["breakdown"]) == {"process", "process_channel", "process_activity", "age_bucket"}
    lead = data.process_lead_times(lake, "brussels", "PROC-A", "counter", D(2024, 1, 1), D(2024, 12, 31))
    assert sorted(lead["lead_time_days"]) == [2.0, 5.0, 29.0]


def test_data_functions_refuse_hostile_values(lake: Path) -> None:
    start, end = D(2024, 1, 1), D(2024, 12, 31)
    assert data.process_list(lake, HOSTILE).empty
    assert data.process_channels(lake, HOSTILE).empty
    assert data.process_lead_times(lake, HOSTILE, "PROC-A", None, start, end).empty
    assert data.process_lead_times(lake, "brussels", HOSTILE, None, start, end).empty
    assert data.process_lead_times(lake, "brussels", "PROC-A", HOSTILE, start, end).empty
    assert data.process_lead_times(lake, "brussels", "PROC-A", None, HOSTILE, end).empty
    assert data.process_weekly_throughput(lake, "brussels", HOSTILE, None, start, end).empty
    assert data.process_weekly_throughput(lake, "brussels", "PROC-A", None, start, HOSTILE).empty
    for function in (data.process_kpis, data.process_transitions, data.process_variants):
        assert function(lake, HOSTILE, "year", "2024", "PROC-A").empty
        assert function(lake, "brussels", HOSTILE, "2024", "PROC-A").empty
        assert function(lake, "brussels", "year", HOSTILE, "PROC-A").empty
        assert function(lake, "brussels", "year", "2024", HOSTILE).empty
        assert function(lake, "brussels", "year", "2024", "PROC-A' OR process_code <> 'x").empty
    # Below the validation, the query layer binds values: a quote matches nothing.
    assert data._query(lake, data._SQL_PROCESS_VARIANTS, ("brussels", "year", HOSTILE, "PROC-A")).empty
    assert len(data.process_variants(lake, "brussels", "year", "2024", "PROC-A")) == 2


def test_helpers() -> None:
    assert page.map_period("year", "2024", pd.Timestamp("2024-12-31")) == ("year", "2024")
    assert page.map_period("week", "2024-W05", pd.Timestamp("2024-02-04")) == ("month", "2024-02")
    assert page.map_period("day", "2024-03-15", pd.Timestamp("2024-03-15")) == ("month", "2024-03")
    bars, width = page.histogram(pd.Series([0.5, 1.2, 1.9, 30.0]))
    assert width == 1 and bars.values.tolist() == [[0, 1, 1], [1, 2, 2], [30, 31, 1]]
    assert page.format_number(1234.56, "fr") == "1\u202f234,6" and page.format_number(None, "en") == "—"
    odd = pd.DataFrame(
        {
            "from_activity": ['Say "hi"'],
            "to_activity": ["Back\\slash"],
            "transition_count": [3],
            "wait_median_days": [1.25],
            "is_bottleneck_total": [False],
            "is_bottleneck_median": [True],
        }
    )
    dot = page.process_dot(odd, "frequency", "en")
    assert 'label="Say \\"hi\\""' in dot and 'label="Back\\\\slash"' in dot
    assert 'label="3\\nbottleneck (median wait)"' in dot and 'style="bold,dashed"' in dot
