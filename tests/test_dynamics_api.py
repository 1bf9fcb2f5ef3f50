"""The Dynamics 365 Web API client against a fake Dataverse on 127.0.0.1: tokens, paging, change
tracking, retries, resuming a pull that failed half-way, and the landed pulls read by the folder reader."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
import traceback
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from connectors.dynamics import ExportError, read_dynamics_export
from connectors.dynamics_api import (
    INCIDENT_COLUMNS,
    ClientCredentials,
    DynamicsApiError,
    DynamicsAuthError,
    DynamicsClient,
    complete_pulls,
    pull_crm,
    pull_entity_set,
)
from connectors.pseudonymise import Pseudonymiser

KEY = b"test-key-0123456789abcdef"
NOW = datetime(2025, 1, 10, tzinfo=UTC)
CLIENT_ID = "0a1b2c3d-0000-4000-8000-00000000c11e"
SECRET = "Xq8~s3cr3t.Value-that-must-never-leak"
WRONG_SECRET = "an0ther~Wrong.Secret-value"
SCOPE = "https://org.crm4.dynamics.com/.default"
API_PATH = "/api/data/v9.2"
TOKEN_PATH = "/tenant-0001/oauth2/v2.0/token"
PAGE_SIZE = 2
FORMATTED = "@OData.Community.Display.V1.FormattedValue"
SELECT = ",".join(INCIDENT_COLUMNS)

C1, C2, C3 = (f"5b7d0c4a-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
CONTACTS = [
    {"contactid": C1, "fullname": "Hélène Van den Broeck", "emailaddress1": "helene@example.be",
     "cl_nationalregisternumber": "85.07.30-033.28"},
    {"contactid": C2, "fullname": "Jan Peeters", "emailaddress1": "jan@example.be",
     "cl_nationalregisternumber": "93051822361"},
    {"contactid": C3, "fullname": "Anonyme", "emailaddress1": None, "cl_nationalregisternumber": None},
]  # fmt: skip
ORIGIN_LABELS = {1: "Phone", 2: "Email", 3: "Web", 100000000: "Counter", 100000002: "App"}


def incident_id(n: int) -> str:
    return f"{n:08x}-aaaa-4bbb-8ccc-{n:012x}"


def incident(n: int, origin: int | None, state: int, created: str, modified: str, customer: str | None) -> dict:
    record: dict[str, Any] = {
        "@odata.etag": f'W/"{1000 + n}"',
        "incidentid": incident_id(n),
        "ticketnumber": f"CAS-{1000 + n}",
        "title": "Carte d'identité de Hélène",  # free text: not in $select, so never fetched
        "description": "Rappeler au +32 470 12 34 56",
        "caseorigincode": origin,
        "createdon": created,
        "modifiedon": modified,
        "statecode": state,
        "statuscode": {0: 1, 1: 5, 2: 6}[state],
        "_customerid_value": customer,
        "cl_servicecode": "POP-EID",
    }
    if origin is not None:
        record["caseorigincode" + FORMATTED] = ORIGIN_LABELS[origin]
    return record


INCIDENTS = [
    incident(1, 3, 1, "2024-03-04T08:00:00Z", "2024-03-06T10:00:00Z", C1),
    incident(2, 1, 0, "2024-03-04T09:30:00Z", "2024-03-04T09:30:00Z", C1),
    incident(3, 2, 1, "2024-03-05T14:00:00Z", "2024-03-05T16:00:00Z", C2),
    incident(4, 100000000, 2, "2024-03-05T15:00:00Z", "2024-03-05T15:30:00Z", C3),
    incident(5, 3, 0, "2024-03-06T07:00:00Z", "2024-03-06T07:00:00Z", C2),
    incident(6, None, 0, "2024-03-06T11:00:00Z", "2024-03-06T11:00:00Z", None),
    incident(7, 100000002, 1, "2024-03-07T18:00:00Z", "2024-03-08T09:00:00Z", C1),
]
TICKETS = [f"CAS-{1000 + n}" for n in range(1, 8)]


def deleted_entry(origin: str, entity_set: str, guid: str) -> dict:
    return {
        "@odata.context": f"{origin}{API_PATH}/$metadata#{entity_set}/$deletedEntity",
        "id": guid,
        "reason": "deleted",
    }


class FakeDataverse:
    """The Web API as far as the client uses it, with a request log and fault injection.

    Pages are keyed (entity set, "full" or "delta<N>", page number). `faults[key]` lists error responses
    to give before serving the page; `failing[key]` is a status given every time.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.origin = ""
        self.link_origin: str | None = None  # to hand out links to another host
        self.collections = {"incidents": INCIDENTS, "contacts": CONTACTS}
        self.deltas: dict[tuple[str, int], list[dict]] = {}
        self.expires_in = 3600
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.reject_all_tokens = False
        self.token_requests = 0
        self.faults: dict[tuple[str, str, int], list[tuple[int, dict[str, str]]]] = {}
        self.failing: dict[tuple[str, str, int], int] = {}
        self.log: list[tuple[tuple[str, str, int], int]] = []
        self.request_headers: list[dict[str, str]] = []
        self.request_paths: list[str] = []
        self.served: dict[tuple[str, str, int], bytes] = {}

    @property
    def api(self) -> str:
        return f"{self.origin}{API_PATH}"

    def revoke_tokens(self) -> None:
        with self.lock:
            self.valid.clear()

    def statuses(self, entity_set: str) -> list[tuple[str, int, int]]:
        return [(pull, page, status) for (name, pull, page), status in self.log if name == entity_set]


class Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
        pass

    def _reply(self, status: int, document: dict | bytes, headers: dict[str, str] | None = None) -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; odata.metadata=minimal")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        fake: FakeDataverse = self.server.fake
        if self.path != TOKEN_PATH:
            self._reply(404, {"error": "not_found"})
            return
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        with fake.lock:
            fake.token_requests += 1
            expected = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
            if any(form.get(name) != value for name, value in (expected | {"scope": SCOPE}).items()):
                # Echoes what it was sent, as a careless server might: the client must still not leak it.
                description = f"AADSTS7000215: Invalid client secret provided: {form.get('client_secret')}"
                self._reply(401, {"error": "invalid_client", "error_description": description})
                return
            token = f"eyJ0eXAiOiJKV1Qi.fake-access-token-{len(fake.issued) + 1}"
            fake.issued.append(token)
            fake.valid.add(token)
        self._reply(200, {"token_type": "Bearer", "expires_in": fake.expires_in, "access_token": token})

    def do_GET(self) -> None:
        fake: FakeDataverse = self.server.fake
        parts = urlsplit(self.path)
        entity_set = parts.path.removeprefix(API_PATH + "/")
        if entity_set not in fake.collections:
            self._reply(404, {"error": {"code": "0x80060888", "message": f"Resource not found: {entity_set}"}})
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        prefer = [item.strip() for item in self.headers.get("Prefer", "").split(",") if item.strip()]
        size = next((int(p.split("=", 1)[1]) for p in prefer if p.startswith("odata.maxpagesize=")), 5000)
        tracking = "odata.track-changes" in prefer
        annotations = any(p.startswith("odata.include-annotations=") for p in prefer)
        delta = int(query["$deltatoken"].split("!")[0]) if "$deltatoken" in query else None
        page = int(query.get("$skiptoken", "1"))
        key = (entity_set, "full" if delta is None else f"delta{delta}", page)
        with fake.lock:
            fake.request_headers.append({name.lower(): value for name, value in self.headers.items()})
            fake.request_paths.append(self.path)
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if fake.reject_all_tokens or token not in fake.valid:
                fake.log.append((key, 401))
                error = {"code": "0x80072560", "message": "The user is not a member of the organization."}
                self._reply(401, {"error": error}, {"WWW-Authenticate": "Bearer"})
                return
            if key in fake.failing or fake.faults.get(key):
                status, headers = (fake.failing[key], {}) if key in fake.failing else fake.faults[key].pop(0)
                fake.log.append((key, status))
                self._reply(
                    status, {"error": {"code": "0x80040216", "message": "An unexpected error occurred."}}, headers
                )
                return
            select = query["$select"].split(",") if "$select" in query else None
            if delta is None:
                entries, next_delta = fake.collections[entity_set], 1
            else:
                entries, next_delta = fake.deltas.get((entity_set, delta), []), delta + 1
            chunk = [_project(entry, select, annotations) for entry in entries[(page - 1) * size : page * size]]
            links = fake.link_origin or fake.origin
            document: dict[str, Any] = {
                "@odata.context": f"{fake.api}/$metadata#{entity_set}({query.get('$select', '')})"
                + ("/$delta" if tracking else ""),
                "value": chunk,
            }
            selected = f"$select={query['$select']}" if select else ""
            if page * size < len(entries):
                token_part = f"&$deltatoken={query['$deltatoken']}" if delta is not None else ""
                document["@odata.nextLink"] = (
                    f"{links}{API_PATH}/{entity_set}?{selected}{token_part}&$skiptoken={page + 1}"
                )
            elif tracking:
                # Percent-encoded like the real ones ("919042%2108%2f22%2f2017..."): opaque to the client.
                document["@odata.deltaLink"] = (
                    f"{links}{API_PATH}/{entity_set}?{selected}&$deltatoken={next_delta}%2101%2f10%2f2025"
                )
            applied = [p for p in prefer if p.startswith(("odata.maxpagesize=", "odata.include-annotations="))]
            applied += ["odata.track-changes"] if tracking else []
            body = json.dumps(document).encode("utf-8")
            # Logged before replying: the client may look at the log as soon as it has the reply.
            fake.log.append((key, 200))
            fake.served[key] = body
            self._reply(200, body, {"Preference-Applied": ", ".join(applied)})


