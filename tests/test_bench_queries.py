"""The two measuring functions of the benchmark: the dashboard's queries and the process-mining figures.

No timing is asserted (speed is the benchmark's to report): these tests check that the functions measure
the right things. The dashboard benchmark runs every query the pages run, with the filters the app opens
on, each repetition a real query (Streamlit's cache bypassed); its row counts equal counts made here
with plain SQL on the gold files of the small demo lake. The process-mining benchmark's figures on the
CoSeLoG receipt log agree with pm4py and with ../shared/realdata/README.md, and with variants counted
here with pandas; its comparison says "disagree" when a figure differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from dashboards import data
from pipelines.bench.dashboard_queries import bench_dashboard_queries
from pipelines.bench.process_mining import DEFAULT_LOG, bench_process_mining, compare

# Every (page, query) the dashboard runs when it opens, page by page (dashboards/views/*.py and the
# sidebar of dashboards/components.py).
PAGE_QUERIES = [
    ("sidebar", "list_communes"),
    ("sidebar", "list_periods"),
    ("sidebar", "list_services"),
    ("targets", "target_status"),
    ("targets", "target_trend"),
    ("targets", "catalogue_demand"),
    ("adoption", "adoption_kpis"),
    ("adoption", "monthly_trend"),
    ("channels", "channels_monthly_mix"),
    ("channels", "channels_weekday_hour"),
    ("channels", "channels_period_kpis[appointments]"),
    ("channels", "channels_monthly_kpis[appointments]"),
    ("channels", "channels_period_kpis[citizens]"),
    ("channels", "channels_daily_kpi[daily_active_citizens]"),
    ("processes", "process_list"),
    ("processes", "process_channels"),
    ("processes", "process_kpis"),
    ("processes", "process_lead_times"),
    ("processes", "process_weekly_throughput"),
    ("processes", "process_transitions"),
    ("processes", "process_variants"),
    ("contact_centre", "contact_centre_kpis"),
    ("contact_centre", "contact_centre_targets"),
    ("contact_centre", "contact_centre_daily"),
    ("contact_centre", "contact_centre_hourly"),
    ("data_quality", "source_freshness"),
    ("data_quality", "source_loads[latest]"),
    ("data_quality", "quality_results[latest]"),
    ("data_quality", "quarantine_reasons"),
    ("data_quality", "source_loads[all]"),
    ("communes", "commune_kpis"),
    ("communes", "list_communes"),
    ("open_data", "list_releases"),
]
CC_KPIS = (
    "calls_offered", "calls_answered", "calls_abandoned", "calls_short_abandoned", "abandonment_rate",
    "service_level", "average_speed_of_answer", "average_handle_time",
)  # fmt: skip
APPOINTMENT_KPIS = (
    "appointments_online_share", "appointments_cancellation_rate", "appointments_no_show_rate", "appointments_booked",
)  # fmt: skip
REPEATS = 2


# --- dashboard queries -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_gold(small_demo_run: tuple[Path, Path, Any]) -> Path:
    return small_demo_run[1] / "gold"


@pytest.fixture(scope="module")
def measured(small_gold: Path) -> dict[tuple[str, str], dict[str, Any]]:
    connections = []
    real_connect = duckdb.connect

    def counting_connect(*args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        connections.append(args)
        return real_connect(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duckdb, "connect", counting_connect)
        rows = bench_dashboard_queries(small_gold, repeats=REPEATS)
    by_key = {(row["page"], row["query"]): row for row in rows}
    assert len(by_key) == len(rows), "a (page, query) is listed twice"
    by_key[("_", "connections")] = {"count": len(connections), "order": [(r["page"], r["query"]) for r in rows]}
    return by_key


def _count(gold: Path, sql: str, *params: object) -> int:
    """A count made here with plain SQL over the gold files ({t} is the path of gold/t.parquet)."""
    tables = {p.stem: f"read_parquet('{p}')" for p in gold.glob("*.parquet")}
    with duckdb.connect() as con:
        return con.execute(sql.format(**tables), list(params)).fetchall()[0][0]


def test_every_page_query_is_measured_in_page_order(measured: dict) -> None:
    assert measured[("_", "connections")]["order"] == PAGE_QUERIES
    for key in PAGE_QUERIES:
        row = measured[key]
        assert isinstance(row["rows"], int) and row["rows"] >= 0, key
        assert 0 < row["p50_ms"] <= row["p95_ms"], key


def test_each_repetition_really_runs_the_query(measured: dict) -> None:
    # A cache hit opens no DuckDB connection: with the cache bypassed, every query but list_releases (files,
    # not DuckDB) connects once for its unmeasured run and once per repetition; target_trend and commune_kpis
    # connect once per KPI mart.
    duckdb_queries = len(PAGE_QUERIES) - 1
    assert measured[("_", "connections")]["count"] >= duckdb_queries * (1 + REPEATS)
    # and the cache is back in place afterwards
    assert hasattr(data._run_query, "clear")


def test_row_counts_equal_plain_sql_on_the_gold_files(measured: dict, small_gold: Path) -> None:
    # The defaults the app opens on, found here by hand: the small demo has one commune (brussels) and
    # requests in 2024 only, so the sidebar opens on the year 2024.
    commune = "brussels"
    assert _count(small_gold, "select count(*) from {dim_commune}") == 1
    assert _count(small_gold, "select min(year(created_date_local)) from {fct_requests}") == 2024
    expected = {
        ("sidebar", "list_communes"): _count(small_gold, "select count(*) from {dim_commune}"),
        ("sidebar", "list_periods"): _count(
            small_gold,
            "select count(distinct period) from {kpi_adoption} where commune_id = ? and period_type = 'year' "
            "and breakdown = 'all' and kpi_name = 'requests_volume'",
            commune,
        ),
        ("sidebar", "list_services"): _count(
            small_gold, "select count(*) from {dim_service} where commune_id = ?", commune
        ),
        ("adoption", "adoption_kpis"): _count(
            small_gold,
            "select count(*) from {kpi_adoption} where commune_id = ? and period_type = 'year' and period = '2024' "
            "and breakdown = 'all'",
            commune,
        ),
        ("adoption", "monthly_trend"): _count(
            small_gold,
            "select count(*) from {kpi_adoption} where commune_id = ? and period_type = 'month' and breakdown = 'all' "
            "and kpi_name in ('requests_volume', 'digital_take_up', 'after_hours_share') "
            "and year(period_start) = 2024",
            commune,
        ),
        ("channels", "channels_monthly_mix"): _count(
            small_gold,
            "select count(*) from (select distinct date_trunc('month', created_date_local), channel "
            "from {fct_requests} where commune_id = ? and year(created_date_local) = 2024)",
            commune,
        ),
        ("channels", "channels_weekday_hour"): _count(
            small_gold,
            "select count(*) from (select distinct isodow(created_at_local), hour(created_at_local) "
            "from {fct_requests} where commune_id = ? and year(created_date_local) = 2024)",
            commune,
        ),
        ("channels", "channels_period_kpis[appointments]"): _count(
            small_gold,
            "select count(*) from {kpi_adoption} where commune_id = ? and period_type = 'year' and period = '2024' "
            f"and breakdown = 'all' and kpi_name in {APPOINTMENT_KPIS}",
            commune,
        ),
        ("channels", "channels_daily_kpi[daily_active_citizens]"): _count(
            small_gold,
            "select count(*) from {kpi_adoption} where commune_id = ? and period_type = 'day' and breakdown = 'all' "
            "and kpi_name = 'daily_active_citizens' and year(period_start) = 2024",
            commune,
        ),
        ("processes", "process_list"): _count(
            small_gold, "select count(distinct process_code) from {fct_cases} where commune_id = ?", commune
        ),
        ("processes", "process_lead_times"): _count(
            small_gold,
            "select count(*) from {fct_cases} where commune_id = ? and is_closed and lead_time_days is not null "
            "and year(closed_date_local) = 2024 "
            "and process_code = (select min(process_code) from {fct_cases} where commune_id = ?)",
            commune,
            commune,
        ),
        # the ISO weeks that overlap 2024: Monday 2024-01-01 to Monday 2024-12-30
        ("processes", "process_weekly_throughput"): 53,
        ("processes", "process_variants"): _count(
            small_gold,
            "select count(*) from {kpi_process_variants} where commune_id = ? and period_type = 'year' "
            "and period = '2024' and process_code = (select min(process_code) from {fct_cases} where commune_id = ?)",
            commune,
            commune,
        ),
        ("processes", "process_transitions"): _count(
            small_gold,
            "select count(*) from {kpi_process_transitions} where commune_id = ? and period_type = 'year' "
            "and period = '2024' and process_code = (select min(process_code) from {fct_cases} where commune_id = ?)",
            commune,
            commune,
        ),
        ("contact_centre", "contact_centre_daily"): _count(
            small_gold,
            "select count(*) from {kpi_contact_centre} where commune_id = ? and period_type = 'day' "
            f"and breakdown = 'all' and year(period_start) = 2024 and kpi_name in {CC_KPIS}",
            commune,
        ),
        ("contact_centre", "contact_centre_hourly"): _count(
            small_gold,
            "select count(distinct entered_hour_local) from {fct_calls} "
            "where commune_id = ? and year(entered_date_local) = 2024",
            commune,
        ),
        ("data_quality", "source_freshness"): _count(small_gold, "select count(*) from {dim_source_freshness}"),
        ("data_quality", "source_loads[all]"): _count(small_gold, "select count(*) from {fct_source_loads}"),
        ("data_quality", "quarantine_reasons"): _count(small_gold, "select count(*) from {fct_quarantine_reasons}"),
        ("communes", "commune_kpis"): sum(
            _count(
                small_gold,
                f"select count(*) from {{{mart}}} where period_type = 'year' and period = '2024' and breakdown = 'all'",
            )
            for mart in ("kpi_adoption", "kpi_contact_centre", "kpi_processing")
        ),
    }
    got = {key: measured[key]["rows"] for key in expected}
    assert got == expected
    # the lake is not empty where it matters: the comparison above is about real rows
    assert all(expected[key] > 0 for key in expected if key[0] in ("adoption", "channels", "processes"))


def test_a_gold_folder_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        bench_dashboard_queries(tmp_path / "gold", repeats=1)
    with pytest.raises(ValueError):
        bench_dashboard_queries(tmp_path, repeats=0)


# --- process mining ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def receipt() -> dict[str, Any]:
    if not DEFAULT_LOG.exists():
        pytest.fail(f"{DEFAULT_LOG} is missing: the real data sets of ../shared/realdata are needed")
    return bench_process_mining(repeats=1)


def _pandas_variants(path: Path) -> pd.Series:
    """Cases per variant, counted with pandas from the CSV: events of a case by time, then activity name."""
    frame = pd.read_csv(path)
    frame["time"] = pd.to_datetime(frame["time:timestamp"], utc=True, format="ISO8601")
    frame = frame.sort_values(["case:concept:name", "time", "concept:name"], kind="stable")
    variants = frame.groupby("case:concept:name", sort=False)["concept:name"].agg(" -> ".join)
    return variants.value_counts()


def test_receipt_log_figures_agree_with_pm4py(receipt: dict[str, Any]) -> None:
    assert receipt["log"] == "receipt_coselog_wabo.csv"
    assert (receipt["events"], receipt["events_dropped"], receipt["cases"]) == (8577, 0, 1434)
    assert receipt["agree"] is True
    disagreeing = [name for name, f in receipt["figures"].items() if isinstance(f, dict) and not f["agree"]]
    assert disagreeing == []
    assert receipt["civiclake_seconds"] > 0 and receipt["pm4py_seconds"] > 0
    assert receipt["ratio"] == pytest.approx(receipt["pm4py_seconds"] / receipt["civiclake_seconds"], rel=1e-2)
    assert {"int_case_events__ordered", "int_case_events__activity_instances", "fct_cases"} <= set(receipt["models"])


def test_receipt_log_figures_equal_the_readme(receipt: dict[str, Any]) -> None:
    # ../shared/realdata/README.md: median 0.03 days, mean 5.41, p90 14.1 (inclusive); largest total wait
    # T05 -> T06, 791 times, 2,422 days
    figures = receipt["figures"]
    for side in ("civiclake", "pm4py"):
        assert figures["cases"][side] == 1434
        assert round(figures["case_duration_median_days"][side], 2) == 0.03
        assert round(figures["case_duration_mean_days"][side], 2) == 5.41
        assert round(figures["case_duration_p90_days"][side], 1) == 14.1
    top = figures["top_pairs_by_total_wait"][0]
    assert top["pair"] == "T05 Print and send confirmation of receipt -> T06 Determine necessity of stop advice"
    for side in ("civiclake", "pm4py"):
        assert top[side]["count"] == 791
        assert round(top[side]["total_wait_days"]) == 2422


def test_receipt_log_variants_equal_a_pandas_count(receipt: dict[str, Any]) -> None:
    # independent of both sides: the CSV read with pandas
    counts = _pandas_variants(DEFAULT_LOG)
    figures = receipt["figures"]
    assert figures["variants"]["civiclake"] == len(counts)
    for entry in figures["top_variants"]:
        assert entry["civiclake"] == counts[entry["variant"]], entry["variant"]


def _figures() -> dict[str, Any]:
    return {
        "cases": 2,
        "median_days": 1.5,
        "mean_days": 1.5,
        "p90_days": 1.9,
        "durations": [86400.0, 172800.0],
        "pairs": {("a", "b"): (2, 3600.0), ("b", "c"): (1, 60.0)},
        "variants": {"a -> b -> c": 1, "a -> b": 1},
    }


def test_compare_says_agree_only_when_every_figure_agrees() -> None:
    agree, figures = compare(_figures(), _figures())
    assert agree is True
    assert figures["variants"] == {"civiclake": 2, "pm4py": 2, "agree": True}

    within = _figures()
    within["pairs"][("a", "b")] = (2, 3600.0 + 0.0015)  # 1 ms per transition: within tolerance
    assert compare(within, _figures())[0] is True

    changes = {
        "a total wait off by a second": ("pairs", {("a", "b"): (2, 3601.0), ("b", "c"): (1, 60.0)}),
        "a pair counted once more": ("pairs", {("a", "b"): (3, 3600.0), ("b", "c"): (1, 60.0)}),
        "a pair missing": ("pairs", {("a", "b"): (2, 3600.0)}),
        "a case in another variant": ("variants", {"a -> b -> c": 2}),
        "another median": ("median_days", 1.6),
        "a case duration off": ("durations", [86400.0, 172801.0]),
        "a case fewer": ("cases", 1),
    }
    for label, (key, value) in changes.items():
        other = _figures()
        other[key] = value
        agree, figures = compare(other, _figures())
        assert agree is False, label
