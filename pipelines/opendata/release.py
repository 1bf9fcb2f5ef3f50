"""An open-data release: aggregated, anonymised data sets built from `lake/gold`, byte for byte reproducible.

`build_release(lake_root, config=..., version=...)` writes `lake/opendata/<version>/` (or `out`) with, for
each data set, a CSV (UTF-8, comma, ISO dates, '\\n') and a Parquet file, and a Frictionless
`datapackage.json` describing every file with its Table Schema. The data sets:

- requests_by_month      requests per commune, month, service and channel, with margins ('all')
- appointments_by_month  appointments per commune, month, service and booking channel, with margins
- calls_by_day           calls offered, answered and abandoned per commune and day
- kpis_by_month          the monthly KPIs of each commune (breakdown 'all') with numerator and denominator
- services               the service catalogue and each service's online status at the release's end date

Disclosure control (/work/shared/KPIS.md, "Open data"): counts from 1 to the configured threshold are
suppressed (null) and flagged, with secondary suppression in the two-way tables (pipelines.opendata.
disclosure.protect_table); a KPI whose numerator or denominator is such a count is suppressed with its
value; a KPI resting on fewer than `min_events` events is flagged unreliable. No personal data: only
aggregates and the catalogue are read, never a `*_key` column.

Reproducible: everything is derived from the lake's data (the `created` time is the day after the last
day of data, not the clock); rows are sorted, columns in a fixed order, Parquet written with fixed
settings, JSON with sorted keys. The same lake and version give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.config import CHANNELS, CivicConfig, OpenData
from pipelines.lake import Lake

log = logging.getLogger(__name__)

VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
LANGUAGES = ("fr", "nl", "en")
MISSING_VALUES = [""]
BOOKING_CHANNELS = ("online", "phone", "counter")
FORMATS = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


class ReleaseError(ValueError):
    """A release that cannot be built (no gold tables, a bad version...)."""


# --- the data sets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless type: string, integer, number, boolean, date
    description: str
    constraints: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    name: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    keywords: dict[str, list[str]]
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    grain: str  # "month", "day" or "catalogue": how the data set's temporal coverage is read


def _commune() -> Column:
    return Column("commune_id", "string", "Commune identifier.", {"required": True, "pattern": "^[a-z0-9][a-z0-9_-]*$"})


def _month() -> Column:
    return Column("month", "date", "First day of the calendar month (local time).", {"required": True})


def _count(name: str, what: str) -> Column:
    return Column(
        name,
        "integer",
        f"Number of {what}; empty where suppressed (see `suppressed`).",
        {"minimum": 0},
    )


def _flags() -> tuple[Column]:
    # Only the boolean flag is published: whether a withheld count is primary (1 to the threshold) or
    # secondary is kept internal, since the kind would tell an attacker solving the margins that a cell lies
    # in [1, threshold] and narrow its feasible range (protect_table still returns it for internal use).
    return (
        Column(
            "suppressed",
            "boolean",
            "True where the count is withheld to protect privacy (a small count, or a count withheld so that "
            "the published totals cannot reveal a small one).",
            {"required": True},
        ),
    )


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="requests_by_month",
        titles={
            "fr": "Demandes par mois, service et canal",
            "nl": "Aanvragen per maand, dienst en kanaal",
            "en": "Requests by month, service and channel",
        },
        descriptions={
            "fr": "Nombre de demandes introduites par commune, mois, service et canal, avec les totaux ('all').",
            "nl": "Aantal ingediende aanvragen per gemeente, maand, dienst en kanaal, met de totalen ('all').",
            "en": "Requests filed per commune, month, service and channel, with the totals ('all').",
        },
        keywords={
            "fr": ["demandes", "canaux", "services publics"],
            "nl": ["aanvragen", "kanalen", "openbare diensten"],
            "en": ["requests", "channels", "public services"],
        },
        columns=(
            _commune(),
            _month(),
            Column(
                "service_code",
                "string",
                "Service code (see the services data set); 'all' for the total.",
                {"required": True},
            ),
            Column(
                "channel",
                "string",
                "Channel of the request; 'all' for the total.",
                {"required": True, "enum": [*CHANNELS, "all"]},
            ),
            _count("requests", "requests"),
            *_flags(),
        ),
        primary_key=("commune_id", "month", "service_code", "channel"),
        grain="month",
    ),
    Dataset(
        name="appointments_by_month",
        titles={
            "fr": "Rendez-vous par mois, service et canal de réservation",
            "nl": "Afspraken per maand, dienst en boekingskanaal",
            "en": "Appointments by month, service and booking channel",
        },
        descriptions={
            "fr": "Nombre de rendez-vous réservés par commune, mois de réservation, service et canal, avec les totaux.",
            "nl": "Aantal geboekte afspraken per gemeente, boekingsmaand, dienst en kanaal, met de totalen.",
            "en": "Appointments booked per commune, month of booking, service and booking channel, with the totals.",
        },
        keywords={
            "fr": ["rendez-vous", "réservation en ligne"],
            "nl": ["afspraken", "online boeken"],
            "en": ["appointments", "online booking"],
        },
        columns=(
            _commune(),
            _month(),
            Column(
                "service_code",
                "string",
                "Service code (see the services data set); 'all' for the total.",
                {"required": True},
            ),
            Column(
                "booking_channel",
                "string",
                "How the appointment was booked; 'all' for the total.",
                {"required": True, "enum": [*BOOKING_CHANNELS, "unknown", "all"]},
            ),
            _count("appointments", "appointments"),
            *_flags(),
        ),
        primary_key=("commune_id", "month", "service_code", "booking_channel"),
        grain="month",
    ),
    Dataset(
        name="calls_by_day",
        titles={
            "fr": "Appels au centre de contact par jour",
            "nl": "Oproepen naar het contactcenter per dag",
            "en": "Contact-centre calls by day",
        },
        descriptions={
            "fr": "Appels présentés, répondus, abandonnés et abandonnés aussitôt par commune et jour "
            "(présentés = répondus + abandonnés + abandonnés aussitôt).",
            "nl": "Aangeboden, beantwoorde, opgegeven en meteen opgegeven oproepen per gemeente en dag "
            "(aangeboden = beantwoord + opgegeven + meteen opgegeven).",
            "en": "Calls offered, answered, abandoned and abandoned at once per commune and day "
            "(offered = answered + abandoned + short abandons).",
        },
        keywords={
            "fr": ["centre de contact", "appels", "téléphone"],
            "nl": ["contactcenter", "oproepen", "telefoon"],
            "en": ["contact centre", "calls", "telephone"],
        },
        columns=(
            _commune(),
            Column("date", "date", "Local calendar day.", {"required": True}),
            _count("offered", "calls offered"),
            _count("answered", "calls answered"),
            _count("abandoned", "calls abandoned by the caller"),
            _count("short_abandoned", "calls the caller left within seconds (not counted as abandoned)"),
            Column(
                "suppressed",
                "boolean",
                "True where a count of the day is withheld to protect privacy.",
                {"required": True},
            ),
        ),
        primary_key=("commune_id", "date"),
        grain="day",
    ),
    Dataset(
        name="kpis_by_month",
        titles={
            "fr": "Indicateurs mensuels des services numériques",
            "nl": "Maandelijkse indicatoren van de digitale diensten",
            "en": "Monthly digital-services KPIs",
        },
        descriptions={
            "fr": "Indicateurs de performance par commune et mois, avec numérateur et dénominateur.",
            "nl": "Prestatie-indicatoren per gemeente en maand, met teller en noemer.",
            "en": "Key performance indicators per commune and month, with numerator and denominator.",
        },
        keywords={
            "fr": ["indicateurs", "performance", "services numériques"],
            "nl": ["indicatoren", "prestaties", "digitale diensten"],
            "en": ["KPI", "performance", "digital services"],
        },
        columns=(
            _commune(),
            _month(),
            Column("kpi_name", "string", "KPI name (see docs/kpis.md).", {"required": True}),
            Column(
                "unit",
                "string",
                "Unit of the value.",
                {"required": True, "enum": ["count", "share", "seconds", "days", "citizens"]},
            ),
            Column(
                "numerator",
                "integer",
                "Numerator (a count, or the total of a mean); empty where suppressed or not applicable.",
            ),
            Column(
                "denominator",
                "integer",
                "Denominator (the events the KPI rests on); empty for counts or where suppressed.",
                {"minimum": 0},
            ),
            Column("value", "number", "Value of the KPI; empty where suppressed or not computable."),
            Column(
                "unreliable",
                "boolean",
                "True when the KPI rests on fewer events than the minimum (see the release's description).",
                {"required": True},
            ),
            Column(
                "suppressed",
                "boolean",
                "True where the numerator or denominator is a small count, withheld with the value.",
                {"required": True},
            ),
        ),
        primary_key=("commune_id", "month", "kpi_name"),
        grain="month",
    ),
    Dataset(
        name="services",
        titles={
            "fr": "Catalogue des services et leur disponibilité en ligne",
            "nl": "Dienstencatalogus en online beschikbaarheid",
            "en": "Service catalogue and online availability",
        },
        descriptions={
            "fr": "Les services de chaque commune, et s'ils sont en ligne à la date de fin de la publication.",
            "nl": "De diensten van elke gemeente, en of ze online beschikbaar zijn op de einddatum van de publicatie.",
            "en": "The services of each commune, and whether each is available online at the release's end date.",
        },
        keywords={
            "fr": ["catalogue de services", "services en ligne"],
            "nl": ["dienstencatalogus", "online diensten"],
            "en": ["service catalogue", "online services"],
        },
        columns=(
            _commune(),
            Column("service_code", "string", "Service code.", {"required": True}),
            Column("name_fr", "string", "Name in French."),
            Column("name_nl", "string", "Name in Dutch."),
            Column("name_en", "string", "Name in English."),
            Column("process_code", "string", "Administrative process the service follows, if any."),
            Column("owner", "string", "Department in charge."),
            Column("sla_days", "integer", "Service-level target in days.", {"minimum": 0}),
            Column("active_from", "date", "First day the service is offered."),
            Column("retired_on", "date", "Day the service was retired; empty while offered."),
            Column("digital_since", "date", "Day the service became available online; empty if not online."),
            Column("is_active", "boolean", "Offered at the release's end date.", {"required": True}),
            Column("is_online", "boolean", "Available online at the release's end date.", {"required": True}),
        ),
        primary_key=("commune_id", "service_code"),
        grain="catalogue",
    ),
)

_POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
}


# --- reading gold ------------------------------------------------------------------------------------


class _Gold:
    """DuckDB over `lake/gold/*.parquet`, read only."""

    def __init__(self, gold: Path) -> None:
        self.gold = gold
        self.connection = duckdb.connect()

    def has(self, model: str) -> bool:
        return (self.gold / f"{model}.parquet").exists()

    def path(self, model: str) -> str:
        path = self.gold / f"{model}.parquet"
        if not path.exists():
            raise ReleaseError(f"{path}: missing gold table (run `civiclake run` first)")
        return str(path).replace("'", "''")

    def columns(self, model: str) -> list[str]:
        return [row[0] for row in self.connection.sql(f"DESCRIBE SELECT * FROM '{self.path(model)}'").fetchall()]

    def frame(self, sql: str) -> pl.DataFrame:
        return self.connection.sql(sql).pl()


def _day_range(gold: _Gold) -> tuple[dt.date, dt.date]:
    """First and last local day of the facts: the release's temporal coverage."""
    parts = []
    for model, column in (
        ("fct_requests", "created_date_local"),
        ("fct_appointments", "booked_date_local"),
        ("fct_calls", "entered_date_local"),
    ):
        if gold.has(model):
            parts.append(f"SELECT min({column}) AS first, max({column}) AS last FROM '{gold.path(model)}'")
    if not parts:
        raise ReleaseError(f"{gold.gold}: no fact tables in gold (run `civiclake run` first)")
    first, last = gold.connection.sql(f"SELECT min(first), max(last) FROM ({' UNION ALL '.join(parts)})").fetchall()[0]
    if first is None or last is None:
        raise ReleaseError(f"{gold.gold}: the fact tables are empty, nothing to release")
    return first, last


