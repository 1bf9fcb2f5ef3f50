"""The lake's own accounts as gold tables, for the data-quality dashboard.

The dashboards read `lake/gold` only, but the facts about the pipeline itself live elsewhere in the lake:

- `audit/loads/<entity>/<load_id>.json`: what each bronze load read, loaded, quarantined... per source
  (written by the bronze assets, pipelines/assets/bronze.py);
- `quarantine/<entity>/source=<id>/*.parquet`: the rejected records with their reason
  (pipelines/lake.py, write_quarantine);
- `quality/<entity>/<run>.json`: the Great Expectations result of each load (pipelines/quality.py);
- `bronze/<entity>/...`: the rows themselves, with `_source` and `_ingested_at`.

`export_quality_tables` turns them into four gold tables (docs/data-contracts.md, "Gold"), built with
DuckDB from those files, written atomically beside the marts. A lake with none of these files yet (a
fresh install, a lake written before the audit existed) gets the same tables, empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.schemas import ENTITY_SCHEMAS, PARTITION_TIME
from pipelines.lake import Lake, atomic_write_parquet

COUNT_NAMES = ("rows_read", "rows_loaded", "rows_new", "rows_quarantined", "rows_outside_window", "rows_deleted")
_TS = pa.timestamp("us", tz="UTC")

SOURCE_LOADS_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("source", pa.string()),
        ("commune_id", pa.string()),
        ("source_label", pa.string()),
        ("batch_id", pa.string()),
        ("run_id", pa.string()),
        ("window_first_day", pa.date32()),
        ("window_last_day", pa.date32()),
        ("started_at", _TS),
        ("finished_at", _TS),
        *((name, pa.int64()) for name in COUNT_NAMES),
        ("is_balanced", pa.bool_()),
        ("skipped_reason", pa.string()),
        ("is_latest_load", pa.bool_()),
    ]
)
QUARANTINE_REASONS_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("source", pa.string()),
        ("reason", pa.string()),
        ("rows", pa.int64()),
        ("batches", pa.int64()),
        ("last_batch_id", pa.string()),
    ]
)
QUALITY_RESULTS_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("run_label", pa.string()),
        ("run_at", _TS),
        ("is_latest_run", pa.bool_()),
        ("expectation_order", pa.int32()),
        ("expectation", pa.string()),
        ("expectation_type", pa.string()),
        ("column_name", pa.string()),
        ("severity", pa.string()),
        ("success", pa.bool_()),
        ("observed_value", pa.string()),
        ("unexpected_count", pa.int64()),
        ("element_count", pa.int64()),
        ("unexpected_percent", pa.float64()),
        ("exception", pa.string()),
    ]
)
SOURCE_FRESHNESS_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("source", pa.string()),
        ("commune_id", pa.string()),
        ("source_label", pa.string()),
        ("last_loaded_at", _TS),
        ("last_ingested_at", _TS),
        ("first_event_date_local", pa.date32()),
        ("last_event_date_local", pa.date32()),
        ("rows_in_bronze", pa.int64()),
    ]
)
SCHEMAS: dict[str, pa.Schema] = {
    "fct_source_loads": SOURCE_LOADS_SCHEMA,
    "fct_quarantine_reasons": QUARANTINE_REASONS_SCHEMA,
    "fct_quality_results": QUALITY_RESULTS_SCHEMA,
    "dim_source_freshness": SOURCE_FRESHNESS_SCHEMA,
}


def export_quality_tables(
    lake: Lake, log: Callable[[str], None] = lambda message: None, target: Path | None = None
) -> dict[str, int]:
    """Write the four data-quality tables to `target` (the gold export's new snapshot folder; lake/gold
    when not given); returns their row counts by name."""
    target = target or lake.gold
    target.mkdir(parents=True, exist_ok=True)
    tables = build_quality_tables(lake)
    for name, table in tables.items():
        atomic_write_parquet(table, target / f"{name}.parquet")
        log(f"{name}: {table.num_rows:,} rows")
    return {name: table.num_rows for name, table in tables.items()}


def build_quality_tables(lake: Lake) -> dict[str, pa.Table]:
    """The four tables, in memory (see the module's docstring)."""
    with duckdb.connect(":memory:") as connection:
        loads = _source_loads(connection, lake)
        return {
            "fct_source_loads": loads,
            "fct_quarantine_reasons": _quarantine_reasons(connection, lake),
            "fct_quality_results": _quality_results(connection, lake),
            "dim_source_freshness": _source_freshness(connection, lake, loads),
        }


# --- fct_source_loads --------------------------------------------------------------------------------


def _source_loads(connection: duckdb.DuckDBPyConnection, lake: Lake) -> pa.Table:
    rows: list[dict[str, Any]] = []
    for path in sorted(lake.load_audit.glob("*/*.json")) if lake.load_audit.is_dir() else []:
        document = _read_json(path)
        if document is None:
            continue
        window = document.get("window") or {}
        for source in document.get("sources") or []:
            counts = {name: _int(source.get(name)) for name in COUNT_NAMES}
            rows.append(
                {
                    "entity": document.get("entity") or path.parent.name,
                    "source": source.get("source"),
                    "commune_id": source.get("commune_id"),
                    "source_label": source.get("source_label"),
                    "batch_id": document.get("batch_id") or path.stem,
                    "run_id": document.get("run_id"),
                    "window_first_day": _date(window.get("first_day")),
                    "window_last_day": _date(window.get("last_day")),
                    "started_at": _timestamp(document.get("started_at")),
                    "finished_at": _timestamp(document.get("finished_at")),
                    **counts,
                    "skipped_reason": source.get("skipped_reason"),
                }
            )
    staged = pa.Table.from_pylist(rows, schema=_without(SOURCE_LOADS_SCHEMA, "is_balanced", "is_latest_load"))
    connection.register("staged_loads", staged)
    # Balanced: every row read is loaded, quarantined or outside the run's window (bronze_load.py).
    return _arrow(
        connection,
        """
        select * exclude (skipped_reason),
            rows_read = rows_loaded + rows_quarantined + rows_outside_window as is_balanced,
            skipped_reason,
            row_number() over (partition by entity, source order by finished_at desc nulls last, batch_id desc) = 1
                as is_latest_load
        from staged_loads
        order by entity, source, finished_at, batch_id
        """,
        SOURCE_LOADS_SCHEMA,
    )


# --- fct_quarantine_reasons --------------------------------------------------------------------------


def _quarantine_reasons(connection: duckdb.DuckDBPyConnection, lake: Lake) -> pa.Table:
    files = sorted(lake.quarantine.glob("*/source=*/*.parquet")) if lake.quarantine.is_dir() else []
    if not files:
        return SCHEMAS["fct_quarantine_reasons"].empty_table()
    parts = []
    for path in files:
        table = pq.read_table(path)
        names = set(table.column_names)
        entity = path.parent.parent.name
        source = path.parent.name.removeprefix("source=")
        parts.append(
            pa.table(
                {
                    "entity": pa.array([entity] * table.num_rows, pa.string()),
                    "source": pa.array([source] * table.num_rows, pa.string()),
                    **{
                        column: table[column].cast(pa.string())
                        if column in names
                        else pa.nulls(table.num_rows, pa.string())
                        for column in ("position", "reason", "raw", "_batch_id")
                    },
                }
            )
        )
    connection.register("quarantined", pa.concat_tables(parts))
    # The same rejection found again by a later load (a source that grew) is in a second file: a
    # rejected record counts once, whichever loads found it.
    return _arrow(
        connection,
        """
        with cleaned as (
            select entity, source, coalesce(reason, '(no reason given)') as reason, position, raw, _batch_id
            from quarantined
        ),
        records as (
            select entity, source, reason, count(*) as rows
            from (select distinct entity, source, reason, position, raw from cleaned)
            group by all
        ),
        batches as (
            select entity, source, reason, count(distinct _batch_id) as batches, max(_batch_id) as last_batch_id
            from cleaned
            group by all
        )
        select r.entity, r.source, r.reason, r.rows, b.batches, b.last_batch_id
        from records r
        join batches b using (entity, source, reason)
        order by r.entity, r.source, r.rows desc, r.reason
        """,
        QUARANTINE_REASONS_SCHEMA,
    )


# --- fct_quality_results -----------------------------------------------------------------------------


def _quality_results(connection: duckdb.DuckDBPyConnection, lake: Lake) -> pa.Table:
    rows: list[dict[str, Any]] = []
    files = sorted(lake.quality.glob("*/*.json")) if lake.quality.is_dir() else []
    for path in files:
        document = _read_json(path)
        if document is None or not isinstance(document.get("civiclake"), dict):
            continue
        summary = document["civiclake"]
        gx_result = document.get("great_expectations") or {}
        meta = gx_result.get("meta") or {}
        run_at = (
            _timestamp(meta.get("validation_time"))
            or _timestamp((meta.get("run_id") or {}).get("run_time"))
            or datetime.fromtimestamp(path.stat().st_mtime, UTC)
        )
        details = {
            ((item.get("expectation_config") or {}).get("meta") or {}).get("check"): item.get("result") or {}
            for item in gx_result.get("results") or []
        }
        entity = summary.get("entity") or path.parent.name
        for order, outcome in enumerate(summary.get("results") or []):
            columns = [str(column) for column in outcome.get("columns") or []]
            detail = details.get(outcome.get("check"), {})
            rows.append(
                {
                    "entity": entity,
                    "run_label": summary.get("run_label") or path.stem,
                    "run_at": run_at,
                    "expectation_order": order,
                    "expectation": outcome.get("check"),
                    "expectation_type": outcome.get("expectation_type"),
                    "column_name": ", ".join(columns) or None,
                    "severity": outcome.get("severity"),
                    "success": bool(outcome.get("success")),
                    "observed_value": _observed(detail, entity, columns),
                    "unexpected_count": _int(outcome.get("unexpected_count"), None),
                    "element_count": _int(detail.get("element_count"), None),
                    "unexpected_percent": _float(detail.get("unexpected_percent")),
                    "exception": outcome.get("exception"),
                }
            )
    staged = pa.Table.from_pylist(rows, schema=_without(QUALITY_RESULTS_SCHEMA, "is_latest_run"))
    connection.register("staged_results", staged)
    return _arrow(
        connection,
        """
        select entity, run_label, run_at,
            dense_rank() over (partition by entity order by run_at desc, run_label desc) = 1 as is_latest_run,
            * exclude (entity, run_label, run_at)
        from staged_results
        order by entity, run_at, run_label, expectation_order
        """,
        QUALITY_RESULTS_SCHEMA,
    )


def _observed(detail: dict[str, Any], entity: str, columns: list[str]) -> str | None:
    """GX's observed value (a column list, a statistic) as text; never the values of a key column."""
    if "observed_value" not in detail or detail["observed_value"] is None:
        return None
    if any(column.endswith("_key") for column in columns):
        return None  # a *_key column that failed holds identifiers in clear: not in gold
    value = detail["observed_value"]
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)


