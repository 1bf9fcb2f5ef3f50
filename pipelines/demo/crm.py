"""Requests (Dynamics 365 incidents) and citizens (contacts): simulation and Web API page export.

The requests are the centre of the demo: the case log, the portal log and the KPIs all follow from
them. Calibration that must hold at any size (the yearly volume, the channel mix, the share outside
office hours, the marriage declaration's first month online) is met by exact allocation rather
than independent draws.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np

from pipelines.demo import rhythms
from pipelines.demo.calendar import CommuneCalendar, format_utc
from pipelines.demo.people import Citizens, format_nrn
from pipelines.demo.profiles import (
    ANYTIME_CHANNELS,
    CASE_ORIGIN_CODES,
    CASE_ORIGIN_LABELS,
    CHANNELS,
    LAUNCH_SERVICE,
    CommuneProfile,
    ServiceDef,
)
from pipelines.demo.randomness import allocate_exact, alnum_codes, guids, zfill

PAGE_SIZE = 5000  # Dataverse's default odata.maxpagesize
API = "api/data/v9.2"
INCIDENT_COLUMNS = (
    "incidentid",
    "ticketnumber",
    "title",
    "caseorigincode",
    "createdon",
    "modifiedon",
    "statecode",
    "statuscode",
    "_customerid_value",
    "cl_servicecode",
)
CONTACT_COLUMNS = (
    "contactid",
    "fullname",
    "firstname",
    "lastname",
    "emailaddress1",
    "telephone1",
    "cl_nationalregisternumber",
)
STATE_LABELS = {0: "Active", 1: "Resolved", 2: "Cancelled"}
STATUS_LABELS = {
    1: "In Progress",
    2: "On Hold",
    3: "Waiting for Details",
    4: "Researching",
    5: "Problem Solved",
    1000: "Information Provided",
    6: "Cancelled",
    2000: "Merged",
}
FORMATTED = "@OData.Community.Display.V1.FormattedValue"
# Non-digital channels favour services that cannot be done online (there is no other way to ask).
_OFFLINE_BOOST_STAFFED = 3.0
_OFFLINE_BOOST_EMAIL = 1.5
_CANCEL_RATE = 0.03
_LAUNCH_WINDOW_DAYS = 31  # the launch day and the 30 days after it


@dataclass
class Requests:
    """Simulated requests, one row per index, sorted by creation time."""

    created: np.ndarray  # UTC epoch seconds
    channel: np.ndarray  # index into CHANNELS
    service: np.ndarray  # index into the commune's catalogue
    contact: np.ndarray  # index into the citizens, -1 without a customer
    state: np.ndarray  # 0 active, 1 resolved, 2 cancelled
    ends: np.ndarray  # resolution (or cancellation) time, also when after the extract (still open)
    modified: np.ndarray
    statuscode: np.ndarray
    ticket: np.ndarray
    incidentid: list[str]

    def __len__(self) -> int:
        return len(self.created)


def request_count(profile: CommuneProfile, per_year: float, scale: float, n_days: int) -> int:
    # The published yearly figure is for 2024, a 366-day year.
    return int(round(per_year * profile.volume_factor * scale * n_days / 366))


def simulate_requests(
    profile: CommuneProfile,
    cal: CommuneCalendar,
    services: list[ServiceDef],
    citizens: Citizens,
    rng: np.random.Generator,
    n: int,
) -> Requests:
    channel = allocate_exact(rng, n, np.array([profile.channel_mix.get(c, 0.0) for c in CHANNELS]))
    created = _creation_times(profile, cal, rng, channel)
    day = cal.local_day_index(created)
    service = _services_for(cal, services, rng, channel, day)
    _launch_month(profile, cal, services, rng, channel, service, day)

    order = np.lexsort((service, created))
    created, channel, service, day = created[order], channel[order], service[order], day[order]

    weights = citizens.activity / citizens.activity.sum()
    contact = rng.choice(len(citizens), size=n, p=weights)
    codes = np.array([s.code for s in services])
    anonymous_rate = np.where(np.isin(codes[service], ["GEN-INFO", "CLN-REPORT"]), 0.25, 0.015)
    contact = np.where(rng.random(n) < anonymous_rate, -1, contact)

    state, ends, modified, statuscode = _outcomes(cal, services, rng, created, channel, service)
    seq = np.arange(1, n + 1)
    ticket = np.char.add(np.char.add("CAS-", zfill(seq, 5)), np.char.add("-", alnum_codes(rng, n, 6)))
    return Requests(created, channel, service, contact, state, ends, modified, statuscode, ticket, guids(rng, n))


def _creation_times(
    profile: CommuneProfile, cal: CommuneCalendar, rng: np.random.Generator, channel: np.ndarray
) -> np.ndarray:
    """Staffed channels in office hours; the after-hours share taken from the anytime channels."""
    n = len(channel)
    anytime = np.isin(channel, [CHANNELS.index(c) for c in ANYTIME_CHANNELS])
    n_after = min(int(round(profile.after_hours_share * n)), int(anytime.sum()))
    after = np.zeros(n, dtype=bool)
    after[rng.choice(np.flatnonzero(anytime), size=n_after, replace=False)] = True

    office_w = cal.weights(rhythms.OFFICE_HOURLY, rhythms.OFFICE_WEEKDAY, rhythms.MONTHLY, mask=cal.office)
    hourly = np.where(
        cal.on_working_day,
        rhythms.AFTER_HOURS_WORKDAY_HOURLY[cal.hour],
        rhythms.NON_WORKING_DAY_HOURLY[cal.hour] * rhythms.NON_WORKING_WEEKDAY[cal.weekday],
    )
    after_w = np.where(cal.office, 0.0, hourly * rhythms.MONTHLY[cal.month - 1])
    created = np.empty(n, dtype=np.int64)
    created[after] = cal.sample(rng, after_w, int(after.sum()))
    created[~after] = cal.sample(rng, office_w, int((~after).sum()))
    return created


def service_calendar(cal: CommuneCalendar, services: list[ServiceDef]) -> tuple[np.ndarray, np.ndarray]:
    """(active, online): booleans per (service, local day of the range)."""
    days = cal.dates
    active = np.array(
        [
            (days >= np.datetime64(s.active_from)) & ((days < np.datetime64(s.retired_on)) if s.retired_on else True)
            for s in services
        ]
    ).reshape(len(services), len(days))
    online = (
        np.array(
            [days >= np.datetime64(s.digital_since) if s.digital_since else np.zeros(len(days), bool) for s in services]
        ).reshape(len(services), len(days))
        & active
    )
    return active, online


def _services_for(
    cal: CommuneCalendar,
    services: list[ServiceDef],
    rng: np.random.Generator,
    channel: np.ndarray,
    day: np.ndarray,
) -> np.ndarray:
    """A service per request, given its day and channel: portal and app only reach online services."""
    active, online = service_calendar(cal, services)
    weight = np.array([s.weight for s in services])
    # Days with the same catalogue state form a period: one draw per (period, channel group).
    _, period = np.unique(np.vstack([active, online]).T, axis=0, return_inverse=True)
    period = period.reshape(-1)
    digital = np.isin(channel, [CHANNELS.index("portal"), CHANNELS.index("app")])
    staffed = np.isin(channel, [CHANNELS.index(c) for c in ("phone", "counter", "post")])
    group = np.where(digital, 0, np.where(staffed, 1, 2))
    out = np.empty(len(channel), dtype=np.int64)
    keys = period[day] * 3 + group
    for key in np.unique(keys):
        members = np.flatnonzero(keys == key)
        p_day = int(np.flatnonzero(period == key // 3)[0])
        act, onl = active[:, p_day], online[:, p_day]
        g = key % 3
        if g == 0:
            w = weight * onl
        elif g == 1:
            w = weight * act * np.where(onl, 1.0, _OFFLINE_BOOST_STAFFED)
        else:
            w = weight * act * np.where(onl, 1.0, _OFFLINE_BOOST_EMAIL)
        if w.sum() <= 0:  # nothing online yet: such requests could only have come by e-mail
            w = weight * act
            channel[members] = CHANNELS.index("email")
        out[members] = rng.choice(len(services), size=len(members), p=w / w.sum())
    return out


def _launch_month(
    profile: CommuneProfile,
    cal: CommuneCalendar,
    services: list[ServiceDef],
    rng: np.random.Generator,
    channel: np.ndarray,
    service: np.ndarray,
    day: np.ndarray,
) -> None:
    """Give the launch service its published digital share over its first month online.

    Swapping the services of two requests inside the window keeps every other rule true (both
    services are online then, and any active service may come through any staffed channel).
    """
    codes = [s.code for s in services]
    if LAUNCH_SERVICE not in codes:
        return
    s_idx = codes.index(LAUNCH_SERVICE)
    launch = services[s_idx].digital_since
    if launch is None:
        return
    first = (launch - cal.start).days
    window = (day >= first) & (day < first + _LAUNCH_WINDOW_DAYS)
    if not window.any():
        return
    digital_idx = [CHANNELS.index(c) for c in ("portal", "app", "email")]
    is_digital = np.isin(channel, digital_idx)
    known = channel != CHANNELS.index("unknown")
    mine = window & (service == s_idx)  # the share is of all its requests, unknown channel included
    target = int(round(profile.launch_digital_share * mine.sum()))
    have = int((mine & is_digital).sum())
    if target > have:
        give = np.flatnonzero(mine & ~is_digital)  # marriage requests on a staffed channel ...
        take = np.flatnonzero(window & (service != s_idx) & is_digital & (channel != CHANNELS.index("email")))
    else:
        give = np.flatnonzero(mine & is_digital)
        take = np.flatnonzero(window & (service != s_idx) & ~is_digital & known)
    k = min(abs(target - have), len(give), len(take))
    if k:
        a = rng.choice(give, size=k, replace=False)
        b = rng.choice(take, size=k, replace=False)
        service[a], service[b] = service[b], service[a]  # ... trade places with other services' requests


def _outcomes(
    cal: CommuneCalendar,
    services: list[ServiceDef],
    rng: np.random.Generator,
    created: np.ndarray,
    channel: np.ndarray,
    service: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """State, resolution time, last modification and status reason of each request."""
    n = len(created)
    extract = cal.utc_end
    sla = np.array([s.sla_days or 10 for s in services], dtype=float)[service]
    has_process = np.array([s.process is not None for s in services])[service]
    digital = np.isin(channel, [CHANNELS.index("portal"), CHANNELS.index("app")])
    # Certificates asked online are produced by the platform within minutes, at any hour.
    automatic = digital & ~has_process & (sla <= 2)
    median_days = np.where(has_process, np.maximum(0.3, 0.45 * sla), np.maximum(0.2, 0.3 * sla))
    lead = rng.lognormal(np.log(median_days * 86400), 0.75)
    lead = np.where(automatic, rng.lognormal(np.log(150.0), 0.6, n), lead)
    raw_end = created + lead.astype(np.int64) + 1

    cancelled = rng.random(n) < _CANCEL_RATE
    cancel_at = created + rng.lognormal(np.log(2 * 86400), 1.0, n).astype(np.int64) + 1
    raw_end = np.where(cancelled, np.minimum(cancel_at, raw_end), raw_end)

    # People resolve and cancel during office hours.
    snapped = _into_office_hours(cal.office_minutes(), raw_end, rng, extract)
    ends = np.where(automatic & ~cancelled, raw_end, np.maximum(snapped, raw_end))
    closed = ends < extract
    state = np.where(closed, np.where(cancelled, 2, 1), 0)

    open_modified = created + (rng.random(n) * 0.7 * (extract - created)).astype(np.int64)
    modified = np.where(closed, ends, np.clip(open_modified, created, extract - 1))
    statuscode = np.select(
        [state == 1, state == 2],
        [np.where(rng.random(n) < 0.88, 5, 1000), np.where(rng.random(n) < 0.95, 6, 2000)],
        default=np.array([1, 2, 3, 4])[rng.choice(4, size=n, p=[0.7, 0.1, 0.15, 0.05])],
    )
    return state, ends, modified, statuscode


def _into_office_hours(office: np.ndarray, t: np.ndarray, rng: np.random.Generator, extract: int) -> np.ndarray:
    """Times inside office hours stay; others move into the next working day(s), spread over the
    day rather than piled up at opening time. Past the last office minute: the extract time."""
    n = len(t)
    if not len(office):
        return np.full(n, extract, dtype=np.int64)
    slot = np.searchsorted(office, t, side="right") - 1  # the office minute at or before t
    inside = (slot >= 0) & (t - office[np.maximum(slot, 0)] < 60)
    nxt = np.where(inside, slot, slot + 1 + rng.integers(0, 420, n))
    moved = office[np.clip(nxt, 0, len(office) - 1)] + rng.integers(0, 60, n)
    return np.where(inside, t, np.where(nxt < len(office), moved, extract)).astype(np.int64)


# --- export -----------------------------------------------------------------------------------------


def _lower_hex_quote(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(text, safe=""))


def _next_link(org_url: str, entity: str, key: str, select: str, extra: str, page: int, first: str, last: str) -> str:
    """A nextLink as Dataverse writes it: a paging cookie of the page just served, URL-encoded twice."""
    inner = f'<cookie page="{page}"><{key} last="{{{last.upper()}}}" first="{{{first.upper()}}}" /></cookie>'
    cookie = f'<cookie pagenumber="{page + 1}" pagingcookie="{_lower_hex_quote(inner)}" istracking="False" />'
    return f"{org_url}/{API}/{entity}?$select={select}{extra}&$skiptoken={quote(cookie, safe='/=')}"


def _write_pages(
    folder: Path,
    org_url: str,
    entity: str,
    key: str,
    columns: tuple[str, ...],
    records: list[dict],
    extra: str,
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    select = ",".join(columns)
    context = f"{org_url}/{API}/$metadata#{entity}({select})"
    paths: list[Path] = []
    n_pages = max(1, -(-len(records) // PAGE_SIZE))
    for page in range(1, n_pages + 1):
        chunk = records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        document: dict = {"@odata.context": context, "value": chunk}
        if page < n_pages:
            document["@odata.nextLink"] = _next_link(
                org_url, entity, key, select, extra, page, chunk[0][key], chunk[-1][key]
            )
        path = folder / f"page-{page:05d}.json"
        path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        paths.append(path)
    return paths


def write_crm(
    profile: CommuneProfile,
    cal: CommuneCalendar,
    services: list[ServiceDef],
    citizens: Citizens,
    requests: Requests,
    rng: np.random.Generator,
    folder: Path,
) -> tuple[list[Path], list[Path]]:
    """crm/incidents/page-NNNNN.json and crm/contacts/page-NNNNN.json (Web API pages)."""
    org_url = f"https://{profile.crm_org}.crm4.dynamics.com"
    n = len(requests)
    created = format_utc(requests.created).to_list()
    modified = format_utc(requests.modified).to_list()
    versions = (np.sort(rng.integers(10_000_000, 90_000_000, n))).tolist()
    titles = {lang: [getattr(s, f"name_{lang}") for s in services] for lang in ("fr", "nl", "en")}
    contact_lang = np.where(requests.contact >= 0, citizens.language[np.maximum(requests.contact, 0)], "fr")
    codes = [s.code for s in services]
    incidents = []
    for i, (svc, ch, state, status, contact) in enumerate(
        zip(
            requests.service.tolist(),
            requests.channel.tolist(),
            requests.state.tolist(),
            requests.statuscode.tolist(),
            requests.contact.tolist(),
            strict=True,
        )
    ):
        channel = CHANNELS[ch]
        origin = CASE_ORIGIN_CODES[channel]
        record = {
            "@odata.etag": f'W/"{versions[i]}"',
            "incidentid": requests.incidentid[i],
            "ticketnumber": str(requests.ticket[i]),
            "title": titles[str(contact_lang[i])][svc],
            "caseorigincode": origin,
        }
        if origin is not None:  # the Web API leaves the annotation out for an empty value
            record["caseorigincode" + FORMATTED] = CASE_ORIGIN_LABELS[channel]
        record |= {
            "createdon": created[i],
            "modifiedon": modified[i],
            "statecode": state,
            "statecode" + FORMATTED: STATE_LABELS[state],
            "statuscode": status,
            "statuscode" + FORMATTED: STATUS_LABELS[status],
            "_customerid_value": citizens.contactid[contact] if contact >= 0 else None,
        }
        if contact >= 0:
            record["_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] = "contact"
        record["cl_servicecode"] = codes[svc]
        incidents.append(record)
    first, stop = format_utc(np.array([cal.utc_start, cal.utc_end])).to_list()
    window = f"&$filter=createdon%20ge%20{first}%20and%20createdon%20lt%20{stop}&$orderby=createdon%20asc"
    incident_pages = _write_pages(
        folder / "incidents", org_url, "incidents", "incidentid", INCIDENT_COLUMNS, incidents, window
    )

    order = np.argsort(np.array(citizens.contactid), kind="stable")  # primary-key order, as Dataverse pages
    nrn = format_nrn(citizens.nrn)
    fullname = citizens.fullname
    contact_versions = rng.integers(1_000_000, 9_000_000, len(citizens)).tolist()
    contacts = [
        {
            "@odata.etag": f'W/"{contact_versions[i]}"',
            "contactid": citizens.contactid[i],
            "fullname": str(fullname[i]),
            "firstname": str(citizens.firstname[i]),
            "lastname": str(citizens.lastname[i]),
            "emailaddress1": str(citizens.email[i]) or None,
            "telephone1": str(citizens.phone_e164[i]) or None,
            "cl_nationalregisternumber": str(nrn[i]) or None,
        }
        for i in order.tolist()
    ]
    contact_pages = _write_pages(folder / "contacts", org_url, "contacts", "contactid", CONTACT_COLUMNS, contacts, "")
    return incident_pages, contact_pages
