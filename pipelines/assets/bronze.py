"""Bronze assets: every source of an entity read by its connector and merged into the lake."""

from collections.abc import Iterator

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.ingest import pseudonymiser_for, read_source
from pipelines.lake import new_batch_id, write_bronze, write_quarantine
from pipelines.resources import CivicLakeResource

REQUEST_KEY = AssetKey(["bronze", "request"])


@asset(
    key=REQUEST_KEY,
    group_name="bronze",
    description="Requests (dossiers) from every configured request source, pseudonymised, one Parquet "
    "file per commune and local day under lake/bronze/request/.",
    kinds={"parquet", "polars"},
    check_specs=[
        AssetCheckSpec(
            "rows_balance",
            asset=REQUEST_KEY,
            description="Rows read = rows loaded + rows quarantined, for every source: nothing disappears.",
        )
    ],
)
def bronze_request(
    context: AssetExecutionContext, civiclake: CivicLakeResource
) -> Iterator[MaterializeResult | AssetCheckResult]:
    config = civiclake.load_config()
    lake = civiclake.lake
    pseudonymiser = pseudonymiser_for(config)
    time_zones = {commune.id: commune.timezone for commune in config.communes}
    totals = {"rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_new": 0, "partitions_written": 0}
    per_source: dict[str, dict[str, int]] = {}
    for source in config.sources_for("request"):
        result = read_source(config, source, pseudonymiser)
        batch_id = new_batch_id(source.id)
        stats = write_bronze(lake, "request", result.rows, time_zones, f"{source.kind}:{source.location}", batch_id)
        quarantine_path = write_quarantine(lake, "request", source.id, result.rejected, batch_id)
        counts = {
            "rows_read": result.rows_read,
            "rows_loaded": stats.rows_loaded,
            "rows_quarantined": result.rejected.height,
            "rows_new": stats.rows_new,
            "partitions_written": stats.partitions_written,
        }
        per_source[source.id] = counts
        for name, value in counts.items():
            totals[name] += value
        context.log.info(
            f"{source.id}: read {counts['rows_read']}, loaded {counts['rows_loaded']} "
            f"({counts['rows_new']} new), quarantined {counts['rows_quarantined']}"
            + (f" -> {quarantine_path}" if quarantine_path else "")
        )
    yield MaterializeResult(
        asset_key=REQUEST_KEY,
        metadata={**totals, "sources": MetadataValue.json(per_source)},
    )
    unbalanced = {
        source_id: counts
        for source_id, counts in per_source.items()
        if counts["rows_read"] != counts["rows_loaded"] + counts["rows_quarantined"]
    }
    yield AssetCheckResult(
        check_name="rows_balance",
        asset_key=REQUEST_KEY,
        passed=not unbalanced,
        severity=AssetCheckSeverity.ERROR,
        metadata={"unbalanced_sources": MetadataValue.json(unbalanced)},
    )
