"""A client for the Dynamics 365 Web API (Dataverse, OData v4) that lands pages for connectors/dynamics.py.

`DynamicsClient` fetches pages: an OAuth2 client-credentials token (cached, fetched again once on a
401), the OData headers, `$select` and `Prefer: odata.maxpagesize`, and retries with capped exponential
backoff and jitter on 429, 5xx and connection errors, honouring `Retry-After`. `pull_entity_set` lands
every page as it arrives, byte for byte, and keeps a state file per entity set: a pull that fails
half-way resumes from the page it stopped at, and once a pull is complete the next one asks only for
the changes (change tracking: `Prefer: odata.track-changes`, then the `@odata.deltaLink`).

A landing root holds one folder per pull, which `read_dynamics_export` reads as it is:

    <landing_root>/<pull-id>/incidents/page-00001.json, page-00002.json, ..., _pull.json
    <landing_root>/<pull-id>/contacts/page-00001.json, ..., _pull.json

`_pull.json` is written when an entity set's pull is complete; `"kind": "delta"` tells the reader that
the pages hold changes (a later version wins, `$deletedEntity` entries are deletions). Landed pages
hold what the Web API returned, the contacts' national register numbers included: the landing root
needs the protection of the source system itself.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl
import requests

from connectors.dynamics import (
    DEFAULT_NATIONAL_NUMBER_COLUMN,
    DEFAULT_SERVICE_CODE_COLUMN,
    PULL_MANIFEST,
    DynamicsReadResult,
    ExportError,
    read_citizen_keys,
    read_dynamics_export,
)
from connectors.pseudonymise import Pseudonymiser
from connectors.secrets import SecretError, redact, register_secret, secret_from_environment

logger = logging.getLogger(__name__)

FORMATTED_VALUES = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'
# Only the columns connectors/dynamics.py reads: names, e-mails and phone numbers are never fetched.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "incidentid",
    "ticketnumber",
    "caseorigincode",
    "createdon",
    "modifiedon",
    "statecode",
    "statuscode",
    "_customerid_value",
    DEFAULT_SERVICE_CODE_COLUMN,
)
CONTACT_COLUMNS: tuple[str, ...] = ("contactid", DEFAULT_NATIONAL_NUMBER_COLUMN)
CRM_ENTITY_SETS: dict[str, tuple[str, ...]] = {"incidents": INCIDENT_COLUMNS, "contacts": CONTACT_COLUMNS}
STATE_VERSION = 1
# Errors quoted from a response are cut here: enough to diagnose, not a whole HTML error page.
DETAIL_LIMIT = 300


class DynamicsApiError(RuntimeError):
    """A request the Web API refused, or that kept failing. Names the URL and status, never a credential."""

    def __init__(self, message: str, url: str, status: int | None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class DynamicsAuthError(DynamicsApiError):
    """The token endpoint refused the client credentials, or kept failing."""


class PullStateError(RuntimeError):
    """The state file and the landed pages disagree: going on would skip or repeat pages."""


@dataclass(frozen=True)
class ClientCredentials:
    """An app registration's client credentials; the caller reads them from the environment or a secret file."""

    token_url: str  # e.g. https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token
    client_id: str
    client_secret: str
    scope: str  # e.g. https://org.crm4.dynamics.com/.default

    def __repr__(self) -> str:  # never show the secret, even in a debugger or a log line
        return (
            f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r}, "
            f"client_secret=<hidden>, scope={self.scope!r})"
        )


@dataclass(frozen=True)
class Page:
    """One page of an entity set: the body exactly as received, and its parsed JSON."""

    url: str
    body: bytes
    document: dict[str, Any]
    preference_applied: str | None

    @property
    def next_link(self) -> str | None:
        return self.document.get("@odata.nextLink")

    @property
    def delta_link(self) -> str | None:
        return self.document.get("@odata.deltaLink")


