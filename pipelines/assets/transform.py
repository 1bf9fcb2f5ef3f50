"""The dbt project as Dagster assets: staging, intermediate and marts, with their dbt tests."""

import fcntl
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.dbt_cli import DBT_PROJECT_DIR, dbt_executable
from pipelines.lake import DUCKDB_MEMORY_LIMIT_ENV_VAR, duckdb_memory_limit
from pipelines.resources import CivicLakeResource
from pipelines.runner import (
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    WINDOW_END_TAG,
    WINDOW_START_TAG,
)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than a model: Dagster needs it.

    Processes that import the code location at the same time (test workers, a step per process) parse
    one after the other: two dbt parses writing one target folder would corrupt it.
    """
    lock_path = DBT_PROJECT_DIR / "target" / ".parse.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _parse_if_stale()


def _parse_if_stale() -> Path:
    manifest = dbt_project.manifest_path
    sources = [p for p in DBT_PROJECT_DIR.rglob("*") if p.suffix in {".sql", ".yml", ".yaml"}]
    sources = [p for p in sources if "target" not in p.relative_to(DBT_PROJECT_DIR).parts]
    newest = max((p.stat().st_mtime for p in sources), default=0.0)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        completed = subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--quiet",
            ],
            cwd=DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{completed.stdout}\n{completed.stderr}")
    return manifest


def dbt_environment(civiclake: CivicLakeResource) -> dict[str, str]:
    lake = civiclake.lake
    return {
        "CIVICLAKE_LAKE": str(lake.root),
        "CIVICLAKE_DUCKDB": str(lake.duckdb_path),
        DUCKDB_MEMORY_LIMIT_ENV_VAR: duckdb_memory_limit(),
    }


def window_vars(run_tags: Mapping[str, str]) -> dict[str, str]:
    """The run's window of local days as dbt vars (window_start, window_end), or {} when it has none.

    A run of the pipeline carries its window in civiclake/window_* tags; a run that also holds the daily
    bronze assets (the sensor's, the schedule's) in Dagster's partition range tags. The incremental facts
    rebuild those days only (dbt/macros/incremental.sql); without a window they merge the new loads.
    """
    for start_tag, end_tag in (
        (WINDOW_START_TAG, WINDOW_END_TAG),
        (PARTITION_RANGE_START_TAG, PARTITION_RANGE_END_TAG),
    ):
        if start_tag in run_tags and end_tag in run_tags:
            return {"window_start": run_tags[start_tag], "window_end": run_tags[end_tag]}
    return {}


def dbt_build_arguments(dbt_vars: Mapping[str, str]) -> list[str]:
    """The `dbt build` of a pipeline run: models and their data tests, with the run's window as vars."""
    # Unit tests check the models' SQL on fixed inputs: they run in `make test` (tests/test_dbt_*.py), not
    # on every production run, as dbt advises; the data tests run on every build.
    arguments = ["build", "--exclude-resource-type", "unit_test"]
    return [*arguments, "--vars", json.dumps(dict(dbt_vars))] if dbt_vars else arguments


@dbt_assets(manifest=ensure_manifest(), project=dbt_project)
def civiclake_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, civiclake: CivicLakeResource
) -> Iterator[Any]:
    # dbt runs as a subprocess that inherits this environment: that is how it finds the lake.
    os.environ.update(dbt_environment(civiclake))
    civiclake.lake.root.mkdir(parents=True, exist_ok=True)
    dbt_vars = window_vars(context.run.tags)
    arguments = dbt_build_arguments(dbt_vars)
    if dbt_vars:
        context.log.info(f"dbt window of local days: {dbt_vars['window_start']} to {dbt_vars['window_end']}")
    yield from dbt.cli(arguments, context=context).stream()
