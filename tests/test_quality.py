"""Bronze data quality: one expectation suite per entity, critical and warning failures, results kept."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from connectors.schemas import ENTITY_SCHEMAS, PRIMARY_KEYS
from pipelines import quality
from pipelines.quality import QualityReport, validate

# A fixed "now" so that the plausible-time bounds (2000-01-01 .. now + 1 day) do not move under the tests.
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
T = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _frame(entity: str, columns: dict[str, list[Any]]) -> pl.DataFrame:
    # Cast to the canonical schema, as bronze is: the checks must see the lake's real types.
    return pl.from_arrow(pl.DataFrame(columns, strict=False).to_arrow().cast(ENTITY_SCHEMAS[entity]))


def _valid(entity: str) -> pl.DataFrame:
    """Three hand-made rows of `entity` that respect every expectation."""
    hour = timedelta(hours=1)
    columns: dict[str, dict[str, list[Any]]] = {
        "service": {
            "commune_id": ["brussels"] * 3,
            "service_code": ["POP-EID", "ETC-MAR", "MOB-PARK"],
            "name_fr": ["Carte d'identité", "Déclaration de mariage", "Carte de stationnement"],
            "name_nl": ["Identiteitskaart", "Huwelijksaangifte", "Parkeerkaart"],
            "name_en": ["Identity card", "Marriage declaration", "Parking permit"],
            "process_code": ["eid", "marriage", "parking"],
            "owner": ["population", "civil_status", "mobility"],
            "active_from": [date(2010, 1, 1), date(2010, 1, 1), date(2015, 3, 1)],
            "retired_on": [None, None, date(2025, 6, 30)],
            # A planned launch after `now` is fine: catalogues announce them.
            "digital_since": [date(2021, 9, 6), None, date(2026, 1, 5)],
            "sla_days": [10, 30, 0],
        },
        "request": {
            "commune_id": ["brussels"] * 3,
            "request_id": ["R1", "R2", "R3"],
            "service_code": ["POP-EID", None, "ETC-MAR"],
            "channel": ["portal", "counter", "unknown"],
            "created_at": [T, T + hour, T + 2 * hour],
            # Closed at the very instant it was created is allowed (or_equal).
            "closed_at": [T + timedelta(days=3), None, T + 2 * hour],
            "status": ["closed", "open", "cancelled"],
            "citizen_key": [_hash("citizen-1"), None, _hash("citizen-2")],
            "source_system": ["dynamics365"] * 3,
        },
        "case_event": {
            "commune_id": ["brussels"] * 3,
            "case_id": ["C1", "C1", "C2"],
            "request_id": ["R1", "R1", None],
            "process_code": ["eid"] * 3,
            "activity": ["Check documents", "Check documents", "Register"],
            "lifecycle": ["start", "complete", "complete"],
            "event_at": [T, T + hour, T],
            "resource_key": [_hash("agent-7"), _hash("agent-7"), None],
        },
        "appointment": {
            "commune_id": ["brussels"] * 3,
            "appointment_id": ["A1", "A2", "A3"],
            "service_code": ["POP-EID"] * 3,
            "booking_channel": ["online", "phone", "counter"],
            "booked_at": [T, T, T],
            # A booked slot weeks after `now` is normal: appointments are made ahead.
            "slot_start": [T + timedelta(days=2), T + timedelta(days=3), NOW + timedelta(days=40)],
            "slot_end": [T + timedelta(days=2, minutes=15), T + timedelta(days=3, minutes=15), None],
            "status": ["attended", "no-show", "booked"],
            "site": ["Centre", "Laeken", "Centre"],
            "citizen_key": [_hash("citizen-1"), _hash("citizen-3"), _hash("citizen-4")],
        },
        "call": {
            "commune_id": ["brussels"] * 3,
            "call_id": ["K1", "K2", "K3"],
            "queue": ["population"] * 3,
            "entered_at": [T, T + hour, T + 2 * hour],
            "answered_at": [T + timedelta(seconds=12), None, T + 2 * hour],
            "ended_at": [
                T + timedelta(seconds=200),
                T + hour + timedelta(seconds=40),
                T + 2 * hour + timedelta(minutes=3),
            ],
            "outcome": ["answered", "abandoned", "transferred"],
            "wait_s": [12.0, 40.0, 0.0],
            "talk_s": [188.0, None, 180.0],
            "agent_key": [_hash("agent-1"), None, _hash("agent-2")],
        },
        "portal_login": {
            "commune_id": ["brussels"] * 3,
            "citizen_key": [_hash("citizen-1"), _hash("citizen-1"), _hash("citizen-2")],
            "login_at": [T, T, T + hour],
            "method": ["itsme", "eid", "itsme"],
            "success": [True, False, True],
        },
    }
    return _frame(entity, columns[entity])


def _set(frame: pl.DataFrame, column: str, row: int, value: Any) -> pl.DataFrame:
    """`frame` with one cell changed, keeping the column's type."""
    values = frame[column].to_list()
    values[row] = value
    return frame.with_columns(pl.Series(column, values, dtype=frame.schema[column]))


