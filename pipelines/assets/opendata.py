"""The open-data release as a Dagster asset: what `civiclake export` does, after the gold export.

Not part of `civiclake run`'s stages nor of the sensor's runs: publishing is a decision, so the asset is
materialised on purpose (from the Dagster UI, or a schedule a commune adds), with the version given as
run config (default: the last day of data).
"""

from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from pipelines.assets.gold import gold_marts
from pipelines.opendata.release import build_release
from pipelines.resources import CivicLakeResource


class ReleaseConfig(Config):
    """Run config of a release: its version (letters, digits, '.', '_', '-'); empty for the last day of data."""

    version: str = ""


@asset(
    deps=[gold_marts],
    group_name="opendata",
    description="An open-data release in lake/opendata/<version>/: CSV and Parquet data sets, "
    "datapackage.json and the DCAT-AP catalogue (civiclake export).",
    kinds={"csv", "parquet"},
)
def opendata_release(
    context: AssetExecutionContext, config: ReleaseConfig, civiclake: CivicLakeResource
) -> MaterializeResult:
    summary = build_release(civiclake.lake.root, config=civiclake.load_config(), version=config.version or None)
    context.log.info(summary.describe())
    return MaterializeResult(
        metadata={
            "version": summary.version,
            "folder": MetadataValue.path(str(summary.folder)),
            "rows": MetadataValue.json(summary.rows),
            "changes": MetadataValue.text(summary.datapackage["civiclake:changes"]),
        }
    )
