"""`civiclake bench`: the options of the benchmark and what it prints and writes."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("bench-output")
DEFAULT_DOCS = Path("docs/benchmarks.md")
LAST_YEAR = 2025  # the generated history ends on 31 December of this year


def add_bench_parser(commands: Any) -> None:  # noqa: ANN401 (argparse's subparsers action is private)
    bench = commands.add_parser(
        "bench", help="measure each stage at a size: rows, seconds, peak memory, against the floor"
    )
    bench.add_argument("--communes", nargs="+", default=["brussels"], help="commune ids (default brussels)")
    period = bench.add_mutually_exclusive_group()
    period.add_argument("--years", type=int, help="years of history (default 1)")
    period.add_argument("--months", type=int, help="months of history, for sizes under a year")
    bench.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 = the real city)")
    bench.add_argument(
        "--start", type=date.fromisoformat, help=f"first day (default: 1 January, the history ending in {LAST_YEAR})"
    )
    bench.add_argument("--seed", type=int, default=42)
    bench.add_argument("--out", type=Path, help=f"the JSON file (default {DEFAULT_OUT}/benchmark-<size>.json)")
    bench.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help=f"the Markdown file (default {DEFAULT_DOCS})")
    bench.add_argument("--no-docs", action="store_true", help="do not write the Markdown file")
    bench.add_argument("--work", type=Path, help="working folder (default bench-output/work-<size>, removed after)")
    bench.add_argument("--keep-work", action="store_true", help="keep the sources and the lake of the run")
    bench.add_argument("--skip-incremental", action="store_true", help="no new-day against rebuild comparison")
    bench.add_argument("--skip-history", action="store_true", help="no one-year memory comparison")
    bench.add_argument("--skip-dashboard", action="store_true", help="no dashboard query timings")
    bench.add_argument("--skip-process-mining", action="store_true", help="no comparison with pm4py")
    bench.add_argument("--repeats", type=int, default=20, help="runs of each dashboard query (default 20)")
    bench.add_argument(
        "--from-json",
        type=Path,
        help="run nothing: print and write the Markdown of a JSON a run wrote (also an unfinished one)",
    )


def options_from(args: argparse.Namespace):  # noqa: ANN201 (BenchOptions, imported late)
    from pipelines.bench.harness import BenchOptions

    months = args.months if args.months is not None else 12 * (args.years or 1)
    if months < 1:
        raise ValueError(f"the history must last at least a month, got {months} months")
    start = args.start or date(LAST_YEAR - (months - 1) // 12, 1, 1)
    return BenchOptions(
        communes=list(dict.fromkeys(args.communes)),
        months=months,
        scale=args.scale,
        start=start,
        seed=args.seed,
        work_dir=args.work,
        incremental=not args.skip_incremental,
        memory_history=not args.skip_history,
        dashboard=not args.skip_dashboard,
        process_mining=not args.skip_process_mining,
        repeats=args.repeats,
        keep_work=args.keep_work,
    )


def run_bench(args: argparse.Namespace) -> int:
    from pipelines.bench.harness import BenchError, evaluate_goals, machine, run_benchmark
    from pipelines.bench.report import terminal_table, write_docs, write_json

    if args.from_json is not None:
        report = json.loads(args.from_json.read_text(encoding="utf-8"))
        report["goals"] = evaluate_goals(report)
        report.setdefault("machine", machine())  # a run's first checkpoint may predate its machine record
        print(terminal_table(report))
        if not args.no_docs:
            print(f"Markdown: {write_docs(report, args.docs)}")
        return 0
    options = options_from(args)
    json_path = args.out or DEFAULT_OUT / f"benchmark-{options.label}.json"
    try:
        report = run_benchmark(
            options,
            echo=lambda line: print(line, flush=True),
            checkpoint=lambda partial: write_json(
                {**partial, "goals": evaluate_goals(partial), "partial": True}, json_path
            ),
        )
    except BenchError as error:
        print(f"civiclake bench: {error}", file=sys.stderr)
        return 1
    write_json(report, json_path)
    print("\n" + terminal_table(report))
    print(f"\nJSON: {json_path}")
    if not args.no_docs:
        print(f"Markdown: {write_docs(report, args.docs)}")
    return 0
