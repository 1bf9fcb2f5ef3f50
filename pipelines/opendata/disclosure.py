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
- **audit** (after the line rule): an attacker who knows the published cells, that missing cells are 0, every
  margin and that suppressed cells are >= 0 solves, with ``scipy.optimize.linprog``, the min and max of every
  suppressed cell. While some suppressed cell has ``max - min < 1`` (it is pinned), one more cell is
  suppressed (``suppression='secondary'``): for the first pinned cell in sort order, the smallest positive
  unsuppressed cell of its row or column (ties: first in sort order), or, if there is none, the smallest
  unsuppressed cell of the table; then the line rule is run again. Cells pinned even when every cell of the
  table is hidden are left alone (no suppression can protect them, see below); the audit stops when no other
  cell is pinned or every cell is suppressed. The LPs are split by connected component of the suppressed
  cells, and every LP solution widens the known range of all cells of its component, so few LPs are solved
  (a 50 x 8 table takes milliseconds to tens of milliseconds).

The table of a group spans the rows and columns that occur in that group's input. Missing cells count as 0
and are not published as rows; a missing cell appears in the output only when it is suppressed (a secondary
zero cell), so that readers see the suppression. Every input row is returned (an explicit 0 in the input
stays a published 0). A margin is never suppressed.

The ``suppression`` kind is returned for internal use, but must not be published (pipelines.opendata.release
publishes only ``suppressed``): knowing which cells are primary tells the attacker they lie in [1, threshold],
which the audit does not model. With the kind published, a line whose total equals its number of primary
cells would reveal that each is 1, for instance.

Known limits: a cell that the margins pin even when every cell of its table is suppressed cannot be
protected (more suppression only widens the attacker's ranges, so hiding everything is the best any pattern
can do): cells of a line whose total is 0; cells of a one-cell line (a table with one row or one column: the
line's total is the cell); and cells of a table whose nonzero cells form no cycle (e.g. a single nonzero
cell, given by the grand total). The audit is an LP relaxation: it guarantees a range at least 1 wide, not
a range wider than the threshold, and it does not audit across tables (groups) that share cells.

``flag_unreliable`` flags a KPI computed on fewer than ``minimum`` events.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy.optimize import linprog

__all__ = ["flag_unreliable", "protect_table"]

PRIMARY = "primary"
SECONDARY = "secondary"


def flag_unreliable(denominator: int | None, minimum: int = 10) -> bool:
    """True when a KPI rests on fewer than ``minimum`` events (``None`` = no events: unreliable)."""
    return denominator is None or denominator < minimum


def _line_rule(values: list[list[int]], kinds: dict[tuple[int, int], str]) -> None:
    """Secondary suppression (in place) until no line of the table has exactly one suppressed cell."""
    n_rows = len(values)
    n_cols = len(values[0]) if n_rows else 0
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


def _pinned(values: list[list[int]], hidden: set[tuple[int, int]], safe: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Hidden cells whose feasible range is narrower than 1 for the attacker of the audit (sorted).

    The attacker knows every cell not in ``hidden``, every margin, and that hidden cells are >= 0 (not which
    are primary). Lines without hidden cells give no constraint, and the constraints split into the connected
    components of the hidden cells (a cell joins its row and its column), solved separately. Every LP solution
    is a feasible point: it widens the observed range of every cell of its component, so most cells are shown
    safe (range >= 1) without LPs of their own. Cells in ``safe`` are skipped, and the cells shown safe are
    added to it: more suppression only widens ranges (the old solutions stay feasible), so they stay safe.
    """
    n_rows = len(values)
    parent = list(range(n_rows + (len(values[0]) if n_rows else 0)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in hidden:
        parent[find(i)] = find(n_rows + j)
    components: dict[int, list[tuple[int, int]]] = {}
    for cell in sorted(hidden):
        components.setdefault(find(cell[0]), []).append(cell)

    pinned: list[tuple[int, int]] = []
    for cells in components.values():
        if all(cell in safe for cell in cells):
            continue
        line_ids = sorted({i for i, _ in cells} | {n_rows + j for _, j in cells})
        position = {line: k for k, line in enumerate(line_ids)}
        a_eq = np.zeros((len(line_ids), len(cells)))
        for k, (i, j) in enumerate(cells):
            a_eq[position[i], k] = a_eq[position[n_rows + j], k] = 1
        truth = np.array([values[i][j] for i, j in cells], dtype=float)
        b_eq = a_eq @ truth  # each line total minus its published cells
        if len(cells) == len(line_ids) - 1:  # a tree: the line equations have a unique solution
            pinned += [cell for cell in cells if cell not in safe]
            continue
        low, high = truth.copy(), truth.copy()  # the observed range, from the points seen so far
        for k, cell in enumerate(cells):
            for sign in (-1.0, 1.0):  # maximise, then minimise
                if cell in safe or high[k] - low[k] >= 1 - 1e-7:
                    break
                objective = np.zeros(len(cells))
                objective[k] = sign
                result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                if result.status != 0:  # cannot happen: the truth is feasible and every cell <= its line total
                    raise RuntimeError(f"protect_table: audit LP failed: {result.message}")
                np.minimum(low, result.x, out=low)
                np.maximum(high, result.x, out=high)
            if high[k] - low[k] >= 1 - 1e-7:
                safe.add(cell)
            elif cell not in safe:
                pinned.append(cell)
    return sorted(pinned)


def _suppress_table(values: list[list[int]], threshold: int) -> dict[tuple[int, int], str]:
    """Suppression of one table (``values[i][j]``, rows and columns in sort order): {(i, j): kind}."""
    n_rows = len(values)
    n_cols = len(values[0]) if n_rows else 0
    kinds: dict[tuple[int, int], str] = {
        (i, j): PRIMARY for i in range(n_rows) for j in range(n_cols) if 1 <= values[i][j] <= threshold
    }
    if not kinds:
        return kinds
    _line_rule(values, kinds)
    # Audit: cells pinned even when the whole table is hidden cannot be protected (see the module docstring).
    every = {(i, j) for i in range(n_rows) for j in range(n_cols)}
    inherent: set[tuple[int, int]] | None = None
    safe: set[tuple[int, int]] = set()
    while True:
        pinned = _pinned(values, set(kinds), safe)
        if pinned and inherent is None:
            inherent = set(_pinned(values, every, set()))
        pinned = [cell for cell in pinned if cell not in (inherent or set())]
        free = [cell for cell in sorted(every) if cell not in kinds]
        if not pinned or not free:
            return kinds
        i, j = pinned[0]
        near = [(a, b) for a, b in free if (a == i or b == j) and values[a][b] > 0]
        # min() keeps the first of equal keys, and ``free`` is in sort order.
        kinds[min(near or free, key=lambda cell: values[cell[0]][cell[1]])] = SECONDARY
        _line_rule(values, kinds)


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
    """Cells plus margins of every table, with primary, secondary and audit suppression (see the module docstring).

    Output columns: ``*group, row, column, count`` (Int64, null where suppressed), ``suppressed`` (Boolean),
    ``suppression`` ('primary' | 'secondary' | null; internal, do not publish it). Sorted by group, row,
    column, with ``total_label`` sorted after the real rows and columns.
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
