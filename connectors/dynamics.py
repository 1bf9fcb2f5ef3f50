"""Dynamics 365 (Dataverse Web API, OData v4): requests from `incidents`, citizens from `contacts`.

This module reads a folder of exported Web API pages (`incidents/page-*.json`, `contacts/page-*.json`,
each `{"value": [...], "@odata.nextLink": ...}`), which is what an export job or a saved pull leaves
behind (connectors/dynamics_api.py lands such folders from the live Web API). A folder landed from a
change-tracking delta carries a `_pull.json` manifest with `"kind": "delta"`: there a later version of a
record replaces an earlier one, and `$deletedEntity` entries are reported as deletions, not rows.

Every incident becomes a canonical request; the customer's national register number, read from its
contact, becomes the citizen key, so that the same person links across systems. No name, e-mail, phone
number or register number leaves this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from connectors.pseudonymise import Pseudonymiser, citizen_key
from connectors.result import ReadResult, rejections
from connectors.schemas import ENTITY_SCHEMAS

# caseorigincode: 1, 2, 3 are the standard options (Phone, Email, Web); 2483, 3986 and 700610000
# are Facebook, Twitter and IoT; custom options of a city start at 100000000.
DEFAULT_CHANNEL_VALUES: dict[str, str] = {
    "1": "phone",
    "2": "email",
    "3": "portal",
    "2483": "other",
    "3986": "other",
    "700610000": "other",
    "100000000": "counter",
    "100000001": "post",
    "100000002": "app",
}
# statecode of an incident: 0 Active, 1 Resolved, 2 Cancelled.
STATES: dict[int, str] = {0: "open", 1: "closed", 2: "cancelled"}
DEFAULT_SERVICE_CODE_COLUMN = "cl_servicecode"
DEFAULT_NATIONAL_NUMBER_COLUMN = "cl_nationalregisternumber"
ODATA_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"
# A creation time this far ahead of the clock is an error in the source, not a request.
FUTURE_TOLERANCE = timedelta(days=1)
# Written beside the pages of a landed pull; files starting with "_" are never pages.
PULL_MANIFEST = "_pull.json"
PULL_KINDS = ("full", "delta")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ExportError(ValueError):
    """An export that cannot be read as a whole (a missing folder, a page that is not OData JSON)."""


@dataclass
class DynamicsReadResult(ReadResult):
    """A ReadResult plus the incidents a delta pull reports as deleted.

    A `$deletedEntity` entry carries only the incident id (a GUID), while the canonical request_id is
    the ticket number: ids whose record was seen in the same read are mapped to `deleted_request_ids`,
    the others stay in `deleted_incident_ids` for the pipeline to resolve. `superseded` counts record
    versions dropped because a later version (delta pulls) or a deletion of the same record followed;
    they are not in `rows_read`, so `balanced` still holds.
    """

    deleted_request_ids: list[str] = field(default_factory=list)
    deleted_incident_ids: list[str] = field(default_factory=list)
    superseded: int = 0
    # The incident id (GUID) of each row, in row order: later pulls name deletions by it.
    incident_ids: list[str] = field(default_factory=list)


def iter_pages(folder: Path) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
    """The pages of an exported entity set, in order, each with its records.

    Pages are named so that they sort in paging order; every page but the last must carry the
    `@odata.nextLink` that led to the next one, else the export stopped half-way.
    """
    pages = sorted(path for path in folder.glob("*.json") if not path.name.startswith("_"))
    if not pages:
        raise ExportError(f"{folder}: no exported pages (*.json) found")
    for index, page in enumerate(pages):
        try:
            document = json.loads(page.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ExportError(f"{page}: not a valid OData JSON page: {error}") from error
        if not isinstance(document, dict) or not isinstance(document.get("value"), list):
            raise ExportError(f"{page}: expected an OData page, an object with a 'value' array")
        is_last = index == len(pages) - 1
        if not is_last and "@odata.nextLink" not in document:
            raise ExportError(f"{page}: has no @odata.nextLink but is followed by {pages[index + 1].name}")
        if is_last and "@odata.nextLink" in document:
            raise ExportError(f"{page}: points to a next page that is not in the export (incomplete pull?)")
        yield page, document["value"]


def pull_kind(folder: Path) -> str:
    """The kind of a landed folder, from its pull manifest: a folder without one is a full export."""
    manifest = folder / PULL_MANIFEST
    if not manifest.exists():
        return "full"
    try:
        kind = json.loads(manifest.read_text(encoding="utf-8")).get("kind")
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as error:
        raise ExportError(f"{manifest}: not a valid pull manifest: {error}") from error
    if kind not in PULL_KINDS:
        raise ExportError(f"{manifest}: kind must be one of {', '.join(PULL_KINDS)}, not {kind!r}")
    return kind


def deleted_id(record: dict[str, Any]) -> str | None:
    """The lower-case GUID of a `$deletedEntity` entry, None for an ordinary record."""
    if not str(record.get("@odata.context", "")).endswith("/$deletedEntity"):
        return None
    # Dataverse sends the bare GUID; plain OData 4.0 sends an entity id such as "incidents(<guid>)".
    found = _GUID.search(str(record.get("id") or ""))
    if found is None:
        raise ExportError(f"a $deletedEntity entry without a record id: {record!r}")
    return found.group(0).lower()


def read_citizen_keys(folder: Path, pseudonymiser: Pseudonymiser, national_number_column: str) -> dict[str, str]:
    """contactid -> citizen key, from the national register number (or the contact id if it has none)."""
    keys: dict[str, str] = {}
    for _, records in iter_pages(folder):
        for record in records:
            contact_id = record.get("contactid")
            if not contact_id:
                continue
            key = citizen_key(pseudonymiser, record.get(national_number_column))
            keys[contact_id.lower()] = key or pseudonymiser.hash(contact_id.lower(), "dynamics-contact")
    return keys


def read_dynamics_export(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
    known_citizen_keys: dict[str, str] | None = None,
) -> DynamicsReadResult:
    """Requests from an exported `incidents` folder (with `contacts` beside it for citizen keys).

    `known_citizen_keys` (contactid -> key) comes from earlier pulls: a delta pull holds only the
    contacts that changed, not those of every incident it holds.
    """
    mapping = mapping or {}
    channel_values = {str(k): v for k, v in (mapping.get("channel_values") or DEFAULT_CHANNEL_VALUES).items()}
    service_column = mapping.get("service_code_column", DEFAULT_SERVICE_CODE_COLUMN)
    nrn_column = mapping.get("national_number_column", DEFAULT_NATIONAL_NUMBER_COLUMN)
    incidents_dir, contacts_dir = location / "incidents", location / "contacts"
    if not incidents_dir.is_dir():
        raise ExportError(f"{location}: expected an 'incidents' folder of exported pages")
    citizen_keys = dict(known_citizen_keys or {})
    if contacts_dir.is_dir():
        citizen_keys.update(read_citizen_keys(contacts_dir, pseudonymiser, nrn_column))
    kind = pull_kind(incidents_dir)

    columns: dict[str, list[Any]] = {name: [] for name in ("position", "incident", "ticketnumber", "service")}
    columns |= {name: [] for name in ("origin", "createdon", "modifiedon", "statecode", "customer")}
    pages: dict[str, Path] = {}
    deleted: dict[str, None] = {}  # ordered set of deleted incident ids
    for page, records in iter_pages(incidents_dir):
        pages[page.name] = page
        for index, record in enumerate(records):
            if (gone := deleted_id(record)) is not None:
                deleted[gone] = None
                continue
            columns["position"].append(f"{page.name}#value[{index}]")
            incident = record.get("incidentid")
            columns["incident"].append(incident.lower() if isinstance(incident, str) else None)
            columns["ticketnumber"].append(_text(record.get("ticketnumber")))
            columns["service"].append(_text(record.get(service_column)))
            origin = record.get("caseorigincode")
            columns["origin"].append(None if origin is None else str(origin))
            columns["createdon"].append(_text(record.get("createdon")))
            columns["modifiedon"].append(_text(record.get("modifiedon")))
            columns["statecode"].append(record.get("statecode"))
            customer = record.get("_customerid_value")
            columns["customer"].append(customer.lower() if isinstance(customer, str) else None)

    frame = pl.DataFrame(
        columns,
        schema={
            "position": pl.String,
            "incident": pl.String,
            "ticketnumber": pl.String,
            "service": pl.String,
            "origin": pl.String,
            "createdon": pl.String,
            "modifiedon": pl.String,
            "statecode": pl.Int64,
            "customer": pl.String,
        },
        strict=False,
    )
    # incidentid -> ticketnumber of the records seen, for the deletions (last version wins).
    ticket_of = {
        incident: ticket
        for incident, ticket in zip(frame["incident"].to_list(), frame["ticketnumber"].to_list(), strict=True)
        if incident in deleted and ticket is not None
    }
    versions = frame.height
    # Incident ids are never reused: a record deleted in the same pull is gone, whatever the order.
    frame = frame.filter(~pl.col("incident").is_in(list(deleted)).fill_null(False))
    if kind == "delta":
        # A delta holds each record's latest state: a later version replaces an earlier one.
        frame = frame.filter(pl.col("ticketnumber").is_null() | pl.col("ticketnumber").is_last_distinct())
    latest_allowed = (now or datetime.now(UTC)) + FUTURE_TOLERANCE
    frame = frame.with_columns(
        created_at=pl.col("createdon").str.to_datetime(ODATA_TIME_FORMAT, time_zone="UTC", strict=False),
        modified_at=pl.col("modifiedon").str.to_datetime(ODATA_TIME_FORMAT, time_zone="UTC", strict=False),
        channel=pl.when(pl.col("origin").is_null())
        .then(pl.lit("unknown"))
        .otherwise(pl.col("origin").replace_strict(channel_values, default=None)),
        status=pl.col("statecode").replace_strict(STATES, default=None, return_dtype=pl.String),
    )
    # The first broken rule of each record is its reason; a record with none is loaded.
    reason = (
        pl.when(pl.col("ticketnumber").is_null())
        .then(pl.lit("ticketnumber is missing"))
        .when(pl.col("created_at").is_null())
        .then(pl.lit("createdon is missing or not an ISO 8601 UTC time: ") + pl.col("createdon").fill_null(""))
        .when(pl.col("created_at") > latest_allowed)
        .then(pl.lit("createdon is in the future: ") + pl.col("createdon"))
        .when(pl.col("channel").is_null())
        .then(pl.lit("caseorigincode is not in the channel mapping: ") + pl.col("origin"))
        .when(pl.col("status").is_null())
        .then(pl.lit("statecode is not 0, 1 or 2: ") + pl.col("statecode").cast(pl.String).fill_null("null"))
        .when((pl.col("status") == "closed") & pl.col("modified_at").is_null())
        .then(pl.lit("a resolved incident without a valid modifiedon (its closing time)"))
        .when(pl.col("ticketnumber").is_duplicated())
        .then(pl.lit("ticketnumber appears more than once in the same export: ") + pl.col("ticketnumber"))
    )
    frame = frame.with_columns(reason=reason)
    rejected = frame.filter(pl.col("reason").is_not_null())
    loaded = frame.filter(pl.col("reason").is_null())

    rows = loaded.select(
        commune_id=pl.lit(commune_id),
        request_id=pl.col("ticketnumber"),
        service_code=pl.col("service"),
        channel=pl.col("channel"),
        created_at=pl.col("created_at"),
        # A resolved incident's last modification is its resolution (modifiedon of the resolve).
        closed_at=pl.when(pl.col("status") == "closed").then(pl.col("modified_at")),
        status=pl.col("status"),
        citizen_key=pl.col("customer").replace_strict(citizen_keys, default=None, return_dtype=pl.String),
        source_system=pl.lit("dynamics365"),
    )
    rows = pl.from_arrow(rows.to_arrow().cast(ENTITY_SCHEMAS["request"]))
    return DynamicsReadResult(
        entity="request",
        rows=rows,
        rejected=rejections(
            source_id,
            rejected["position"].to_list(),
            rejected["reason"].to_list(),
            _quarantined_records(pages, rejected["position"].to_list(), service_column),
        ),
        rows_read=frame.height,
        source_files=[str(page) for page in pages.values()],
        deleted_request_ids=[ticket_of[incident] for incident in deleted if incident in ticket_of],
        deleted_incident_ids=[incident for incident in deleted if incident not in ticket_of],
        superseded=versions - frame.height,
        incident_ids=loaded["incident"].to_list(),
    )


def _quarantined_records(pages: dict[str, Path], positions: list[str], service_column: str) -> list[str]:
    """The records at these positions (`<page>#value[<i>]`) as kept in quarantine, read again from their
    pages: only rejected records are serialised, not every record of the export."""
    indexes_by_page: dict[str, list[int]] = {}
    for position in positions:
        name, index = position.rsplit("#value[", 1)
        indexes_by_page.setdefault(name, []).append(int(index.rstrip("]")))
    kept: dict[str, str] = {}
    for name, indexes in indexes_by_page.items():
        records = json.loads(pages[name].read_text(encoding="utf-8-sig"))["value"]
        for index in indexes:
            record = _without_personal_data(records[index], service_column)
            kept[f"{name}#value[{index}]"] = json.dumps(record, sort_keys=True)
    return [kept[position] for position in positions]


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


# Incidents carry no personal data in the fields the connector reads, but a raw record kept in
# quarantine could: keep only the fields that describe the case, never free text.
_QUARANTINE_FIELDS = (
    "incidentid",
    "ticketnumber",
    "caseorigincode",
    "createdon",
    "modifiedon",
    "statecode",
    "statuscode",
)


def _without_personal_data(record: dict[str, Any], service_column: str) -> dict[str, Any]:
    return {name: record[name] for name in (*_QUARANTINE_FIELDS, service_column) if name in record}
