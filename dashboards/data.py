"""The one module through which the dashboards read data: the gold Parquet files of the lake.

Every query runs in a fresh in-memory DuckDB over `<lake>/gold/*.parquet`: the dashboards never open a
database file, so they cannot lock or alter one that the pipeline is writing. Filter values are always
bound as `?` parameters, never formatted into SQL. Results are pandas DataFrames, cached with
`st.cache_data` under a key made of the gold folder and the size and modification time of each file, so
a new `civiclake run` is picked up on the next rerun without restarting the server.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

LAKE_ENV = "CIVICLAKE_LAKE"
DEFAULT_LAKE = "lake"

# Every <lake>/gold/<name>.parquet is a view <name> in the queries (data-contracts.md, "Gold"). These
# must exist for the app to have anything to show; a page that needs another one says so if it lacks.
REQUIRED_GOLD: tuple[str, ...] = ("dim_commune", "kpi_adoption")
PERIOD_TYPES: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "rolling_12_months")
ADOPTION_KPIS: tuple[str, ...] = ("requests_volume", "digital_take_up", "after_hours_share")

# Commune ids are "lower-case, [a-z0-9_-]" by contract: anything else cannot match, so it is refused
# before it reaches DuckDB (the `?` parameters would neutralise it anyway).
_COMMUNE_ID = re.compile(r"[a-z0-9_-]{1,64}")
_KPI_NAME = re.compile(r"[a-z0-9_]{1,64}")

COMMUNE_COLUMNS = ("commune_id", "name_fr", "name_nl", "name_en")
PERIOD_COLUMNS = ("period", "period_start", "period_end")
KPI_COLUMNS = ("kpi_name", "numerator", "denominator", "value", "period_start", "period_end")
TREND_COLUMNS = ("period", "period_start", "period_end", "kpi_name", "numerator", "denominator", "value")

_SQL_COMMUNES = """
    SELECT commune_id, name_fr, name_nl, name_en
    FROM dim_commune
    ORDER BY coalesce(name_en, commune_id), commune_id
"""
_SQL_PERIODS = """
    SELECT DISTINCT period, period_start, period_end
    FROM kpi_adoption
    WHERE commune_id = ? AND period_type = ?
    ORDER BY period_start DESC, period DESC
"""
_SQL_KPIS = """
    SELECT kpi_name, numerator, denominator, value, period_start, period_end
    FROM kpi_adoption
    WHERE commune_id = ? AND period_type = ? AND period = ? AND breakdown = 'all'
    ORDER BY kpi_name
"""
_SQL_TREND = """
    SELECT period, period_start, period_end, kpi_name, numerator, denominator, value
    FROM kpi_adoption
    WHERE commune_id = ? AND period_type = 'month' AND breakdown = 'all' AND list_contains(?, kpi_name)
      AND year(period_start) = ?
    ORDER BY period_start, kpi_name
