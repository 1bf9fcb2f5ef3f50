"""The one module through which the dashboards read data: the gold Parquet files of the lake.

Every query runs in a fresh in-memory DuckDB over `<lake>/gold/*.parquet`: the dashboards never open a
database file, so they cannot lock or alter one that the pipeline is writing. Filter values are always
bound as `?` parameters, never formatted into SQL. Results are pandas DataFrames, cached with
`st.cache_data` under a key made of the gold folder and the size and modification time of each file, so
a new `civiclake run` is picked up on the next rerun without restarting the server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

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
# The periods of the commune's requests: other adoption figures reach further (appointment slots booked
# for next year), but a period without requests is not one to open the dashboard on. A commune with no
# request figure at all falls back on its other adoption figures.
_SQL_PERIODS = """
    SELECT DISTINCT period, period_start, period_end
    FROM kpi_adoption
    WHERE commune_id = $1 AND period_type = $2 AND breakdown = 'all'
      AND (
        kpi_name = 'requests_volume'
        OR NOT EXISTS (SELECT 1 FROM kpi_adoption WHERE commune_id = $1 AND kpi_name = 'requests_volume')
      )
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


# --- access scope ----------------------------------------------------------------------------------
# Who may read what is enforced here, in the one module that reads gold, not in the pages: a page, a
# filter value, a query parameter or a CSV download can only show what these functions return.


@dataclass(frozen=True)
class Scope:
    """What the current reader may see: nothing (`signed_in` False: the public, open data only), every
    figure (`services` None: management), or only the rows of the service codes in `services`."""

    signed_in: bool
    services: frozenset[str] | None

    @property
    def everything(self) -> bool:
        """Every figure, commune totals included (management, or the library outside the app)."""
        return self.signed_in and self.services is None

    def allows_service(self, service_code: object) -> bool:
        """Whether the rows of this one service may be read (None, "every service", needs `everything`)."""
        if service_code is None:
            return self.everything
        return self.signed_in and (self.services is None or service_code in self.services)


FULL_SCOPE = Scope(signed_in=True, services=None)
PUBLIC_SCOPE = Scope(signed_in=False, services=frozenset())
_SCOPE: ContextVar[Scope | None] = ContextVar("civiclake_scope", default=None)


def current_scope() -> Scope:
    """The scope set by the app for this script run. Inside a Streamlit run that did not set one: the
    public's (fail closed); outside Streamlit (the CLI, library use): everything."""
    scope = _SCOPE.get()
    if scope is not None:
        return scope
    return PUBLIC_SCOPE if get_script_run_ctx(suppress_warning=True) is not None else FULL_SCOPE


@contextmanager
def scoped(scope: Scope) -> Iterator[Scope]:
    """Read gold with `scope` inside the block (app.py wraps each script run in it)."""
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def _signed_in() -> bool:
    return current_scope().signed_in


def _everything() -> bool:
    return current_scope().everything


def resolve_lake(lake: str | os.PathLike[str] | None = None) -> Path:
    """The lake folder: `lake` if given, else $CIVICLAKE_LAKE, else `lake` relative to the cwd."""
    if lake is None:
        lake = os.environ.get(LAKE_ENV) or DEFAULT_LAKE
    # Absolute, so that the cache key does not depend on the working directory.
    return Path(lake).expanduser().resolve()


