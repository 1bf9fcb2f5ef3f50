"""A broken critical expectation on a bronze table stops what depends on it; a warning does not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from dagster import AssetKey, DagsterInstance, asset, materialize

from connectors.schemas import ENTITY_SCHEMAS
from pipelines.assets import bronze
from pipelines.bronze_load import EntityLoad, SourceLoad
from pipelines.resources import CivicLakeResource

RANGE = {"dagster/asset_partition_range_start": "2024-03-01", "dagster/asset_partition_range_end": "2024-03-02"}


def _requests(channel: str, closed_at: datetime | None) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "commune_id": ["brussels"],
            "request_id": ["R1"],
            "service_code": ["POP-EID"],
            "channel": [channel],
            "created_at": [datetime(2024, 3, 1, 9, tzinfo=UTC)],
            "closed_at": [closed_at],
            "status": ["closed"],
            "citizen_key": [None],
            "source_system": ["test"],
        }
    )
    return pl.from_arrow(frame.to_arrow().cast(ENTITY_SCHEMAS["request"]))


@asset(deps=[AssetKey(["bronze", "request"])])
def downstream_of_requests() -> int:
    return 1


@pytest.mark.parametrize(
    ("rows", "critical_passes"),
    [
        (_requests("fax", None), False),  # a channel outside the vocabulary: critical
        (_requests("portal", datetime(2024, 2, 1, tzinfo=UTC)), True),  # closed before created: a warning
    ],
)
def test_a_critical_failure_blocks_downstream_and_a_warning_does_not(
    rows: pl.DataFrame,
    critical_passes: bool,
    minimal_config_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fake_load(config, lake, entity, window, log, **options):  # noqa: ANN001, ANN003, ANN202 (the loader's)
        return EntityLoad(entity, [SourceLoad("crm", rows_read=1, rows_loaded=1)], loaded_rows=rows)

    monkeypatch.setattr(bronze, "load_entity", fake_load)
    result = materialize(
        [bronze.build_bronze_asset("request"), downstream_of_requests],
        resources={"civiclake": CivicLakeResource(config_path=str(minimal_config_file), lake_dir=str(tmp_path))},
        instance=DagsterInstance.ephemeral(),
        tags=RANGE,
        raise_on_error=False,
    )
    checks = {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}
    assert checks["rows_balance"] is True
    assert checks["quality_critical"] is critical_passes
    assert checks["quality_warnings"] is not critical_passes
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert (AssetKey("downstream_of_requests") in materialized) is critical_passes
    assert result.success is critical_passes
    assert list((tmp_path / "quality" / "request").glob("*.json"))  # the result is kept either way
