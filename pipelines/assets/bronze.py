"""Bronze assets, one per entity: every configured source read by its connector and merged into the lake.

Time-based entities are partitioned by local day. A run covers a window of days (one day from the
daily schedule, a range from a backfill or `civiclake run`): sources are read whole, and only the days
of the window are written, so that a backfill of March never touches April.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    DailyPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from connectors.schemas import ENTITY_SCHEMAS, PARTITION_TIME
from pipelines.bronze_load import EntityLoad, load_entity
from pipelines.config import CivicConfig
from pipelines.lake import Lake, begin_load, new_load_id, settle_loads, uncommitted_loads, write_load_audit
from pipelines.quality import validate
from pipelines.resources import CivicLakeResource
from pipelines.retention import apply_retention
from pipelines.runner import TODAY_TAG

# Partition keys are local calendar days of the communes; the first one is the oldest a lake may keep.
DAILY_PARTITIONS = DailyPartitionsDefinition(start_date="2015-01-01", end_offset=1)

ENTITY_DESCRIPTIONS = {
    "service": "The service catalogue of every commune (one file per commune, not partitioned by day).",
    "request": "Requests (dossiers) from the CRMs and other request sources.",
    "case_event": "Events of the case tool's processes (one row per activity instance and lifecycle step).",
    "appointment": "Appointments from the booking systems, by booking day.",
    "call": "Contact-centre calls, one row per queue call, by the day they entered the queue.",
    "portal_login": "Portal login attempts, by day.",
}


def bronze_key(entity: str) -> AssetKey:
    return AssetKey(["bronze", entity])


def _window(context: AssetExecutionContext) -> tuple[date, date] | None:
    if not context.has_partition_key_range:
        return None
    key_range = context.partition_key_range
    return date.fromisoformat(key_range.start), date.fromisoformat(key_range.end)


def _metadata(load: EntityLoad, window: tuple[date, date] | None) -> dict[str, object]:
    per_source = {
        source.source_id: {
            "rows_read": source.rows_read,
            "rows_loaded": source.rows_loaded,
            "rows_new": source.rows_new,
            "rows_quarantined": source.rows_quarantined,
            "rows_outside_window": source.rows_outside_window,
            "rows_deleted": source.rows_deleted,
            "quarantine_file": source.quarantine_file,
            "skipped": source.skipped_reason,
        }
        for source in load.sources
    }
    totals = {
        name: load.total(name)
        for name in ("rows_read", "rows_loaded", "rows_new", "rows_quarantined", "rows_outside_window", "rows_deleted")
    }
    window_text = f"{window[0]} to {window[1]}" if window else "all"
    return {**totals, "window": window_text, "sources": MetadataValue.json(per_source)}


COUNT_NAMES = ("rows_read", "rows_loaded", "rows_new", "rows_quarantined", "rows_outside_window", "rows_deleted")


def audit_document(
    config: CivicConfig,
    lake: Lake,
    load: EntityLoad,
    load_id: str,
    run_id: str,
    window: tuple[date, date] | None,
    started_at: datetime,
    finished_at: datetime,
) -> dict[str, object]:
    """The accounts of one load as written to lake/audit/loads (read back by pipelines/quality_export.py)."""
    configured = {source.id: source for source in config.sources_for(load.entity)}
    sources = []
    for source_load in load.sources:
        source = configured.get(source_load.source_id)
        quarantine = source_load.quarantine_file
        if quarantine:
            try:
                quarantine = Path(quarantine).resolve().relative_to(lake.root.resolve()).as_posix()
            except ValueError:
                pass
        sources.append(
            {
                "source": source_load.source_id,
                "commune_id": source.commune if source else None,
                # What bronze rows carry in `_source` (pipelines/bronze_load.py, _source_label).
                "source_label": f"{source.kind}:{source.location}" if source else None,
                **{name: getattr(source_load, name) for name in COUNT_NAMES},
                "balanced": source_load.balanced,
                "skipped_reason": source_load.skipped_reason,
                "quarantine_file": quarantine,
            }
        )
    return {
        "entity": load.entity,
        "batch_id": load_id,
        "run_id": run_id,
        "window": {"first_day": window[0].isoformat(), "last_day": window[1].isoformat()} if window else None,
        "started_at": started_at.astimezone(UTC).isoformat(),
        "finished_at": finished_at.astimezone(UTC).isoformat(),
        "sources": sources,
    }


def build_bronze_asset(entity: str) -> AssetsDefinition:
    key = bronze_key(entity)
    partitioned = entity in PARTITION_TIME
    check_specs = [
        AssetCheckSpec(
            "rows_balance",
            asset=key,
            description="For every source: rows read = rows loaded + quarantined + outside the run's window.",
        ),
        AssetCheckSpec(
            "quality_critical",
            asset=key,
            blocking=True,
            description="Great Expectations, critical expectations (keys present and unique, vocabularies, "
            "pseudonymised keys): when one fails, what depends on this table does not run.",
        ),
        AssetCheckSpec(
            "quality_warnings",
            asset=key,
            description="Great Expectations, plausibility expectations (time ranges, ordering): a warning.",
        ),
    ]

    @asset(
        key=key,
        group_name="bronze",
        description=ENTITY_DESCRIPTIONS[entity] + f" Columns: {', '.join(ENTITY_SCHEMAS[entity].names)}.",
        partitions_def=DAILY_PARTITIONS if partitioned else None,
        backfill_policy=BackfillPolicy.single_run() if partitioned else None,
        kinds={"parquet", "polars"},
        check_specs=check_specs,
    )
    def _bronze(
        context: AssetExecutionContext, civiclake: CivicLakeResource
    ) -> Iterator[MaterializeResult | AssetCheckResult]:
        config = civiclake.load_config()
        lake = civiclake.lake
        window = _window(context)
        started_at = datetime.now(UTC)
        run_id = context.run.run_id
        load_id = new_load_id(run_id, started_at)
        # Crash safety: the marker says a load started; its audit record below commits it. Rows of a load
        # that died in between are loaded again by this one (pipelines/lake.py, write_bronze).
        orphans = uncommitted_loads(lake, entity)
        if orphans:
            context.log.warning(f"loads that did not finish, loaded again: {', '.join(sorted(orphans))}")
        begin_load(lake, entity, load_id)
        today = date.fromisoformat(context.run.tags[TODAY_TAG]) if TODAY_TAG in context.run.tags else date.today()
        # GDPR retention first: old rows of this entity's sources leave bronze before anything is loaded.
        retention = apply_retention(config, lake, today, entities={entity})
        if retention.deleted_rows:
            context.log.info(
                f"retention: deleted {retention.deleted_rows:,} rows in {retention.deleted_partitions:,} day "
                f"partitions ({retention.audit_file})"
            )
        load = load_entity(
            config,
            lake,
            entity,
            window,
            log=context.log.info,
            load_id=load_id,
            uncommitted_loads=orphans,
            today=today,
        )
        finished_at = datetime.now(UTC)
        # The accounts per source, kept in the lake for the gold export (the data-quality dashboard).
        write_load_audit(
            lake,
            entity,
            load_id,
            audit_document(config, lake, load, load_id, run_id, window, started_at, finished_at),
        )
        settle_loads(lake, entity, load_id, orphans)
        yield MaterializeResult(asset_key=key, metadata=_metadata(load, window))
        yield AssetCheckResult(
            check_name="rows_balance",
            asset_key=key,
            passed=load.balanced,
            severity=AssetCheckSeverity.ERROR,
            metadata={"unbalanced": [source.source_id for source in load.sources if not source.balanced]},
        )
        label = f"{context.run_id[:8]}-{window[0]}-{window[1]}" if window else context.run_id[:8]
        report = validate(entity, load.loaded_rows, lake.root / "quality", label)
        for check_name, severity in (("quality_critical", "critical"), ("quality_warnings", "warning")):
            failed = [outcome for outcome in report.failures if outcome.severity == severity]
            yield AssetCheckResult(
                check_name=check_name,
                asset_key=key,
                passed=not failed,
                severity=AssetCheckSeverity.ERROR if severity == "critical" else AssetCheckSeverity.WARN,
                metadata={
                    "failed": MetadataValue.json(
                        [
                            {"check": o.check, "columns": list(o.columns), "unexpected": o.unexpected_count}
                            for o in failed
                        ]
                    ),
                    "result_file": str(report.result_path),
                },
            )

    return _bronze


BRONZE_ASSETS = [build_bronze_asset(entity) for entity in ENTITY_SCHEMAS]
PARTITIONED_BRONZE_KEYS = [bronze_key(entity) for entity in ENTITY_SCHEMAS if entity in PARTITION_TIME]
UNPARTITIONED_BRONZE_KEYS = [bronze_key(entity) for entity in ENTITY_SCHEMAS if entity not in PARTITION_TIME]