def _run(entity: str, frame: pl.DataFrame, tmp_path: Path, label: str = "run-1") -> QualityReport:
    return validate(entity, frame, tmp_path / "quality", label, now=NOW)


ENTITIES = sorted(ENTITY_SCHEMAS)


@pytest.mark.parametrize("entity", ENTITIES)
def test_a_valid_frame_passes_every_expectation(entity: str, tmp_path: Path) -> None:
    report = _run(entity, _valid(entity), tmp_path)
    assert report.success and report.critical_success
    assert report.failures == ()
    assert all(outcome.success and outcome.exception is None for outcome in report.results)
    assert report.statistics["row_count"] == 3
    assert report.statistics["evaluated_expectations"] == len(report.results)
    assert report.statistics["critical_failures"] == report.statistics["warning_failures"] == 0
    # Results come back in the order of the suite, the key checks first.
    assert report.results[0].check == "canonical columns present"
    assert len({outcome.check for outcome in report.results}) == len(report.results)
    assert {outcome.severity for outcome in report.results} == {"critical", "warning"}


@pytest.mark.parametrize("entity", ENTITIES)
def test_a_missing_key_value_is_a_critical_failure(entity: str, tmp_path: Path) -> None:
    key = PRIMARY_KEYS[entity][1]  # the first key after commune_id
    report = _run(entity, _set(_valid(entity), key, 0, None), tmp_path)
    outcome = report.outcome("expect_column_values_to_not_be_null", key)
    assert (outcome.success, outcome.unexpected_count, outcome.severity) == (False, 1, "critical")
    assert not report.success and not report.critical_success
    assert [failure.check for failure in report.failures] == [f"{key} present"]


@pytest.mark.parametrize("entity", ENTITIES)
def test_a_duplicated_key_is_a_critical_failure(entity: str, tmp_path: Path) -> None:
    valid = _valid(entity)
    keys = PRIMARY_KEYS[entity]
    # The third row takes the key of the first; its other values stay its own.
    duplicated = valid.with_columns(
        [pl.Series(key, [valid[key][0], valid[key][1], valid[key][0]], dtype=valid.schema[key]) for key in keys]
    )
    report = _run(entity, duplicated, tmp_path)
    outcome = report.outcome("expect_compound_columns_to_be_unique", *keys)
    # GX counts every row that shares its key with another: both the first row and its copy.
    assert (outcome.success, outcome.unexpected_count, outcome.severity) == (False, 2, "critical")
    assert not report.critical_success
    assert [failure.check for failure in report.failures] == [f"({', '.join(keys)}) unique"]


Break = Callable[[pl.DataFrame], pl.DataFrame]

