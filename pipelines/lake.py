"""The lake on disk: where each layer lives, and how files are written so that readers never see half.

- `bronze/<entity>/commune=<id>/date=<day>/data.parquet`: canonical rows, one file per local day;
- `quarantine/<entity>/source=<id>/<digest>.parquet`: rejected rows with their reason;
- `quality/<entity>/<run>.json`: the Great Expectations result of each bronze load;
- `audit/loads/<entity>/<load_id>.json`: the accounts of each bronze load, per source (rows read, loaded...);
- `audit/pending/<entity>/<load_id>.json`: a load that has started and has no account yet (see below);
- `audit/retention/<run>.json`: what the retention rules deleted (pipelines/retention.py);
- `gold/<model>.parquet`: the marts, the only thing dashboards and exports read. `gold` is a symbolic
  link to `gold-snapshots/<id>/`, swapped in one rename when an export is complete (pipelines/gold_snapshots.py);
- `civiclake.duckdb`: the database dbt works in (the pipeline's alone: one writer, never shared).

Crash safety: every file is written to a hidden temporary file beside its target (`.<name>.<pid>.<hex>.tmp`,
which no reader's `*.parquet` / `*.json` pattern matches), flushed to disk, then renamed over the target.
A bronze load is committed by its audit record: the rows it wrote carry `_batch_id` = `<load_id>/<source>`,
and a load whose pending marker has no audit record (the process died in between) is an orphan: the next
load counts its rows as not loaded yet and writes them again under its own id, so the audit and the
partitions agree.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.schemas import ENTITY_SCHEMAS, PARTITION_TIME, PRIMARY_KEYS

LAKE_ENV_VAR = "CIVICLAKE_LAKE"
METADATA_COLUMNS = ("_source", "_batch_id", "_ingested_at", "_row_hash")


@dataclass(frozen=True)
class Lake:
    root: Path

    @property
    def bronze(self) -> Path:
        return self.root / "bronze"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def gold(self) -> Path:
        return self.root / "gold"

    @property
    def quality(self) -> Path:
        return self.root / "quality"

    @property
    def load_audit(self) -> Path:
        return self.root / "audit" / "loads"

    @property
    def pending_loads(self) -> Path:
        return self.root / "audit" / "pending"

    @property
    def retention_audit(self) -> Path:
        return self.root / "audit" / "retention"

    @property
    def gold_snapshots(self) -> Path:
        return self.root / "gold-snapshots"

    @property
    def duckdb_path(self) -> Path:
        return self.root / "civiclake.duckdb"

    def current_gold(self) -> Path:
        """The gold folder to read, resolved once: the snapshot `gold` points to now (or `gold` itself
        in a lake written before snapshots, or by hand). A reader that opens several gold files should
        resolve it once and read them all from the returned folder, so that it never mixes two exports."""
        gold = self.gold
        return Path(os.path.realpath(gold)) if gold.is_symlink() else gold

    def bronze_partition(self, entity: str, commune_id: str, day: str | None) -> Path:
        """A daily partition; entities without a time of their own (the catalogue) have one per commune."""
        commune_dir = self.bronze / entity / f"commune={commune_id}"
        return (commune_dir / "data.parquet") if day is None else (commune_dir / f"date={day}" / "data.parquet")

    def reference_table(self, name: str) -> Path:
        return self.bronze / name / "data.parquet"


def default_lake_root() -> Path:
    return Path(os.environ.get(LAKE_ENV_VAR, "lake")).resolve()


def new_batch_id(source_id: str) -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{source_id}-{uuid.uuid4().hex[:8]}"


TEMPORARY_SUFFIX = ".tmp"


def temporary_path(path: Path) -> Path:
    """A hidden name beside `path` that no reader's pattern matches and a later run may sweep."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{TEMPORARY_SUFFIX}")


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk: a rename is only durable once both are."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish(temporary: Path, path: Path) -> None:
    """Rename a complete, flushed temporary file over its target and flush the folder (atomic on POSIX)."""
    fsync_path(temporary)
    os.replace(temporary, path)
    fsync_path(path.parent)


