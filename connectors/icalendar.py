"""iCalendar (RFC 5545) appointment calendars: one canonical `appointment` row per VEVENT.

Reads an `.ics` file, or every `*.ics` of a folder, with the standard library only: lines are
unfolded (a CRLF followed by a space or a tab continues the line, even inside a UTF-8 character),
text values unescaped (`\\\\`, `\\;`, `\\,`, `\\n`), parameters parsed with their quotes (`CN="Dupont,
Jean"`). Each VEVENT is a record: it loads as a row or is rejected with its reason.

The row:
- appointment_id = UID. A UID seen in several VEVENTs (updates of one booking in a folder of iTIP
  files) keeps the version with the highest SEQUENCE, then the latest DTSTAMP; the others are rejected
  as superseded, naming the version kept.
- slot_start / slot_end = DTSTART / DTEND (or DTSTART + DURATION; DTSTART alone is a zero-length
  slot, RFC 5545 3.6.1), in UTC. A time is UTC (`...Z`), local with `TZID=` (an IANA name, read with
  zoneinfo, else the VTIMEZONE of that TZID in the same calendar, such as Outlook's "Romance Standard
  Time"), or floating (no zone: read in `timezone`, default Europe/Brussels). A local time that
  occurs twice (clocks going back) is the first occurrence (RFC 5545 3.3.5); one skipped by the
  clocks going forward is rejected: a booking tool does not make a slot at 02:30 on that night, so
  the time is wrong. A DATE value (all-day) is rejected: "all-day event is not an appointment".
- booked_at = CREATED, else DTSTAMP (which, in an exported calendar, is the last change, RFC 5545
  3.8.7.2: later than the booking for a changed appointment). Neither: rejected.
- status (attended, no-show, cancelled, booked): STATUS:CANCELLED, or a calendar with METHOD:CANCEL,
  gives cancelled. Otherwise the status property of the booking tool, when the event has one
  (`X-CIVICLAKE-STATUS:no-show`, property name in `status_property`), must be one of the four.
  Otherwise (TENTATIVE, CONFIRMED, no STATUS) the booking stands: "booked", also for a past slot,
  unless `past_status: attended` says that this calendar marks every no-show (then a past slot that
  is not cancelled and not marked counts as attended). A calendar cannot see a no-show by itself;
  assuming attendance by default would report a no-show rate of zero as a fact.
- booking_channel: `X-BOOKING-CHANNEL` (`channel_property`), mapped by `channel_values` (default:
  online, phone, counter as they are), else `default_booking_channel` (default "online": a calendar
  export is usually the online booking tool's).
- service_code: the first value of `service_property` (default CATEGORIES) found in
  `service_values` ({text: code}), or the first value as it is without that mapping; null when the
  event has no such property. SUMMARY or DESCRIPTION (free text, which can name the citizen) can be
  the service property only with a `service_values` mapping.
- site = LOCATION (`site_property`), as text.
- citizen_key = keyed hash (namespace "email") of the lower-cased e-mail of the first ATTENDEE that
  is not the organizer, not a room or resource (CUTYPE) and not in `staff_domains`; or of the
  ORGANIZER with `citizen_property: ORGANIZER`. Names (CN) and e-mails never leave this module.

Rejected as not appointments: recurring events (RRULE or RDATE: "recurring events are not
appointments") and occurrences of one (RECURRENCE-ID). Malformed events are rejected with their
reason: no UID, no DTSTART, a property twice that RFC 5545 allows once, a line that is not a
content line, an event cut off (no END:VEVENT), and every event of a calendar without END:VCALENDAR
(the file was cut short: what remains of it cannot be trusted). A file that does not begin with
BEGIN:VCALENDAR is not iCalendar: CalendarFileError. VTODO, VJOURNAL and VFREEBUSY are counted in
`other_components`, not read.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult, rejections
from connectors.schemas import ENTITY_SCHEMAS

BOOKING_CHANNELS = ("online", "phone", "counter")
APPOINTMENT_STATUSES = ("attended", "no-show", "cancelled", "booked")
DEFAULT_MAPPING: dict[str, Any] = {
    "timezone": "Europe/Brussels",
    "service_property": "CATEGORIES",
    "service_values": None,
    "status_property": "X-CIVICLAKE-STATUS",
    "channel_property": "X-BOOKING-CHANNEL",
    "channel_values": None,
    "default_booking_channel": "online",
    "site_property": "LOCATION",
    "citizen_property": "ATTENDEE",
    "staff_domains": [],
    "past_status": "booked",
}
# Properties RFC 5545 allows at most once in a VEVENT, among those read here.
SINGLE_PROPERTIES = ("UID", "DTSTART", "DTEND", "DURATION", "DTSTAMP", "CREATED", "STATUS", "SEQUENCE")
# Properties kept in the raw copy of a rejected event: they describe the slot, not the person.
RAW_PROPERTIES = frozenset(
    {
        "UID",
        "DTSTART",
        "DTEND",
        "DURATION",
        "DTSTAMP",
        "CREATED",
        "LAST-MODIFIED",
        "SEQUENCE",
        "STATUS",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "TRANSP",
        "CLASS",
        "LOCATION",
        "CATEGORIES",
    }
)
FREE_TEXT_PROPERTIES = frozenset({"SUMMARY", "DESCRIPTION", "COMMENT"})
FUTURE_TOLERANCE = timedelta(days=1)

_NAME = re.compile(r"[A-Za-z0-9-]+")
_PARAM_TEXT = re.compile(r'[^";:,]*')
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)")
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DURATION = re.compile(r"([+-])?P(?:(\d+)W|(?=\d|T\d)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)")
_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})(\d{2})?")
_WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


class CalendarFileError(ValueError):
    """A file that cannot be read as iCalendar at all (missing, or not beginning with BEGIN:VCALENDAR)."""


@dataclass
class CalendarReadResult(ReadResult):
    """A ReadResult plus the components that are not appointments (VTODO, VJOURNAL...), counted by name."""

    other_components: dict[str, int] = field(default_factory=dict)


# --- structure -----------------------------------------------------------------------------------


@dataclass
class Property:
    name: str
    params: dict[str, list[str]]
    value: str
    line_no: int
    text: str


@dataclass(eq=False)  # compared by identity: a tree with parent links
class Component:
    name: str
    line_no: int
    parent: Component | None = None
    properties: list[Property] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)
    closed: bool = False
    problems: list[str] = field(default_factory=list)

    def all(self, name: str) -> list[Property]:
        return [p for p in self.properties if p.name == name]

    def first(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)


def _logical_lines(data: bytes) -> list[tuple[int, bytes]]:
    """Unfolded lines with the number of their first physical line; folding is undone on bytes, as a
    fold may split a multi-byte UTF-8 character (RFC 5545 folds at 75 octets)."""
    lines: list[tuple[int, bytes]] = []
    for number, physical in enumerate(data.split(b"\n"), start=1):
        physical = physical.removesuffix(b"\r")
        if physical[:1] in (b" ", b"\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + physical[1:])
        else:
            lines.append((number, physical))
    return lines


def _content_line(text: str) -> tuple[str, dict[str, list[str]], str] | None:
    """NAME *(;PARAM=value[,value]) : value, with quoted parameter values; None if it is not one."""
    match = _NAME.match(text)
    if not match:
        return None
    name, i, params = match.group(0).upper(), match.end(), {}
    while i < len(text) and text[i] == ";":
        match = _NAME.match(text, i + 1)
        if not match or match.end() >= len(text) or text[match.end()] != "=":
            return None
        param, i, values = match.group(0).upper(), match.end() + 1, []
        while True:
            if i < len(text) and text[i] == '"':
                end = text.find('"', i + 1)
                if end < 0:
                    return None
                values.append(text[i + 1 : end])
                i = end + 1
            else:
                match = _PARAM_TEXT.match(text, i)
                assert match is not None  # the pattern matches the empty string
                values.append(match.group(0))
                i = match.end()
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            break
        params[param] = values
    if i >= len(text) or text[i] != ":":
        return None
    return name, params, text[i + 1 :]


def _parse_tree(path: Path) -> Component:
    """The components of a file as a tree under a root; mismatched or missing ENDs are noted, not fatal."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CalendarFileError(f"{path}: cannot be read: {error}") from error
    data = data.removeprefix(b"\xef\xbb\xbf")
    root = Component("ROOT", 0, closed=True)
    stack = [root]
    seen_content = False
    for line_no, raw in _logical_lines(data):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        parsed = _content_line(text) if text is not None else None
        if not seen_content:
            seen_content = True
            if parsed is None or parsed[0] != "BEGIN" or parsed[2].strip().upper() != "VCALENDAR":
                raise CalendarFileError(f"{path}: not an iCalendar file: it does not begin with BEGIN:VCALENDAR")
        if parsed is None:
            what = "is not valid UTF-8" if text is None else "is not an iCalendar content line (NAME:value)"
            stack[-1].problems.append(f"line {line_no} {what}")
            continue
        name, params, value = parsed
        if name == "BEGIN":
            component = Component(value.strip().upper(), line_no, parent=stack[-1])
            stack[-1].children.append(component)
            stack.append(component)
        elif name == "END":
            closing = value.strip().upper()
            open_names = [c.name for c in stack[1:]]
            if closing not in open_names:
                stack[-1].problems.append(f"line {line_no}: END:{closing} without BEGIN:{closing}")
                continue
            while stack[-1].name != closing:
                stack[-1].problems.append(f"no END:{stack[-1].name} before END:{closing} at line {line_no}")
                stack.pop()
            stack[-1].closed = True
            stack.pop()
        else:
            stack[-1].properties.append(Property(name, params, value, line_no, text or ""))
    if not seen_content:
        raise CalendarFileError(f"{path}: empty file, not an iCalendar file")
    return root


