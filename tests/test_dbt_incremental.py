"""Incremental facts: a window of local days rebuilds those days only; without one, new loads merge.

The behaviour of dbt/macros/incremental.sql on fct_requests, step by step on a small hand-made lake
(the fixture writer of tests/test_dbt_models.py), and the way the Dagster runs hand their window of
days to dbt (pipelines/assets/transform.py window_vars, pipelines/runner.py stages).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.assets.transform import window_vars
from pipelines.runner import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, WINDOW_END_TAG, WINDOW_START_TAG
from pipelines.runner import _stages as pipeline_stages
from tests.test_dbt_models import LOAD_2, Req, _output, run_dbt, utc, write_bronze_lake

# Brussels is UTC+2 in spring: every request below is on the local day of its UTC date.
B1 = Req("brussels", "b1", "portal", utc(2024, 4, 29, 8, 0))
B2 = Req("brussels", "b2", "phone", utc(2024, 4, 30, 8, 0))
B3 = Req("brussels", "b3", "counter", utc(2024, 5, 2, 8, 0))
B4 = Req("brussels", "b4", "email", utc(2024, 5, 3, 8, 0), ingested_at=LOAD_2, batch_id="batch-2")
B3_RECODED = Req("brussels", "b3", "post", utc(2024, 5, 2, 8, 0))  # same load time, other channel


def _fct(work: Path) -> dict[str, str]:
    with duckdb.connect(str(work / "civiclake.duckdb"), read_only=True) as connection:
        return dict(connection.execute("select request_id, channel from main.fct_requests").fetchall())


def _day_folder(lake: Path, day: str) -> Path:
    return lake / "bronze" / "request" / "commune=brussels" / f"date={day}"


def _build(lake: Path, work: Path, *extra: str) -> None:
    result = run_dbt(["run", "--select", "+fct_requests", *extra], lake, work)
    assert result.returncode == 0, _output(result)


def test_windows_rebuild_their_days_and_plain_runs_merge_new_loads(tmp_path: Path) -> None:
    lake, work = tmp_path / "lake", tmp_path / "work"
    work.mkdir()
    write_bronze_lake(lake, [B1, B2, B3])
    _build(lake, work)
    assert _fct(work) == {"b1": "portal", "b2": "phone", "b3": "counter"}

    # A new day arrives (a later load), and the source drops b1 (its day's file is gone) and recodes b3
    # without a new load time. A plain run merges what was loaded after the newest load it holds: b4.
    shutil.rmtree(lake / "bronze" / "request")
    write_bronze_lake(lake, [B2, B3_RECODED, B4])
    _build(lake, work)
    assert _fct(work) == {"b1": "portal", "b2": "phone", "b3": "counter", "b4": "email"}

    # A window of one day rebuilds that day only: b1 goes, b3 (another day) keeps its old channel.
    _build(lake, work, "--vars", json.dumps({"window_start": "2024-04-29", "window_end": "2024-04-29"}))
    assert _fct(work) == {"b2": "phone", "b3": "counter", "b4": "email"}

    # A window over b3's day picks up its new channel.
    _build(lake, work, "--vars", json.dumps({"window_start": "2024-05-01", "window_end": "2024-05-02"}))
    assert _fct(work) == {"b2": "phone", "b3": "post", "b4": "email"}

    # A full refresh equals the source again.
    _build(lake, work, "--full-refresh")
    assert _fct(work) == {"b2": "phone", "b3": "post", "b4": "email"}


def test_a_window_needs_both_ends(tmp_path: Path) -> None:
    lake, work = tmp_path / "lake", tmp_path / "work"
    work.mkdir()
    write_bronze_lake(lake, [B1])
    _build(lake, work)
    result = run_dbt(
        ["run", "--select", "fct_requests", "--vars", json.dumps({"window_start": "2024-04-29"})], lake, work
    )
    assert result.returncode != 0
    assert "window_start and window_end go together" in result.stdout


def test_run_tags_become_dbt_vars() -> None:
    assert window_vars({}) == {}
    assert window_vars({WINDOW_START_TAG: "2024-01-01", WINDOW_END_TAG: "2024-01-31"}) == {
        "window_start": "2024-01-01",
        "window_end": "2024-01-31",
    }
    # a run of bronze and dbt together (the sensor's) carries Dagster's partition range
    assert window_vars({PARTITION_RANGE_START_TAG: "2024-02-01", PARTITION_RANGE_END_TAG: "2024-02-02"}) == {
        "window_start": "2024-02-01",
        "window_end": "2024-02-02",
    }
    # half a window is no window
    assert window_vars({WINDOW_START_TAG: "2024-01-01"}) == {}


@pytest.mark.parametrize("first, last", [(date(2024, 3, 1), date(2024, 3, 31)), (date(2020, 1, 1), date(2026, 12, 1))])
def test_the_pipeline_gives_dbt_the_window_of_its_bronze_stage(first: date, last: date) -> None:
    stages = {name.split(",")[0]: tags for name, _selection, tags in pipeline_stages(first, last)}
    assert stages["dbt models and tests"] == {WINDOW_START_TAG: first.isoformat(), WINDOW_END_TAG: last.isoformat()}
    assert stages["bronze"][PARTITION_RANGE_START_TAG] == first.isoformat()
