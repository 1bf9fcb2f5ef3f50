"""Running the whole pipeline in process: every asset, stage by stage, with progress and clear failures."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dagster import AssetSelection, DagsterInstance, materialize

from pipelines.config import load_config
from pipelines.lake import Lake, recover_duckdb, sweep_temporary_files

PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
# The window of local days a run covers, for the dbt models (unpartitioned assets, so the partition
# range tags above do not apply to them when they run alone).
WINDOW_START_TAG = "civiclake/window_start"
WINDOW_END_TAG = "civiclake/window_end"
# The day the retention periods count back from (pipelines/retention.py): today, unless a test says.
TODAY_TAG = "civiclake/today"
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


class PipelineError(RuntimeError):
    """An asset failed; the message names it and says why."""


@dataclass
class RunSummary:
    seconds_by_stage: dict[str, float] = field(default_factory=dict)
    materialized: list[str] = field(default_factory=list)
    # bronze asset -> rows_read, rows_loaded, rows_new, rows_quarantined, rows_outside_window
    bronze_counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _stages(
    first_day: date, last_day: date, today: date | None = None
) -> list[tuple[str, AssetSelection, dict[str, str]]]:
    """Stages in lineage order, each one Dagster run; the daily bronze assets get the window of days (and
    the day retention periods count back from)."""
    from pipelines.assets.bronze import PARTITIONED_BRONZE_KEYS, UNPARTITIONED_BRONZE_KEYS

    window = {
        PARTITION_RANGE_START_TAG: first_day.isoformat(),
        PARTITION_RANGE_END_TAG: last_day.isoformat(),
        TODAY_TAG: (today or date.today()).isoformat(),
    }
    return [
        (
            "reference tables",
            AssetSelection.groups("reference") | AssetSelection.assets(*UNPARTITIONED_BRONZE_KEYS),
            {},
        ),
        (f"bronze, {first_day} to {last_day}", AssetSelection.assets(*PARTITIONED_BRONZE_KEYS), window),
        (
            "dbt models and tests",
            AssetSelection.groups("staging", "intermediate", "marts"),
            # the same window of days for the incremental facts (pipelines/assets/transform.py)
            {WINDOW_START_TAG: first_day.isoformat(), WINDOW_END_TAG: last_day.isoformat()},
        ),
        ("gold export", AssetSelection.groups("gold"), {}),
    ]


def run_pipeline(
    config_path: Path,
    lake_dir: Path,
    echo: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    first_day: date | None = None,
    last_day: date | None = None,
    today: date | None = None,
) -> RunSummary:
    """Materialise every asset for this configuration into this lake; raise PipelineError on failure.

    The daily bronze assets load the local days from `first_day` (default: the configuration's
    history start) to `last_day` (default: today): a backfill is the same call with another window.
    Retention periods (pipelines/retention.py) count back from `today` (default: the real today).
    """
    config = load_config(config_path)  # fail fast, with the file and key, before Dagster starts
    first_day = first_day or config.history.start
    last_day = last_day or date.today()
    if last_day < first_day:
        raise PipelineError(f"the window ends ({last_day}) before it starts ({first_day})")
    from pipelines.definitions import build_definitions  # importing parses the dbt project

    lake = Lake(lake_dir.resolve())
    # What a killed run may have left: hidden temporary files (never read) and a DuckDB file mid-write.
    sweep_temporary_files(lake)
    recover_duckdb(lake, echo)
    today = today or date.today()  # the day retention periods count back from
    definitions = build_definitions(config_path.resolve(), lake_dir.resolve())
    assets = list(definitions.assets or [])
    resources = definitions.resources or {}
    summary = RunSummary()
    instance = DagsterInstance.ephemeral()
    stages = _stages(first_day, last_day, today)
    for number, (stage, selection, tags) in enumerate(stages, start=1):
        echo(f"[{number}/{len(stages)}] {stage} ...")
        started = time.perf_counter()
        # dbt prints a line per model and test; keep them for the error message instead of the screen.
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            result = materialize(
                assets,
                selection=selection,
                resources=resources,
                instance=instance,
                raise_on_error=False,
                run_config=QUIET,
                tags=tags,
            )
        elapsed = time.perf_counter() - started
        summary.seconds_by_stage[stage] = elapsed
        if not result.success:
            details = _failures(result)
            tail = "\n".join(captured.getvalue().strip().splitlines()[-30:])
            raise PipelineError(f"stage '{stage}' failed:\n{details}" + (f"\n--- output ---\n{tail}" if tail else ""))
        keys: list[str] = []
        for event in result.get_asset_materialization_events():
            materialization = event.materialization
            name = materialization.asset_key.to_user_string()
            if name in keys:  # a window of days gives one materialisation per day: report it once
                continue
            keys.append(name)
            counts = {key: value.value for key, value in materialization.metadata.items()}
            if "rows_read" in counts:
                summary.bronze_counts[name] = {key: value for key, value in counts.items() if key.startswith("rows_")}
                echo(
                    f"      {name}: read {counts['rows_read']:,}, loaded {counts['rows_loaded']:,} "
                    f"({counts['rows_new']:,} new), quarantined {counts['rows_quarantined']:,}, "
                    f"outside the window {counts['rows_outside_window']:,}"
                )
        summary.materialized.extend(keys)
        echo(f"[{number}/{len(stages)}] {stage}: done in {elapsed:.1f} s")
    return summary


def _failures(result) -> str:  # noqa: ANN001 (Dagster's result type is internal)
    lines = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            message = error.message.strip() if error else "unknown error"
            cause = error.cause if error else None
            while cause is not None:
                message += f"\n  caused by: {cause.message.strip()}"
                cause = cause.cause
            lines.append(f"- {event.step_key}: {message}")
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            failed = evaluation.metadata.get("failed")
            detail = f": {json.dumps(failed.value)}" if failed is not None else ""
            lines.append(f"- check {evaluation.asset_key.to_user_string()} {evaluation.check_name} failed{detail}")
    return "\n".join(lines) or "- (no step failure recorded; see the Dagster logs)"
