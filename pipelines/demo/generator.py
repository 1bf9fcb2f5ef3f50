"""`generate()`: the demo extracts of one or more communes, and the civiclake.yaml that describes them.

Layout under the output folder, per commune id:
    crm/incidents/page-00001.json ...     Dynamics 365 Web API pages (requests)
    crm/contacts/page-00001.json ...      Dynamics 365 Web API pages (citizens)
    cases/events.csv, cases/events.xes.gz the case tool's event log
    appointments/bookings.csv             the booking system's export
    telephony/queue_log                   the contact centre's Asterisk queue_log
    portal/logins.jsonl                   the portal's authentication log
    catalogue/services.csv                the service catalogue
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
from tqdm import tqdm

from pipelines.demo import appointments, case_log, catalogue, crm, portal, telephony
from pipelines.demo.calendar import CommuneCalendar, holiday_dates
from pipelines.demo.config_writer import CHANNEL_VALUES, commune_entry, write_config
from pipelines.demo.people import agent_logins, make_citizens
from pipelines.demo.profiles import (
    PROCESSES,
    REQUESTS_PER_YEAR,
    CommuneProfile,
    ServiceDef,
    get_profile,
)
from pipelines.demo.randomness import stream
from pipelines.demo.summary import GenerationSummary, SourceOutput

TIMEZONE = "Europe/Brussels"
_STEPS_PER_COMMUNE = 7
_CONTACTS_PER_INHABITANT = 0.45  # citizens known to the CRM


def generate(
    out_dir: Path,
    start: date = date(2024, 1, 1),
    end: date = date(2024, 12, 31),
    communes: Sequence[str] = ("brussels",),
    scale: float = 1.0,
    seed: int = 42,
    progress: bool = True,
) -> GenerationSummary:
    """Write the demo extracts of each commune under out_dir/<commune>/ and out_dir/civiclake.yaml.

    Same arguments, same bytes: every random draw comes from `seed`, keyed by commune and source.
    Raises ValueError for an unknown commune id (listing the known ones), an empty or reversed
    date range, or a scale that is not positive.
    """
    commune_ids = list(dict.fromkeys(communes))
    if not commune_ids:
        raise ValueError("at least one commune is needed")
    profiles = [get_profile(cid) for cid in commune_ids]  # ValueError before anything is written
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = GenerationSummary(out_dir, out_dir / "civiclake.yaml", start, end, scale, seed)
    entries = []
    with tqdm(
        total=len(profiles) * _STEPS_PER_COMMUNE + 1,
        desc="generate",
        unit="step",
        file=sys.stderr,
        disable=not progress,
    ) as bar:
        for profile in profiles:
            sources, entry = _generate_commune(profile, out_dir, start, end, scale, seed, bar)
            summary.sources.extend(sources)
            entries.append(entry)
        bar.set_postfix_str("civiclake.yaml")
        write_config(summary.config_path, entries, summary.sources, history_start=start)
        bar.update()
    return summary


def _generate_commune(
    profile: CommuneProfile, out_dir: Path, start: date, end: date, scale: float, seed: int, bar: tqdm
) -> tuple[list[SourceOutput], dict]:
    cid = profile.id
    root = out_dir / cid

    def step(label: str) -> None:
        bar.set_postfix_str(f"{cid}: {label}")

    def rel(path: Path) -> str:
        return path.relative_to(out_dir).as_posix()

    # Slots of late bookings fall in the next year: its holidays are needed too.
    holidays = holiday_dates("BE", profile.extra_holidays, range(start.year, end.year + 2))
    extras = holiday_dates(None, profile.extra_holidays, range(start.year, end.year + 2))
    cal = CommuneCalendar(TIMEZONE, profile.office_hours, holidays, start, end)
    outputs: list[SourceOutput] = []

    step("catalogue")
    services = catalogue.build_catalogue(profile, stream(seed, cid, "catalogue"))
    path, rows = catalogue.write_catalogue(services, root / "catalogue")
    outputs.append(
        SourceOutput(f"{cid}-catalogue", cid, "service", "service_catalogue", "csv", rel(path), rows, (path,))
    )
    bar.update()

    step("crm")
    n_contacts = max(20, int(round(profile.population * _CONTACTS_PER_INHABITANT * scale)))
    citizens = make_citizens(stream(seed, cid, "people"), n_contacts, start)
    rng = stream(seed, cid, "crm")
    n_requests = crm.request_count(profile, REQUESTS_PER_YEAR, scale, cal.n_days)
    requests = crm.simulate_requests(profile, cal, services, citizens, rng, n_requests)
    _clear_pages(root / "crm")
    incident_pages, contact_pages = crm.write_crm(profile, cal, services, citizens, requests, rng, root / "crm")
    outputs.append(
        SourceOutput(
            f"{cid}-crm",
            cid,
            "request",
            "dynamics365",
            "odata_json",
            rel(root / "crm"),
            len(requests),
            tuple(incident_pages + contact_pages),
            mapping={
                "channel_values": dict(CHANNEL_VALUES),
                "service_code_column": "cl_servicecode",
                "national_number_column": "cl_nationalregisternumber",
            },
        )
    )
    bar.update()

    step("case log")
    agents = _agents(profile, services, stream(seed, cid, "agents"))
    log = case_log.simulate_case_events(cal, services, requests, agents, stream(seed, cid, "case_log"))
    csv_path = case_log.write_event_csv(log, root / "cases")
    bar.update()
    step("case log (XES)")
    log_name = f"{profile.name_fr} - outil de gestion des dossiers"
    xes_path = case_log.write_event_xes(log, root / "cases", log_name)
    event_mapping = {
        "case_id": "case_id",
        "process": "process",
        "activity": "activity",
        "lifecycle": "lifecycle",
        "timestamp": "timestamp",
        "resource": "agent",
    }
    outputs.append(
        SourceOutput(
            f"{cid}-cases-csv",
            cid,
            "case_event",
            "event_log",
            "csv",
            rel(csv_path),
            len(log),
            (csv_path,),
            mapping=event_mapping,
        )
    )
    outputs.append(
        SourceOutput(
            f"{cid}-cases-xes",
            cid,
            "case_event",
            "event_log",
            "xes",
            rel(xes_path),
            len(log),
            (xes_path,),
            mapping={"process": "process"},
            options={"same_events_as": f"{cid}-cases-csv"},
        )
    )
    bar.update()

    step("appointments")
    bookings = appointments.simulate_appointments(
        profile, cal, services, citizens, stream(seed, cid, "appointments"), scale
    )
    path = appointments.write_appointments(bookings, root / "appointments")
    outputs.append(
        SourceOutput(
            f"{cid}-appointments", cid, "appointment", "booking_export", "csv", rel(path), bookings.height, (path,)
        )
    )
    bar.update()

    step("telephony")
    calls = telephony.simulate_calls(profile, cal, citizens, stream(seed, cid, "telephony"), scale)
    path = telephony.write_queue_log(calls, root / "telephony")
    outputs.append(
        SourceOutput(
            f"{cid}-calls",
            cid,
            "call",
            "asterisk_queue_log",
            "queue_log",
            rel(path),
            calls.height,
            (path,),
            options={"timezone": TIMEZONE},
        )
    )
    bar.update()

    step("portal")
    logins = portal.simulate_logins(profile, cal, citizens, requests, stream(seed, cid, "portal"), scale)
    path = portal.write_logins(logins, root / "portal")
    outputs.append(
        SourceOutput(
            f"{cid}-portal",
            cid,
            "portal_login",
            "portal_log",
            "jsonl",
            rel(path),
            logins.height,
            (path,),
            mapping={"national_number_field": "national_register_number"},
        )
    )
    bar.update()

    return outputs, commune_entry(profile, extras)


def _clear_pages(folder: Path) -> None:
    # A rerun with fewer pages must not leave the old tail behind (it would break the paging chain).
    for sub in ("incidents", "contacts"):
        for old in sorted((folder / sub).glob("page-*.json")):
            old.unlink()


def _agents(profile: CommuneProfile, services: list[ServiceDef], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Case-tool logins per department, more staff where there are more cases."""
    load: dict[str, float] = {}
    for s in services:
        if s.process in PROCESSES:
            load[s.owner] = load.get(s.owner, 0.0) + s.weight
    departments = sorted(load)
    total = sum(load.values()) or 1.0
    sizes = [max(3, int(round(160 * profile.volume_factor * load[d] / total))) for d in departments]
    logins = agent_logins(rng, sum(sizes))
    pools: dict[str, np.ndarray] = {}
    offset = 0
    for dept, size in zip(departments, sizes, strict=True):
        pools[dept] = logins[offset : offset + size]
        offset += size
    return pools
