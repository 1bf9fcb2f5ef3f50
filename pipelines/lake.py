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

import ctypes
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.schemas import ENTITY_SCHEMAS

LAKE_ENV_VAR = "CIVICLAKE_LAKE"
# DuckDB's memory ceiling for the pipeline's own work (dbt reads the same variable in dbt/profiles.yml):
# above it DuckDB spills sorts, joins and most aggregates to disk. Medians and percentiles cannot spill:
# 4 GiB holds those of ten city-years (they failed at 2 GB there).
DUCKDB_MEMORY_LIMIT_ENV_VAR = "CIVICLAKE_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT_MIB = 4096
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


def duckdb_memory_limit() -> str:
    """The memory_limit of the pipeline's DuckDB work: $CIVICLAKE_DUCKDB_MEMORY_LIMIT ("8GB", "512MB",
    "50%"...) when set, else 4 GiB, or half the machine's memory on a machine with less than 8 GiB."""
    configured = os.environ.get(DUCKDB_MEMORY_LIMIT_ENV_VAR, "").strip()
    if configured:
        return configured
    try:
        half_of_memory_mib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**21
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows): the default as it is
        half_of_memory_mib = DEFAULT_DUCKDB_MEMORY_LIMIT_MIB
    return f"{min(DEFAULT_DUCKDB_MEMORY_LIMIT_MIB, half_of_memory_mib)}MiB"


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
        _write_parquet(table, temporary)
        publish(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_parquet_files(files: list[tuple[pa.Table, Path]], schema: pa.Schema | None = None) -> None:
    """Many files, each written atomically as by atomic_write_parquet, flushed to disk together; with a
    `schema`, each table is cast to it as it is written.

    All temporaries are written first, flushed, then renamed, then the renames are flushed: two
    flushes for the batch instead of two per file (a bronze load writes one file per day). A crash
    leaves each target old or new, as for one file.
    """
    if len(files) == 1:
        table, path = files[0]
        atomic_write_parquet(table if schema is None else table.cast(schema), path)
        return
    temporaries: list[Path] = []
    try:
        for _, path in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporaries.append(temporary_path(path))
        # Arrow releases the GIL while it encodes and compresses: one file per core at a time.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(_write_parquet, [table for table, _ in files], temporaries, [schema] * len(files)))
        flush_to_disk(temporaries)
        for temporary, (_, path) in zip(temporaries, files, strict=True):
            os.replace(temporary, path)
        flush_to_disk(sorted({path.parent for _, path in files}))
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def _write_parquet(table: pa.Table, path: Path, schema: pa.Schema | None = None) -> None:
    pq.write_table(table if schema is None else table.cast(schema), path, compression="zstd")


# Linux's syncfs(2) flushes one file system in one call; elsewhere each path is flushed in turn.
_syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None) if sys.platform == "linux" else None
SYNCFS_FROM = 8  # below this many paths, flushing each one is cheaper than flushing the file system


def flush_to_disk(paths: list[Path]) -> None:
    """Make files (their contents) or folders (their entries) durable, like fsync_path on each."""
    if _syncfs is not None and len(paths) >= SYNCFS_FROM:
        descriptor = os.open(paths[0], os.O_RDONLY)
        try:
            if _syncfs(descriptor) != 0:
                error = ctypes.get_errno()
                raise OSError(error, f"syncfs failed: {os.strerror(error)}", str(paths[0]))
        finally:
            os.close(descriptor)
        return
    for path in paths:
        fsync_path(path)


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
