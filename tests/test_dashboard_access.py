"""Who sees what on the dashboard: the public (open data only), management (everything), a service owner
(their services only, on every page, in every download, whatever the filters say), and the access file
(salted hashes, no clear password, wrong passwords refused)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from dashboard_fixtures import APP, add_user, record_downloads, signed_in
from streamlit.testing.v1 import AppTest
from test_dashboard_channels import REQUESTS
from test_dashboard_channels import write_gold as write_channels_gold
from test_dashboard_processes import write_gold as write_processes_gold

from dashboards import auth, data, session

INTERNAL = ["targets", "adoption", "channels", "processes", "contact-centre", "data-quality", "communes"]
INTERNAL_FILES = ["targets", "adoption", "channels", "processes", "contact_centre", "data_quality", "communes"]


@pytest.fixture(scope="module")
def channels_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("channels") / "lake"
    write_channels_gold(lake)
    return lake


@pytest.fixture(scope="module")
def processes_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("processes") / "lake"
    write_processes_gold(lake)
    return lake


def _app(monkeypatch: pytest.MonkeyPatch, lake: Path) -> AppTest:
    monkeypatch.setenv(data.LAKE_ENV, str(lake))
    return AppTest.from_file(str(APP), default_timeout=90)


def _open_url_path(at: AppTest, url_path: str) -> AppTest:
    """Go to the page registered under `url_path`, as a browser opening /<url_path> does. AppTest's
    switch_page only knows pages that are files; the public's sign-in pages are functions."""
    matches = [key for key, info in at._registered_pages.items() if info.get("url_pathname") == url_path]
    assert len(matches) == 1, (url_path, at._registered_pages)
    at._page_hash = matches[0]
    return at


def _texts(at: AppTest) -> str:
    """Every text the run drew (markdown, captions, metrics, alerts, titles, tables' cells)."""
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error")
             for e in getattr(at, kind)]  # fmt: skip
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


def _heatmap_requests(service: str) -> int:
    """Requests of brussels in 2024 for one service, counted from the fixture's list (not from the app)."""
    return sum(
        1
        for commune, _id, code, _channel, local, _office in REQUESTS
        if commune == "brussels" and code == service and local.year == 2024
    )


# --- the public ------------------------------------------------------------------------------------


