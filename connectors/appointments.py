"""Appointments from a booking system's CSV export (the iCalendar feed has its own connector).

The export has one row per booking: appointment_id, service_code, booking_channel (online, phone,
counter), booked_at, slot_start, slot_end (ISO 8601 with offsets), status (attended, no-show,
cancelled), site, and the citizen's name, e-mail and phone. The citizen key is the keyed hash of the
national register number when the export has one (`national_number_column`), else of the e-mail
address, trimmed and lower-cased (namespace "email"), so that the same person links across bookings;
a booking with neither has no citizen key. Names and phone numbers are never read. appointment_id,
booking_channel, booked_at, slot_start and status are required; another default column missing from
the file is null (a column the mapping names must be there).

A mapping adapts another export (every key optional):

```yaml
mapping:
  columns: {appointment_id: RDV, booked_at: Reserve le, site: Antenne}   # canonical: source column
  email_column: Courriel              # null when the export has no e-mail
  national_number_column: NISS        # when the export has the national register number
  personal: [Commentaire]             # other personal columns
  values:
    booking_channel: {Internet: online, Téléphone: phone, Guichet: counter}
    status: {Présent: attended, Absent: no-show, Annulé: cancelled}
  time_format: "%d/%m/%Y %H:%M"       # with timezone, for times without a UTC offset
  timezone: Europe/Brussels
  encoding: cp1252
  delimiter: ";"
```
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.generic import APPOINTMENT_STATUSES, BOOKING_CHANNELS, MappedSource, read_mapped
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from connectors.tabular import MappingError

DEFAULT_COLUMNS = {
    name: name
    for name in (
        "appointment_id",
        "service_code",
        "booking_channel",
        "booked_at",
        "slot_start",
        "slot_end",
        "status",
        "site",
    )
}
DEFAULT_EMAIL_COLUMN = "citizen_email"
# Personal columns of the demo export; only the e-mail is read (for the key), the others never are.
PERSONAL_COLUMNS = ("citizen_name", "citizen_email", "citizen_phone")
PASSED_ON = ("values", "default", "time_format", "timezone", "ambiguous", "encoding", "delimiter", "quote", "format")
MAPPING_KEYS = {"columns", "email_column", "national_number_column", "personal", *PASSED_ON}

__all__ = ["APPOINTMENT_STATUSES", "BOOKING_CHANNELS", "appointment_spec", "read_appointments"]


def appointment_spec(mapping: dict[str, Any] | None = None) -> MappedSource:
    """The generic mapping of a booking export: the demo's columns unless the mapping says otherwise."""
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - MAPPING_KEYS)
    if unknown:
        raise MappingError(
            f"unknown appointment mapping key(s) {', '.join(unknown)}; expected some of {sorted(MAPPING_KEYS)}"
        )
    columns: dict[str, Any] = DEFAULT_COLUMNS | dict(mapping.get("columns") or {})
    if "citizen_key" not in columns:
        sources = {}
        if mapping.get("national_number_column"):
            sources["national_number"] = mapping["national_number_column"]
        email = mapping.get("email_column", DEFAULT_EMAIL_COLUMN)
        if email:
            sources["email"] = email
        if sources:
            columns["citizen_key"] = sources
    generic: dict[str, Any] = {
        "entity": "appointment",
        "format": "csv",
        "columns": columns,
        "personal": [*PERSONAL_COLUMNS, *(mapping.get("personal") or [])],
    }
    generic |= {name: mapping[name] for name in PASSED_ON if name in mapping}
    # Default columns the mapping does not rename may be missing from the file (null then), except
    # the required ones; the default e-mail column too (no key then).
    renamed = set(dict(mapping.get("columns") or {}))
    optional = {column for name, column in DEFAULT_COLUMNS.items() if name not in renamed}
    if "email_column" not in mapping:
        optional.add(DEFAULT_EMAIL_COLUMN)
    return MappedSource.from_mapping(generic, optional=optional)


def read_appointments(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ReadResult:
    """Canonical appointments from a booking export (a CSV file, or a folder of them)."""
    return read_mapped(location, commune_id, source_id, pseudonymiser, appointment_spec(mapping), now)
