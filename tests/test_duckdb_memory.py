"""DuckDB's memory ceiling (CIVICLAKE_DUCKDB_MEMORY_LIMIT) reaches dbt and the gold export, and a pipeline
run builds the models with their data tests but leaves the unit tests to `make test`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.assets import gold
from pipelines.assets.transform import dbt_build_arguments, ensure_manifest
from pipelines.lake import Lake, duckdb_memory_limit
from tests.test_dbt_models import _output, run_dbt


def _as_duckdb_reports(limit: str) -> str:
    """How DuckDB itself shows a memory_limit once set (e.g. '300MB' -> '286.1 MiB')."""
    with duckdb.connect(config={"memory_limit": limit}) as connection:
        return connection.execute("select current_setting('memory_limit')").fetchall()[0][0]


def test_dbt_sessions_take_the_memory_limit_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVICLAKE_DUCKDB_MEMORY_LIMIT", "300MB")
    query = "select current_setting('memory_limit') as memory_limit"
    result = run_dbt(["show", "--inline", query, "--output", "json"], tmp_path / "lake", tmp_path)
    assert result.returncode == 0, _output(result)
    assert f'"memory_limit": "{_as_duckdb_reports("300MB")}"' in result.stdout, _output(result)


def test_the_pipeline_default_is_4_gib_or_half_of_a_small_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIVICLAKE_DUCKDB_MEMORY_LIMIT", raising=False)
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    total_mib = int(meminfo["MemTotal"].split()[0]) // 1024  # kB
    assert _as_duckdb_reports(duckdb_memory_limit()) == _as_duckdb_reports(f"{min(4096, total_mib // 2)}MiB")
    monkeypatch.setenv("CIVICLAKE_DUCKDB_MEMORY_LIMIT", "750MB")
    assert duckdb_memory_limit() == "750MB"


def test_the_gold_export_connects_with_the_memory_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = Lake(tmp_path / "lake")
    lake.root.mkdir()
    with duckdb.connect(str(lake.duckdb_path)) as connection:
        connection.execute("create table kpi_example as select 'brussels' as commune_id, 1 as value")
    monkeypatch.setenv("CIVICLAKE_DUCKDB_MEMORY_LIMIT", "300MB")
    seen: list[str] = []
    connect = duckdb.connect

    def watching_connect(*args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        connection = connect(*args, **kwargs)
        if kwargs.get("read_only"):
            seen.append(connection.execute("select current_setting('memory_limit')").fetchall()[0][0])
        return connection

    monkeypatch.setattr(gold.duckdb, "connect", watching_connect)
    exported = gold.export_gold(lake)
    assert exported["kpi_example"] == 1
    assert seen == [_as_duckdb_reports("300MB")]


def test_a_pipeline_build_selects_the_data_tests_and_no_unit_test(tmp_path: Path) -> None:
    arguments = dbt_build_arguments({"window_start": "2024-01-01", "window_end": "2024-01-31"})
    assert arguments[0] == "build"
    # `dbt ls` with the same selection lists what the build would run; the manifest lists every unit test.
    listed = run_dbt(["ls", *arguments[1:], "--output", "name", "--quiet"], tmp_path / "lake", tmp_path)
    assert listed.returncode == 0, _output(listed)
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    unit_tests = {node["name"] for node in manifest["unit_tests"].values()}
    names = set(listed.stdout.split())
    assert len(unit_tests) >= 5 and not names & unit_tests
    assert {"fct_requests", "kpi_adoption"} <= names
    assert any(name.startswith("unique_fct_requests") for name in names)  # data tests are kept
