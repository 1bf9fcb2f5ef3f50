"""The Dynamics 365 Web API as a configured source: pulled, read, merged into bronze, deletions applied.

Runs against the fake Dataverse of test_dynamics_api (a real HTTP server on 127.0.0.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.bronze_load import load_entity
from pipelines.config import load_config
from pipelines.lake import Lake
from tests.conftest import MINIMAL_CONFIG
from tests.test_dynamics_api import (
    C1,
    C2,
    CLIENT_ID,
    SCOPE,
    SECRET,
    TICKETS,
    TOKEN_PATH,
    FakeDataverse,
    dataverse,  # noqa: F401 (the fixture)
    deleted_entry,
    incident,
    incident_id,
)


@pytest.fixture
def web_api_config(dataverse: FakeDataverse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:  # noqa: F811
    monkeypatch.setenv("CIVICLAKE_DYNAMICS_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("CIVICLAKE_DYNAMICS_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    document = yaml.safe_load(MINIMAL_CONFIG)
    document["sources"] = [
        {
            "id": "brussels-crm-api",
            "commune": "brussels",
            "entity": "request",
            "kind": "dynamics365",
            "format": "web_api",
            "location": "landing/crm",  # raw pages: outside the lake
            "mapping": {
                "api_url": dataverse.api,
                "token_url": f"{dataverse.origin}{TOKEN_PATH}",
                "scope": SCOPE,
                "page_size": 2,
            },
        }
    ]
    path = tmp_path / "civiclake.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    yield path


def _bronze_requests(lake: Lake) -> dict[str, dict]:
    files = sorted((lake.bronze / "request").rglob("data.parquet"))
    return {row["request_id"]: row for path in files for row in pq.read_table(path).to_pylist()}


def test_a_full_pull_then_a_delta_update_the_lake_and_remove_deleted_requests(
    dataverse: FakeDataverse,  # noqa: F811
    web_api_config: Path,
    tmp_path: Path,
) -> None:
    config, lake = load_config(web_api_config), Lake(tmp_path / "lake")

    first = load_entity(config, lake, "request")
    assert sorted(_bronze_requests(lake)) == TICKETS
    assert (first.total("rows_read"), first.total("rows_new"), first.balanced) == (len(TICKETS), len(TICKETS), True)
    citizen_of_1003 = _bronze_requests(lake)["CAS-1003"]["citizen_key"]
    assert citizen_of_1003 is not None

    # In the CRM: CAS-1002 resolved, CAS-1008 created for an unchanged contact, CAS-1005 deleted.
    dataverse.deltas[("incidents", 1)] = [
        incident(2, 1, 1, "2024-03-04T09:30:00Z", "2024-03-08T12:00:00Z", C1),
        incident(8, 2, 0, "2024-03-08T13:00:00Z", "2024-03-08T13:00:00Z", C2),
        deleted_entry(dataverse.origin, "incidents", incident_id(5)),
    ]
    second = load_entity(config, lake, "request")

    requests = _bronze_requests(lake)
    assert sorted(requests) == sorted({*TICKETS, "CAS-1008"} - {"CAS-1005"})
    assert second.total("rows_deleted") == 1 and second.total("rows_new") == 1 and second.balanced
    assert requests["CAS-1002"]["status"] == "closed"
    # The contact of CAS-1008 did not change, so it is not in the delta: its key comes from the full pull.
    assert requests["CAS-1008"]["citizen_key"] == citizen_of_1003

    third = load_entity(config, lake, "request")  # nothing changed in the CRM: nothing changes in the lake
    assert third.total("rows_new") == 0 and third.total("rows_deleted") == 0
    assert _bronze_requests(lake) == requests
    # The landing folder (raw pages) is where the configuration says, never under the lake.
    assert (web_api_config.parent / "landing" / "crm" / "_state").is_dir()
    assert not list(lake.root.rglob("page-*.json"))
