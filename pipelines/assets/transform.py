"""The dbt project as Dagster assets: staging, intermediate and marts, with their dbt tests."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.resources import CivicLakeResource

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt next to this interpreter: the CLI may run without the virtualenv's bin on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than a model: Dagster needs it."""
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
    return {"CIVICLAKE_LAKE": str(lake.root), "CIVICLAKE_DUCKDB": str(lake.duckdb_path)}


@dbt_assets(manifest=ensure_manifest(), project=dbt_project)
def civiclake_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, civiclake: CivicLakeResource
) -> Iterator[Any]:
    # dbt runs as a subprocess that inherits this environment: that is how it finds the lake.
    os.environ.update(dbt_environment(civiclake))
    civiclake.lake.root.mkdir(parents=True, exist_ok=True)
    yield from dbt.cli(["build"], context=context).stream()