# The data sets built so far by name, as their builders returned them (with ``suppressed``), plus internal
# tables such as CALL_TOTALS: a builder may depend on the ones before it.
Built = dict[str, pl.DataFrame]
CALL_TOTALS = "calls_by_day:month_totals"  # protect_table's column totals of each month's calls (not published)


def _monthly_two_way(gold: _Gold, options: OpenData, fact: str, day: str, column: str, count: str) -> pl.DataFrame:
    """Counts of a fact by commune and month (two-way tables service x `column`), small counts protected."""
    from pipelines.opendata.disclosure import protect_table

    # Identifiers come from this module's own table of data sets, never from outside.
    cells = gold.frame(
        f"""
        SELECT commune_id, CAST(date_trunc('month', {day}) AS DATE) AS month,
               coalesce(service_code, 'unknown') AS service_code,
               coalesce({column}, 'unknown') AS {column}, count(*) AS {count}
        FROM '{gold.path(fact)}'
        WHERE {day} IS NOT NULL
        GROUP BY ALL ORDER BY ALL
        """
    )
    return protect_table(
        cells,
        group=["commune_id", "month"],
        row="service_code",
        column=column,
        count=count,
        threshold=options.suppression_threshold,
        total_label="all",
    )


def _requests(gold: _Gold, options: OpenData, end: dt.date, built: Built) -> pl.DataFrame:
    return _monthly_two_way(gold, options, "fct_requests", "created_date_local", "channel", "requests")


