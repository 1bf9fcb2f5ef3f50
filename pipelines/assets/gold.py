"""The gold export: every mart of the dbt project copied to lake/gold as one Parquet file, plus the
data-quality tables built from the lake's own accounts (pipelines/quality_export.py)."""

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from pipelines.assets.transform import civiclake_dbt_models
from pipelines.lake import Lake
from pipelines.quality_export import export_quality_tables
from pipelines.resources import CivicLakeResource

MART_PREFIXES = ("dim_", "fct_", "kpi_")


def export_gold(lake: Lake) -> dict[str, int]:
    """Copy each mart from the pipeline's DuckDB file to lake/gold/<mart>.parquet, atomically."""
    lake.gold.mkdir(parents=True, exist_ok=True)
    exported: dict[str, int] = {}
    # Read-only: dbt has finished writing; the dashboards never open this file, only the Parquet.
    with duckdb.connect(str(lake.duckdb_path), read_only=True) as connection:
        marts = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'main' order by 1"
            ).fetchall()
            if name.startswith(MART_PREFIXES)
        ]
        for mart in marts:
            target = lake.gold / f"{mart}.parquet"
            temporary = lake.gold / f".{mart}.parquet.tmp"
            # Identifiers come from the catalogue of our own database, never from user input.
            connection.execute(
                f"copy (select * from main.\"{mart}\") to '{temporary}' (format parquet, compression zstd)"
            )
            temporary.replace(target)
            exported[mart] = connection.execute(f'select count(*) from main."{mart}"').fetchone()[0]
    # The loads, quarantine, quality results and freshness of the sources: not dbt marts, but gold too.
    exported.update(export_quality_tables(lake))
    for stale in lake.gold.glob("*.parquet"):
        if stale.stem not in exported:
            stale.unlink()
    return exported


@asset(
    deps=[civiclake_dbt_models],
    group_name="gold",
    description="The marts (dim_, fct_, kpi_) exported to lake/gold as Parquet: what dashboards read; "
    "with them the data-quality tables (fct_source_loads, fct_quarantine_reasons, fct_quality_results, "
    "dim_source_freshness) built from the lake's audit, quarantine and quality files.",
    kinds={"parquet", "duckdb"},
)
def gold_marts(context: AssetExecutionContext, civiclake: CivicLakeResource) -> MaterializeResult:
    exported = export_gold(civiclake.lake)
    context.log.info(f"exported {len(exported)} marts to {civiclake.lake.gold}")
    return MaterializeResult(metadata={"marts": MetadataValue.json(exported), "count": len(exported)})
