"""Data-quality checks on bronze: one Great Expectations suite per entity, each run kept as a JSON file.

Every expectation carries a severity (GX's own `severity` field and `meta["severity"]`, which agree):

- **critical**: the canonical columns are there; keys are present and unique; closed vocabularies are
  respected; `*_key` columns are 64-hex keyed hashes (the personal-data guard); a duration or an SLA
  is not negative; a portal login says whether it succeeded. A critical failure means the rows are
  wrong in a way the KPIs would silently absorb (a duplicate counted twice, a channel counted
  nowhere, a negative wait pulling the speed of answer down) or unlawful (an e-mail address where a
  hash belongs), so a bronze table with one should not be published further.
- **warning**: times in a plausible range and in a plausible order (closed after created, a slot that
  ends after it starts...). These go wrong for reasons outside our control, such as clocks of two
  source systems that disagree or a time zone slip in an export, and the rows are still usable: they
  are reported and counted, and do not stop the pipeline.

`validate()` runs an entity's suite on a frame in a throw-away (ephemeral) GX context: nothing is
written under `gx/`, in the repository or in the working directory, and nothing is sent anywhere.
The full GX result plus our summary lands atomically in `<quality_dir>/<entity>/<run_label>.json`.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

# GX 1.x releases before the removal of usage statistics sent them unless told not to; civiclake runs
# without network, so this must be set before great_expectations is first imported (it reads it then).
os.environ["GX_ANALYTICS_ENABLED"] = "false"

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from connectors.schemas import CHANNELS, ENTITY_SCHEMAS, PRIMARY_KEYS, REQUEST_STATUSES  # noqa: E402

Severity = Literal["critical", "warning"]

BOOKING_CHANNELS = ("online", "phone", "counter")
APPOINTMENT_STATUSES = ("attended", "no-show", "cancelled", "booked")
CALL_OUTCOMES = ("answered", "transferred", "abandoned", "timeout", "exit_empty")
# The transitions of the XES standard lifecycle model (lifecycle:transition), plus the plain "abort"
# that some case tools write instead of ate_abort/pi_abort.
CASE_LIFECYCLES = (
    "schedule",
    "assign",
    "reassign",
    "withdraw",
    "start",
    "suspend",
    "resume",
    "complete",
    "autoskip",
    "manualskip",
    "ate_abort",
    "pi_abort",
    "abort",
    "unknown",
)

# HMAC-SHA256 hexdigest, as connectors.pseudonymise writes it (lower case). Anything else in a `*_key`
# column (an e-mail address, a national number, a name) is an identifier that escaped pseudonymisation.
KEY_HASH_REGEX = r"^[0-9a-f]{64}$"

# Event times before this are not from any system the city runs (1970-01-01 is the classic zero epoch).
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)
# Event times may run a little ahead of our clock (clock skew, a time zone slip), not by more than a day.
EVENT_CLOCK_MARGIN = timedelta(days=1)
# Appointment slots are booked ahead, so they legitimately lie in the future, but not a year out.
SLOT_HORIZON = timedelta(days=366)
# Catalogue dates include planned launches and retirements, announced some years ahead; a service may
# also have existed long before the digital era.
EARLIEST_CATALOGUE_DATE = date(1950, 1, 1)
CATALOGUE_HORIZON = timedelta(days=5 * 366)

# SUMMARY keeps counts plus up to 20 example values: enough to fix a source, small enough to keep.
RESULT_FORMAT = "SUMMARY"
_REDACTED = "<redacted: personal-data column>"
_RUN_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# The result fields that can hold row values; they are blanked for expectations on `*_key` columns.
_VALUE_FIELDS = ("partial_unexpected_list", "partial_unexpected_counts", "unexpected_list", "unexpected_rows")


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation of a run: what it checked, how bad a failure is, and how many rows broke it."""

    check: str
    expectation_type: str
    columns: tuple[str, ...]
    severity: Severity
    success: bool
    unexpected_count: int | None
    exception: str | None = None