# --- dim_source_freshness ----------------------------------------------------------------------------


def _source_freshness(connection: duckdb.DuckDBPyConnection, lake: Lake, loads: pa.Table) -> pa.Table:
    parts = []
    for entity in ENTITY_SCHEMAS:
        folder = lake.bronze / entity
        files = sorted(folder.rglob("data.parquet")) if folder.is_dir() else []
        if not files:
            continue
        relation = connection.read_parquet([str(path) for path in files], filename=True, union_by_name=True)
        connection.register("bronze_rows", relation)
        day_range = "min(day), max(day)" if entity in PARTITION_TIME else "null::date, null::date"
        # The only thing formatted into the SQL is one of those two fixed fragments.
        part = connection.sql(
            f"""
            select commune_id, _source as source_label, max(_ingested_at) as last_ingested_at,
                {day_range}, count(*) as rows_in_bronze
            from (
                select commune_id, _source, _ingested_at,
                    try_cast(regexp_extract(filename, 'date=(\\d{{4}}-\\d{{2}}-\\d{{2}})', 1) as date) as day
                from bronze_rows
            )
            group by all
            """
        ).to_arrow_table()
        part = part.append_column("entity", pa.array([entity] * part.num_rows, pa.string()))
        connection.unregister("bronze_rows")
        parts.append(
            part.rename_columns(
                ["commune_id", "source_label", "last_ingested_at", "first_day", "last_day", "rows_in_bronze", "entity"]
            )
        )
    bronze = (
        pa.concat_tables([part.cast(parts[0].schema) for part in parts])
        if parts
        else pa.schema(
            [
                ("entity", pa.string()),
                ("commune_id", pa.string()),
                ("source_label", pa.string()),
                ("last_ingested_at", _TS),
                ("first_day", pa.date32()),
                ("last_day", pa.date32()),
                ("rows_in_bronze", pa.int64()),
            ]
        ).empty_table()
    )
    connection.register("bronze_by_source", bronze)
    connection.register("loads", loads)
    # A source is known by its id in the audit and by its label (`kind:location`) in bronze: the audit
    # ties them. Sources loaded but with nothing in bronze appear with 0 rows; rows of a source no audit
    # names (a lake older than the audit) appear under their label.
    return _arrow(
        connection,
        """
        with sources as (
            select entity, source, any_value(commune_id) as commune_id,
                arg_max(source_label, finished_at) as source_label, max(finished_at) as last_loaded_at
            from loads
            where skipped_reason is null
            group by entity, source
        ),
        bronze as (
            select entity, source_label, commune_id, max(last_ingested_at) as last_ingested_at,
                min(first_day) as first_day, max(last_day) as last_day, sum(rows_in_bronze) as rows_in_bronze
            from bronze_by_source
            group by all
        )
        select
            coalesce(s.entity, b.entity) as entity,
            coalesce(s.source, b.source_label) as source,
            coalesce(b.commune_id, s.commune_id) as commune_id,
            coalesce(s.source_label, b.source_label) as source_label,
            s.last_loaded_at,
            b.last_ingested_at,
            b.first_day as first_event_date_local,
            b.last_day as last_event_date_local,
            coalesce(b.rows_in_bronze, 0) as rows_in_bronze
        from sources s
        full outer join bronze b
            on s.entity = b.entity and s.source_label = b.source_label
            and (s.commune_id is null or s.commune_id = b.commune_id)
        order by entity, source, commune_id
        """,
        SOURCE_FRESHNESS_SCHEMA,
    )


# --- helpers -----------------------------------------------------------------------------------------


def _without(schema: pa.Schema, *names: str) -> pa.Schema:
    return pa.schema([field for field in schema if field.name not in names])


def _arrow(connection: duckdb.DuckDBPyConnection, sql: str, schema: pa.Schema) -> pa.Table:
    table = connection.sql(sql).to_arrow_table()
    return table.select(schema.names).cast(schema)


def _read_json(path: Path) -> dict[str, Any] | None:
    # A half-written or hand-damaged file must not stop the export of everything else.
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _int(value: object, default: int | None = 0) -> int | None:
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def _float(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _timestamp(value: object) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
