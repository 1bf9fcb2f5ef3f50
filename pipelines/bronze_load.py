"""Loading one entity into bronze: every configured source read by its connector, merged, accounted for.

Plain Python (no Dagster), so that the accounting can be tested on its own: for every source,
rows read = rows loaded + rows quarantined + rows outside the window of this run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from connectors.result import rejections
from connectors.schemas import ENTITY_SCHEMAS
from pipelines.bronze_write import delete_from_bronze, write_bronze
from pipelines.config import CivicConfig, Source
from pipelines.ingest import pseudonymiser_for, read_source
from pipelines.lake import Lake, load_batch_id, new_batch_id, write_quarantine
from pipelines.retention import retention_cutoff


@dataclass
class SourceLoad:
    """What one source gave in one run."""

    source_id: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_new: int = 0
    rows_quarantined: int = 0
    rows_outside_window: int = 0
    rows_deleted: int = 0
    partitions_written: int = 0
    skipped_reason: str | None = None
    quarantine_file: str | None = None

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_outside_window


@dataclass
class EntityLoad:
    entity: str
    sources: list[SourceLoad] = field(default_factory=list)
    # The rows of this run's batch, in canonical form, for the data-quality checks.
    loaded_rows: pl.DataFrame | None = None

    def total(self, name: str) -> int:
        return sum(getattr(source, name) for source in self.sources)

    @property
    def balanced(self) -> bool:
        return all(source.balanced for source in self.sources)


def load_entity(
    config: CivicConfig,
    lake: Lake,
    entity: str,
    window: tuple[date, date] | None = None,
    log: Callable[[str], None] = lambda message: None,
    load_id: str | None = None,
    uncommitted_loads: frozenset[str] = frozenset(),
    today: date | None = None,
) -> EntityLoad:
    """Read every source of `entity`, write bronze (within the window of local days) and quarantine.

    With a `load_id` (the bronze asset's, see pipelines/lake.py begin_load), the rows carry it in their
    `_batch_id`; rows of `uncommitted_loads` (loads that died before their audit record) are loaded again.
    A source with `retention_days` loads no day older than its retention (counted from `today`): those
    rows count as outside the window (pipelines/retention.py deletes what is already in bronze).
    """
    pseudonymiser = pseudonymiser_for(config)
    time_zones = {commune.id: commune.timezone for commune in config.communes}
    load = EntityLoad(entity)
    batches: list[pl.DataFrame] = []
    for source in config.sources_for(entity):
        if twin := source.options.get("same_events_as"):
            # The same log in two formats (CSV and XES): loading both would only find the same rows.
            load.sources.append(SourceLoad(source.id, skipped_reason=f"same events as source {twin!r}"))
            log(f"{source.id}: skipped, it holds the same events as {twin}")
            continue
        result = read_source(config, source, pseudonymiser)
        batch_id = load_batch_id(load_id, source.id) if load_id else new_batch_id(source.id)
        source_window = _retained_window(source, window, today or date.today())
        stats = write_bronze(
            lake, entity, result.rows, time_zones, _source_label(source), batch_id, source_window, uncommitted_loads
        )
        rejected = result.rejected
        if stats.superseded is not None and not stats.superseded.is_empty():
            rejected = pl.concat([rejected, _superseded(source, stats.superseded)])
        quarantine_path = write_quarantine(lake, entity, source.id, rejected, batch_id)
        # Records the source reports deleted (a CRM delta) leave the lake too.
        deleted = delete_from_bronze(lake, entity, source.commune, getattr(result, "deleted_request_ids", []))
        source_load = SourceLoad(
            source_id=source.id,
            rows_read=result.rows_read,
            rows_loaded=stats.rows_loaded,
            rows_new=stats.rows_new,
            rows_quarantined=rejected.height,
            rows_outside_window=stats.rows_outside_window,
            rows_deleted=deleted,
            partitions_written=stats.partitions_written,
            quarantine_file=str(quarantine_path) if quarantine_path else None,
        )
        load.sources.append(source_load)
        # The quality checks see the rows as loaded: one version per key, as in the lake, and only the days
        # of the run's window (a daily run checks its day, not the whole history the source holds).
        if stats.loaded is not None:
            batches.append(stats.loaded)
        log(
            f"{source.id}: read {source_load.rows_read:,}, loaded {source_load.rows_loaded:,} "
            f"({source_load.rows_new:,} new), quarantined {source_load.rows_quarantined:,}, "
            f"outside the window {source_load.rows_outside_window:,}, deleted {source_load.rows_deleted:,}"
        )
    empty = pl.DataFrame(schema=pl.Schema(pl.from_arrow(ENTITY_SCHEMAS[entity].empty_table()).schema))
    load.loaded_rows = pl.concat(batches, how="vertical_relaxed") if batches else empty
    return load


def _retained_window(source: Source, window: tuple[date, date] | None, today: date) -> tuple[date, date] | None:
    cutoff = retention_cutoff(source, today)
    if cutoff is None:
        return window
    return (max(window[0], cutoff), window[1]) if window else (cutoff, date.max)


def _source_label(source: Source) -> str:
    return f"{source.kind}:{source.location}"


def _superseded(source: Source, rows: pl.DataFrame) -> pl.DataFrame:
    return rejections(
        source.id,
        ["(same batch)"] * rows.height,
        ["superseded by a later version of the same key in the same batch"] * rows.height,
        [json for json in rows.select(pl.struct(pl.all()).struct.json_encode())[:, 0].to_list()],
    )
