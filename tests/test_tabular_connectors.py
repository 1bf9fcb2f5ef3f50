"""Tabular reading (connectors/tabular.py) through the booking, portal and catalogue connectors.

The bad-input corpus is in tests/fixtures/bad_input/: small hand-made files, one defect each. Expected
values are read off those files by hand; hashes are recomputed with the standard library.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

import connectors.tabular as tabular
from connectors.appointments import read_appointments
from connectors.catalogue import read_catalogue
from connectors.portal import read_portal_logins
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from connectors.schemas import ENTITY_SCHEMAS
from connectors.tabular import MappingError, SourceFileError, read_delimited

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad_input"
KEY = b"test-key-0123456789abcdef"
NOW = datetime(2025, 1, 10, tzinfo=UTC)
P = Pseudonymiser(KEY)

# Every personal value written in the booking and login fixtures.
PERSONAL_VALUES = (
    "Marc Peeters",
    "marc.peeters",
    "0470 11 22 33",
    "Hélène",
    "Lambert",
    "Helene.Lambert",
    "0471 22 33 44",
    "Janssens",
    "02 511 22 33",
    "Fatima",
    "El Amrani",
    "0472 33 44 55",
    "Sofie",
    "Claes",
    "sofie.cla",
    "0474 55 66 77",
    "Dupont",
    "Marie",
    "marie.dupont",
    "0473 44 55 66",
    "85.07.30",
    "85073003328",
    "93051822361",
    "93051822362",
)


def email_key(address: str) -> str:
    return hmac.new(KEY, f"email:{address}".encode(), hashlib.sha256).hexdigest()


def dumped(result: ReadResult) -> str:
    return result.rows.write_csv() + result.rejected.write_csv()


def assert_no_personal_data(result: ReadResult) -> None:
    text = dumped(result)
    leaked = [value for value in PERSONAL_VALUES if value in text]
    assert not leaked, f"personal data left the connector: {leaked}"


def bookings(name: str, mapping: dict | None = None) -> ReadResult:
    result = read_appointments(FIXTURES / name, "brussels", "bookings", P, mapping, now=NOW)
    assert result.balanced
    assert_no_personal_data(result)
    return result


def reasons(result: ReadResult) -> dict[str, str]:
    return dict(zip(result.rejected["position"].to_list(), result.rejected["reason"].to_list(), strict=True))


# --------------------------------------------------------------------------------------------------
# Encodings


def test_latin1_rows_are_rejected_under_strict_utf8_and_the_others_load() -> None:
    result = bookings("bookings_latin1.csv")
    # RDV-2 (Hélène) and RDV-4 (Hôtel de ville) hold Latin-1 bytes: é = 0xE9, ô = 0xF4.
    assert sorted(result.rows["appointment_id"].to_list()) == ["RDV-1", "RDV-3"]
    assert reasons(result) == {
        "bookings_latin1.csv:3": "not valid utf-8 (declare `encoding: latin-1` in the mapping?)",
        "bookings_latin1.csv:5": "not valid utf-8 (declare `encoding: latin-1` in the mapping?)",
    }
    assert set(result.rows["site"].to_list()) == {"Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"}
    assert result.rows_read == 4


def test_declared_latin1_loads_every_row_with_the_right_characters() -> None:
    result = bookings("bookings_latin1.csv", {"encoding": "latin-1"})
    rows = {row["appointment_id"]: row for row in result.rows.to_dicts()}
    assert sorted(rows) == ["RDV-1", "RDV-2", "RDV-3", "RDV-4"]
    assert rows["RDV-2"]["site"] == "Schaerbeek"
    assert rows["RDV-4"]["site"] == "Hôtel de ville"
    # The e-mail is trimmed and lower-cased before hashing, so both spellings link.
    assert rows["RDV-2"]["citizen_key"] == email_key("helene.lambert@example.be")
    assert rows["RDV-1"]["citizen_key"] == email_key("marc.peeters@example.be")
    assert rows["RDV-3"]["citizen_key"] is None  # no e-mail, no national number: no key


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    result = bookings("bookings_utf8_bom.csv")
    assert result.rows.height == 4 and result.rejected.height == 0
    assert "Hôtel de ville" in result.rows["site"].to_list()


def test_declaring_latin1_on_utf8_is_an_error_instead_of_mojibake(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="byte-order mark"):
        bookings("bookings_utf8_bom.csv", {"encoding": "latin-1"})
    plain = tmp_path / "bookings.csv"
    plain.write_bytes((FIXTURES / "bookings_utf8_bom.csv").read_bytes()[3:])
    with pytest.raises(SourceFileError, match="bookings.csv: declared 'latin-1' but the file is valid UTF-8"):
        read_appointments(plain, "brussels", "bookings", P, {"encoding": "latin-1"}, now=NOW)
    with pytest.raises(MappingError, match="not supported"):
        read_appointments(plain, "brussels", "bookings", P, {"encoding": "utf-16"}, now=NOW)
    # A header that is not valid in the declared encoding: no column can be found, the file is refused.
    latin_header = tmp_path / "latin_header.csv"
    latin_header.write_bytes("Numéro,Réservé le\n1,2024-03-01T10:00:00+01:00\n".encode("latin-1"))
    with pytest.raises(SourceFileError, match="line 1, the header: not valid utf-8"):
        read_appointments(latin_header, "brussels", "bookings", P, now=NOW)


# --------------------------------------------------------------------------------------------------
# Empty, truncated, misaligned, missing and reordered columns, duplicates


def test_a_zero_byte_file_is_an_error_and_a_header_only_file_is_zero_rows() -> None:
    with pytest.raises(SourceFileError, match=r"empty\.csv: the file is empty \(0 bytes\)"):
        read_appointments(FIXTURES / "empty.csv", "brussels", "bookings", P, now=NOW)
    result = bookings("bookings_header_only.csv")
    assert result.rows_read == 0 and result.rows.height == 0 and result.rejected.height == 0
    assert result.rows.schema == pl.from_arrow(ENTITY_SCHEMAS["appointment"].empty_table()).schema


def test_a_truncated_last_line_is_rejected_with_its_field_count() -> None:
    result = bookings("bookings_truncated.csv")
    assert sorted(result.rows["appointment_id"].to_list()) == ["RDV-1", "RDV-3"]
    assert reasons(result) == {"bookings_truncated.csv:4": "truncated row: 10 fields, expected 11"}
    raw = json.loads(result.rejected["raw"][0])
    # The fields before the first personal column are in clear; the cut e-mail is only a hash.
    assert raw["appointment_id"] == "RDV-5" and raw["site"] == "Schaerbeek"
    assert raw["citizen_email"] != "sofie.cla" and len(raw["citizen_email"]) == 64
    assert "citizen_name" not in raw and "citizen_phone" not in raw  # not read: never kept


def test_a_row_with_an_unquoted_comma_is_rejected_without_leaking_the_shifted_fields() -> None:
    result = bookings("bookings_misaligned.csv")
    assert result.rows["appointment_id"].to_list() == ["RDV-1"]
    assert reasons(result) == {
        "bookings_misaligned.csv:3": "row has 12 fields, expected 11 (an unquoted delimiter in a value?)"
    }


def test_missing_required_columns_are_an_error_naming_them_and_the_file() -> None:
    with pytest.raises(SourceFileError) as error:
        read_appointments(FIXTURES / "bookings_missing_columns.csv", "brussels", "bookings", P, now=NOW)
    message = str(error.value)
    assert "bookings_missing_columns.csv" in message
    assert "'booked_at' (for booked_at)" in message and "'status' (for status)" in message


def test_reordered_and_extra_columns_are_read_by_name() -> None:
    reordered = bookings("bookings_reordered.csv")
    reference = bookings("bookings_utf8_bom.csv").rows.filter(pl.col("appointment_id").is_in(["RDV-1", "RDV-3"]))
    assert reordered.rows.sort("appointment_id").equals(reference.sort("appointment_id"))
    assert "rappel" not in dumped(reordered)  # the extra column is ignored


def test_exact_duplicates_load_once_and_conflicting_ids_are_both_rejected() -> None:
    result = bookings("bookings_duplicates.csv")
    # Line 2 RDV-1, line 3 RDV-3 (no-show), line 4 blank, line 5 RDV-1 again, line 6 RDV-3 (attended).
    assert result.rows["appointment_id"].to_list() == ["RDV-1"]
    assert reasons(result) == {
        "bookings_duplicates.csv:5": "duplicate of row 2",
        "bookings_duplicates.csv:3": "appointment_id 'RDV-3' appears on 2 rows with different values (first at row 3)",
        "bookings_duplicates.csv:6": "appointment_id 'RDV-3' appears on 2 rows with different values (first at row 3)",
    }
    assert result.rows_read == 4  # the blank line is not a record


def test_values_outside_the_vocabulary_bad_times_and_backwards_slots_are_rejected() -> None:
    result = bookings("bookings_bad_values.csv")
    assert result.rows["appointment_id"].to_list() == ["RDV-1"]
    assert reasons(result) == {
        "bookings_bad_values.csv:3": "unknown booking_channel value 'fax'",
        "bookings_bad_values.csv:4": "slot_end is before slot_start",
        "bookings_bad_values.csv:5": "booked_at '2031-03-04T10:00:00+01:00' is in the future "
        "(after 2025-01-11T00:00:00Z)",
        "bookings_bad_values.csv:6": "booked_at '04/03/2024 10:00' is not an ISO 8601 time such as "
        "2024-03-01T09:30:00+01:00",
        "bookings_bad_values.csv:7": "unknown status value 'maybe'",
    }
    # A mapping can send an unknown value to a default instead, and translate source values.
    mapped = bookings(
        "bookings_bad_values.csv",
        {"values": {"booking_channel": {"fax": "phone", "online": "online"}}, "default": {"status": "attended"}},
    )
    statuses = dict(zip(mapped.rows["appointment_id"], mapped.rows["status"], strict=True))
    channels = dict(zip(mapped.rows["appointment_id"], mapped.rows["booking_channel"], strict=True))
    assert channels["RDV-7"] == "phone" and statuses["RDV-11"] == "attended"
    with pytest.raises(MappingError, match="'letter' is not one of online, phone, counter"):
        bookings("bookings_bad_values.csv", {"values": {"booking_channel": {"post": "letter"}}})


def test_semicolons_and_naive_local_times_with_a_custom_format(tmp_path: Path) -> None:
    export = tmp_path / "rdv.csv"
    export.write_bytes(
        "RDV;Service;Canal;Réservé le;Début;Fin;Statut;Antenne;Courriel\n"
        "A-1;POP-EID;Internet;29/03/2024 23:30;02/04/2024 09:00;02/04/2024 09:15;Présent;Haren;a@b.be\n".encode(
            "cp1252"
        )
    )
    mapping = {
        "columns": {
            "appointment_id": "RDV",
            "service_code": "Service",
            "booking_channel": "Canal",
            "booked_at": "Réservé le",
            "slot_start": "Début",
            "slot_end": "Fin",
            "status": "Statut",
            "site": "Antenne",
        },
        "email_column": "Courriel",
        "values": {"booking_channel": {"Internet": "online"}, "status": {"Présent": "attended"}},
        "time_format": "%d/%m/%Y %H:%M",
        "timezone": "Europe/Brussels",
        "encoding": "cp1252",
        "delimiter": ";",
    }
    result = read_appointments(export, "brussels", "rdv", P, mapping, now=NOW)
    row = result.rows.to_dicts()[0]
    assert row["booked_at"] == datetime(2024, 3, 29, 22, 30, tzinfo=UTC)  # CET, UTC+1
    assert row["slot_start"] == datetime(2024, 4, 2, 7, 0, tzinfo=UTC)  # CEST, UTC+2 after the change
    assert row["status"] == "attended" and row["citizen_key"] == email_key("a@b.be")


def test_irregular_quoting_takes_the_careful_path_with_the_same_line_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    table = read_delimited(FIXTURES / "requests_irregular_quotes.csv")
    assert table.frame["Ticket"].to_list() == ["T-1", "T-2", "T-3", "T-4"]
    assert table.frame[tabular.POSITION].to_list() == [f"requests_irregular_quotes.csv:{n}" for n in (2, 3, 5, 6)]
    assert table.frame["Note"].to_list() == ['the citizen said "urgent"', "two\nlines", "ok", "ok"]
    # Cross-check with Python's csv module, which reads the same records.
    with open(FIXTURES / "requests_irregular_quotes.csv", newline="", encoding="utf-8") as handle:
        assert [row[0] for row in list(csv.reader(handle))[1:]] == ["T-1", "T-2", "T-3", "T-4"]


def test_the_happy_path_is_vectorised_not_record_by_record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the record-by-record path was used on a well-formed file")

    monkeypatch.setattr(tabular, "_read_delimited_by_record", forbidden)
    export = tmp_path / "big.csv"
    lines = ["id,note,at"] + [f'{i},"quoted, with comma",2024-03-01T10:00:00+01:00' for i in range(20_000)]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_delimited(export)
    assert table.rows_read == 20_000 and table.frame[tabular.PROBLEM].null_count() == 20_000
    assert table.frame[tabular.POSITION][-1] == "big.csv:20001"
    # A quoted newline keeps the line numbers right on the fast path too.
    multiline = tmp_path / "multi.csv"
    multiline.write_text('id,note\n1,"a\nb"\n2,c\n3\n', encoding="utf-8")
    table = read_delimited(multiline)
    assert table.frame[tabular.POSITION].to_list() == ["multi.csv:2", "multi.csv:4", "multi.csv:5"]
    assert table.frame[tabular.PROBLEM].to_list() == [None, None, "truncated row: 1 fields, expected 2"]


def test_a_file_ending_inside_a_quoted_value_rejects_its_last_record(tmp_path: Path) -> None:
    export = tmp_path / "cut.csv"
    export.write_text('id,note\n1,ok\n2,"the text was cut', encoding="utf-8")
    table = read_delimited(export)
    assert table.frame[tabular.PROBLEM].to_list() == [None, "truncated row: the file ends inside a quoted value"]


# --------------------------------------------------------------------------------------------------
# Portal logins (JSON lines)


def test_portal_lines_malformed_json_invalid_numbers_and_duplicates() -> None:
    result = read_portal_logins(FIXTURES / "logins_malformed.jsonl", "brussels", "portal", P, now=NOW)
    assert result.balanced and result.rows_read == 6  # the blank line 5 is not a record
    assert_no_personal_data(result)
    rows = result.rows.to_dicts()
    assert [(row["login_at"], row["method"], row["success"]) for row in rows] == [
        (datetime(2024, 3, 1, 6, 34, 1, tzinfo=UTC), "itsme", True),
        (datetime(2024, 3, 1, 8, 30, 42, tzinfo=UTC), "eid", False),
    ]
    expected = hmac.new(KEY, b"citizen:85073003328", hashlib.sha256).hexdigest()
    assert rows[0]["citizen_key"] == expected
    found = reasons(result)
    assert found["logins_malformed.jsonl:3"].startswith("not valid JSON: ")
    assert found["logins_malformed.jsonl:4"] == (
        "citizen_key: no usable 'national_register_number' (a valid national register number): missing or invalid"
    )
    assert found["logins_malformed.jsonl:6"] == "duplicate of row 1"
    assert found["logins_malformed.jsonl:7"] == "success 'perhaps' is not true or false"
    # The line that could not be parsed is kept only as a keyed hash of its text.
    raw = dict(zip(result.rejected["position"], result.rejected["raw"], strict=True))
    assert list(json.loads(raw["logins_malformed.jsonl:3"])) == ["unparsed_record_hash"]
    assert json.loads(raw["logins_malformed.jsonl:4"])["national_register_number"] != "93051822362"


def test_a_zero_byte_log_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "logins.jsonl").write_bytes(b"")
    with pytest.raises(SourceFileError, match="0 bytes"):
        read_portal_logins(tmp_path / "logins.jsonl", "brussels", "portal", P, now=NOW)


# --------------------------------------------------------------------------------------------------
# Demo data: every connector balances, no personal data leaves


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.demo import generate

    root = tmp_path_factory.mktemp("demo")
    generate(root, date(2024, 3, 1), date(2024, 3, 31), ["brussels"], scale=0.01, seed=7, progress=False)
    return root / "brussels"


def test_demo_bookings(demo: Path) -> None:
    result = read_appointments(demo / "appointments" / "bookings.csv", "brussels", "rdv", P, now=NOW)
    source = pl.read_csv(demo / "appointments" / "bookings.csv", infer_schema=False)
    assert result.balanced and result.rows_read == source.height > 0 and result.rejected.height == 0
    assert set(result.rows["booking_channel"]) <= {"online", "phone", "counter"}
    assert set(result.rows["status"]) <= {"attended", "no-show", "cancelled"}
    # Rows with an e-mail have the key of that address; the others none.
    expected = [email_key(email.strip().lower()) if email else None for email in source["citizen_email"]]
    assert result.rows["citizen_key"].to_list() == expected
    text = dumped(result)
    for column in ("citizen_name", "citizen_email", "citizen_phone"):
        for value in source[column].drop_nulls().to_list():
            assert not value or value not in text


def test_demo_portal_logins(demo: Path) -> None:
    path = demo / "portal" / "logins.jsonl"
    result = read_portal_logins(path, "brussels", "portal", P, {"national_number_field": "national_register_number"})
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert result.balanced and result.rows_read == len(lines) > 0
    assert result.rows.height + result.rejected.height == len(lines)
    assert result.rows["success"].sum() == sum(line["success"] for line in lines if line["success"])
    text = dumped(result)
    assert not any(line["national_register_number"] in text for line in lines)


def test_demo_catalogue(demo: Path) -> None:
    result = read_catalogue(demo / "catalogue" / "services.csv", "brussels", "catalogue", P)
    source = pl.read_csv(demo / "catalogue" / "services.csv", infer_schema=False)
    assert result.balanced and result.rejected.height == 0 and result.rows.height == source.height
    rows = {row["service_code"]: row for row in result.rows.to_dicts()}
    first = source.row(0, named=True)
    assert rows[first["service_code"]]["name_fr"] == first["name_fr"]
    assert rows[first["service_code"]]["active_from"] == date.fromisoformat(first["active_from"])
    assert rows[first["service_code"]]["sla_days"] == (int(first["sla_days"]) if first["sla_days"] else None)
    assert result.rows.schema == pl.from_arrow(ENTITY_SCHEMAS["service"].empty_table()).schema


def test_catalogue_rejects_bad_dates_and_numbers(tmp_path: Path) -> None:
    export = tmp_path / "services.csv"
    export.write_text(
        "service_code,name_fr,active_from,sla_days\n"
        "A,Alpha,2020-01-01,5\n"
        "B,Beta,01/01/2020,5\n"
        "C,Gamma,2020-01-01,five\n"
        ",Delta,2020-01-01,3\n",
        encoding="utf-8",
    )
    result = read_catalogue(export, "brussels", "catalogue", P)
    assert result.rows["service_code"].to_list() == ["A"]
    assert reasons(result) == {
        "services.csv:3": "active_from '01/01/2020' is not a date in the format %Y-%m-%d",
        "services.csv:4": "sla_days 'five' is not a whole number",
        "services.csv:5": "service_code is missing",
    }
