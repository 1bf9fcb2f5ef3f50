"""Reference tables built from the configuration: communes, office hours, holidays, targets, closing activities.

dbt reads them like any bronze table, so that office-hours rules stay in SQL next to the KPIs and a
commune's calendar is changed in its configuration, never in a model.
"""

from __future__ import annotations

import holidays as public_holidays
import pyarrow as pa

from pipelines.config import WEEKDAYS, CivicConfig

HOLIDAY_YEARS = range(2015, 2036)


def commune_table(config: CivicConfig) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "commune_id": commune.id,
                "name_fr": commune.name.fr,
                "name_nl": commune.name.nl,
                "name_en": commune.name.en,
                "timezone": commune.timezone,
                "digital_channels": list(commune.digital_channels),
            }
            for commune in config.communes
        ],
        schema=pa.schema(
            [
                ("commune_id", pa.string()),
                ("name_fr", pa.string()),
                ("name_nl", pa.string()),
                ("name_en", pa.string()),
                ("timezone", pa.string()),
                ("digital_channels", pa.list_(pa.string())),
            ]
        ),
    )


def office_hours_table(config: CivicConfig) -> pa.Table:
    rows = [
        {
            "commune_id": commune.id,
            "iso_weekday": WEEKDAYS.index(day) + 1,
            "opens_at": window.opens_at,
            "closes_at": window.closes_at,
        }
        for commune in config.communes
        for day, windows in sorted(commune.office_hours.items(), key=lambda item: WEEKDAYS.index(item[0]))
        for window in windows
    ]
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("commune_id", pa.string()),
                ("iso_weekday", pa.int32()),
                ("opens_at", pa.time64("us")),
                ("closes_at", pa.time64("us")),
            ]
        ),
    )


def holiday_table(config: CivicConfig) -> pa.Table:
    """Every public holiday of the commune's country (and region), plus its own, one row per day."""
    rows: list[dict[str, object]] = []
    for commune in config.communes:
        days: dict[object, str] = {}
        if commune.holidays.country:
            calendar = public_holidays.country_holidays(
                commune.holidays.country, subdiv=commune.holidays.subdivision, years=HOLIDAY_YEARS
            )
            days.update(calendar.items())
        for extra in commune.holidays.extra:
            days.setdefault(extra.date, extra.name)
        rows.extend({"commune_id": commune.id, "holiday_date": day, "name": name} for day, name in sorted(days.items()))
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema([("commune_id", pa.string()), ("holiday_date", pa.date32()), ("name", pa.string())]),
    )


def target_table(config: CivicConfig) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "commune_id": commune.id,
                "kpi_name": target.kpi,
                "target_value": target.value,
                "deadline": target.deadline,
            }
            for commune in config.communes
            for target in commune.targets
        ],
        schema=pa.schema(
            [
                ("commune_id", pa.string()),
                ("kpi_name", pa.string()),
                ("target_value", pa.float64()),
                ("deadline", pa.date32()),
            ]
        ),
    )


def process_closing_activity_table(config: CivicConfig) -> pa.Table:
    """The closing activities of each commune's processes, one row per commune, process and activity."""
    return pa.Table.from_pylist(
        [
            {"commune_id": commune.id, "process_code": code, "activity": activity}
            for commune in config.communes
            for code, process in sorted(commune.processes.items())
            for activity in process.closing_activities
        ],
        schema=pa.schema([("commune_id", pa.string()), ("process_code", pa.string()), ("activity", pa.string())]),
    )


REFERENCE_TABLES = {
    "commune": commune_table,
    "office_hours": office_hours_table,
    "holiday": holiday_table,
    "target": target_table,
    "process_closing_activity": process_closing_activity_table,
}
