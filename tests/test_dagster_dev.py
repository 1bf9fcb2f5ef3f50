"""The real orchestrator: `dagster dev` over workspace.yaml, driven through its GraphQL API on 127.0.0.1.

A file dropped into a source folder makes the sensor launch a run that succeeds; the daily CRM pull is
scheduled; a run that failed on a broken export is re-executed from the failure once the export is
fixed, and the re-execution runs only what had not succeeded. Everything runs in a temporary
DAGSTER_HOME over a tiny configuration and lake; the process group is killed at the end, even on failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import MINIMAL_CONFIG, PROJECT_ROOT
from tests.test_dynamics_connector import _incident, _page

LOCATION = "pipelines.definitions"  # the code location workspace.yaml loads
REPOSITORY = "__repository__"  # the repository Dagster makes of a Definitions object
# Generous bounds on waiting (two cores shared with other work): never a measure of speed.
STARTUP_DEADLINE_S = 300
RUN_DEADLINE_S = 900
DONE = {"SUCCESS", "FAILURE", "CANCELED"}
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: never through a proxy

WORKSPACE_QUERY = "{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError { __typename } } } } }"
RUNS_QUERY = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId status parentRunId rootRunId tags { key value } stepStats { stepKey status } } }
    ... on PythonError { message }
  }
}
"""


