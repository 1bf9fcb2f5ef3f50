"""The benchmark: what civiclake costs as its work grows, side by side with the floor, in one run.

A size is communes x months x scale of the demo generator. `run_benchmark(BenchOptions(...))`:
1. generates the demo sources (one more day than the size when the incremental case is measured);
2. copies the raw files to Parquet with DuckDB and no logic (the floor, pipelines/bench/floor.py);
3. runs every stage alone, in a fresh process (its peak memory is its own): the reference tables, each
   bronze asset, the dbt models and tests, the gold export, the open-data release;
4. times the dashboard's queries on the gold tables and the process-mining figures against pm4py
   (pipelines/bench/dashboard_queries.py, pipelines/bench/process_mining.py);
5. times one new day on top of the lake against a full rebuild of the same lake from nothing;
6. runs the stages again on one year of history, to compare their peak memory with the full history;
and returns everything as one JSON-ready dict (pipelines/bench/report.py prints and writes it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines.bench.stages import RESULT_PREFIX
from pipelines.config import load_config
from pipelines.demo.profiles import get_profile

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Bronze assets in the order the pipeline runs them; the catalogue (service) is not partitioned by day.
BRONZE_ENTITIES = ("service", "request", "case_event", "appointment", "call", "portal_login")
UNPARTITIONED = {"service"}

# The goals of issue 7, checked on every run (docs/benchmarks.md).
GOAL_BRONZE_VS_FLOOR = 2.0  # bronze may take at most twice the floor's time (half its speed)
GOAL_INCREMENTAL_SHARE = 0.1  # one new day: under a tenth of the full rebuild
GOAL_DASHBOARD_P95_MS = 200.0
GOAL_PROCESS_MINING_SPEEDUP = 10.0
# Peak memory "does not grow with the history": at most this much more at N years than at one year.
GOAL_MEMORY_GROWTH = 1.25


class BenchError(RuntimeError):
    """A stage of the benchmark failed; the message names it and carries its output."""


@dataclass
class BenchOptions:
    communes: list[str] = field(default_factory=lambda: ["brussels"])
    months: int = 12
    scale: float = 1.0
    start: date = date(2022, 1, 1)
    seed: int = 42
    work_dir: Path | None = None  # default: bench-output/work-<label>
    incremental: bool = True
    memory_history: bool = True  # the 1-year comparison (only when the size is longer than a year)
    dashboard: bool = True
    process_mining: bool = True
    repeats: int = 20
    keep_work: bool = False
    # Fork each stage from one warm process (the imports paid once) instead of starting Python anew.
    warm_start: bool = True

    @property
    def end(self) -> date:
        """The last day of the size: `months` calendar months from `start`."""
        year, month = divmod(self.start.month - 1 + self.months, 12)
        return date(self.start.year + year, month + 1, self.start.day) - timedelta(days=1)

    @property
    def label(self) -> str:
        period = f"{self.months // 12}y" if self.months % 12 == 0 else f"{self.months}m"
        communes = self.communes[0] if len(self.communes) == 1 else f"{len(self.communes)}communes"
        return f"{communes}-{period}-x{self.scale:g}"

    @property
    def city_years(self) -> float:
        """The size in City-of-Brussels years (1 = a year of Brussels at scale 1)."""
        volume = sum(get_profile(commune).volume_factor for commune in self.communes)
        return volume * self.scale * ((self.end - self.start).days + 1) / 365.25


class StageServer:
    """A warm process (`python -m pipelines.bench.stages --serve`) that forks one child per stage."""

    def __init__(self) -> None:
        self._errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.bench.stages", "--serve"],
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
        )
        self._read_until(lambda line: line.strip() == "READY", "the stage server")

    def _read_until(self, wanted: Callable[[str], bool], label: str) -> str:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if wanted(line):
                return line
        self._errors.seek(0)
        tail = "\n".join(self._errors.read().strip().splitlines()[-40:])
        raise BenchError(f"{label}: the stage server stopped (exit {self._process.wait()}):\n{tail}")

    def run(self, spec: dict[str, Any], label: str) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(spec) + "\n")
        self._process.stdin.flush()
        line = self._read_until(lambda line: line.startswith(RESULT_PREFIX), f"stage {label!r}")
        result = json.loads(line[len(RESULT_PREFIX) :])
        if "error" in result:
            raise BenchError(f"stage {label!r} failed:\n{result['error']}")
        return result

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()
        self._errors.close()


_server: StageServer | None = None  # set by run_benchmark for the length of a run


def run_stage(spec: dict[str, Any], label: str) -> dict[str, Any]:
    """Run one stage in a process of its own; return its JSON result (rows, seconds, peak_mb...)."""
    started = time.perf_counter()
    if _server is not None:
        result = _server.run(spec, label)
    else:
        process = subprocess.run(
            [sys.executable, "-m", "pipelines.bench.stages", json.dumps(spec)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        lines = [line for line in process.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
        if process.returncode != 0 or not lines:
            tail = "\n".join((process.stdout + process.stderr).strip().splitlines()[-40:])
            raise BenchError(f"stage {label!r} failed (exit {process.returncode}):\n{tail}")
        result = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result["wall_seconds"] = time.perf_counter() - started  # with the fork (or start) and the imports
    return result


def _row(stage: str, rows: int, result: dict[str, Any], **extra: Any) -> dict[str, Any]:
    seconds = result["seconds"]
    return {
        "stage": stage,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds > 0 else None,
        "peak_mb": result["peak_mb"],
        "baseline_mb": result.get("baseline_mb"),
        **extra,
    }


def _pipeline_stages(
    config: Path, lake: Path, first_day: date, last_day: date, release: Path, echo: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Every stage of the pipeline alone, in lineage order, into `lake`; one row per stage."""
    window = {"config": str(config), "lake": str(lake), "first_day": str(first_day), "last_day": str(last_day)}
    rows: list[dict[str, Any]] = []

    def record(row: dict[str, Any]) -> None:
        rows.append(row)
        echo(f"  {row['stage']}: {row['rows']:,} rows in {row['seconds']:.1f} s, peak {row['peak_mb']:,.0f} MB")

    result = run_stage({"kind": "materialize", "target": "reference", **window}, "reference tables")
    record(_row("reference tables", 0, result))
    bronze_rows = 0
    for entity in BRONZE_ENTITIES:
        spec = {"kind": "materialize", "target": f"bronze:{entity}", "partitioned": entity not in UNPARTITIONED}
        result = run_stage({**spec, **window}, f"bronze {entity}")
        counts = result["metadata"].get(f"bronze/{entity}", {})
        accounts = {
            name: int(counts.get(name, 0))
            for name in ("rows_read", "rows_loaded", "rows_quarantined", "rows_outside_window", "rows_deleted")
        }
        bronze_rows += accounts["rows_loaded"]
        record(_row(f"bronze {entity}", accounts["rows_read"], result, entity=entity, **accounts))
    # dbt and the gold export: their rows are the rows they read (bronze) and write (gold).
    result = run_stage({"kind": "materialize", "target": "dbt", **window}, "dbt")
    record(_row("dbt models and tests", bronze_rows, result))
    result = run_stage({"kind": "materialize", "target": "gold", **window}, "gold export")
    marts = result["metadata"].get("gold_marts", {}).get("marts", {})
    record(_row("gold export", sum(int(value) for value in marts.values()), result, tables=len(marts)))
    result = run_stage({"kind": "opendata", **window, "out": str(release)}, "open-data export")
    record(_row("open-data export", result["rows"], result, data_sets=len(result["per_set"])))
    return rows