def _appointments(gold: _Gold, options: OpenData, end: dt.date, built: Built) -> pl.DataFrame:
    return _monthly_two_way(gold, options, "fct_appointments", "booked_date_local", "booking_channel", "appointments")


CALL_OUTCOMES = ("answered", "abandoned", "short_abandoned")  # they add up to the calls offered


def _calls(gold: _Gold, options: OpenData, end: dt.date, built: Built) -> pl.DataFrame:
    """Calls per day, protected as one two-way table per commune and month: days x outcomes, whose margins
    are the calls offered each day (row totals) and the month's counts of kpis_by_month (column totals)."""
    from pipelines.opendata.disclosure import protect_table

    # The contact-centre KPIs hold one row per day, days without calls included; fct_calls otherwise.
    if gold.has("kpi_contact_centre"):
        counts = gold.frame(
            f"""
            SELECT commune_id, period_start AS date,
                   max(numerator) FILTER (WHERE kpi_name = 'calls_answered') AS answered,
                   max(numerator) FILTER (WHERE kpi_name = 'calls_abandoned') AS abandoned,
                   max(numerator) FILTER (WHERE kpi_name = 'calls_short_abandoned') AS short_abandoned
            FROM '{gold.path("kpi_contact_centre")}'
            WHERE period_type = 'day' AND breakdown = 'all'
              AND kpi_name IN ('calls_answered', 'calls_abandoned', 'calls_short_abandoned')
            GROUP BY ALL
            """
        )
    else:
        counts = gold.frame(
            f"""
            SELECT commune_id, entered_date_local AS date,
                   count(*) FILTER (WHERE is_answered) AS answered,
                   count(*) FILTER (WHERE is_abandoned) AS abandoned,
                   count(*) FILTER (WHERE is_offered AND NOT is_answered AND NOT is_abandoned) AS short_abandoned
            FROM '{gold.path("fct_calls")}'
            WHERE entered_date_local IS NOT NULL
            GROUP BY ALL
            """
        )
    cells = counts.with_columns(
        pl.col("date").dt.truncate("1mo").alias("month"), pl.col("date").cast(pl.String)
    ).unpivot(index=["commune_id", "month", "date"], on=list(CALL_OUTCOMES), variable_name="outcome", value_name="n")
    table = protect_table(
        cells.with_columns(pl.col("n").fill_null(0)),
        group=["commune_id", "month"],
        row="date",
        column="outcome",
        count="n",
        threshold=options.suppression_threshold,
        total_label="all",
    )
    built[CALL_TOTALS] = table.filter(pl.col("date") == "all")  # the month's counts, for kpis_by_month
    days = table.filter(pl.col("date") != "all")
    return (
        days.pivot(on="outcome", index=["commune_id", "date"], values="n", aggregate_function="first")
        .rename({"all": "offered"})
        .join(days.group_by("commune_id", "date").agg(pl.col("suppressed").any()), on=["commune_id", "date"])
        .with_columns(pl.col("date").str.to_date())
    )