class DynamicsClient:
    """GETs pages of the Web API under `api_url` (e.g. https://org.crm4.dynamics.com/api/data/v9.2).

    `sleep`, `clock` and `jitter` are injectable so that tests neither wait nor depend on chance.
    """

    def __init__(
        self,
        api_url: str,
        credentials: ClientCredentials,
        *,
        page_size: int = 5000,
        max_attempts: int = 6,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        timeout: float = 60.0,
        token_margin: float = 120.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if page_size < 1 or max_attempts < 1:
            raise ValueError("page_size and max_attempts must be at least 1")
        self.api_url = api_url.rstrip("/")
        self.page_size = page_size
        self._credentials = credentials
        register_secret(credentials.client_secret)  # however the caller obtained it
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._timeout = timeout
        self._token_margin = token_margin
        self._session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._token: str | None = None
        self._token_renew_at = 0.0

    def __repr__(self) -> str:
        return f"DynamicsClient(api_url={self.api_url!r}, client_id={self._credentials.client_id!r})"

    def __enter__(self) -> DynamicsClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def collection_url(self, entity_set: str, select: Sequence[str] | None = None) -> str:
        """The URL of the first page of an entity set, with `$select` of the given columns."""
        url = f"{self.api_url}/{entity_set}"
        return f"{url}?$select={','.join(select)}" if select else url

    def get_page(self, url: str, *, track_changes: bool = False) -> Page:
        """One page; a 401 fetches a new access token once, transient failures are retried."""
        self._check_origin(url)
        refreshed = False
        while True:
            headers = self._headers(track_changes) | {"Authorization": f"Bearer {self._access_token()}"}
            response = self._send("GET", url, DynamicsApiError, headers=headers)
            if response.status_code != 401 or refreshed:
                break
            # A token can be revoked or expire early (clock skew between us and Entra ID): fetch a new one, once.
            logger.info("GET %s: HTTP 401, fetching a new access token", url)
            self._token, refreshed = None, True
        if response.status_code != 200:
            raise DynamicsApiError(
                self._redact(f"GET {url} failed: HTTP {response.status_code}{_error_detail(response)}"),
                url,
                response.status_code,
            )
        try:
            document = json.loads(response.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            document = None
        if not isinstance(document, dict) or not isinstance(document.get("value"), list):
            raise DynamicsApiError(
                f"GET {url}: the response is not an OData page (an object with a 'value' array)", url, 200
            )
        for link in ("@odata.nextLink", "@odata.deltaLink"):
            if link in document:
                self._check_origin(str(document[link]))
        applied = response.headers.get("Preference-Applied")
        logger.debug("GET %s: %d records (Preference-Applied: %s)", url, len(document["value"]), applied)
        return Page(url=url, body=response.content, document=document, preference_applied=applied)

    def _headers(self, track_changes: bool) -> dict[str, str]:
        prefer = [FORMATTED_VALUES, f"odata.maxpagesize={self.page_size}"]
        if track_changes:
            prefer.append("odata.track-changes")
        return {
            "Accept": "application/json",
            "OData-MaxVersion": "4.0",
            "OData-Version": "4.0",
            "Prefer": ", ".join(prefer),
        }

    def _access_token(self) -> str:
        if self._token is None or self._clock() >= self._token_renew_at:
            self._fetch_token()
        assert self._token is not None
        return self._token

    def _fetch_token(self) -> None:
        credentials = self._credentials
        url = credentials.token_url
        form = {
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
            "scope": credentials.scope,
        }
        response = self._send("POST", url, DynamicsAuthError, data=form, headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise DynamicsAuthError(
                self._redact(
                    f"token request to {url} for client {credentials.client_id} failed: "
                    f"HTTP {response.status_code}{_error_detail(response)}"
                ),
                url,
                response.status_code,
            )
        try:
            payload = response.json()
            token, lifetime = str(payload["access_token"]), float(payload.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            # `from None`: the parsing error could quote the response, which holds a token.
            raise DynamicsAuthError(f"token response from {url} is not an OAuth2 token", url, 200) from None
        self._token = token
        register_secret(token)  # hidden from every log record from now on
        # Renew shortly before it expires, so that no request goes out with a token about to lapse.
        self._token_renew_at = self._clock() + lifetime - min(self._token_margin, lifetime / 2)
        logger.info("access token for client %s from %s, valid for %d s", credentials.client_id, url, lifetime)

    def _send(self, method: str, url: str, error: type[DynamicsApiError], **kwargs: Any) -> requests.Response:
        """The first response that is not a 429 or a 5xx, retrying those and connection errors."""
        for attempt in range(1, self._max_attempts + 1):
            retry_after: float | None = None
            try:
                response = self._session.request(method, url, timeout=self._timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as failure:
                reason, status = f"{type(failure).__name__}: {failure}", None
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                reason, status = f"HTTP {response.status_code}{_error_detail(response)}", response.status_code
                retry_after = _retry_after(response.headers.get("Retry-After"))
            if attempt == self._max_attempts:
                message = f"{method} {url} failed after {attempt} attempts, the last with {reason}"
                raise error(self._redact(message), url, status)
            # Dataverse service protection says how long to wait; otherwise back off exponentially.
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            # The URL goes in as an argument, never into the format: a deltatoken is full of "%".
            logger.warning(
                "%s",
                self._redact(
                    f"{method} {url}: {reason} (attempt {attempt} of {self._max_attempts}); retrying in {delay:.1f} s"
                ),
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** (attempt - 1))
        # "Equal jitter": at least half the step, so that clients failing together do not retry together.
        return ceiling / 2 + self._jitter() * ceiling / 2

    def _check_origin(self, url: str) -> None:
        # The access token goes with every GET: never to a link outside the organisation's Web API.
        here, there = urlsplit(self.api_url), urlsplit(url)
        same = (here.scheme, here.netloc.lower()) == (there.scheme, there.netloc.lower())
        if not same or not there.path.startswith(here.path + "/"):
            raise DynamicsApiError(f"refusing to send the access token to {url}: not under {self.api_url}", url, None)

    def _redact(self, text: str) -> str:
        # Defence in depth: a response could echo what it was sent (this client's secret, even a wrong
        # one never registered, or any secret of the process).
        for secret in (self._credentials.client_secret, self._token):
            if secret:
                text = text.replace(secret, "<hidden>")
        return redact(text)


def _error_detail(response: requests.Response) -> str:
    """`: <code> <message>` from an OData or OAuth2 error body, else the reason phrase."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):  # OData: {"error": {"code", "message"}}
        detail = f"{body['error'].get('code', '')} {body['error'].get('message', '')}"
    elif isinstance(body, dict) and "error" in body:  # OAuth2: {"error", "error_description"}
        detail = f"{body['error']} {body.get('error_description', '')}"
    detail = detail.strip() or (response.reason or "")
    return f" ({detail[:DETAIL_LIMIT]})" if detail else ""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# --- Landing and resuming pulls -------------------------------------------------------------------


@dataclass(frozen=True)
class LandedPull:
    """A complete pull of one entity set: its folder holds pages 1..`pages` and the `_pull.json` manifest."""

    entity_set: str
    pull_id: str
    kind: str  # "full" or "delta"
    folder: Path
    pages: int
    records: int
    deleted: int
    resumed: bool


def new_pull_id() -> str:
    """A pull id that sorts by start time (to the microsecond): 20250110T061500123456Z-1a2b3c4d."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"


def load_state(state_path: Path, entity_set: str) -> dict[str, Any]:
    """The state of an entity set's pulls; an empty one before the first pull.

    `delta_link`: where the next pull starts (null: a full pull). `in_progress`: the pull under way,
    with `next_url`, the page still to fetch, and `pages` already landed. `last_complete`: the last
    pull that finished.
    """
    if not state_path.exists():
        return {
            "version": STATE_VERSION,
            "entity_set": entity_set,
            "delta_link": None,
            "in_progress": None,
            "last_complete": None,
        }
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PullStateError(f"{state_path}: not a valid state file: {error}") from error
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION or state.get("entity_set") != entity_set:
        raise PullStateError(f"{state_path}: not a version {STATE_VERSION} state file of {entity_set!r}")
    return state


def pull_entity_set(
    client: DynamicsClient,
    entity_set: str,
    landing_dir: Path,
    state_path: Path,
    *,
    select: Sequence[str] | None = None,
    pull_id: str | None = None,
    track_changes: bool = True,
) -> LandedPull:
    """Land one pull of `entity_set` in `landing_dir/<pull-id>/<entity_set>/`, resuming one in progress.

    Each page is written as it arrives, then the state file records the next link to fetch; when the
    pull fails half-way the landed pages stay and the next call resumes where it stopped. A new pull is
    a delta when the state holds a deltaLink, else a full pull asking for change tracking. `select`
    defaults to the columns the reader needs for `incidents` and `contacts` (all columns otherwise).
    """
    state = load_state(state_path, entity_set)
    progress = state["in_progress"]
    resumed = progress is not None
    if progress is None:
        kind = "delta" if state["delta_link"] else "full"
        columns = select if select is not None else CRM_ENTITY_SETS.get(entity_set)
        progress = {
            "pull_id": pull_id or new_pull_id(),
            "kind": kind,
            "track_changes": track_changes or kind == "delta",
            "next_url": state["delta_link"] or client.collection_url(entity_set, columns),
            "pages": 0,
            "records": 0,
            "deleted": 0,
            "delta_link": None,
            "started_at": _now(),
        }
        folder = landing_dir / progress["pull_id"] / entity_set
        if folder.exists() and any(folder.iterdir()):
            raise PullStateError(f"{folder}: already holds a pull; a new pull needs a new pull id")
        state["in_progress"] = progress
        _save_state(state_path, state)  # the pull id is fixed before anything lands
        logger.info("%s: %s pull %s started", entity_set, kind, progress["pull_id"])
    elif pull_id is not None and pull_id != progress["pull_id"]:
        raise PullStateError(f"{entity_set}: pull {progress['pull_id']} is in progress; resume it before {pull_id}")
    else:
        logger.info("%s: resuming pull %s after page %d", entity_set, progress["pull_id"], progress["pages"])

    folder = landing_dir / progress["pull_id"] / entity_set
    if _adopt_landed_pages(folder, progress):
        _save_state(state_path, state)
    try:
        while progress["next_url"] is not None:
            page = client.get_page(progress["next_url"], track_changes=progress["track_changes"])
            _write_atomically(folder / _page_name(progress["pages"] + 1), page.body)
            _advance(progress, page.document)
            logger.info("%s: landed %s", entity_set, folder / _page_name(progress["pages"]))
            if progress["next_url"] is not None:
                _save_state(state_path, state)
    except DynamicsApiError:
        logger.error(
            "%s: pull %s stopped after %d landed pages; the next pull resumes from the page that failed",
            entity_set,
            progress["pull_id"],
            progress["pages"],
        )
        raise
    return _complete(client, entity_set, folder, state_path, state, resumed)


def pull_crm(
    client: DynamicsClient,
    landing_root: Path,
    state_dir: Path,
    *,
    select: Mapping[str, Sequence[str]] | None = None,
) -> list[Path]:
    """Pull `incidents` and `contacts` into one pull folder and return it (in a list, oldest first).

    Each returned folder is what `read_dynamics_export` reads. A pull interrupted in a previous run
    (`state_dir/crm.json` names it) is finished first, in the same folder, and an entity set it had
    already completed is not pulled again: its changes are in that folder and nowhere else, since the
    next delta starts after them. The state files in `state_dir` belong to this function: one puller
    at a time (there is no lock).
    """
    columns = {**CRM_ENTITY_SETS, **(select or {})}
    paths = {name: state_dir / f"{name}.json" for name in CRM_ENTITY_SETS}
    states = {name: load_state(path, name) for name, path in paths.items()}
    crm_path = state_dir / "crm.json"
    crm = json.loads(crm_path.read_text(encoding="utf-8")) if crm_path.exists() else {"complete": True}
    if crm["complete"]:
        crm = {"pull_id": new_pull_id(), "complete": False}
        _write_atomically(crm_path, json.dumps(crm, indent=2).encode("utf-8"))
    pull_id = crm["pull_id"]
    for name, state in states.items():
        if state["in_progress"] and state["in_progress"]["pull_id"] != pull_id:
            raise PullStateError(f"{paths[name]}: pull {state['in_progress']['pull_id']} is not the CRM pull {pull_id}")
    for name in CRM_ENTITY_SETS:
        last = states[name]["last_complete"]
        if last is not None and last["pull_id"] == pull_id:
            continue  # completed by the run that was interrupted later
        pull_entity_set(client, name, landing_root, paths[name], select=columns[name], pull_id=pull_id)
    _write_atomically(crm_path, json.dumps(crm | {"complete": True}, indent=2).encode("utf-8"))
    return [landing_root / pull_id]


def complete_pulls(landing_root: Path, entity_sets: Sequence[str] = tuple(CRM_ENTITY_SETS)) -> list[Path]:
    """The pull folders in which every entity set is complete, oldest first.

    For a caller that must not lose a pull it did not get to read: every delta starts after the pull
    before it, so pulls are read in order, each once (the caller keeps which one it read last).
    """
    folders = sorted(path for path in landing_root.iterdir() if path.is_dir()) if landing_root.is_dir() else []
    return [folder for folder in folders if all((folder / name / PULL_MANIFEST).exists() for name in entity_sets)]


def _adopt_landed_pages(folder: Path, progress: dict[str, Any]) -> bool:
    """Take pages landed before the state file could record them (a run stopped in between)."""
    landed = sorted(folder.glob("page-*.json")) if folder.is_dir() else []
    if landed != [folder / _page_name(number) for number in range(1, len(landed) + 1)]:
        raise PullStateError(f"{folder}: landed pages are not numbered 1..{len(landed)} without gaps")
    if len(landed) < progress["pages"]:
        raise PullStateError(
            f"{folder}: the state records {progress['pages']} landed pages but {len(landed)} are there; "
            "resuming would skip pages"
        )
    unrecorded = landed[progress["pages"] :]
    for path in unrecorded:
        if progress["next_url"] is None:
            raise PullStateError(f"{folder}: {path.name} follows the last page of the pull")
        # Written atomically, so a page that exists is whole: it was received, do not fetch it again.
        _advance(progress, json.loads(path.read_bytes().decode("utf-8-sig")))
        logger.info("%s: already landed, not fetched again", path)
    return bool(unrecorded)


def _advance(progress: dict[str, Any], document: dict[str, Any]) -> None:
    records = document["value"]
    deleted = sum(1 for record in records if str(record.get("@odata.context", "")).endswith("/$deletedEntity"))
    progress["pages"] += 1
    progress["records"] += len(records) - deleted
    progress["deleted"] += deleted
    progress["next_url"] = document.get("@odata.nextLink")
    if progress["next_url"] is None:
        progress["delta_link"] = document.get("@odata.deltaLink")


def _complete(
    client: DynamicsClient,
    entity_set: str,
    folder: Path,
    state_path: Path,
    state: dict[str, Any],
    resumed: bool,
) -> LandedPull:
    progress = state["in_progress"]
    summary = {key: progress[key] for key in ("pull_id", "kind", "pages", "records", "deleted", "started_at")}
    summary["completed_at"] = _now()
    # The manifest first: a state that says "complete" always has it beside the pages.
    manifest = {"entity_set": entity_set, "source": client.api_url, **summary}
    _write_atomically(folder / PULL_MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
    if progress["track_changes"] and not progress["delta_link"]:
        logger.warning("%s: no @odata.deltaLink (is change tracking enabled?); the next pull is a full one", entity_set)
    state["delta_link"] = progress["delta_link"]
    state["last_complete"] = summary
    state["in_progress"] = None
    _save_state(state_path, state)
    logger.info(
        "%s: %s pull %s complete: %d pages, %d records, %d deleted",
        entity_set,
        summary["kind"],
        summary["pull_id"],
        summary["pages"],
        summary["records"],
        summary["deleted"],
    )
    return LandedPull(
        entity_set=entity_set,
        pull_id=summary["pull_id"],
        kind=summary["kind"],
        folder=folder,
        pages=summary["pages"],
        records=summary["records"],
        deleted=summary["deleted"],
        resumed=resumed,
    )


def _page_name(number: int) -> str:
    return f"page-{number:05d}.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _save_state(state_path: Path, state: dict[str, Any]) -> None:
    _write_atomically(state_path, json.dumps(state, indent=2).encode("utf-8"))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename over it: a reader (or a resumed pull) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# Environment variables holding the app registration's credentials, unless the mapping names others.
# Each may instead name a file holding it through `<variable>_FILE` (Docker and Kubernetes secrets).
DEFAULT_CLIENT_ID_ENV = "CIVICLAKE_DYNAMICS_CLIENT_ID"
DEFAULT_CLIENT_SECRET_ENV = "CIVICLAKE_DYNAMICS_CLIENT_SECRET"


def client_from_mapping(mapping: Mapping[str, Any]) -> DynamicsClient:
    """A client from a source's mapping: api_url, token_url, scope, page_size; secrets from the environment."""
    missing = [key for key in ("api_url", "token_url") if not mapping.get(key)]
    if missing:
        raise ValueError(f"a dynamics365/web_api source needs {', '.join(missing)} in its mapping")
    id_env = str(mapping.get("client_id_env", DEFAULT_CLIENT_ID_ENV))
    secret_env = str(mapping.get("client_secret_env", DEFAULT_CLIENT_SECRET_ENV))
    id_file_env = str(mapping.get("client_id_file_env", f"{id_env}_FILE"))
    secret_file_env = str(mapping.get("client_secret_file_env", f"{secret_env}_FILE"))
    client_id = _client_id(id_env, id_file_env)
    secret = secret_from_environment(secret_env, secret_file_env)
    if not client_id or not secret:
        raise ValueError(
            f"the Dynamics 365 credentials are missing: set ${id_env} (or ${id_file_env}, a file holding it) "
            f"and ${secret_env} (or ${secret_file_env})"
        )
    api_url = str(mapping["api_url"]).rstrip("/")
    scope = mapping.get("scope") or f"{urlsplit(api_url).scheme}://{urlsplit(api_url).netloc}/.default"
    credentials = ClientCredentials(str(mapping["token_url"]), client_id, secret, scope)
    return DynamicsClient(api_url, credentials, page_size=int(mapping.get("page_size", 5000)))


def _client_id(id_env: str, id_file_env: str) -> str | None:
    # An identifier, not a secret (every token request and our logs name it): read, not hidden.
    if value := os.environ.get(id_env):
        return value
    if location := os.environ.get(id_file_env):
        try:
            return Path(location).read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError):
            raise SecretError(f"${id_file_env} names {location}, which cannot be read as text") from None
    return None


def read_dynamics_web_api(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
    client: DynamicsClient | None = None,
) -> DynamicsReadResult:
    """Pull the CRM's changes into the landing folder `location`, then read every complete pull.

    The pulls are read oldest first in one go: a later version of an incident replaces an earlier one,
    a deletion in a delta removes the incident it names, and the contacts of every pull give the
    citizen keys (a delta holds only the contacts that changed). The landing folder holds the pages as
    received, national register numbers included: keep it outside the lake, as protected as the CRM.
    """
    mapping = dict(mapping or {})
    client = client or client_from_mapping(mapping)
    pull_crm(client, location, location / "_state")
    pulls = complete_pulls(location)
    nrn_column = mapping.get("national_number_column", DEFAULT_NATIONAL_NUMBER_COLUMN)
    citizen_keys: dict[str, str] = {}
    for pull in pulls:
        if (pull / "contacts").is_dir():
            citizen_keys.update(read_citizen_keys(pull / "contacts", pseudonymiser, nrn_column))
    combined: DynamicsReadResult | None = None
    for pull in pulls:
        result = read_dynamics_export(
            pull, commune_id, source_id, pseudonymiser, mapping, now, known_citizen_keys=citizen_keys
        )
        combined = result if combined is None else _merge(combined, result)
    if combined is None:
        raise ExportError(f"{location}: no complete pull to read")
    return combined


def _merge(earlier: DynamicsReadResult, later: DynamicsReadResult) -> DynamicsReadResult:
    """Two pulls as one read: the later version of a request wins, a later deletion removes it."""
    later_ids = set(later.rows["request_id"].to_list())
    deleted = set(later.deleted_request_ids)
    ticket_of_incident = dict(zip(earlier.incident_ids, earlier.rows["request_id"].to_list(), strict=True))
    deleted |= {ticket_of_incident[i] for i in later.deleted_incident_ids if i in ticket_of_incident}
    keep = ~earlier.rows["request_id"].is_in(list(later_ids | deleted))
    rows = pl.concat([earlier.rows.filter(keep), later.rows])
    dropped = earlier.rows.height - int(keep.sum())
    return DynamicsReadResult(
        entity="request",
        rows=rows,
        rejected=pl.concat([earlier.rejected, later.rejected]),
        rows_read=earlier.rows_read + later.rows_read - dropped,
        source_files=[*earlier.source_files, *later.source_files],
        deleted_request_ids=sorted(set(earlier.deleted_request_ids) | deleted),
        deleted_incident_ids=[
            i for i in [*earlier.deleted_incident_ids, *later.deleted_incident_ids] if i not in ticket_of_incident
        ],
        superseded=earlier.superseded + later.superseded + dropped,
        incident_ids=[i for i, k in zip(earlier.incident_ids, keep.to_list(), strict=True) if k] + later.incident_ids,
    )
