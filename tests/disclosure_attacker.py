"""An attacker of published two-way tables, written apart from pipelines.opendata.disclosure (used by tests).

``feasible_ranges`` reads a table as published, the cells and margins (row totals, column totals, grand
total) with their suppressed counts as unknowns, and solves with linear programming the smallest and largest
value of every suppressed quantity, knowing only what a reader knows: the published counts, that missing cells
are 0, that each total is the sum of its row or column, and that counts are >= 0. ``attack_release`` does it
for every table of a release, with what the other files of the release say about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from scipy.optimize import linprog

Key = tuple[str, str]


def feasible_ranges(
    published: Iterable[tuple[str, str, int | None]],
    total: str,
    extra: Iterable[tuple[dict[Key, float], float]] = (),
) -> dict[Key, tuple[float, float]]:
    """(row, column) -> (min, max) of every suppressed quantity (count None) of one published table.

    ``extra`` holds what other published files say about the table: equations sum(coefficient * quantity) =
    constant over its cells and margins (e.g. a KPI's numerator that is the sum of some column totals).
    """
    known: dict[Key, int | None] = {(r, c): v for r, c, v in published}
    rows = sorted({r for r, _ in known if r != total}) + [total]
    cols = sorted({c for _, c in known if c != total}) + [total]
    lines = [[(r, c) for c in cols] for r in rows] + [[(r, c) for r in rows] for c in cols]
    # Each line: its inner quantities minus its total = 0.
    equations = [({key: (-1.0 if key == line[-1] else 1.0) for key in line}, 0.0) for line in lines]
    equations += [(dict(terms), float(constant)) for terms, constant in extra]
    unknown = sorted(key for key, value in known.items() if value is None)
    index = {key: k for k, key in enumerate(unknown)}
    a_eq, b_eq = [], []
    for terms, right in equations:
        coefficients = np.zeros(len(unknown))
        constant = 0.0
        for key, coefficient in terms.items():
            value = known.get(key, 0)  # a missing cell is 0
            if value is None:
                coefficients[index[key]] += coefficient
            else:
                constant += coefficient * value
        if coefficients.any():
            a_eq.append(coefficients)
            b_eq.append(right - constant)
        else:
            assert constant == right, f"published equation {terms} = {right} does not hold"
    ranges: dict[Key, tuple[float, float]] = {}
    for key, k in index.items():
        objective = np.zeros(len(unknown))
        objective[k] = 1.0
        low = linprog(objective, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0, low.message
        assert high.status in (0, 3), high.message  # 3: unbounded
        ranges[key] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return ranges


def _table_equations(kpis: dict[tuple[str, str], dict[str, object]], month: str, links: dict) -> list:
    """Equations that the published monthly KPIs give about one month's table (see the test below)."""
    equations = []
    for (kpi_month, name), row in kpis.items():
        if kpi_month != month or name not in links:
            continue
        for part in ("numerator", "denominator"):
            keys = links[name].get(part)
            if keys is not None and row[part] is not None:
                equations.append(({key: 1.0 for key in keys}, float(row[part])))
    return equations


def attack_release(gold: Path, folder: Path, threshold: int) -> int:
    """An attacker with every file of the release: the two-way tables with their margins, the calls by day and
    the monthly KPIs, whose counts are sums of those tables' totals. For every month it solves, by linear
    programming, the range of every suppressed count: none whose true value (read from gold here) lies in
    1..threshold is narrower than 1. Returns how many such counts it tried."""
    kpis_frame = pl.read_parquet(folder / "kpis_by_month.parquet")
    kpis = {(str(r["month"]), r["kpi_name"]): r for r in kpis_frame.to_dicts()}
    channels = duckdb.sql(f"SELECT channel, is_digital FROM '{gold}/dim_channel.parquet'").fetchall()
    checked = 0

    def attack(published: list[tuple[str, str, int | None]], truth: dict, equations: list) -> None:
        nonlocal checked
        for key, (low, high) in feasible_ranges(published, "all", equations).items():
            assert low - 1e-6 <= truth[key] <= high + 1e-6, key
            if 1 <= truth[key] <= threshold:
                assert high - low >= 1 - 1e-6, (key, truth[key], low, high)
                checked += 1

    # Requests: requests_volume and after_hours_share's denominator are the grand total; unknown_channel_requests
    # is the 'unknown' column; digital_take_up is (digital columns) / (known columns).
    requests = pl.read_parquet(folder / "requests_by_month.parquet")
    truth_rows = duckdb.sql(
        f"""SELECT CAST(date_trunc('month', created_date_local) AS DATE) AS month,
                   coalesce(service_code, 'unknown') AS service_code, coalesce(channel, 'unknown') AS channel,
                   count(*) AS n
            FROM '{gold}/fct_requests.parquet' WHERE created_date_local IS NOT NULL
            GROUP BY GROUPING SETS ((1, 2, 3), (1, 2), (1, 3), (1))"""
    ).fetchall()
    for month, table in requests.group_by("month"):
        key = str(month[0])
        truth = {(s or "all", c or "all"): n for m, s, c, n in truth_rows if str(m) == key}
        present = {c for _, c in truth if c != "all"}
        links = {
            "requests_volume": {"numerator": [("all", "all")]},
            "after_hours_share": {"denominator": [("all", "all")]},
            "unknown_channel_requests": {"numerator": [("all", "unknown")] if "unknown" in present else []},
            "digital_take_up": {
                "numerator": [("all", c) for c, digital in channels if digital and c in present],
                "denominator": [("all", c) for c, _ in channels if c in present and c != "unknown"],
            },
        }
        published = table.select("service_code", "channel", "requests").rows()
        attack(published, truth, _table_equations(kpis, key, links))

    # Calls: a table per month of days x outcomes; its margins are the calls offered each day (published) and
    # the month's KPIs calls_offered, calls_answered, calls_abandoned and calls_short_abandoned.
    calls = pl.read_parquet(folder / "calls_by_day.parquet")
    truth_days = duckdb.sql(
        f"""SELECT period_start, kpi_name, numerator FROM '{gold}/kpi_contact_centre.parquet'
            WHERE period_type = 'day' AND breakdown = 'all'"""
    ).fetchall()
    outcome_of = {
        "calls_answered": "answered",
        "calls_abandoned": "abandoned",
        "calls_short_abandoned": "short_abandoned",
    }
    for month, days in calls.with_columns(month=pl.col("date").dt.truncate("1mo")).group_by("month"):
        key = str(month[0])
        truth: dict[tuple[str, str], int] = {}
        for day, name, value in truth_days:
            if str(day)[:7] == key[:7] and (name in outcome_of or name == "calls_offered"):
                truth[(str(day), outcome_of.get(name, "all"))] = int(value)
        for (_, outcome), value in list(truth.items()):
            truth[("all", outcome)] = truth.get(("all", outcome), 0) + value
        published = []
        for row in days.iter_rows(named=True):
            day = str(row["date"])
            published += [(day, o, row[o]) for o in ("answered", "abandoned", "short_abandoned")]
            published.append((day, "all", row["offered"]))
        # The month's totals: published in kpis_by_month (None where suppressed there).
        for name, outcome in [*outcome_of.items(), ("calls_offered", "all")]:
            row = kpis.get((key, name))
            published.append(("all", outcome, None if row is None else row["numerator"]))
        attack(published, truth, [])
    return checked
