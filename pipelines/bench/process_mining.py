"""civiclake's process-mining models against pm4py computing the same figures on the same event log.

The figures: case durations (last event - first event: count, median, mean, p90 with the inclusive
method), directly-follows pairs (count and total wait of each pair) and variants (the sequence of
activities of each case: how many, and the cases of each).

How each side is timed (both start from the log already loaded, neither counts parsing the file):
- civiclake: the SQL of its dbt models, as dbt compiled it, run by DuckDB in a fresh in-memory database,
  each model materialised as dbt materialises it (a table, or a view for the marts that only project
  an intermediate table; the figure queries then read through the view): int_case_events__ordered,
  __activity_instances, __cases, __transitions, the marts fct_case_events, fct_cases,
  fct_case_transitions and kpi_process_variants (and the request models int_case_events__cases joins),
  then the queries that read the figures off fct_cases and fct_case_transitions. The main figure starts
  from the staging tables (stg_bronze__*: the log typed, deduplicated, with local times), as pm4py
  starts from its formatted frame; the `from_bronze` figures count the staging models too, reading the
  log's bronze Parquet files (one per local day). dbt's own start-up (parsing the project, one
  connection per model) is not counted; dbt's end-to-end time for `dbt run` of the same models on the
  same lake is measured once and reported beside it.
- pm4py: get_all_case_durations, discover_dfg, discover_performance_dfg and get_variants on a pandas
  DataFrame already formatted by pm4py.format_dataframe (the formatting is not counted), then numpy
  for median, mean and p90.

Both sides read exactly the same events: the pm4py frame is made from the bronze files civiclake reads.
Only completion events are used (`lifecycle` complete, or a log without lifecycle): pm4py's DFG counts
each event as an occurrence, while civiclake pairs a start with its completion into one activity
instance; on completions only the two definitions are the same (the wait between two events, the
case's sequence of events), so the figures can be compared one for one. Ties in time within a case
are ordered by activity name on the pm4py side, the models' rule when no closing activity is set.

pm4py (AGPL) is a development dependency: this module imports it only when it runs.

    uv run python -m pipelines.bench.process_mining [LOG | -] [REPEATS]
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq

from pipelines.dbt_cli import run_dbt

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REALDATA = PROJECT_ROOT.parent / "shared" / "realdata"
# The largest real event log kept beside the project (8,577 events, 1,434 cases).
DEFAULT_LOG = REALDATA / "receipt_coselog_wabo.csv"
COMMUNE = "brussels"
DAY = 86400.0
# The models whose SQL is timed, with everything they select from (dbt's `+model` selection).
MODELS = ("fct_case_events", "fct_cases", "fct_case_transitions", "kpi_process_variants")
# Tolerances of the comparison: durations and waits are sums of differences of timestamps that both
# sides hold to the microsecond; pm4py computes in float seconds, DuckDB in exact intervals.
SECONDS_TOLERANCE = 1e-3  # per case duration, and per transition for a pair's total wait
RELATIVE_TOLERANCE = 1e-9  # median, mean, p90 of the durations
TOP = 5

_CONFIG = {
    "version": 1,
    "mode": "demo",
    "history": {"start": "2000-01-01"},
    "communes": [
        {
            "id": COMMUNE,
            "name": {"fr": "Ville de Bruxelles", "nl": "Stad Brussel", "en": "City of Brussels"},
            "timezone": "Europe/Brussels",
            "office_hours": {day: ["08:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"country": "BE"},
        }
    ],
    "sources": [
        {
            "id": "bench-log",
            "commune": COMMUNE,
            "entity": "case_event",
            "kind": "event_log",
            "format": "csv",
            "location": "log.csv",
        }
    ],
}


# --- the lake ---------------------------------------------------------------------------------------


def _process_code(path: Path) -> str:
    """A constant process code for a log without a process column: the file's stem, upper case."""
    stem = path.name.split(".")[0]
    return "".join(ch if ch.isalnum() else "-" for ch in stem.upper())[:64] or "LOG"