def atomic_write_parquet(table: pa.Table, path: Path) -> None:
    """Write beside the target, then rename over it: a reader sees the old file or the new, never half,
    and a crash at any moment leaves one of the two (plus, at worst, a hidden temporary file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path)
    try:
        pq.write_table(table, temporary, compression="zstd")
        publish(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_text(text: str, path: Path) -> None:
    """The same for a text file (JSON accounts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path)
    try:
        temporary.write_text(text, encoding="utf-8")
        publish(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def sweep_temporary_files(lake: Lake) -> list[Path]:
    """Remove the temporary files a killed run left behind (readers never see them; this is tidiness).

    Only one pipeline writes a lake at a time, so at the start of a run no temporary file is in use.
    """
    removed: list[Path] = []
    for folder in (lake.bronze, lake.quarantine, lake.quality, lake.root / "audit"):
        if folder.is_dir():
            for path in folder.rglob(f".*{TEMPORARY_SUFFIX}"):
                if path.is_file():
                    path.unlink(missing_ok=True)
                    removed.append(path)
    return removed


def recover_duckdb(lake: Lake, echo: Callable[[str], None] = lambda line: None) -> None:
    """Open the pipeline's DuckDB file once before dbt does, after a run that may have been killed.

    DuckDB replays its write-ahead log (`civiclake.duckdb.wal`) on open: committed transactions are
    kept, the one in progress when the process died is dropped, and dbt rebuilds every model of the
    run's window anyway. A CHECKPOINT folds the log into the file. Should the file not open at all, it is
    moved aside (`civiclake.duckdb.damaged-<time>`) and dbt builds a new one from bronze.
    """
    path = lake.duckdb_path
    if not path.exists():
        return
    try:
        with duckdb.connect(str(path)) as connection:
            connection.execute("checkpoint")
    except duckdb.Error as error:
        if "lock" in str(error).lower():
            raise  # another process holds it (a run still going): not damage, and not ours to move
        aside = path.with_name(f"{path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        os.replace(path, aside)
        wal = path.with_name(f"{path.name}.wal")
        if wal.exists():
            os.replace(wal, aside.with_name(f"{aside.name}.wal"))
        echo(f"the DuckDB file could not be opened ({str(error).splitlines()[0]}); moved to {aside.name}")


def row_hashes(rows: pl.DataFrame, columns: list[str]) -> pl.Series:
    """SHA-256 of each row's canonical values: equal rows hash equal across runs and machines."""
    # \x1f (unit separator) cannot occur in the values, so ("a", "bc") and ("ab", "c") differ; \x00
    # marks a null apart from an empty string.
    joined = rows.select(
        pl.concat_str([pl.col(column).cast(pl.String).fill_null("\x00") for column in columns], separator="\x1f").alias(
            "joined"
        )
    )["joined"]
    return pl.Series("_row_hash", [hashlib.sha256(value.encode()).hexdigest() for value in joined])


@dataclass
class BronzeWriteStats:
    rows_new: int = 0
    rows_replaced: int = 0
    rows_unchanged: int = 0
    rows_outside_window: int = 0
    partitions_written: int = 0
    # Rows of the batch with the key of a later row of the same batch: only the last version is loaded.
    superseded: pl.DataFrame | None = None

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
    ingested_at = datetime.now(UTC)
    rows = rows.select(canonical).with_columns(row_hashes(rows, canonical))
    rows = rows.with_columns(
        _source=pl.lit(source),
        _batch_id=pl.lit(batch_id),
        _ingested_at=pl.lit(ingested_at, dtype=pl.Datetime("us", "UTC")),
        _day=_local_day(rows, PARTITION_TIME[entity], time_zones)
        if entity in PARTITION_TIME
        else pl.lit(None, dtype=pl.String),
    )
    stats = BronzeWriteStats()
    last_version = pl.int_range(pl.len()).over(keys) == pl.len().over(keys) - 1
    stats.superseded = rows.filter(~last_version).select(canonical)
    rows = rows.filter(last_version)
    if window is not None and entity in PARTITION_TIME:
        inside = pl.col("_day").is_between(pl.lit(window[0].isoformat()), pl.lit(window[1].isoformat()))
        stats.rows_outside_window = rows.filter(~inside).height
        rows = rows.filter(inside)
    for (commune_id, day), partition_rows in rows.group_by(["commune_id", "_day"], maintain_order=True):
        partition_rows = partition_rows.drop("_day")
        path = lake.bronze_partition(entity, str(commune_id), None if day is None else str(day))
        if not path.exists():  # a new day: every row is new, nothing to merge with (the joins cost most)
            stats.rows_new += partition_rows.height
            atomic_write_parquet(partition_rows.sort(keys).to_arrow().cast(_bronze_schema(schema)), path)
            stats.partitions_written += 1
            continue
        existing = pl.read_parquet(path)
        committed = existing.filter(~_written_by(uncommitted_loads)) if uncommitted_loads else existing
        unchanged = partition_rows.join(committed.select([*keys, "_row_hash"]), on=[*keys, "_row_hash"], how="semi")
        incoming = partition_rows.join(unchanged.select(keys), on=keys, how="anti")
        replaced = incoming.join(committed.select(keys), on=keys, how="semi").height
        stats.rows_unchanged += unchanged.height
        stats.rows_replaced += replaced
        stats.rows_new += incoming.height - replaced
        if incoming.is_empty():
            continue
        merged = pl.concat([existing.join(incoming.select(keys), on=keys, how="anti"), incoming])
        merged = merged.sort(keys)
        atomic_write_parquet(merged.to_arrow().cast(_bronze_schema(schema)), path)
        stats.partitions_written += 1
    return stats


def delete_from_bronze(lake: Lake, entity: str, commune_id: str, ids: list[str]) -> int:
    """Remove the rows a source reports deleted (by their id column), wherever their day is."""
    id_column = PRIMARY_KEYS[entity][-1]
    commune_dir = lake.bronze / entity / f"commune={commune_id}"
    files = sorted(commune_dir.rglob("data.parquet")) if commune_dir.exists() else []
    if not ids or not files:
        return 0
    # Only the partitions that hold one of the ids are read whole and rewritten.
    holders = (
        pl.scan_parquet(files, include_file_paths="_file")
        .filter(pl.col(id_column).is_in(ids))
        .select("_file")
        .unique()
        .collect()["_file"]
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


def write_quarantine(lake: Lake, entity: str, source_id: str, rejected: pl.DataFrame, batch_id: str) -> Path | None:
    """Keep rejected rows with their reason; the same rejections from a re-run land in the same file."""
    if rejected.is_empty():
        return None
    digest = hashlib.sha256(rejected.write_csv().encode()).hexdigest()[:16]
    path = lake.quarantine / entity / f"source={source_id}" / f"{digest}.parquet"
    if not path.exists():
        table = rejected.with_columns(_batch_id=pl.lit(batch_id), _entity=pl.lit(entity)).to_arrow()
        atomic_write_parquet(table, path)
    return path


def _written_by(load_ids: frozenset[str]) -> pl.Expr:
    """Rows whose `_batch_id` (`<load_id>/<source>`) belongs to one of these loads."""
    return pl.col("_batch_id").str.split("/").list.first().is_in(sorted(load_ids))


def load_batch_id(load_id: str, source_id: str) -> str:
    """The `_batch_id` of the rows a source gives in one load: the load is found back from it."""
    return f"{load_id}/{source_id}"


def begin_load(lake: Lake, entity: str, load_id: str) -> Path:
    """Mark a load as started; its audit record (write_load_audit) commits it."""
    path = lake.pending_loads / entity / f"{_plain_name(load_id)}.json"
    atomic_write_text(json.dumps({"entity": entity, "load_id": load_id}), path)
    return path


def uncommitted_loads(lake: Lake, entity: str) -> frozenset[str]:
    """The loads of `entity` that started and never wrote their audit record (the process died)."""
    folder = lake.pending_loads / entity
    if not folder.is_dir():
        return frozenset()
    return frozenset(
        marker.stem for marker in folder.glob("*.json") if not (lake.load_audit / entity / marker.name).exists()
    )


def settle_loads(lake: Lake, entity: str, load_id: str, orphans: frozenset[str]) -> None:
    """After a load's audit record: drop its marker, and those of orphans no bronze row carries any more."""
    (lake.pending_loads / entity / f"{load_id}.json").unlink(missing_ok=True)
    if not orphans:
        return
    files = sorted((lake.bronze / entity).rglob("*.parquet")) if (lake.bronze / entity).is_dir() else []
    still_used: set[str] = set()
    if files:
        batches = pl.scan_parquet(files).select("_batch_id").unique().collect()["_batch_id"].to_list()
        still_used = {batch.split("/")[0] for batch in batches if batch}
    for orphan in orphans - still_used:
        (lake.pending_loads / entity / f"{orphan}.json").unlink(missing_ok=True)


def new_load_id(run_id: str, started_at: datetime) -> str:
    """The id of one bronze load of an entity: when it started (UTC) and the run it belongs to."""
    safe_run = "".join(character for character in run_id if character.isalnum())[:8] or "run"
    return f"{started_at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{safe_run}"


def write_load_audit(lake: Lake, entity: str, load_id: str, document: dict[str, Any]) -> Path:
    """Keep the accounts of one bronze load as `audit/loads/<entity>/<load_id>.json`, atomically.

    The gold export reads these back (pipelines/quality_export.py): the dashboards never see Dagster's
    own run history, only the lake.
    """
    if entity not in ENTITY_SCHEMAS:
        raise ValueError(f"unknown entity {entity!r}")
    path = lake.load_audit / entity / f"{_plain_name(load_id)}.json"
    atomic_write_text(json.dumps(document, indent=2, default=str), path)
    return path


def _plain_name(load_id: str) -> str:
    if not load_id or not all(character.isalnum() or character in "-_." for character in load_id):
        raise ValueError(f"load id {load_id!r} must be a plain file name")
    return load_id


def _local_day(rows: pl.DataFrame, time_column: str, time_zones: dict[str, str]) -> pl.Expr:
    # The partition is the commune's local calendar day, the day a KPI per day counts it in.
    expression = pl.lit(None, dtype=pl.String)
    for commune_id in rows["commune_id"].unique(maintain_order=True).to_list():
        local_day = pl.col(time_column).dt.convert_time_zone(time_zones[commune_id]).dt.strftime("%Y-%m-%d")
        expression = pl.when(pl.col("commune_id") == commune_id).then(local_day).otherwise(expression)
    return expression


def _bronze_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema(
        [
            *schema,
            ("_row_hash", pa.string()),
            ("_source", pa.string()),
            ("_batch_id", pa.string()),
            ("_ingested_at", pa.timestamp("us", tz="UTC")),
        ]
    )