def _floor(config_path: Path, out: Path, echo: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    from pipelines.bench.floor import floor_inputs

    floors: dict[str, dict[str, Any]] = {}
    for entity, inputs in floor_inputs(load_config(config_path)).items():
        result = run_stage({"kind": "floor", "inputs": inputs, "out": str(out / entity)}, f"floor {entity}")
        floors[entity] = {
            "rows": result["rows"],
            "seconds": round(result["seconds"], 3),
            "rows_per_second": round(result["rows"] / result["seconds"]) if result["seconds"] > 0 else None,
            "peak_mb": result["peak_mb"],
            "files": result["per_file"],
        }
        echo(f"  floor {entity}: {result['rows']:,} rows in {result['seconds']:.2f} s")
    return floors


def _generate(options: BenchOptions, out: Path, first: date, last: date) -> dict[str, Any]:
    spec = {
        "kind": "generate",
        "out": str(out),
        "start": str(first),
        "end": str(last),
        "communes": options.communes,
        "scale": options.scale,
        "seed": options.seed,
    }
    return run_stage(spec, "generate")


def run_benchmark(
    options: BenchOptions,
    echo: Callable[[str], None] = print,
    checkpoint: Callable[[dict[str, Any]], None] = lambda report: None,
) -> dict[str, Any]:
    """Run the whole benchmark at one size; return the report as a JSON-ready dict.

    `checkpoint` receives the report as it grows, after each part: a long run that is stopped still
    leaves the figures of the parts it finished."""
    global _server
    _server = StageServer() if options.warm_start else None
    try:
        return _run(options, echo, checkpoint)
    finally:
        if _server is not None:
            _server.close()
        _server = None


def _run(
    options: BenchOptions, echo: Callable[[str], None], checkpoint: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    for commune in options.communes:
        get_profile(commune)  # an unknown commune fails here, with the known ones
    work = options.work_dir or PROJECT_ROOT / "bench-output" / f"work-{options.label}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    first, last = options.start, options.end
    new_day = last + timedelta(days=1)
    sources, lake = work / "sources", work / "lake"
    report: dict[str, Any] = {
        "size": {
            "label": options.label,
            "communes": options.communes,
            "months": options.months,
            "scale": options.scale,
            "first_day": str(first),
            "last_day": str(last),
            "city_years": round(options.city_years, 3),
            "seed": options.seed,
        },
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    echo(f"civiclake bench {options.label} ({report['size']['city_years']:.2f} city-years) in {work}")

    # The sources hold one day more than the size when the incremental case needs a new day.
    echo("generate ...")
    generated = _generate(options, sources, first, new_day if options.incremental else last)
    stages = [_row("generate", generated["rows"], generated, per_source=generated["per_source"])]
    echo(f"  generate: {generated['rows']:,} rows in {generated['seconds']:.1f} s")
    config_path = sources / "civiclake.yaml"

    echo("floor: DuckDB, raw files to Parquet ...")
    floors = _floor(config_path, work / "floor", echo)
    report["floor"] = floors

    echo(f"pipeline, stage by stage, {first} to {last} ...")
    stages += _pipeline_stages(config_path, lake, first, last, work / "release", echo)
    report["stages"] = stages
    report["bronze_vs_floor"] = _bronze_vs_floor(stages, floors)
    checkpoint(report)

    if options.dashboard:
        report["dashboard"] = _optional("dashboard queries", echo, lambda: _dashboard(lake / "gold", options.repeats))
    if options.process_mining:
        report["process_mining"] = _optional("process mining", echo, lambda: _process_mining(3))
    checkpoint(report)

    if options.incremental:
        report["incremental"] = _incremental(config_path, lake, work / "rebuild", first, new_day, echo)
        checkpoint(report)
    if options.memory_history and options.months > 12:
        report["memory_history"] = _memory_history(options, work / "one-year", stages, echo)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["goals"] = evaluate_goals(report)
    if not options.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _bronze_vs_floor(stages: list[dict[str, Any]], floors: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per entity: the bronze asset's time over the floor's, on the same files in the same run."""
    ratios = []
    for row in stages:
        entity = row.get("entity")
        if entity is None or entity not in floors or not floors[entity]["seconds"]:
            continue
        ratios.append(
            {
                "entity": entity,
                "bronze_seconds": row["seconds"],
                "floor_seconds": floors[entity]["seconds"],
                "ratio": round(row["seconds"] / floors[entity]["seconds"], 2),
            }
        )
    return ratios


def _optional(name: str, echo: Callable[[str], None], measure: Callable[[], Any]) -> Any:
    """A part written in its own module: missing, it is reported as such instead of failing the run."""
    echo(f"{name} ...")
    try:
        return measure()
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("pipelines.bench"):
            raise
        echo(f"  {name}: not measured ({error.name} is missing)")
        return {"missing": f"{error.name} is not available"}


def _dashboard(gold: Path, repeats: int) -> list[dict[str, Any]]:
    from pipelines.bench.dashboard_queries import bench_dashboard_queries

    return bench_dashboard_queries(gold, repeats=repeats)


def _process_mining(repeats: int) -> dict[str, Any]:
    from pipelines.bench.process_mining import bench_process_mining

    return bench_process_mining(repeats=repeats)


def _incremental(
    config: Path, lake: Path, rebuild: Path, first: date, new_day: date, echo: Callable[[str], None]
) -> dict[str, Any]:
    """One new day on top of the lake, against a full rebuild of the same lake (same days) from nothing."""
    echo(f"incremental: the new day {new_day} on top of the lake ...")
    spec = {"kind": "pipeline", "config": str(config), "first_day": str(new_day), "last_day": str(new_day)}
    one_day = run_stage({**spec, "lake": str(lake)}, "incremental day")
    echo(f"  one new day: {one_day['seconds']:.1f} s, peak {one_day['peak_mb']:,.0f} MB")
    echo(f"incremental: full rebuild, {first} to {new_day}, from nothing ...")
    full = run_stage({**spec, "lake": str(rebuild), "first_day": str(first)}, "full rebuild")
    echo(f"  full rebuild: {full['seconds']:.1f} s, peak {full['peak_mb']:,.0f} MB")
    shutil.rmtree(rebuild, ignore_errors=True)
    return {
        "new_day": str(new_day),
        "one_day_seconds": round(one_day["seconds"], 3),
        "one_day_by_stage": one_day["seconds_by_stage"],
        "one_day_peak_mb": one_day["peak_mb"],
        "full_seconds": round(full["seconds"], 3),
        "full_by_stage": full["seconds_by_stage"],
        "full_peak_mb": full["peak_mb"],
        "ratio": round(one_day["seconds"] / full["seconds"], 3),
    }


def _memory_history(
    options: BenchOptions, work: Path, stages: list[dict[str, Any]], echo: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Peak memory of each stage on one year of history against the full history, same communes and scale."""
    last = BenchOptions(start=options.start, months=12).end
    echo(f"memory against history: the same stages on one year ({options.start} to {last}) ...")
    generated = _generate(options, work / "sources", options.start, last)
    short = [_row("generate", generated["rows"], generated)]
    short += _pipeline_stages(
        work / "sources" / "civiclake.yaml", work / "lake", options.start, last, work / "release", echo
    )
    by_stage = {row["stage"]: row for row in short}
    comparison = []
    for row in stages:
        one_year = by_stage.get(row["stage"])
        if one_year is None:
            continue
        comparison.append(
            {
                "stage": row["stage"],
                "peak_mb_one_year": one_year["peak_mb"],
                "peak_mb_full": row["peak_mb"],
                "growth": round(row["peak_mb"] / one_year["peak_mb"], 2) if one_year["peak_mb"] else None,
            }
        )
    shutil.rmtree(work, ignore_errors=True)
    return comparison


def machine() -> dict[str, Any]:
    """Where the run happened: CPU, cores, memory, OS, Python, the key libraries, the commit."""
    import os
    import platform
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    libraries = {}
    for name in ("duckdb", "polars", "pyarrow", "dagster", "dbt-core", "dbt-duckdb", "pm4py"):
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = None
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": libraries,
        "commit": (commit + (" (with uncommitted changes)" if dirty else "")) or None,
        "date": datetime.now(UTC).date().isoformat(),
    }


def evaluate_goals(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of issue 7 with the measured figure, whether it is met, and by how much it is missed."""
    goals: list[dict[str, Any]] = []

    def add(goal: str, target: str, measured: str, met: bool | None, miss: str | None = None) -> None:
        goals.append({"goal": goal, "target": target, "measured": measured, "met": met, "missed_by": miss})

    ratios = report.get("bronze_vs_floor") or []
    if ratios:
        worst = max(ratios, key=lambda item: item["ratio"])
        total_bronze = sum(item["bronze_seconds"] for item in ratios)
        total_floor = sum(item["floor_seconds"] for item in ratios)
        add(
            "bronze load at least half the speed of the DuckDB floor",
            f"bronze time <= {GOAL_BRONZE_VS_FLOOR:g} x floor time, for every entity",
            f"all entities {total_bronze / total_floor:.1f} x; worst {worst['entity']} {worst['ratio']:.1f} x",
            worst["ratio"] <= GOAL_BRONZE_VS_FLOOR,
            None
            if worst["ratio"] <= GOAL_BRONZE_VS_FLOOR
            else f"{worst['ratio'] / GOAL_BRONZE_VS_FLOOR:.1f} x too slow ({worst['entity']})",
        )
    history = report.get("memory_history")
    if history:
        worst = max((row for row in history if row["growth"] is not None), key=lambda row: row["growth"])
        met = worst["growth"] <= GOAL_MEMORY_GROWTH
        add(
            "peak memory does not grow with the length of the history",
            f"peak at {report['size']['months'] // 12} years <= {GOAL_MEMORY_GROWTH:g} x peak at one year, every stage",
            f"worst {worst['stage']}: {worst['peak_mb_full']:,.0f} MB against {worst['peak_mb_one_year']:,.0f} MB "
            f"({worst['growth']:.2f} x)",
            met,
            None if met else f"{worst['growth'] / GOAL_MEMORY_GROWTH:.1f} x over ({worst['stage']})",
        )
    incremental = report.get("incremental")
    if incremental:
        met = incremental["ratio"] < GOAL_INCREMENTAL_SHARE
        add(
            "one new day in under a tenth of the full rebuild",
            f"new day / rebuild < {GOAL_INCREMENTAL_SHARE:g}",
            f"{incremental['one_day_seconds']:.1f} s / {incremental['full_seconds']:.1f} s "
            f"= {incremental['ratio']:.2f}",
            met,
            None if met else f"{incremental['ratio'] / GOAL_INCREMENTAL_SHARE:.1f} x too slow",
        )
    dashboard = report.get("dashboard")
    if isinstance(dashboard, list) and dashboard:
        worst = max(dashboard, key=lambda row: row["p95_ms"])
        met = worst["p95_ms"] < GOAL_DASHBOARD_P95_MS
        add(
            "every dashboard query under 200 ms at p95",
            f"p95 < {GOAL_DASHBOARD_P95_MS:g} ms (the goal is set at ten city-years)",
            f"slowest {worst['page']} / {worst['query']}: {worst['p95_ms']:.0f} ms",
            met,
            None if met else f"{worst['p95_ms'] - GOAL_DASHBOARD_P95_MS:.0f} ms over",
        )
    mining = report.get("process_mining")
    if isinstance(mining, dict) and "ratio" in mining:
        met = mining["ratio"] >= GOAL_PROCESS_MINING_SPEEDUP and bool(mining["agree"])
        add(
            "process-mining figures at least ten times faster than pm4py, and equal",
            f"pm4py time / civiclake time >= {GOAL_PROCESS_MINING_SPEEDUP:g}, same figures",
            f"{mining['ratio']:.1f} x faster, figures {'agree' if mining['agree'] else 'DIFFER'}",
            met,
            None
            if met
            else (
                "the figures differ"
                if not mining["agree"]
                else f"{GOAL_PROCESS_MINING_SPEEDUP / mining['ratio']:.1f} x short"
            ),
        )
    return goals
