"""What every connector returns: the rows it read in canonical form, and the rows it rejected."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

REJECTION_COLUMNS = {"source": pl.String, "position": pl.String, "reason": pl.String, "raw": pl.String}


@dataclass
class ReadResult:
    """Rows read from one source: `rows` in the entity's canonical schema, `rejected` with reasons.

    `rows_read` counts every record the source held, so that rows_read == len(rows) + len(rejected)
    unless a whole file could not be read (then the connector raises instead of guessing).
    """

    entity: str
    rows: pl.DataFrame
    rejected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTION_COLUMNS))
    rows_read: int = 0
    source_files: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows.height + self.rejected.height


def rejections(source: str, positions: list[str], reasons: list[str], raws: list[str]) -> pl.DataFrame:
    """A frame of rejected records, each with where it was and why it was refused."""
    return pl.DataFrame(
        {"source": [source] * len(positions), "position": positions, "reason": reasons, "raw": raws},
        schema=REJECTION_COLUMNS,
    )
