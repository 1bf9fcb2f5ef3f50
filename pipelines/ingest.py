"""Which connector reads which source: the configuration names a kind and a format, never code."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Protocol

from connectors.appointments import read_appointments
from connectors.catalogue import read_catalogue
from connectors.dynamics import read_dynamics_export
from connectors.dynamics_api import read_dynamics_web_api
from connectors.event_log import read_event_log
from connectors.generic import read_generic
from connectors.icalendar import read_icalendar
from connectors.portal import read_portal_logins
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from connectors.telephony import read_cdr_csv, read_queue_log
from pipelines.config import CivicConfig, Source


class FileReader(Protocol):
    def __call__(
        self, location: Path, commune_id: str, source_id: str, pseudonymiser: Pseudonymiser, mapping: dict[str, Any]
    ) -> ReadResult: ...


# (kind, format) -> the connector that reads such a source, and the entity it produces (None: any).
READERS: dict[tuple[str, str], tuple[str | None, FileReader]] = {
    ("dynamics365", "odata_json"): ("request", read_dynamics_export),
    ("dynamics365", "web_api"): ("request", read_dynamics_web_api),
    ("event_log", "csv"): ("case_event", partial(read_event_log, file_format="csv")),
    ("event_log", "xes"): ("case_event", partial(read_event_log, file_format="xes")),
    ("booking_export", "csv"): ("appointment", read_appointments),
    ("icalendar", "ics"): ("appointment", read_icalendar),
    ("asterisk_queue_log", "queue_log"): ("call", read_queue_log),
    ("asterisk_cdr", "csv"): ("call", read_cdr_csv),
    ("portal_log", "jsonl"): ("portal_login", read_portal_logins),
    ("service_catalogue", "csv"): ("service", read_catalogue),
    ("generic", "csv"): (None, partial(read_generic, file_format="csv")),
    ("generic", "jsonl"): (None, partial(read_generic, file_format="jsonl")),
    ("generic", "json"): (None, partial(read_generic, file_format="json")),
}


class UnsupportedSourceError(ValueError):
    """A source whose kind and format no connector reads, or that feeds the wrong entity."""


def read_source(config: CivicConfig, source: Source, pseudonymiser: Pseudonymiser) -> ReadResult:
    entry = READERS.get((source.kind, source.format))
    if entry is None:
        known = ", ".join(f"{kind}/{fmt}" for kind, fmt in READERS)
        raise UnsupportedSourceError(
            f"source {source.id!r}: no connector reads kind {source.kind!r} in format {source.format!r}; "
            f"available: {known}"
        )
    entity, reader = entry
    if entity is not None and entity != source.entity:
        raise UnsupportedSourceError(
            f"source {source.id!r}: kind {source.kind!r} gives {entity} rows, not {source.entity!r}"
        )
    # Options (such as the time zone of a telephony server) complete the mapping; the mapping wins.
    mapping = {**source.options, **source.mapping}
    if source.kind == "generic":
        mapping.setdefault("entity", source.entity)
    return reader(config.resolve(source.location), source.commune, source.id, pseudonymiser, mapping)


def pseudonymiser_for(config: CivicConfig) -> Pseudonymiser:
    return Pseudonymiser.from_environment(
        demo=config.mode == "demo",
        key_env=config.pseudonymisation.key_env,
        key_file_env=config.pseudonymisation.key_file_env,
    )