@dataclass(frozen=True)
class QualityReport:
    """The outcome of one entity's suite on one frame, and where its full result was written."""

    entity: str
    run_label: str
    success: bool
    critical_success: bool
    results: tuple[ExpectationOutcome, ...]
    statistics: dict[str, Any]
    result_path: Path
    failures: tuple[ExpectationOutcome, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "failures", tuple(result for result in self.results if not result.success))

    def outcome(self, expectation_type: str, *columns: str) -> ExpectationOutcome:
        """The single outcome of `expectation_type` on exactly these columns (in suite order)."""
        matches = [r for r in self.results if r.expectation_type == expectation_type and r.columns == columns]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} results for {expectation_type} on {columns} in the {self.entity} suite")
        return matches[0]

    def summary(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "run_label": self.run_label,
            "success": self.success,
            "critical_success": self.critical_success,
            "statistics": self.statistics,
            "results": [asdict(result) | {"columns": list(result.columns)} for result in self.results],
        }


def build_suite(entity: str, now: datetime | None = None) -> gx.ExpectationSuite:
    """The expectation suite of one entity; `now` sets the upper bound of plausible times."""
    if entity not in ENTITY_SCHEMAS:
        raise ValueError(f"unknown entity {entity!r}; expected one of {sorted(ENTITY_SCHEMAS)}")
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware (UTC): the lake's timestamps are")
    latest_event = now + EVENT_CLOCK_MARGIN
    expectations = [*_key_expectations(entity), *_ENTITY_EXPECTATIONS[entity](now, latest_event)]
    return gx.ExpectationSuite(name=f"civiclake_bronze_{entity}", expectations=expectations)


def validate(
    entity: str,
    frame: pl.DataFrame | pa.Table,
    quality_dir: Path,
    run_label: str,
    *,
    now: datetime | None = None,
) -> QualityReport:
    """Run the entity's suite on `frame` and write the result to `quality_dir/<entity>/<run_label>.json`.

    The same label again overwrites that file atomically (a re-run of the same batch replaces its result).
    """
    if not _RUN_LABEL.match(run_label):
        raise ValueError(f"run label {run_label!r} must be a plain file name: letters, digits, '.', '_', '-'")
    suite = build_suite(entity, now)
    started = time.perf_counter()
    data = _to_pandas(frame)
    result = _run_suite(entity, suite, data)
    elapsed = time.perf_counter() - started

    key_columns = {name for name in ENTITY_SCHEMAS[entity].names if name.endswith("_key")}
    outcomes = tuple(_outcome(item) for item in result.results)
    # GX groups results by the metrics they share, not in suite order: put them back in suite order.
    order = {expectation.meta["check"]: index for index, expectation in enumerate(suite.expectations)}
    outcomes = tuple(sorted(outcomes, key=lambda outcome: order.get(outcome.check, len(order))))
    failed = [outcome for outcome in outcomes if not outcome.success]
    statistics = {
        **{key: value for key, value in result.statistics.items() if value is not None},
        "row_count": len(data),
        "critical_failures": sum(1 for outcome in failed if outcome.severity == "critical"),
        "warning_failures": sum(1 for outcome in failed if outcome.severity == "warning"),
        "duration_s": round(elapsed, 3),
    }
    path = quality_dir / entity / f"{run_label}.json"
    report = QualityReport(
        entity=entity,
        run_label=run_label,
        success=bool(result.success) and not failed,
        critical_success=not any(outcome.severity == "critical" for outcome in failed),
        results=outcomes,
        statistics=statistics,
        result_path=path,
    )
    gx_result = _redact(result.to_json_dict(), key_columns)
    _atomic_write_json({"civiclake": report.summary(), "great_expectations": gx_result}, path)
    return report


# --- suites ------------------------------------------------------------------------------------------


def _expect(cls: type[gxe.Expectation], check: str, severity: Severity, **kwargs: Any) -> gxe.Expectation:
    # `check` names the expectation for people and ties a result back to its place in the suite.
    return cls(severity=severity, meta={"severity": severity, "check": check}, **kwargs)