# --- values --------------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _text_list(value: str) -> list[str]:
    """A comma-separated TEXT list (CATEGORIES), split on unescaped commas only, then unescaped."""
    items, current, i = [], [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
        elif value[i] == ",":
            items.append("".join(current))
            current = []
            i += 1
        else:
            current.append(value[i])
            i += 1
    items.append("".join(current))
    return [text for text in (_unescape(item).strip() for item in items) if text]


def _offset(text: str) -> timedelta | None:
    match = _OFFSET.fullmatch(text.strip())
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)), seconds=int(match.group(4) or 0))


def _naive(value: str) -> datetime | None:
    match = _DATE_TIME.fullmatch(value.strip())
    if not match:
        return None
    try:
        return datetime(*(int(g) for g in match.groups()[:6]))
    except ValueError:
        return None


class VTimezone:
    """A VTIMEZONE's observances, enough to turn a local time into its UTC instants.

    Supports what calendar programs write: observances with a DTSTART, TZOFFSETFROM, TZOFFSETTO,
    and either no rule, RDATEs, or RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=±nDD[;UNTIL=...].
    """

    def __init__(self, component: Component) -> None:
        self.observances: list[tuple[datetime, timedelta, timedelta, dict[str, str] | None, list[datetime]]] = []
        for sub in component.children:
            if sub.name not in ("STANDARD", "DAYLIGHT"):
                continue
            start = _naive((sub.first("DTSTART") or Property("", {}, "", 0, "")).value)
            before = _offset((sub.first("TZOFFSETFROM") or Property("", {}, "", 0, "")).value)
            after = _offset((sub.first("TZOFFSETTO") or Property("", {}, "", 0, "")).value)
            if start is None or before is None or after is None:
                raise ValueError(f"{sub.name} at line {sub.line_no} lacks a valid DTSTART, TZOFFSETFROM or TZOFFSETTO")
            rule = None
            if rrule := sub.first("RRULE"):
                rule = dict(part.split("=", 1) for part in rrule.value.upper().split(";") if "=" in part)
                if rule.get("FREQ") != "YEARLY" or set(rule) - {"FREQ", "BYMONTH", "BYDAY", "UNTIL", "INTERVAL"}:
                    raise ValueError(f"unsupported RRULE {rrule.value} at line {rrule.line_no}")
                if rule.get("INTERVAL", "1") != "1" or "BYMONTH" not in rule or "BYDAY" not in rule:
                    raise ValueError(f"unsupported RRULE {rrule.value} at line {rrule.line_no}")
            rdates = [d for p in sub.all("RDATE") for d in (_naive(v) for v in p.value.split(",")) if d]
            self.observances.append((start, before, after, rule, rdates))
        if not self.observances:
            raise ValueError("no STANDARD or DAYLIGHT observance")
        self._onsets(2000)  # a rule that cannot be followed fails here, once, rather than per event

    def _onsets(self, year: int) -> list[tuple[datetime, timedelta]]:
        """(UTC instant, offset after) of every transition of `year`."""
        onsets = []
        for start, before, after, rule, rdates in self.observances:
            locals_: list[datetime] = [d for d in [start, *rdates] if d.year == year]
            if rule and year >= start.year:
                until = _naive(rule["UNTIL"].removesuffix("Z")) if "UNTIL" in rule else None
                match = re.fullmatch(r"([+-]?[1-5])(MO|TU|WE|TH|FR|SA|SU)", rule["BYDAY"])
                if not match:
                    raise ValueError(f"unsupported BYDAY {rule['BYDAY']}")
                day = _nth_weekday(year, int(rule["BYMONTH"]), _WEEKDAYS[match.group(2)], int(match.group(1)))
                onset = datetime.combine(day, start.time())
                if until is None or onset <= until:
                    locals_.append(onset)
            onsets.extend((moment - before, after) for moment in locals_)
        return sorted(onsets)

    def _offset_at(self, instant: datetime, onsets: list[tuple[datetime, timedelta]]) -> timedelta:
        current = None
        for moment, after in onsets:
            if moment <= instant:
                current = after
        if current is not None:
            return current
        # Before every transition in view: the zone is at the first one's "from" offset.
        first_onset = min(self.observances, key=lambda o: o[0])
        return first_onset[1]

    def utc_candidates(self, local: datetime) -> list[datetime]:
        onsets = [o for year in (local.year - 1, local.year, local.year + 1) for o in self._onsets(year)]
        onsets.sort()
        offsets = {after for _, _, after, _, _ in self.observances} | {
            before for _, before, _, _, _ in self.observances
        }
        return sorted({local - off for off in offsets if self._offset_at(local - off, onsets) == off})


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7 + 7 * (-n - 1))


