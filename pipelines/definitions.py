"""The Dagster code location of civiclake (loaded by workspace.yaml and by `civiclake run`)."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import (
    Definitions,
    ExecutorDefinition,
    in_process_executor,
    load_assets_from_modules,
    multiprocess_executor,
)
from dagster_dbt import DbtCliResource

from pipelines import automation
from pipelines.assets import bronze, gold, opendata, reference_tables, transform
from pipelines.config import CONFIG_ENV_VAR
from pipelines.lake import LAKE_ENV_VAR
from pipelines.resources import CivicLakeResource

ASSET_MODULES = [reference_tables, transform, gold, opendata]

# How a run launched by `dagster dev` (the sensor, the schedule, the UI) executes its steps. In one process
# by default, as `civiclake run` does: a step process of its own would import the code location again (the
# dbt manifest included) for every bronze asset, which costs more than the steps themselves here.
EXECUTOR_ENV_VAR = "CIVICLAKE_DAGSTER_EXECUTOR"
EXECUTORS: dict[str, ExecutorDefinition] = {"in_process": in_process_executor, "multiprocess": multiprocess_executor}


def _executor() -> ExecutorDefinition:
    name = os.environ.get(EXECUTOR_ENV_VAR, "in_process")
    if name not in EXECUTORS:
        raise ValueError(f"{EXECUTOR_ENV_VAR}: {name!r} is not one of {', '.join(EXECUTORS)}")
    return EXECUTORS[name]


def build_definitions(config_path: str | Path, lake_dir: str | Path) -> Definitions:
    """Definitions bound to one configuration file and one lake folder."""
    return Definitions(
        assets=[*load_assets_from_modules(ASSET_MODULES), *bronze.BRONZE_ASSETS],
        sensors=[automation.source_drop_sensor],
        schedules=[automation.daily_crm_pull],
        executor=_executor(),
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
