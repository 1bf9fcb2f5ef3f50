"""The service catalogue (CSV): one row per service, the reference every KPI per service joins to.

Columns as in the demo export: service_code, name_fr, name_nl, name_en, process_code, owner,
active_from, retired_on, digital_since (dates, %Y-%m-%d), sla_days (whole days); an empty cell is
null. Only service_code is required: another column missing from the file is null for every service.
A service code on two rows with different values rejects both: the catalogue cannot say which one
holds. A mapping may rename columns (`columns: {service_code: Code}`) and set `date_format`,
`encoding`, `delimiter`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.generic import MappedSource, read_mapped
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from connectors.schemas import ENTITY_SCHEMAS
from connectors.tabular import MappingError

DEFAULT_COLUMNS = {name: name for name in ENTITY_SCHEMAS["service"].names if name != "commune_id"}
PASSED_ON = ("date_format", "encoding", "delimiter", "quote", "format", "values", "default")
MAPPING_KEYS = {"columns", *PASSED_ON}


def catalogue_spec(mapping: dict[str, Any] | None = None) -> MappedSource:
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - MAPPING_KEYS)
    if unknown:
        raise MappingError(
            f"unknown catalogue mapping key(s) {', '.join(unknown)}; expected some of {sorted(MAPPING_KEYS)}"
        )
    generic: dict[str, Any] = {
        "entity": "service",
        "format": "csv",
        "columns": DEFAULT_COLUMNS | dict(mapping.get("columns") or {}),
    }
    generic |= {name: mapping[name] for name in PASSED_ON if name in mapping}
    # Columns the mapping does not rename may be missing from the file: they are null then.
    renamed = set(dict(mapping.get("columns") or {}))
    optional = {column for name, column in DEFAULT_COLUMNS.items() if name not in renamed}
    return MappedSource.from_mapping(generic, optional=optional)


def read_catalogue(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ReadResult:
    """Canonical services from the catalogue CSV. Nothing in it is personal; the pseudonymiser is
    taken for the common signature."""
    return read_mapped(location, commune_id, source_id, pseudonymiser, catalogue_spec(mapping), now)