# entity, what breaks, the expectation that must fail (type, columns), unexpected rows, severity.
BREAKS: list[tuple[str, Break, str, tuple[str, ...], int, str]] = [
    (
        "request",
        lambda f: _set(f, "channel", 1, "fax"),
        "expect_column_values_to_be_in_set",
        ("channel",),
        1,
        "critical",
    ),
    (
        "request",
        lambda f: _set(f, "status", 0, "done"),
        "expect_column_values_to_be_in_set",
        ("status",),
        1,
        "critical",
    ),
    (
        "request",
        lambda f: _set(f, "citizen_key", 0, "jan.peeters@example.org"),
        "expect_column_values_to_match_regex",
        ("citizen_key",),
        1,
        "critical",
    ),
    (
        "request",
        lambda f: _set(f, "closed_at", 0, T - timedelta(hours=1)),
        "expect_column_pair_values_a_to_be_greater_than_b",
        ("closed_at", "created_at"),
        1,
        "warning",
    ),
    (
        "request",
        lambda f: _set(f, "created_at", 2, datetime(1970, 1, 1, tzinfo=UTC)),
        "expect_column_values_to_be_between",
        ("created_at",),
        1,
        "warning",
    ),
    (
        "request",
        lambda f: _set(f, "created_at", 1, NOW + timedelta(days=2)),
        "expect_column_values_to_be_between",
        ("created_at",),
        1,
        "warning",
    ),
    (
        "request",
        lambda f: _set(f, "created_at", 1, None),
        "expect_column_values_to_not_be_null",
        ("created_at",),
        1,
        "critical",
    ),
    ("call", lambda f: _set(f, "wait_s", 0, -3.0), "expect_column_values_to_be_between", ("wait_s",), 1, "critical"),
    ("call", lambda f: _set(f, "talk_s", 2, -1.0), "expect_column_values_to_be_between", ("talk_s",), 1, "critical"),
    ("call", lambda f: _set(f, "outcome", 0, "busy"), "expect_column_values_to_be_in_set", ("outcome",), 1, "critical"),
    (
        "call",
        lambda f: _set(f, "answered_at", 0, T - timedelta(seconds=5)),
        "expect_column_pair_values_a_to_be_greater_than_b",
        ("answered_at", "entered_at"),
        1,
        "warning",
    ),
    (
        "call",
        lambda f: _set(f, "ended_at", 1, T),
        "expect_column_pair_values_a_to_be_greater_than_b",
        ("ended_at", "entered_at"),
        1,
        "warning",
    ),
    (
        "call",
        lambda f: _set(f, "agent_key", 0, "Agent Dupont"),
        "expect_column_values_to_match_regex",
        ("agent_key",),
        1,
        "critical",
    ),
    (
        # A hash with something around it is not a bare keyed hash either (the regex is anchored).
        "call",
        lambda f: _set(f, "agent_key", 2, "agent:" + _hash("agent-2")),
        "expect_column_values_to_match_regex",
        ("agent_key",),
        1,
        "critical",
    ),
    (
        "appointment",
        lambda f: _set(f, "booking_channel", 0, "fax"),
        "expect_column_values_to_be_in_set",
        ("booking_channel",),
        1,
        "critical",
    ),
    (
        "appointment",
        lambda f: _set(f, "status", 1, "late"),
        "expect_column_values_to_be_in_set",
        ("status",),
        1,
        "critical",
    ),
    (
        "appointment",
        lambda f: _set(f, "slot_end", 0, T + timedelta(days=1)),
        "expect_column_pair_values_a_to_be_greater_than_b",
        ("slot_end", "slot_start"),
        1,
        "warning",
    ),
    (
        "appointment",
        lambda f: _set(f, "slot_start", 2, NOW + timedelta(days=400)),
        "expect_column_values_to_be_between",
        ("slot_start",),
        1,
        "warning",
    ),
    (
        "appointment",
        lambda f: _set(f, "citizen_key", 1, _hash("citizen-3").upper()),
        "expect_column_values_to_match_regex",
        ("citizen_key",),
        1,
        "critical",
    ),
    (
        "case_event",
        lambda f: _set(f, "lifecycle", 1, "done"),
        "expect_column_values_to_be_in_set",
        ("lifecycle",),
        1,
        "critical",
    ),
    (
        "case_event",
        lambda f: _set(f, "event_at", 2, datetime(1970, 1, 1, tzinfo=UTC)),
        "expect_column_values_to_be_between",
        ("event_at",),
        1,
        "warning",
    ),
    (
        "case_event",
        lambda f: _set(f, "resource_key", 0, "82051512345"),
        "expect_column_values_to_match_regex",
        ("resource_key",),
        1,
        "critical",
    ),
    (
        "service",
        lambda f: _set(f, "sla_days", 1, -5),
        "expect_column_values_to_be_between",
        ("sla_days",),
        1,
        "critical",
    ),
    (
        "service",
        lambda f: _set(f, "retired_on", 2, date(2014, 12, 31)),
        "expect_column_pair_values_a_to_be_greater_than_b",
        ("retired_on", "active_from"),
        1,
        "warning",
    ),
    (
        "service",
        lambda f: _set(f, "active_from", 0, date(1010, 1, 1)),
        "expect_column_values_to_be_between",
        ("active_from",),
        1,
        "warning",
    ),
    (
        "portal_login",
        lambda f: _set(f, "success", 0, None),
        "expect_column_values_to_not_be_null",
        ("success",),
        1,
        "critical",
    ),
    (
        "portal_login",
        lambda f: _set(f, "citizen_key", 2, "jan.peeters@example.org"),
        "expect_column_values_to_match_regex",
        ("citizen_key",),
        1,
        "critical",
    ),
    (
        "portal_login",
        lambda f: _set(f, "login_at", 2, datetime(1970, 1, 1, tzinfo=UTC)),
        "expect_column_values_to_be_between",
        ("login_at",),
        1,
        "warning",
    ),
]


