"""The generic mapped reader (connectors/generic.py), shown on the NYC 311 export of ../shared/realdata.

The NYC figures are those of ../shared/realdata/README.md, recomputed here from the connector's rows
with plain Python (zoneinfo, statistics); the mapping is the YAML example of the module docstring,
so the example published in the README is the one that is tested.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
import statistics
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import yaml

import connectors.generic as generic
from connectors.generic import read_generic
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from connectors.schemas import ENTITY_SCHEMAS
from connectors.tabular import MappingError, SourceFileError

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad_input"
KEY = b"test-key-0123456789abcdef"
NOW = datetime(2025, 1, 10, tzinfo=UTC)
P = Pseudonymiser(KEY)
NEW_YORK = ZoneInfo("America/New_York")


def documented_source() -> dict:
    block = re.search(r"```yaml\n(.*?)```", generic.__doc__ or "", re.DOTALL)
    assert block, "the module docstring carries the YAML example"
    return yaml.safe_load(block.group(1))["sources"][0]


@pytest.fixture(scope="module")
def nyc() -> ReadResult:
    source = documented_source()
    assert source["kind"] == "generic" and source["entity"] == source["mapping"]["entity"] == "request"
    result = read_generic(REALDATA / source["location"], "nyc", source["id"], P, source["mapping"], now=NOW)
    assert result.balanced
    return result


def hours(row: dict) -> float:
    return (row["closed_at"] - row["created_at"]).total_seconds() / 3600


def test_nyc_loads_all_1000_rows_in_the_canonical_schema(nyc: ReadResult) -> None:
    assert nyc.rows_read == 1000 and nyc.rows.height == 1000 and nyc.rejected.height == 0
    assert nyc.rows.schema == pl.from_arrow(ENTITY_SCHEMAS["request"].empty_table()).schema
    assert set(nyc.rows["source_system"]) == {"nyc311"} and set(nyc.rows["commune_id"]) == {"nyc"}
    assert nyc.rows["citizen_key"].null_count() == 1000  # not mapped: null
    years = nyc.rows["created_at"].dt.convert_time_zone("America/New_York").dt.year().value_counts()
    per_year = dict(zip(years["created_at"], years["count"], strict=True))
    assert per_year[2018] == 602 and per_year[2019] == 360


def test_nyc_channels_digital_share_matches_the_readme(nyc: ReadResult) -> None:
    channels = nyc.rows["channel"].value_counts()
    counts = dict(zip(channels["channel"], channels["count"], strict=True))
    assert counts == {"phone": 496, "portal": 222, "unknown": 160, "app": 115, "other": 7}
    known = [row for row in nyc.rows.to_dicts() if row["channel"] != "unknown"]
    digital = sum(row["channel"] in ("portal", "app") for row in known)
    assert round(100 * digital / len(known), 2) == 40.12


def test_nyc_after_hours_share_matches_the_readme(nyc: ReadResult) -> None:
    def office_hours(moment: datetime) -> bool:
        local = moment.astimezone(NEW_YORK)
        return local.weekday() < 5 and 8 <= local.hour < 17

    rows = nyc.rows.to_dicts()
    outside = sum(not office_hours(row["created_at"]) for row in rows)
    assert round(100 * outside / len(rows), 1) == 58.5


def test_nyc_lead_times_of_the_969_closed_rows_match_the_readme(nyc: ReadResult) -> None:
    rows = nyc.rows.to_dicts()
    closed = [row for row in rows if row["status"] == "closed"]
    assert len(closed) == 969 and all(row["closed_at"] is not None for row in closed)
    # Pending rows carry a date in "Closed Date" too (some before creation): not a closing time.
    assert all(row["closed_at"] is None for row in rows if row["status"] != "closed")
    assert round(statistics.median(hours(row) for row in closed), 2) == 12.45
    by_channel = {"app": 2.63, "portal": 5.09, "phone": 46.25}  # MOBILE, ONLINE, PHONE
    for channel, expected in by_channel.items():
        assert round(statistics.median(hours(row) for row in closed if row["channel"] == channel), 2) == expected


def test_nyc_local_times_are_converted_with_daylight_saving(nyc: ReadResult) -> None:
    with open(REALDATA / "nyc311_service_requests_sample.csv", newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    row = nyc.rows.filter(pl.col("request_id") == first["Unique Key"]).to_dicts()[0]
    local = datetime.strptime(first["Created Date"], "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=NEW_YORK)
    assert row["created_at"] == local.astimezone(UTC)
    assert first["Created Date"] == "06/26/2018 10:58:54 AM" and row["created_at"].hour == 14  # EDT, UTC-4


# --------------------------------------------------------------------------------------------------
# Vocabularies, defaults, statuses


REQUESTS_MAPPING = {
    "entity": "request",
    "columns": {
        "request_id": "Ticket",
        "created_at": "Opened",
        "closed_at": "Closed",
        "channel": "Channel",
        "status": "Status",
    },
    "values": {
        "channel": {"web": "portal", "phone": "phone", "": "unknown"},
        "status": {"done": "closed", "open": "open"},
    },
}


def requests(mapping: dict) -> ReadResult:
    result = read_generic(FIXTURES / "requests_channels.csv", "brussels", "tickets", P, mapping, now=NOW)
    assert result.balanced and result.rows_read == 5
    return result


def test_unknown_values_are_rejected_unless_the_mapping_gives_a_default() -> None:
    result = requests(REQUESTS_MAPPING)
    rows = {row["request_id"]: row for row in result.rows.to_dicts()}
    assert sorted(rows) == ["T-1", "T-3"]
    assert rows["T-1"]["channel"] == "portal" and rows["T-1"]["status"] == "closed"
    assert rows["T-1"]["closed_at"] == datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
    assert rows["T-3"]["channel"] == "unknown"  # an empty value maps through the "" key
    assert rows["T-3"]["source_system"] == "tickets"  # no constant: the source id
    reasons = dict(zip(result.rejected["position"], result.rejected["reason"], strict=True))
    assert reasons == {
        "requests_channels.csv:3": "unknown channel value 'fax'",
        "requests_channels.csv:5": "closed_at 2024-03-04T10:00:00Z is before created_at 2024-03-04T11:00:00Z",
        "requests_channels.csv:6": "unknown status value 'waiting'",
    }
    # The requester is not read: not even the quarantine holds it.
    assert "Hélène" not in result.rejected.write_csv() and "Peeters" not in result.rows.write_csv()

    lenient = requests(REQUESTS_MAPPING | {"default": {"channel": "other", "status": "open"}})
    rows = {row["request_id"]: row for row in lenient.rows.to_dicts()}
    assert rows["T-2"]["channel"] == "other" and rows["T-5"]["status"] == "open"
    # "2024-03-04 13:00:00Z": a blank for the T and a Z for UTC are ISO 8601 too.
    assert rows["T-5"]["created_at"] == datetime(2024, 3, 4, 13, 0, tzinfo=UTC)


def test_status_is_derived_from_the_closing_time_when_not_mapped() -> None:
    mapping = {
        "entity": "request",
        "columns": {"request_id": "Ticket", "created_at": "Opened", "closed_at": "Closed", "channel": "Channel"},
        "default": {"channel": "unknown"},
    }
    result = requests(mapping)
    statuses = dict(zip(result.rows["request_id"], result.rows["status"], strict=True))
    assert statuses == {"T-1": "closed", "T-2": "open", "T-3": "open", "T-5": "open"}


def test_personal_columns_and_keys_are_hashed_wherever_they_go(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "id,at,canal,niss,mail,agent,remark\n"
        "1,2024-03-04T09:00:00+01:00,portal,85.07.30-033.28,Helene@Example.be,jdupont,Hélène called\n"
        "2,2024-03-04T10:00:00+01:00,portal,,helene@example.be,jdupont,no number\n"
        "3,2024-03-04T11:00:00+01:00,fax,85.07.30-033.28,helene@example.be,jdupont,Hélène again\n",
        encoding="utf-8",
    )
    mapping = {
        "entity": "request",
        "columns": {
            "request_id": "id",
            "created_at": "at",
            "channel": "canal",
            "citizen_key": {"national_number": "niss", "email": "mail"},
            "service_code": "remark",
        },
        "personal": ["remark"],
    }
    result = read_generic(export, "brussels", "x", P, mapping, now=NOW)
    keys = result.rows["citizen_key"].to_list()
    assert keys[0] == hmac.new(KEY, b"citizen:85073003328", hashlib.sha256).hexdigest()
    assert keys[1] == hmac.new(KEY, b"email:helene@example.be", hashlib.sha256).hexdigest()
    assert result.rows["service_code"][0] == P.hash("Hélène called", "personal")
    text = result.rows.write_csv() + result.rejected.write_csv()
    for value in ("85.07.30", "85073003328", "elene@", "Hélène", "jdupont"):
        assert value not in text
    raw = json.loads(result.rejected["raw"][0])
    assert raw["canal"] == "fax" and raw["id"] == "3" and len(raw["niss"]) == len(raw["remark"]) == 64


def test_a_folder_of_json_exports_is_read_file_by_file(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    page = {"value": [{"nr": "A", "at": "2024-03-04T09:00:00Z", "via": "counter", "done": None}]}
    (folder / "page-1.json").write_text(json.dumps(page), encoding="utf-8")
    page = {"value": [{"nr": "B", "at": "2024-03-05T09:00:00Z", "via": "post"}, "not an object"]}
    (folder / "page-2.json").write_text(json.dumps(page), encoding="utf-8")
    mapping = {
        "entity": "request",
        "format": "json",
        "columns": {"request_id": "nr", "created_at": "at", "channel": "via"},
    }
    result = read_generic(folder, "brussels", "api", P, mapping, now=NOW)
    assert result.balanced and result.rows_read == 3
    assert result.rows["request_id"].to_list() == ["A", "B"]
    assert result.rejected.select("position", "reason").rows() == [("page-2.json#[1]", "not a JSON object but a str")]
    (folder / "page-3.json").write_text('{"value": [', encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"page-3\.json: not valid JSON at line 1"):
        read_generic(folder, "brussels", "api", P, mapping, now=NOW)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"columns": {}}, "entity: expected one of"),
        ({"entity": "request", "columns": {"request_id": "id"}}, "request needs channel, created_at"),
        ({"entity": "request", "columns": {"ticket": "id"}}, r"columns\.ticket: not a column of request"),
        ({"entity": "request", "colums": {}}, "unknown mapping key"),
        (
            {"entity": "request", "columns": {"request_id": "a", "created_at": "b"}, "constants": {"channel": "fax"}},
            "channel: 'fax' is not one of portal, app",
        ),
        (
            {
                "entity": "request",
                "columns": {"request_id": "a", "created_at": "b", "channel": "c"},
                "timezone": "Mars",
            },
            "timezone: expected an IANA time zone",
        ),
        (
            {"entity": "request", "columns": {"request_id": "a", "created_at": "b", "channel": "c"}, "ambiguous": "x"},
            "ambiguous: expected one of earliest, latest, reject",
        ),
    ],
)
def test_a_wrong_mapping_is_a_clear_error(mapping: dict, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        read_generic(FIXTURES / "requests_channels.csv", "brussels", "x", P, mapping, now=NOW)


def test_a_missing_mapped_column_names_the_file_and_the_column() -> None:
    mapping = {"entity": "request", "columns": {"request_id": "Ticket", "created_at": "Created", "channel": "Channel"}}
    with pytest.raises(SourceFileError, match=r"requests_channels\.csv: missing required column\(s\) 'Created'"):
        read_generic(FIXTURES / "requests_channels.csv", "brussels", "x", P, mapping, now=NOW)
