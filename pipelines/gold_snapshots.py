"""Gold published as whole snapshots: a reader sees one export or the next, never a mixture of two.

A page of the dashboard (or an open-data release) reads several gold files. Replacing them one by one
would let a reader take the old `kpi_adoption` with the new `kpi_target_status`. So each export writes
a complete folder `gold-snapshots/.<id>.tmp/`, flushes it to disk, renames it to `gold-snapshots/<id>/`,
and then swaps the symbolic link `gold` -> `gold-snapshots/<id>` in one rename (atomic on POSIX).

Readers resolve `gold` once (pipelines.lake.Lake.current_gold, dashboards/data.py once per page run)
and read every file from that folder. The previous snapshots stay for a while, so that a reader who
resolved the link just before a swap can finish: the newest KEEP are always kept, older ones only
until GRACE_SECONDS after they were superseded.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pipelines.lake import TEMPORARY_SUFFIX, Lake, fsync_path, temporary_path

KEEP = 3
GRACE_SECONDS = 120.0


def start_snapshot(lake: Lake) -> Path:
    """A new, hidden folder to write the next gold export into; earlier unfinished ones are removed."""
    lake.gold_snapshots.mkdir(parents=True, exist_ok=True)
    for leftover in lake.gold_snapshots.glob(f".*{TEMPORARY_SUFFIX}"):
        # A killed export's folder: only one pipeline writes a lake, so nothing else is writing it.
        shutil.rmtree(leftover, ignore_errors=True)
    snapshot_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"
    staging = lake.gold_snapshots / f".{snapshot_id}{TEMPORARY_SUFFIX}"
    staging.mkdir()
    return staging


def publish_snapshot(lake: Lake, staging: Path) -> Path:
    """Make a complete staging folder the current gold, in one rename of the `gold` link."""
    for path in staging.iterdir():
        fsync_path(path)
    fsync_path(staging)
    snapshot = lake.gold_snapshots / staging.name.removeprefix(".").removesuffix(TEMPORARY_SUFFIX)
    os.replace(staging, snapshot)
    fsync_path(lake.gold_snapshots)
    if lake.gold.is_dir() and not lake.gold.is_symlink():
        # A lake written before snapshots (or a hand-made one): its folder becomes the oldest snapshot.
        # The only moment a reader may find no gold at all, for the time of two renames, once.
        os.replace(lake.gold, lake.gold_snapshots / f"legacy-{snapshot.name}")
    link = temporary_path(lake.gold)
    os.symlink(Path(lake.gold_snapshots.name) / snapshot.name, link)  # relative: the lake may move
    os.replace(link, lake.gold)
    fsync_path(lake.root)
    remove_old_snapshots(lake)
    return snapshot


def remove_old_snapshots(lake: Lake, keep: int = KEEP, grace_seconds: float = GRACE_SECONDS) -> list[Path]:
    """Delete the snapshots no reader can still be using (see the module's docstring)."""
    if not lake.gold_snapshots.is_dir():
        return []
    current = lake.current_gold().resolve()
    snapshots = sorted(
        (path for path in lake.gold_snapshots.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: (path.stat().st_mtime, path.name),
    )
    now = time.time()
    removed = []
    for index, snapshot in enumerate(snapshots[: max(len(snapshots) - keep, 0)]):
        superseded_at = snapshots[index + 1].stat().st_mtime
        if snapshot.resolve() != current and now - superseded_at > grace_seconds:
            shutil.rmtree(snapshot, ignore_errors=True)
            removed.append(snapshot)
    return removed
