"""The civiclake configuration file: communes and their sources, validated on load.

One YAML file declares every commune (time zone, office hours, holidays, digital channels, targets)
and every source a commune plugs in (which connector, which files, which mappings). The format is
documented in docs/data-contracts.md. A mistake is reported with the file, the key and what was
expected, so that a commune's data team can fix its file without reading code.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

CONFIG_ENV_VAR = "CIVICLAKE_CONFIG"

CHANNELS = ("portal", "app", "email", "phone", "counter", "post", "other", "unknown")
ENTITIES = ("service", "request", "case_event", "appointment", "call", "portal_login")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_DIGITAL_CHANNELS = ("portal", "app", "email")
# The entities whose sources may set retention_days (see Source._retention_kept_by_the_facts).
RETENTION_ENTITIES = ("request", "appointment", "call", "portal_login")

_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

# Secrets (the pseudonymisation key, API credentials) come from the environment or secret files, never
# from this file: a key named like one of these is refused, and its value is never quoted back.
_SECRET_KEY = re.compile(
    r"(^|_)(secret|client_secret|password|passwd|pwd|token|access_token|refresh_token|api_?key|apikey|"
    r"private_key|credentials?)$",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NO_SECRET_ERROR = "no_secret_here"


class ConfigError(ValueError):
    """A configuration file that cannot be used, with the file, the key and what was expected."""


class _Strict(BaseModel):
    # Unknown keys are mistakes (a typo in "timezone" must not silently fall back to a default).
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalisedName(_Strict):
    fr: str
    nl: str
    en: str


class OfficeWindow(_Strict):
    opens_at: dt.time
    closes_at: dt.time


class ExtraHoliday(_Strict):
    date: dt.date
    name: str


class Holidays(_Strict):
    country: str | None = "BE"
    subdivision: str | None = None
    extra: list[ExtraHoliday] = Field(default_factory=list)


class Target(_Strict):
    kpi: str
    value: float = Field(ge=0)
    deadline: dt.date


class Process(_Strict):
    # The activities that end a case of the process (its last activity, a cancellation...): a case
    # whose last event is one of them is closed (KPIS.md, "Processing and bottlenecks").
    closing_activities: list[str] = Field(default_factory=list)

    @field_validator("closing_activities")
    @classmethod
    def _named_activities(cls, value: list[str]) -> list[str]:
        if any(not activity.strip() for activity in value):
            raise ValueError("non-empty activity names")
        if len(set(value)) != len(value):
            raise ValueError(f"each activity once, got {value}")
        return value


class Commune(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: LocalisedName
    timezone: str = "Europe/Brussels"
    office_hours: dict[str, list[OfficeWindow]] = Field(default_factory=dict)
    holidays: Holidays = Field(default_factory=Holidays)
    digital_channels: list[str] = Field(default_factory=lambda: list(DEFAULT_DIGITAL_CHANNELS))
    targets: list[Target] = Field(default_factory=list)
    # Per process code (as in the case events): its closing activities. Optional: without it a case
    # is closed only by its request's closing time.
    processes: dict[str, Process] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"an IANA time zone name such as Europe/Brussels, got {value!r}") from error
        return value

    @field_validator("office_hours", mode="before")
    @classmethod
    def _parse_windows(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("a mapping of weekday (mon..sun) to a list of 'HH:MM-HH:MM' windows")
        parsed: dict[str, list[dict[str, dt.time]]] = {}
        for day, windows in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"weekday keys among {', '.join(WEEKDAYS)}, got {day!r}")
            if isinstance(windows, str):
                windows = [windows]
            parsed[day] = [_parse_window(day, window) for window in windows or []]
        return parsed

    @field_validator("processes")
    @classmethod
    def _process_codes(cls, value: dict[str, Process]) -> dict[str, Process]:
        blank = [code for code in value if not str(code).strip()]
        if blank:
            raise ValueError("non-empty process codes")
        return value

    @field_validator("digital_channels")
    @classmethod
    def _known_channels(cls, value: list[str]) -> list[str]:
        unknown = [channel for channel in value if channel not in CHANNELS]
        if unknown:
            raise ValueError(f"channels among {', '.join(CHANNELS)}, got {unknown}")
        return value


def _parse_window(day: str, window: Any) -> dict[str, dt.time]:
    match = _WINDOW.match(str(window).strip())
    if not match:
        raise ValueError(f"{day}: a window written 'HH:MM-HH:MM' (e.g. '08:00-17:00'), got {window!r}")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{day}: a window with valid clock times, got {window!r}")
    opens_at = dt.time(h1, m1)
    # 24:00 means "until midnight"; a time cannot hold it, so the window closes at 23:59:59.999999.
    closes_at = dt.time.max if h2 == 24 else dt.time(h2, m2)
    if closes_at <= opens_at:
        raise ValueError(f"{day}: a window that closes after it opens, got {window!r}")
    return {"opens_at": opens_at, "closes_at": closes_at}


def _refuse_secrets(value: Any, path: str) -> None:
    """Raise when a mapping holds a secret in clear, or a value where a variable's name is expected."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        name = str(key)
        where = f"{path}.{name}" if path else name
        if _SECRET_KEY.search(name) and item not in (None, ""):
            raise PydanticCustomError(
                NO_SECRET_ERROR,
                "{where}: a secret written in clear is refused; put it in an environment variable or a secret "
                "file and name the variable here ({name}_env: VARIABLE; VARIABLE_FILE may name a file holding it)",
                {"where": where, "name": name},
            )
        if name.endswith("_env") and not (isinstance(item, str) and _ENV_NAME.match(item)):
            # Not quoted back: a mistake here is often the secret itself where its variable's name belongs.
            raise PydanticCustomError(
                NO_SECRET_ERROR,
                "{where}: expected the name of an environment variable (letters, digits, _), not a value",
                {"where": where},
            )
        if name != "values":  # source values (e.g. a status called "token") are data, not settings
            _refuse_secrets(item, where)


