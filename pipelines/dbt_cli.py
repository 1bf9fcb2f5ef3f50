"""The dbt command line of the project, run in a subprocess against one lake.

dbt keeps global state in its process, so every run outside Dagster (the benchmark, the tests) starts
its own; Dagster's dbt resource uses the same executable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt"


def dbt_executable() -> str:
    """The dbt beside this interpreter (the CLI may run without the virtualenv's bin on PATH), else on PATH."""
    beside_python = Path(sys.executable).with_name("dbt")
    found = str(beside_python) if beside_python.exists() else shutil.which("dbt")
    if found is None:
        raise FileNotFoundError("the dbt executable is neither beside the Python interpreter nor on PATH")
    return found


def run_dbt(command: list[str], lake_root: Path, work: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`dbt <command>` on the lake at `lake_root`, with its DuckDB file, target and logs in `work`."""
    env = {
        **os.environ,
        "CIVICLAKE_LAKE": str(lake_root),
        "CIVICLAKE_DUCKDB": str(work / "civiclake.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    arguments = [
        dbt_executable(),
        *command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    return subprocess.run(arguments, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout)
