"""The Dynamics 365 export reader: canonical requests, keyed citizen keys, rejected rows with reasons."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.dynamics import ExportError, read_dynamics_export
from connectors.pseudonymise import MissingKeyError, Pseudonymiser, normalise_national_number

KEY = b"test-key-0123456789abcdef"
NOW = datetime(2025, 1, 10, tzinfo=UTC)
CONTACT = "5B7D0C4A-0000-4000-8000-000000000001"


def _page(folder: Path, number: int, records: list[dict], last: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    document: dict = {
        "@odata.context": "https://org.crm4.dynamics.com/api/data/v9.2/$metadata#incidents",
        "value": records,
    }
    if not last:
        document["@odata.nextLink"] = f"https://org.crm4.dynamics.com/api/data/v9.2/incidents?$skiptoken={number + 1}"
    (folder / f"page-{number:05d}.json").write_text(json.dumps(document), encoding="utf-8")


def _incident(ticket: str | None, **overrides: object) -> dict:
    record = {
        "incidentid": f"id-{ticket}",
        "ticketnumber": ticket,
        "title": "Demande de carte d'identité",
        "caseorigincode": 3,
        "createdon": "2024-03-05T07:12:33Z",
        "modifiedon": "2024-03-07T10:00:00Z",
        "statecode": 1,
        "statuscode": 5,
        "_customerid_value": CONTACT.lower(),
        "cl_servicecode": "POP-EID",
    }
    record.update(overrides)
    return record


@pytest.fixture
def export(tmp_path: Path) -> Path:
    _page(
        tmp_path / "contacts",
        1,
        [
            {
                "contactid": CONTACT,
                "fullname": "Hélène Van den Broeck",
                "emailaddress1": "helene@example.be",
                "telephone1": "+32 470 12 34 56",
                "cl_nationalregisternumber": "85.07.30-033.28",
            },
        ],
        last=True,
    )
    _page(
        tmp_path / "incidents",
        1,
        [
            _incident("CAS-1"),
            _incident("CAS-2", caseorigincode=None, statecode=0, modifiedon="2024-03-05T07:12:33Z"),
            _incident("CAS-3", caseorigincode=100000000, statecode=2),
        ],
        last=False,
    )
    _page(
        tmp_path / "incidents",
        2,
        [
            _incident(None),  # no ticket number
            _incident("CAS-5", createdon="2024-13-01T00:00:00Z"),  # not a time
            _incident("CAS-6", createdon="2031-01-01T00:00:00Z"),  # in the future
            _incident("CAS-7", caseorigincode=42),  # not in the channel mapping
            _incident("CAS-8", statecode=7),  # not a state
            _incident("CAS-9", caseorigincode=2, _customerid_value=None),
        ],
        last=True,
    )
    return tmp_path


def test_incidents_become_canonical_requests_and_bad_rows_are_quarantined(export: Path) -> None:
    result = read_dynamics_export(export, "brussels", "crm", Pseudonymiser(KEY), now=NOW)
    rows = {row["request_id"]: row for row in result.rows.to_dicts()}
    assert sorted(rows) == ["CAS-1", "CAS-2", "CAS-3", "CAS-9"]
    assert rows["CAS-1"]["channel"] == "portal"
    assert rows["CAS-1"]["status"] == "closed"
    assert rows["CAS-1"]["created_at"] == datetime(2024, 3, 5, 7, 12, 33, tzinfo=UTC)
    assert rows["CAS-1"]["closed_at"] == datetime(2024, 3, 7, 10, 0, tzinfo=UTC)
    assert rows["CAS-2"]["channel"] == "unknown" and rows["CAS-2"]["status"] == "open"
    assert rows["CAS-2"]["closed_at"] is None
    assert rows["CAS-3"]["channel"] == "counter" and rows["CAS-3"]["status"] == "cancelled"
    assert rows["CAS-9"]["channel"] == "email" and rows["CAS-9"]["citizen_key"] is None
    assert rows["CAS-1"]["service_code"] == "POP-EID"

    reasons = sorted(result.rejected["reason"].to_list())
    assert len(reasons) == 5
    assert any(reason.startswith("ticketnumber is missing") for reason in reasons)
    assert any("not an ISO 8601" in reason and "2024-13-01" in reason for reason in reasons)
    assert any("in the future" in reason for reason in reasons)
    assert any("channel mapping: 42" in reason for reason in reasons)
    assert any("statecode is not 0, 1 or 2: 7" in reason for reason in reasons)
    assert set(result.rejected["position"].to_list()) >= {"page-00002.json#value[0]", "page-00002.json#value[3]"}
    assert result.rows_read == 9 and result.balanced


def test_each_quarantined_record_keeps_its_own_case_fields(export: Path) -> None:
    result = read_dynamics_export(export, "brussels", "crm", Pseudonymiser(KEY), now=NOW)
    raw = dict(zip(result.rejected["position"].to_list(), result.rejected["raw"].to_list(), strict=True))
    # The record at page 2, value 4 is CAS-8 (statecode 7): its case fields, not its title or customer.
    expected = _incident("CAS-8", statecode=7)
    del expected["title"], expected["_customerid_value"]
    assert json.loads(raw["page-00002.json#value[4]"]) == expected
    assert json.loads(raw["page-00002.json#value[1]"])["createdon"] == "2024-13-01T00:00:00Z"


def test_the_citizen_key_is_an_hmac_of_the_normalised_national_number(export: Path) -> None:
    result = read_dynamics_export(export, "brussels", "crm", Pseudonymiser(KEY), now=NOW)
    # Computed here with the standard library: HMAC-SHA256 of "citizen:<11 digits>".
    expected = hmac.new(KEY, b"citizen:85073003328", hashlib.sha256).hexdigest()
    assert result.rows.filter(result.rows["request_id"] == "CAS-1")["citizen_key"][0] == expected
    # Another key gives another hash: without the key the register number cannot be found again.
    other = read_dynamics_export(export, "brussels", "crm", Pseudonymiser(b"another-key-0123456789"), now=NOW)
    assert other.rows["citizen_key"][0] != expected


def test_no_personal_data_reaches_the_rows_or_the_quarantine(export: Path) -> None:
    result = read_dynamics_export(export, "brussels", "crm", Pseudonymiser(KEY), now=NOW)
    dumped = result.rows.write_csv() + result.rejected.write_csv()
    for identifier in ("Hélène", "Van den Broeck", "helene@example.be", "470 12 34 56", "85.07.30", "85073003328"):
        assert identifier not in dumped


def test_an_unreadable_page_or_a_broken_page_chain_is_a_clear_error(tmp_path: Path) -> None:
    _page(tmp_path / "incidents", 1, [_incident("CAS-1")], last=False)
    with pytest.raises(ExportError, match="points to a next page that is not in the export"):
        read_dynamics_export(tmp_path, "brussels", "crm", Pseudonymiser(KEY), now=NOW)
    (tmp_path / "incidents" / "page-00002.json").write_text('{"value": [', encoding="utf-8")
    with pytest.raises(ExportError, match="page-00002.json: not a valid OData JSON page"):
        read_dynamics_export(tmp_path, "brussels", "crm", Pseudonymiser(KEY), now=NOW)
    with pytest.raises(ExportError, match="expected an 'incidents' folder"):
        read_dynamics_export(tmp_path / "nowhere", "brussels", "crm", Pseudonymiser(KEY), now=NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("85.07.30-033.28", "85073003328"),  # 97 - 850730033 % 97 = 28
        ("93051822361", "93051822361"),  # 97 - 930518223 % 97 = 61
        ("01.02.03-123.45", "01020312345"),  # born in 2001: 97 - 2010203123 % 97 = 45
        ("85.07.30-033.29", None),  # wrong check digits
        ("8507300332", None),  # ten digits
        (None, None),
    ],
)
def test_national_register_numbers_are_checked_and_normalised(value: str | None, expected: str | None) -> None:
    assert normalise_national_number(value) == expected


def test_outside_demo_mode_a_missing_key_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CIVICLAKE_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.delenv("CIVICLAKE_PSEUDONYMISATION_KEY_FILE", raising=False)
    with pytest.raises(MissingKeyError, match="CIVICLAKE_PSEUDONYMISATION_KEY"):
        Pseudonymiser.from_environment(demo=False)
    secret = tmp_path / "key"
    secret.write_bytes(b"a-secret-from-a-file-0123\n")
    monkeypatch.setenv("CIVICLAKE_PSEUDONYMISATION_KEY_FILE", str(secret))
    from_file = Pseudonymiser.from_environment(demo=False)
    assert from_file.hash("x") == hmac.new(b"a-secret-from-a-file-0123", b":x", hashlib.sha256).hexdigest()
    assert "secret" not in repr(from_file)