class Source(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    commune: str
    entity: Literal["service", "request", "case_event", "appointment", "call", "portal_login"]
    kind: str
    format: str
    location: str
    mapping: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    # GDPR: how many days of this source's rows bronze keeps (pipelines/retention.py); None keeps all.
    retention_days: int | None = None

    @field_validator("retention_days", mode="before")
    @classmethod
    def _positive_days(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"a whole number of days, at least 1 (got {value!r})")
        return value

    @model_validator(mode="after")
    def _retention_kept_by_the_facts(self) -> Source:
        # The KPIs of these entities are recomputed from bronze in full (the process KPIs from the case
        # events) or have no day (the catalogue): deleting old rows would rewrite history, not age it.
        if self.retention_days is not None and self.entity not in RETENTION_ENTITIES:
            raise ValueError(
                f"retention_days is not supported for {self.entity} sources (only {', '.join(RETENTION_ENTITIES)}: "
                "their monthly figures are kept in incremental facts when old bronze rows are deleted)"
            )
        return self

    @field_validator("mapping", "options")
    @classmethod
    def _no_secret_in_clear(cls, value: dict[str, Any]) -> dict[str, Any]:
        _refuse_secrets(value, "")
        return value


class Pseudonymisation(_Strict):
    key_env: str = "CIVICLAKE_PSEUDONYMISATION_KEY"
    key_file_env: str = "CIVICLAKE_PSEUDONYMISATION_KEY_FILE"

    @model_validator(mode="before")
    @classmethod
    def _no_key_in_clear(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if any(name not in ("key_env", "key_file_env") for name in value):
                raise PydanticCustomError(
                    NO_SECRET_ERROR,
                    "only key_env and key_file_env belong here: the key itself is never written in this file; "
                    "set $CIVICLAKE_PSEUDONYMISATION_KEY, or $CIVICLAKE_PSEUDONYMISATION_KEY_FILE to a file holding it",
                )
            _refuse_secrets(value, "")
        return value


class History(_Strict):
    # The first day the lake keeps: `civiclake run` loads from it to today unless told otherwise.
    start: dt.date = dt.date(2020, 1, 1)


class Licence(_Strict):
    id: str = "CC-BY-4.0"
    uri: str = "https://creativecommons.org/licenses/by/4.0/"
    title: str = "Creative Commons Attribution 4.0 International"


class Publisher(_Strict):
    # Unset fields default, in the release, to the first commune's name and the base URL.
    name: str | None = None
    uri: str | None = None
    email: str | None = None
    homepage: str | None = None


class OpenData(_Strict):
    """The open-data releases (`civiclake export`): licence, publisher, disclosure control."""

    licence: Licence = Field(default_factory=Licence)
    publisher: Publisher = Field(default_factory=Publisher)
    base_url: str = "https://example.org/opendata"
    suppression_threshold: int = Field(default=4, ge=0)
    min_events: int = Field(default=10, ge=1)
    # Spatial coverage (URIs); the default, Belgium in the EU country authority table.
    spatial: list[str] = Field(
        default_factory=lambda: ["http://publications.europa.eu/resource/authority/country/BEL"], min_length=1
    )
    themes: list[str] = Field(default_factory=lambda: ["GOVE"], min_length=1)  # EU data themes

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s]+$", value):
            raise ValueError(f"an http(s) URL, got {value!r}")
        return value.rstrip("/")


class CivicConfig(_Strict):
    version: Literal[1] = 1
    mode: Literal["demo", "production"] = "production"
    history: History = Field(default_factory=History)
    pseudonymisation: Pseudonymisation = Field(default_factory=Pseudonymisation)
    communes: list[Commune] = Field(min_length=1)
    sources: list[Source] = Field(default_factory=list)
    opendata: OpenData = Field(default_factory=OpenData)
    # Where the file was read from: source locations are relative to its folder.
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> CivicConfig:
        commune_ids = [commune.id for commune in self.communes]
        _no_duplicates("communes", commune_ids)
        _no_duplicates("sources", [source.id for source in self.sources])
        for index, source in enumerate(self.sources):
            if source.commune not in commune_ids:
                raise ValueError(
                    f"sources[{index}].commune: one of the communes declared ({', '.join(commune_ids)}), "
                    f"got {source.commune!r}"
                )
        return self

    def commune(self, commune_id: str) -> Commune:
        for commune in self.communes:
            if commune.id == commune_id:
                return commune
        known = ", ".join(commune.id for commune in self.communes)
        raise KeyError(f"unknown commune {commune_id!r}; the configuration declares: {known}")

    def sources_for(self, entity: str) -> list[Source]:
        return [source for source in self.sources if source.entity == entity]

    def resolve(self, location: str) -> Path:
        """A source location as an absolute path (relative ones are relative to the config file)."""
        path = Path(location)
        return path if path.is_absolute() else (self.base_dir / path).resolve()


def _no_duplicates(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{what}: unique ids, got {item!r} twice")
        seen.add(item)


def _error_location(error: dict[str, Any]) -> str:
    parts: list[str] = []
    for part in error["loc"]:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]" if parts else f"[{part}]"]
        else:
            parts.append(str(part))
    return ".".join(parts) or "(top level)"


def _explain(error: dict[str, Any]) -> str:
    if error["type"] == NO_SECRET_ERROR:  # never followed by the value, which may be a secret
        return error["msg"]
    if error["type"] == "extra_forbidden":
        return "no such key is expected here (a typo?)"
    if error["type"] == "missing":
        return "this key is required"
    message = error["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    message = message if message.startswith("expected") else f"expected {message}"
    value = error.get("input")
    if isinstance(value, str | int | float) and repr(value) not in message:
        message += f", got {value!r}"
    return message


def load_config(path: str | os.PathLike[str] | None = None) -> CivicConfig:
    """Read and validate a configuration file; the path defaults to $CIVICLAKE_CONFIG."""
    if path is None:
        path = os.environ.get(CONFIG_ENV_VAR)
        if not path:
            raise ConfigError(f"no configuration file given: pass --config FILE or set ${CONFIG_ENV_VAR}")
    config_path = Path(path)
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{config_path}: no such configuration file") from error
    except yaml.MarkedYAMLError as error:
        # The problem and its place, not the quoted line: that line could hold a secret.
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{config_path}: not valid YAML: {error.problem or error.context}{where}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{config_path}: not valid YAML: {type(error).__name__}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_path}: expected a mapping with 'communes' and 'sources' at the top")
    try:
        return CivicConfig.model_validate({**raw, "base_dir": config_path.resolve().parent})
    except ValidationError as error:
        lines = [f"{config_path}: {_error_location(e)}: {_explain(e)}" for e in error.errors()]
        raise ConfigError("\n".join(lines)) from None
