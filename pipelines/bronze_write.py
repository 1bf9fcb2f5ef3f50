"""Writing canonical rows into bronze's daily partitions, idempotently, in one pass per load.

A load's rows are keyed, hashed, assigned to the local day of their commune and sorted once; every
partition is then a zero-copy slice of that one table. Days that have no partition yet are written as
they are; days that have one are merged with it, all of them in one vectorised comparison. Every file
of the load is published together (pipelines/lake.py, atomic_write_parquet_files): one flush to disk
for the whole load instead of two per partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from connectors.schemas import ENTITY_SCHEMAS, PARTITION_TIME, PRIMARY_KEYS
from pipelines.lake import Lake, atomic_write_parquet, atomic_write_parquet_files

_DAY = "_day"
_FILE = "_file"


def row_hashes(rows: pl.DataFrame, columns: list[str]) -> pl.Series:
    """SHA-256 of each row's canonical values: equal rows hash equal across runs and machines."""
    # \x1f (unit separator) cannot occur in the values, so ("a", "bc") and ("ab", "c") differ; \x00
    # marks a null apart from an empty string.
    joined = rows.select(
        pl.concat_str([pl.col(column).cast(pl.String).fill_null("\x00") for column in columns], separator="\x1f").alias(
            "joined"
        )
    ).to_arrow()
    # DuckDB's sha256 is the digest hashlib gives (lower-case hex of the UTF-8 bytes), computed in
    # parallel in C++: about five times faster than a Python loop over the rows.
    with duckdb.connect() as connection:
        connection.register("joined_rows", joined)
        hashes = connection.sql("select sha256(joined) as _row_hash from joined_rows").to_arrow_table()
    return pl.Series("_row_hash", hashes.column("_row_hash"), dtype=pl.String)


@dataclass
class BronzeWriteStats:
    rows_new: int = 0
    rows_replaced: int = 0
    rows_unchanged: int = 0
    rows_outside_window: int = 0
    partitions_written: int = 0
    # Rows of the batch with the key of a later row of the same batch: only the last version is loaded.
    superseded: pl.DataFrame | None = None
    # The rows of the batch this write loaded (canonical columns, one version per key, inside the window):
    # what the data-quality checks look at.
    loaded: pl.DataFrame | None = None

    @property
    def rows_loaded(self) -> int:
        """Rows of this batch now in the lake, whether they were new, corrected or already there."""
        return self.rows_new + self.rows_replaced + self.rows_unchanged


def write_bronze(
    lake: Lake,
    entity: str,
    rows: pl.DataFrame,
    time_zones: dict[str, str],
    source: str,
    batch_id: str,
    window: tuple[date, date] | None = None,
    uncommitted_loads: frozenset[str] = frozenset(),
) -> BronzeWriteStats:
    """Merge canonical rows into their daily partitions, idempotently.

    A row whose key is already in its partition with the same hash changes nothing; one with the same
    key and another hash replaces it (a corrected re-export); a partition is rewritten only when it
    changes, so loading the same source twice writes nothing the second time. With a window (first and
    last local day, inclusive), only those days are written: the others belong to another run.
    Rows written by an `uncommitted_loads` id (a load that died before its audit record) count as not
    loaded yet: they are written again under `batch_id`, so no row is accounted for twice or never.
    """
    schema = ENTITY_SCHEMAS[entity]
    canonical = list(schema.names)
    keys = list(PRIMARY_KEYS[entity])
    stats = BronzeWriteStats()
    rows, stats.superseded = _last_versions(rows.select(canonical), keys)
    rows = rows.with_columns(
        _local_day(rows, PARTITION_TIME[entity], time_zones).alias(_DAY)
        if entity in PARTITION_TIME
        else pl.lit(None, dtype=pl.String).alias(_DAY)
    )
    if window is not None and entity in PARTITION_TIME:
        inside = pl.col(_DAY).is_between(pl.lit(window[0].isoformat()), pl.lit(window[1].isoformat()))
        stats.rows_outside_window = rows.height - (rows := rows.filter(inside)).height
    stats.loaded = rows.select(canonical)
    # Hashed after the window: a one-day run over a long source hashes one day, not the whole history.
    rows = rows.with_columns(
        row_hashes(rows, canonical),
        _source=pl.lit(source),
        _batch_id=pl.lit(batch_id),
        _ingested_at=pl.lit(datetime.now(UTC), dtype=pl.Datetime("us", "UTC")),
    ).sort(["commune_id", _DAY, *keys])
    days = rows.select("commune_id", _DAY).with_row_index("offset").group_by("commune_id", _DAY, maintain_order=True)
    spans = days.agg(pl.col("offset").first(), pl.len().alias("length")).rows()
    # Zero-copy from Polars; each file is cast to the bronze schema only as it is written (less memory).
    table = rows.drop(_DAY).to_arrow()
    del rows

    writes: list[tuple[pa.Table, Path]] = []
    to_merge: list[tuple[Path, int, int]] = []
    for commune_id, day, offset, length in spans:
        path = lake.bronze_partition(entity, str(commune_id), None if day is None else str(day))
        if path.exists():
            to_merge.append((path, offset, length))
        else:  # a new day: every row is new, nothing to merge with
            writes.append((table.slice(offset, length), path))
            stats.rows_new += length
    if to_merge:
        writes += _merge_with_existing(table, to_merge, keys, uncommitted_loads, stats)
    atomic_write_parquet_files(writes, schema=bronze_schema(schema))
    stats.partitions_written = len(writes)
    return stats