@dataclass
class DagsterDev:
    url: str
    config: Path
    lake: Path
    log: Path

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with DIRECT.open(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert "errors" not in answer, answer["errors"]
        return answer["data"]

    def runs(self, **tags: str) -> list[dict[str, Any]]:
        filter_ = {"tags": [{"key": key, "value": value} for key, value in tags.items()]}
        result = self.graphql(RUNS_QUERY, {"filter": filter_})["runsOrError"]
        assert result["__typename"] == "Runs", result
        return result["results"]  # newest first

    def wait_for_run(self, find, what: str) -> dict[str, Any]:
        """The first run `find` picks among all runs, once it is finished."""
        deadline = time.monotonic() + RUN_DEADLINE_S
        while time.monotonic() < deadline:
            run = find(self.runs())
            if run is not None and run["status"] in DONE:
                return run
            time.sleep(1)
        pytest.fail(f"no finished run ({what}) within {RUN_DEADLINE_S} s; dagster dev log: {self.log_tail()}")

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group (webserver, daemon, code server, run workers), then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; children of the group may linger a moment: make sure none survives.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return


@pytest.fixture
def dagster_dev(tmp_path: Path) -> Iterator[DagsterDev]:
    home, sources, lake = tmp_path / "dagster_home", tmp_path / "sources", tmp_path / "lake"
    home.mkdir()
    sources.mkdir()
    # The project's instance settings (one run at a time, no telemetry), in a home of the test's own.
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    document = yaml.safe_load(MINIMAL_CONFIG)
    # A short history: the sensor's runs cover it day by day (one partition per day).
    document["history"]["start"] = (date.today() - timedelta(days=20)).isoformat()
    document["sources"].append(
        {"id": "portal", "commune": "brussels", "entity": "portal_login", "kind": "portal_log",
         "format": "jsonl", "location": "portal/logins.jsonl"}
    )  # fmt: skip
    config = sources / "civiclake.yaml"
    config.write_text(yaml.safe_dump(document), encoding="utf-8")

    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CIVICLAKE_CONFIG": str(config),
        "CIVICLAKE_LAKE": str(lake),
        "CIVICLAKE_SENSOR_INTERVAL_SECONDS": "2",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    dagster = Path(sys.executable).parent / "dagster"
    log = tmp_path / "dagster-dev.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = DagsterDev(f"http://127.0.0.1:{port}/graphql", config, lake, log)
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while True:
            assert process.poll() is None, f"dagster dev exited: {server.log_tail()}"
            try:
                status = server.graphql(WORKSPACE_QUERY)
                entries = status["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation":
                    break
                assert not entries or entries[0]["locationOrLoadError"]["__typename"] != "PythonError", status
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, f"dagster dev did not answer: {server.log_tail()}"
            time.sleep(1)
        yield server
    finally:
        _stop(process)


def _selector(kind: str, name: str) -> dict[str, str]:
    return {"repositoryName": REPOSITORY, "repositoryLocationName": LOCATION, f"{kind}Name": name}


def _drop(path: Path, text: str) -> None:
    """Write beside under a hidden name (the sensor ignores those), then rename into the drop folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    hidden = path.with_name(f".{path.name}")
    hidden.write_text(text, encoding="utf-8")
    hidden.rename(path)


def _crm_page(config: Path, number: int, ticket: str, day: date, last: bool) -> str:
    """An export page of the CRM (as tests/test_dynamics_connector.py writes them) holding one incident."""
    created = f"{day.isoformat()}T09:00:00Z"
    folder = config.parent.parent / "scratch"  # not a drop folder: the sensor never sees it
    _page(folder, number, [_incident(ticket, createdon=created, modifiedon=created)], last)
    page = folder / f"page-{number:05d}.json"
    text = page.read_text(encoding="utf-8")
    page.unlink()
    return text


def _steps(run: dict[str, Any]) -> dict[str, str]:
    return {step["stepKey"]: step["status"] for step in run["stepStats"]}


def _bronze_ids(lake: Path, entity: str, column: str) -> set[str]:
    files = (lake / "bronze" / entity).rglob("*.parquet")
    return {value for path in files for value in pq.read_table(path, columns=[column]).column(column).to_pylist()}


def test_dagster_dev_runs_the_sensor_the_schedule_and_a_reexecution_from_failure(dagster_dev: DagsterDev) -> None:
    server, yesterday = dagster_dev, date.today() - timedelta(days=1)

    # The schedule of the daily CRM pull is there and running.
    schedule = server.graphql(
        "query S($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) { __typename "
        "... on Schedule { cronSchedule executionTimezone scheduleState { status } "
        "assetSelection { assetKeys { path } } } } }",
        {"s": _selector("schedule", "daily_crm_pull")},
    )["scheduleOrError"]
    assert schedule["__typename"] == "Schedule", schedule
    assert (schedule["cronSchedule"], schedule["executionTimezone"]) == ("0 6 * * *", "Europe/Brussels")
    assert schedule["scheduleState"]["status"] == "RUNNING"
    assert ["bronze", "request"] in [key["path"] for key in schedule["assetSelection"]["assetKeys"]]

    sensor = server.graphql(
        "query S($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { __typename "
        "... on Sensor { jobOriginId minIntervalSeconds sensorState { status selectorId } } } }",
        {"s": _selector("sensor", "source_drop_sensor")},
    )["sensorOrError"]
    assert sensor["sensorState"]["status"] == "RUNNING" and sensor["minIntervalSeconds"] == 2

    # 1. A CRM export dropped into its folder: the sensor launches its load and everything downstream.
    incidents = server.config.parent / "crm" / "incidents"
    _drop(incidents / "page-00001.json", _crm_page(server.config, 1, "CAS-1", yesterday, last=True))

    def first_sensor_run(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
        launched = [run for run in runs if {"key": "dagster/sensor_name", "value": "source_drop_sensor"} in run["tags"]]
        return launched[-1] if launched else None

    first = server.wait_for_run(first_sensor_run, "the sensor's run for the CRM drop")
    assert first["status"] == "SUCCESS", server.log_tail()
    assert set(_steps(first).values()) == {"SUCCESS"}
    assert _bronze_ids(server.lake, "request", "request_id") == {"CAS-1"}
    assert (server.lake / "gold" / "kpi_adoption.parquet").exists()

    # 2. A new CRM export whose second page is cut short, and a portal log, dropped together: one run,
    # in which the portal loads and the CRM load fails on the broken page.
    login = {"timestamp": f"{yesterday.isoformat()}T08:00:00Z", "national_register_number": "85073003328",
             "method": "itsme", "success": True}  # fmt: skip
    _drop(server.config.parent / "portal" / "logins.jsonl", json.dumps(login) + "\n")
    _drop(incidents / "page-00001.json", _crm_page(server.config, 1, "CAS-1", yesterday, last=False))
    _drop(incidents / "page-00002.json", '{"value": [ {"incidentid": ')

    def failed_run(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
        return next((run for run in runs if run["runId"] != first["runId"] and not run["parentRunId"]), None)

    failed = server.wait_for_run(failed_run, "the sensor's run for the broken drop")
    assert failed["status"] == "FAILURE"
    failed_steps = _steps(failed)
    portal_step = next(key for key in failed_steps if "portal_login" in key)
    crm_step = next(key for key in failed_steps if "request" in key and "bronze" in key)
    assert failed_steps[portal_step] == "SUCCESS" and failed_steps[crm_step] == "FAILURE", failed_steps
    assert _bronze_ids(server.lake, "request", "request_id") == {"CAS-1"}  # nothing half-loaded

    # 3. Stop the sensor (the fix must not launch a run of its own), fix the export, re-execute from failure.
    stopped = server.graphql(
        "mutation Stop($origin: String, $selector: String) { stopSensor(jobOriginId: $origin, jobSelectorId: $selector)"
        " { __typename ... on StopSensorMutationResult { instigationState { status } } } }",
        {"origin": sensor["jobOriginId"], "selector": sensor["sensorState"]["selectorId"]},
    )["stopSensor"]
    assert stopped["instigationState"]["status"] == "STOPPED", stopped
    _drop(incidents / "page-00002.json", _crm_page(server.config, 2, "CAS-2", yesterday, last=True))
    launched = server.graphql(
        "mutation Re($p: ReexecutionParams) { launchRunReexecution(reexecutionParams: $p) { __typename "
        "... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }",
        {"p": {"parentRunId": failed["runId"], "strategy": "FROM_FAILURE"}},
    )["launchRunReexecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    child_id = launched["run"]["runId"]

    child = server.wait_for_run(lambda runs: next((r for r in runs if r["runId"] == child_id), None), "re-execution")
    assert child["status"] == "SUCCESS", server.log_tail()
    assert child["parentRunId"] == failed["runId"]
    child_steps = _steps(child)
    # Only what had not succeeded ran again: the CRM load and what depends on it, not the portal load
    # (nor the reference tables).
    succeeded_before = {key for key, status in failed_steps.items() if status == "SUCCESS"}
    assert portal_step in succeeded_before and not succeeded_before & set(child_steps), child_steps
    assert {crm_step, "civiclake_dbt_models", "gold_marts"} <= set(child_steps)
    assert set(child_steps.values()) == {"SUCCESS"}
    assert _bronze_ids(server.lake, "request", "request_id") == {"CAS-1", "CAS-2"}
    assert _bronze_ids(server.lake, "portal_login", "method") == {"itsme"}
