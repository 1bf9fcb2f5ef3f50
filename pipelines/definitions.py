"""The Dagster code location of civiclake (loaded by workspace.yaml and by `civiclake run`)."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import Definitions, load_assets_from_modules
from dagster_dbt import DbtCliResource

from pipelines import automation
from pipelines.assets import bronze, gold, opendata, reference_tables, transform
from pipelines.config import CONFIG_ENV_VAR
from pipelines.lake import LAKE_ENV_VAR
from pipelines.resources import CivicLakeResource

ASSET_MODULES = [reference_tables, transform, gold, opendata]


def build_definitions(config_path: str | Path, lake_dir: str | Path) -> Definitions:
    """Definitions bound to one configuration file and one lake folder."""
    return Definitions(
        assets=[*load_assets_from_modules(ASSET_MODULES), *bronze.BRONZE_ASSETS],
        sensors=[automation.source_drop_sensor],
        schedules=[automation.daily_crm_pull],
        resources={
            "civiclake": CivicLakeResource(config_path=str(config_path), lake_dir=str(lake_dir)),
            "dbt": DbtCliResource(project_dir=transform.dbt_project, dbt_executable=transform.dbt_executable()),
        },
    )


# `dagster dev` reads the configuration and the lake from the environment (the Makefile sets them).
defs = build_definitions(
    os.environ.get(CONFIG_ENV_VAR, "demo-sources/civiclake.yaml"),
    os.environ.get(LAKE_ENV_VAR, "lake"),
)