@pytest.mark.parametrize(
    ("entity", "breaking", "expectation_type", "columns", "unexpected", "severity"),
    BREAKS,
    ids=[f"{b[0]}-{b[2].removeprefix('expect_')}-{'-'.join(b[3])}" for b in BREAKS],
)
def test_one_break_fails_exactly_the_right_expectation(
    entity: str,
    breaking: Break,
    expectation_type: str,
    columns: tuple[str, ...],
    unexpected: int,
    severity: str,
    tmp_path: Path,
) -> None:
    report = _run(entity, breaking(_valid(entity)), tmp_path)
    outcome = report.outcome(expectation_type, *columns)
    assert (outcome.success, outcome.unexpected_count, outcome.severity) == (False, unexpected, severity)
    assert report.failures == (outcome,)
    assert not report.success
    # A warning is reported but does not fail the critical gate; a critical failure does.
    assert report.critical_success is (severity == "warning")
    assert report.statistics[f"{severity}_failures"] == 1


def test_the_result_file_holds_the_full_gx_result_and_our_summary(tmp_path: Path) -> None:
    report = _run("request", _set(_valid("request"), "channel", 1, "fax"), tmp_path, "2025-06-01T120000Z-batch")
    assert report.result_path == tmp_path / "quality" / "request" / "2025-06-01T120000Z-batch.json"
    document = json.loads(report.result_path.read_text(encoding="utf-8"))
    summary = document["civiclake"]
    assert summary["entity"] == "request" and summary["run_label"] == "2025-06-01T120000Z-batch"
    assert (summary["success"], summary["critical_success"]) == (False, False)
    assert [r["check"] for r in summary["results"] if not r["success"]] == ["channel in vocabulary"]
    gx_result = document["great_expectations"]
    assert gx_result["success"] is False
    assert gx_result["statistics"]["evaluated_expectations"] == len(report.results)
    channel = next(r for r in gx_result["results"] if r["expectation_config"]["kwargs"].get("column") == "channel")
    # Vocabulary failures keep their examples: they tell the connector's author what to map.
    assert channel["result"]["partial_unexpected_list"] == ["fax"]
    assert channel["expectation_config"]["meta"] == {"severity": "critical", "check": "channel in vocabulary"}
    assert channel["expectation_config"]["severity"] == "critical"


