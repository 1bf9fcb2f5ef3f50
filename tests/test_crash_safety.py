"""A run killed at any moment leaves a lake readers can trust, and the next run completes it exactly.

Lake A: one uninterrupted run of a tiny demo (one commune, one week, 1 % of the city's volumes).
Lake B: the same run started as a subprocess and killed with SIGKILL (its whole process group: the
pipeline and its dbt subprocess, as a power cut or the OOM killer of its cgroup would) at seeded random
moments inside the bronze loads and the dbt build; after each kill the lake must hold only complete
Parquet files where readers look, a complete gold snapshot (or none yet), and no partition with fewer
rows than the audit says were loaded. Then one uninterrupted run, and lake B must hold what lake A holds,
file for file and row for row, apart from the columns that say when or in which load a row came
(`IGNORED_COLUMNS`): B had more loads than A, at other times. Then the gold export (the function the
pipeline's last stage calls) is killed in the same way, and after one more export gold is A's again.

Lake A is built in parallel with B's killed runs (two lakes, two DuckDB files: nothing shared). The gold
export is killed on its own rather than at the end of a third full run: the same code, a minute less.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from pipelines.demo.generator import generate
from tests.conftest import PROJECT_ROOT

FIRST_DAY, LAST_DAY = date(2024, 3, 1), date(2024, 3, 7)
SEED = 20261201
RUN = (
    "import sys; from datetime import date; from pathlib import Path; "
    "from pipelines.runner import run_pipeline; "
    "run_pipeline(Path(sys.argv[1]), Path(sys.argv[2]), "
    "first_day=date.fromisoformat(sys.argv[3]), last_day=date.fromisoformat(sys.argv[4]))"
)
EXPORT = (
    "import sys; from pathlib import Path; from pipelines.lake import Lake; "
    "from pipelines.assets.gold import export_gold; "
    "print('[4/4] gold export ...', file=sys.stderr, flush=True); export_gold(Lake(Path(sys.argv[1])))"
)
# (stage number in "[n/4] ..." lines, the stage's name, the longest delay after its start line).
RUN_KILLS = [(2, "bronze", 0.8), (3, "dbt", 25.0), (2, "bronze", 0.8)]
EXPORT_KILLS = 3
EXPORT_LONGEST_DELAY = 0.6

# Columns that legitimately differ between lake A and lake B: when a row was ingested and by which load
# (B re-loaded days a killed run had already written), and the history of loads and checks, which B has
# more of. Everything else (every value of every row) must be equal.
IGNORED_COLUMNS = {
    "bronze": {"_batch_id", "_ingested_at"},
    "quarantine": {"_batch_id"},
    "gold": {"bronze_ingested_at"},
    "gold/fct_source_loads": {"batch_id", "run_id", "started_at", "finished_at", "rows_new"},
    "gold/fct_quality_results": {"run_label", "run_at"},
    "gold/dim_source_freshness": {"last_loaded_at", "last_ingested_at"},
    "gold/fct_quarantine_reasons": {"batches", "last_batch_id"},
}
# History tables: only the latest load / check of each source is compared (B has more of them).
LATEST_ONLY = {"fct_source_loads": "is_latest_load", "fct_quality_results": "is_latest_run"}


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = tmp_path_factory.mktemp("crash-sources")
    generate(sources, start=FIRST_DAY, end=LAST_DAY, scale=0.01, seed=3, progress=False)
    return sources / "civiclake.yaml"


def _start(config: Path, lake: Path, export_only: bool = False) -> subprocess.Popen[str]:
    arguments = [EXPORT, str(lake)] if export_only else [RUN, str(config), str(lake), str(FIRST_DAY), str(LAST_DAY)]
    return subprocess.Popen(
        [sys.executable, "-c", *arguments],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes dbt's subprocess with it
    )


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _run_and_kill(config: Path, lake: Path, stage: int, delay: float, export_only: bool = False) -> bool:
    """Start a run, wait for the start line of `stage`, SIGKILL the group `delay` seconds later; True when
    the kill found the process still running."""
    process = _start(config, lake, export_only)
    lines = _lines(process)
    seen = []
    while True:
        line = lines.get(timeout=240)
        if line is None:
            pytest.fail(f"the run ended before stage {stage}:\n{''.join(seen[-30:])}")
        seen.append(line)
        if line.startswith(f"[{stage}/") and line.rstrip().endswith("..."):
            break
    time.sleep(delay)
    running = process.poll() is None
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # the whole group ended between poll() and the kill
        running = False
    process.wait(timeout=30)
    return running


def _run_to_the_end(config: Path, lake: Path, export_only: bool = False) -> subprocess.Popen[str]:
    return _start(config, lake, export_only)


def _finish(process: subprocess.Popen[str]) -> None:
    _, errors = process.communicate(timeout=300)
    assert process.returncode == 0, errors[-3000:]


def _visible_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file() and not path.name.startswith("."))


def _check_invariants(lake: Path, when: str) -> None:
    # 1. Every file a reader can find is whole: a Parquet file reads to its last row; hidden files are
    #    temporary ones (named .<name>.<pid>.<hex>.tmp), which no reader's pattern matches.
    for layer in ("bronze", "quarantine", "gold-snapshots"):
        folder = lake / layer
        if not folder.exists():
            continue
        for path in _visible_files(folder):
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue  # inside a hidden, unfinished snapshot folder
            assert path.suffix == ".parquet", f"{when}: unexpected file {path}"
            table = pq.read_table(path)
            assert table.num_rows == pq.ParquetFile(path).metadata.num_rows, f"{when}: {path}"
        for path in folder.rglob(".*"):
            inside_temporary = any(part.endswith(".tmp") for part in path.relative_to(folder).parts[:-1])
            assert path.name.endswith(".tmp") or inside_temporary, f"{when}: hidden file, not a temporary one: {path}"
    # 2. gold is absent (no export finished yet) or a link to a complete snapshot.
    gold = lake / "gold"
    if gold.exists() or gold.is_symlink():
        assert gold.is_symlink(), f"{when}: gold is not a snapshot link"
        names = {path.stem for path in gold.glob("*.parquet")}
        assert {"dim_commune", "kpi_adoption", "fct_requests", "fct_source_loads"} <= names, f"{when}: {names}"
    # 3. No partition holds fewer rows than the audit says the latest load of its source loaded.
    for entity_dir in sorted((lake / "audit" / "loads").glob("*")) if (lake / "audit" / "loads").exists() else []:
        documents = [json.loads(path.read_text(encoding="utf-8")) for path in entity_dir.glob("*.json")]
        latest = max(documents, key=lambda document: document["finished_at"])
        files = sorted((lake / "bronze" / entity_dir.name).rglob("*.parquet"))
        rows = pl.concat([pl.read_parquet(path) for path in files]) if files else pl.DataFrame()
        for source in latest["sources"]:
            if source["skipped_reason"]:
                continue
            in_bronze = rows.filter(pl.col("_source") == source["source_label"]).height if files else 0
            assert in_bronze >= source["rows_loaded"], f"{when}: {entity_dir.name}/{source['source']}"


def _table(path: Path, layer: str, name: str) -> pl.DataFrame:
    frame = pl.read_parquet(path)
    if layer == "gold" and name in LATEST_ONLY:
        frame = frame.filter(pl.col(LATEST_ONLY[name]))
    ignored = IGNORED_COLUMNS.get(layer, set()) | IGNORED_COLUMNS.get(f"{layer}/{name}", set())
    frame = frame.drop([column for column in frame.columns if column in ignored])
    return frame.sort(frame.columns, nulls_last=True)


def _contents(lake: Path) -> dict[str, pl.DataFrame]:
    contents = {}
    for layer, folder in (("bronze", lake / "bronze"), ("quarantine", lake / "quarantine"), ("gold", lake / "gold")):
        for path in folder.rglob("*.parquet") if folder.exists() else []:
            if path.name.startswith("."):
                continue
            contents[f"{layer}/{path.relative_to(folder).as_posix()}"] = _table(path, layer, path.stem)
    return contents


def _check_accounts_agree(lake: Path) -> None:
    """Every row in bronze was counted new exactly once, by a load that committed its audit record."""
    committed: dict[tuple[str, str], int] = {}
    load_ids: set[str] = set()
    for path in (lake / "audit" / "loads").glob("*/*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        load_ids.add(document["batch_id"])
        for source in document["sources"]:
            key = (document["entity"], source["source_label"])
            committed[key] = committed.get(key, 0) + source["rows_new"]
    for entity_dir in (lake / "bronze").glob("*"):
        files = sorted(entity_dir.glob("commune=*/date=*/*.parquet"))
        if not files:
            continue
        rows = pl.concat([pl.read_parquet(path) for path in files])
        for (label,), group in rows.group_by(["_source"]):
            assert committed.get((entity_dir.name, label)) == group.height, (entity_dir.name, label)
        loads = set(rows["_batch_id"].str.split("/").list.first().to_list())
        assert loads <= load_ids, f"{entity_dir.name}: rows of loads without an audit record: {loads - load_ids}"
    assert not list((lake / "audit" / "pending").glob("*/*.json")), "pending loads left after a complete run"


def _assert_same_lake(lake_a: Path, lake_b: Path, layers: tuple[str, ...]) -> None:
    expected = {name: frame for name, frame in _contents(lake_a).items() if name.startswith(layers)}
    actual = {name: frame for name, frame in _contents(lake_b).items() if name.startswith(layers)}
    assert sorted(actual) == sorted(expected)
    for name, frame in expected.items():
        assert actual[name].columns == frame.columns, name
        assert actual[name].equals(frame), name


def test_kills_at_random_moments_leave_a_readable_lake_and_a_rerun_completes_it(
    config_file: Path, tmp_path: Path
) -> None:
    lake_a, lake_b = tmp_path / "lake-a", tmp_path / "lake-b"
    reference = _run_to_the_end(config_file, lake_a)
    rng = random.Random(SEED)
    try:
        for stage, name, longest in RUN_KILLS:
            delay = rng.uniform(0.0, longest)
            _run_and_kill(config_file, lake_b, stage, delay)
            _check_invariants(lake_b, f"after a kill {delay:.2f} s into {name}")
    finally:
        _finish(reference)
    _finish(_run_to_the_end(config_file, lake_b))

    _check_invariants(lake_b, "after the re-run")
    _check_accounts_agree(lake_a)
    _check_accounts_agree(lake_b)
    names = set(_contents(lake_a))
    assert any(name.startswith("bronze/request/commune=") for name in names)
    assert any(name.startswith("gold/kpi_") for name in names)
    _assert_same_lake(lake_a, lake_b, ("bronze/", "quarantine/", "gold/"))

    published = os.readlink(lake_b / "gold")
    for _ in range(EXPORT_KILLS):
        delay = rng.uniform(0.0, EXPORT_LONGEST_DELAY)
        _run_and_kill(config_file, lake_b, 4, delay, export_only=True)
        _check_invariants(lake_b, f"after a kill {delay:.2f} s into the gold export")
    _finish(_run_to_the_end(config_file, lake_b, export_only=True))
    assert os.readlink(lake_b / "gold") != published  # a new snapshot was published...
    _assert_same_lake(lake_a, lake_b, ("gold/",))  # ...with the same figures
    # Unfinished snapshot folders of the killed exports are gone; published ones are kept for readers.
    assert not list((lake_b / "gold-snapshots").glob(".*"))
