"""How long the dashboard's queries take: each query a page runs, with the page's default filters.

The queries are the dashboard's own: the functions of dashboards/data.py, called with the arguments the
sidebar (dashboards/components.py) and each page (dashboards/views/*.py) give them when the app opens on
its defaults (language of i18n.DEFAULT_LANG, the first commune in that language, the first period type
of the sidebar, the latest period, every service; the first process and every channel on the processes
page; every entity on the data-quality page). Streamlit's cache is bypassed: while the benchmark runs,
every `st.cache_data` function of data.py is replaced by the function it wraps, so each repetition opens
its DuckDB connection, binds the gold views and runs the query, as a cache miss does on a page.

Each query runs once unmeasured (to warm the file system cache, as a served dashboard is), then
`repeats` times; p50 and p95 are the 50th and 95th percentiles of those wall-clock times (linear
interpolation), in milliseconds; cpu_p50_ms is the median CPU time of the process (DuckDB's threads
included), which a busy machine inflates far less than wall-clock time. The sidebar's queries run before
every page: they are listed once, as page `sidebar`.

    uv run python -m pipelines.bench.dashboard_queries LAKE/gold [REPEATS]
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class PageQuery:
    """One query of a page: the data.py call, bound to the page's default filters."""

    page: str
    query: str
    run: Callable[[], Any]


def _rows(result: Any) -> int:
    return len(result)


