"""The generic mapped reader: a CSV, JSON lines or JSON export described by a mapping, not by code.

A source of `kind: generic` names the canonical entity it feeds and, for each canonical column, the
source column it comes from; the mapping also says how times are written, which source values mean
which canonical value, which columns are personal and which canonical columns are constants. This is
the NYC 311 export of `../shared/realdata` mapped as requests:

```yaml
sources:
  - id: nyc-311
    commune: nyc
    entity: request
    kind: generic
    format: csv
    location: nyc311_service_requests_sample.csv
    mapping:
      entity: request
      format: csv                          # csv | jsonl | json (else taken from the file name)
      columns:                             # canonical column: source column
        request_id: Unique Key
        service_code: Complaint Type
        channel: Open Data Channel Type
        created_at: Created Date
        closed_at: Closed Date
        status: Status
      time_format: "%m/%d/%Y %I:%M:%S %p"  # strptime directives; without it, ISO 8601
      timezone: America/New_York           # the zone of times written without a UTC offset
      ambiguous: earliest                  # the repeated autumn hour: earliest | latest | reject
      values:                              # source value: canonical value, per canonical column
        channel: {PHONE: phone, ONLINE: portal, MOBILE: app, UNKNOWN: unknown, OTHER: other}
        status:
          Closed: closed
          Open: open
          Pending: open
          Assigned: open
          In Progress: open
          Started: open
          Email Sent: open
      constants:
        source_system: nyc311
```

For a column with a closed vocabulary (channel, request status, booking channel, appointment status)
a canonical value in the source (`portal`) is accepted as it is; `values` adds the source's own words.
Other keys: `default` (per canonical column, the value for an empty source value or one the
`values` do not list: without it such a row is rejected, e.g. "unknown channel value 'fax'"),
`personal` (source columns holding personal data: hashed wherever they go), `date_format` (for date
columns, default %Y-%m-%d), `encoding` (default utf-8; latin-1, cp1252...), `delimiter` (default ","),
`quote`, `records` (the key of the array in a JSON object). A `*_key` column (citizen_key,
resource_key, agent_key) is never copied: it is the keyed hash of its source, given as a column name
or as `{national_number: col, email: col, id: col}` (the first valid one wins; a national register
number is checked and normalised first, an e-mail lower-cased). Columns that the mapping does not
name never leave the connector, not even in the quarantine.

Canonical rules applied to every entity: the required columns of `REQUIRED` must be present; a
request's status, when not mapped, is closed if it has a closing time; `closed_at` is kept only for
closed requests (an export may carry a planned date there) and may not precede `created_at`; an
identifier (request_id, appointment_id, service_code, call_id) appearing on two rows with different
values rejects both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from connectors.pseudonymise import Pseudonymiser, citizen_key
from connectors.result import ReadResult
from connectors.schemas import CHANNELS, ENTITY_SCHEMAS, REQUEST_STATUSES
from connectors.tabular import (
    FILE,
    FORMATS,
    LABEL,
    PROBLEM,
    MappingError,
    SourceFileError,
    SourceTable,
    TimeSpec,
    check_encoding,
    concat_tables,
    first_reason,
    format_of,
    hash_values,
    latest_allowed,
    map_values,
    mark_duplicates,
    parse_booleans,
    parse_dates,
    parse_floats,
    parse_integers,
    parse_times,
    raw_records,
    read_table,
    rejection_frame,
    require_columns,
    source_files,
)

BOOKING_CHANNELS = ("online", "phone", "counter")
APPOINTMENT_STATUSES = ("attended", "no-show", "cancelled")

# Closed vocabularies: a value outside them never reaches the lake.
VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("request", "channel"): CHANNELS,
    ("request", "status"): REQUEST_STATUSES,
    ("appointment", "booking_channel"): BOOKING_CHANNELS,
    ("appointment", "status"): APPOINTMENT_STATUSES,
}

# Columns a row cannot do without: its identity and the time that places it in the lake.
REQUIRED: dict[str, tuple[str, ...]] = {
    "service": ("service_code",),
    "request": ("request_id", "channel", "created_at", "status"),
    "case_event": ("case_id", "activity", "lifecycle", "event_at"),
    "appointment": ("appointment_id", "booking_channel", "booked_at", "slot_start", "status"),
    "call": ("call_id", "entered_at"),
    "portal_login": ("citizen_key", "login_at", "method", "success"),
}

# One row per identifier: a second row with the same one and other values is a conflict, not an update.
IDENTIFIERS: dict[str, str] = {
    "service": "service_code",
    "request": "request_id",
    "appointment": "appointment_id",
    "call": "call_id",
}

# Appointment slots are booked ahead: only these times may lie in the future.
MAY_BE_FUTURE = {("appointment", "slot_start"), ("appointment", "slot_end")}

KEY_KINDS = ("national_number", "email", "agent", "id")
DEFAULT_KEY_KIND = {"citizen_key": "national_number", "resource_key": "agent", "agent_key": "agent"}

MAPPING_KEYS = {
    "entity",
    "format",
    "columns",
    "time_format",
    "timezone",
    "ambiguous",
    "date_format",
    "values",
    "default",
    "personal",
    "constants",
    "encoding",
    "delimiter",
    "quote",
    "records",
}


@dataclass
class MappedSource:
    """A validated mapping: where each canonical column comes from and how to read it."""

    entity: str
    columns: dict[str, str] = field(default_factory=dict)  # canonical column -> source column
    keys: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # *_key -> [(kind, source column)]
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    default: dict[str, str] = field(default_factory=dict)
    personal: set[str] = field(default_factory=set)
    time: TimeSpec = field(default_factory=TimeSpec)
    date_format: str = "%Y-%m-%d"
    file_format: str | None = None
    read_options: dict[str, Any] = field(default_factory=dict)
    # Source columns a connector's defaults name but a file may lack (null then); never required ones.
    optional: set[str] = field(default_factory=set)

    @classmethod
    def from_mapping(
        cls, mapping: dict[str, Any], entity: str | None = None, optional: set[str] | None = None
    ) -> MappedSource:
        """Check a mapping as written in civiclake.yaml; every mistake is a MappingError saying which key.

        `optional` (for connectors with default columns) lists source columns that may be absent.
        """
        unknown = sorted(set(mapping) - MAPPING_KEYS)
        if unknown:
            raise MappingError(f"unknown mapping key(s) {', '.join(unknown)}; expected some of {sorted(MAPPING_KEYS)}")
        entity = entity or mapping.get("entity")
        if entity not in ENTITY_SCHEMAS:
            raise MappingError(f"entity: expected one of {', '.join(ENTITY_SCHEMAS)}, got {entity!r}")
        if mapping.get("entity") not in (None, entity):
            raise MappingError(f"entity: the mapping says {mapping['entity']!r} but the source feeds {entity!r}")
        schema = ENTITY_SCHEMAS[entity]
        canonical = set(schema.names) - {"commune_id"}

        columns: dict[str, str] = {}
        keys: dict[str, list[tuple[str, str]]] = {}
        for name, source in _as_dict(mapping.get("columns"), "columns").items():
            if name not in canonical:
                raise MappingError(f"columns.{name}: not a column of {entity} ({', '.join(sorted(canonical))})")
            if name.endswith("_key"):
                keys[name] = _key_sources(name, source)
            elif isinstance(source, str) and source:
                columns[name] = source
            else:
                raise MappingError(f"columns.{name}: expected the name of a source column, got {source!r}")

        constants = _as_dict(mapping.get("constants"), "constants")
        values = {
            name: {_text_key(key): (None if value is None else str(value)) for key, value in table.items()}
            for name, table in _as_dict(mapping.get("values"), "values").items()
            if isinstance(table, dict) or _not_a_table(name)
        }
        default = {name: str(value) for name, value in _as_dict(mapping.get("default"), "default").items()}
        for section, names in (("constants", constants), ("values", values), ("default", default)):
            for name in names:
                if name not in canonical:
                    raise MappingError(f"{section}.{name}: not a column of {entity}")
        for name in constants:
            if name in columns or name in keys:
                raise MappingError(f"constants.{name}: also mapped to a source column; choose one")
            if name.endswith("_key"):
                raise MappingError(f"constants.{name}: a key is always the hash of a source column")
        for (vocab_entity, name), vocabulary in VOCABULARIES.items():
            if vocab_entity != entity:
                continue
            for value in [*values.get(name, {}).values(), default.get(name), constants.get(name)]:
                if value is not None and value not in vocabulary:
                    raise MappingError(f"{name}: {value!r} is not one of {', '.join(vocabulary)}")

        personal = mapping.get("personal") or []
        if not isinstance(personal, list) or not all(isinstance(column, str) for column in personal):
            raise MappingError("personal: expected a list of source column names")
        file_format = mapping.get("format")
        if file_format is not None and file_format not in FORMATS:
            raise MappingError(f"format: expected one of {', '.join(FORMATS)}, got {file_format!r}")
        read_options = {
            name: mapping[name] for name in ("encoding", "delimiter", "quote", "records") if name in mapping
        }
        check_encoding(str(read_options.get("encoding") or "utf-8"))
        spec = cls(
            entity=entity,
            columns=columns,
            keys=keys,
            constants=constants,
            values=values,
            default=default,
            personal=set(personal),
            time=TimeSpec.from_mapping(mapping),
            date_format=str(mapping.get("date_format") or "%Y-%m-%d"),
            file_format=file_format,
            read_options=read_options,
        )
        required_sources = {columns[name] for name in REQUIRED[entity] if name in columns}
        spec.optional = set(optional or ()) - required_sources
        missing = [name for name in REQUIRED[entity] if not spec.provides(name)]
        if missing:
            raise MappingError(
                f"columns: {entity} needs {', '.join(missing)}: map a source column or set a constant for each"
            )
        return spec

    def provides(self, name: str) -> bool:
        derived = {("request", "status"), ("case_event", "lifecycle"), ("case_event", "request_id")}
        return (
            name in self.columns
            or name in self.keys
            or name in self.constants
            or name in self.default
            or (self.entity, name) in derived
        )

    def source_columns(self) -> dict[str, str]:
        """Every source column the mapping reads, with what it is for."""
        used = {source: name for name, source in self.columns.items()}
        for name, sources in self.keys.items():
            used.update({source: name for _, source in sources})
        return used

    def personal_columns(self) -> set[str]:
        return set(self.personal) | {source for sources in self.keys.values() for _, source in sources}


def _as_dict(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{name}: expected a mapping, got {type(value).__name__}")
    return {str(key): item for key, item in value.items()}


def _not_a_table(name: str) -> bool:
    raise MappingError(f"values.{name}: expected a mapping of source value to canonical value")


def _text_key(key: Any) -> str:
    # YAML reads `1:` as an int and `yes:` as a bool; source values are text.
    if isinstance(key, bool):
        return "true" if key else "false"
    return "" if key is None else str(key)


def _key_sources(name: str, source: Any) -> list[tuple[str, str]]:
    if isinstance(source, str) and source:
        return [(DEFAULT_KEY_KIND.get(name, "id"), source)]
    if isinstance(source, dict) and source:
        pairs = []
        for kind, column in source.items():
            if kind not in KEY_KINDS:
                raise MappingError(f"columns.{name}.{kind}: expected one of {', '.join(KEY_KINDS)}")
            if not isinstance(column, str) or not column:
                raise MappingError(f"columns.{name}.{kind}: expected the name of a source column")
            pairs.append((kind, column))
        return pairs
    raise MappingError(f"columns.{name}: expected a source column or {{kind: column}} ({', '.join(KEY_KINDS)})")


def normalise_email(value: str) -> str | None:
    """An e-mail address as a join key: trimmed and lower-cased; None when it is not an address."""
    email = value.strip().lower()
    return email if "@" in email and " " not in email else None


def key_hasher(kind: str, pseudonymiser: Pseudonymiser, source_id: str) -> Callable[[str], str | None]:
    """The keyed hash of one kind of identifier, in the namespace that links it across systems."""
    if kind == "national_number":
        return lambda value: citizen_key(pseudonymiser, value)
    if kind == "email":
        return lambda value: pseudonymiser.hash(normalise_email(value), "email")
    if kind == "agent":
        return lambda value: pseudonymiser.hash(value.strip(), "agent")
    return lambda value: pseudonymiser.hash(value.strip(), f"id:{source_id}")


_KIND_WORDS = {
    "national_number": "a valid national register number",
    "email": "an e-mail address",
    "agent": "an agent",
    "id": "an identifier",
}


# --------------------------------------------------------------------------------------------------


def read_generic(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
    *,
    file_format: str | None = None,
) -> ReadResult:
    """Rows of the mapping's entity from a file (or a folder of files) described by `mapping`."""
    if not mapping:
        raise MappingError(f"source {source_id!r}: a generic source needs a mapping (entity, columns, ...)")
    spec = MappedSource.from_mapping(mapping)
    return read_mapped(location, commune_id, source_id, pseudonymiser, spec, now, file_format=file_format)


