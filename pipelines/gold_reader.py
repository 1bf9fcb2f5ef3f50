"""Reading KPIs back from lake/gold for the command line (the dashboards have their own module).

Every `kpi_*.parquet` of the gold layer that holds a `kpi_name` column is in the long KPI format
(docs/data-contracts.md): one row per commune, period, KPI and breakdown. `kpi_target_status` has its
own shape: one row per commune, KPI with a target and month of reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PERIOD_PATTERNS = {
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "week": re.compile(r"^\d{4}-W\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "quarter": re.compile(r"^\d{4}-Q[1-4]$"),
    "year": re.compile(r"^\d{4}$"),
}
ROLLING_PREFIX = "R12-"  # R12-2024-12: the 12 months that end with December 2024
TARGET_STATUS_TABLE = "kpi_target_status"
KPI_COLUMNS = ("kpi_name", "breakdown", "breakdown_value", "numerator", "denominator", "value", "unit", "detail")


class GoldError(LookupError):
    """The gold layer lacks what was asked for (no lake yet, unknown commune or period)."""


def period_type_of(period: str) -> tuple[str, str]:
    """(period type, label in the gold tables) of a period as the user writes it.

    '2024' is a year, '2024-03' a month, '2024-Q1' a quarter, '2024-W05' a week, '2024-03-15' a day,
    'R12-2024-03' the rolling 12 months that end with March 2024.
    """
    if period.startswith(ROLLING_PREFIX) and PERIOD_PATTERNS["month"].match(period[len(ROLLING_PREFIX) :]):
        return "rolling_12_months", period[len(ROLLING_PREFIX) :]
    for period_type, pattern in PERIOD_PATTERNS.items():
        if pattern.match(period):
            return period_type, period
    raise GoldError(f"period {period!r} is not one of YYYY, YYYY-MM, YYYY-Qn, YYYY-Www, YYYY-MM-DD or R12-YYYY-MM")


@dataclass(frozen=True)
class KpiReport:
    commune: str
    period: str
    period_type: str
    # kpi_name -> value, numerator, denominator, unit (and detail where there is one): the commune as a whole
    kpis: dict[str, dict[str, Any]]
    # kpi_name -> breakdown -> breakdown value -> the same figures
    breakdowns: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    # one entry per KPI with a target: where it stood at the end of the period
    targets: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "commune": self.commune,
            "period": self.period,
            "period_type": self.period_type,
            "kpis": self.kpis,
            "breakdowns": self.breakdowns,
            "target_status": self.targets,
        }


def kpi_tables(gold: Path) -> list[Path]:
    """The gold tables in the long KPI format, by name."""
    tables = []
    with duckdb.connect() as connection:
        for path in sorted(gold.glob("kpi_*.parquet")):
            columns = {
                row[0] for row in connection.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
            }
            if set(KPI_COLUMNS) <= columns:
                tables.append(path)
    return tables


def read_kpis(gold: Path, commune_id: str, period: str) -> KpiReport:
    """Every KPI of a commune and period, each with its value, numerator and denominator."""
    period_type, label = period_type_of(period)
    tables = kpi_tables(gold) if gold.is_dir() else []
    if not tables:
        raise GoldError(f"{gold} holds no KPI table: run `civiclake run` first")
    files = [str(t) for t in tables]
    select = ", ".join(KPI_COLUMNS)
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"select {select} from read_parquet(?, union_by_name = true) "
            "where commune_id = ? and period_type = ? and period = ? "
            "order by kpi_name, breakdown, breakdown_value",
            [files, commune_id, period_type, label],
        ).fetchall()
        if not rows:
            communes = [
                c
                for (c,) in connection.execute(
                    "select distinct commune_id from read_parquet(?, union_by_name = true) order by 1", [files]
                ).fetchall()
            ]
            if commune_id not in communes:
                raise GoldError(f"commune {commune_id!r} is not in the lake; it holds: {', '.join(communes)}")
            raise GoldError(f"no KPIs for {commune_id} in {period_type} {label}: outside the data loaded")
        targets = _target_status(connection, gold, commune_id, _last_month(connection, files, period_type, label))
    kpis: dict[str, dict[str, Any]] = {}
    breakdowns: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    for name, breakdown, breakdown_value, numerator, denominator, value, unit, detail in rows:
        figures = {
            # A count (no denominator) is a whole number: print 167005, not 167005.0.
            "value": int(value) if unit == "count" and denominator is None and value is not None else value,
            "numerator": numerator,
            "denominator": denominator,
            "unit": unit,
        }
        if detail is not None:
            figures["detail"] = detail
        if breakdown == "all":
            kpis[name] = figures
        else:
            breakdowns.setdefault(name, {}).setdefault(breakdown, {})[breakdown_value] = figures
    return KpiReport(
        commune=commune_id, period=period, period_type=period_type, kpis=kpis, breakdowns=breakdowns, targets=targets
    )


def _last_month(connection: duckdb.DuckDBPyConnection, files: list[str], period_type: str, label: str) -> str | None:
    """'YYYY-MM' of the month in which the period ends (the month of reference of the targets)."""
    row = connection.execute(
        "select max(period_end) from read_parquet(?, union_by_name = true) where period_type = ? and period = ?",
        [files, period_type, label],
    ).fetchone()
    return row[0].strftime("%Y-%m") if row and row[0] else None


def _target_status(
    connection: duckdb.DuckDBPyConnection, gold: Path, commune_id: str, month: str | None
) -> list[dict[str, Any]]:
    """Each target of the commune as it stood at the end of `month` (its latest month up to then)."""
    table = gold / f"{TARGET_STATUS_TABLE}.parquet"
    if month is None or not table.exists():
        return []
    result = connection.execute(
        "select kpi_name, target_value, cast(deadline as varchar) as deadline, as_of_month, latest_value, gap, "
        "months_used, slope_per_month, projected_value, projection_low, projection_high, status "
        "from read_parquet(?) where commune_id = ? and as_of_month <= ? "
        "qualify row_number() over (partition by kpi_name, deadline order by as_of_month desc) = 1 "
        "order by kpi_name, deadline",
        [str(table), commune_id, month],
    )
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _shown(figures: dict[str, Any]) -> str:
    value, unit = figures["value"], figures.get("unit")
    if value is None:
        return "n/a"
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit in ("count", "citizens"):
        return f"{value:,.0f}"
    if unit == "seconds":
        return f"{value:,.1f} s"
    if unit == "days":
        return f"{value:,.2f} d"
    return f"{value:,.4g}"


def format_table(report: KpiReport) -> str:
    """A plain-text table of the commune as a whole; shares as percentages, counts with separators."""
    lines = [
        f"KPIs of {report.commune}, {report.period_type} {report.period}",
        f"{'KPI':<40}{'value':>14}{'numerator':>18}{'denominator':>14}",
    ]
    for name, figures in report.kpis.items():
        line = f"{name:<40}{_shown(figures):>14}{_count(figures['numerator']):>18}{_count(figures['denominator']):>14}"
        if "detail" in figures:
            line += f"  {figures['detail']}"
        lines.append(line)
    if report.targets:
        lines += ["", f"{'target':<40}{'latest':>10}{'target':>10}{'projected':>12}  {'95 % interval':<20}status"]
        for t in report.targets:
            projected = "-" if t["projected_value"] is None else f"{t['projected_value']:.3f}"
            interval = (
                "-" if t["projection_low"] is None else f"{t['projection_low']:.3f} to {t['projection_high']:.3f}"
            )
            name = f"{t['kpi_name']} by {t['deadline']}"
            lines.append(
                f"{name:<40}{t['latest_value']:>10.3f}{t['target_value']:>10.3f}{projected:>12}  "
                f"{interval:<20}{t['status'] or 'n/a'} (as of {t['as_of_month']})"
            )
    return "\n".join(lines)


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
