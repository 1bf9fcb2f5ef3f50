"""When the pipeline runs by itself: a sensor on the sources' drop folders, a daily CRM pull.

Both launch the bronze assets of what changed together with everything computed from them (dbt models,
gold export) and the reference tables the dbt models read (from the configuration) in one run, over
the whole history window: a source file or a CRM delta may correct any past day. One run at a time:
the dbt models write one DuckDB file (see dagster_home/dagster.yaml). The sensor looks every
$CIVICLAKE_SENSOR_INTERVAL_SECONDS seconds (30 by default).
"""

import hashlib
import json
import os
from datetime import date
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    schedule,
    sensor,
)

from connectors.schemas import PARTITION_TIME
from pipelines.assets.bronze import bronze_key
from pipelines.assets.gold import gold_marts
from pipelines.assets.reference_tables import reference_tables
from pipelines.assets.transform import civiclake_dbt_models
from pipelines.config import CivicConfig, Source
from pipelines.resources import CivicLakeResource
from pipelines.runner import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG

# Sources pulled from an API have no drop folder; the schedule pulls them.
API_KINDS = {("dynamics365", "web_api")}

# How often the sensor looks at the drop folders, in seconds (read when the code location loads).
SENSOR_INTERVAL_ENV_VAR = "CIVICLAKE_SENSOR_INTERVAL_SECONDS"
DEFAULT_SENSOR_INTERVAL_SECONDS = 30


def sensor_interval_seconds() -> int:
    """$CIVICLAKE_SENSOR_INTERVAL_SECONDS (default 30): a test lowers it; a busy city may raise it."""
    value = os.environ.get(SENSOR_INTERVAL_ENV_VAR, "").strip()
    if not value:
        return DEFAULT_SENSOR_INTERVAL_SECONDS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"${SENSOR_INTERVAL_ENV_VAR}: expected a whole number of seconds (at least 1), got {value!r}")
    return int(value)


def history_window_tags(config: CivicConfig, today: date) -> dict[str, str]:
    return {PARTITION_RANGE_START_TAG: config.history.start.isoformat(), PARTITION_RANGE_END_TAG: today.isoformat()}


def entity_and_downstream(entity: str) -> AssetSelection:
    # With the reference tables (from the configuration, cheap to rewrite): the dbt models read them,
    # and on a new lake nothing else would have written them yet.
    return AssetSelection.assets(bronze_key(entity)).downstream() | AssetSelection.assets(reference_tables)


def source_files(config: CivicConfig, source: Source) -> list[Path]:
    """The files a file source consists of today (a file, or every file below a folder)."""
    location = config.resolve(source.location)
    if location.is_file():
        return [location]
    if location.is_dir():
        return sorted(path for path in location.rglob("*") if path.is_file() and not path.name.startswith("."))
    return []


def file_signatures(config: CivicConfig) -> dict[str, dict[str, list[int]]]:
    """entity -> file -> [modification time in ns, size]: a changed signature is a new drop."""
    signatures: dict[str, dict[str, list[int]]] = {}
    for source in config.sources:
        if (source.kind, source.format) in API_KINDS:
            continue
        for path in source_files(config, source):
            stat = path.stat()
            signatures.setdefault(source.entity, {})[str(path)] = [stat.st_mtime_ns, stat.st_size]
    return signatures


def run_request_for_changes(
    config: CivicConfig, previous: dict[str, dict[str, list[int]]], current: dict[str, dict[str, list[int]]]
) -> RunRequest | None:
    """One run for every entity whose files changed: the dbt models then run once, never side by side."""
    changed = sorted(entity for entity in current if current[entity] != previous.get(entity))
    if not changed:
        return None
    signatures = {entity: current[entity] for entity in changed}
    digest = hashlib.sha256(json.dumps(signatures, sort_keys=True).encode()).hexdigest()[:16]
    keys = [bronze_key(entity) for entity in changed]
    return RunRequest(
        run_key=f"{'+'.join(changed)}-{digest}",  # the same drop never launches two runs
        # The reference tables too: the dbt models read them, and a new lake has none yet.
        asset_selection=[*sorted(reference_tables.keys), *keys, *sorted(civiclake_dbt_models.keys), *gold_marts.keys],
        tags=history_window_tags(config, date.today()) if any(e in PARTITION_TIME for e in changed) else {},
    )


@sensor(
    name="source_drop_sensor",
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=DefaultSensorStatus.RUNNING,
    # Every bronze table and what is computed from it (the dbt project runs as one selection).
    asset_selection=AssetSelection.groups("reference", "bronze", "staging", "intermediate", "marts", "gold"),
    description="Launches the bronze load of an entity, and everything downstream, when a file appears or "
    "changes in the drop folder of one of its sources.",
)
def source_drop_sensor(context: SensorEvaluationContext, civiclake: CivicLakeResource):
    config = civiclake.load_config()
    previous = json.loads(context.cursor) if context.cursor else {}
    current = file_signatures(config)
    request = run_request_for_changes(config, previous, current)
    context.update_cursor(json.dumps(current, sort_keys=True))
    if request is None:
        return SkipReason("no new or changed file in the sources' drop folders")
    return request


@schedule(
    name="daily_crm_pull",
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Brussels",
    default_status=DefaultScheduleStatus.RUNNING,
    target=entity_and_downstream("request"),
    description="Every morning at 06:00 Brussels time: pull the CRM (changes since the last pull) and "
    "recompute what depends on requests.",
)
def daily_crm_pull(context: ScheduleEvaluationContext, civiclake: CivicLakeResource) -> RunRequest:
    config = civiclake.load_config()
    today = context.scheduled_execution_time.date()
    return RunRequest(run_key=f"crm-{today}", tags=history_window_tags(config, today))
