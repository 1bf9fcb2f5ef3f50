"""Reading KPIs back from lake/gold for the command line (the dashboards have their own module)."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


class GoldError(LookupError):
    """The gold layer lacks what was asked for (no lake yet, unknown commune or period)."""


def period_type_of(period: str) -> str:
    """'2024' is a year, '2024-03' a month, '2024-Q1' a quarter, '2024-W05' a week, '2024-03-15' a day."""
    for period_type, pattern in PERIOD_PATTERNS.items():
        if pattern.match(period):
            return period_type
    raise GoldError(f"period {period!r} is not one of YYYY, YYYY-MM, YYYY-Qn, YYYY-Www or YYYY-MM-DD")


@dataclass(frozen=True)
class KpiReport:
    commune: str
    period: str
    period_type: str
    kpis: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"commune": self.commune, "period": self.period, "kpis": self.kpis}


def read_kpis(gold: Path, commune_id: str, period: str) -> KpiReport:
    """Every KPI of a commune and period, each with its value, numerator and denominator."""
    period_type = period_type_of(period)
    table = gold / "kpi_adoption.parquet"
    if not table.exists():
        raise GoldError(f"{table} does not exist: run `civiclake run` first")
    with duckdb.connect() as connection:
        rows = connection.execute(
            "select kpi_name, value, numerator, denominator from read_parquet(?) "
            "where commune_id = ? and period_type = ? and period = ? order by kpi_name",
            [str(table), commune_id, period_type, period],
        ).fetchall()
        if not rows:
            communes = [
                c
                for (c,) in connection.execute(
                    "select distinct commune_id from read_parquet(?) order by 1", [str(table)]
                ).fetchall()
            ]
            if commune_id not in communes:
                raise GoldError(f"commune {commune_id!r} is not in the lake; it holds: {', '.join(communes)}")
            raise GoldError(f"no KPIs for {commune_id} in {period_type} {period}: outside the data loaded")
    kpis = {
        # A count (no denominator) is a whole number: print 167005, not 167005.0.
        name: {
            "value": int(value) if denominator is None and value is not None else value,
            "numerator": numerator,
            "denominator": denominator,
        }
        for name, value, numerator, denominator in rows
    }
    return KpiReport(commune=commune_id, period=period, period_type=period_type, kpis=kpis)


def format_table(report: KpiReport) -> str:
    """A plain-text table, shares as percentages, counts with thousands separators."""
    lines = [
        f"KPIs of {report.commune}, {report.period_type} {report.period}",
        f"{'KPI':<24}{'value':>12}{'numerator':>14}{'denominator':>14}",
    ]
    for name, figures in report.kpis.items():
        value, numerator, denominator = figures["value"], figures["numerator"], figures["denominator"]
        if value is None:
            shown = "n/a"
        elif denominator is None:
            shown = f"{value:,.0f}"
        else:
            shown = f"{value * 100:.1f} %"
        lines.append(f"{name:<24}{shown:>12}{_count(numerator):>14}{_count(denominator):>14}")
    return "\n".join(lines)


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