def build_bronze(log: Path, root: Path) -> tuple[Path, int]:
    """Read `log` with the project's event-log connector and write its completion events to the bronze
    lake `root` beside the reference tables of a one-commune configuration; (lake root, events dropped
    because they are not completions)."""
    from connectors.event_log import read_event_log
    from connectors.pseudonymise import Pseudonymiser
    from pipelines.bronze_write import write_bronze
    from pipelines.config import CivicConfig
    from pipelines.lake import Lake
    from pipelines.reference import REFERENCE_TABLES

    lake = Lake(root)
    config = CivicConfig.model_validate(_CONFIG)
    for name, build_table in REFERENCE_TABLES.items():
        path = lake.reference_table(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(build_table(config), path)
    pseudonymiser = Pseudonymiser(b"bench-key-0123456789abcdef")
    now = datetime.now(UTC)
    result = read_event_log(log, COMMUNE, "bench-log", pseudonymiser, None, now=now)
    if result.rows.height and result.rows["process_code"].null_count() == result.rows.height:
        # a log without a process column (the pm4py exports): one process named after the file
        result = read_event_log(log, COMMUNE, "bench-log", pseudonymiser, {"process_code": _process_code(log)}, now=now)
    if result.rejected.height:
        raise ValueError(f"{log}: the connector rejected {result.rejected.height} events")
    rows = result.rows
    completions = rows.filter(pl.col("lifecycle").is_null() | (pl.col("lifecycle") == "complete"))
    write_bronze(lake, "case_event", completions, {COMMUNE: "Europe/Brussels"}, f"event_log:{log.name}", "bench")
    return root, rows.height - completions.height


def bronze_events(lake_root: Path) -> pd.DataFrame:
    """The case events of the bronze lake as pm4py reads them (format_dataframe), ties in time ordered
    by activity name."""
    import pm4py

    files = sorted((lake_root / "bronze" / "case_event").rglob("*.parquet"))
    frame = pl.concat([pl.read_parquet(f, hive_partitioning=False) for f in files], how="diagonal_relaxed")
    events = frame.select(
        pl.col("case_id").alias("case:concept:name"),
        pl.col("activity").alias("concept:name"),
        pl.col("event_at").alias("time:timestamp"),
    ).to_pandas()
    events = events.sort_values(["case:concept:name", "time:timestamp", "concept:name"], kind="stable")
    return pm4py.format_dataframe(events.reset_index(drop=True))


# --- civiclake: the models' SQL ---------------------------------------------------------------------


def run_dbt_models(lake_root: Path, work: Path) -> float:
    """`dbt run` of MODELS and everything upstream, in a fresh DuckDB file; its wall-clock seconds."""
    began = time.perf_counter()
    done = run_dbt(["run", "--select", *(f"+{model}" for model in MODELS)], lake_root, work, timeout=3600)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"dbt run failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}")
    return seconds


def compiled_models(work: Path) -> list[tuple[str, str, str]]:
    """(relation, compiled SQL, `table` or `view`) of each model dbt ran, dependencies first (from its
    manifest); incremental models are tables."""
    manifest = json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))
    ran = {result["unique_id"] for result in results["results"] if result["status"] == "success"}
    nodes = manifest["nodes"]
    ordered: list[str] = []

    def visit(unique_id: str) -> None:
        if unique_id in ordered or unique_id not in ran:
            return
        for parent in nodes[unique_id]["depends_on"]["nodes"]:
            visit(parent)
        ordered.append(unique_id)

    for unique_id in sorted(ran):
        visit(unique_id)
    models = []
    for unique_id in ordered:
        node = nodes[unique_id]
        sql = node.get("compiled_code")
        if not sql:
            raise RuntimeError(f"{unique_id}: dbt's manifest has no compiled SQL")
        kind = "view" if node["config"].get("materialized") == "view" else "table"
        models.append((node["relation_name"], sql, kind))
    return models


