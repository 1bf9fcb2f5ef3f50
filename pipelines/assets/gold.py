"""The gold export: every mart of the dbt project copied to lake/gold as one Parquet file, plus the
data-quality tables built from the lake's own accounts (pipelines/quality_export.py)."""

import shutil

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from pipelines.assets.transform import civiclake_dbt_models
from pipelines.gold_snapshots import publish_snapshot, start_snapshot
from pipelines.lake import Lake, duckdb_memory_limit
from pipelines.quality_export import export_quality_tables
from pipelines.resources import CivicLakeResource

MART_PREFIXES = ("dim_", "fct_", "kpi_")


# Sorted by what the dashboards filter on first (commune, then period or day), in row groups small enough
# that DuckDB skips the ones a filter excludes from their min/max statistics; the remaining columns make
# the order total, so the same marts always give the same files.
KPI_SORT = ("commune_id", "period_type", "period_start", "breakdown", "kpi_name")
ROW_GROUP_ROWS = 100_000


def _sort_order(mart: str, columns: list[str]) -> list[str]:
    """The columns to sort a mart's file by: its filter columns first, then every other column."""
    if mart.startswith("kpi_"):
        first = [column for column in KPI_SORT if column in columns]
    else:
        days = [column for column in columns if column.endswith("_date_local") or column == "calendar_date"]
        first = [column for column in ("commune_id", *days[:1]) if column in columns]
    return first + [column for column in columns if column not in first]


def export_gold(lake: Lake) -> dict[str, int]:
    """Copy each mart from the pipeline's DuckDB file to a new gold snapshot, then publish it whole.

    Readers see the previous gold until the last file of this one is on disk (pipelines/gold_snapshots.py);
    a crash at any moment leaves the previous gold in place and, at worst, a hidden unfinished folder.
    """
    staging = start_snapshot(lake)
    exported: dict[str, int] = {}
    try:
        # Read-only: dbt has finished writing; the dashboards never open this file, only the Parquet.
        # Sorting a mart spills beyond the memory limit instead of holding a long history in memory.
        settings = {"memory_limit": duckdb_memory_limit(), "preserve_insertion_order": False}
        with duckdb.connect(str(lake.duckdb_path), read_only=True, config=settings) as connection:
            marts = [
                name
                for (name,) in connection.execute(
                    "select table_name from information_schema.tables where table_schema = 'main' order by 1"
                ).fetchall()
                # dbt's intermediate relations (`<model>__dbt_tmp`, `__dbt_backup`) may outlive a killed run
                if name.startswith(MART_PREFIXES) and "__dbt_" not in name
            ]
            for mart in marts:
                # Identifiers come from the catalogue of our own database, never from user input.
                columns = [row[0] for row in connection.execute(f'describe main."{mart}"').fetchall()]
                order = ", ".join(f'"{column}"' for column in _sort_order(mart, columns))
                connection.execute(
                    f"copy (select * from main.\"{mart}\" order by {order}) to '{staging / f'{mart}.parquet'}' "
                    f"(format parquet, compression zstd, row_group_size {ROW_GROUP_ROWS})"
                )
                exported[mart] = connection.execute(f'select count(*) from main."{mart}"').fetchone()[0]
        # The loads, quarantine, quality results and freshness of the sources: not dbt marts, but gold too.
        exported.update(export_quality_tables(lake, target=staging))
        publish_snapshot(lake, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
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