def read_mapped(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    spec: MappedSource,
    now: datetime | None = None,
    *,
    file_format: str | None = None,
) -> ReadResult:
    """Read the files at `location` and map them (the engine behind every tabular connector)."""
    file_format = file_format or spec.file_format or format_of(location)
    if file_format is None:
        raise MappingError(f"{location}: cannot tell the format from the name; set `format` ({', '.join(FORMATS)})")
    if file_format not in FORMATS:
        raise MappingError(f"format: expected one of {', '.join(FORMATS)}, got {file_format!r}")
    files = source_files(location, file_format)
    tables = []
    for path in files:
        display = path.name if path == location else str(path.relative_to(location))
        tables.append(read_table(path, file_format, spec.read_options, display_name=display))
    return map_tables(tables, spec, commune_id, source_id, pseudonymiser, now)


def map_tables(
    tables: Sequence[SourceTable],
    spec: MappedSource,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    now: datetime | None = None,
) -> ReadResult:
    """Canonical rows and rejected records from tables already read."""
    needed = spec.source_columns()
    for table in tables:
        # JSON has no header: a key absent from every record is a missing column, but a file
        # without records has nothing to map.
        if table.columns or table.rows_read:
            require_columns(table, {column: use for column, use in needed.items() if column not in spec.optional})
    file_columns: list[str] = []
    for table in tables:
        file_columns += [column for column in table.columns if column not in file_columns]
    frame = concat_tables(tables)
    for column in needed:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    frame = mark_duplicates(frame, file_columns)
    canonical, reasons = _canonical_columns(frame, spec, source_id, pseudonymiser, now)
    reason = first_reason([frame[PROBLEM], *reasons], frame.height)
    reason = _identifier_conflicts(spec.entity, canonical, frame, reason)
    frame = frame.with_columns(reason.alias("__reason"))

    loaded = reason.is_null()
    rows = pl.DataFrame([series.alias(name) for name, series in canonical.items()])
    rows = rows.with_columns(pl.lit(commune_id, dtype=pl.String).alias("commune_id"))
    rows = _to_schema(rows.filter(loaded), ENTITY_SCHEMAS[spec.entity])
    rejected = frame.filter(~loaded)
    raw = raw_records(rejected, file_columns, needed, spec.personal_columns(), pseudonymiser)
    return ReadResult(
        entity=spec.entity,
        rows=rows,
        rejected=rejection_frame(source_id, rejected, raw),
        rows_read=frame.height,
        source_files=[str(table.path) for table in tables],
    )