def _last_versions(rows: pl.DataFrame, keys: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The last row of each key (the rows as loaded) and the earlier versions it supersedes."""
    last = rows.select(pl.struct(keys).is_last_distinct()).to_series()
    if last.all():  # the usual case: no key twice in one batch, nothing to filter
        return rows, rows.clear()
    return rows.filter(last), rows.filter(~last)


def _merge_with_existing(
    table: pa.Table,
    partitions: list[tuple[Path, int, int]],
    keys: list[str],
    uncommitted_loads: frozenset[str],
    stats: BronzeWriteStats,
) -> list[tuple[pa.Table, Path]]:
    """Compare the batch with the partitions its days already have, all at once; return the rewrites."""
    incoming = pl.concat(
        [
            pl.from_arrow(table.slice(offset, length)).with_columns(pl.lit(str(path)).alias(_FILE))
            for path, offset, length in partitions
        ]
    )
    existing = pl.read_parquet([path for path, _, _ in partitions], include_file_paths=_FILE)
    committed = existing.filter(~_written_by(uncommitted_loads)) if uncommitted_loads else existing
    located_keys = [_FILE, *keys]
    unchanged = incoming.join(
        committed.select([*located_keys, "_row_hash"]), on=[*located_keys, "_row_hash"], how="semi"
    )
    changed = incoming.join(unchanged.select(located_keys), on=located_keys, how="anti")
    replaced = changed.join(committed.select(located_keys), on=located_keys, how="semi").height
    stats.rows_unchanged += unchanged.height
    stats.rows_replaced += replaced
    stats.rows_new += changed.height - replaced

    rewrites: list[tuple[pa.Table, Path]] = []
    if changed.is_empty():
        return rewrites
    columns = table.column_names
    existing_by_file = existing.partition_by(_FILE, as_dict=True)
    for (file,), changed_rows in changed.partition_by(_FILE, as_dict=True).items():
        kept = existing_by_file[(file,)].join(changed_rows.select(keys), on=keys, how="anti")
        merged = pl.concat([kept.select(columns), changed_rows.select(columns)]).sort(keys)
        rewrites.append((merged.to_arrow(), Path(file)))
    return rewrites


def delete_from_bronze(lake: Lake, entity: str, commune_id: str, ids: list[str]) -> int:
    """Remove the rows a source reports deleted (by their id column), wherever their day is."""
    id_column = PRIMARY_KEYS[entity][-1]
    commune_dir = lake.bronze / entity / f"commune={commune_id}"
    files = sorted(commune_dir.rglob("data.parquet")) if commune_dir.exists() else []
    if not ids or not files:
        return 0
    # Only the partitions that hold one of the ids are read whole and rewritten.
    holders = (
        pl.scan_parquet(files, include_file_paths=_FILE)
        .filter(pl.col(id_column).is_in(ids))
        .select(_FILE)
        .unique()
        .collect()[_FILE]
        .to_list()
    )
    deleted = 0
    for file in sorted(holders):
        rows = pl.read_parquet(file)
        kept = rows.filter(~pl.col(id_column).is_in(ids))
        deleted += rows.height - kept.height
        if kept.is_empty():
            Path(file).unlink()
        else:
            atomic_write_parquet(kept.to_arrow(), Path(file))
    return deleted


def _written_by(load_ids: frozenset[str]) -> pl.Expr:
    """Rows whose `_batch_id` (`<load_id>/<source>`) belongs to one of these loads."""
    return pl.col("_batch_id").str.split("/").list.first().is_in(sorted(load_ids))


def _local_day(rows: pl.DataFrame, time_column: str, time_zones: dict[str, str]) -> pl.Expr:
    # The partition is the commune's local calendar day, the day a KPI per day counts it in.
    expression = pl.lit(None, dtype=pl.String)
    for commune_id in rows["commune_id"].unique(maintain_order=True).to_list():
        local_day = pl.col(time_column).dt.convert_time_zone(time_zones[commune_id]).dt.strftime("%Y-%m-%d")
        expression = pl.when(pl.col("commune_id") == commune_id).then(local_day).otherwise(expression)
    return expression


def bronze_schema(schema: pa.Schema) -> pa.Schema:
    """An entity's canonical columns followed by the lake's own: row hash, source, batch, load time."""
    return pa.schema(
        [
            *schema,
            ("_row_hash", pa.string()),
            ("_source", pa.string()),
            ("_batch_id", pa.string()),
            ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ]
    )
