"""The demo generator: calibration on the city's published figures, file formats, determinism.

Every figure is recomputed from the written files with plain parsers (json, csv, xml.etree, gzip,
zoneinfo) and rules written out here, never with the generator's own helpers: a bug shared by the
generator and its check would otherwise go unseen.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import statistics
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml

from pipelines.demo import generate

BRUSSELS = ZoneInfo("Europe/Brussels")
START, END = date(2024, 1, 1), date(2024, 12, 31)
# Belgian public holidays, written out by hand (Easter Monday, Ascension and Whit Monday of 2024),
# and New Year 2025 for appointment slots booked in late December.
BE_HOLIDAYS = {
    date(2024, 1, 1),
    date(2024, 4, 1),
    date(2024, 5, 1),
    date(2024, 5, 9),
    date(2024, 5, 20),
    date(2024, 7, 21),
    date(2024, 8, 15),
    date(2024, 11, 1),
    date(2024, 11, 11),
    date(2024, 12, 25),
    date(2025, 1, 1),
}
CHANNEL_OF_ORIGIN = {
    1: "phone",
    2: "email",
    3: "portal",
    100000000: "counter",
    100000001: "post",
    100000002: "app",
    None: "unknown",
}
DIGITAL = {"portal", "app", "email"}
QUEUE_EVENTS = {"ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "ABANDON", "EXITWITHTIMEOUT"}
XES = "{http://www.xes-standard.org/}"


# --- independent helpers -------------------------------------------------------------------------


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local(text: str) -> datetime:
    return utc(text).astimezone(BRUSSELS)


def config(root: Path) -> dict:
    return yaml.safe_load((root / "civiclake.yaml").read_text(encoding="utf-8"))


def holidays_of(cfg: dict, commune: str) -> set[date]:
    entry = next(c for c in cfg["communes"] if c["id"] == commune)
    return BE_HOLIDAYS | {h["date"] for h in entry["holidays"]["extra"]}


def in_office_hours(moment: datetime, holidays: set[date]) -> bool:
    """Brussels: Monday to Friday 08:00-17:00 local, holidays closed all day."""
    moment = moment.astimezone(BRUSSELS)
    return moment.weekday() < 5 and moment.date() not in holidays and time(8, 0) <= moment.time() < time(17, 0)


def pages(folder: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("page-*.json"))]


def records(folder: Path) -> list[dict]:
    return [r for page in pages(folder) for r in page["value"]]


def nrn_is_valid(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if len(digits) != 11:
        return False
    first9, check = int(digits[:9]), int(digits[9:])
    return check in (97 - first9 % 97, 97 - (2_000_000_000 + first9) % 97)


def services_csv(root: Path, commune: str = "brussels") -> list[dict]:
    with open(root / commune / "catalogue" / "services.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def digital_share(services: list[dict], day: date) -> float:
    def d(text: str) -> date | None:
        return date.fromisoformat(text) if text else None

    active = [s for s in services if d(s["active_from"]) <= day and (not s["retired_on"] or day < d(s["retired_on"]))]
    online = [s for s in active if s["digital_since"] and d(s["digital_since"]) <= day]
    return len(online) / len(active)


# --- the city-year -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("brussels-2024")
    generate(root, START, END, ["brussels"], scale=1.0, seed=42, progress=False)
    return root


@pytest.fixture(scope="module")
def incidents(city: Path) -> list[dict]:
    return records(city / "brussels" / "crm" / "incidents")


@pytest.fixture(scope="module")
def catalogue(city: Path) -> dict[str, dict]:
    return {s["service_code"]: s for s in services_csv(city)}


def test_requests_volume(incidents: list[dict]) -> None:
    days = Counter(local(r["createdon"]).date() for r in incidents)
    assert min(days) >= START and max(days) <= END
    assert abs(len(incidents) - 167_005) <= 0.01 * 167_005


def test_service_catalogue_history(catalogue: dict[str, dict]) -> None:
    services = list(catalogue.values())
    assert len(services) == 50
    assert round(digital_share(services, date(2024, 12, 31)), 4) == 0.78
    assert 0.55 <= digital_share(services, date(2023, 1, 1)) <= 0.65
    assert digital_share(services, date(2023, 12, 31)) < digital_share(services, date(2024, 12, 31))
    assert digital_share(services, date(2025, 12, 31)) >= 0.85
    assert len({s["process_code"] for s in services if s["process_code"]}) == 21
    marriage = [s for s in services if "MARRIAGE" in s["service_code"]]
    assert len(marriage) == 1 and marriage[0]["digital_since"] == "2024-09-02"


def test_marriage_declaration_first_month(incidents: list[dict], catalogue: dict[str, dict]) -> None:
    code = next(c for c in catalogue if "MARRIAGE" in c)
    window = [
        r
        for r in incidents
        if r["cl_servicecode"] == code and date(2024, 9, 2) <= local(r["createdon"]).date() <= date(2024, 10, 2)
    ]
    assert len(window) >= 50
    digital = sum(CHANNEL_OF_ORIGIN[r["caseorigincode"]] in DIGITAL for r in window)
    assert abs(digital / len(window) - 0.90) <= 0.02


def test_no_online_requests_before_a_service_is_online(incidents: list[dict], catalogue: dict[str, dict]) -> None:
    for r in incidents:
        channel = CHANNEL_OF_ORIGIN[r["caseorigincode"]]
        if channel in ("portal", "app"):
            since = catalogue[r["cl_servicecode"]]["digital_since"]
            assert since and local(r["createdon"]).date() >= date.fromisoformat(since), r["ticketnumber"]


def test_after_hours_share(city: Path, incidents: list[dict]) -> None:
    holidays = holidays_of(config(city), "brussels")
    after = sum(not in_office_hours(utc(r["createdon"]), holidays) for r in incidents)
    assert abs(after / len(incidents) - 0.45) <= 0.01


def test_channel_mix(incidents: list[dict]) -> None:
    counts = Counter(CHANNEL_OF_ORIGIN[r["caseorigincode"]] for r in incidents)
    expected = {
        "portal": 0.50,
        "app": 0.06,
        "email": 0.09,
        "phone": 0.14,
        "counter": 0.16,
        "post": 0.04,
        "unknown": 0.01,
    }
    for channel, share in expected.items():
        assert abs(counts[channel] / len(incidents) - share) <= 0.02, channel


def test_request_states(incidents: list[dict]) -> None:
    states = Counter(r["statecode"] for r in incidents)
    assert states[1] > 0.8 * len(incidents) and states[0] > 0 and states[2] > 0
    for r in incidents[:20_000]:
        assert utc(r["modifiedon"]) >= utc(r["createdon"])


def test_appointments(city: Path) -> None:
    holidays = holidays_of(config(city), "brussels")
    with open(city / "brussels" / "appointments" / "bookings.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    booked = [r for r in rows if START <= datetime.fromisoformat(r["booked_at"]).astimezone(BRUSSELS).date() <= END]
    assert abs(len(booked) - 95_000) <= 0.02 * 95_000
    channels = Counter(r["booking_channel"] for r in booked)
    assert set(channels) <= {"online", "phone", "counter"}
    assert abs(channels["online"] / len(booked) - 0.80) <= 0.01
    status = Counter(r["status"] for r in rows)
    assert set(status) == {"attended", "no-show", "cancelled"}
    assert abs(status["cancelled"] / len(rows) - 0.08) <= 0.015
    assert abs(status["no-show"] / len(rows) - 0.07) <= 0.015
    for r in rows:
        booked_at = datetime.fromisoformat(r["booked_at"])
        start, end = datetime.fromisoformat(r["slot_start"]), datetime.fromisoformat(r["slot_end"])
        # The written offset is the real one of that instant (no local time that does not exist).
        assert start.utcoffset() == start.astimezone(BRUSSELS).utcoffset()
        assert 1 <= (start.astimezone(BRUSSELS).date() - booked_at.astimezone(BRUSSELS).date()).days <= 30
        assert in_office_hours(start, holidays) and start < end
        assert in_office_hours(end - timedelta(seconds=1), holidays)


def test_calls(city: Path) -> None:
    lines = (city / "brussels" / "telephony" / "queue_log").read_text(encoding="utf-8").splitlines()
    calls: dict[str, list[list[str]]] = defaultdict(list)
    previous = 0
    for line in lines:
        fields = line.split("|")
        assert len(fields) == 8 and fields[4] in QUEUE_EVENTS, line
        assert int(fields[0]) >= previous  # appended in time order
        previous = int(fields[0])
        calls[fields[1]].append(fields)
    entered = [c for c in calls.values() if c[0][4] == "ENTERQUEUE"]
    assert len(entered) == len(calls)
    assert abs(len(entered) - 360_000) <= 0.01 * 360_000
    answered = [c for c in entered if c[1][4] == "CONNECT"]
    abandoned = [c for c in entered if c[1][4] in ("ABANDON", "EXITWITHTIMEOUT")]
    assert len(answered) + len(abandoned) == len(entered)
    assert abs(len(answered) / len(entered) - 0.88) <= 0.01
    short = [c for c in abandoned if c[1][4] == "ABANDON" and int(c[1][7]) < 5]
    assert abs(len(short) / len(entered) - 0.03) <= 0.005
    holds = [int(c[1][5]) for c in answered]
    talks = [int(c[2][6]) for c in answered]
    assert all(c[2][4] in ("COMPLETECALLER", "COMPLETEAGENT") for c in answered)
    assert 15 <= statistics.mean(holds) <= 120
    assert 90 <= statistics.median(talks) <= 400
    for c in answered[:1000]:  # holdtime is the time from entering to connecting
        assert int(c[1][0]) - int(c[0][0]) == int(c[1][5])


def test_portal_logins(city: Path, incidents: list[dict]) -> None:
    holidays = holidays_of(config(city), "brussels")
    per_day: dict[date, set[str]] = defaultdict(set)
    total = failures = 0
    with open(city / "brussels" / "portal" / "logins.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            total += 1
            assert row["method"] in ("itsme", "eid", "password")
            if row["success"]:
                per_day[local(row["timestamp"]).date()].add(row["national_register_number"])
            else:
                failures += 1
    weekdays = [len(v) for d, v in per_day.items() if d.weekday() < 5 and d not in holidays]
    weekends = [len(v) for d, v in per_day.items() if d.weekday() >= 5]
    assert statistics.mean(weekdays) > 1000
    assert 1100 <= statistics.mean(weekdays) <= 1600
    assert 400 <= statistics.mean(weekends) <= 900
    assert 0.03 <= failures / total <= 0.07
    # Citizens link across systems: portal register numbers are those of CRM contacts.
    contacts = records(city / "brussels" / "crm" / "contacts")
    crm_numbers = {
        re.sub(r"\D", "", c["cl_nationalregisternumber"]) for c in contacts if c["cl_nationalregisternumber"]
    }
    seen = set().union(*per_day.values())
    assert seen <= crm_numbers
    assert all(nrn_is_valid(n) for n in seen)


# --- formats -------------------------------------------------------------------------------------


def test_odata_pages_and_paging_chain(city: Path) -> None:
    for entity, key in (("incidents", "incidentid"), ("contacts", "contactid")):
        docs = pages(city / "brussels" / "crm" / entity)
        assert len(docs) > 1
        for number, doc in enumerate(docs, start=1):
            assert doc["@odata.context"].startswith("https://")
            assert f"$metadata#{entity}(" in doc["@odata.context"]
            if number < len(docs):
                assert len(doc["value"]) == 5000
                link = urlsplit(doc["@odata.nextLink"])
                assert link.path.endswith(f"/api/data/v9.2/{entity}")
                token = unquote(parse_qs(link.query)["$skiptoken"][0])
                assert f'pagenumber="{number + 1}"' in token
                assert doc["value"][-1][key].upper() in unquote(unquote(token)).upper()
            else:
                assert "@odata.nextLink" not in doc and 0 < len(doc["value"]) <= 5000
            for record in doc["value"]:
                assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", record[key])


def test_incident_and_contact_fields(incidents: list[dict], city: Path) -> None:
    tickets = [r["ticketnumber"] for r in incidents]
    assert len(set(tickets)) == len(tickets)
    assert all(re.fullmatch(r"CAS-\d{5,}-[A-Z0-9]{6}", t) for t in tickets)
    for r in incidents[:5000]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["createdon"])
        assert r["statecode"] in (0, 1, 2) and r["statuscode"] in (1, 2, 3, 4, 5, 6, 1000, 2000)
        assert r["caseorigincode"] in CHANNEL_OF_ORIGIN
    contacts = records(city / "brussels" / "crm" / "contacts")
    ids = {c["contactid"] for c in contacts}
    assert {r["_customerid_value"] for r in incidents if r["_customerid_value"]} <= ids
    numbers = [c["cl_nationalregisternumber"] for c in contacts if c["cl_nationalregisternumber"]]
    assert len(set(numbers)) == len(numbers)
    for n in numbers:
        assert re.fullmatch(r"\d\d\.\d\d\.\d\d-\d{3}\.\d\d", n) and nrn_is_valid(n), n
    names = {c["firstname"] for c in contacts} | {c["lastname"] for c in contacts}
    assert {"Hélène", "Noël", "Van den Broeck"} <= names
    phones = [c["telephone1"] for c in contacts if c["telephone1"]]
    assert all(p.startswith("+32") for p in phones)


def test_case_log_csv_and_xes(city: Path, incidents: list[dict], catalogue: dict[str, dict]) -> None:
    by_ticket = {r["ticketnumber"]: r for r in incidents}
    with open(city / "brussels" / "cases" / "events.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["case_id", "process", "activity", "lifecycle", "timestamp", "agent"]
        rows = list(reader)
    cases: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        cases[row["case_id"]].append(row)
    assert len({r["process"] for r in rows}) == 21
    with_process = {t for t, r in by_ticket.items() if catalogue[r["cl_servicecode"]]["process_code"]}
    assert set(cases) == with_process  # only requests of services with a process, and all of them
    closing = {"Clôturer le dossier", "Annuler le dossier"}
    reworked = 0
    for ticket, events in list(cases.items())[:30_000]:
        request = by_ticket[ticket]
        assert events[0]["process"] == catalogue[request["cl_servicecode"]]["process_code"]
        times = [datetime.fromisoformat(e["timestamp"]) for e in events]
        assert times == sorted(times)
        assert times[0] >= utc(request["createdon"])
        if request["statecode"] != 0:
            assert times[-1] <= utc(request["modifiedon"])
            assert events[-1]["activity"] in closing
        else:
            assert not closing & {e["activity"] for e in events}
        completed = Counter(e["activity"] for e in events if e["lifecycle"] == "complete")
        reworked += any(v > 1 for v in completed.values())
        assert {e["lifecycle"] for e in events} <= {"start", "complete"}
    assert reworked > 0.05 * min(len(cases), 30_000)

    n_events = 0
    n_traces = 0
    with gzip.open(city / "brussels" / "cases" / "events.xes.gz", "rb") as f:
        for kind, element in ET.iterparse(f, events=("start", "end")):
            if kind == "start" and element.tag == f"{XES}log":
                assert element.get("xes.version") == "1849-2016"
            elif kind == "end" and element.tag == f"{XES}extension":
                assert element.get("prefix") in ("concept", "time", "lifecycle", "org")
            elif kind == "end" and element.tag == f"{XES}event":
                n_events += 1
                keys = {child.get("key") for child in element}
                assert keys == {"concept:name", "lifecycle:transition", "time:timestamp", "org:resource"}
            elif kind == "end" and element.tag == f"{XES}trace":
                n_traces += 1
                attrs = {c.get("key"): c.get("value") for c in element if c.tag == f"{XES}string"}
                assert attrs["concept:name"] in cases and attrs["process"]
                element.clear()
    assert n_events == len(rows) and n_traces == len(cases)


def test_config_file(city: Path) -> None:
    cfg = config(city)
    assert cfg["version"] == 1 and cfg["mode"] == "demo" and "pseudonymisation" in cfg
    (commune,) = cfg["communes"]
    assert commune["id"] == "brussels" and commune["timezone"] == "Europe/Brussels"
    assert set(commune["name"]) == {"fr", "nl", "en"}
    assert commune["office_hours"]["mon"] == ["08:00-17:00"] and "sat" not in commune["office_hours"]
    assert commune["holidays"]["country"] == "BE" and commune["holidays"]["extra"]
    assert set(commune["digital_channels"]) == DIGITAL
    target = {"kpi": "services_digital_share", "value": 0.85, "deadline": date(2025, 12, 31)}
    assert target in commune["targets"]
    kinds = {(s["entity"], s["kind"], s["format"]) for s in cfg["sources"]}
    assert kinds == {
        ("request", "dynamics365", "odata_json"),
        ("case_event", "event_log", "csv"),
        ("case_event", "event_log", "xes"),
        ("appointment", "booking_export", "csv"),
        ("call", "asterisk_queue_log", "queue_log"),
        ("portal_login", "portal_log", "jsonl"),
        ("service", "service_catalogue", "csv"),
    }
    for source in cfg["sources"]:
        assert {"id", "commune", "entity", "kind", "format", "location"} <= set(source)
        assert source["commune"] == "brussels" and (city / source["location"]).exists()
    crm = next(s for s in cfg["sources"] if s["kind"] == "dynamics365")
    assert crm["mapping"]["channel_values"]["100000002"] == "app"


# --- determinism, ranges, several communes -------------------------------------------------------


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        generate(tmp_path / name, START, END, ["brussels"], scale=0.01, seed=seed, progress=False)
    a, b, c = (all_files(tmp_path / name) for name in "abc")
    assert len(a) >= 9 and a == b
    assert (
        a.keys() == c.keys()
        and a["brussels/crm/incidents/page-00001.json"] != c["brussels/crm/incidents/page-00001.json"]
    )


def test_two_communes(tmp_path: Path) -> None:
    summary = generate(tmp_path / "two", START, END, ["brussels", "molenbeek"], scale=0.01, seed=3, progress=False)
    cfg = config(tmp_path / "two")
    names = {c["id"]: c["name"] for c in cfg["communes"]}
    assert names["molenbeek"] == {
        "fr": "Molenbeek-Saint-Jean",
        "nl": "Sint-Jans-Molenbeek",
        "en": "Molenbeek-Saint-Jean",
    }
    counts = {cid: len(records(tmp_path / "two" / cid / "crm" / "incidents")) for cid in names}
    assert 0 < counts["molenbeek"] < counts["brussels"]
    assert summary.row_counts["molenbeek"]["molenbeek-crm"] == counts["molenbeek"]
    assert {s["commune"] for s in cfg["sources"]} == {"brussels", "molenbeek"}
    assert len(cfg["sources"]) == 14
    # A commune's files do not depend on which other communes are generated with it.
    generate(tmp_path / "one", START, END, ["brussels"], scale=0.01, seed=3, progress=False)
    one, two = all_files(tmp_path / "one" / "brussels"), all_files(tmp_path / "two" / "brussels")
    assert one == two
    # Different communes, different habits.
    share = {cid: digital_share(services_csv(tmp_path / "two", cid), date(2024, 12, 31)) for cid in names}
    assert share["molenbeek"] < share["brussels"]


def test_unknown_commune(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="brussels") as error:
        generate(tmp_path / "x", communes=["brussels", "atlantis"], scale=0.01, progress=False)
    assert "atlantis" in str(error.value) and "schaerbeek" in str(error.value)
    assert not (tmp_path / "x" / "civiclake.yaml").exists()


def test_one_month_across_the_spring_dst_change(tmp_path: Path) -> None:
    root = tmp_path / "march"
    generate(root, date(2024, 3, 1), date(2024, 3, 31), ["brussels"], scale=0.2, seed=1, progress=False)
    incidents = records(root / "brussels" / "crm" / "incidents")
    assert len(incidents) == round(167_005 * 0.2 * 31 / 366)
    assert {local(r["createdon"]).date().month for r in incidents} == {3}
    with open(root / "brussels" / "cases" / "events.csv", newline="", encoding="utf-8") as f:
        stamps = [row["timestamp"] for row in csv.DictReader(f)]
    with open(root / "brussels" / "appointments" / "bookings.csv", newline="", encoding="utf-8") as f:
        stamps += [row[k] for row in csv.DictReader(f) for k in ("booked_at", "slot_start", "slot_end")]
    assert any(s.startswith("2024-03-31T") and s.endswith("+02:00") for s in stamps)
    for s in stamps:  # every written local time exists and carries its real offset
        moment = datetime.fromisoformat(s)
        assert moment.astimezone(BRUSSELS).isoformat() == s, s
