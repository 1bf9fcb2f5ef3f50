"""Secrets never leak: the pseudonymisation key, the CRM client secret and its access tokens.

They come from the environment or from secret files, never from the configuration file in clear. A
whole pipeline run (a Web API pull from a fake Dataverse on 127.0.0.1, a portal log, dbt, the gold
export), then a run with wrong credentials (the server answers 401 and echoes the secret it was sent)
must leave none of them, in clear or encoded, in the lake (Parquet and DuckDB decoded too), the Dagster
storage, dbt's logs and targets, stdout, stderr, Python logging or the error raised.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote, quote_plus

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from dagster import DagsterInstance

import pipelines.runner as runner
from connectors.dynamics_api import client_from_mapping
from connectors.pseudonymise import MissingKeyError, Pseudonymiser
from connectors.secrets import HIDDEN, register_secret
from pipelines.config import ConfigError, load_config
from pipelines.runner import PipelineError, run_pipeline
from tests.conftest import MINIMAL_CONFIG, PROJECT_ROOT
from tests.test_dynamics_api import (
    CLIENT_ID,
    SCOPE,
    SECRET,
    TOKEN_PATH,
    WRONG_SECRET,
    FakeDataverse,
    dataverse,  # noqa: F401 (the fixture)
)

# Distinctive values: found anywhere, they can only have leaked.
KEY = "pseudo-KEY_9f4c2e7a-only-in-a-secret-file"
NATIONAL_NUMBER = "85073003328"
DBT_DIR = PROJECT_ROOT / "dbt"


# --- Looking for secrets -----------------------------------------------------------------------------


def encodings(secret: str) -> dict[str, bytes]:
    """The forms a secret could leak in: clear, hex, URL-encoded and base64 at every byte alignment."""
    raw = secret.encode("utf-8")
    forms = {
        "clear": raw,
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
        "url": quote(secret, safe="").encode(),
        "form": quote_plus(secret).encode(),
    }
    for offset in range(3):  # inside a longer base64 text the secret starts at any of 3 alignments
        for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            encoded = encode(b"\0" * offset + raw)
            forms[f"{name}+{offset}"] = encoded[4 if offset else 0 : -4]  # the quanta made of secret bytes only
    return forms


def decoded_views(path: Path) -> Iterator[tuple[str, bytes]]:
    """A file's bytes, and for Parquet and DuckDB (compressed on disk) every value they hold."""
    yield str(path), path.read_bytes()
    if path.suffix == ".parquet" and not path.name.startswith("."):
        table = pq.read_table(path)
        text = json.dumps([table.schema.to_string(), table.to_pylist()], default=str)
        yield f"{path} (rows)", text.encode()
    elif path.suffix == ".duckdb":
        with duckdb.connect(str(path), read_only=True) as db:
            tables = db.execute("select table_schema, table_name from information_schema.tables").fetchall()
            for schema, name in tables:
                rows = db.execute(f'select * from "{schema}"."{name}"').fetchall()
                yield f"{path}#{schema}.{name}", json.dumps(rows, default=str).encode()


def leaks(views: list[tuple[str, bytes]], secrets: dict[str, str]) -> list[str]:
    found = []
    for where, data in views:
        for label, secret in secrets.items():
            for form, needle in encodings(secret).items():
                if needle in data:
                    found.append(f"{label} ({form}) in {where}")
    return found


def files_below(*roots: Path) -> list[tuple[str, bytes]]:
    return [
        view for root in roots for path in sorted(root.rglob("*")) if path.is_file() for view in decoded_views(path)
    ]


def test_the_search_finds_a_planted_secret_in_every_form_it_looks_for(tmp_path: Path) -> None:
    """The search below is worth something only if it finds a copy: compressed, encoded, in a database."""
    secret = "planted-Secret_0123456789"
    pq.write_table(pa.table({"note": [f"x{secret}y"] * 50}), tmp_path / "data.parquet", compression="zstd")
    with duckdb.connect(str(tmp_path / "civiclake.duckdb")) as db:
        db.execute("create table t as select repeat('a', 100) || ? as v from range(5000)", [secret])
    (tmp_path / "run.log").write_bytes(b"token=" + base64.b64encode(b"ab" + secret.encode()) + b"\n")
    (tmp_path / "form.txt").write_text(f"client_secret={quote_plus(secret + ' ~')}", encoding="utf-8")

    found = leaks(files_below(tmp_path), {"planted": secret})
    assert any("data.parquet (rows)" in line for line in found)
    assert any("civiclake.duckdb#main.t" in line for line in found)
    assert any("(base64+2) in" in line and "run.log" in line for line in found)
    assert any("form.txt" in line for line in found)
    assert not leaks(files_below(tmp_path), {"other": "never-written-anywhere-42"})


# --- Secrets come from the environment or secret files ----------------------------------------------