_SQL_DURATIONS = """
    select count(*), median(case_duration_days), avg(case_duration_days),
        quantile_cont(case_duration_days, 0.9), list(case_duration_seconds order by case_duration_seconds)
    from civiclake.main.fct_cases
"""
_SQL_PAIRS = """
    select from_activity, to_activity, count(*), sum(wait_seconds)
    from civiclake.main.fct_case_transitions group by 1, 2
"""
_SQL_VARIANTS = "select variant, count(*) from civiclake.main.fct_cases group by 1"


def is_staging(relation: str) -> bool:
    """A staging model (stg_bronze__*): the log's bronze rows typed, deduplicated and given local times."""
    return relation.split(".")[-1].strip('"').startswith("stg_")


def civiclake_figures(
    models: list[tuple[str, str, str]],
) -> tuple[dict[str, tuple[float, float]], dict[str, Any]]:
    """Run the models' SQL in a fresh in-memory database, one table (or view) per model as dbt's
    materialisation makes it, staging first; then read the figures off the marts.

    Returns ({"staging": (wall, cpu), "models": (wall, cpu)}, figures): the staging models' time, and the
    time of the other models and the figure queries.
    """
    with duckdb.connect(":memory:") as con:
        con.execute("attach ':memory:' as civiclake")
        con.execute("use civiclake")
        con.execute("set TimeZone = 'UTC'")  # the profile's setting (dbt/profiles.yml)

        def staging() -> None:
            for relation, sql, kind in models:
                if is_staging(relation):  # staging reads bronze only: it may run first
                    con.execute(f"create {kind} {relation} as (\n{sql}\n)")

        def the_rest() -> dict[str, Any]:
            for relation, sql, kind in models:
                if not is_staging(relation):
                    con.execute(f"create {kind} {relation} as (\n{sql}\n)")
            cases, median, mean, p90, durations = con.execute(_SQL_DURATIONS).fetchall()[0]
            pairs = {(a, b): (int(n), float(total)) for a, b, n, total in con.execute(_SQL_PAIRS).fetchall()}
            variants = {variant: int(n) for variant, n in con.execute(_SQL_VARIANTS).fetchall()}
            return {
                "cases": int(cases),
                "median_days": median,
                "mean_days": mean,
                "p90_days": p90,
                "durations": list(durations or []),
                "pairs": pairs,
                "variants": variants,
            }

        staging_wall, staging_cpu, _ = _timed(staging)
        models_wall, models_cpu, figures = _timed(the_rest)
    return {"staging": (staging_wall, staging_cpu), "models": (models_wall, models_cpu)}, figures


# --- pm4py --------------------------------------------------------------------------------------------


def pm4py_figures(events: pd.DataFrame) -> dict[str, Any]:
    """The same figures by pm4py's functions, on a log already formatted by pm4py."""
    import pm4py

    durations = np.array(sorted(pm4py.get_all_case_durations(events)), dtype=float)
    frequency, _, _ = pm4py.discover_dfg(events)
    performance, _, _ = pm4py.discover_performance_dfg(events, perf_aggregation_key="all")
    variants = pm4py.get_variants(events)
    days = durations / DAY
    return {
        "cases": len(durations),
        "median_days": float(np.median(days)) if len(days) else None,
        "mean_days": float(np.mean(days)) if len(days) else None,
        "p90_days": float(np.percentile(days, 90)) if len(days) else None,  # linear: the inclusive method
        "durations": durations.tolist(),
        "pairs": {pair: (int(count), float(performance[pair]["sum"])) for pair, count in frequency.items()},
        "variants": {" -> ".join(variant): int(count) for variant, count in variants.items()},
    }


# --- comparison ---------------------------------------------------------------------------------------