def _kpis(gold: _Gold, options: OpenData, end: dt.date, built: Built) -> pl.DataFrame:
    from pipelines.opendata.disclosure import flag_unreliable

    models = sorted(path.stem for path in gold.gold.glob("kpi_*.parquet"))
    needed = {"kpi_name", "period_type", "breakdown", "period_start", "numerator", "denominator", "value", "unit"}
    parts = [
        f"""SELECT commune_id, period_start AS month, kpi_name, unit, numerator, denominator, value
            FROM '{gold.path(model)}'
            WHERE period_type = 'month' AND breakdown = 'all' AND period_start <= DATE '{end.isoformat()}'"""
        for model in models
        if needed <= set(gold.columns(model))
    ]
    if not parts:
        raise ReleaseError(f"{gold.gold}: no KPI table in the long format")
    rows = gold.frame(" UNION ALL ".join(parts))
    duplicated = rows.filter(pl.struct("commune_id", "month", "kpi_name").is_duplicated())
    if duplicated.height:
        raise ReleaseError(f"KPI {duplicated['kpi_name'][0]!r} is in more than one kpi_ table")
    threshold = options.suppression_threshold
    events = pl.coalesce("denominator", "numerator")
    unreliable = [flag_unreliable(value, options.min_events) for value in rows.select(events)[:, 0].to_list()]
    small = pl.col("numerator").is_between(1, threshold) | pl.col("denominator").is_between(1, threshold)
    small = small.fill_null(False) if threshold >= 1 else pl.lit(False)
    return rows.with_columns(
        pl.Series("unreliable", unreliable, dtype=pl.Boolean),
        suppressed=small | _linked_to_suppressed_counts(rows, built),
    ).with_columns(
        *[
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(name)).alias(name)
            for name in ("numerator", "denominator")
        ],
        value=pl.when(pl.col("suppressed")).then(None).otherwise(pl.col("value").round(6)),
    )


