"""Statistical disclosure control for published two-way tables of counts (docs: /work/shared/KPIS.md, "Open data").

``protect_table`` takes the cells of one or more two-way tables (one table per distinct value of the ``group``
columns, e.g. a month) and returns the cells plus the margins of every table (row totals, column totals, grand
total), with small counts suppressed. Margins are quantities like the cells: a row total of 3 is a count of 3
people. Each line of the table with its margins (a row with its total, a column with its total, the row of
column totals with the grand total, the column of row totals with the grand total) says: the total is the sum
of the others.

- **primary**: every quantity, cell or margin, with ``1 <= count <= threshold`` is suppressed (``count`` null,
  ``suppression='primary'``).
- **secondary**, iterated until stable: in every line where exactly one quantity is suppressed, a second one
  of that line is suppressed (``suppression='secondary'``): its smallest positive free quantity other than the
  line's total, else the line's total if positive, else its first free zero (ties: first in sort order). One
  pass visits every row then every column, totals last; passes repeat until a pass changes nothing.
- **audit** (after the line rule): an attacker who knows the published quantities, that missing cells are 0,
  that every total is the sum of its line and that suppressed quantities are >= 0 solves, with
  ``scipy.optimize.linprog``, the min and max of every primary quantity. While one is pinned (``max - min <
  1``), one more quantity is suppressed: for the first pinned one in sort order, the smallest positive free
  quantity of its row or column (inner cells before totals; ties: first in sort order), else the smallest
  positive free quantity of the table, else its first free zero; then the line rule runs again. This always
  ends with every primary quantity protected: with everything hidden the equations are homogeneous, so any
  solution can be scaled and every range is [0, inf). The LPs are split by connected component of the
  suppressed quantities, and every LP solution widens the known range of all quantities of its component, so
  few LPs are solved. A secondary quantity may stay pinned: it is above the threshold, so publishing it would
  have been safe anyway.

The table of a group spans the rows and columns that occur in that group's input. Missing cells count as 0
and are not published as rows; a missing cell appears in the output only when it is suppressed (a secondary
zero cell), so that readers see the suppression. Every input row and every margin is returned (an explicit 0
in the input stays a published 0).

The ``suppression`` kind is returned for internal use, but must not be published (pipelines.opendata.release
publishes only ``suppressed``): knowing which quantities are primary tells the attacker they lie in
[1, threshold], which the audit does not model. With the kind published, a line whose total equals its
number of primary cells would reveal that each is 1, for instance.

Known limits: the audit is an LP relaxation: it guarantees a range at least 1 wide, not a range wider than
the threshold; it audits each table alone (pipelines.opendata.release keeps the other data sets from
repeating a suppressed total).

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


Cell = tuple[int, int]


def _lines(n_rows: int, n_cols: int) -> list[list[Cell]]:
    """The lines of a table with its margins (``n_rows + 1`` x ``n_cols + 1``): each ends with its total.

    Row ``i`` is ``(i, 0..n_cols)`` and column ``j`` is ``(0..n_rows, j)``; index ``n_rows`` is the row of
    column totals and ``n_cols`` the column of row totals, so the grand total ``(n_rows, n_cols)`` ends both the
    totals row and the totals column. Every quantity sits in exactly two lines.
    """
    rows = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    cols = [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]
    return rows + cols


def _line_rule(values: list[list[int]], kinds: dict[Cell, str]) -> None:
    """Secondary suppression (in place) until no line of the table has exactly one suppressed quantity.

    The second quantity of a line: its smallest positive free quantity other than the line's total, else the
    total if it is positive, else the first free zero (ties: first in sort order).
    """
    lines = _lines(len(values) - 1, len(values[0]) - 1)
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in kinds for cell in line) != 1:
                continue
            free = [cell for cell in line if cell not in kinds]
            # min() keeps the first of equal keys, and ``line`` is in sort order with its total last.
            chosen = min(free, key=lambda cell: _preference(values, cell, is_total=cell == line[-1]))
            kinds[chosen] = SECONDARY
            changed = True


def _preference(values: list[list[int]], cell: Cell, *, is_total: bool) -> tuple[int, int]:
    """Sort key of a candidate for secondary suppression: positive before zero, inner before total, then small."""
    value = values[cell[0]][cell[1]]
    return (value == 0, is_total, value)


def _components(hidden: set[Cell], n_rows: int) -> list[list[Cell]]:
    """The hidden quantities grouped by connected component (a quantity joins its row and its column line)."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in hidden:
        parent[find(i)] = find(n_rows + 1 + j)
    components: dict[int, list[Cell]] = {}
    for cell in sorted(hidden):
        components.setdefault(find(cell[0]), []).append(cell)
    return list(components.values())