def _project(entry: dict, select: list[str] | None, annotations: bool) -> dict:
    if select is None or str(entry.get("@odata.context", "")).endswith("/$deletedEntity"):
        return entry
    kept = {}
    for name, value in entry.items():
        column, _, annotation = name.partition("@")
        if name == "@odata.etag" or (column in select and (not annotation or annotations)):
            kept[name] = value
    return kept


@pytest.fixture
def dataverse() -> Iterator[FakeDataverse]:
    fake = FakeDataverse()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.fake = fake  # type: ignore[attr-defined]
    fake.origin = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: shutdown() waits for one, and the tests should not.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def make_client(
    fake: FakeDataverse, *, secret: str = SECRET, sleeps: list[float] | None = None, **options: Any
) -> DynamicsClient:
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy from the environment
    credentials = ClientCredentials(f"{fake.origin}{TOKEN_PATH}", CLIENT_ID, secret, SCOPE)
    settings: dict[str, Any] = {"page_size": PAGE_SIZE, "max_attempts": 4, "backoff_base": 0.5, "jitter": lambda: 0.5}
    return DynamicsClient(
        fake.api,
        credentials,
        session=session,
        sleep=(sleeps if sleeps is not None else []).append,
        **settings | options,
    )


def unused_origin() -> str:
    """A loopback origin nothing listens on: a request there fails at once and never leaves the host."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def landed_records(folder: Path) -> list[dict]:
    return [record for page in sorted(folder.glob("page-*.json")) for record in json.loads(page.read_bytes())["value"]]


def read(folder: Path):
    return read_dynamics_export(folder, "brussels", "crm", Pseudonymiser(KEY), now=NOW)


def citizen(national_number: str) -> str:
    return hmac.new(KEY, f"citizen:{national_number}".encode(), hashlib.sha256).hexdigest()


def test_a_full_pull_then_a_delta_pull_land_folders_the_reader_reads(dataverse: FakeDataverse, tmp_path: Path) -> None:
    landing, state_dir = tmp_path / "landing", tmp_path / "state"
    client = make_client(dataverse)

    [first] = pull_crm(client, landing, state_dir)

    incidents = first / "incidents"
    pages = [f"page-{n:05d}.json" for n in (1, 2, 3, 4)]
    assert sorted(path.name for path in incidents.iterdir()) == ["_pull.json", *pages]
    for number, name in enumerate(pages, start=1):  # byte for byte what the server sent
        assert (incidents / name).read_bytes() == dataverse.served[("incidents", "full", number)]
    assert sorted(path.name for path in (first / "contacts").iterdir()) == ["_pull.json", *pages[:2]]
    manifest = json.loads((incidents / "_pull.json").read_text())
    assert (manifest["kind"], manifest["pages"], manifest["records"], manifest["deleted"]) == ("full", 4, 7, 0)
    # $select: the free text and the contacts' names and e-mails never left the source.
    assert [record["ticketnumber"] for record in landed_records(incidents)] == TICKETS
    assert all("title" not in record and "description" not in record for record in landed_records(incidents))
    assert landed_records(first / "contacts") == [
        {"contactid": c["contactid"], "cl_nationalregisternumber": c["cl_nationalregisternumber"]} for c in CONTACTS
    ]
    assert landed_records(incidents)[0]["caseorigincode" + FORMATTED] == "Web"

    assert dataverse.request_paths[0] == f"{API_PATH}/incidents?$select={SELECT}"
    headers = dataverse.request_headers[0]
    assert (headers["accept"], headers["odata-maxversion"], headers["odata-version"]) == (
        "application/json",
        "4.0",
        "4.0",
    )
    prefer = {item.strip() for item in headers["prefer"].split(",")}
    assert prefer == {
        'odata.include-annotations="OData.Community.Display.V1.FormattedValue"',
        "odata.maxpagesize=2",
        "odata.track-changes",
    }
    assert dataverse.token_requests == 1  # one token for all six pages

    state = json.loads((state_dir / "incidents.json").read_text())
    assert state["in_progress"] is None
    assert state["delta_link"] == f"{dataverse.api}/incidents?$select={SELECT}&$deltatoken=1%2101%2f10%2f2025"
    assert (state["last_complete"]["pull_id"], state["last_complete"]["pages"]) == (first.name, 4)

    result = read(first)
    rows = {row["request_id"]: row for row in result.rows.to_dicts()}
    assert sorted(rows) == TICKETS
    assert (rows["CAS-1001"]["channel"], rows["CAS-1001"]["status"]) == ("portal", "closed")
    assert rows["CAS-1001"]["closed_at"] == datetime(2024, 3, 6, 10, 0, tzinfo=UTC)
    assert rows["CAS-1001"]["citizen_key"] == citizen("85073003328")
    assert rows["CAS-1003"]["citizen_key"] == citizen("93051822361")
    assert (rows["CAS-1004"]["channel"], rows["CAS-1004"]["status"]) == ("counter", "cancelled")
    # C3 has no register number: its key is the keyed hash of the contact id.
    assert rows["CAS-1004"]["citizen_key"] == hmac.new(KEY, f"dynamics-contact:{C3}".encode(), "sha256").hexdigest()
    assert (rows["CAS-1006"]["channel"], rows["CAS-1006"]["citizen_key"]) == ("unknown", None)
    assert rows["CAS-1007"]["channel"] == "app"
    assert result.rejected.height == 0 and result.rows_read == 7 and result.balanced
    assert (result.deleted_request_ids, result.deleted_incident_ids, result.superseded) == ([], [], 0)

    # In the source: CAS-1002 resolved, CAS-1008 created, CAS-1005 deleted; C1 changed e-mail.
    changed = incident(2, 1, 1, "2024-03-04T09:30:00Z", "2024-03-08T12:00:00Z", C1)
    created = incident(8, 2, 0, "2024-03-08T13:00:00Z", "2024-03-08T13:00:00Z", C2)
    dataverse.deltas[("incidents", 1)] = [
        changed,
        created,
        deleted_entry(dataverse.origin, "incidents", incident_id(5)),
    ]
    dataverse.deltas[("contacts", 1)] = [CONTACTS[0] | {"emailaddress1": "helene.vdb@example.be"}]
    requests_before = len(dataverse.log)

    [second] = pull_crm(client, landing, state_dir)

    assert second != first
    assert [key for key, _ in dataverse.log[requests_before:]] == [
        ("incidents", "delta1", 1),
        ("incidents", "delta1", 2),
        ("contacts", "delta1", 1),
    ]
    # The saved deltaLink, as sent (requests writes percent escapes in upper case: the same URL).
    delta_path = unquote(dataverse.request_paths[requests_before])
    assert delta_path == f"{API_PATH}/incidents?$select={SELECT}&$deltatoken=1!01/10/2025"
    manifest = json.loads((second / "incidents" / "_pull.json").read_text())
    assert (manifest["kind"], manifest["pages"], manifest["records"], manifest["deleted"]) == ("delta", 2, 2, 1)
    result = read(second)
    rows = {row["request_id"]: row for row in result.rows.to_dicts()}
    assert sorted(rows) == ["CAS-1002", "CAS-1008"]
    assert rows["CAS-1002"]["status"] == "closed"
    assert rows["CAS-1002"]["closed_at"] == datetime(2024, 3, 8, 12, 0, tzinfo=UTC)
    assert rows["CAS-1002"]["citizen_key"] == citizen("85073003328")  # C1 is in the contacts delta
    # C2 did not change, so it is not in this pull: the key stays unknown (the gap named in the report).
    assert (rows["CAS-1008"]["channel"], rows["CAS-1008"]["status"], rows["CAS-1008"]["citizen_key"]) == (
        "email",
        "open",
        None,
    )
    # The deleted incident was not seen in this pull, so only its id is known.
    assert (result.deleted_incident_ids, result.deleted_request_ids) == ([incident_id(5)], [])
    assert result.rows_read == 2 and result.rejected.height == 0 and result.balanced

    # Nothing changed since: the next pull lands one empty page per entity set.
    [third] = pull_crm(client, landing, state_dir)
    assert read(third).rows.height == 0
    assert complete_pulls(landing) == [first, second, third]
    assert json.loads((state_dir / "contacts.json").read_text())["delta_link"].endswith(
        "$deltatoken=3%2101%2f10%2f2025"
    )


def test_transient_failures_are_retried_and_retry_after_is_honoured(dataverse: FakeDataverse, tmp_path: Path) -> None:
    dataverse.faults[("incidents", "full", 2)] = [(429, {"Retry-After": "1"})]
    dataverse.faults[("incidents", "full", 3)] = [(500, {})]
    sleeps: list[float] = []

    [pull] = pull_crm(make_client(dataverse, sleeps=sleeps), tmp_path / "landing", tmp_path / "state")

    # Retry-After is taken as given; the 500 waits the first backoff step: 0.5 s x (1/2 + jitter 0.5 x 1/2).
    assert sleeps == [1.0, 0.375]
    assert dataverse.statuses("incidents") == [
        ("full", 1, 200),
        ("full", 2, 429),
        ("full", 2, 200),
        ("full", 3, 500),
        ("full", 3, 200),
        ("full", 4, 200),
    ]
    assert [record["ticketnumber"] for record in landed_records(pull / "incidents")] == TICKETS
    assert sorted(read(pull).rows["request_id"].to_list()) == TICKETS


def test_a_pull_that_fails_half_way_resumes_without_refetching_or_skipping(
    dataverse: FakeDataverse, tmp_path: Path
) -> None:
    landing, state_dir = tmp_path / "landing", tmp_path / "state"
    dataverse.failing[("incidents", "full", 3)] = 503
    sleeps: list[float] = []

    with pytest.raises(DynamicsApiError) as caught:
        pull_crm(make_client(dataverse, sleeps=sleeps), landing, state_dir)

    failed_url = f"{dataverse.api}/incidents?$select={SELECT}&$skiptoken=3"
    assert (caught.value.url, caught.value.status) == (failed_url, 503)
    assert str(caught.value).startswith(f"GET {failed_url} failed after 4 attempts, the last with HTTP 503")
    assert SECRET not in str(caught.value)
    assert sleeps == [0.375, 0.75, 1.5]  # 0.5, 1 and 2 s steps, each x (1/2 + 0.5 x 1/2)
    state = json.loads((state_dir / "incidents.json").read_text())
    assert (state["in_progress"]["next_url"], state["in_progress"]["pages"]) == (failed_url, 2)
    assert state["delta_link"] is None and state["last_complete"] is None
    assert not (state_dir / "contacts.json").exists()  # pulled after incidents, so never started
    pull = landing / state["in_progress"]["pull_id"]
    assert sorted(path.name for path in (pull / "incidents").iterdir()) == ["page-00001.json", "page-00002.json"]
    with pytest.raises(ExportError, match="incomplete pull"):
        read(pull)
    assert complete_pulls(landing) == []

    # The source recovers; the next run (a new process, so a new client) resumes the same pull.
    del dataverse.failing[("incidents", "full", 3)]
    requests_before = len(dataverse.log)
    assert pull_crm(make_client(dataverse), landing, state_dir) == [pull]

    assert [key for key, _ in dataverse.log[requests_before:]] == [
        ("incidents", "full", 3),
        ("incidents", "full", 4),
        ("contacts", "full", 1),
        ("contacts", "full", 2),
    ]
    served = Counter(key for key, status in dataverse.log if status == 200)
    assert served == {
        (name, "full", n): 1 for name, pages in (("incidents", 4), ("contacts", 2)) for n in range(1, 1 + pages)
    }
    assert [record["ticketnumber"] for record in landed_records(pull / "incidents")] == TICKETS
    assert json.loads((pull / "incidents" / "_pull.json").read_text())["pages"] == 4
    result = read(pull)
    assert sorted(result.rows["request_id"].to_list()) == TICKETS
    assert result.rows.filter(result.rows["request_id"] == "CAS-1001")["citizen_key"][0] == citizen("85073003328")


def test_a_page_landed_before_its_state_was_saved_is_not_fetched_again(
    dataverse: FakeDataverse, tmp_path: Path
) -> None:
    landing, state_path = tmp_path / "landing", tmp_path / "incidents.json"
    dataverse.failing[("incidents", "full", 3)] = 503
    with pytest.raises(DynamicsApiError):
        pull_entity_set(make_client(dataverse), "incidents", landing, state_path, select=INCIDENT_COLUMNS)
    # As if the run had stopped between writing page 2 and recording it in the state file.
    state = json.loads(state_path.read_text())
    page_1 = json.loads((landing / state["in_progress"]["pull_id"] / "incidents" / "page-00001.json").read_bytes())
    state["in_progress"] |= {"pages": 1, "records": 2, "next_url": page_1["@odata.nextLink"]}
    state_path.write_text(json.dumps(state))
    del dataverse.failing[("incidents", "full", 3)]
    requests_before = len(dataverse.log)

    pulled = pull_entity_set(make_client(dataverse), "incidents", landing, state_path, select=INCIDENT_COLUMNS)

    assert [key[2] for key, _ in dataverse.log[requests_before:]] == [3, 4]
    assert (pulled.kind, pulled.pages, pulled.records, pulled.deleted, pulled.resumed) == ("full", 4, 7, 0, True)
    assert [record["ticketnumber"] for record in landed_records(pulled.folder)] == TICKETS


def test_a_run_stopped_between_entity_sets_is_finished_in_the_same_folder(
    dataverse: FakeDataverse, tmp_path: Path
) -> None:
    landing, state_dir = tmp_path / "landing", tmp_path / "state"
    client = make_client(dataverse)
    # As if a run had started pull P, completed incidents, then been killed before contacts started.
    state_dir.mkdir()
    (state_dir / "crm.json").write_text(json.dumps({"pull_id": "P", "complete": False}))
    done = pull_entity_set(client, "incidents", landing, state_dir / "incidents.json", pull_id="P")
    assert (done.pull_id, done.pages, done.resumed) == ("P", 4, False)
    assert complete_pulls(landing) == []
    requests_before = len(dataverse.log)

    assert pull_crm(client, landing, state_dir) == [landing / "P"]

    assert [key for key, _ in dataverse.log[requests_before:]] == [("contacts", "full", 1), ("contacts", "full", 2)]
    assert complete_pulls(landing) == [landing / "P"]
    assert json.loads((state_dir / "crm.json").read_text()) == {"pull_id": "P", "complete": True}


def test_a_401_fetches_a_new_token_once(dataverse: FakeDataverse) -> None:
    client = make_client(dataverse)
    url = client.collection_url("incidents", INCIDENT_COLUMNS)
    page = client.get_page(url)
    client.get_page(page.next_link or "")
    assert dataverse.token_requests == 1  # cached
    assert page.preference_applied is not None and "odata.maxpagesize=2" in page.preference_applied

    dataverse.revoke_tokens()
    assert [r["ticketnumber"] for r in client.get_page(url).document["value"]] == ["CAS-1001", "CAS-1002"]
    assert dataverse.token_requests == 2
    assert [status for _, _, status in dataverse.statuses("incidents")] == [200, 200, 401, 200]

    # A token the API keeps refusing: one new token, then a clear error quoting the API's reason.
    dataverse.reject_all_tokens = True
    with pytest.raises(DynamicsApiError) as caught:
        client.get_page(url)
    assert caught.value.status == 401 and dataverse.token_requests == 3
    assert str(caught.value) == f"GET {url} failed: HTTP 401 (0x80072560 The user is not a member of the organization.)"


def test_the_token_is_reused_until_shortly_before_it_expires(dataverse: FakeDataverse) -> None:
    now = [0.0]
    dataverse.expires_in = 600
    client = make_client(dataverse, clock=lambda: now[0], token_margin=120)
    url = client.collection_url("contacts")
    for moment, tokens in ((0.0, 1), (479.0, 1), (480.0, 2), (959.0, 2), (960.0, 3)):
        now[0] = moment
        client.get_page(url)
        assert dataverse.token_requests == tokens, moment


def test_the_secret_never_reaches_logs_errors_or_files(
    dataverse: FakeDataverse, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, urllib3 included
    dataverse.faults[("incidents", "full", 2)] = [(429, {"Retry-After": "1"})]
    client = make_client(dataverse)
    pull_crm(client, tmp_path / "landing", tmp_path / "state")
    dataverse.revoke_tokens()
    client.get_page(client.collection_url("contacts"))  # a 401, then a new token
    wrong = make_client(dataverse, secret=WRONG_SECRET)
    with pytest.raises(DynamicsAuthError) as caught:
        wrong.get_page(wrong.collection_url("incidents"))

    error = caught.value
    assert error.status == 401 and error.url == f"{dataverse.origin}{TOKEN_PATH}"
    # The server echoed the secret it was sent; the client hid it.
    assert "invalid_client AADSTS7000215: Invalid client secret provided: <hidden>" in str(error)
    texts = [caplog.text, str(error), repr(error), "".join(traceback.format_exception(error))]
    texts += [repr(client), repr(wrong), repr(ClientCredentials("u", CLIENT_ID, SECRET, SCOPE))]
    texts += [path.read_text(encoding="utf-8") for path in tmp_path.rglob("*.json")]
    assert "retrying in 1.0 s" in caplog.text and "fetching a new access token" in caplog.text
    assert len(dataverse.issued) == 2
    for secret in (SECRET, WRONG_SECRET, *dataverse.issued):
        assert all(secret not in text for text in texts), secret


def test_connection_errors_are_retried_then_reported(tmp_path: Path) -> None:
    sleeps: list[float] = []
    origin = unused_origin()
    client = DynamicsClient(
        f"{origin}{API_PATH}",
        ClientCredentials(f"{origin}{TOKEN_PATH}", CLIENT_ID, SECRET, SCOPE),
        max_attempts=3,
        backoff_base=0.5,
        sleep=sleeps.append,
        jitter=lambda: 0.0,
    )
    with pytest.raises(DynamicsAuthError) as caught:
        client.get_page(client.collection_url("incidents"))
    assert sleeps == [0.25, 0.5]  # jitter 0: half of the 0.5 and 1 s steps
    assert str(caught.value).startswith(
        f"POST {origin}{TOKEN_PATH} failed after 3 attempts, the last with ConnectionError"
    )
    assert caught.value.status is None and SECRET not in str(caught.value)


def test_links_outside_the_web_api_are_not_followed(dataverse: FakeDataverse, tmp_path: Path) -> None:
    dataverse.link_origin = unused_origin()  # another origin, still on loopback should the check ever fail
    with pytest.raises(DynamicsApiError, match=f"refusing to send the access token to {dataverse.link_origin}/api"):
        pull_crm(make_client(dataverse), tmp_path / "landing", tmp_path / "state")
    assert not list((tmp_path / "landing").rglob("page-*.json"))


def _write_pages(folder: Path, pages: list[list[dict]], kind: str | None) -> None:
    folder.mkdir(parents=True)
    for number, records in enumerate(pages, start=1):
        document: dict[str, Any] = {"@odata.context": "https://org.crm4.dynamics.com/api/data/v9.2/$metadata#incidents"}
        document["value"] = records
        if number < len(pages):
            document["@odata.nextLink"] = (
                f"https://org.crm4.dynamics.com/api/data/v9.2/incidents?$skiptoken={number + 1}"
            )
        (folder / f"page-{number:05d}.json").write_text(json.dumps(document), encoding="utf-8")
    if kind is not None:
        (folder / "_pull.json").write_text(json.dumps({"kind": kind}), encoding="utf-8")


DELTA_PAGES = [
    [
        incident(1, 3, 0, "2024-03-04T08:00:00Z", "2024-03-04T08:00:00Z", C1),
        incident(2, 1, 0, "2024-03-04T09:30:00Z", "2024-03-04T09:30:00Z", C1),
    ],
    [
        incident(1, 3, 1, "2024-03-04T08:00:00Z", "2024-03-06T10:00:00Z", C1),  # CAS-1001 again, now resolved
        deleted_entry("https://org.crm4.dynamics.com", "incidents", incident_id(2).upper()),  # seen above
        deleted_entry("https://org.crm4.dynamics.com", "incidents", incident_id(9)),  # never seen here
    ],
]


def test_in_a_delta_folder_the_last_version_wins_and_deletions_are_reported(tmp_path: Path) -> None:
    _write_pages(tmp_path / "incidents", DELTA_PAGES, kind="delta")
    result = read(tmp_path)
    [row] = result.rows.to_dicts()
    assert (row["request_id"], row["status"]) == ("CAS-1001", "closed")
    assert row["closed_at"] == datetime(2024, 3, 6, 10, 0, tzinfo=UTC)
    assert result.deleted_request_ids == ["CAS-1002"]  # mapped through the record seen on page 1
    assert result.deleted_incident_ids == [incident_id(9)]
    assert result.superseded == 2  # the first CAS-1001 and the deleted CAS-1002
    assert result.rejected.height == 0 and result.rows_read == 1 and result.balanced


def test_in_a_full_export_a_repeated_ticket_is_still_quarantined(tmp_path: Path) -> None:
    _write_pages(tmp_path / "incidents", DELTA_PAGES, kind="full")
    result = read(tmp_path)
    assert result.rows.height == 0
    assert result.rejected["position"].to_list() == ["page-00001.json#value[0]", "page-00002.json#value[0]"]
    assert set(result.rejected["reason"].to_list()) == {
        "ticketnumber appears more than once in the same export: CAS-1001"
    }
    assert result.deleted_request_ids == ["CAS-1002"] and result.rows_read == 2 and result.balanced
    (tmp_path / "incidents" / "_pull.json").write_text('{"kind": "partial"}', encoding="utf-8")
    with pytest.raises(ExportError, match="kind must be one of full, delta"):
        read(tmp_path)