"""


class GoldError(RuntimeError):
    """The gold layer cannot be read; `gold` is the folder, for the message shown on the page."""

    def __init__(self, gold: Path, detail: str) -> None:
        super().__init__(f"{gold}: {detail}")
        self.gold = gold
        self.detail = detail


class GoldNotReady(GoldError):
    """The gold folder or one of its files does not exist yet (no `civiclake run` so far)."""


class GoldReadError(GoldError):
    """The gold files exist but DuckDB could not read them (corrupt file, schema not the contract's)."""


def resolve_lake(lake: str | os.PathLike[str] | None = None) -> Path:
    """The lake folder: `lake` if given, else $CIVICLAKE_LAKE, else `lake` relative to the cwd."""
    if lake is None:
        lake = os.environ.get(LAKE_ENV) or DEFAULT_LAKE
    # Absolute, so that the cache key does not depend on the working directory.
    return Path(lake).expanduser().resolve()


def gold_dir(lake: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the gold Parquet files of the lake."""
    return resolve_lake(lake) / "gold"


def _fingerprint(gold: Path) -> tuple[tuple[str, int, int], ...]:
    """(file, mtime_ns, size) of each gold file: part of every cache key; raises if a required one is missing."""
    for name in REQUIRED_GOLD:
        if not (gold / f"{name}.parquet").is_file():
            raise GoldNotReady(gold, f"missing {name}.parquet")
    stamps = []
    for path in sorted(gold.glob("*.parquet")):
        try:
            stat = path.stat()
        except OSError as exc:  # removed between the glob and the stat: a run is rewriting gold
            raise GoldNotReady(gold, f"missing {path.name}") from exc
        stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


@st.cache_data(show_spinner=False, max_entries=512)
def _run_query(
    gold: str,
    fingerprint: tuple[tuple[str, int, int], ...],
    sql: str,
    params: tuple,
) -> pd.DataFrame:
    # `fingerprint` is part of the cache key (a rewritten file changes it, hence a new entry) and lists the
    # files to open. No leading underscore on it, or st.cache_data would leave it out of the key.
    fingerprint_files = fingerprint
    # One connection per query: DuckDB connections are not shared between Streamlit's session threads,
    # and an in-memory database with views over the files costs a few milliseconds.
    with duckdb.connect(":memory:") as con:
        for filename, _mtime, _size in fingerprint_files:
            # The relation API takes the path as a value, so no path is spliced into SQL either.
            con.read_parquet(str(Path(gold) / filename)).create_view(Path(filename).stem)
        return con.execute(sql, list(params)).df()


def _query(lake: str | os.PathLike[str] | None, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
    gold = gold_dir(lake)
    fingerprint = _fingerprint(gold)
    try:
        return _run_query(str(gold), fingerprint, sql, tuple(params))
    except duckdb.Error as exc:
        raise GoldReadError(gold, str(exc).splitlines()[0]) from exc


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def _valid_commune(commune_id: object) -> bool:
    return isinstance(commune_id, str) and _COMMUNE_ID.fullmatch(commune_id) is not None


def list_communes(lake: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The communes of the lake (commune_id, name_fr, name_nl, name_en), by English name.

    Raises GoldNotReady when the gold files are not there yet, GoldReadError when they cannot be read.
    """
    return _query(lake, _SQL_COMMUNES)


def list_periods(lake: str | os.PathLike[str] | None, commune_id: str, period_type: str) -> pd.DataFrame:
    """The periods of `period_type` with adoption figures for the commune, latest first.

    Columns: period (`2024`, `2024-Q1`, `2024-03`...), period_start, period_end. Empty for an unknown or
    malformed commune or period type.
    """
    if not _valid_commune(commune_id) or period_type not in PERIOD_TYPES:
        return _empty(PERIOD_COLUMNS)
    return _query(lake, _SQL_PERIODS, (commune_id, period_type))


def adoption_kpis(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    period_type: str,
    period: str,
) -> pd.DataFrame:
    """The adoption KPIs of one commune and period, one row per KPI.

    Columns: kpi_name, numerator, denominator (null for counts), value, period_start, period_end.
    """
    if not _valid_commune(commune_id) or period_type not in PERIOD_TYPES or not isinstance(period, str):
        return _empty(KPI_COLUMNS)
    return _query(lake, _SQL_KPIS, (commune_id, period_type, period))


def monthly_trend(
    lake: str | os.PathLike[str] | None, commune_id: str, kpi_name: str | Sequence[str], year: int
) -> pd.DataFrame:
    """The monthly figures of one or more KPIs of a commune for a calendar year, in long form.

    Columns: period (`2024-03`), period_start, period_end, kpi_name, numerator, denominator, value;
    ordered by month then KPI.
    """
    names = [kpi_name] if isinstance(kpi_name, str) else list(kpi_name)
    if (
        not _valid_commune(commune_id)
        or not names
        or not all(isinstance(n, str) and _KPI_NAME.fullmatch(n) for n in names)
        or isinstance(year, bool)
    ):
        return _empty(TREND_COLUMNS)
    try:
        year = int(year)
    except (TypeError, ValueError):
        return _empty(TREND_COLUMNS)
    return _query(lake, _SQL_TREND, (commune_id, names, year))


# --- common filters (dashboards/components.py) -----------------------------------------------------

_SQL_SERVICES = """
    SELECT service_code, name_fr, name_nl, name_en, process_code, digital_since
    FROM dim_service
    WHERE commune_id = ?
    ORDER BY service_code
"""
SERVICE_COLUMNS = ("service_code", "name_fr", "name_nl", "name_en", "process_code", "digital_since")


def list_services(lake: str | os.PathLike[str] | None, commune_id: str) -> pd.DataFrame:
    """The services of the commune's catalogue (service_code, names, process_code, digital_since)."""
    if not _valid_commune(commune_id):
        return _empty(SERVICE_COLUMNS)
    return _query(lake, _SQL_SERVICES, (commune_id,))


# --- targets page ----------------------------------------------------------------------------------

# --- channels page ---------------------------------------------------------------------------------

# --- processes page --------------------------------------------------------------------------------

# --- contact centre page ---------------------------------------------------------------------------

# --- data quality page -----------------------------------------------------------------------------

# --- communes page ---------------------------------------------------------------------------------
