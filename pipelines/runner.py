"""Running the whole pipeline in process: every asset, stage by stage, with progress and clear failures."""

from __future__ import annotations

import contextlib
import io
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dagster import AssetSelection, DagsterInstance, materialize

from pipelines.config import load_config

# Stages in lineage order; each is one Dagster run on the same instance.
STAGES: list[tuple[str, AssetSelection]] = [
    ("reference tables", AssetSelection.groups("reference")),
    ("bronze", AssetSelection.groups("bronze")),
    ("dbt models and tests", AssetSelection.groups("staging", "intermediate", "marts")),
    ("gold export", AssetSelection.groups("gold")),
]
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


class PipelineError(RuntimeError):
    """An asset failed; the message names it and says why."""


@dataclass
class RunSummary:
    seconds_by_stage: dict[str, float] = field(default_factory=dict)
    materialized: list[str] = field(default_factory=list)


def run_pipeline(
    config_path: Path, lake_dir: Path, echo: Callable[[str], None] = lambda line: print(line, file=sys.stderr)
) -> RunSummary:
    """Materialise every asset for this configuration into this lake; raise PipelineError on failure."""
    load_config(config_path)  # fail fast, with the file and key, before Dagster starts
    from pipelines.definitions import build_definitions  # importing parses the dbt project

    definitions = build_definitions(config_path.resolve(), lake_dir.resolve())
    assets = list(definitions.assets or [])
    resources = definitions.resources or {}
    summary = RunSummary()
    instance = DagsterInstance.ephemeral()
    for number, (stage, selection) in enumerate(STAGES, start=1):
        echo(f"[{number}/{len(STAGES)}] {stage} ...")
        started = time.perf_counter()
        # dbt prints a line per model and test; keep them for the error message instead of the screen.
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            result = materialize(
                assets,
                selection=selection,
                resources=resources,
                instance=instance,
                raise_on_error=False,
                run_config=QUIET,
            )
        elapsed = time.perf_counter() - started
        summary.seconds_by_stage[stage] = elapsed
        if not result.success:
            details = _failures(result)
            tail = "\n".join(captured.getvalue().strip().splitlines()[-30:])
            raise PipelineError(f"stage '{stage}' failed:\n{details}" + (f"\n--- output ---\n{tail}" if tail else ""))
        keys = []
        for event in result.get_asset_materialization_events():
            materialization = event.materialization
            keys.append(materialization.asset_key.to_user_string())
            counts = {name: value.value for name, value in materialization.metadata.items()}
            if "rows_read" in counts:
                echo(
                    f"      {keys[-1]}: read {counts['rows_read']:,}, loaded {counts['rows_loaded']:,} "
                    f"({counts['rows_new']:,} new), quarantined {counts['rows_quarantined']:,}"
                )
        summary.materialized.extend(keys)
        echo(f"[{number}/{len(STAGES)}] {stage}: {len(keys)} assets in {elapsed:.1f} s")
    return summary


def _failures(result) -> str:  # noqa: ANN001 (Dagster's result type is internal)
    lines = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            message = error.message.strip() if error else "unknown error"
            cause = error.cause if error else None
            while cause is not None:
                message += f"\n  caused by: {cause.message.strip()}"
                cause = cause.cause
            lines.append(f"- {event.step_key}: {message}")
    return "\n".join(lines) or "- (no step failure recorded; see the Dagster logs)"