def _key_expectations(entity: str) -> list[gxe.Expectation]:
    schema = ENTITY_SCHEMAS[entity]
    keys = PRIMARY_KEYS[entity]
    expectations = [
        _expect(
            gxe.ExpectTableColumnsToMatchSet,
            "canonical columns present",
            "critical",
            column_set=list(schema.names),
            # Bronze rows also carry _source, _batch_id...: extra columns are fine, missing ones are not.
            exact_match=False,
        ),
        *(_expect(gxe.ExpectColumnValuesToNotBeNull, f"{key} present", "critical", column=key) for key in keys),
    ]
    if len(keys) == 1:
        expectations.append(_expect(gxe.ExpectColumnValuesToBeUnique, f"{keys[0]} unique", "critical", column=keys[0]))
    else:
        expectations.append(
            _expect(
                gxe.ExpectCompoundColumnsToBeUnique,
                f"({', '.join(keys)}) unique",
                "critical",
                column_list=list(keys),
            )
        )
    for name in schema.names:
        if name.endswith("_key"):
            expectations.append(
                _expect(
                    gxe.ExpectColumnValuesToMatchRegex,
                    f"{name} is a keyed hash",
                    "critical",
                    column=name,
                    regex=KEY_HASH_REGEX,
                )
            )
    return expectations


def _in_set(column: str, values: Iterable[Any]) -> gxe.Expectation:
    return _expect(
        gxe.ExpectColumnValuesToBeInSet, f"{column} in vocabulary", "critical", column=column, value_set=list(values)
    )


def _not_null(column: str) -> gxe.Expectation:
    return _expect(gxe.ExpectColumnValuesToNotBeNull, f"{column} present", "critical", column=column)


def _not_negative(column: str) -> gxe.Expectation:
    return _expect(gxe.ExpectColumnValuesToBeBetween, f"{column} not negative", "critical", column=column, min_value=0)


def _between(column: str, low: date | datetime, high: date | datetime) -> gxe.Expectation:
    return _expect(
        gxe.ExpectColumnValuesToBeBetween,
        f"{column} plausible",
        "warning",
        column=column,
        min_value=low,
        max_value=high,
    )


def _not_before(later: str, earlier: str) -> gxe.Expectation:
    return _expect(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB,
        f"{later} >= {earlier}",
        "warning",
        column_A=later,
        column_B=earlier,
        or_equal=True,
        # A missing end (open request, unanswered call) is not out of order.
        ignore_row_if="either_value_is_missing",
    )


def _service(now: datetime, latest_event: datetime) -> list[gxe.Expectation]:
    latest = now.date() + CATALOGUE_HORIZON
    return [
        _not_negative("sla_days"),
        *(
            _between(column, EARLIEST_CATALOGUE_DATE, latest)
            for column in ("active_from", "retired_on", "digital_since")
        ),
        _not_before("retired_on", "active_from"),
    ]


def _request(now: datetime, latest_event: datetime) -> list[gxe.Expectation]:
    return [
        # The partition time: without it a row belongs to no day.
        _not_null("created_at"),
        _in_set("channel", CHANNELS),
        _in_set("status", REQUEST_STATUSES),
        _between("created_at", EARLIEST_EVENT, latest_event),
        _between("closed_at", EARLIEST_EVENT, latest_event),
        _not_before("closed_at", "created_at"),
    ]


def _case_event(now: datetime, latest_event: datetime) -> list[gxe.Expectation]:
    return [
        _in_set("lifecycle", CASE_LIFECYCLES),
        _between("event_at", EARLIEST_EVENT, latest_event),
    ]


def _appointment(now: datetime, latest_event: datetime) -> list[gxe.Expectation]:
    latest_slot = now + SLOT_HORIZON
    return [
        _not_null("booked_at"),
        _in_set("booking_channel", BOOKING_CHANNELS),
        _in_set("status", APPOINTMENT_STATUSES),
        _between("booked_at", EARLIEST_EVENT, latest_event),
        _between("slot_start", EARLIEST_EVENT, latest_slot),
        _between("slot_end", EARLIEST_EVENT, latest_slot),
        _not_before("slot_end", "slot_start"),
    ]


