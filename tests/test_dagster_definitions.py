"""The Dagster code location loads, through workspace.yaml too, with the assets in lineage order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from pipelines.definitions import build_definitions
from tests.conftest import PROJECT_ROOT


def test_definitions_hold_every_asset_and_their_lineage(minimal_config_file: Path, tmp_path: Path) -> None:
    graph = build_definitions(minimal_config_file, tmp_path / "lake").resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "bronze/request", "bronze/commune", "bronze/office_hours", "bronze/holiday", "bronze/target",
        "stg_bronze__requests", "int_requests__office_hours", "fct_requests", "kpi_adoption", "dim_commune",
        "gold_marts",
    } <= keys  # fmt: skip
    # kpi_adoption is computed from bronze requests and the office-hours calendar, and exported to gold.
    assert AssetKey("int_requests__kpis") in graph.get(AssetKey("kpi_adoption")).parent_keys
    assert AssetKey("fct_requests") in graph.get(AssetKey("int_requests__kpis")).parent_keys
    assert AssetKey("stg_bronze__requests") in graph.get(AssetKey("int_requests__office_hours")).parent_keys
    assert AssetKey(["bronze", "request"]) in graph.get(AssetKey("stg_bronze__requests")).parent_keys
    assert AssetKey(["bronze", "holiday"]) in graph.get(AssetKey("stg_bronze__holidays")).parent_keys
    assert AssetKey("kpi_adoption") in graph.get(AssetKey("gold_marts")).parent_keys
    assert graph.get(AssetKey(["bronze", "request"])).check_keys  # the rows_balance check


def test_workspace_yaml_loads_the_code_location(minimal_config_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "CIVICLAKE_CONFIG": str(minimal_config_file), "CIVICLAKE_LAKE": str(tmp_path / "lake")}
    dagster = Path(sys.executable).parent / "dagster"
    completed = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Validation successful for code location pipelines.definitions" in output