def _zone(tzid: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(tzid.lstrip("/"))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zoneinfo_candidates(local: datetime, zone: ZoneInfo) -> list[datetime]:
    found = set()
    for fold in (0, 1):
        aware = local.replace(tzinfo=zone, fold=fold)
        instant = aware.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == local:  # a time in the gap does not come back
            found.add(instant.replace(tzinfo=None))
    return sorted(found)


class _ValueError(Exception):
    """A property value that rejects its event; the message is the reason."""


def _datetime(prop: Property, timezones: dict[str, VTimezone | str], floating: ZoneInfo) -> datetime:
    """A DATE-TIME property as an aware UTC datetime; raises _ValueError with the reason otherwise."""
    value = prop.value.strip()
    if prop.params.get("VALUE", [""])[0].upper() == "DATE" or _DATE.fullmatch(value):
        if prop.name in ("DTSTART", "DTEND"):
            raise _ValueError("all-day event is not an appointment")
        raise _ValueError(f"{prop.name} is a date without a time of day")
    local = _naive(value)
    if local is None:
        raise _ValueError(f"{prop.name} is not a date-time (YYYYMMDDTHHMMSS[Z])")
    if value.endswith("Z"):
        return local.replace(tzinfo=UTC)
    if "TZID" in prop.params:
        tzid = prop.params["TZID"][0]
        zone = _zone(tzid)
        if zone is not None:
            candidates, zone_name = _zoneinfo_candidates(local, zone), zone.key
        elif isinstance(timezones.get(tzid), VTimezone):
            vtimezone = timezones[tzid]
            assert isinstance(vtimezone, VTimezone)
            try:
                candidates, zone_name = vtimezone.utc_candidates(local), tzid
            except (ValueError, KeyError) as error:
                raise _ValueError(f"the VTIMEZONE {tzid!r} cannot be read: {error}") from error
        elif tzid in timezones:
            raise _ValueError(f"the VTIMEZONE {tzid!r} cannot be read: {timezones[tzid]}")
        else:
            raise _ValueError(f"unknown time zone {tzid!r}: neither an IANA name nor a VTIMEZONE of the calendar")
    else:
        candidates, zone_name = _zoneinfo_candidates(local, floating), floating.key
    if not candidates:
        raise _ValueError(
            f"{prop.name} {local.isoformat()} does not exist in {zone_name} (skipped when the clocks went forward)"
        )
    # Twice (clocks going back): the first occurrence, as RFC 5545 3.3.5 says.
    return candidates[0].replace(tzinfo=UTC)


def _duration(value: str) -> timedelta:
    match = _DURATION.fullmatch(value.strip())
    if not match or match.group(0) in ("P", "+P", "-P"):
        raise _ValueError("DURATION is not an RFC 5545 duration (e.g. PT15M)")
    sign, weeks, days, hours, minutes, seconds = match.groups()
    span = timedelta(
        weeks=int(weeks or 0),
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=int(seconds or 0),
    )
    if sign == "-":
        raise _ValueError("DURATION is negative")
    return span


def _email(prop: Property) -> str | None:
    """The e-mail of an ATTENDEE or ORGANIZER: its mailto: value, or its EMAIL parameter."""
    if "EMAIL" in prop.params and "@" in prop.params["EMAIL"][0]:
        return prop.params["EMAIL"][0].strip().lower()
    value = prop.value.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    return value.strip().lower() if "@" in value else None


# --- reading -------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Event:
    component: Component
    file: str
    reason: str | None = None
    row: dict[str, Any] | None = None
    sequence: int = 0
    stamp: datetime | None = None


def read_icalendar(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> CalendarReadResult:
    """Appointments from an .ics file or a folder of them (see the module's documentation)."""
    options = _options(mapping)
    now = now or datetime.now(UTC)
    if location.is_dir():
        paths = sorted(p for p in location.iterdir() if p.is_file() and p.suffix.lower() == ".ics")
        if not paths:
            raise CalendarFileError(f"{location}: no .ics file in this folder")
    elif location.is_file():
        paths = [location]
    else:
        raise CalendarFileError(f"{location}: no such file or folder")

    events: list[_Event] = []
    others: Counter[str] = Counter()
    for path in paths:
        root = _parse_tree(path)
        for calendar in root.children:
            events.extend(_calendar_events(calendar, path.name, options, pseudonymiser, now, others))

    _supersede(events)
    loaded = [e for e in events if e.reason is None]
    rejected = [e for e in events if e.reason is not None]
    schema = {name: pl.String for name in ENTITY_SCHEMAS["appointment"].names} | {
        "booked_at": pl.Datetime("us", "UTC"),
        "slot_start": pl.Datetime("us", "UTC"),
        "slot_end": pl.Datetime("us", "UTC"),
    }
    rows = pl.DataFrame([{"commune_id": commune_id, **(e.row or {})} for e in loaded], schema=schema)
    canonical = pl.from_arrow(rows.to_arrow().cast(ENTITY_SCHEMAS["appointment"]))
    assert isinstance(canonical, pl.DataFrame)
    return CalendarReadResult(
        entity="appointment",
        rows=canonical,
        rejected=rejections(
            source_id,
            [f"{e.file}:{e.component.line_no}" for e in rejected],
            [e.reason or "" for e in rejected],
            [_raw(e.component, pseudonymiser, options) for e in rejected],
        ),
        rows_read=len(events),
        source_files=[str(p) for p in paths],
        other_components=dict(sorted(others.items())),
    )


def _options(mapping: dict[str, Any] | None) -> dict[str, Any]:
    unknown = sorted(set(mapping or {}) - set(DEFAULT_MAPPING))
    if unknown:  # a misspelt option would otherwise be ignored without a word
        raise ValueError(f"unknown mapping option(s) {unknown}; this connector reads {sorted(DEFAULT_MAPPING)}")
    options = DEFAULT_MAPPING | (mapping or {})
    for key in ("service_property", "status_property", "channel_property", "site_property", "citizen_property"):
        options[key] = str(options[key]).upper()
    if options["service_property"] in FREE_TEXT_PROPERTIES and not options["service_values"]:
        raise ValueError(
            f"service_property {options['service_property']} is free text that can name the citizen: "
            "give service_values ({text: service code}) so that only known services are read from it"
        )
    if options["citizen_property"] not in ("ATTENDEE", "ORGANIZER"):
        raise ValueError("citizen_property is ATTENDEE or ORGANIZER")
    if options["default_booking_channel"] not in BOOKING_CHANNELS:
        raise ValueError(f"default_booking_channel must be one of {BOOKING_CHANNELS}")
    if options["past_status"] not in ("booked", "attended"):
        raise ValueError("past_status is 'booked' or 'attended'")
    try:
        options["zone"] = ZoneInfo(str(options["timezone"]))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"timezone {options['timezone']!r} is not an IANA time zone name") from error
    channels = options["channel_values"] or {c: c for c in BOOKING_CHANNELS}
    options["channels"] = {str(k).strip().lower(): v for k, v in channels.items()}
    options["staff"] = {str(d).lower().lstrip("@") for d in options["staff_domains"] or []}
    return options


def _calendar_events(
    calendar: Component,
    file: str,
    options: dict[str, Any],
    pseudonymiser: Pseudonymiser,
    now: datetime,
    others: Counter[str],
) -> list[_Event]:
    timezones: dict[str, VTimezone | str] = {}
    for child in calendar.children:
        if child.name == "VTIMEZONE" and (tzid := child.first("TZID")):
            try:
                timezones[tzid.value.strip()] = VTimezone(child)
            except (ValueError, KeyError) as error:
                timezones[tzid.value.strip()] = str(error)
    cancel_all = (calendar.first("METHOD") or Property("", {}, "", 0, "")).value.strip().upper() == "CANCEL"
    whole = None
    if calendar.name != "VCALENDAR":
        whole = f"a {calendar.name} outside a VCALENDAR"
    elif not calendar.closed:
        whole = "the calendar is not closed (no END:VCALENDAR): the file is cut short, its events are not trusted"

    events: list[_Event] = []

    def walk(component: Component) -> None:
        for child in component.children:
            if child.name == "VEVENT":
                event = _Event(child, file)
                # A cut-off event says so; otherwise a calendar cut short condemns all of its events.
                cut_off = None if child.closed else "the event is cut off: no END:VEVENT"
                event.reason = cut_off or whole or _event_reason(child, calendar)
                if event.reason is None:
                    try:
                        event.row = _event_row(child, timezones, cancel_all, options, pseudonymiser, now)
                    except _ValueError as error:
                        event.reason = str(error)
                _version(event, timezones, options)
                events.append(event)
            elif component is calendar and child.name not in ("VTIMEZONE",):
                others[child.name] += 1
            walk(child)

    if calendar.name == "VEVENT":  # an event at the top level of the file
        event = _Event(calendar, file, reason=whole)
        events.append(event)
    elif calendar.name != "VCALENDAR":
        others[calendar.name] += 1
    walk(calendar)
    return events


def _event_reason(event: Component, calendar: Component) -> str | None:
    """Structural faults of a VEVENT, before its values are read."""
    if not event.closed:
        return "the event is cut off: no END:VEVENT"
    if event.problems:
        return event.problems[0]
    if event.parent is not calendar:
        return f"a VEVENT inside a {event.parent.name if event.parent else 'nothing'}"
    for name in SINGLE_PROPERTIES:
        if len(event.all(name)) > 1:
            return f"{name} appears more than once"
    if not (uid := event.first("UID")) or not uid.value.strip():
        return "no UID"
    if not event.first("DTSTART"):
        return "no DTSTART"
    if event.first("RRULE") or event.first("RDATE"):
        return "recurring events are not appointments"
    if event.first("RECURRENCE-ID"):
        return "an occurrence of a recurring event (RECURRENCE-ID) is not an appointment"
    return None


def _event_row(
    event: Component,
    timezones: dict[str, VTimezone | str],
    cancel_all: bool,
    options: dict[str, Any],
    pseudonymiser: Pseudonymiser,
    now: datetime,
) -> dict[str, Any]:
    zone = options["zone"]
    dtstart = event.first("DTSTART")
    assert dtstart is not None
    start = _datetime(dtstart, timezones, zone)
    dtend, duration = event.first("DTEND"), event.first("DURATION")
    if dtend and duration:
        raise _ValueError("both DTEND and DURATION (RFC 5545 allows one)")
    end = _datetime(dtend, timezones, zone) if dtend else start + _duration(duration.value) if duration else start
    if end < start:
        raise _ValueError("DTEND is before DTSTART")

    booking = event.first("CREATED") or event.first("DTSTAMP")
    if booking is None:
        raise _ValueError("no CREATED or DTSTAMP: the booking time is unknown")
    booked_at = _datetime(booking, timezones, zone)
    if booked_at > now + FUTURE_TOLERANCE:
        raise _ValueError(f"{booking.name} is in the future (a clock error?)")

    status_text = (event.first("STATUS") or Property("", {}, "", 0, "")).value.strip().upper()
    if status_text not in ("", "TENTATIVE", "CONFIRMED", "CANCELLED"):
        raise _ValueError("STATUS of a VEVENT is TENTATIVE, CONFIRMED or CANCELLED")
    marked = event.first(options["status_property"])
    if status_text == "CANCELLED" or cancel_all:
        status = "cancelled"
    elif marked is not None:
        status = _unescape(marked.value).strip().lower()
        if status not in APPOINTMENT_STATUSES:
            raise _ValueError(f"{options['status_property']} is not one of {', '.join(APPOINTMENT_STATUSES)}")
    elif end <= now:
        status = options["past_status"]
    else:
        status = "booked"

    channel = options["default_booking_channel"]
    if marked_channel := event.first(options["channel_property"]):
        text = _unescape(marked_channel.value).strip().lower()
        channel = options["channels"].get(text)
        if channel not in BOOKING_CHANNELS:
            raise _ValueError(
                f"{options['channel_property']} is not in channel_values (booking channels: "
                f"{', '.join(BOOKING_CHANNELS)})"
            )

    return {
        "appointment_id": (event.first("UID") or Property("", {}, "", 0, "")).value.strip(),
        "service_code": _service(event, options),
        "booking_channel": channel,
        "booked_at": booked_at,
        "slot_start": start,
        "slot_end": end,
        "status": status,
        "site": _site(event, options),
        "citizen_key": pseudonymiser.hash(_citizen_email(event, options), "email"),
    }


def _service(event: Component, options: dict[str, Any]) -> str | None:
    name = options["service_property"]
    properties = event.all(name)
    if not properties:
        return None
    if name == "CATEGORIES":
        values = [v for p in properties for v in _text_list(p.value)]
    else:
        values = [_unescape(p.value).strip() for p in properties]
    values = [v for v in values if v]
    if not values:
        return None
    table = options["service_values"]
    if not table:
        return values[0]
    for value in values:
        if value in table:
            return str(table[value])
    shown = "" if name in FREE_TEXT_PROPERTIES else f" ({', '.join(values)})"
    raise _ValueError(f"no {name} value{shown} is in service_values")


def _site(event: Component, options: dict[str, Any]) -> str | None:
    prop = event.first(options["site_property"])
    text = _unescape(prop.value).strip() if prop else ""
    return text or None


def _citizen_email(event: Component, options: dict[str, Any]) -> str | None:
    organizer = event.first("ORGANIZER")
    organizer_email = _email(organizer) if organizer else None
    if options["citizen_property"] == "ORGANIZER":
        return organizer_email
    for attendee in event.all("ATTENDEE"):
        email = _email(attendee)
        kind = attendee.params.get("CUTYPE", ["INDIVIDUAL"])[0].upper()
        if not email or email == organizer_email or kind in ("ROOM", "RESOURCE"):
            continue
        if email.rsplit("@", 1)[1] in options["staff"]:
            continue
        return email
    return None


def _version(event: _Event, timezones: dict[str, VTimezone | str], options: dict[str, Any]) -> None:
    """SEQUENCE and DTSTAMP, to tell which of several versions of a UID is the latest."""
    sequence = event.component.first("SEQUENCE")
    event.sequence = int(sequence.value) if sequence and sequence.value.strip().isdigit() else 0
    stamp = event.component.first("DTSTAMP")
    if stamp:
        try:
            event.stamp = _datetime(stamp, timezones, options["zone"])
        except _ValueError:
            event.stamp = None


def _supersede(events: list[_Event]) -> None:
    """Keep the latest version of each UID; reject the others, naming the one kept."""
    by_uid: dict[str, list[_Event]] = {}
    for event in events:
        uid = event.component.first("UID")
        if uid and uid.value.strip():
            by_uid.setdefault(uid.value.strip(), []).append(event)
    floor = datetime.min.replace(tzinfo=UTC)
    for versions in by_uid.values():
        if len(versions) < 2:
            continue
        versions.sort(key=lambda e: (e.sequence, e.stamp or floor), reverse=True)
        latest = versions[0]
        tied = [e for e in versions if (e.sequence, e.stamp) == (latest.sequence, latest.stamp)]
        for event in versions[1:] if len(tied) == 1 else versions:
            if event in tied:
                event.reason = f"the UID appears {len(tied)} times with the same SEQUENCE and DTSTAMP"
            else:
                event.reason = (
                    f"superseded by a later version of the same UID ({latest.file}:{latest.component.line_no})"
                )


def _raw(event: Component, pseudonymiser: Pseudonymiser, options: dict[str, Any]) -> str:
    """The event's properties that describe the slot; attendees as keyed hashes, free text left out."""
    kept_names = set(RAW_PROPERTIES) | {options["status_property"], options["channel_property"]}
    if options["service_property"] not in FREE_TEXT_PROPERTIES:
        kept_names.add(options["service_property"])
    lines, left_out = [f"BEGIN:VEVENT (line {event.line_no})"], 0
    for prop in event.properties:
        if prop.name in kept_names:
            lines.append(prop.text)
        elif prop.name in ("ATTENDEE", "ORGANIZER"):
            email = _email(prop)
            lines.append(f"{prop.name}:<email:{pseudonymiser.hash(email, 'email')}>" if email else f"{prop.name}:")
        else:
            left_out += 1
    if left_out:
        lines.append(f"({left_out} other properties left out: free text or unknown content)")
    return "\n".join(lines)
