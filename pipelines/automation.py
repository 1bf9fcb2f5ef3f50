"""When the pipeline runs by itself: a sensor on the sources' drop folders, a daily CRM pull.

Both launch the bronze asset of what changed together with everything downstream of it (dbt models,
gold export), over the whole history window: a source file or a CRM delta may correct any past day.
"""

import hashlib
import json
from datetime import date
from pathlib import Path

from dagster import (
    AssetKey,
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
from pipelines.assets.transform import civiclake_dbt_models
from pipelines.config import CivicConfig, Source
from pipelines.resources import CivicLakeResource
from pipelines.runner import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG

# Sources pulled from an API have no drop folder; the schedule pulls them.
API_KINDS = {("dynamics365", "web_api")}


def history_window_tags(config: CivicConfig, today: date) -> dict[str, str]:
    return {PARTITION_RANGE_START_TAG: config.history.start.isoformat(), PARTITION_RANGE_END_TAG: today.isoformat()}


def entity_and_downstream(entity: str) -> AssetSelection:
    return AssetSelection.assets(bronze_key(entity)).downstream()


def entity_and_downstream_keys(entity: str) -> list[AssetKey]:
    """The keys a run request names: the entity's bronze asset, every dbt model and the gold export."""
    return [bronze_key(entity), *sorted(civiclake_dbt_models.keys), *gold_marts.keys]


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


def run_requests_for_changes(
    config: CivicConfig, previous: dict[str, dict[str, list[int]]], current: dict[str, dict[str, list[int]]]
) -> list[RunRequest]:
    requests = []
    for entity in sorted(current):
        if current[entity] == previous.get(entity):
            continue
        digest = hashlib.sha256(json.dumps(current[entity], sort_keys=True).encode()).hexdigest()[:16]
        requests.append(
            RunRequest(
                run_key=f"{entity}-{digest}",  # the same drop never launches two runs
                asset_selection=entity_and_downstream_keys(entity),
                tags=history_window_tags(config, date.today()) if entity in PARTITION_TIME else {},
            )
        )
    return requests


@sensor(
    name="source_drop_sensor",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    # Every bronze table and what is computed from it (the dbt project runs as one selection).
    asset_selection=AssetSelection.groups("bronze", "staging", "intermediate", "marts", "gold"),
    description="Launches the bronze load of an entity, and everything downstream, when a file appears or "
    "changes in the drop folder of one of its sources.",
)
def source_drop_sensor(context: SensorEvaluationContext, civiclake: CivicLakeResource):
    config = civiclake.load_config()
    previous = json.loads(context.cursor) if context.cursor else {}
    current = file_signatures(config)
    requests = run_requests_for_changes(config, previous, current)
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not requests:
        return SkipReason("no new or changed file in the sources' drop folders")
    return requests


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
