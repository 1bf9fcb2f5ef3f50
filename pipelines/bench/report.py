"""The benchmark's report: a plain-text table for the terminal, a JSON file, a Markdown section.

docs/benchmarks.md keeps one section per size, between `<!-- bench:LABEL -->` markers: a run replaces
its own size's section and leaves the others (the ten-city-year figures stay when `make bench` runs
the default size).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DOCS_HEADER = """# Benchmarks

Figures written by `civiclake bench` (`make bench`); each size's section is replaced by its next run.
How to run it, the sizes and the goals: README.md, "Benchmarks".
"""


def write_json(report: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def _number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def markdown_section(report: dict[str, Any]) -> str:
    """The Markdown of one run: size, machine, stages, floor, incremental, memory, dashboard, mining, goals."""
    size, machine = report["size"], report["machine"]
    label = size["label"]
    communes = ", ".join(size["communes"])
    lines = [
        f"<!-- bench:{label} -->",
        f"## {label}: {communes}, {size['first_day']} to {size['last_day']}, scale {size['scale']:g} "
        f"({size['city_years']:.2f} city-years)",
        "",
        f"Run {report['started_at']} to {report.get('finished_at', '(unfinished)')} on {machine['cpu']}, "
        f"{machine['cores']} cores, "
        f"{machine['memory_gb']} GB, {machine['os']}, Python {machine['python']}; "
        + ", ".join(f"{name} {value}" for name, value in machine["libraries"].items() if value)
        + f"; commit {machine['commit']}.",
        "",
        "### Stages",
        "",
        "Each stage runs alone in a process of its own (forked from a process that has done the imports, "
        "or started anew); peak = the peak resident memory of that process and its children (dbt), with the "
        "imports (baseline = the peak before the stage's work). Bronze rows are rows read from the sources; "
        "dbt's are the bronze rows it reads; the exports' are the rows they write.",
        "",
    ]
    stage_rows = [
        [
            row["stage"],
            _number(row["rows"]),
            _number(row["seconds"], 1),
            _number(row["rows_per_second"]),
            _number(row["peak_mb"]),
            _number(row.get("baseline_mb")),
        ]
        for row in report["stages"]
    ]
    lines += _table(["stage", "rows", "seconds", "rows/s", "peak MB", "baseline MB"], stage_rows)
    bronze = [row for row in report["stages"] if row.get("entity")]
    if bronze:
        lines += ["", "Bronze accounts (read = loaded + quarantined + outside the window):", ""]
        lines += _table(
            ["entity", "read", "loaded", "quarantined", "outside the window"],
            [
                [
                    row["entity"],
                    _number(row["rows_read"]),
                    _number(row["rows_loaded"]),
                    _number(row["rows_quarantined"]),
                    _number(row["rows_outside_window"]),
                ]
                for row in bronze
            ],
        )
    floors = report.get("floor") or {}
    ratios = {item["entity"]: item for item in report.get("bronze_vs_floor") or []}
    if floors:
        lines += [
            "",
            "### The floor: DuckDB, the same raw files to Parquet, no logic",
            "",
        ]
        lines += _table(
            ["entity", "raw rows", "floor s", "floor rows/s", "floor peak MB", "bronze s", "bronze / floor"],
            [
                [
                    entity,
                    _number(floor["rows"]),
                    _number(floor["seconds"], 2),
                    _number(floor["rows_per_second"]),
                    _number(floor["peak_mb"]),
                    _number(ratios[entity]["bronze_seconds"], 1) if entity in ratios else "-",
                    f"{ratios[entity]['ratio']:.1f} x" if entity in ratios else "-",
                ]
                for entity, floor in floors.items()
            ],
        )
    incremental = report.get("incremental")
    if incremental:
        lines += [
            "",
            "### Incremental: one new day against a full rebuild",
            "",
            f"One new day ({incremental['new_day']}) on top of the lake: {incremental['one_day_seconds']:.1f} s "
            f"(peak {_number(incremental['one_day_peak_mb'])} MB); the same lake rebuilt from nothing: "
            f"{incremental['full_seconds']:.1f} s (peak {_number(incremental['full_peak_mb'])} MB); "
            f"ratio {incremental['ratio']:.2f}.",
            "",
        ]
        lines += _table(
            ["pipeline stage", "new day s", "rebuild s"],
            [
                [
                    _stage_name(stage),
                    _number(seconds, 1),
                    _number(_lookup(incremental["full_by_stage"], stage), 1),
                ]
                for stage, seconds in incremental["one_day_by_stage"].items()
            ],
        )
    history = report.get("memory_history")
    if history:
        lines += ["", "### Peak memory against the length of the history", ""]
        if report.get("memory_history_source"):  # set by hand when the one-year figures come from another run
            lines += [f"One year: {report['memory_history_source']}.", ""]
        lines += _table(
            ["stage", "peak MB, 1 year", f"peak MB, {size['months'] // 12} years", "growth"],
            [
                [
                    row["stage"],
                    _number(row["peak_mb_one_year"]),
                    _number(row["peak_mb_full"]),
                    f"{row['growth']:.2f} x" if row["growth"] else "-",
                ]
                for row in history
            ],
        )
    dashboard = report.get("dashboard")
    if isinstance(dashboard, list) and dashboard:
        lines += ["", "### Dashboard queries (on lake/gold)", ""]
        lines += _table(
            ["page", "query", "rows", "p50 ms", "p95 ms"],
            [
                [
                    str(row["page"]),
                    str(row["query"]),
                    _number(row["rows"]),
                    _number(row["p50_ms"], 1),
                    _number(row["p95_ms"], 1),
                ]
                for row in dashboard
            ],
        )
    elif isinstance(dashboard, dict):
        lines += ["", f"Dashboard queries: not measured ({dashboard.get('missing')})."]
    mining = report.get("process_mining")
    if isinstance(mining, dict) and "ratio" in mining:
        lines += [
            "",
            "### Process mining: civiclake against pm4py",
            "",
            f"Log {mining['log']} ({_number(mining['events'])} events, {_number(mining['cases'])} cases): "
            f"civiclake {mining['civiclake_seconds']:.2f} s, pm4py {mining['pm4py_seconds']:.2f} s, "
            f"{mining['ratio']:.1f} x faster; figures {'agree' if mining['agree'] else 'DIFFER'}.",
        ]
    elif isinstance(mining, dict):
        lines += ["", f"Process mining: not measured ({mining.get('missing')})."]
    goals = report.get("goals") or []
    if goals:
        lines += ["", "### Goals", ""]
        lines += _table(
            ["goal", "target", "measured", "met"],
            [
                [
                    goal["goal"],
                    goal["target"],
                    goal["measured"],
                    "yes" if goal["met"] else f"no, missed by {goal['missed_by']}",
                ]
                for goal in goals
            ],
        )
    lines += ["", f"<!-- /bench:{label} -->", ""]
    return "\n".join(lines)


def _stage_name(stage: str) -> str:
    return re.sub(r", \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}", "", stage)


def _lookup(by_stage: dict[str, float], stage: str) -> float | None:
    # The bronze stage's name carries its window, which differs between the two runs.
    wanted = _stage_name(stage)
    return next((seconds for name, seconds in by_stage.items() if _stage_name(name) == wanted), None)


def write_docs(report: dict[str, Any], path: Path) -> Path:
    """Replace (or append) this size's section of the Markdown file, keeping the other sizes."""
    section = markdown_section(report)
    label = re.escape(report["size"]["label"])
    text = path.read_text(encoding="utf-8") if path.exists() else DOCS_HEADER
    pattern = re.compile(rf"<!-- bench:{label} -->.*?<!-- /bench:{label} -->\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def terminal_table(report: dict[str, Any]) -> str:
    """The stages and the goals, as fixed-width text."""
    header = f"{'stage':<24} {'rows':>12} {'seconds':>9} {'rows/s':>11} {'peak MB':>9}"
    lines = [f"civiclake bench {report['size']['label']} ({report['size']['city_years']:.2f} city-years)", header]
    lines.append("-" * len(header))
    for row in report["stages"]:
        lines.append(
            f"{row['stage']:<24} {row['rows']:>12,} {row['seconds']:>9.1f} "
            f"{_number(row['rows_per_second']):>11} {row['peak_mb']:>9,.0f}"
        )
    for item in report.get("bronze_vs_floor") or []:
        lines.append(
            f"floor {item['entity']:<18} bronze {item['bronze_seconds']:.1f} s / floor "
            f"{item['floor_seconds']:.2f} s = {item['ratio']:.1f} x"
        )
    for goal in report.get("goals") or []:
        status = "MET" if goal["met"] else f"MISSED by {goal['missed_by']}"
        lines.append(f"goal: {goal['goal']}: {goal['measured']} -> {status}")
    return "\n".join(lines)