def _pinned(values: list[list[int]], hidden: set[Cell], sensitive: set[Cell], safe: set[Cell]) -> list[Cell]:
    """Sensitive hidden quantities whose feasible range is narrower than 1 for the attacker of the audit (sorted).

    ``values`` is the table with its margins. The attacker knows every quantity not in ``hidden``, that in every
    line the total is the sum of the others, and that hidden quantities are >= 0 (not which are primary). The
    constraints split into the connected components of the hidden quantities, solved separately. Every LP
    solution is a feasible point: it widens the observed range of every quantity of its component, so most
    are shown safe (range >= 1) without LPs of their own. Quantities in ``safe`` are skipped, and those shown
    safe are added to it: more suppression only widens ranges (old solutions stay feasible), so they stay safe.
    """
    n_rows, n_cols = len(values) - 1, len(values[0]) - 1
    lines = _lines(n_rows, n_cols)
    pinned: list[Cell] = []
    for cells in _components(hidden, n_rows):
        targets = [cell for cell in cells if cell in sensitive and cell not in safe]
        if not targets:
            continue
        members = set(cells)
        position = {cell: k for k, cell in enumerate(cells)}
        equations = [line for line in lines if members.intersection(line)]
        a_eq = np.zeros((len(equations), len(cells)))
        for row, line in enumerate(equations):
            for cell in line:
                if cell in members:  # inner quantities count +1, the line's total -1: the sum is 0
                    a_eq[row, position[cell]] = -1.0 if cell == line[-1] else 1.0
        truth = np.array([values[i][j] for i, j in cells], dtype=float)
        b_eq = a_eq @ truth  # minus the published part of each line
        if np.linalg.matrix_rank(a_eq) == len(cells):  # a unique solution: every quantity is pinned
            pinned += targets
            continue
        low, high = truth.copy(), truth.copy()  # the observed range, from the points seen so far
        for cell in targets:
            k = position[cell]
            for sign in (-1.0, 1.0):  # maximise, then minimise
                if high[k] - low[k] >= 1 - 1e-7:
                    break
                objective = np.zeros(len(cells))
                objective[k] = sign
                result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                if result.status == 3:  # unbounded above: the range is at least 1 wide
                    high[k] = np.inf
                    break
                if result.status != 0:  # cannot happen: the truth is feasible
                    raise RuntimeError(f"protect_table: audit LP failed: {result.message}")
                np.minimum(low, result.x, out=low)
                np.maximum(high, result.x, out=high)
            if high[k] - low[k] >= 1 - 1e-7:
                safe.add(cell)
            else:
                pinned.append(cell)
    return sorted(pinned)


def _suppress_table(values: list[list[int]], threshold: int) -> dict[Cell, str]:
    """Suppression of one table with its margins (``values[i][j]``, totals last): {(i, j): kind}."""
    n_rows, n_cols = len(values) - 1, len(values[0]) - 1
    every = [(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1)]
    kinds: dict[Cell, str] = {cell: PRIMARY for cell in every if 1 <= values[cell[0]][cell[1]] <= threshold}
    if not kinds:
        return kinds
    sensitive = set(kinds)
    _line_rule(values, kinds)
    safe: set[Cell] = set()
    # Terminates: each round suppresses one more quantity, and with everything hidden no sensitive quantity is
    # pinned (the equations are homogeneous, so any solution can be scaled: every range is [0, inf)).
    while pinned := _pinned(values, set(kinds), sensitive, safe):
        i, j = pinned[0]
        free = [cell for cell in every if cell not in kinds]
        near = [(a, b) for a, b in free if (a == i or b == j) and values[a][b] > 0]
        anywhere = [(a, b) for a, b in free if values[a][b] > 0] or free
        # min() keeps the first of equal keys, and ``free`` is in sort order.
        is_total = {cell: cell[0] == n_rows or cell[1] == n_cols for cell in free}
        chosen = min(near or anywhere, key=lambda cell: _preference(values, cell, is_total=is_total[cell]))
        kinds[chosen] = SECONDARY
        _line_rule(values, kinds)
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
        values = [[0] * (len(col_labels) + 1) for _ in range(len(row_labels) + 1)]
        given: set[Cell] = set()
        for r, c, v in table.select(row, column, count).iter_rows():
            i, j = row_index[r], col_index[c]
            values[i][j] = v
            given.add((i, j))
        n_rows, n_cols = len(row_labels), len(col_labels)
        for i in range(n_rows):
            values[i][n_cols] = sum(values[i][:n_cols])
        for j in range(n_cols + 1):
            values[n_rows][j] = sum(values[i][j] for i in range(n_rows))
        given |= {(i, n_cols) for i in range(n_rows + 1)} | {(n_rows, j) for j in range(n_cols)}
        kinds = _suppress_table(values, threshold)

        labels_of_rows, labels_of_cols = [*row_labels, total_label], [*col_labels, total_label]
        for i, j in sorted(given | kinds.keys()):
            kind = kinds.get((i, j))
            out.append(
                {
                    **keys,
                    row: labels_of_rows[i],
                    column: labels_of_cols[j],
                    count: None if kind else values[i][j],
                    "suppressed": kind is not None,
                    "suppression": kind,
                }
            )

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