def gold_dir(lake: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the gold Parquet files of the lake: the snapshot `<lake>/gold` points to.

    The pipeline publishes gold as whole snapshots (`gold` is a link to `gold-snapshots/<id>/`, swapped
    in one rename: pipelines/gold_snapshots.py). The link is resolved once per page run and every query
    of the run reads that snapshot, so a page never shows figures of two exports side by side. A plain
    `gold` folder (a hand-made lake) is used as it is.
    """
    gold = resolve_lake(lake) / "gold"
    pins = _gold_pins()
    if pins is None:  # outside a Streamlit run (scripts, tests): the snapshot of the moment
        return _current_snapshot(gold)
    if gold not in pins:
        pins[gold] = _current_snapshot(gold)
    return pins[gold]


def _current_snapshot(gold: Path) -> Path:
    return Path(os.path.realpath(gold)) if gold.is_symlink() else gold


def _gold_pins() -> dict[Path, Path] | None:
    """The snapshots resolved in the current script run, or None outside one.

    Streamlit gives each run of a session's script a fresh `cursors` dict on its run context: the pins
    live beside it and are dropped when the next run starts.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx as current_run

    context = current_run(suppress_warning=True)
    if context is None:
        return None
    pinned = getattr(context, "_civiclake_gold_pins", None)
    if pinned is None or pinned[0] is not context.cursors:
        pinned = (context.cursors, {})
        context._civiclake_gold_pins = pinned  # type: ignore[attr-defined]
    return pinned[1]


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
            table = Path(filename).stem
            if not re.search(rf"\b{re.escape(table)}\b", sql):
                continue  # a view costs a file open and a schema read: only those the query names
            # The relation API takes the path as a value, so no path is spliced into SQL either.
            con.read_parquet(str(Path(gold) / filename)).create_view(table)
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


def _any_period(period_type: object, period: object) -> bool:
    """A known period type and a period given as a string (the query finds whether it exists)."""
    return period_type in PERIOD_TYPES and isinstance(period, str)


def _kpi_names(names: str | Sequence[str]) -> list[str] | None:
    """One KPI name or several as a list; None when there is none or one is malformed."""
    names = [names] if isinstance(names, str) else list(names)
    if not names or not all(isinstance(n, str) and _KPI_NAME.fullmatch(n) for n in names):
        return None
    return names


def _as_date(value: object) -> dt.date | None:
    """A date from a date, datetime or pd.Timestamp; None for anything else (a string is refused)."""
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _select(
    lake: str | os.PathLike[str] | None,
    valid: bool,
    columns: Sequence[str],
    sql: str,
    params: Sequence[object] = (),
    needs: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows of `sql`; an empty frame of `columns` when a filter value is not `valid` or the lake lacks
    one of the gold tables `needs` (a page says so rather than failing)."""
    if not valid or missing_gold(lake, needs):
        return _empty(columns)
    return _query(lake, sql, params)


def _from_long_marts(
    lake: str | os.PathLike[str] | None,
    sql: str,
    params: Callable[[str], Sequence[object]],
    columns: Sequence[str],
    order: Sequence[str],
) -> pd.DataFrame:
    """`sql` (a template on {mart}) over every long KPI mart of the lake, the non-empty results concatenated
    and sorted by `order`; `params(mart)` gives each query's parameters."""
    parts = [
        _query(lake, sql.format(mart=mart), params(mart))
        for mart in LONG_KPI_GOLD  # fixed names, never a filter value
        if has_gold(lake, mart)
    ]
    parts = [part for part in parts if not part.empty]
    if not parts:
        return _empty(columns)
    return pd.concat(parts, ignore_index=True).sort_values(list(order), ignore_index=True)


def list_communes(lake: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The communes of the lake (commune_id, name_fr, name_nl, name_en), by English name.

    Raises GoldNotReady when the gold files are not there yet, GoldReadError when they cannot be read.
    Empty for the public (not signed in).
    """
    if not _signed_in():
        return _empty(COMMUNE_COLUMNS)
    return _query(lake, _SQL_COMMUNES)


def list_periods(lake: str | os.PathLike[str] | None, commune_id: str, period_type: str) -> pd.DataFrame:
    """The periods of `period_type` with adoption figures for the commune, latest first.

    Columns: period (`2024`, `2024-Q1`, `2024-03`...), period_start, period_end. Empty for an unknown or
    malformed commune or period type.
    """
    # Period labels only, no figure: any signed-in reader needs them for the common filter.
    valid = _signed_in() and _valid_commune(commune_id) and period_type in PERIOD_TYPES
    return _select(lake, valid, PERIOD_COLUMNS, _SQL_PERIODS, (commune_id, period_type))


def adoption_kpis(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    period_type: str,
    period: str,
) -> pd.DataFrame:
    """The adoption KPIs of one commune and period, one row per KPI.

    Columns: kpi_name, numerator, denominator (null for counts), value, period_start, period_end.
    """
    valid = _everything() and _valid_commune(commune_id) and _any_period(period_type, period)
    return _select(lake, valid, KPI_COLUMNS, _SQL_KPIS, (commune_id, period_type, period))


def monthly_trend(
    lake: str | os.PathLike[str] | None, commune_id: str, kpi_name: str | Sequence[str], year: int
) -> pd.DataFrame:
    """The monthly figures of one or more KPIs of a commune for a calendar year, in long form.

    Columns: period (`2024-03`), period_start, period_end, kpi_name, numerator, denominator, value;
    ordered by month then KPI.
    """
    names = _kpi_names(kpi_name)
    if not _everything() or not _valid_commune(commune_id) or names is None or isinstance(year, bool):
        return _empty(TREND_COLUMNS)
    try:
        year = int(year)
    except (TypeError, ValueError):
        return _empty(TREND_COLUMNS)
    return _query(lake, _SQL_TREND, (commune_id, names, year))


# --- common filters (dashboards/components.py) -----------------------------------------------------


def has_gold(lake: str | os.PathLike[str] | None, name: str) -> bool:
    """Whether the lake has gold/<name>.parquet (a page says so rather than failing when one lacks)."""
    return (gold_dir(lake) / f"{name}.parquet").is_file()


def missing_gold(lake: str | os.PathLike[str] | None, names: Sequence[str]) -> list[str]:
    """Which of the gold tables `names` the lake lacks (a page section says so instead of failing)."""
    return [name for name in names if not has_gold(lake, name)]


_SQL_SERVICES = """
    SELECT service_code, name_fr, name_nl, name_en, process_code, digital_since
    FROM dim_service
    WHERE commune_id = ?
    ORDER BY service_code
"""
SERVICE_COLUMNS = ("service_code", "name_fr", "name_nl", "name_en", "process_code", "digital_since")


def list_services(lake: str | os.PathLike[str] | None, commune_id: str) -> pd.DataFrame:
    """The services of the commune's catalogue (service_code, names, process_code, digital_since): those
    of the reader's scope only."""
    services = _select(lake, _signed_in() and _valid_commune(commune_id), SERVICE_COLUMNS, _SQL_SERVICES, (commune_id,))
    allowed = current_scope().services
    if allowed is None:
        return services
    return services[services["service_code"].isin(allowed)].reset_index(drop=True)


# --- targets page ----------------------------------------------------------------------------------

# The KPI marts in the long format that a target or the communes table can draw on (fixed names, never
# from a filter value). A mart missing from the lake is skipped, not an error.
LONG_KPI_GOLD: tuple[str, ...] = ("kpi_adoption", "kpi_contact_centre", "kpi_processing")
TARGET_COLUMNS = (
    "kpi_name", "target_value", "deadline", "as_of_month", "as_of_date", "latest_value", "latest_numerator",
    "latest_denominator", "gap", "lower_is_better", "months_used", "slope_per_month", "projected_value",
    "projection_low", "projection_high", "status",
)  # fmt: skip
TARGET_TREND_COLUMNS = ("kpi_name", "period", "period_start", "period_end", "numerator", "denominator", "value", "unit")
CATALOGUE_DEMAND_COLUMNS = (
    "service_code", "name_fr", "name_nl", "name_en", "digital_since", "is_online",
    "requests", "non_digital_requests", "catalogue_requests",
)  # fmt: skip

# Each target (KPI x deadline) as it stood at the last month that ends on or before the given day.
_SQL_TARGET_STATUS = """
    SELECT kpi_name, target_value, deadline, as_of_month, as_of_date, latest_value, latest_numerator,
        latest_denominator, gap, lower_is_better, months_used, slope_per_month, projected_value,
        projection_low, projection_high, status
    FROM kpi_target_status
    WHERE commune_id = ? AND as_of_date <= ?
    QUALIFY row_number() OVER (PARTITION BY kpi_name, deadline ORDER BY as_of_date DESC) = 1
    ORDER BY kpi_name, deadline
"""
_SQL_TARGET_TREND = """
    SELECT kpi_name, period, period_start, period_end, numerator, denominator, value, unit
    FROM {mart}
    WHERE commune_id = ? AND period_type = 'month' AND breakdown = 'all' AND list_contains(?, kpi_name)
      AND period_end <= ?
"""
# The services active on the day (KPIS.md services_digital_share: active from active_from, up to the day
# before retired_on), whether they can be done online that day (digital_since on or before it), and the
# requests they received in the 12 months that end on the day; catalogue_requests: the requests of those
# months for a service of the commune's catalogue (the denominator of services_digital_share_weighted).
_SQL_CATALOGUE_DEMAND = """
    WITH catalogue AS (
        SELECT service_code, name_fr, name_nl, name_en, digital_since,
            coalesce(digital_since <= ?, false) AS is_online
        FROM dim_service
        WHERE commune_id = ? AND active_from <= ? AND (retired_on IS NULL OR ? < retired_on)
    ),
    demand AS (
        SELECT service_code,
            count(*) AS requests,
            count(*) FILTER (WHERE is_known_channel AND NOT is_digital) AS non_digital_requests
        FROM fct_requests
        WHERE commune_id = ? AND created_date_local > ? - INTERVAL 12 MONTH AND created_date_local <= ?
            AND service_code IN (SELECT service_code FROM dim_service WHERE commune_id = ?)
        GROUP BY service_code
    )
    SELECT catalogue.service_code, name_fr, name_nl, name_en, digital_since, is_online,
        coalesce(demand.requests, 0) AS requests,
        coalesce(demand.non_digital_requests, 0) AS non_digital_requests,
        (SELECT coalesce(sum(requests), 0) FROM demand) AS catalogue_requests
    FROM catalogue
    LEFT JOIN demand ON catalogue.service_code = demand.service_code
    ORDER BY is_online, non_digital_requests DESC, requests DESC, catalogue.service_code
"""


def target_status(lake: str | os.PathLike[str] | None, commune_id: str, as_of: object) -> pd.DataFrame:
    """Each target of the commune as it stood at the last month ending on or before `as_of` (a date).

    One row per KPI and deadline, columns of kpi_target_status (TARGET_COLUMNS); empty when the lake has
    no kpi_target_status or for a malformed commune or date.
    """
    day = _as_date(as_of)
    valid = _everything() and _valid_commune(commune_id) and day is not None
    return _select(lake, valid, TARGET_COLUMNS, _SQL_TARGET_STATUS, (commune_id, day), ["kpi_target_status"])


def target_trend(
    lake: str | os.PathLike[str] | None, commune_id: str, kpi_names: Sequence[str], until: object
) -> pd.DataFrame:
    """The monthly values (breakdown 'all') of the KPIs for the commune, every month ending by `until`.

    Columns: kpi_name, period (`2024-03`), period_start, period_end, numerator, denominator, value, unit;
    ordered by KPI then month. Read from every long KPI mart of the lake.
    """
    names = _kpi_names(kpi_names)
    day = _as_date(until)
    if not _everything() or not _valid_commune(commune_id) or day is None or names is None:
        return _empty(TARGET_TREND_COLUMNS)
    return _from_long_marts(
        lake,
        _SQL_TARGET_TREND,
        lambda _mart: (commune_id, names, day),
        TARGET_TREND_COLUMNS,
        ("kpi_name", "period_start"),
    )


def catalogue_demand(lake: str | os.PathLike[str] | None, commune_id: str, day: object) -> pd.DataFrame:
    """The services of the commune active on `day` (a date), with the demand they carry.

    Columns (CATALOGUE_DEMAND_COLUMNS): service_code, name_fr, name_nl, name_en, digital_since, is_online
    (digital_since on or before `day`), requests and non_digital_requests (known channel, not digital)
    of the service in the 12 months ending on `day`, and catalogue_requests: the requests of those
    months for any service of the commune's catalogue (the same on every row). The services not online
    come first, most non-digital requests first. Empty without dim_service or fct_requests, or for a
    malformed commune or date.
    """
    when = _as_date(day)
    # catalogue_requests is a commune total: the table is for readers of every service only.
    valid = _everything() and _valid_commune(commune_id) and when is not None
    params = (when, commune_id, when, when, commune_id, when, when, commune_id)
    return _select(
        lake, valid, CATALOGUE_DEMAND_COLUMNS, _SQL_CATALOGUE_DEMAND, params, ["dim_service", "fct_requests"]
    )


# --- channels page ---------------------------------------------------------------------------------

# Service codes as the catalogue spells them (`POP-EID`, `CIV-MARRIAGE`...): anything else is refused.
_CHANNELS_SERVICE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# The appointment KPIs of the page (kpi_adoption, also per service) and those of the portal logins (never
# per service: a login is not tied to a service).
CHANNELS_APPOINTMENT_KPIS: tuple[str, ...] = (
    "appointments_online_share",
    "appointments_cancellation_rate",
    "appointments_no_show_rate",
    "appointments_booked",
)
CHANNELS_CITIZEN_KPIS: tuple[str, ...] = ("daily_active_citizens", "daily_active_citizens_weekday_median")
CHANNELS_MIX_COLUMNS = (
    "month", "channel", "name_fr", "name_nl", "name_en", "is_digital", "sort_order", "requests",
)  # fmt: skip
CHANNELS_HEATMAP_COLUMNS = ("iso_weekday", "hour", "requests", "office_hours_requests", "after_hours_requests")
CHANNELS_KPI_COLUMNS = ("kpi_name", "breakdown", "breakdown_value", "numerator", "denominator", "value", "unit")
CHANNELS_MONTHLY_COLUMNS = ("period", "period_start", "kpi_name", "numerator", "denominator", "value")
CHANNELS_DAILY_COLUMNS = ("day", "numerator", "denominator", "value")

# Requests by month and channel between two local dates; the channel's names, digital flag and order from
# dim_channel (a channel missing from it keeps its code, after the known ones).
_SQL_CHANNELS_MIX = """
    SELECT date_trunc('month', r.created_date_local)::DATE AS month, r.channel,
           any_value(c.name_fr) AS name_fr, any_value(c.name_nl) AS name_nl, any_value(c.name_en) AS name_en,
           coalesce(any_value(c.is_digital), bool_or(r.is_digital)) AS is_digital,
           coalesce(any_value(c.sort_order), 999) AS sort_order, count(*) AS requests
    FROM fct_requests AS r
    LEFT JOIN dim_channel AS c ON c.commune_id = r.commune_id AND c.channel = r.channel
    WHERE r.commune_id = ? AND r.created_date_local BETWEEN ?::DATE AND ?::DATE
      AND (?::VARCHAR IS NULL OR r.service_code = ?::VARCHAR)
    GROUP BY 1, 2
    ORDER BY month, sort_order, r.channel
"""
# Requests of a period by local ISO weekday (1 = Monday) and hour, with how many fell in office hours.
_SQL_CHANNELS_HEATMAP = """
    SELECT isodow(created_at_local)::INTEGER AS iso_weekday, hour(created_at_local)::INTEGER AS hour,
           count(*) AS requests,
           count(*) FILTER (WHERE is_office_hours) AS office_hours_requests,
           count(*) FILTER (WHERE is_after_hours) AS after_hours_requests
    FROM fct_requests
    WHERE commune_id = ? AND created_date_local BETWEEN ?::DATE AND ?::DATE
      AND (?::VARCHAR IS NULL OR service_code = ?::VARCHAR)
    GROUP BY ALL
    ORDER BY iso_weekday, hour
"""
# The figures of one period: the commune as a whole, or one service's breakdown rows.
_SQL_CHANNELS_KPIS = """
    SELECT kpi_name, breakdown, breakdown_value, numerator, denominator, value, unit
    FROM kpi_adoption
    WHERE commune_id = ? AND period_type = ? AND period = ? AND list_contains(?, kpi_name)
      AND breakdown = CASE WHEN ?::VARCHAR IS NULL THEN 'all' ELSE 'service' END
      AND breakdown_value = coalesce(?::VARCHAR, 'all')
    ORDER BY kpi_name
"""
_SQL_CHANNELS_MONTHLY = """
    SELECT period, period_start, kpi_name, numerator, denominator, value
    FROM kpi_adoption
    WHERE commune_id = ? AND period_type = 'month' AND period_start BETWEEN ?::DATE AND ?::DATE
      AND list_contains(?, kpi_name)
      AND breakdown = CASE WHEN ?::VARCHAR IS NULL THEN 'all' ELSE 'service' END
      AND breakdown_value = coalesce(?::VARCHAR, 'all')
    ORDER BY period_start, kpi_name
"""
_SQL_CHANNELS_DAILY = """
    SELECT period_start AS day, numerator, denominator, value
    FROM kpi_adoption
    WHERE commune_id = ? AND period_type = 'day' AND kpi_name = ? AND breakdown = 'all'
      AND period_start BETWEEN ?::DATE AND ?::DATE
    ORDER BY period_start
"""


def _channels_service(service_code: object) -> tuple[bool, str | None]:
    """(valid, code): None means every service; a malformed code, or one outside the reader's scope (every
    service included), is not valid."""
    if not current_scope().allows_service(service_code):
        return False, None
    if service_code is None:
        return True, None
    if isinstance(service_code, str) and _CHANNELS_SERVICE.fullmatch(service_code):
        return True, service_code
    return False, None


def _channels_date(day: object) -> str | None:
    """An ISO date from a date, a Timestamp or an ISO string; None for anything else."""
    if not isinstance(day, str) and not hasattr(day, "isoformat"):
        return None
    try:
        stamp = pd.Timestamp(day)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.date().isoformat()


def channels_monthly_mix(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    first_day: object,
    last_day: object,
    service_code: str | None = None,
) -> pd.DataFrame:
    """Requests created between two local dates (both included) by month and intake channel, for one
    service or all (the page asks for a calendar year, or the 12 months of a rolling window).

    Columns: month (first day), channel, name_fr, name_nl, name_en, is_digital, sort_order, requests.
    Needs fct_requests and dim_channel.
    """
    valid, service = _channels_service(service_code)
    start, end = _channels_date(first_day), _channels_date(last_day)
    valid = valid and _valid_commune(commune_id) and start is not None and end is not None
    return _select(lake, valid, CHANNELS_MIX_COLUMNS, _SQL_CHANNELS_MIX, (commune_id, start, end, service, service))


def channels_weekday_hour(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    period_start: object,
    period_end: object,
    service_code: str | None = None,
) -> pd.DataFrame:
    """Requests created in the period (local dates, both ends included) by ISO weekday (1-7) and hour (0-23).

    Columns: iso_weekday, hour, requests, office_hours_requests, after_hours_requests; only the cells
    with requests. Needs fct_requests.
    """
    valid, service = _channels_service(service_code)
    start, end = _channels_date(period_start), _channels_date(period_end)
    valid = valid and _valid_commune(commune_id) and start is not None and end is not None
    params = (commune_id, start, end, service, service)
    return _select(lake, valid, CHANNELS_HEATMAP_COLUMNS, _SQL_CHANNELS_HEATMAP, params)


def channels_period_kpis(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    period_type: str,
    period: str,
    kpi_names: Sequence[str],
    service_code: str | None = None,
) -> pd.DataFrame:
    """Adoption KPIs of one period: the commune as a whole, or the breakdown of one service.

    Columns: kpi_name, breakdown, breakdown_value, numerator, denominator, value, unit.
    """
    valid, service = _channels_service(service_code)
    names = _kpi_names(kpi_names)
    valid = valid and _valid_commune(commune_id) and _any_period(period_type, period) and names is not None
    params = (commune_id, period_type, period, names, service, service)
    return _select(lake, valid, CHANNELS_KPI_COLUMNS, _SQL_CHANNELS_KPIS, params)


def channels_monthly_kpis(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    first_day: object,
    last_day: object,
    kpi_names: Sequence[str],
    service_code: str | None = None,
) -> pd.DataFrame:
    """The monthly rows of adoption KPIs whose month starts between two dates (commune as a whole, or
    one service).

    Columns: period (`2024-03`), period_start, kpi_name, numerator, denominator, value.
    """
    valid, service = _channels_service(service_code)
    names = _kpi_names(kpi_names)
    start, end = _channels_date(first_day), _channels_date(last_day)
    valid = valid and _valid_commune(commune_id) and names is not None and start is not None and end is not None
    params = (commune_id, start, end, names, service, service)
    return _select(lake, valid, CHANNELS_MONTHLY_COLUMNS, _SQL_CHANNELS_MONTHLY, params)


def channels_daily_kpi(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    kpi_name: str,
    period_start: object,
    period_end: object,
) -> pd.DataFrame:
    """The day rows of one KPI (commune as a whole) between two local dates, both included.

    Columns: day, numerator, denominator, value.
    """
    start, end = _channels_date(period_start), _channels_date(period_end)
    valid = (
        _everything()
        and _valid_commune(commune_id)
        and isinstance(kpi_name, str)
        and _KPI_NAME.fullmatch(kpi_name) is not None
        and start is not None
        and end is not None
    )
    return _select(lake, valid, CHANNELS_DAILY_COLUMNS, _SQL_CHANNELS_DAILY, (commune_id, kpi_name, start, end))


# --- processes page --------------------------------------------------------------------------------

# Process codes come from the event logs: free text, but never a quote, a semicolon, a backslash, a
# control character or the " / " that joins a process and a channel / activity in a breakdown value.
_PROCESS_CODE = re.compile(r"[^\x00-\x1f'\";\\]{1,128}")
PROCESS_CHANNELS: tuple[str, ...] = ("portal", "app", "email", "phone", "counter", "post", "other", "unknown")
PROCESS_LIST_COLUMNS = ("process_code", "cases")
PROCESS_CHANNEL_COLUMNS = ("channel", "name_fr", "name_nl", "name_en", "is_digital", "sort_order")
PROCESS_LEAD_TIME_COLUMNS = ("lead_time_days",)
PROCESS_THROUGHPUT_COLUMNS = ("week_start", "cases_opened", "cases_closed")
PROCESS_KPI_COLUMNS = ("kpi_name", "breakdown", "breakdown_value", "numerator", "denominator", "value", "detail")
PROCESS_TRANSITION_COLUMNS = (
    "from_activity",
    "to_activity",
    "transition_count",
    "wait_median_days",
    "wait_p90_days",
    "wait_total_days",
    "wait_mean_days",
    "is_bottleneck_total",
    "is_bottleneck_median",
)
PROCESS_VARIANT_COLUMNS = ("variant_rank", "variant", "cases", "process_cases", "share", "lead_time_median_days")

_SQL_PROCESS_LIST = """
    SELECT process_code, count(*) AS cases
    FROM fct_cases
    WHERE commune_id = ?
    GROUP BY process_code
    ORDER BY process_code
"""
_SQL_PROCESS_CHANNELS = """
    SELECT channel, name_fr, name_nl, name_en, is_digital, sort_order
    FROM dim_channel
    WHERE commune_id = ?
    ORDER BY sort_order, channel
"""
# Cases closed in the period (local date of closing), as KPIS.md counts lead times.
_SQL_PROCESS_LEAD_TIMES = """
    SELECT lead_time_days
    FROM fct_cases
    WHERE commune_id = ? AND process_code = ? AND (? IS NULL OR channel = ?)
      AND is_closed AND lead_time_days IS NOT NULL
      AND closed_date_local BETWEEN ? AND ?
    ORDER BY lead_time_days
"""
# ISO weeks (Monday) that overlap the period; opened by the first event, closed by the closing date.
_SQL_PROCESS_THROUGHPUT = """
    WITH cases AS (
        SELECT first_event_date_local, closed_date_local
        FROM fct_cases
        WHERE commune_id = ? AND process_code = ? AND (? IS NULL OR channel = ?)
    ), bounds AS (SELECT CAST(? AS DATE) AS d0, CAST(? AS DATE) AS d1),
    opened AS (
        SELECT date_trunc('week', first_event_date_local) AS week_start, count(*) AS n
        FROM cases, bounds WHERE first_event_date_local BETWEEN d0 AND d1 GROUP BY 1
    ), closed AS (
        SELECT date_trunc('week', closed_date_local) AS week_start, count(*) AS n
        FROM cases, bounds WHERE closed_date_local BETWEEN d0 AND d1 GROUP BY 1
    ), weeks AS (
        SELECT CAST(unnest(generate_series(date_trunc('week', d0), date_trunc('week', d1), INTERVAL 7 DAY)) AS DATE)
            AS week_start
        FROM bounds
    )
    SELECT weeks.week_start, coalesce(opened.n, 0) AS cases_opened, coalesce(closed.n, 0) AS cases_closed
    FROM weeks
    LEFT JOIN opened ON opened.week_start = weeks.week_start
    LEFT JOIN closed ON closed.week_start = weeks.week_start
    ORDER BY weeks.week_start
"""
# The process's own rows (breakdowns process, process_channel, process_activity) and the age buckets of
# the backlog (commune-wide in the marts; 'PROC / bucket' rows are taken too should a mart add them).
_SQL_PROCESS_KPIS = """
    SELECT kpi_name, breakdown, breakdown_value, numerator, denominator, value, detail
    FROM kpi_processing
    WHERE commune_id = ? AND period_type = ? AND period = ?
      AND (
        (breakdown = 'process' AND breakdown_value = ?)
        OR (breakdown IN ('process_channel', 'process_activity') AND starts_with(breakdown_value, ? || ' / '))
        OR (breakdown = 'age_bucket'
            AND (strpos(breakdown_value, ' / ') = 0 OR starts_with(breakdown_value, ? || ' / ')))
      )
    ORDER BY kpi_name, breakdown, breakdown_value
"""
_SQL_PROCESS_TRANSITIONS = """
    SELECT from_activity, to_activity, transition_count, wait_median_days, wait_p90_days, wait_total_days,
           wait_mean_days, is_bottleneck_total, is_bottleneck_median
    FROM kpi_process_transitions
    WHERE commune_id = ? AND period_type = ? AND period = ? AND process_code = ?
    ORDER BY transition_count DESC, from_activity, to_activity
"""
_SQL_PROCESS_VARIANTS = """
    SELECT variant_rank, variant, cases, process_cases, share, lead_time_median_days
    FROM kpi_process_variants
    WHERE commune_id = ? AND period_type = ? AND period = ? AND process_code = ?
    ORDER BY variant_rank
"""


def _valid_process(process_code: object) -> bool:
    return (
        isinstance(process_code, str)
        and _PROCESS_CODE.fullmatch(process_code) is not None
        and " / " not in process_code
    )


def _valid_channel(channel: object) -> bool:
    return channel is None or channel in PROCESS_CHANNELS


def _valid_period(period_type: object, period: object) -> bool:
    return _any_period(period_type, period) and 0 < len(period) <= 32  # type: ignore[arg-type]


def _allowed_processes(lake: str | os.PathLike[str] | None, commune_id: object) -> frozenset[str] | None:
    """The processes the reader may see in the commune (None: all). A process is a service owner's when
    every service of the commune's catalogue that runs it is theirs: its figures mix those services."""
    scope = current_scope()
    if scope.everything:
        return None
    if not scope.signed_in or not _valid_commune(commune_id) or not has_gold(lake, "dim_service"):
        return frozenset()
    services = _query(lake, _SQL_SERVICES, (commune_id,)).dropna(subset=["process_code"])
    owned = scope.services or frozenset()
    by_process = services.groupby("process_code")["service_code"].agg(set)
    return frozenset(str(code) for code, codes in by_process.items() if codes <= owned)


def _process_allowed(lake: str | os.PathLike[str] | None, commune_id: object, process_code: object) -> bool:
    allowed = _allowed_processes(lake, commune_id)
    return allowed is None or process_code in allowed


def _process_filters(commune_id: object, process_code: object, channel: object, start: object, end: object) -> bool:
    return (
        _valid_commune(commune_id)
        and _valid_process(process_code)
        and _valid_channel(channel)
        and start is not None
        and end is not None
    )


def _process_period_query(
    lake: str | os.PathLike[str] | None,
    table: str,
    columns: Sequence[str],
    sql: str,
    commune_id: str,
    period_type: str,
    period: str,
    process_code: str,
) -> pd.DataFrame:
    """The rows of a process mart (`table`) for one commune, period and process."""
    valid = _valid_commune(commune_id) and _valid_period(period_type, period) and _valid_process(process_code)
    valid = valid and _process_allowed(lake, commune_id, process_code)
    return _select(lake, valid, columns, sql, (commune_id, period_type, period, process_code), [table])


def process_list(lake: str | os.PathLike[str] | None, commune_id: str) -> pd.DataFrame:
    """The processes of the commune's cases (process_code, cases), by code, those of the reader's scope
    only. Empty without fct_cases."""
    valid = _signed_in() and _valid_commune(commune_id)
    processes = _select(lake, valid, PROCESS_LIST_COLUMNS, _SQL_PROCESS_LIST, (commune_id,), ["fct_cases"])
    allowed = _allowed_processes(lake, commune_id)
    if allowed is None:
        return processes
    return processes[processes["process_code"].isin(allowed)].reset_index(drop=True)


def process_channels(lake: str | os.PathLike[str] | None, commune_id: str) -> pd.DataFrame:
    """The channels of dim_channel for the commune (channel, names, is_digital, sort_order)."""
    valid = _signed_in() and _valid_commune(commune_id)
    return _select(lake, valid, PROCESS_CHANNEL_COLUMNS, _SQL_PROCESS_CHANNELS, (commune_id,), ["dim_channel"])


def process_lead_times(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    process_code: str,
    channel: str | None,
    period_start: object,
    period_end: object,
) -> pd.DataFrame:
    """Lead times (days) of the process's cases closed between the two local dates (inclusive), one row
    per case, ascending; `channel` None for every channel."""
    start, end = _as_date(period_start), _as_date(period_end)
    valid = _process_filters(commune_id, process_code, channel, start, end)
    valid = valid and _process_allowed(lake, commune_id, process_code)
    params = (commune_id, process_code, channel, channel, start, end)
    return _select(lake, valid, PROCESS_LEAD_TIME_COLUMNS, _SQL_PROCESS_LEAD_TIMES, params, ["fct_cases"])


def process_weekly_throughput(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    process_code: str,
    channel: str | None,
    period_start: object,
    period_end: object,
) -> pd.DataFrame:
    """Cases of the process opened (first event) and closed per ISO week (week_start: the Monday) within
    the two local dates; every week overlapping the period has a row (zeros included)."""
    start, end = _as_date(period_start), _as_date(period_end)
    valid = _process_filters(commune_id, process_code, channel, start, end) and start <= end  # type: ignore[operator]
    valid = valid and _process_allowed(lake, commune_id, process_code)
    params = (commune_id, process_code, channel, channel, start, end)
    return _select(lake, valid, PROCESS_THROUGHPUT_COLUMNS, _SQL_PROCESS_THROUGHPUT, params, ["fct_cases"])


def process_kpis(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    period_type: str,
    period: str,
    process_code: str,
) -> pd.DataFrame:
    """The kpi_processing rows of one process and period: breakdown process (= the process),
    process_channel and process_activity ('PROC / x'), and the backlog's age buckets (commune-wide
    'bucket' rows, or 'PROC / bucket' ones if the mart has them)."""
    valid = _valid_commune(commune_id) and _valid_period(period_type, period) and _valid_process(process_code)
    valid = valid and _process_allowed(lake, commune_id, process_code)
    params = (commune_id, period_type, period, process_code, process_code, process_code)
    kpis = _select(lake, valid, PROCESS_KPI_COLUMNS, _SQL_PROCESS_KPIS, params, ["kpi_processing"])
    if _everything():
        return kpis
    # The commune-wide age buckets count every process's backlog: not a service owner's figure.
    commune_wide = (kpis["breakdown"] == "age_bucket") & ~kpis["breakdown_value"].astype(str).str.contains(" / ")
    return kpis[~commune_wide].reset_index(drop=True)


def process_transitions(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    period_type: str,
    period: str,
    process_code: str,
) -> pd.DataFrame:
    """kpi_process_transitions of one process and period (month, quarter, year, rolling_12_months),
    most frequent pair first."""
    return _process_period_query(
        lake, "kpi_process_transitions", PROCESS_TRANSITION_COLUMNS, _SQL_PROCESS_TRANSITIONS,
        commune_id, period_type, period, process_code,
    )  # fmt: skip


def process_variants(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    period_type: str,
    period: str,
    process_code: str,
) -> pd.DataFrame:
    """The top variants (kpi_process_variants) of one process and period, by rank."""
    return _process_period_query(
        lake, "kpi_process_variants", PROCESS_VARIANT_COLUMNS, _SQL_PROCESS_VARIANTS,
        commune_id, period_type, period, process_code,
    )  # fmt: skip


# --- contact centre page ---------------------------------------------------------------------------

CONTACT_CENTRE_KPIS: tuple[str, ...] = (
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
    "calls_short_abandoned",
    "abandonment_rate",
    "service_level",
    "average_speed_of_answer",
    "average_handle_time",
)
# The KPIs of the contact centre that can have a target (kpi_target_status) or a reference value.
CONTACT_CENTRE_TARGET_KPIS: tuple[str, ...] = ("service_level", "average_speed_of_answer", "average_handle_time")
CC_KPI_COLUMNS = ("breakdown", "breakdown_value", "kpi_name", "numerator", "denominator", "value", "unit")
CC_DAILY_COLUMNS = ("day", "kpi_name", "numerator", "denominator", "value")
CC_HOURLY_COLUMNS = ("hour", "offered", "answered", "abandoned", "short_abandoned")
CC_TARGET_COLUMNS = ("kpi_name", "target_value", "deadline", "as_of_month")

_SQL_CC_KPIS = """
    SELECT breakdown, breakdown_value, kpi_name, numerator, denominator, value, unit
    FROM kpi_contact_centre
    WHERE commune_id = ? AND period_type = ? AND period = ? AND breakdown IN ('all', 'queue')
    ORDER BY breakdown, breakdown_value, kpi_name
"""
_SQL_CC_DAILY = """
    SELECT period_start AS day, kpi_name, numerator, denominator, value
    FROM kpi_contact_centre
    WHERE commune_id = ? AND period_type = 'day' AND breakdown = 'all'
      AND period_start BETWEEN ? AND ? AND list_contains(?, kpi_name)
    ORDER BY day, kpi_name
"""
_SQL_CC_HOURLY = """
    SELECT entered_hour_local AS hour,
        count(*) FILTER (WHERE is_offered) AS offered,
        count(*) FILTER (WHERE is_answered) AS answered,
        count(*) FILTER (WHERE is_abandoned) AS abandoned,
        count(*) FILTER (WHERE is_short_abandon) AS short_abandoned
    FROM fct_calls
    WHERE commune_id = ? AND entered_date_local BETWEEN ? AND ?
    GROUP BY entered_hour_local
    ORDER BY hour
"""
# The target of each KPI as it stood at the end of the period (else the earliest known): the latest
# as_of_date on or before it.
_SQL_CC_TARGETS = """
    SELECT kpi_name, target_value, deadline, as_of_month
    FROM kpi_target_status
    WHERE commune_id = ? AND list_contains(?, kpi_name)
    QUALIFY row_number() OVER (
        PARTITION BY kpi_name ORDER BY (as_of_date <= ?) DESC, as_of_date DESC, deadline
    ) = 1
    ORDER BY kpi_name
"""


def contact_centre_kpis(
    lake: str | os.PathLike[str] | None, commune_id: str, period_type: str, period: str
) -> pd.DataFrame:
    """The contact-centre KPIs of one commune and period: the commune as a whole (breakdown `all`) and
    per queue (breakdown `queue`, breakdown_value = the queue).

    Columns: breakdown, breakdown_value, kpi_name, numerator, denominator, value, unit. Empty when the
    table is missing or a filter value is malformed.
    """
    valid = _everything() and _valid_commune(commune_id) and _any_period(period_type, period)
    params = (commune_id, period_type, period)
    return _select(lake, valid, CC_KPI_COLUMNS, _SQL_CC_KPIS, params, ["kpi_contact_centre"])


def contact_centre_daily(
    lake: str | os.PathLike[str] | None,
    commune_id: str,
    first_day: object,
    last_day: object,
    kpi_names: Sequence[str] = CONTACT_CENTRE_KPIS,
) -> pd.DataFrame:
    """The day rows of the contact-centre KPIs (commune as a whole) from first_day to last_day inclusive.

    Columns: day, kpi_name, numerator, denominator, value; by day then KPI.
    """
    first, last = _as_date(first_day), _as_date(last_day)
    names = _kpi_names(kpi_names)
    valid = (
        _everything() and _valid_commune(commune_id) and first is not None and last is not None and names is not None
    )
    params = (commune_id, first, last, names)
    return _select(lake, valid, CC_DAILY_COLUMNS, _SQL_CC_DAILY, params, ["kpi_contact_centre"])


def contact_centre_hourly(
    lake: str | os.PathLike[str] | None, commune_id: str, first_day: object, last_day: object
) -> pd.DataFrame:
    """Calls by local hour of entering the queue (0-23) over the local days first_day to last_day.

    Columns: hour, offered, answered, abandoned, short_abandoned (as fct_calls flags them); hours
    without a call are absent.
    """
    first, last = _as_date(first_day), _as_date(last_day)
    valid = _everything() and _valid_commune(commune_id) and first is not None and last is not None
    return _select(lake, valid, CC_HOURLY_COLUMNS, _SQL_CC_HOURLY, (commune_id, first, last), ["fct_calls"])


def contact_centre_targets(lake: str | os.PathLike[str] | None, commune_id: str, as_of: object) -> pd.DataFrame:
    """The configured targets of the commune for service level, ASA and AHT, as of a day.

    Columns: kpi_name, target_value, deadline, as_of_month; one row per KPI that has a target (the page
    falls back on its reference values for the others).
    """
    day = _as_date(as_of)
    valid = _everything() and _valid_commune(commune_id) and day is not None
    params = (commune_id, list(CONTACT_CENTRE_TARGET_KPIS), day)
    return _select(lake, valid, CC_TARGET_COLUMNS, _SQL_CC_TARGETS, params, ["kpi_target_status"])


# --- data quality page -----------------------------------------------------------------------------

# The entities of the lake (connectors/schemas.py); anything else cannot match.
_ENTITY = re.compile(r"[a-z_]{1,32}")
DQ_FRESHNESS_COLUMNS = (
    "entity",
    "source",
    "commune_id",
    "source_label",
    "last_loaded_at",
    "last_ingested_at",
    "first_event_date_local",
    "last_event_date_local",
    "rows_in_bronze",
)
DQ_LOAD_COLUMNS = (
    "entity",
    "source",
    "commune_id",
    "batch_id",
    "window_first_day",
    "window_last_day",
    "started_at",
    "finished_at",
    "rows_read",
    "rows_loaded",
    "rows_new",
    "rows_quarantined",
    "rows_outside_window",
    "rows_deleted",
    "is_balanced",
    "skipped_reason",
)
DQ_REASON_COLUMNS = ("entity", "source", "reason", "rows", "batches", "last_batch_id")
DQ_RESULT_COLUMNS = (
    "entity",
    "run_label",
    "run_at",
    "expectation",
    "column_name",
    "severity",
    "success",
    "observed_value",
    "unexpected_count",
    "element_count",
    "exception",
)

_SQL_DQ_FRESHNESS = """
    SELECT entity, source, commune_id, source_label, last_loaded_at, last_ingested_at,
        first_event_date_local, last_event_date_local, rows_in_bronze
    FROM dim_source_freshness
    WHERE ? IS NULL OR entity = ?
    ORDER BY entity, source, commune_id
"""
_SQL_DQ_LOADS = """
    SELECT entity, source, commune_id, batch_id, window_first_day, window_last_day, started_at, finished_at,
        rows_read, rows_loaded, rows_new, rows_quarantined, rows_outside_window, rows_deleted, is_balanced,
        skipped_reason
    FROM fct_source_loads
    WHERE (? IS NULL OR entity = ?) AND (NOT ? OR is_latest_load)
    ORDER BY entity, source, finished_at DESC, batch_id DESC
"""
_SQL_DQ_REASONS = """
    SELECT entity, source, reason, rows, batches, last_batch_id
    FROM fct_quarantine_reasons
    WHERE ? IS NULL OR entity = ?
    ORDER BY entity, source, rows DESC, reason
"""
_SQL_DQ_RESULTS = """
    SELECT entity, run_label, run_at, expectation, column_name, severity, success, observed_value,
        unexpected_count, element_count, exception
    FROM fct_quality_results
    WHERE (? IS NULL OR entity = ?) AND (NOT ? OR is_latest_run)
    ORDER BY entity, run_at DESC, run_label, expectation_order
"""


def _entity_filter(entity: object) -> tuple[bool, str | None]:
    """(valid, value): None means every entity; a malformed entity is not valid."""
    if entity is None:
        return True, None
    return (isinstance(entity, str) and _ENTITY.fullmatch(entity) is not None), entity  # type: ignore[return-value]


def _entity_query(
    lake: str | os.PathLike[str] | None,
    table: str,
    columns: Sequence[str],
    sql: str,
    entity: object,
    *latest_only: object,
) -> pd.DataFrame:
    """The rows of a data-quality `table` for one entity or all (None); `latest_only`, where the query has
    it, must be a bool."""
    valid, value = _entity_filter(entity)
    # Loads and quarantine counts cover every service of a source: for readers of every service only.
    valid = valid and _everything() and all(isinstance(flag, bool) for flag in latest_only)
    return _select(lake, valid, columns, sql, (value, value, *latest_only), [table])


def source_freshness(lake: str | os.PathLike[str] | None, entity: str | None = None) -> pd.DataFrame:
    """Per entity and source: latest load, latest row written, first and last event day, rows in bronze."""
    return _entity_query(lake, "dim_source_freshness", DQ_FRESHNESS_COLUMNS, _SQL_DQ_FRESHNESS, entity)


def source_loads(
    lake: str | os.PathLike[str] | None, entity: str | None = None, latest_only: bool = True
) -> pd.DataFrame:
    """The bronze loads per source (rows read, loaded, quarantined...): the latest of each source, or all."""
    return _entity_query(lake, "fct_source_loads", DQ_LOAD_COLUMNS, _SQL_DQ_LOADS, entity, latest_only)


def quarantine_reasons(lake: str | os.PathLike[str] | None, entity: str | None = None) -> pd.DataFrame:
    """The quarantined records per entity, source and reason."""
    return _entity_query(lake, "fct_quarantine_reasons", DQ_REASON_COLUMNS, _SQL_DQ_REASONS, entity)


def quality_results(
    lake: str | os.PathLike[str] | None, entity: str | None = None, latest_only: bool = True
) -> pd.DataFrame:
    """The Great Expectations results per expectation: of each entity's latest run, or of every run."""
    return _entity_query(lake, "fct_quality_results", DQ_RESULT_COLUMNS, _SQL_DQ_RESULTS, entity, latest_only)


# --- communes page ---------------------------------------------------------------------------------

COMMUNE_KPI_COLUMNS = ("commune_id", "mart", "kpi_name", "unit", "numerator", "denominator", "value")
_SQL_COMMUNE_KPIS = """
    SELECT commune_id, ? AS mart, kpi_name, unit, numerator, denominator, value
    FROM {mart}
    WHERE period_type = ? AND period = ? AND breakdown = 'all'
"""


def commune_kpis(lake: str | os.PathLike[str] | None, period_type: str, period: str) -> pd.DataFrame:
    """Every KPI (breakdown 'all') of every commune for one period, from the long KPI marts of the lake.

    Columns: commune_id, mart (kpi_adoption, kpi_contact_centre, kpi_processing), kpi_name, unit,
    numerator, denominator, value; ordered by mart, KPI and commune. Empty for a malformed period.
    """
    if not _everything() or not _any_period(period_type, period):
        return _empty(COMMUNE_KPI_COLUMNS)
    return _from_long_marts(
        lake,
        _SQL_COMMUNE_KPIS,
        lambda mart: (mart, period_type, period),
        COMMUNE_KPI_COLUMNS,
        ("mart", "kpi_name", "commune_id"),
    )


# --- open data page ---------------------------------------------------------------------------------
# The release folders `civiclake export` writes (pipelines/opendata/release.py): <lake>/opendata/<version>/
# with datapackage.json, the DCAT catalogue and one CSV and one Parquet file per data set. Read as files,
# not through DuckDB: only the JSON descriptors are parsed, and every file they name must stay inside its
# release folder (a descriptor is data, never trusted as a path).

OPENDATA_FOLDER = "opendata"
CATALOGUE_FILES: tuple[tuple[str, str], ...] = (("catalog.jsonld", "jsonld"), ("catalog.ttl", "ttl"))
_RELEASE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def opendata_dir(lake: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the open data releases of the lake."""
    return resolve_lake(lake) / OPENDATA_FOLDER


def _inside(path: Path, folder: Path) -> Path | None:
    """`path` resolved (symbolic links followed) if it is a regular file inside `folder`, else None."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(folder.resolve()) or not resolved.is_file():
        return None
    return resolved


def _release_file(release: Path, name: object, fmt: object = None) -> dict[str, object] | None:
    """A file of a release named in its descriptor: a plain file name inside the release folder, on disk."""
    if not isinstance(name, str) or not _RELEASE_FILE.fullmatch(name) or ".." in name:
        return None
    path = _inside(release / name, release)
    if path is None:
        return None
    fmt = fmt if isinstance(fmt, str) and fmt else path.suffix.lstrip(".")
    return {"name": name, "path": path, "format": fmt.lower(), "bytes": path.stat().st_size}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _titles(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(lang): title for lang, title in value.items() if isinstance(title, str) and title}


def _rows(resource: dict[str, object]) -> int | None:
    rows = resource.get("rows")
    stats = resource.get("stats")
    if rows is None and isinstance(stats, dict):
        rows = stats.get("rows")
    return rows if isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0 else None


def _licence(package: dict[str, object]) -> str:
    licences = package.get("licenses")
    if not isinstance(licences, list):
        return ""
    names = []
    for licence in licences:
        if isinstance(licence, dict):
            name = _text(licence.get("title")) or _text(licence.get("name")) or _text(licence.get("path"))
            if name:
                names.append(name)
    return ", ".join(names)


def _datasets(release: Path, resources: object) -> list[dict[str, object]]:
    """The data sets of a release, in the order of the descriptor, each with its files found on disk."""
    datasets: dict[str, dict[str, object]] = {}
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict):
            continue
        file = _release_file(release, resource.get("path"), resource.get("format"))
        if file is None:
            continue
        name = _text(resource.get("civiclake:dataset")) or _text(resource.get("name")) or str(file["name"])
        dataset = datasets.setdefault(name, {"name": name, "titles": {}, "title": "", "rows": None, "files": []})
        dataset["titles"] = dataset["titles"] or _titles(resource.get("civiclake:titles"))
        dataset["title"] = dataset["title"] or _text(resource.get("title"))
        if dataset["rows"] is None:
            dataset["rows"] = _rows(resource)
        dataset["files"].append(file)  # type: ignore[union-attr]
    return list(datasets.values())


def list_releases(lake: str | os.PathLike[str] | None = None) -> list[dict[str, object]]:
    """Every open data release of the lake (<lake>/opendata/*/datapackage.json), newest `created` first.

    Each release: version, created, licence, changes (civiclake:changes), titles (by language), folder,
    datasets (name, titles by language, title, rows or None, files: name, path, format, bytes) and
    catalogue (the DCAT files present, same keys as a file). A descriptor that cannot be read, or that is
    not a JSON object, is left out; so is any file it names that is not a plain file of its folder.
    """
    root = opendata_dir(lake)
    if not root.is_dir():
        return []
    releases = []
    for folder in sorted(root.iterdir()):
        if not _RELEASE_FILE.fullmatch(folder.name) or not folder.is_dir():
            continue
        descriptor = _inside(folder / "datapackage.json", root)
        if descriptor is None:
            continue
        try:
            package = json.loads(descriptor.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(package, dict):
            continue
        release = folder.resolve()
        if not release.is_relative_to(root.resolve()):
            continue
        catalogue = [file for name, fmt in CATALOGUE_FILES if (file := _release_file(release, name, fmt))]
        releases.append(
            {
                "version": _text(package.get("version")) or folder.name,
                "created": _text(package.get("created")),
                "licence": _licence(package),
                "changes": _text(package.get("civiclake:changes")),
                "titles": _titles(package.get("civiclake:titles")),
                "title": _text(package.get("title")),
                "folder": release,
                "datasets": _datasets(release, package.get("resources")),
                "catalogue": catalogue,
            }
        )
    releases.sort(key=lambda r: (str(r["created"]), str(r["version"])), reverse=True)
    return releases
