"""The reference tables (communes, office hours, holidays, targets), written from the configuration."""

from collections.abc import Iterator

import pyarrow.parquet as pq
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipelines.lake import atomic_write_parquet
from pipelines.reference import REFERENCE_TABLES
from pipelines.resources import CivicLakeResource

REFERENCE_SPECS = [
    AssetSpec(
        AssetKey(["bronze", name]),
        group_name="reference",
        description=f"The communes' {name.replace('_', ' ')} table, built from the configuration file.",
        kinds={"parquet"},
    )
    for name in REFERENCE_TABLES
]


@multi_asset(specs=REFERENCE_SPECS, name="reference_tables")
def reference_tables(context: AssetExecutionContext, civiclake: CivicLakeResource) -> Iterator[MaterializeResult]:
    config = civiclake.load_config()
    lake = civiclake.lake
    for name, build in REFERENCE_TABLES.items():
        table = build(config)
        path = lake.reference_table(name)
        # Rewrite only what the configuration changed: a re-run leaves the lake untouched.
        changed = not path.exists() or not pq.read_table(path).equals(table)
        if changed:
            atomic_write_parquet(table, path)
        context.log.info(f"{name}: {table.num_rows} rows -> {path} ({'written' if changed else 'unchanged'})")
        yield MaterializeResult(
            asset_key=AssetKey(["bronze", name]),
            metadata={"rows": table.num_rows, "path": str(path), "changed": changed},
        )