def test_the_key_and_the_client_secret_come_from_the_environment_or_a_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CIVICLAKE_PSEUDONYMISATION_KEY", "CIVICLAKE_DYNAMICS_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    key_file, secret_file = tmp_path / "key", tmp_path / "client-secret"
    key_file.write_text(KEY + "\n", encoding="utf-8")  # as `echo` writes it: the newline is not part of it
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    monkeypatch.setenv("CIVICLAKE_PSEUDONYMISATION_KEY_FILE", str(key_file))
    monkeypatch.setenv("CIVICLAKE_DYNAMICS_CLIENT_SECRET_FILE", str(secret_file))
    monkeypatch.setenv("CIVICLAKE_DYNAMICS_CLIENT_ID", CLIENT_ID)

    expected = hmac.new(KEY.encode(), b"nrn:" + NATIONAL_NUMBER.encode(), hashlib.sha256).hexdigest()
    assert Pseudonymiser.from_environment(demo=False).hash(NATIONAL_NUMBER, "nrn") == expected
    mapping = {"api_url": "http://127.0.0.1:9/api/data/v9.2", "token_url": "http://127.0.0.1:9/token"}
    assert client_from_mapping(mapping)._credentials.client_secret == SECRET
    # The variable itself wins over the file.
    monkeypatch.setenv("CIVICLAKE_DYNAMICS_CLIENT_SECRET", WRONG_SECRET)
    assert client_from_mapping(mapping)._credentials.client_secret == WRONG_SECRET

    # A secret file that is missing or empty is an error naming the variable and the file.
    monkeypatch.setenv("CIVICLAKE_PSEUDONYMISATION_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(MissingKeyError, match="CIVICLAKE_PSEUDONYMISATION_KEY_FILE names .*missing"):
        Pseudonymiser.from_environment(demo=False)
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    monkeypatch.setenv("CIVICLAKE_PSEUDONYMISATION_KEY_FILE", str(tmp_path / "empty"))
    with pytest.raises(MissingKeyError, match="empty"):
        Pseudonymiser.from_environment(demo=False)


@pytest.mark.parametrize(
    ("where", "document_change", "expected"),
    [
        ("mapping", {"client_secret": SECRET}, "sources[0].mapping: client_secret: a secret written in clear"),
        ("mapping", {"auth": {"api_key": SECRET}}, "sources[0].mapping: auth.api_key: a secret written in clear"),
        ("options", {"password": SECRET}, "sources[0].options: password: a secret written in clear"),
        ("mapping", {"client_secret_env": SECRET}, "client_secret_env: expected the name of an environment variable"),
        ("pseudonymisation", {"key": SECRET}, "pseudonymisation: only key_env and key_file_env belong here"),
        ("pseudonymisation", {"key_env": SECRET}, "pseudonymisation: key_env: expected the name of an environment"),
    ],
)
def test_a_secret_written_in_clear_in_the_configuration_is_refused_without_being_quoted(
    tmp_path: Path, where: str, document_change: dict, expected: str
) -> None:
    document = yaml.safe_load(MINIMAL_CONFIG)
    if where == "pseudonymisation":
        document["pseudonymisation"] = document_change
    else:
        document["sources"][0][where] = document_change
    path = tmp_path / "civiclake.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert expected in str(error.value)
    assert not leaks([("error", str(error.value).encode())], {"secret": SECRET})


def test_a_yaml_syntax_error_next_to_a_secret_does_not_quote_the_line(tmp_path: Path) -> None:
    path = tmp_path / "civiclake.yaml"
    path.write_text(MINIMAL_CONFIG + f'    mapping: {{client_secret: "{SECRET}}}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not valid YAML: .*\(line \d+, column \d+\)") as error:
        load_config(path)
    assert SECRET not in str(error.value)


def test_a_registered_secret_is_hidden_from_every_log_record(caplog: pytest.LogCaptureFixture) -> None:
    secret = "log-me-by-mistake-0xC0FFEE-secret"
    register_secret(secret)
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("civiclake.careless")
    log.warning("connecting with %s", secret)
    log.info(f"the form was client_secret={quote_plus(secret)}")
    try:
        raise RuntimeError(f"server said: bad secret {secret}")
    except RuntimeError:
        log.exception("pull failed")
    assert HIDDEN in caplog.text and "connecting with <hidden>" in caplog.text
    assert not leaks([("caplog", caplog.text.encode())], {"secret": secret})


# --- A whole run, then a run with wrong credentials ---------------------------------------------------


@pytest.fixture
def production_sources(
    dataverse: FakeDataverse,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A production configuration (the key is required) with the CRM Web API and a portal log."""
    # The key in a variable, the client secret in a file (as Docker or Kubernetes mount them; outside
    # everything searched): both ways a secret comes in.
    secrets = tmp_path / "run-secrets"
    secrets.mkdir()
    (secrets / "crm-client-secret").write_text(SECRET + "\n", encoding="utf-8")
    monkeypatch.delenv("CIVICLAKE_PSEUDONYMISATION_KEY_FILE", raising=False)
    monkeypatch.delenv("CIVICLAKE_DYNAMICS_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("CIVICLAKE_PSEUDONYMISATION_KEY", KEY)
    monkeypatch.setenv("CIVICLAKE_DYNAMICS_CLIENT_SECRET_FILE", str(secrets / "crm-client-secret"))
    monkeypatch.setenv("CIVICLAKE_DYNAMICS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    sources = tmp_path / "sources"
    (sources / "portal").mkdir(parents=True)
    logins = [
        {"timestamp": "2024-03-04T08:15:00Z", "national_register_number": NATIONAL_NUMBER, "method": "itsme"},
        {"timestamp": "2024-03-05T19:40:00Z", "national_register_number": "not-a-number", "method": "eid"},
    ]
    text = "".join(json.dumps(row | {"success": True}) + "\n" for row in logins)
    (sources / "portal" / "logins.jsonl").write_text(text, encoding="utf-8")
    document = yaml.safe_load(MINIMAL_CONFIG)
    document["mode"] = "production"
    document["sources"] = [
        {"id": "brussels-crm-api", "commune": "brussels", "entity": "request", "kind": "dynamics365",
         "format": "web_api", "location": str(tmp_path / "landing" / "crm"),
         "mapping": {"api_url": dataverse.api, "token_url": f"{dataverse.origin}{TOKEN_PATH}", "scope": SCOPE,
                     "page_size": 2}},
        {"id": "portal", "commune": "brussels", "entity": "portal_login", "kind": "portal_log", "format": "jsonl",
         "location": "portal/logins.jsonl"},
    ]  # fmt: skip
    config = sources / "civiclake.yaml"
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    return config


def test_no_secret_leaks_from_a_run_nor_from_a_run_refused_by_the_crm(
    production_sources: Path,
    dataverse: FakeDataverse,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Everything from INFO, and every debug line of civiclake's own code (where a careless line would be).
    caplog.set_level(logging.INFO)
    for name in ("connectors", "pipelines"):
        caplog.set_level(logging.DEBUG, logger=name)
    # A Dagster instance on disk instead of the in-memory one, so that its event log can be searched.
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    instance = DagsterInstance.local_temp(str(dagster_home))

    class OnDisk:
        @staticmethod
        def ephemeral() -> DagsterInstance:
            return instance

    monkeypatch.setattr(runner, "DagsterInstance", OnDisk)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    dbt_targets_before = set((DBT_DIR / "target").iterdir()) if (DBT_DIR / "target").is_dir() else set()
    dbt_log = DBT_DIR / "logs" / "dbt.log"
    dbt_log_offset = dbt_log.stat().st_size if dbt_log.exists() else 0
    lake = tmp_path / "lake"

    lines: list[str] = []
    # The month of the fake CRM's incidents and of the logins (one Dagster partition per day).
    window = {"first_day": date(2024, 3, 1), "last_day": date(2024, 3, 31)}
    summary = run_pipeline(production_sources, lake, echo=lines.append, **window)
    assert summary.bronze_counts["bronze/request"]["rows_read"] == 7  # the fake CRM's seven incidents
    assert summary.bronze_counts["bronze/portal_login"]["rows_quarantined"] == 1
    assert dataverse.issued  # a token was obtained and used
    # The key was used: the citizen's key in the lake is the HMAC under it (computed here independently).
    citizen = hmac.new(KEY.encode(), f"citizen:{NATIONAL_NUMBER}".encode(), hashlib.sha256).hexdigest()
    logins = pq.read_table(next((lake / "bronze" / "portal_login").rglob("*.parquet"))).to_pylist()
    assert [row["citizen_key"] for row in logins] == [citizen]

    # The CRM now refuses the credentials: the token endpoint answers 401 and echoes what it was sent.
    (production_sources.parent.parent / "run-secrets" / "crm-client-secret").write_text(WRONG_SECRET, encoding="utf-8")
    with pytest.raises(PipelineError) as refused:
        run_pipeline(production_sources, lake, echo=lines.append, **window)
    assert "HTTP 401" in str(refused.value) and "invalid_client" in str(refused.value)
    assert HIDDEN in str(refused.value)  # the server's echo was there, hidden

    output = capfd.readouterr()
    dbt_targets = [path for path in (DBT_DIR / "target").iterdir() if path not in dbt_targets_before]
    with open(dbt_log, "rb") as handle:
        handle.seek(dbt_log_offset)
        dbt_log_tail = handle.read()
    instance.dispose()
    views = [
        *files_below(lake, dagster_home, *[path for path in dbt_targets if path.is_dir()]),
        ("dbt.log (this test's part)", dbt_log_tail),
        ("stdout", output.out.encode()),
        ("stderr", output.err.encode()),
        ("python logging", caplog.text.encode()),
        ("log records", "\n".join(repr(record.__dict__) for record in caplog.records).encode()),
        ("echo", "\n".join(lines).encode()),
        ("error", str(refused.value).encode()),
        ("summary", repr(summary).encode()),
    ]
    assert any(where.endswith(".duckdb") for where, _ in views) and any("(rows)" in where for where, _ in views)
    assert any("runs.db" in where or "event_logs" in where for where, _ in views)  # Dagster's storage was searched
    secrets = {"pseudonymisation key": KEY, "client secret": SECRET, "wrong client secret": WRONG_SECRET}
    secrets |= {f"access token {n}": token for n, token in enumerate(dataverse.issued, start=1)}
    assert leaks(views, secrets) == []
