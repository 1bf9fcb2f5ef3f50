"""The sensor on the drop folders and the daily CRM schedule: what they launch, and when they do not."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from dagster import AssetKey, RunRequest, SkipReason, build_schedule_context, build_sensor_context

from pipelines.automation import daily_crm_pull, source_drop_sensor
from pipelines.definitions import build_definitions
from pipelines.resources import CivicLakeResource
from tests.test_dynamics_connector import _incident, _page


def _resource(config_file: Path, tmp_path: Path) -> CivicLakeResource:
    return CivicLakeResource(config_path=str(config_file), lake_dir=str(tmp_path / "lake"))


def test_a_new_file_in_a_drop_folder_launches_its_entity_and_what_depends_on_it(
    minimal_config_file: Path, tmp_path: Path
) -> None:
    crm = minimal_config_file.parent / "crm"
    _page(crm / "incidents", 1, [_incident("CAS-1")], last=True)
    resource = _resource(minimal_config_file, tmp_path)

    first = build_sensor_context(cursor=None, resources={"civiclake": resource})
    request = source_drop_sensor(first)
    assert isinstance(request, RunRequest)
    # Evaluated as Dagster does, against the code location: the request must fit the sensor's selection.
    definitions = build_definitions(minimal_config_file, tmp_path / "lake")
    tick = source_drop_sensor.evaluate_tick(
        build_sensor_context(cursor=None, resources={"civiclake": resource}, definitions=definitions)
    )
    assert [r.asset_selection for r in tick.run_requests] == [request.asset_selection]
    assert AssetKey(["bronze", "call"]) not in request.asset_selection  # only what changed is loaded
    assert AssetKey(["bronze", "request"]) in request.asset_selection
    assert AssetKey("kpi_adoption") in request.asset_selection and AssetKey("gold_marts") in request.asset_selection
    # A request source is partitioned by day: the run covers the whole history window of the configuration.
    assert request.tags["dagster/asset_partition_range_start"] == "2024-01-01"
    assert request.tags["dagster/asset_partition_range_end"] == date.today().isoformat()

    unchanged = build_sensor_context(cursor=first.cursor, resources={"civiclake": resource})
    assert isinstance(source_drop_sensor(unchanged), SkipReason)

    _page(crm / "incidents", 2, [_incident("CAS-2")], last=True)  # a new export page dropped
    again = build_sensor_context(cursor=first.cursor, resources={"civiclake": resource})
    second = source_drop_sensor(again)
    assert isinstance(second, RunRequest) and second.run_key != request.run_key
    assert set(json.loads(again.cursor)["request"]) == {str(p) for p in sorted((crm / "incidents").glob("*.json"))}

    shutil.rmtree(crm)  # the drop folder emptied: nothing to load, nothing launched
    empty = build_sensor_context(cursor=again.cursor, resources={"civiclake": resource})
    assert isinstance(source_drop_sensor(empty), SkipReason)


def test_the_daily_crm_pull_covers_the_history_up_to_the_day_it_runs(minimal_config_file: Path, tmp_path: Path) -> None:
    context = build_schedule_context(
        scheduled_execution_time=datetime(2025, 3, 4, 6, 0, tzinfo=UTC),
        resources={"civiclake": _resource(minimal_config_file, tmp_path)},
    )
    request = daily_crm_pull.evaluate_tick(context).run_requests[0]
    assert request.run_key == "crm-2025-03-04"
    assert request.tags["dagster/asset_partition_range_end"] == "2025-03-04"
    assert daily_crm_pull.cron_schedule == "0 6 * * *"
    assert daily_crm_pull.execution_timezone == "Europe/Brussels"


def test_drops_in_several_sources_launch_one_run_that_loads_them_all(minimal_config_file: Path, tmp_path: Path) -> None:
    _page(minimal_config_file.parent / "crm" / "incidents", 1, [_incident("CAS-1")], last=True)
    logins = minimal_config_file.parent / "portal" / "logins.jsonl"
    logins.parent.mkdir()
    logins.write_text('{"timestamp": "2024-03-01T08:00:00Z", "national_register_number": "85073003328", '
                      '"method": "itsme", "success": true}\n', encoding="utf-8")  # fmt: skip
    portal_source = {"id": "portal", "commune": "brussels", "entity": "portal_login", "kind": "portal_log",
                     "format": "jsonl", "location": "portal/logins.jsonl"}  # fmt: skip
    document = yaml.safe_load(minimal_config_file.read_text(encoding="utf-8"))
    document["sources"].append(portal_source)
    minimal_config_file.write_text(yaml.safe_dump(document), encoding="utf-8")

    request = source_drop_sensor(
        build_sensor_context(cursor=None, resources={"civiclake": _resource(minimal_config_file, tmp_path)})
    )
    # One run, so that the dbt models (one DuckDB file) never run twice side by side.
    assert isinstance(request, RunRequest)
    assert {AssetKey(["bronze", "request"]), AssetKey(["bronze", "portal_login"])} <= set(request.asset_selection)
    assert request.asset_selection.count(AssetKey("kpi_adoption")) == 1