# A monthly KPI repeats counts of the other data sets: a sum of the channel totals (or the grand total) of
# the month's requests or appointments table, a sum of its service totals, or a column total of the month's
# table of calls by day and outcome. Published beside a table where such a total is suppressed, it would
# give the attacker one more equation and could pin a suppressed count; so the KPI is suppressed with it.
# Each link: (built table, which of its suppressed rows count, the KPIs that depend on them).
KPI_LINKS: tuple[tuple[str, pl.Expr, frozenset[str]], ...] = (
    (
        "requests_by_month",
        pl.col("service_code") == "all",  # channel totals and the grand total
        frozenset({"requests_volume", "digital_take_up", "unknown_channel_requests", "after_hours_share"}),
    ),
    (
        "requests_by_month",
        pl.col("channel") == "all",  # service totals
        frozenset({"services_digital_share_weighted", "unknown_service_requests"}),
    ),
    (
        "appointments_by_month",
        pl.col("service_code") == "all",  # booking-channel totals and the grand total, by booking month
        frozenset(
            {
                "appointments_booked",
                "appointments_online_share",
                "appointments_cancellation_rate",
                "appointments_booking_lead_days",
                "appointments_booking_lead_days_median",
            }
        ),
    ),
    (CALL_TOTALS, pl.col("outcome") == "all", frozenset({"calls_offered", "abandonment_rate"})),
    (
        CALL_TOTALS,
        pl.col("outcome") == "answered",
        frozenset({"calls_answered", "service_level", "average_speed_of_answer", "average_handle_time"}),
    ),
    (CALL_TOTALS, pl.col("outcome") == "abandoned", frozenset({"calls_abandoned", "abandonment_rate"})),
    (CALL_TOTALS, pl.col("outcome") == "short_abandoned", frozenset({"calls_short_abandoned"})),
)


def _linked_to_suppressed_counts(kpis: pl.DataFrame, built: Built) -> pl.Series:
    """True for a KPI row whose commune and month hold a suppressed count it depends on (KPI_LINKS)."""
    linked = pl.Series([False] * kpis.height, dtype=pl.Boolean)
    for name, which, kpi_names in KPI_LINKS:
        frame = built.get(name)
        if frame is None or not frame.height:
            continue
        month = pl.col("month") if "month" in frame.columns else pl.col("date").dt.truncate("1mo")
        hidden = (
            frame.filter(pl.col("suppressed") & which)
            .select("commune_id", month.cast(pl.Date).alias("month"), hit=pl.lit(True))
            .unique()
        )
        hit = (
            kpis.select("commune_id", pl.col("month").cast(pl.Date), "kpi_name")
            .join(hidden, on=["commune_id", "month"], how="left", maintain_order="left")
            .select(pl.col("hit").fill_null(False) & pl.col("kpi_name").is_in(list(kpi_names)))
            .to_series()
        )
        linked = linked | hit
    return linked


def _services(gold: _Gold, options: OpenData, end: dt.date, built: Built) -> pl.DataFrame:
    day = f"DATE '{end.isoformat()}'"
    return gold.frame(
        f"""
        SELECT *,
               (active_from IS NULL OR active_from <= {day})
                   AND (retired_on IS NULL OR retired_on > {day}) AS is_active,
               coalesce(digital_since <= {day}, false) AS is_online
        FROM '{gold.path("dim_service")}'
        """
    )


BUILDERS: dict[str, Callable[[_Gold, OpenData, dt.date, Built], pl.DataFrame]] = {
    "requests_by_month": _requests,
    "appointments_by_month": _appointments,
    "calls_by_day": _calls,
    "kpis_by_month": _kpis,
    "services": _services,
}