def _to_schema(rows: pl.DataFrame, schema: pa.Schema) -> pl.DataFrame:
    """The canonical columns, in order, with the polars types of the Arrow schema (nulls where unmapped)."""
    target = pl.from_arrow(schema.empty_table()).schema  # type: ignore[union-attr]
    return rows.select(
        [
            (pl.col(name) if name in rows.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in target.items()
        ]
    )


def _canonical_columns(
    frame: pl.DataFrame,
    spec: MappedSource,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    now: datetime | None,
) -> tuple[dict[str, pl.Series], list[pl.Series]]:
    """Each canonical column from its source, and the reasons, column by column, in schema order."""
    entity = spec.entity
    schema = ENTITY_SCHEMAS[entity]
    required = set(REQUIRED[entity])
    latest = latest_allowed(now)
    height = frame.height
    values: dict[str, pl.Series] = {}
    reasons: list[pl.Series] = []

    for column in schema:
        name = column.name
        if name == "commune_id":
            continue
        if name in spec.keys:
            values[name], reason = _key_column(frame, name, spec.keys[name], name in required, pseudonymiser, source_id)
            reasons.append(reason)
            continue
        if name in spec.columns:
            source = frame[spec.columns[name]]
            if spec.columns[name] in spec.personal and pa.types.is_string(column.type):
                source = hash_values(source, lambda value: pseudonymiser.hash(value, "personal"))
        elif name in spec.constants:
            source = pl.Series(name, [_text_key(spec.constants[name])] * height, dtype=pl.String)
        elif name in spec.default:
            source = pl.Series(name, [None] * height, dtype=pl.String)
        else:
            continue  # derived below, or null
        value, reason = _typed(source.alias(name), column.type, name, spec, name in required, latest)
        values[name] = value
        reasons.append(reason)

    if entity == "case_event" and "request_id" not in values:
        values["request_id"] = values.get("case_id", pl.Series([None] * height, dtype=pl.String))
    if entity == "case_event" and "lifecycle" not in values:
        values["lifecycle"] = pl.Series("lifecycle", ["complete"] * height)
    if entity == "request":
        reasons += _request_rules(values, height, source_id)
    if entity == "appointment" and "slot_end" in values and "slot_start" in values:
        before = (values["slot_end"] < values["slot_start"]).fill_null(False)
        reasons.append(pl.Series([None] * height, dtype=pl.String).set(before, "slot_end is before slot_start"))
    return values, reasons


def _typed(
    source: pl.Series,
    arrow_type: pa.DataType,
    name: str,
    spec: MappedSource,
    required: bool,
    latest: datetime,
) -> tuple[pl.Series, pl.Series]:
    vocabulary = VOCABULARIES.get((spec.entity, name))
    table = spec.values.get(name)
    default = spec.default.get(name)
    if pa.types.is_timestamp(arrow_type):
        limit = None if (spec.entity, name) in MAY_BE_FUTURE else latest
        return parse_times(source, spec.time, label=name, required=required, latest=limit)
    if pa.types.is_date(arrow_type):
        return parse_dates(
            source.fill_null(default) if default else source, spec.date_format, label=name, required=required
        )
    if pa.types.is_integer(arrow_type):
        return parse_integers(source.fill_null(default) if default else source, label=name, required=required)
    if pa.types.is_floating(arrow_type):
        return parse_floats(source.fill_null(default) if default else source, label=name, required=required)
    if pa.types.is_boolean(arrow_type):
        if table is not None:
            source, reason = map_values(source, table, label=name, default=default, required=required)
            value, parse_reason = parse_booleans(source, label=name, required=required)
            return value, first_reason([reason, parse_reason], source.len())
        return parse_booleans(source.fill_null(default) if default else source, label=name, required=required)
    if table is not None or vocabulary is not None:
        # A value already in the canonical vocabulary means itself; the mapping adds other spellings.
        table = {value: value for value in vocabulary or ()} | (table or {})
        return map_values(source, table, label=name, default=default, required=required)
    text = source.cast(pl.String)
    text = text.set(text.str.len_bytes() == 0, None) if text.len() else text
    if default is not None:
        text = text.fill_null(default)
    missing = text.is_null() & required
    return text, pl.Series(name, [None] * text.len(), dtype=pl.String).set(missing, f"{name} is missing")


def _key_column(
    frame: pl.DataFrame,
    name: str,
    sources: list[tuple[str, str]],
    required: bool,
    pseudonymiser: Pseudonymiser,
    source_id: str,
) -> tuple[pl.Series, pl.Series]:
    """A keyed hash from the first of its sources that holds a valid identifier."""
    hashed = [hash_values(frame[column], key_hasher(kind, pseudonymiser, source_id)) for kind, column in sources]
    key = pl.DataFrame([series.alias(f"k{index}") for index, series in enumerate(hashed)]).select(
        pl.coalesce(pl.all()).alias(name)
    )[name]
    reason = pl.Series(name, [None] * frame.height, dtype=pl.String)
    if required:
        what = " or ".join(f"{column!r} ({_KIND_WORDS[kind]})" for kind, column in sources)
        reason = reason.set(key.is_null(), f"{name}: no usable {what}: missing or invalid")
    return key, reason


def _request_rules(values: dict[str, pl.Series], height: int, source_id: str) -> list[pl.Series]:
    """Status derived when not mapped, closing time only for closed requests, never before creation."""
    closed_at = values.get("closed_at", pl.Series("closed_at", [None] * height, dtype=pl.Datetime("us", "UTC")))
    if "status" not in values:
        values["status"] = (
            pl.DataFrame({"closed_at": closed_at})
            .select(pl.when(pl.col("closed_at").is_not_null()).then(pl.lit("closed")).otherwise(pl.lit("open")))
            .to_series()
            .alias("status")
        )
    if "source_system" not in values:
        values["source_system"] = pl.Series("source_system", [source_id] * height, dtype=pl.String)
    closed = (values["status"] == "closed").fill_null(False)
    values["closed_at"] = closed_at.set(~closed, None)
    created_at = values.get("created_at")
    if created_at is None:
        return []
    backwards = (closed & (values["closed_at"] < created_at)).fill_null(False)
    frame = pl.DataFrame({"closed_at": values["closed_at"], "created_at": created_at, "backwards": backwards})
    reason = frame.select(
        pl.when(pl.col("backwards")).then(
            pl.format(
                "closed_at {} is before created_at {}",
                pl.col("closed_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                pl.col("created_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
        )
    ).to_series()
    return [reason]


def _identifier_conflicts(
    entity: str, canonical: dict[str, pl.Series], frame: pl.DataFrame, reason: pl.Series
) -> pl.Series:
    """Rows sharing an identifier with other values (exact duplicates are already set apart)."""
    name = IDENTIFIERS.get(entity)
    if name is None or name not in canonical:
        return reason
    ids = pl.DataFrame({"id": canonical[name], "reason": reason, "label": frame[LABEL], "file": frame[FILE]})
    usable = pl.col("reason").is_null() & pl.col("id").is_not_null()
    ids = ids.with_columns(
        count=pl.len().over("id", usable),
        first=pl.col("label").first().over("id", usable),
        first_file=pl.col("file").first().over("id", usable),
    )
    conflict = usable & (pl.col("count") > 1)
    where = (
        pl.when(pl.col("first_file") == pl.col("file"))
        .then(pl.col("first"))
        .otherwise(pl.format("{} in {}", pl.col("first"), pl.col("first_file")))
    )
    message = pl.format(
        "{} '{}' appears on {} rows with different values (first at {})",
        pl.lit(name),
        pl.col("id"),
        pl.col("count"),
        where,
    )
    return ids.select(pl.when(conflict).then(message).otherwise(pl.col("reason"))).to_series()


__all__ = [
    "APPOINTMENT_STATUSES",
    "BOOKING_CHANNELS",
    "IDENTIFIERS",
    "REQUIRED",
    "VOCABULARIES",
    "MappedSource",
    "MappingError",
    "SourceFileError",
    "key_hasher",
    "map_tables",
    "normalise_email",
    "read_generic",
    "read_mapped",
]
