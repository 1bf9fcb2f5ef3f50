"""Statistical disclosure control for published two-way tables of counts (docs: /work/shared/KPIS.md, "Open data").

``protect_table`` takes the cells of one or more two-way tables (one table per distinct value of the ``group``
columns, e.g. a month) and returns the cells plus the margins of every table, with small counts suppressed:

- **primary**: a cell with ``1 <= count <= threshold`` is suppressed (``count`` null, ``suppression='primary'``).
- **secondary**, iterated until stable: margins (row totals, column totals, grand total) are always published
  in clear, so in every row and every column of a table where exactly one cell is suppressed, a second cell of
  that line is suppressed (``suppression='secondary'``): the smallest unsuppressed cell with ``count > 0``
  (ties: first in sort order), or, if the line has none, its smallest remaining cell even if it is 0 (ties:
  first in sort order). One pass visits every row (sorted), then every column (sorted), and each choice is
  seen by the lines visited after it; passes repeat until a pass changes nothing.

The table of a group spans the rows and columns that occur in that group's input. Missing cells count as 0
and are not published as rows; a missing cell appears in the output only when it is suppressed (a secondary
zero cell), so that readers see the suppression. Every input row is returned (an explicit 0 in the input
stays a published 0). A margin is never suppressed.

Known limits (with margins in clear and the flags published, no cell pattern can avoid them):

- a line whose total equals its number of primary cells (e.g. a row total of 1) reveals that each of those
  primary cells is 1, and a line whose total equals threshold x its number of primary cells (e.g. a row
  4, 4, 0 with threshold 4) reveals that each is the threshold;
- a line with a single cell (a table with one row or one column) has nothing to suppress with: its total is
  the cell.

The line rule is a first-order rule and does not run a linear-programming audit, so it does NOT guarantee
that an attacker who solves the linear constraints (published cells, margins, suppressed >= 0, primary in
[1, threshold]) cannot pin down a suppressed cell. Besides the two limits above, the cells it suppresses can
form two cycles joined by one cell that no cycle runs through (a "bridge"), whose value the sums of the lines
on one side give exactly; and a suppressed 0 cannot go lower, which can block a cycle. The tests show such
cases (tests/test_opendata_disclosure.py, test_known_disclosure_*).

``flag_unreliable`` flags a KPI computed on fewer than ``minimum`` events.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = ["flag_unreliable", "protect_table"]

PRIMARY = "primary"
SECONDARY = "secondary"


def flag_unreliable(denominator: int | None, minimum: int = 10) -> bool:
    """True when a KPI rests on fewer than ``minimum`` events (``None`` = no events: unreliable)."""
    return denominator is None or denominator < minimum


def _suppress_table(values: list[list[int]], threshold: int) -> dict[tuple[int, int], str]:
    """Suppression of one table (``values[i][j]``, rows and columns in sort order): {(i, j): kind}."""
    n_rows = len(values)
    n_cols = len(values[0]) if n_rows else 0
    kinds: dict[tuple[int, int], str] = {
        (i, j): PRIMARY for i in range(n_rows) for j in range(n_cols) if 1 <= values[i][j] <= threshold
    }
    if not kinds:
        return kinds
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in kinds for cell in line) != 1:
                continue
            free = [cell for cell in line if cell not in kinds]
            if not free:  # a one-cell line: its total is the cell, nothing can protect it
                continue
            positive = [cell for cell in free if values[cell[0]][cell[1]] > 0]
            # min() keeps the first of equal keys, and ``line`` is in sort order.
            chosen = min(positive or free, key=lambda cell: values[cell[0]][cell[1]])
            kinds[chosen] = SECONDARY
            changed = True
    return kinds


def protect_table(
    cells: pl.DataFrame,
    *,
    group: Sequence[str],
    row: str,
    column: str,
    count: str,
    threshold: int = 4,
    total_label: str = "all",
) -> pl.DataFrame:
    """Cells plus margins of every table, with primary and secondary suppression (see the module docstring).

    Output columns: ``*group, row, column, count`` (Int64, null where suppressed), ``suppressed`` (Boolean),
    ``suppression`` ('primary' | 'secondary' | null). Sorted by group, row, column, with ``total_label``
    sorted after the real rows and columns.
    """
    group = list(group)
    if threshold < 0:
        raise ValueError(f"threshold must be >= 0, got {threshold}")
    names = [*group, row, column, count]
    missing = [name for name in names if name not in cells.columns]
    if missing:
        raise ValueError(f"protect_table: missing columns {missing}")
    if len(set(names)) != len(names) or {"suppressed", "suppression"} & set(names):
        raise ValueError(f"protect_table: column names must be distinct and not suppressed/suppression: {names}")
    data = cells.select(
        *[pl.col(name) for name in group],
        pl.col(row).cast(pl.String),
        pl.col(column).cast(pl.String),
        pl.col(count).cast(pl.Int64),
    )
    if sum(data[name].null_count() for name in (row, column, count)):
        raise ValueError("protect_table: row, column and count must not be null")
    if data.height and data[count].min() < 0:
        raise ValueError("protect_table: counts must be >= 0")
    if data.filter((pl.col(row) == total_label) | (pl.col(column) == total_label)).height:
        raise ValueError(f"protect_table: {total_label!r} is the total label and cannot be a row or column")
    if data.select(pl.struct(*group, row, column).is_duplicated().any()).item():
        raise ValueError("protect_table: more than one input row for the same cell")

    out: list[dict[str, object]] = []
    if not data.height:
        tables = {}
    elif group:
        tables = data.partition_by(group, as_dict=True, maintain_order=True)
    else:
        tables = {(): data}
    for key, table in tables.items():
        keys = dict(zip(group, key, strict=True))
        row_labels = sorted(set(table[row].to_list()))
        col_labels = sorted(set(table[column].to_list()))
        row_index = {label: i for i, label in enumerate(row_labels)}
        col_index = {label: j for j, label in enumerate(col_labels)}
        values = [[0] * len(col_labels) for _ in row_labels]
        given: set[tuple[int, int]] = set()
        for r, c, v in table.select(row, column, count).iter_rows():
            values[row_index[r]][col_index[c]] = v
            given.add((row_index[r], col_index[c]))
        kinds = _suppress_table(values, threshold)

        for i, j in sorted(given | kinds.keys()):
            kind = kinds.get((i, j))
            out.append(
                {
                    **keys,
                    row: row_labels[i],
                    column: col_labels[j],
                    count: None if kind else values[i][j],
                    "suppressed": kind is not None,
                    "suppression": kind,
                }
            )
        margins = [(r, total_label, sum(values[i])) for i, r in enumerate(row_labels)]
        margins += [(total_label, c, sum(line[j] for line in values)) for j, c in enumerate(col_labels)]
        margins.append((total_label, total_label, sum(map(sum, values))))
        for r, c, v in margins:
            out.append({**keys, row: r, column: c, count: v, "suppressed": False, "suppression": None})

    schema = {
        **{name: data.schema[name] for name in group},
        row: pl.String,
        column: pl.String,
        count: pl.Int64,
        "suppressed": pl.Boolean,
        "suppression": pl.String,
    }
    result = pl.DataFrame(out, schema=schema) if out else pl.DataFrame(schema=schema)
    return result.sort(
        [*group, pl.col(row) == total_label, row, pl.col(column) == total_label, column],
        nulls_last=True,
        maintain_order=True,
    )