def _conform(frame: pl.DataFrame, dataset: Dataset) -> pl.DataFrame:
    """The data set's columns in their fixed order and types, sorted by its primary key."""
    frame = frame.select([pl.col(c.name).cast(_POLARS_TYPES[c.type]) for c in dataset.columns])
    frame = frame.sort(list(dataset.primary_key), nulls_last=True, maintain_order=True)
    if frame.select(pl.struct(list(dataset.primary_key)).is_duplicated().any()).item():
        raise ReleaseError(f"{dataset.name}: more than one row per {', '.join(dataset.primary_key)}")
    return frame


# --- writing -----------------------------------------------------------------------------------------


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(
        buffer, separator=",", line_terminator="\n", date_format="%Y-%m-%d", null_value="", quote_style="necessary"
    )
    return buffer.getvalue()


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table = frame.to_arrow()
    # Plain (not large/view) types and fixed writer settings: the same rows give the same bytes.
    table = table.cast(
        pa.schema(
            [
                pa.field(
                    f.name,
                    pa.string() if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type) else f.type,
                )
                for f in table.schema
            ]
        )
    )
    pq.write_table(
        table,
        buffer,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        row_group_size=1_000_000,
        data_page_version="1.0",
        version="2.6",
        store_schema=True,
    )
    return buffer.getvalue()


