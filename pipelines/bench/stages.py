"""One benchmark stage, run alone in a process of its own so that its peak memory is its own.

`python -m pipelines.bench.stages '<json spec>'` runs the stage the spec names and prints one JSON line
(the last line of stdout) with its rows, seconds and peak memory.

`python -m pipelines.bench.stages --serve` imports Dagster, the dbt project and the connectors once,
then reads one spec per line on stdin and runs each in a child forked from that warm process, replying
one JSON line per spec: each stage still has a process of its own (its peak memory counts the imports,
as a fresh process's would), without paying for the imports again (seconds of CPU per stage). The
server itself only imports: no thread pool (DuckDB, Polars) exists when it forks.

Stdlib only for the measuring: `resource` gives the peak resident set of a process and of the
processes it waited for (dbt runs as a child of Dagster).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH-RESULT "


def peak_memory_mb() -> float:
    """The peak resident set size, in MB, of this process or of any child it has waited for (Linux: KB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def _generate(spec: dict[str, Any]) -> dict[str, Any]:
    from pipelines.demo.generator import generate

    started = time.perf_counter()
    summary = generate(
        Path(spec["out"]),
        start=date.fromisoformat(spec["start"]),
        end=date.fromisoformat(spec["end"]),
        communes=spec["communes"],
        scale=spec["scale"],
        seed=spec["seed"],
        progress=False,
    )
    seconds = time.perf_counter() - started
    # The XES log holds the same events as the CSV one: its rows are not counted twice.
    per_source = {source.source_id: source.rows for source in summary.sources}
    rows = sum(rows for source_id, rows in per_source.items() if not source_id.endswith("-cases-xes"))
    return {"seconds": seconds, "rows": rows, "per_source": per_source}


def _materialize(spec: dict[str, Any]) -> dict[str, Any]:
    """A Dagster run of one selection of assets (as pipelines/runner.py runs them), timed without imports."""
    from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

    from pipelines.definitions import build_definitions
    from pipelines.runner import (
        PARTITION_RANGE_END_TAG,
        PARTITION_RANGE_START_TAG,
        QUIET,
        WINDOW_END_TAG,
        WINDOW_START_TAG,
        PipelineError,
        _failures,
    )

    first_day, last_day = spec["first_day"], spec["last_day"]
    target = spec["target"]
    if target == "reference":
        selection, tags = AssetSelection.groups("reference"), {}
    elif target.startswith("bronze:"):
        selection = AssetSelection.assets(AssetKey(["bronze", target.split(":", 1)[1]]))
        tags = {PARTITION_RANGE_START_TAG: first_day, PARTITION_RANGE_END_TAG: last_day} if spec["partitioned"] else {}
    elif target == "dbt":
        selection = AssetSelection.groups("staging", "intermediate", "marts")
        tags = {WINDOW_START_TAG: first_day, WINDOW_END_TAG: last_day}
    elif target == "gold":
        selection, tags = AssetSelection.groups("gold"), {}
    else:
        raise ValueError(f"unknown target {target!r}")
    definitions = build_definitions(Path(spec["config"]).resolve(), Path(spec["lake"]).resolve())
    baseline = peak_memory_mb()
    captured = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(captured):
        result = materialize(
            list(definitions.assets or []),
            selection=selection,
            resources=definitions.resources or {},
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
            run_config=QUIET,
            tags=tags,
        )
    seconds = time.perf_counter() - started
    if not result.success:
        tail = "\n".join(captured.getvalue().strip().splitlines()[-30:])
        raise PipelineError(f"{target} failed:\n{_failures(result)}\n{tail}")
    metadata: dict[str, Any] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        name = materialization.asset_key.to_user_string()
        # A window of days gives one materialisation per day, each with the totals of the run: keep one.
        metadata.setdefault(name, {key: value.value for key, value in materialization.metadata.items()})
    return {"seconds": seconds, "baseline_mb": baseline, "metadata": _plain(metadata)}


def _plain(value: Any) -> Any:
    """Metadata values as JSON (numbers, text, lists and dicts), anything else as text."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _opendata(spec: dict[str, Any]) -> dict[str, Any]:
    from pipelines.config import load_config
    from pipelines.opendata.release import build_release

    config = load_config(Path(spec["config"]))
    baseline = peak_memory_mb()
    started = time.perf_counter()
    release = build_release(Path(spec["lake"]), config=config, out=Path(spec["out"]))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "baseline_mb": baseline, "rows": sum(release.rows.values()), "per_set": release.rows}


def _floor(spec: dict[str, Any]) -> dict[str, Any]:
    from pipelines.bench.floor import copy_to_parquet

    baseline = peak_memory_mb()
    started = time.perf_counter()
    per_file = copy_to_parquet(spec["inputs"], Path(spec["out"]))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "baseline_mb": baseline, "rows": sum(per_file.values()), "per_file": per_file}


def _pipeline(spec: dict[str, Any]) -> dict[str, Any]:
    from pipelines.runner import run_pipeline

    started = time.perf_counter()
    summary = run_pipeline(
        Path(spec["config"]),
        Path(spec["lake"]),
        echo=lambda line: None,
        first_day=date.fromisoformat(spec["first_day"]),
        last_day=date.fromisoformat(spec["last_day"]),
    )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "seconds_by_stage": summary.seconds_by_stage, "bronze": summary.bronze_counts}


KINDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "generate": _generate,
    "materialize": _materialize,
    "opendata": _opendata,
    "floor": _floor,
    "pipeline": _pipeline,
}


def run_spec(spec: dict[str, Any]) -> dict[str, Any]:
    outcome = KINDS[spec["kind"]](spec)
    outcome["peak_mb"] = peak_memory_mb()
    return outcome


def _preload() -> None:
    """What the stages import, imported once in the server (importing starts no thread pool)."""
    import dagster  # noqa: F401

    import pipelines.bench.floor  # noqa: F401
    import pipelines.definitions  # noqa: F401
    import pipelines.demo.generator  # noqa: F401
    import pipelines.opendata.release  # noqa: F401
    import pipelines.runner  # noqa: F401


def _run_forked(spec: dict[str, Any], log_path: str) -> dict[str, Any]:
    """Run one spec in a forked child; its output goes to log_path, its result comes back through a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, write the result, exit without running the server's cleanup
        os.close(read_end)
        status = 1
        try:
            log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), line_buffering=True)
            sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), line_buffering=True)
            outcome = json.dumps(run_spec(spec)).encode()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(outcome)
            status = 0
        except BaseException:  # noqa: BLE001 (every failure is reported through the log, then the status)
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status, _ = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not payload:
        text = Path(log_path).read_text(encoding="utf-8", errors="replace") if Path(log_path).exists() else ""
        return {"error": "\n".join(text.strip().splitlines()[-40:]) or f"exit status {status}"}
    return json.loads(payload)


def serve() -> int:
    _preload()
    print("READY", flush=True)
    for number, line in enumerate(sys.stdin):
        if not line.strip():
            continue
        spec = json.loads(line)
        log_path = spec.get("log") or f"/tmp/civiclake-bench-stage-{os.getpid()}-{number}.log"
        outcome = _run_forked(spec, log_path)
        if not spec.get("log"):
            Path(log_path).unlink(missing_ok=True)
        print(RESULT_PREFIX + json.dumps(outcome), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--serve":
        return serve()
    print(RESULT_PREFIX + json.dumps(run_spec(json.loads(argv[0]))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