def test_an_identifier_caught_in_a_key_column_is_not_copied_into_the_result(tmp_path: Path) -> None:
    leaked = "jan.peeters@example.org"
    frame = _set(_set(_valid("portal_login"), "method", 1, "itsme"), "citizen_key", 0, leaked)
    report = _run("portal_login", _set(frame, "citizen_key", 1, leaked), tmp_path)
    assert report.outcome("expect_column_values_to_match_regex", "citizen_key").unexpected_count == 2
    # citizen_key is also part of the key, so the uniqueness check would list it among its examples.
    assert not report.outcome("expect_compound_columns_to_be_unique", *PRIMARY_KEYS["portal_login"]).success
    assert leaked not in report.result_path.read_text(encoding="utf-8")
    assert not report.critical_success


def test_running_twice_with_the_same_label_replaces_the_result(tmp_path: Path) -> None:
    first = _run("request", _set(_valid("request"), "channel", 1, "fax"), tmp_path, "batch-7")
    second = _run("request", _valid("request"), tmp_path, "batch-7")
    assert first.result_path == second.result_path
    document = json.loads(second.result_path.read_text(encoding="utf-8"))
    assert document["civiclake"]["success"] is True
    # No temporary file is left beside the result.
    assert os.listdir(second.result_path.parent) == ["batch-7.json"]


def test_a_failed_write_leaves_the_previous_result_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _run("request", _valid("request"), tmp_path, "batch-7")
    before = first.result_path.read_bytes()
    renames: list[tuple[Path, Path]] = []

    def failing_replace(source: str | Path, target: str | Path) -> None:
        renames.append((Path(source), Path(target)))
        raise OSError("disk full")

    monkeypatch.setattr(quality.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        _run("request", _set(_valid("request"), "channel", 1, "fax"), tmp_path, "batch-7")
    # The new result was written beside the old one and would have been renamed over it.
    [(source, target)] = renames
    assert target == first.result_path and source.parent == target.parent and source != target
    assert first.result_path.read_bytes() == before
    assert os.listdir(first.result_path.parent) == ["batch-7.json"]


def test_an_arrow_table_is_validated_like_a_polars_frame(tmp_path: Path) -> None:
    table = _set(_valid("call"), "wait_s", 0, -3.0).to_arrow()
    report = validate("call", table, tmp_path / "quality", "arrow", now=NOW)
    assert report.outcome("expect_column_values_to_be_between", "wait_s").unexpected_count == 1
    assert not report.critical_success


def test_bronze_metadata_columns_are_allowed_and_a_missing_column_is_critical(tmp_path: Path) -> None:
    bronze = _valid("request").with_columns(_source=pl.lit("test"), _batch_id=pl.lit("batch-1"))
    assert _run("request", bronze, tmp_path).success
    report = _run("request", _valid("request").drop("source_system"), tmp_path)
    assert [failure.check for failure in report.failures] == ["canonical columns present"]
    assert not report.critical_success


def test_an_empty_frame_passes(tmp_path: Path) -> None:
    report = _run("request", _valid("request").clear(), tmp_path)
    assert report.success and report.statistics["row_count"] == 0


def test_the_upper_time_bound_follows_now(tmp_path: Path) -> None:
    # The same rows are implausible for a `now` before them: the bound is "now + 1 day", not fixed.
    frame = _valid("portal_login")
    report = validate("portal_login", frame, tmp_path / "quality", "early", now=T - timedelta(days=2))
    assert report.outcome("expect_column_values_to_be_between", "login_at").unexpected_count == 3
    assert report.critical_success


def test_validation_writes_nothing_outside_the_quality_folder_and_opens_no_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("great_expectations tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.chdir(tmp_path)
    report = validate("request", _valid("request"), Path("quality"), "offline", now=NOW)
    assert report.success
    # An ephemeral context: no gx/ project folder, no uncommitted_/ data docs, in the working directory.
    assert sorted(os.listdir(tmp_path)) == ["quality"]
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "quality",
        "quality/request",
        "quality/request/offline.json",
    ]
    assert os.environ["GX_ANALYTICS_ENABLED"] == "false"


@pytest.mark.parametrize("label", ["", "../escape", "a/b", ".hidden"])
def test_a_run_label_must_be_a_plain_file_name(label: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="run label"):
        _run("request", _valid("request"), tmp_path, label)


def test_an_unknown_entity_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown entity"):
        _run("parking_fine", _valid("request"), tmp_path)
