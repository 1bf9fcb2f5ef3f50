"""The canonical schemas of the six entities: the contract between connectors and the lake.

Times are UTC; `*_key` columns hold keyed hashes, never an identifier itself. See
docs/data-contracts.md and ../shared/ARCHITECTURE.md.
"""

from __future__ import annotations

import pyarrow as pa

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

ENTITY_SCHEMAS: dict[str, pa.Schema] = {
    "service": pa.schema(
        [
            ("commune_id", pa.string()),
            ("service_code", pa.string()),
            ("name_fr", pa.string()),
            ("name_nl", pa.string()),
            ("name_en", pa.string()),
            ("process_code", pa.string()),
            ("owner", pa.string()),
            ("active_from", pa.date32()),
            ("retired_on", pa.date32()),
            ("digital_since", pa.date32()),
            ("sla_days", pa.int32()),
        ]
    ),
    "request": pa.schema(
        [
            ("commune_id", pa.string()),
            ("request_id", pa.string()),
            ("service_code", pa.string()),
            ("channel", pa.string()),
            ("created_at", UTC_TIMESTAMP),
            ("closed_at", UTC_TIMESTAMP),
            ("status", pa.string()),
            ("citizen_key", pa.string()),
            ("source_system", pa.string()),
        ]
    ),
    "case_event": pa.schema(
        [
            ("commune_id", pa.string()),
            ("case_id", pa.string()),
            ("request_id", pa.string()),
            ("process_code", pa.string()),
            ("activity", pa.string()),
            ("lifecycle", pa.string()),
            ("event_at", UTC_TIMESTAMP),
            ("resource_key", pa.string()),
        ]
    ),
    "appointment": pa.schema(
        [
            ("commune_id", pa.string()),
            ("appointment_id", pa.string()),
            ("service_code", pa.string()),
            ("booking_channel", pa.string()),
            ("booked_at", UTC_TIMESTAMP),
            ("slot_start", UTC_TIMESTAMP),
            ("slot_end", UTC_TIMESTAMP),
            ("status", pa.string()),
            ("site", pa.string()),
            ("citizen_key", pa.string()),
        ]
    ),
    "call": pa.schema(
        [
            ("commune_id", pa.string()),
            ("call_id", pa.string()),
            ("queue", pa.string()),
            ("entered_at", UTC_TIMESTAMP),
            ("answered_at", UTC_TIMESTAMP),
            ("ended_at", UTC_TIMESTAMP),
            ("outcome", pa.string()),
            ("wait_s", pa.float64()),
            ("talk_s", pa.float64()),
            ("agent_key", pa.string()),
        ]
    ),
    "portal_login": pa.schema(
        [
            ("commune_id", pa.string()),
            ("citizen_key", pa.string()),
            ("login_at", UTC_TIMESTAMP),
            ("method", pa.string()),
            ("success", pa.bool_()),
        ]
    ),
}

# The columns that identify a row: a re-export with the same key replaces the row it corrects.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "service": ("commune_id", "service_code"),
    "request": ("commune_id", "request_id"),
    "case_event": ("commune_id", "case_id", "activity", "lifecycle", "event_at"),
    "appointment": ("commune_id", "appointment_id"),
    "call": ("commune_id", "call_id"),
    "portal_login": ("commune_id", "citizen_key", "login_at", "method"),
}

# The time that decides which daily partition a row belongs to (local day of the commune).
PARTITION_TIME: dict[str, str] = {
    "request": "created_at",
    "case_event": "event_at",
    "appointment": "booked_at",
    "call": "entered_at",
    "portal_login": "login_at",
}

CHANNELS = ("portal", "app", "email", "phone", "counter", "post", "other", "unknown")
REQUEST_STATUSES = ("open", "closed", "cancelled")