def _percentile(values: list[float], q: float) -> float:
    """The q-th quantile (0-1) with linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@contextlib.contextmanager
def _uncached() -> Iterator[None]:
    """Replace each st.cache_data function of dashboards.data by the function it wraps, for the block."""
    import streamlit as st

    from dashboards import data

    replaced = {
        name: value
        for name, value in vars(data).items()
        if callable(value) and hasattr(value, "clear") and hasattr(value, "__wrapped__")
    }
    try:
        for name, cached in replaced.items():
            setattr(data, name, cached.__wrapped__)
        st.cache_data.clear()
        yield
    finally:
        for name, cached in replaced.items():
            setattr(data, name, cached)


def page_queries(lake: Path) -> list[PageQuery]:
    """The queries of every page, with the filters the app opens on, in the order the pages run them.

    The sidebar's queries (communes, periods, services) run before every page; they are listed once,
    as page `sidebar`. Needs the gold files of data.REQUIRED_GOLD; raises data.GoldNotReady otherwise.
    """
    from dashboards import components, data
    from dashboards.i18n import DEFAULT_LANG
    from dashboards.views import channels as channels_page
    from dashboards.views import processes as processes_page

    lang = DEFAULT_LANG
    communes = data.list_communes(lake)
    if communes.empty:
        raise ValueError(f"{data.gold_dir(lake)}: dim_commune has no commune, nothing to measure")
    names = components.commune_names(communes, lang)
    commune_id = sorted(names, key=lambda cid: names[cid].casefold())[0]
    period_type = components.FILTER_PERIOD_TYPES[0]
    periods = data.list_periods(lake, commune_id, period_type)
    if periods.empty:
        raise ValueError(f"{data.gold_dir(lake)}: no {period_type} period for {commune_id}")
    selected = periods.iloc[0]
    chosen = components.Filters(
        commune_id=commune_id,
        commune_name=names[commune_id],
        period_type=period_type,
        period=str(selected["period"]),
        period_start=pd.Timestamp(selected["period_start"]),
        period_end=pd.Timestamp(selected["period_end"]),
        service_code=None,
    )
    period, start, end = chosen.period, chosen.period_start, chosen.period_end
    first_day, last_day, _ = channels_page.month_window(chosen, lang)

    # What the targets page asks next depends on the targets found, as on the page.
    target_kpis = sorted(set(data.target_status(lake, commune_id, end.date())["kpi_name"]))
    processes = data.process_list(lake, commune_id)
    process_code = str(processes["process_code"].iloc[0]) if not processes.empty else "none"
    map_type, map_period = processes_page.map_period(period_type, period, end)

    queries = [
        ("sidebar", "list_communes", lambda: data.list_communes(lake)),
        ("sidebar", "list_periods", lambda: data.list_periods(lake, commune_id, period_type)),
        ("sidebar", "list_services", lambda: data.list_services(lake, commune_id)),
        ("targets", "target_status", lambda: data.target_status(lake, commune_id, end.date())),
        ("targets", "target_trend", lambda: data.target_trend(lake, commune_id, target_kpis, end.date())),
        ("targets", "catalogue_demand", lambda: data.catalogue_demand(lake, commune_id, end.date())),
        ("adoption", "adoption_kpis", lambda: data.adoption_kpis(lake, commune_id, period_type, period)),
        ("adoption", "monthly_trend", lambda: data.monthly_trend(lake, commune_id, data.ADOPTION_KPIS, end.year)),
        ("channels", "channels_monthly_mix", lambda: data.channels_monthly_mix(lake, commune_id, first_day, last_day)),
        ("channels", "channels_weekday_hour", lambda: data.channels_weekday_hour(lake, commune_id, start, end)),
        (
            "channels",
            "channels_period_kpis[appointments]",
            lambda: data.channels_period_kpis(lake, commune_id, period_type, period, data.CHANNELS_APPOINTMENT_KPIS),
        ),
        (
            "channels",
            "channels_monthly_kpis[appointments]",
            lambda: data.channels_monthly_kpis(lake, commune_id, first_day, last_day, data.CHANNELS_APPOINTMENT_KPIS),
        ),
        (
            "channels",
            "channels_period_kpis[citizens]",
            lambda: data.channels_period_kpis(lake, commune_id, period_type, period, data.CHANNELS_CITIZEN_KPIS),
        ),
        (
            "channels",
            "channels_daily_kpi[daily_active_citizens]",
            lambda: data.channels_daily_kpi(lake, commune_id, "daily_active_citizens", start, end),
        ),
        ("processes", "process_list", lambda: data.process_list(lake, commune_id)),
        ("processes", "process_channels", lambda: data.process_channels(lake, commune_id)),
        ("processes", "process_kpis", lambda: data.process_kpis(lake, commune_id, period_type, period, process_code)),
        (
            "processes",
            "process_lead_times",
            lambda: data.process_lead_times(lake, commune_id, process_code, None, start, end),
        ),
        (
            "processes",
            "process_weekly_throughput",
            lambda: data.process_weekly_throughput(lake, commune_id, process_code, None, start, end),
        ),
        (
            "processes",
            "process_transitions",
            lambda: data.process_transitions(lake, commune_id, map_type, map_period, process_code),
        ),
        (
            "processes",
            "process_variants",
            lambda: data.process_variants(lake, commune_id, map_type, map_period, process_code),
        ),
        (
            "contact_centre",
            "contact_centre_kpis",
            lambda: data.contact_centre_kpis(lake, commune_id, period_type, period),
        ),
        ("contact_centre", "contact_centre_targets", lambda: data.contact_centre_targets(lake, commune_id, end.date())),
        (
            "contact_centre",
            "contact_centre_daily",
            lambda: data.contact_centre_daily(lake, commune_id, start.date(), end.date()),
        ),
        (
            "contact_centre",
            "contact_centre_hourly",
            lambda: data.contact_centre_hourly(lake, commune_id, start.date(), end.date()),
        ),
        ("data_quality", "source_freshness", lambda: data.source_freshness(lake, None)),
        ("data_quality", "source_loads[latest]", lambda: data.source_loads(lake, None, latest_only=True)),
        ("data_quality", "quality_results[latest]", lambda: data.quality_results(lake, None, latest_only=True)),
        ("data_quality", "quarantine_reasons", lambda: data.quarantine_reasons(lake, None)),
        ("data_quality", "source_loads[all]", lambda: data.source_loads(lake, None, latest_only=False)),
        ("communes", "commune_kpis", lambda: data.commune_kpis(lake, period_type, period)),
        ("communes", "list_communes", lambda: data.list_communes(lake)),
        ("open_data", "list_releases", lambda: data.list_releases(lake)),
    ]
    return [PageQuery(page, name, run) for page, name, run in queries]


def bench_dashboard_queries(gold_dir: Path, repeats: int = 20) -> list[dict[str, Any]]:
    """p50 and p95 (ms) of every dashboard query over the gold folder `gold_dir` (<lake>/gold).

    One dict per query: page, query (the data.py function, with the KPI set in brackets where a page
    calls it twice), rows (of the result), p50_ms, p95_ms (wall clock), cpu_p50_ms (CPU time of the
    process, DuckDB's threads included); in the order the pages run them.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    gold = Path(gold_dir).absolute()
    if not gold.is_dir():
        raise FileNotFoundError(f"{gold}: no such gold folder")
    with contextlib.ExitStack() as stack:
        lake = _lake_of(gold, stack)
        stack.enter_context(_uncached())
        stack.enter_context(_full_scope())
        return [_measure(query, repeats) for query in page_queries(lake)]


def _measure(query: PageQuery, repeats: int) -> dict[str, Any]:
    rows = _rows(query.run())  # the unmeasured first run: warms the file system cache
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        query.run()
        walls.append((time.perf_counter() - wall) * 1000.0)
        cpus.append((time.process_time() - cpu) * 1000.0)
    return {
        "page": query.page,
        "query": query.query,
        "rows": rows,
        "p50_ms": round(_percentile(walls, 0.5), 3),
        "p95_ms": round(_percentile(walls, 0.95), 3),
        # CPU of the process, DuckDB's threads included: steadier than wall clock on a shared machine
        "cpu_p50_ms": round(_percentile(cpus, 0.5), 3),
    }


def _lake_of(gold: Path, stack: contextlib.ExitStack) -> Path:
    """The lake whose `gold` is `gold`: its parent when it is named gold (a folder, or the link to a gold
    snapshot); else a temporary lake whose `gold` links to it (a snapshot folder given directly)."""
    if gold.name == "gold":
        return gold.parent
    lake = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="civiclake-bench-lake-")))
    (lake / "gold").symlink_to(gold, target_is_directory=True)
    return lake


@contextlib.contextmanager
def _full_scope() -> Iterator[None]:
    """Read as management (every figure), where data.py has access scopes; outside Streamlit it does
    anyway, this only makes it explicit."""
    from dashboards import data

    scoped, full = getattr(data, "scoped", None), getattr(data, "FULL_SCOPE", None)
    if scoped is None or full is None:
        yield
        return
    with scoped(full):
        yield


def _main() -> None:
    """`python -m pipelines.bench.dashboard_queries GOLD_DIR [REPEATS]`: prints the table."""
    import sys

    gold = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("lake/gold")
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    print(f"{'page':<15} {'query':<42} {'rows':>8} {'p50 ms':>9} {'p95 ms':>9} {'cpu p50':>9}")
    for row in bench_dashboard_queries(gold, repeats):
        print(
            f"{row['page']:<15} {row['query']:<42} {row['rows']:>8} {row['p50_ms']:>9.1f} {row['p95_ms']:>9.1f}"
            f" {row['cpu_p50_ms']:>9.1f}"
        )


if __name__ == "__main__":
    _main()