def _close(a: float | None, b: float | None, relative: float = RELATIVE_TOLERANCE, absolute: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=relative, abs_tol=absolute)


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Figure by figure: (every figure agrees, the figures with both values and whether each agrees)."""
    figures: dict[str, Any] = {}

    def record(name: str, mine: Any, other: Any, agrees: bool) -> None:
        figures[name] = {"civiclake": mine, "pm4py": other, "agree": bool(agrees)}

    record("cases", ours["cases"], theirs["cases"], ours["cases"] == theirs["cases"])
    for name in ("median_days", "mean_days", "p90_days"):
        record(f"case_duration_{name}", ours[name], theirs[name], _close(ours[name], theirs[name]))
    same_count = len(ours["durations"]) == len(theirs["durations"])
    worst = max(
        (abs(a - b) for a, b in zip(ours["durations"], theirs["durations"], strict=False)),
        default=0.0,
    )
    record(
        "case_durations_max_difference_seconds",
        worst if same_count else None,
        SECONDS_TOLERANCE,
        same_count and worst <= SECONDS_TOLERANCE,
    )

    mine, other = ours["pairs"], theirs["pairs"]
    record("directly_follows_pairs", len(mine), len(other), set(mine) == set(other))
    pairs_agree = set(mine) == set(other) and all(
        mine[pair][0] == other[pair][0] and abs(mine[pair][1] - other[pair][1]) <= SECONDS_TOLERANCE * other[pair][0]
        for pair in other
    )
    record(
        "directly_follows_transitions",
        sum(n for n, _ in mine.values()),
        sum(n for n, _ in other.values()),
        sum(n for n, _ in mine.values()) == sum(n for n, _ in other.values()),
    )
    record("directly_follows_counts_and_total_waits_per_pair", "see top_pairs_by_total_wait", None, pairs_agree)
    top_pairs = sorted(other, key=lambda pair: (-other[pair][1], pair))[:TOP]
    figures["top_pairs_by_total_wait"] = [
        {
            "pair": f"{a} -> {b}",
            "civiclake": {"count": mine.get((a, b), (None, None))[0], "total_wait_days": _days(mine.get((a, b)))},
            "pm4py": {"count": other[(a, b)][0], "total_wait_days": _days(other[(a, b)])},
        }
        for a, b in top_pairs
    ]

    mine_v, other_v = ours["variants"], theirs["variants"]
    record("variants", len(mine_v), len(other_v), len(mine_v) == len(other_v))
    record("cases_per_variant", "see top_variants", None, mine_v == other_v)
    top_variants = sorted(other_v, key=lambda v: (-other_v[v], v))[:TOP]
    figures["top_variants"] = [
        {"variant": variant, "civiclake": mine_v.get(variant), "pm4py": other_v[variant]} for variant in top_variants
    ]
    agree = all(value["agree"] for value in figures.values() if isinstance(value, dict) and "agree" in value)
    return agree, figures


def _days(pair: tuple[int, float] | None) -> float | None:
    return None if pair is None else round(pair[1] / DAY, 6)


# --- the benchmark ------------------------------------------------------------------------------------


def _timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall-clock seconds, CPU seconds of the process, all threads, result) of one run."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def bench_process_mining(repeats: int = 3, log: Path | None = None) -> dict[str, Any]:
    """civiclake's models against pm4py on the event log `log` (CSV or XES; default: the CoSeLoG
    receipt log of ../shared/realdata), each timed `repeats` times; the median time of each side.

    Keys: log, events (completion events compared), events_dropped (other lifecycles), cases,
    civiclake_seconds (the models from the staging tables, as pm4py starts from its formatted frame),
    pm4py_seconds (wall clock), ratio (pm4py / civiclake), agree, figures (each compared figure with both
    values), civiclake_cpu_seconds, pm4py_cpu_seconds, cpu_ratio (the same in CPU time, steadier on a
    shared machine), civiclake_from_bronze_seconds and _cpu_seconds, ratio_from_bronze and
    cpu_ratio_from_bronze (the staging models counted too: from the bronze Parquet files),
    dbt_run_seconds (dbt's end-to-end `dbt run` of the same models on the same lake, once), models,
    timings (every measured time: staging, models, pm4py), method.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    log = Path(log) if log is not None else DEFAULT_LOG
    if not log.exists():
        raise FileNotFoundError(f"{log}: no such event log")
    with tempfile.TemporaryDirectory(prefix="civiclake-bench-pm-") as folder:
        root = Path(folder)
        lake_root, dropped = build_bronze(log, root / "lake")
        (root / "work").mkdir()
        dbt_seconds = run_dbt_models(lake_root, root / "work")
        models = compiled_models(root / "work")
        events = bronze_events(lake_root)

        # The two sides take turns, so that a change in the machine's load weighs on both alike.
        runs: dict[str, list[tuple[float, float]]] = {"staging": [], "models": [], "pm4py": []}
        ours: dict[str, Any] = {}
        theirs: dict[str, Any] = {}
        for _ in range(repeats):
            parts, ours = civiclake_figures(models)
            runs["staging"].append(parts["staging"])
            runs["models"].append(parts["models"])
            frame = events.copy()  # pm4py adds columns to the frame it is given: a fresh one each time
            wall, cpu, theirs = _timed(lambda: pm4py_figures(frame))  # noqa: B023 (run at once)
            runs["pm4py"].append((wall, cpu))

    agree, figures = compare(ours, theirs)

    def median(side: str, index: int) -> float:
        return float(np.median([run[index] for run in runs[side]]))

    def ratio(pm4py_seconds: float, civiclake_seconds: float) -> float | None:
        return round(pm4py_seconds / civiclake_seconds, 3) if civiclake_seconds > 0 else None

    from_bronze = [(s[0] + m[0], s[1] + m[1]) for s, m in zip(runs["staging"], runs["models"], strict=True)]
    civiclake_seconds, civiclake_cpu = median("models", 0), median("models", 1)
    bronze_seconds = float(np.median([wall for wall, _ in from_bronze]))
    bronze_cpu = float(np.median([cpu for _, cpu in from_bronze]))
    pm4py_seconds, pm4py_cpu = median("pm4py", 0), median("pm4py", 1)
    return {
        "log": log.name,
        "events": len(events),
        "events_dropped": dropped,
        "cases": theirs["cases"],
        "civiclake_seconds": round(civiclake_seconds, 4),
        "pm4py_seconds": round(pm4py_seconds, 4),
        "ratio": ratio(pm4py_seconds, civiclake_seconds),
        "agree": agree,
        "figures": figures,
        "civiclake_cpu_seconds": round(civiclake_cpu, 4),
        "pm4py_cpu_seconds": round(pm4py_cpu, 4),
        "cpu_ratio": ratio(pm4py_cpu, civiclake_cpu),
        "civiclake_from_bronze_seconds": round(bronze_seconds, 4),
        "civiclake_from_bronze_cpu_seconds": round(bronze_cpu, 4),
        "ratio_from_bronze": ratio(pm4py_seconds, bronze_seconds),
        "cpu_ratio_from_bronze": ratio(pm4py_cpu, bronze_cpu),
        "dbt_run_seconds": round(dbt_seconds, 2),
        "models": [relation.split(".")[-1].strip('"') for relation, _, _ in models],
        "timings": {side: [[round(wall, 4), round(cpu, 4)] for wall, cpu in done] for side, done in runs.items()},
        "method": (
            "both from the log already loaded, file parsing excluded: civiclake = the compiled SQL of the dbt "
            "models from the staging tables (from_bronze: the staging models too, from the bronze Parquet "
            "files), in-memory DuckDB, plus the figure queries; pm4py = its "
            "functions on a DataFrame already formatted by pm4py.format_dataframe; median of the repeats, "
            "the two sides in turn; timings: [wall, CPU] seconds per repeat, CPU summed over the process's threads"
        ),
    }


def _main() -> None:
    """`python -m pipelines.bench.process_mining [LOG] [REPEATS]`: prints the result as JSON."""
    log = Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "-" else None
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(json.dumps(bench_process_mining(repeats, log), indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    _main()
