"""`civiclake`: the command line.

civiclake generate --out DIR       demo source extracts for one or more communes
civiclake run --config FILE        every asset, in process, into the lake
civiclake kpis --config FILE --commune ID --period YYYY[-MM]
civiclake export [--config FILE]    an open-data release (CSV, Parquet, datapackage.json) of the lake
civiclake dashboard                the Streamlit app on 127.0.0.1
civiclake demo                     all of the above, on demo data
civiclake bench                    what each stage costs at a size (docs/benchmarks.md)
civiclake users add NAME --role R  the dashboard's local users (password asked, stored as a salted hash)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from pipelines.config import CONFIG_ENV_VAR, ConfigError, load_config
from pipelines.gold_reader import GoldError, format_table, read_kpis
from pipelines.lake import LAKE_ENV_VAR, Lake

DEFAULT_DEMO_SOURCES = Path("demo-sources")
DEFAULT_DASHBOARD_PORT = 8501


def _default_lake() -> Path:
    return Path(os.environ.get(LAKE_ENV_VAR, "lake"))


def _default_config() -> Path | None:
    value = os.environ.get(CONFIG_ENV_VAR)
    return Path(value) if value else None


def _add_lake_and_config(parser: argparse.ArgumentParser, config_required: bool = True) -> None:
    default_config = _default_config()
    parser.add_argument(
        "--config",
        type=Path,
        default=default_config,
        required=config_required and default_config is None,
        help=f"the civiclake.yaml of the communes and sources (default: ${CONFIG_ENV_VAR})",
    )
    parser.add_argument(
        "--lake", type=Path, default=_default_lake(), help=f"the lake folder (default: ${LAKE_ENV_VAR} or ./lake)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="civiclake", description="Digital-services KPIs for a city.")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write demo source extracts and their civiclake.yaml")
    generate.add_argument("--out", type=Path, required=True, help="folder to write the extracts into")
    _add_generation_options(generate)

    run = commands.add_parser("run", help="materialise every asset into the lake, in process")
    _add_lake_and_config(run)
    run.add_argument(
        "--from", dest="first_day", type=date.fromisoformat, help="first local day to load (default: history.start)"
    )
    run.add_argument("--to", dest="last_day", type=date.fromisoformat, help="last local day to load (default: today)")

    kpis = commands.add_parser("kpis", help="print the KPIs of a commune and period")
    _add_lake_and_config(kpis, config_required=False)
    kpis.add_argument("--commune", required=True, help="commune id, e.g. brussels")
    kpis.add_argument(
        "--period",
        required=True,
        help="YYYY, YYYY-Qn, YYYY-MM, YYYY-Www, YYYY-MM-DD, or R12-YYYY-MM (the 12 months ending that month)",
    )
    kpis.add_argument("--format", choices=("table", "json"), default="table")

    export = commands.add_parser("export", help="write an open-data release of the lake's gold tables")
    _add_lake_and_config(export, config_required=False)
    export.add_argument("--out", type=Path, help="the release folder (default: LAKE/opendata/VERSION)")
    export.add_argument("--version", help="the release's version (default: the last day of data, YYYY-MM-DD)")

    dashboard = commands.add_parser("dashboard", help="serve the dashboard (Streamlit)")
    dashboard.add_argument("--lake", type=Path, default=_default_lake())
    dashboard.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    dashboard.add_argument("--port", type=int, default=DEFAULT_DASHBOARD_PORT)

    demo = commands.add_parser("demo", help="generate demo data, run the pipeline, print KPIs, serve")
    demo.add_argument("--out", type=Path, default=DEFAULT_DEMO_SOURCES, help="where the demo sources go")
    demo.add_argument("--lake", type=Path, default=_default_lake())
    demo.add_argument("--port", type=int, default=DEFAULT_DASHBOARD_PORT)
    demo.add_argument("--no-serve", action="store_true", help="stop after printing the KPIs")
    _add_generation_options(demo)

    from pipelines.bench.cli import add_bench_parser

    add_bench_parser(commands)
    from dashboards.users_cli import add_users_parser

    add_users_parser(commands)
    return parser


def _add_generation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", type=date.fromisoformat, default=date(2024, 1, 1), help="first day")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2024, 12, 31), help="last day")
    parser.add_argument("--communes", nargs="+", default=["brussels"], help="commune ids (default brussels)")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 = the real city)")
    parser.add_argument("--seed", type=int, default=42, help="random seed: the same seed gives the same bytes")


def cmd_generate(args: argparse.Namespace) -> int:
    from pipelines.demo.generator import generate

    summary = generate(
        args.out, start=args.start, end=args.end, communes=args.communes, scale=args.scale, seed=args.seed
    )
    print(summary.describe())
    print(f"demo sources written to {args.out} (configuration: {summary.config_path})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.runner import run_pipeline

    summary = run_pipeline(args.config, args.lake, first_day=args.first_day, last_day=args.last_day)
    total = sum(summary.seconds_by_stage.values())
    print(f"pipeline finished: {len(summary.materialized)} assets materialised in {total:.1f} s -> {args.lake}")
    return 0


def cmd_kpis(args: argparse.Namespace) -> int:
    if args.config is not None:
        load_config(args.config).commune(args.commune)  # an unknown commune is named with the known ones
    report = read_kpis(Lake(args.lake).current_gold(), args.commune, args.period)
    if args.format == "json":
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(format_table(report))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pipelines.opendata.release import build_release

    config = load_config(args.config) if args.config is not None else None
    summary = build_release(args.lake, config=config, version=args.version, out=args.out)
    print(summary.describe())
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from dashboards.server import serve

    return serve(args.lake.resolve(), host=args.host, port=args.port)


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines.demo.generator import generate
    from pipelines.runner import run_pipeline

    print(f"1. generating demo sources for {', '.join(args.communes)} into {args.out} ...", flush=True)
    generate(args.out, start=args.start, end=args.end, communes=args.communes, scale=args.scale, seed=args.seed)
    config_path = args.out / "civiclake.yaml"
    print(f"2. running the pipeline into {args.lake} ...", flush=True)
    run_pipeline(config_path, args.lake)
    print("3. headline KPIs:\n", flush=True)
    gold = Lake(args.lake).current_gold()
    for commune_id in args.communes:
        print(format_table(read_kpis(gold, commune_id, str(args.end.year))) + "\n", flush=True)
    from pipelines.opendata.release import build_release

    release = build_release(args.lake, config=load_config(config_path))
    print(f"4. open-data release {release.version} in {release.folder}", flush=True)
    if args.no_serve:
        return 0
    from dashboards.auth import USERS_ENV
    from dashboards.server import serve
    from dashboards.users_cli import write_demo_access

    # Demo only: a management user with a fresh random password, printed here (never a fixed one).
    users, name, password = write_demo_access(args.out)
    os.environ[USERS_ENV] = str(users.resolve())
    print(f"5. dashboard on http://127.0.0.1:{args.port} (Ctrl-C to stop)", flush=True)
    print(f"   sign in as {name!r} with the password {password!r} (this demo run only; {users})", flush=True)
    return serve(args.lake.resolve(), port=args.port)


def cmd_bench(args: argparse.Namespace) -> int:
    from pipelines.bench.cli import run_bench

    return run_bench(args)


def cmd_users(args: argparse.Namespace) -> int:
    from dashboards.users_cli import run_users

    return run_users(args)


COMMANDS = {
    "generate": cmd_generate,
    "run": cmd_run,
    "kpis": cmd_kpis,
    "export": cmd_export,
    "dashboard": cmd_dashboard,
    "demo": cmd_demo,
    "bench": cmd_bench,
    "users": cmd_users,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pipelines.runner import PipelineError  # light import: runner defers Dagster's heavy parts

    try:
        return COMMANDS[args.command](args)
    except (ConfigError, GoldError, KeyError, PipelineError, ValueError) as error:
        if os.environ.get("CIVICLAKE_DEBUG"):
            raise  # the full traceback, for developers
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"civiclake {args.command}: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
