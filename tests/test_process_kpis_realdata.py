"""The processing models on two real public event logs, cross-checked with pm4py.

The logs of ../shared/realdata (CoSeLoG receipt phase, 1,434 cases; road-traffic fines, 100 cases)
are read by the project's event-log connector (connectors/event_log.py), written to a temporary
bronze lake (pipelines/lake.py) beside the reference tables of a minimal configuration, and the
processing models are built with dbt. Then:
- each case's duration (last event - first event) equals pm4py's case duration;
- each directly-follows pair's count and total wait equal pm4py's frequency and performance DFGs;
- the figures of ../shared/realdata/README.md, computed independently: CoSeLoG median case duration
  0.03 days, mean 5.41, p90 14.1 (inclusive method); the largest total wait T05 -> T06, 791 times,
  2,422 days; road fines median 253 days.

pm4py (AGPL) is used here only, as an independent reference; the project never imports it.
The README's trap (`case:startdate` is a placeholder, not a submission time) does not apply: cases
start at their first event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from connectors.event_log import read_event_log
from connectors.pseudonymise import Pseudonymiser
from pipelines.bronze_write import write_bronze
from pipelines.config import CivicConfig
from pipelines.lake import Lake
from pipelines.reference import REFERENCE_TABLES
from tests.conftest import MINIMAL_CONFIG, REALDATA
from tests.test_dbt_models import run_dbt

pm4py = pytest.importorskip("pm4py")

COSELOG = REALDATA / "receipt_coselog_wabo.csv"
FINES = REALDATA / "road_traffic_fines_100traces.csv"
LOGS = {"WABO": COSELOG, "FINES": FINES}
NOW = datetime(2025, 1, 10, tzinfo=UTC)
DAY = 86400.0

pytestmark = pytest.mark.skipif(not COSELOG.exists() or not FINES.exists(), reason="../shared/realdata is missing")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("process_realdata")
    lake, work = Lake(root / "lake"), root / "work"
    config = CivicConfig.model_validate(yaml.safe_load(MINIMAL_CONFIG))
    for name, build_table in REFERENCE_TABLES.items():
        path = lake.reference_table(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(build_table(config), path)
    pseudonymiser = Pseudonymiser(b"test-key-0123456789abcdef")
    for process, path in LOGS.items():
        result = read_event_log(
            path, "brussels", f"{process.lower()}-log", pseudonymiser, {"process_code": process}, now=NOW
        )
        assert result.rejected.height == 0
        write_bronze(
            lake, "case_event", result.rows, {"brussels": "Europe/Brussels"}, f"event_log:{path.name}", process
        )
    work.mkdir()
    selection = ["+fct_cases", "+fct_case_transitions", "+kpi_process_transitions", "+kpi_processing", "dim_commune"]
    result = run_dbt(["build", "--select", *selection, "--indirect-selection", "cautious"], lake.root, work)
    assert result.returncode == 0, f"{result.stdout[-8000:]}\n{result.stderr[-3000:]}"
    return work


def query(work: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(work / "civiclake.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def pm4py_log(path: Path) -> pd.DataFrame:
    """The log as pm4py formats it, events of a case at the same instant ordered by activity name (the
    models' tie rule when no closing activity is configured and every event is a completion)."""
    frame = pd.read_csv(path)
    frame["time:timestamp"] = pd.to_datetime(frame["time:timestamp"], utc=True, format="ISO8601")
    frame = frame.sort_values(["case:concept:name", "time:timestamp", "concept:name"], kind="stable")
    return pm4py.format_dataframe(frame.reset_index(drop=True))


@pytest.mark.parametrize("process", sorted(LOGS))
def test_case_durations_equal_pm4py(built: Path, process: str) -> None:
    from pm4py.statistics.traces.generic.pandas import case_statistics

    expected = {
        case: description["caseDuration"]
        for case, description in case_statistics.get_cases_description(pm4py_log(LOGS[process])).items()
    }
    ours = dict(
        query(built, f"select case_id, case_duration_seconds from main.fct_cases where process_code = '{process}'")
    )
    assert set(ours) == set(expected)
    differing = {case: (ours[case], expected[case]) for case in expected if abs(ours[case] - expected[case]) > 1e-3}
    assert not differing
    # and the list pm4py.get_all_case_durations gives
    assert sorted(ours.values()) == pytest.approx(
        sorted(pm4py.get_all_case_durations(pm4py_log(LOGS[process]))), abs=1e-3
    )


@pytest.mark.parametrize("process", sorted(LOGS))
def test_directly_follows_counts_and_total_waits_equal_pm4py(built: Path, process: str) -> None:
    log = pm4py_log(LOGS[process])
    frequency, _, _ = pm4py.discover_dfg(log)
    performance, _, _ = pm4py.discover_performance_dfg(log, perf_aggregation_key="all")
    ours = {
        (a, b): (n, total)
        for a, b, n, total in query(
            built,
            "select from_activity, to_activity, count(*), sum(wait_seconds) from main.fct_case_transitions "
            f"where process_code = '{process}' group by 1, 2",
        )
    }
    assert set(ours) == set(frequency)
    for pair, count in frequency.items():
        assert ours[pair][0] == count, pair
        assert ours[pair][1] == pytest.approx(performance[pair]["sum"], abs=1e-3 * count), pair


def test_coselog_case_duration_figures_of_the_readme(built: Path) -> None:
    median, mean, p90, cases = query(
        built,
        "select percentile_cont(0.5) within group (order by case_duration_days), avg(case_duration_days), "
        "percentile_cont(0.9) within group (order by case_duration_days), count(*) "
        "from main.fct_cases where process_code = 'WABO'",
    )[0]
    assert cases == 1434
    assert round(median, 2) == 0.03
    assert round(mean, 2) == 5.41
    assert round(p90, 1) == 14.1


def test_coselog_largest_total_wait_is_t05_to_t06(built: Path) -> None:
    # over the whole log, from the transitions
    pairs = query(
        built,
        "select from_activity, to_activity, count(*), sum(wait_seconds) / 86400 as total_days "
        "from main.fct_case_transitions where process_code = 'WABO' group by 1, 2 order by total_days desc limit 1",
    )
    (from_activity, to_activity, count, total_days) = pairs[0]
    assert from_activity == "T05 Print and send confirmation of receipt"
    assert to_activity == "T06 Determine necessity of stop advice"
    assert count == 791
    assert round(total_days) == 2422
    assert total_days / count == pytest.approx(3.06, abs=0.005)
    # the yearly detail mart adds up to the same figures (each transition counts in one year)
    per_year = query(
        built,
        "select sum(transition_count), sum(wait_total_days) from main.kpi_process_transitions "
        "where process_code = 'WABO' and period_type = 'year' "
        f"and from_activity = '{from_activity}' and to_activity = '{to_activity}'",
    )[0]
    assert per_year[0] == 791
    assert per_year[1] == pytest.approx(total_days)


def test_road_fines_median_case_duration_is_253_days(built: Path) -> None:
    median, cases = query(
        built,
        "select percentile_cont(0.5) within group (order by case_duration_days), count(*) "
        "from main.fct_cases where process_code = 'FINES'",
    )[0]
    assert cases == 100
    assert median == pytest.approx(253.0, abs=0.05)


def test_without_closing_information_no_case_is_closed(built: Path) -> None:
    # neither log comes with requests or configured closing activities: lead times stay empty, the
    # backlog holds every case at the end of the data
    assert query(built, "select count(*) from main.fct_cases where is_closed") == [(0,)]
    backlog = query(
        built,
        "select value from main.kpi_processing where kpi_name = 'backlog_open_cases' and period_type = 'year' "
        "and period = '2013' and breakdown = 'all'",
    )
    assert backlog == [(1534.0,)]