def _call(now: datetime, latest_event: datetime) -> list[gxe.Expectation]:
    return [
        _not_null("entered_at"),
        _in_set("outcome", CALL_OUTCOMES),
        _not_negative("wait_s"),
        _not_negative("talk_s"),
        _between("entered_at", EARLIEST_EVENT, latest_event),
        _between("answered_at", EARLIEST_EVENT, latest_event),
        _between("ended_at", EARLIEST_EVENT, latest_event),
        _not_before("answered_at", "entered_at"),
        _not_before("ended_at", "entered_at"),
    ]


def _portal_login(now: datetime, latest_event: datetime) -> list[gxe.Expectation]:
    return [
        # daily_active_citizens counts successful logins only: an unknown outcome cannot be counted.
        _not_null("success"),
        _between("login_at", EARLIEST_EVENT, latest_event),
    ]


_ENTITY_EXPECTATIONS = {
    "service": _service,
    "request": _request,
    "case_event": _case_event,
    "appointment": _appointment,
    "call": _call,
    "portal_login": _portal_login,
}


# --- running -----------------------------------------------------------------------------------------


def _to_pandas(frame: pl.DataFrame | pa.Table) -> pd.DataFrame:
    table = frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame
    # pyarrow keeps the microsecond unit of the lake's timestamps (pandas 2 and later), so a year-9999 typo is
    # reported as implausible instead of overflowing nanoseconds.
    return table.to_pandas()


def _run_suite(entity: str, suite: gx.ExpectationSuite, data: pd.DataFrame) -> Any:
    # A fresh ephemeral context per run: it lives in memory only, so no gx/ folder appears anywhere,
    # and runs never share state (validating the same entity twice in one process needs no clean-up).
    context = gx.get_context(mode="ephemeral")
    # GX draws a tqdm bar on stderr per run: noise in a pipeline's log, not information.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas(name="civiclake")
        .add_dataframe_asset(name=entity)
        .add_batch_definition_whole_dataframe(name="frame")
    )
    # A validation definition rather than batch_definition.get_batch().validate(suite): Batch.validate
    # loads the batch a second time, and each load fingerprints the whole frame (a hash of every value:
    # about 1.3 s per load on 1.2 M rows, as long as all the expectations together).
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{entity}-bronze", data=batch_definition, suite=context.suites.add(suite))
    )
    with warnings.catch_warnings():
        # GX lists a failing pair of tz-aware times through Series.values, which pandas 3 deprecates
        # (it drops the zone); only the examples of the result are affected, and they are UTC anyway.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray that drops timezone")
        return definition.run(batch_parameters={"dataframe": data}, result_format=RESULT_FORMAT)


def _columns(kwargs: dict[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_A" in kwargs:
        return (kwargs["column_A"], kwargs["column_B"])
    if "column_list" in kwargs:
        return tuple(kwargs["column_list"])
    return ()


def _outcome(item: Any) -> ExpectationOutcome:
    config = item.expectation_config
    meta = config.meta or {}
    exception_info = item.exception_info or {}
    raised = exception_info.get("raised_exception", False)
    unexpected = (item.result or {}).get("unexpected_count")
    return ExpectationOutcome(
        check=meta.get("check", config.type),
        expectation_type=config.type,
        columns=_columns(config.kwargs),
        severity=meta.get("severity", "critical"),
        # An expectation that could not run (a missing column) has not passed.
        success=bool(item.success) and not raised,
        unexpected_count=None if unexpected is None else int(unexpected),
        exception=exception_info.get("exception_message") if raised else None,
    )


def _redact(result: dict[str, Any], key_columns: set[str]) -> dict[str, Any]:
    # A `*_key` column that fails its hash check holds a real identifier (an e-mail address...): GX
    # would copy up to 20 of them into the result file, spreading exactly what the check guards against.
    for item in result.get("results", []):
        columns = set(_columns(item.get("expectation_config", {}).get("kwargs", {})))
        if columns & key_columns and isinstance(item.get("result"), dict):
            for name in _VALUE_FIELDS:
                if name in item["result"]:
                    item["result"][name] = _REDACTED
    return result


def _atomic_write_json(document: dict[str, Any], path: Path) -> None:
    """Write beside the target, then rename over it: a reader sees the old result or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # default=str: a value GX left unconverted (a numpy scalar, a Timestamp) must not lose the result.
        temporary.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