def test_public_sees_the_open_data_page_and_no_figure(
    channels_lake: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_user(monkeypatch, tmp_path, "manager")
    at = _app(monkeypatch, channels_lake).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Open data"]
    assert not at.selectbox and not at.metric and not at.dataframe  # no filters, no figures
    for page in INTERNAL:
        _open_url_path(at, page).run()
        assert not at.exception
        assert [t.value for t in at.title] == ["Sign in"], page
        assert "This page needs a sign-in." in [i.value for i in at.info]
        assert not at.metric and not at.dataframe and not at.selectbox, page
    # Outside the app's own checks, the data layer gives the public nothing either.
    with data.scoped(data.PUBLIC_SCOPE):
        assert data.list_communes(channels_lake).empty
        assert data.channels_weekday_hour(channels_lake, "brussels", "2024-01-01", "2024-12-31").empty


# --- signing in ------------------------------------------------------------------------------------


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    _open_url_path(at, "login").run()
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_wrong_password_is_refused_and_the_right_one_signs_in(
    channels_lake: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    password = add_user(monkeypatch, tmp_path, "manager")
    at = _sign_in(_app(monkeypatch, channels_lake).run(), "manager", password + "x")
    assert not at.exception
    assert [e.value for e in at.error] == ["Unknown user name or wrong password."]
    assert session.USER_KEY not in at.session_state
    _sign_in(at, "nobody", password)
    assert [e.value for e in at.error] == ["Unknown user name or wrong password."]
    _sign_in(at, "manager", password)
    assert not at.exception
    assert at.session_state[session.USER_KEY] == "manager"
    assert "Signed in: manager (management)" in [c.value for c in at.caption]
    assert at.selectbox(key="service").options[0] == "All services"
    at.button(key="civiclake_logout").click().run()
    assert session.USER_KEY not in at.session_state
    assert not at.selectbox


def test_management_sees_every_page(channels_lake: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = signed_in(monkeypatch, _app(monkeypatch, channels_lake), tmp_path).run()
    for page in INTERNAL_FILES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, page
        assert not any("sign-in" in i.value for i in at.info), page
    at.switch_page("views/channels.py").run()
    assert "All services" in at.selectbox(key="service").options


# --- a service owner -------------------------------------------------------------------------------


def test_service_owner_sees_only_their_service_on_the_channels_page(
    channels_lake: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    downloads = record_downloads(monkeypatch)
    at = signed_in(monkeypatch, _app(monkeypatch, channels_lake), tmp_path, "urb", auth.SERVICE_OWNER, ("URB-INFO",))
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["How citizens reach us"]  # their first page: Channels
    assert at.selectbox(key="service").options == ["Urban planning information"]  # not "All services"
    own, other = _heatmap_requests("URB-INFO"), _heatmap_requests("POP-EID")
    assert (own, other) == (6, 9)
    # Forcing the other service (or every service) into the filter's state, or the address, changes nothing.
    for forced in ("POP-EID", None):
        downloads.clear()
        at = signed_in(
            monkeypatch, _app(monkeypatch, channels_lake), tmp_path, "urb", auth.SERVICE_OWNER, ("URB-INFO",)
        )
        at.session_state["service"] = forced
        at.query_params["service"] = "POP-EID"
        at.run()
        assert not at.exception
        assert at.selectbox(key="service").value == "URB-INFO"
        offered = {str(d["key"]): d["data"] for d in downloads}
        heatmap = pd.read_csv(io.StringIO(offered["channels_download_heatmap"].decode("utf-8")))
        assert int(heatmap["requests"].sum()) == own
        mix = pd.read_csv(io.StringIO(offered["channels_download_mix"].decode("utf-8")))
        assert int(mix["requests"].sum()) == own
        for key, csv in offered.items():
            assert "POP-EID" not in csv.decode("utf-8"), key
        # POP-EID's appointments (100 booked in 2024) and the commune's (200) are nowhere on the page.
        assert "POP-EID" not in _texts(at)
        assert not [m for m in at.metric if m.value in ("200", "100")]
    # The internal pages of other roles are not theirs: not in the navigation, and their data is empty.
    for page in ("targets", "adoption", "contact-centre", "data-quality", "communes"):
        _open_url_path(at, page).run()
        assert not at.exception
        assert [i.value for i in at.info] == ["This page is not open to your role; the menu lists the pages that are."]
        assert not at.metric and not at.dataframe, page
    scope = data.Scope(signed_in=True, services=frozenset({"URB-INFO"}))
    with data.scoped(scope):
        assert data.channels_weekday_hour(channels_lake, "brussels", "2024-01-01", "2024-12-31", "POP-EID").empty
        assert data.channels_weekday_hour(channels_lake, "brussels", "2024-01-01", "2024-12-31", None).empty
        mine = data.channels_weekday_hour(channels_lake, "brussels", "2024-01-01", "2024-12-31", "URB-INFO")
        assert int(mine["requests"].sum()) == own
        assert list(data.list_services(channels_lake, "brussels")["service_code"]) == ["URB-INFO"]
        assert data.adoption_kpis(channels_lake, "brussels", "year", "2024").empty  # commune totals
        assert data.channels_daily_kpi(
            channels_lake, "brussels", "daily_active_citizens", "2024-01-01", "2024-12-31"
        ).empty
        assert data.commune_kpis(channels_lake, "year", "2024").empty
        assert data.contact_centre_kpis(channels_lake, "brussels", "year", "2024").empty
        assert data.source_loads(channels_lake).empty
        assert data.target_status(channels_lake, "brussels", dt.date(2024, 12, 31)).empty


def test_service_owner_sees_only_the_processes_of_their_services(
    processes_lake: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # S-C alone runs PROC-B; PROC-A is run by S-A and S-B: an owner of S-A alone does not see it.
    downloads = record_downloads(monkeypatch)
    at = signed_in(monkeypatch, _app(monkeypatch, processes_lake), tmp_path, "permits", auth.SERVICE_OWNER, ("S-C",))
    at.run().switch_page("views/processes.py").run()
    assert not at.exception
    assert at.selectbox(key="processes_process").options[0].startswith("PROC-B")
    assert len(at.selectbox(key="processes_process").options) == 1
    downloads.clear()
    at = signed_in(monkeypatch, _app(monkeypatch, processes_lake), tmp_path, "permits", auth.SERVICE_OWNER, ("S-C",))
    at.session_state["processes_process"] = "PROC-A"  # forced into the state, as no widget could
    at.run().switch_page("views/processes.py").run()
    assert not at.exception
    assert downloads
    assert at.selectbox(key="processes_process").value == "PROC-B"
    for offered in downloads:
        assert "PROC-A" not in offered["data"].decode("utf-8")
    assert "PROC-A" not in _texts(at)
    with data.scoped(data.Scope(signed_in=True, services=frozenset({"S-A"}))):
        assert data.process_list(processes_lake, "brussels").empty
        assert data.process_kpis(processes_lake, "brussels", "year", "2024", "PROC-A").empty
    with data.scoped(data.Scope(signed_in=True, services=frozenset({"S-C"}))):
        kpis = data.process_kpis(processes_lake, "brussels", "year", "2024", "PROC-B")
        assert not kpis.empty
        # No commune-wide backlog bucket (it counts PROC-A's cases too).
        buckets = kpis[kpis["breakdown"] == "age_bucket"]["breakdown_value"]
        assert all(" / " in str(value) for value in buckets)
        first, last = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
        assert data.process_lead_times(processes_lake, "brussels", "PROC-A", None, first, last).empty
        assert not data.process_lead_times(processes_lake, "brussels", "PROC-B", None, first, last).empty


# --- the access file -------------------------------------------------------------------------------


def test_access_file_stores_salted_hashes_only(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    auth.set_user(users, "alice", "same password", auth.SERVICE_OWNER, ["CIV-X"])
    auth.set_user(users, "bob", "same password", auth.MANAGEMENT)
    text = users.read_text(encoding="utf-8")
    assert "same password" not in text
    raw = json.loads(text)["users"]
    assert raw["alice"]["password"]["salt"] != raw["bob"]["password"]["salt"]
    assert raw["alice"]["password"]["hash"] != raw["bob"]["password"]["hash"]
    assert users.stat().st_mode & 0o077 == 0  # owner only
    access = auth.load_access(users)
    assert auth.authenticate(access, "alice", "same password") == auth.User(
        "alice", "service_owner", frozenset({"CIV-X"})
    )
    assert auth.authenticate(access, "bob", "same password") == auth.User("bob", "management", None)
    assert auth.authenticate(access, "alice", "Same password") is None
    assert auth.authenticate(access, "carol", "same password") is None
    assert auth.authenticate(access, "alice", "x" * 100_000) is None
    with pytest.raises(auth.AccessError):
        auth.set_user(users, "../etc", "pw", auth.MANAGEMENT)
    with pytest.raises(auth.AccessError):
        auth.set_user(users, "dave", "pw", auth.SERVICE_OWNER, [])


def test_oidc_claims_map_to_roles() -> None:
    access = auth.parse_access(
        {
            "oidc": {
                "claim": "email",
                "users": {"boss@city.example": {"role": "management"}},
                "groups_claim": "groups",
                "groups": {"civil-status": {"role": "service_owner", "services": ["CIV-X", "CIV-Y"]}},
            }
        }
    )
    assert auth.oidc_user(access, {"email": "Boss@City.example"}) == auth.User("Boss@City.example", "management", None)
    owner = auth.oidc_user(access, {"email": "a@city.example", "groups": ["civil-status", "other"]})
    assert owner == auth.User("a@city.example", "service_owner", frozenset({"CIV-X", "CIV-Y"}))
    assert auth.oidc_user(access, {"email": "stranger@example.org", "groups": ["other"]}) is None


def test_cli_adds_lists_and_removes_users_without_echoing_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.cli import main

    users = tmp_path / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-Passw0rd\n"))
    assert main(["users", "--file", str(users), "add", "ana", "--role", "service_owner", "--services", "CIV-X,CIV-Y",
                 "--password-stdin"]) == 0  # fmt: skip
    assert main(["users", "--file", str(users), "list"]) == 0
    out = capsys.readouterr().out
    assert "ana\tservice_owner\tCIV-X,CIV-Y" in out and "s3cret" not in out
    assert "s3cret" not in users.read_text(encoding="utf-8")
    access = auth.load_access(users)
    assert auth.authenticate(access, "ana", "s3cret-Passw0rd") == auth.User(
        "ana", "service_owner", frozenset({"CIV-X", "CIV-Y"})
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    assert main(["users", "--file", str(users), "add", "bo", "--role", "service_owner", "--password-stdin"]) == 1
    assert "needs at least one service" in capsys.readouterr().err
    assert main(["users", "--file", str(users), "remove", "ana"]) == 0
    assert auth.load_access(users).users == {}


def test_a_reader_signed_in_at_the_identity_provider_gets_the_role_of_their_claims(
    channels_lake: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # What st.user gives after st.login (the provider itself is not reachable from a test).
    users = tmp_path / "access.json"
    rules = {"claim": "email", "groups_claim": "groups"}
    rules["groups"] = {"urbanism": {"role": "service_owner", "services": ["URB-INFO"]}}  # type: ignore[assignment]
    users.write_text(json.dumps({"oidc": rules}), encoding="utf-8")
    monkeypatch.setenv(auth.USERS_ENV, str(users))
    monkeypatch.setattr(session, "oidc_configured", lambda: True)
    claims = {"email": "planner@city.example", "groups": ["urbanism"]}
    monkeypatch.setattr(session, "_oidc_claims", lambda: claims)
    at = _app(monkeypatch, channels_lake).run()
    assert not at.exception
    assert "Signed in: planner@city.example (service owner: URB-INFO)" in [c.value for c in at.caption]
    assert at.selectbox(key="service").options == ["Urban planning information"]
    claims["groups"] = ["elsewhere"]  # no rule gives this account a role: public, told so on sign-in
    at = _app(monkeypatch, channels_lake).run()
    assert [t.value for t in at.title] == ["Open data"] and not at.selectbox
    _open_url_path(at, "login").run()
    assert [w.value for w in at.warning] == [
        "You are signed in as planner@city.example, but no role is given to this account."
    ]
