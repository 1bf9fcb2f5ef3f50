"""What a generation run wrote: per commune and per source, the files and their row counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SourceOutput:
    """One `sources` entry of civiclake.yaml and what was written for it."""

    source_id: str
    commune: str
    entity: str
    kind: str
    format: str
    location: str  # relative to the output folder, with forward slashes
    rows: int
    files: tuple[Path, ...]
    mapping: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class GenerationSummary:
    out_dir: Path
    config_path: Path
    start: date
    end: date
    scale: float
    seed: int
    sources: list[SourceOutput] = field(default_factory=list)

    @property
    def communes(self) -> list[str]:
        return list(dict.fromkeys(s.commune for s in self.sources))

    @property
    def row_counts(self) -> dict[str, dict[str, int]]:
        """commune -> source id -> rows written."""
        counts: dict[str, dict[str, int]] = {}
        for s in self.sources:
            counts.setdefault(s.commune, {})[s.source_id] = s.rows
        return counts

    @property
    def files(self) -> list[Path]:
        return [self.config_path, *(f for s in self.sources for f in s.files)]

    def describe(self) -> str:
        """A table of what was written: one line per source, its entity, format and rows."""
        lines = [f"{'source':<28}{'entity':<14}{'format':<12}{'rows':>12}  location"]
        lines += [f"{s.source_id:<28}{s.entity:<14}{s.format:<12}{s.rows:>12,}  {s.location}" for s in self.sources]
        return "\n".join(lines)

    def source(self, commune: str, entity: str, fmt: str | None = None) -> SourceOutput:
        for s in self.sources:
            if s.commune == commune and s.entity == entity and (fmt is None or s.format == fmt):
                return s
        raise KeyError(f"no {entity} source for {commune}")
