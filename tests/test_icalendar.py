"""The iCalendar reader: appointments from Outlook- and Google-style .ics files, every VEVENT loaded or rejected.

Expected rows are worked out by hand: Brussels (and Outlook's "Romance Standard Time") is +01:00 in
winter and +02:00 from the last Sunday of March, 02:00, to the last Sunday of October, 03:00; keyed
hashes are recomputed with hmac, not with the connector's helper.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from connectors.icalendar import (
    APPOINTMENT_STATUSES,
    BOOKING_CHANNELS,
    CalendarFileError,
    VTimezone,
    _parse_tree,
    read_icalendar,
)
from connectors.pseudonymise import Pseudonymiser
from connectors.schemas import ENTITY_SCHEMAS

FIXTURES = Path(__file__).parent / "fixtures" / "icalendar"
KEY = b"test-key-0123456789abcdef"
NOW = datetime(2025, 1, 10, tzinfo=UTC)
STAFF = {"staff_domains": ["brucity.be"]}
OUTLOOK_UID = "040000008200E00074C5B7101A82E00800000000"


def keyed(value: str, namespace: str) -> str:
    return hmac.new(KEY, f"{namespace}:{value}".encode(), hashlib.sha256).hexdigest()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def read(name: str, mapping: dict | None = None, now: datetime = NOW):
    return read_icalendar(FIXTURES / name, "brussels", "brussels-calendar", Pseudonymiser(KEY), mapping, now)


def row(uid, service, channel, booked, start, end, status, site, email) -> dict:
    return {
        "commune_id": "brussels",
        "appointment_id": uid,
        "service_code": service,
        "booking_channel": channel,
        "booked_at": booked,
        "slot_start": start,
        "slot_end": end,
        "status": status,
        "site": site,
        "citizen_key": keyed(email, "email") if email else None,
    }


def reasons(result) -> list[tuple[str, str]]:
    return list(zip(result.rejected["position"], result.rejected["reason"], strict=True))


def test_outlook_calendar_with_vtimezone() -> None:
    result = read(
        "outlook.ics",
        {
            **STAFF,
            "service_values": {"POP-EID": "POP-EID", "POP-DRIVING": "POP-DRIVING", "Etat civil, mariage": "EC-MAR"},
        },
    )
    assert result.rows.schema == pl.Schema(pl.from_arrow(ENTITY_SCHEMAS["appointment"].empty_table()).schema)
    assert result.rows.to_dicts() == [
        # 09:00-09:15 in winter (+01:00). CONFIRMED and past: the calendar cannot tell attendance.
        row(f"{OUTLOOK_UID}A0B1C2D3E4F5", "POP-EID", "online", utc(2024, 3, 1, 9, 15, 12), utc(2024, 3, 5, 8),
            utc(2024, 3, 5, 8, 15), "booked", "Centre administratif, Boulevard Anspach 6", "jean.dupont@example.be"),
        # 14:15-14:45 in summer (+02:00); the first CATEGORIES value `Etat civil\, mariage` is mapped;
        # LOCATION was folded between the two bytes of "ô"; the e-mail was folded after "mailto:h".
        row(f"{OUTLOOK_UID}B1C2D3E4F5A6", "EC-MAR", "online", utc(2024, 5, 20, 6, 30), utc(2024, 6, 12, 12, 15),
            utc(2024, 6, 12, 12, 45), "booked", "Salle des mariages, Hôtel de Ville",
            "helene.vandenbroeck@example.be"),
        # CANCELLED; the first attendee is a room (CUTYPE=ROOM), the citizen is the second.
        row(f"{OUTLOOK_UID}C2D3E4F5A6B7", "POP-DRIVING", "online", utc(2024, 11, 1, 12), utc(2024, 11, 20, 9),
            utc(2024, 11, 20, 9, 30), "cancelled", "Antenne Haren", "marc.janssens@example.be"),
    ]  # fmt: skip
    assert reasons(result) == [
        (
            "outlook.ics:70",
            "DTSTART 2024-03-31T02:30:00 does not exist in Romance Standard Time "
            "(skipped when the clocks went forward)",
        )
    ]
    assert result.rows_read == 4 and result.balanced


def test_google_calendar_with_utc_times() -> None:
    result = read("google.ics", STAFF)
    assert result.rows.to_dicts() == [
        # UTC times; the booking tool marked a no-show and a booking by phone.
        row("g1-7kq2p9r3s5@google.com", "POP-EID", "phone", utc(2024, 4, 2, 14, 15, 16), utc(2024, 4, 10, 7, 30),
            utc(2024, 4, 10, 7, 45), "no-show", "Antenne Laeken, Place Bockstael 1", "karim.elouardi93@gmail.com"),
        # 10:00 Brussels in January (+01:00) for DURATION PT20M; still to come, so booked; the staff
        # attendee (brucity.be) is not the citizen; X-BOOKING-CHANNEL:Counter, case not minded.
        row("g2-a8b7c6d5e4@google.com", "POP-DRIVING", "counter", utc(2025, 1, 8, 9), utc(2025, 1, 15, 9),
            utc(2025, 1, 15, 9, 20), "booked", "Centre administratif", "salma.mertens10@hotmail.com"),
    ]  # fmt: skip
    assert reasons(result) == [
        (
            "google.ics:63",
            "DTSTART 2024-03-31T02:30:00 does not exist in Europe/Brussels (skipped when the clocks went forward)",
        ),
        ("google.ics:71", "all-day event is not an appointment"),
        ("google.ics:78", "recurring events are not appointments"),
        ("google.ics:86", "no UID"),
        (
            "google.ics:93",
            "X-BOOKING-CHANNEL is not in channel_values (booking channels: online, phone, counter)",
        ),
    ]
    assert result.rows_read == 7 and result.balanced
    assert result.other_components == {"VTODO": 1}


def test_edge_cases() -> None:
    result = read("edge-cases.ics")
    assert result.rows.to_dicts() == [
        # Floating 10:00 read in Brussels (+01:00); the e-mail comes from the EMAIL parameter.
        row("e1-floating@example.be", None, "online", utc(2024, 3, 1, 8), utc(2024, 3, 5, 9), utc(2024, 3, 5, 9, 15),
            "booked", None, "ana.silva@example.be"),
        # 02:30 on 27 October occurs twice: the first (+02:00) is meant; 03:00 is after the change (+01:00).
        row("e2-ambiguous@example.be", None, "online", utc(2024, 10, 20, 8), utc(2024, 10, 27, 0, 30),
            utc(2024, 10, 27, 2), "booked", None, None),
        # The VALARM inside is not read; the status property's case is not minded.
        row("e7-alarm@example.be", None, "online", utc(2024, 3, 1, 8), utc(2024, 3, 6, 8), utc(2024, 3, 6, 8, 15),
            "attended", None, None),
    ]  # fmt: skip
    assert reasons(result) == [
        ("edge-cases.ics:18", "line 22 is not an iCalendar content line (NAME:value)"),
        ("edge-cases.ics:24", "DTSTART appears more than once"),
        ("edge-cases.ics:30", "DTEND is before DTSTART"),
        ("edge-cases.ics:36", "no DTSTART"),
        ("edge-cases.ics:52", "line 56: END:VTODO without BEGIN:VTODO"),
        ("edge-cases.ics:58", "an occurrence of a recurring event (RECURRENCE-ID) is not an appointment"),
        ("edge-cases.ics:64", "X-CIVICLAKE-STATUS is not one of attended, no-show, cancelled, booked"),
        ("edge-cases.ics:70", "no CREATED or DTSTAMP: the booking time is unknown"),
    ]
    assert result.rows_read == 11 and result.balanced


def test_truncated_calendar_rejects_its_events() -> None:
    result = read("truncated.ics")
    assert result.rows.height == 0
    assert reasons(result) == [
        (
            "truncated.ics:4",
            "the calendar is not closed (no END:VCALENDAR): the file is cut short, its events are not trusted",
        ),
        ("truncated.ics:10", "the event is cut off: no END:VEVENT"),
    ]
    assert result.balanced


def test_folder_of_calendars() -> None:
    result = read_icalendar(FIXTURES, "brussels", "calendar", Pseudonymiser(KEY), STAFF, NOW)
    assert result.rows_read == 4 + 11 + 7 + 2 and result.balanced
    assert result.rows.height == 3 + 3 + 2
    assert result.rows["appointment_id"].is_unique().all()
    assert set(result.rows["booking_channel"]) <= set(BOOKING_CHANNELS)
    assert set(result.rows["status"]) <= set(APPOINTMENT_STATUSES)
    assert len(result.source_files) == 4


def test_no_name_or_email_leaves_the_connector() -> None:
    result = read_icalendar(FIXTURES, "brussels", "calendar", Pseudonymiser(KEY), STAFF, NOW)
    out = "\n".join(str(v) for frame in (result.rows, result.rejected) for r in frame.iter_rows() for v in r)
    # (UIDs such as e1-floating@example.be are identifiers of events, not of people.)
    names = ("Dupont", "Hélène", "Janssens", "Karim", "Silva", "Nuit", "Sans UID")
    emails = ("jean.dupont", "ana.silva", "@gmail.com", "@hotm", "brucity.be")
    free_text = ("0475 12 34 56", "dossier 12345", "Carte d'identité")
    for clear in (*names, *emails, *free_text):
        assert clear not in out, clear
    # A rejected event keeps its attendee as a keyed hash, for whoever must follow it up.
    raw = result.rejected.filter(pl.col("position") == "outlook.ics:70")["raw"][0]
    assert f"ATTENDEE:<email:{keyed('claire.nuit@example.be', 'email')}>" in raw.splitlines()


def test_past_status_and_method_cancel(tmp_path: Path) -> None:
    attended = read("outlook.ics", {**STAFF, "past_status": "attended"})
    assert attended.rows["status"].to_list() == ["attended", "attended", "cancelled"]
    path = tmp_path / "cancel.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:c1@example.be\r\n"
        "DTSTAMP:20240301T080000Z\r\nDTSTART:20240305T080000Z\r\nDTEND:20240305T081500Z\r\n"
        "STATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    cancelled = read_icalendar(path, "brussels", "calendar", Pseudonymiser(KEY), now=NOW)
    assert cancelled.rows["status"].to_list() == ["cancelled"]


def test_service_from_summary_needs_a_mapping() -> None:
    with pytest.raises(ValueError, match="free text"):
        read("google.ics", {"service_property": "SUMMARY"})
    result = read("google.ics", {**STAFF, "service_property": "summary", "service_values": {"Carte d'identité": "EID"}})
    # g1 is mapped; g2 ("Permis de conduire") is not in the mapping: rejected, without echoing the text.
    assert result.rows["service_code"].to_list() == ["EID"]
    assert ("google.ics:48", "no SUMMARY value is in service_values") in reasons(result)


def test_versions_of_one_uid(tmp_path: Path) -> None:
    def event(sequence: int, start: str) -> str:
        return (
            "BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:rdv-42@booking.example.be\n"
            f"SEQUENCE:{sequence}\nDTSTAMP:2024030{sequence + 1}T080000Z\nCREATED:20240301T080000Z\n"
            f"DTSTART:{start}\nDURATION:PT15M\nEND:VEVENT\nEND:VCALENDAR\n"
        )

    (tmp_path / "a-request.ics").write_text(event(0, "20240310T090000Z"), encoding="utf-8")
    (tmp_path / "b-moved.ics").write_text(event(1, "20240311T090000Z"), encoding="utf-8")
    result = read_icalendar(tmp_path, "brussels", "calendar", Pseudonymiser(KEY), now=NOW)
    assert result.rows["slot_start"].to_list() == [utc(2024, 3, 11, 9)]
    assert reasons(result) == [("a-request.ics:4", "superseded by a later version of the same UID (b-moved.ics:4)")]


def test_vtimezone_rules() -> None:
    root = _parse_tree(FIXTURES / "outlook.ics")
    romance = VTimezone(root.children[0].children[0])
    # Summer time begins on the last Sunday of March at 02:00 (01:00 UTC): 02:30 does not exist.
    assert romance.utc_candidates(datetime(2024, 3, 31, 2, 30)) == []
    assert romance.utc_candidates(datetime(2024, 3, 31, 3, 0)) == [datetime(2024, 3, 31, 1, 0)]
    # It ends on the last Sunday of October at 03:00 (01:00 UTC): 02:30 occurs twice.
    assert romance.utc_candidates(datetime(2024, 10, 27, 2, 30)) == [
        datetime(2024, 10, 27, 0, 30),
        datetime(2024, 10, 27, 1, 30),
    ]
    assert romance.utc_candidates(datetime(2025, 1, 15, 10, 0)) == [datetime(2025, 1, 15, 9, 0)]


def test_whole_file_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.ics").write_text("Rendez-vous: mardi 10h\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match="does not begin with BEGIN:VCALENDAR"):
        read_icalendar(tmp_path / "notes.ics", "brussels", "calendar", Pseudonymiser(KEY))
    (tmp_path / "empty.ics").write_text("\r\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match="empty"):
        read_icalendar(tmp_path / "empty.ics", "brussels", "calendar", Pseudonymiser(KEY))
    with pytest.raises(CalendarFileError, match="no such file"):
        read_icalendar(tmp_path / "missing.ics", "brussels", "calendar", Pseudonymiser(KEY))
    (tmp_path / "folder").mkdir()
    with pytest.raises(CalendarFileError, match=r"no \.ics file"):
        read_icalendar(tmp_path / "folder", "brussels", "calendar", Pseudonymiser(KEY))
    with pytest.raises(ValueError, match="unknown mapping option"):
        read("google.ics", {"status_propery": "X-STATUS"})
