"""civiclake.yaml for the generated extracts, in the format of docs/data-contracts.md."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pipelines.demo.calendar import WEEKDAYS
from pipelines.demo.profiles import CANCEL_ACTIVITY, CASE_ORIGIN_CODES, PROCESSES, CommuneProfile
from pipelines.demo.summary import SourceOutput

CHANNEL_VALUES: dict[str, str] = {str(code): channel for channel, code in CASE_ORIGIN_CODES.items() if code is not None}


def commune_entry(profile: CommuneProfile, extra_holidays: dict[date, str]) -> dict[str, Any]:
    hours, targets = profile.office_hours, profile.targets
    return {
        "id": profile.id,
        "name": {"fr": profile.name_fr, "nl": profile.name_nl, "en": profile.name_en},
        "timezone": "Europe/Brussels",
        "office_hours": {day: list(hours[day]) for day in WEEKDAYS if day in hours},
        "holidays": {
            "country": "BE",
            "extra": [{"date": day, "name": name} for day, name in sorted(extra_holidays.items())],
        },
        "digital_channels": list(profile.digital_channels),
        "targets": [{"kpi": kpi, "value": value, "deadline": deadline} for kpi, value, deadline in targets],
        "processes": process_entries(),
    }


def process_entries() -> dict[str, dict[str, list[str]]]:
    """The closing activities of the case tool's processes: a case ends with the last activity of its
    process, or with the cancelling activity (pipelines/demo/case_log.py)."""
    return {
        code: {"closing_activities": [process.activities[-1], CANCEL_ACTIVITY]}
        for code, process in sorted(PROCESSES.items())
    }


def source_entry(source: SourceOutput) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": source.source_id,
        "commune": source.commune,
        "entity": source.entity,
        "kind": source.kind,
        "format": source.format,
        "location": source.location,
    }
    if source.mapping:
        entry["mapping"] = source.mapping
    if source.options:
        entry["options"] = source.options
    return entry


def write_config(path: Path, communes: list[dict[str, Any]], sources: list[SourceOutput], history_start: date) -> Path:
    document = {
        "version": 1,
        "mode": "demo",
        "history": {"start": history_start},
        "pseudonymisation": {
            "key_env": "CIVICLAKE_PSEUDONYMISATION_KEY",
            "key_file_env": "CIVICLAKE_PSEUDONYMISATION_KEY_FILE",
        },
        "communes": communes,
        "sources": [source_entry(s) for s in sources],
    }
    header = (
        "# Written by `civiclake generate`: demo extracts of made-up citizens, not real data.\n"
        "# Locations are relative to this file's folder (docs/data-contracts.md).\n"
    )
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110)
    path.write_text(header + body, encoding="utf-8")
    return path