def _write(path: Path, content: bytes) -> None:
    with path.open("wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())  # on disk before the folder is swapped in


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --- changes since the previous release --------------------------------------------------------------


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", version) if part)


def _previous_release(folder: Path, created: str, version: str) -> tuple[Path, dict[str, Any]] | None:
    """The release in the same opendata folder that comes just before this one (by created, then version)."""
    own = (created, _version_key(version))
    candidates = []
    for sibling in sorted(folder.parent.iterdir()) if folder.parent.exists() else []:
        descriptor = sibling / "datapackage.json"
        if sibling.name.startswith(".") or sibling.resolve() == folder.resolve() or not descriptor.is_file():
            continue
        try:
            package = json.loads(descriptor.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        key = (str(package.get("created", "")), _version_key(str(package.get("version", sibling.name))))
        if key < own:
            candidates.append((key, sibling, package))
    if not candidates:
        return None
    _, sibling, package = max(candidates, key=lambda item: item[0])
    return sibling, package


def _changes(folder: Path, created: str, version: str, frames: dict[str, pl.DataFrame]) -> str:
    previous = _previous_release(folder, created, version)
    if previous is None:
        return "first release"
    previous_folder, package = previous
    old_resources = {
        resource.get("civiclake:dataset"): resource
        for resource in package.get("resources", [])
        if resource.get("format") == "parquet"
    }
    lines = [f"Changes since release {package.get('version', previous_folder.name)}:"]
    added = sorted(set(frames) - set(old_resources))
    removed = sorted(set(old_resources) - set(frames))
    if added:
        lines.append(f"data sets added: {', '.join(added)}.")
    if removed:
        lines.append(f"data sets removed: {', '.join(removed)}.")
    unchanged = []
    for name in sorted(set(frames) & set(old_resources)):
        new = frames[name]
        try:
            old = pl.read_parquet(previous_folder / old_resources[name]["path"])
        except (OSError, pl.exceptions.PolarsError):
            lines.append(f"{name}: previous file unreadable, compared as new ({new.height} rows).")
            continue
        key = list(old_resources[name].get("schema", {}).get("primaryKey") or [])
        if old.columns != new.columns or not key or not set(key) <= set(new.columns):
            lines.append(f"{name}: columns changed ({old.height} rows before, {new.height} now).")
            continue
        old = old.cast(dict(new.schema))
        rows_added = new.join(old, on=key, how="anti", nulls_equal=True).height
        rows_removed = old.join(new, on=key, how="anti", nulls_equal=True).height
        common = new.join(old.select(key), on=key, how="semi", nulls_equal=True)
        rows_changed = common.height - common.join(old, on=new.columns, how="semi", nulls_equal=True).height
        if rows_added or rows_removed or rows_changed:
            lines.append(
                f"{name}: {rows_added} rows added, {rows_removed} removed, {rows_changed} changed "
                f"({new.height} rows now)."
            )
        else:
            unchanged.append(name)
    if unchanged:
        lines.append(f"unchanged: {', '.join(unchanged)}.")
    return " ".join(lines)


# --- the release -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseSummary:
    folder: Path
    version: str
    rows: dict[str, int]
    datapackage: dict[str, Any]

    def describe(self) -> str:
        lines = [f"open-data release {self.version} -> {self.folder}"]
        lines += [f"  {name}: {rows} rows (csv, parquet)" for name, rows in self.rows.items()]
        lines.append(f"  changes: {self.datapackage['civiclake:changes']}")
        return "\n".join(lines)


def _communes(config: CivicConfig | None, gold: _Gold) -> list[dict[str, str]]:
    if config is not None:
        return [{"id": c.id, "fr": c.name.fr, "nl": c.name.nl, "en": c.name.en} for c in config.communes]
    if gold.has("dim_commune"):
        rows = gold.frame(
            "SELECT commune_id AS id, name_fr AS fr, name_nl AS nl, name_en AS en "
            f"FROM '{gold.path('dim_commune')}' ORDER BY 1"
        )
        return rows.to_dicts()
    raise ReleaseError("no configuration and no dim_commune in gold: cannot name the publisher")


def _publisher(options: OpenData, communes: list[dict[str, str]]) -> dict[str, str]:
    first = communes[0]
    base = options.base_url.rstrip("/")
    given = options.publisher
    return {
        "name": given.name or first["en"],
        "uri": given.uri or f"{base}/publisher/{first['id']}",
        "email": given.email or "opendata@example.org",
        "homepage": given.homepage or base,
    }


def _schema(dataset: Dataset) -> dict[str, Any]:
    fields = []
    for column in dataset.columns:
        constraints = dict(column.constraints)
        if column.name in dataset.primary_key:
            constraints["required"] = True
        fields.append(
            {"name": column.name, "type": column.type, "constraints": constraints, "description": column.description}
        )
    return {"fields": fields, "primaryKey": list(dataset.primary_key), "missingValues": list(MISSING_VALUES)}


def _temporal(dataset: Dataset, frame: pl.DataFrame, start: dt.date, end: dt.date) -> dict[str, str]:
    column = {"month": "month", "day": "date"}.get(dataset.grain)
    if column is None or frame.is_empty():
        return {"start": start.isoformat(), "end": end.isoformat()}
    first, last = frame[column].min(), frame[column].max()
    if dataset.grain == "month":
        next_month = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        last = min(next_month - dt.timedelta(days=1), end)
    return {"start": max(first, start).isoformat(), "end": last.isoformat()}


def default_release_folder(lake_root: Path, version: str) -> Path:
    return Path(lake_root) / "opendata" / version


def build_release(
    lake_root: Path,
    *,
    config: CivicConfig | None = None,
    version: str | None = None,
    out: Path | None = None,
) -> ReleaseSummary:
    """Write the release folder (data files, datapackage.json, then the DCAT catalogue if available)."""
    options = config.opendata if config is not None else OpenData()
    gold = _Gold(Lake(Path(lake_root)).current_gold())  # one export, even if another is being published
    if not gold.gold.is_dir():
        raise ReleaseError(f"{gold.gold}: no gold folder (run `civiclake run` first)")
    start, end = _day_range(gold)
    version = version or end.isoformat()
    if not VERSION_PATTERN.match(version):
        raise ReleaseError(
            f"version: letters, digits, '.', '_' or '-', starting with a letter or digit, got {version!r}"
        )
    final = Path(out) if out is not None else default_release_folder(Path(lake_root), version)
    # Written in full beside the release, then swapped in: readers never see a half-written release.
    folder = final.parent / f".{final.name}.partial"
    shutil.rmtree(folder, ignore_errors=True)  # left by an export that was killed
    folder.mkdir(parents=True)
    created = f"{(end + dt.timedelta(days=1)).isoformat()}T00:00:00Z"

    built: Built = {}
    frames: dict[str, pl.DataFrame] = {}
    for dataset in DATASETS:  # in order: kpis_by_month reads the suppression of the data sets before it
        built[dataset.name] = BUILDERS[dataset.name](gold, options, end, built)
        frames[dataset.name] = _conform(built[dataset.name], dataset)

    resources: list[dict[str, Any]] = []
    for dataset in DATASETS:
        frame = frames[dataset.name]
        temporal = _temporal(dataset, frame, start, end)
        for fmt, content in (("csv", _csv_bytes(frame)), ("parquet", _parquet_bytes(frame))):
            path = f"{dataset.name}.{fmt}"
            _write(folder / path, content)
            resources.append(
                {
                    "name": f"{dataset.name}-{fmt}",
                    "path": path,
                    "format": fmt,
                    "mediatype": FORMATS[fmt],
                    "encoding": "utf-8",
                    "bytes": len(content),
                    "hash": f"sha256:{hashlib.sha256(content).hexdigest()}",
                    "title": f"{dataset.titles['en']} ({fmt.upper()})",
                    "civiclake:titles": dict(dataset.titles),
                    "civiclake:descriptions": dict(dataset.descriptions),
                    "civiclake:dataset": dataset.name,
                    "civiclake:temporal": temporal,
                    "civiclake:keywords": {language: list(words) for language, words in dataset.keywords.items()},
                    "schema": _schema(dataset),
                }
            )
            if fmt == "parquet":
                # Frictionless 5 reads Parquet through pandas (nullable integers become floats) and cannot
                # count its bytes: as a "file" resource its bytes and hash are checked; its rows are the CSV's.
                resources[-1]["type"] = "file"

    communes = _communes(config, gold)
    names = {language: ", ".join(c[language] for c in communes) for language in LANGUAGES}
    threshold, minimum = options.suppression_threshold, options.min_events
    titles = {
        "fr": f"Services numériques – {names['fr']} – données ouvertes",
        "nl": f"Digitale diensten – {names['nl']} – open data",
        "en": f"Digital services – {names['en']} – open data",
    }
    descriptions = {
        "fr": (
            f"Données agrégées et anonymisées sur les demandes, rendez-vous, appels et indicateurs des services "
            f"numériques ({start.isoformat()} – {end.isoformat()}). Les effectifs de 1 à {threshold} sont masqués "
            f"(suppression primaire et secondaire) ; un indicateur calculé sur moins de {minimum} événements est "
            f"signalé comme peu fiable."
        ),
        "nl": (
            f"Geaggregeerde, geanonimiseerde gegevens over aanvragen, afspraken, oproepen en indicatoren van de "
            f"digitale diensten ({start.isoformat()} – {end.isoformat()}). Aantallen van 1 tot {threshold} zijn "
            f"afgeschermd (primaire en secundaire onderdrukking); een indicator berekend op minder dan {minimum} "
            f"gebeurtenissen is als onbetrouwbaar gemarkeerd."
        ),
        "en": (
            f"Aggregated, anonymised data on the requests, appointments, calls and KPIs of the digital services "
            f"({start.isoformat()} – {end.isoformat()}). Counts from 1 to {threshold} are suppressed (primary and "
            f"secondary suppression); a KPI computed on fewer than {minimum} events is flagged unreliable."
        ),
    }
    keywords = sorted({word for dataset in DATASETS for word in dataset.keywords["en"]} | {"open data"})
    datapackage: dict[str, Any] = {
        "name": f"civiclake-{communes[0]['id']}-opendata" if len(communes) == 1 else "civiclake-opendata",
        "version": version,
        "created": created,
        "title": titles["en"],
        "description": descriptions["en"],
        "homepage": options.base_url.rstrip("/"),
        "keywords": keywords,
        "licenses": [{"name": options.licence.id, "path": options.licence.uri, "title": options.licence.title}],
        "civiclake:titles": titles,
        "civiclake:descriptions": descriptions,
        "civiclake:publisher": _publisher(options, communes),
        "civiclake:spatial": list(options.spatial),
        "civiclake:temporal": {"start": start.isoformat(), "end": end.isoformat()},
        "civiclake:themes": list(options.themes),
        "civiclake:changes": _changes(final, created, version, frames),
        "resources": resources,
    }
    _write(folder / "datapackage.json", _json_bytes(datapackage))
    _write_catalogue(datapackage, folder, options.base_url)
    _swap_in(folder, final)
    return ReleaseSummary(
        folder=final,
        version=version,
        rows={name: frame.height for name, frame in frames.items()},
        datapackage=datapackage,
    )


def _swap_in(written: Path, final: Path) -> None:
    """Replace `final` with the folder `written` (renames in one file system; the old release goes last)."""
    old = final.parent / f".{final.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    written.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _write_catalogue(datapackage: dict[str, Any], folder: Path, base_url: str) -> None:
    try:
        from pipelines.opendata.dcat import write_catalogue
    except ImportError:
        log.info("pipelines.opendata.dcat is not available: no DCAT catalogue written")
        return
    write_catalogue(datapackage, folder, base_url=base_url)
