"""Disclosure control of published two-way tables: hand-computed cases and an LP attacker (property test)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.opendata.disclosure import flag_unreliable, protect_table
from tests.disclosure_attacker import feasible_ranges

P, S = "primary", "secondary"


def _frame(table: dict[str, dict[str, int]], **group: str) -> pl.DataFrame:
    rows = [{**group, "service": r, "channel": c, "n": v} for r, line in table.items() for c, v in line.items()]
    return pl.DataFrame(rows)


def _protect(cells: pl.DataFrame, group: list[str] | None = None, **kwargs) -> pl.DataFrame:
    return protect_table(cells, group=group or [], row="service", column="channel", count="n", **kwargs)


def _cells(out: pl.DataFrame) -> dict[tuple[str, str], tuple[int | None, str | None]]:
    """(row, column) -> (published count, suppression) of the inner cells of a one-table output."""
    inner = out.filter((pl.col("service") != "all") & (pl.col("channel") != "all"))
    return {(r, c): (v, k) for r, c, v, k in inner.select("service", "channel", "n", "suppression").iter_rows()}


def _margins(out: pl.DataFrame) -> dict[tuple[str, str], int | None]:
    """(row, column) -> published total (None where suppressed) of a one-table output."""
    margins = out.filter((pl.col("service") == "all") | (pl.col("channel") == "all"))
    return {(r, c): v for r, c, v in margins.select("service", "channel", "n").iter_rows()}


def _suppressed_margins(out: pl.DataFrame) -> dict[tuple[str, str], str]:
    margins = out.filter(pl.col("suppressed") & ((pl.col("service") == "all") | (pl.col("channel") == "all")))
    return {(r, c): k for r, c, k in margins.select("service", "channel", "suppression").iter_rows()}


def _ranges(out: pl.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    """The independent attacker's range of every suppressed quantity of a one-table output."""
    return feasible_ranges(out.select("service", "channel", "n").iter_rows(), total="all")


def test_single_small_cell_secondary_in_row_then_column():
    # A/x = 3 is primary. Row A: the smallest other cell is A/y (10). Column x: B/x (8 < 12).
    # Column y then holds A/y only: B/y (11 < 15). Row B now holds two: stable.
    table = {"A": {"x": 3, "y": 10, "z": 20}, "B": {"x": 8, "y": 11, "z": 30}, "C": {"x": 12, "y": 15, "z": 40}}
    out = _protect(_frame(table))
    assert _cells(out) == {
        ("A", "x"): (None, P),
        ("A", "y"): (None, S),
        ("A", "z"): (20, None),
        ("B", "x"): (None, S),
        ("B", "y"): (None, S),
        ("B", "z"): (30, None),
        ("C", "x"): (12, None),
        ("C", "y"): (15, None),
        ("C", "z"): (40, None),
    }
    assert _margins(out) == {
        ("A", "all"): 33,
        ("B", "all"): 49,
        ("C", "all"): 67,
        ("all", "x"): 23,
        ("all", "y"): 36,
        ("all", "z"): 90,
        ("all", "all"): 149,
    }
    assert out.columns == ["service", "channel", "n", "suppressed", "suppression"]
    assert out.schema["n"] == pl.Int64 and out.schema["suppressed"] == pl.Boolean
    # Sorted by row then column, totals last.
    assert out.select("service", "channel").rows()[:4] == [("A", "x"), ("A", "y"), ("A", "z"), ("A", "all")]
    assert out.select("service", "channel").rows()[-4:] == [("all", "x"), ("all", "y"), ("all", "z"), ("all", "all")]
    assert out.filter(pl.col("suppressed"))["n"].null_count() == 4


def test_a_small_row_total_is_primary_and_paired_in_the_totals_column():
    # Row A: A/x = 2 and zeros (A/y missing, A/z an explicit 0), so its total is 2: both primary, and row A
    # holds two. Rows B, C and the totals row hold none. Column x: A/x alone -> B/x (5 < 9). The totals column
    # (R_A = 2, R_B = 18, R_C = 27 | T = 47): R_A alone -> R_B (18 < 27). Second pass: row B holds B/x and R_B.
    # Attacker: A/x = R_A = t, B/x = 7 - t (column x), R_B = 20 - t: t in [0, 7].
    cells = _frame({"A": {"x": 2, "z": 0}, "B": {"x": 5, "y": 6, "z": 7}, "C": {"x": 9, "y": 8, "z": 10}})
    out = _protect(cells)
    assert _cells(out) == {
        ("A", "x"): (None, P),
        ("A", "z"): (0, None),  # an explicit 0 of the input stays published; the missing A/y is not a row
        ("B", "x"): (None, S),
        ("B", "y"): (6, None),
        ("B", "z"): (7, None),
        ("C", "x"): (9, None),
        ("C", "y"): (8, None),
        ("C", "z"): (10, None),
    }
    assert _suppressed_margins(out) == {("A", "all"): P, ("B", "all"): S}
    assert _margins(out) == {
        ("A", "all"): None,
        ("B", "all"): None,
        ("C", "all"): 27,
        ("all", "x"): 16,
        ("all", "y"): 14,
        ("all", "z"): 17,
        ("all", "all"): 47,
    }
    assert _ranges(out)[("A", "x")] == pytest.approx((0, 7))


def test_missing_zero_cells_are_not_published_unless_suppressed():
    cells = _frame({"A": {"x": 10}, "B": {"x": 5, "y": 6}})
    out = _protect(cells)
    assert _cells(out) == {("A", "x"): (10, None), ("B", "x"): (5, None), ("B", "y"): (6, None)}
    assert _margins(out) == {("A", "all"): 10, ("B", "all"): 11, ("all", "x"): 15, ("all", "y"): 6, ("all", "all"): 21}


def test_threshold_two():
    table = {"A": {"x": 3, "y": 10}, "B": {"x": 2, "y": 8}, "C": {"x": 6, "y": 30}}
    # threshold 4: A/x and B/x are primary; rows A and B take A/y and B/y; columns hold two each.
    assert _cells(_protect(_frame(table))) == {
        ("A", "x"): (None, P),
        ("A", "y"): (None, S),
        ("B", "x"): (None, P),
        ("B", "y"): (None, S),
        ("C", "x"): (6, None),
        ("C", "y"): (30, None),
    }
    # threshold 2: only B/x is primary; row B takes B/y, column x takes A/x (3 < 6), column y A/y (10 < 30).
    assert _cells(_protect(_frame(table), threshold=2)) == {
        ("A", "x"): (None, S),
        ("A", "y"): (None, S),
        ("B", "x"): (None, P),
        ("B", "y"): (None, S),
        ("C", "x"): (6, None),
        ("C", "y"): (30, None),
    }


def test_ties_take_the_first_cell_in_sort_order():
    # Row A: A/y and A/z are both 7 -> A/y. Column x: B/x and C/x both 9 -> B/x. Column y: B/y (7 < 9).
    table = {"A": {"x": 1, "y": 7, "z": 7}, "B": {"x": 9, "y": 7, "z": 9}, "C": {"x": 9, "y": 9, "z": 9}}
    sup = {cell for cell, (_, kind) in _cells(_protect(_frame(table))).items() if kind}
    assert sup == {("A", "x"), ("A", "y"), ("B", "x"), ("B", "y")}


def test_several_groups_and_custom_total_label():
    jan = _frame({"A": {"web": 2, "desk": 10}, "B": {"web": 7, "desk": 12}}, month="2024-01")
    feb = _frame({"A": {"web": 20, "desk": 10}, "B": {"web": 7, "desk": 12}}, month="2024-02")
    out = protect_table(
        pl.concat([feb, jan]), group=["month"], row="service", column="channel", count="n", total_label="Total"
    )
    assert out.columns == ["month", "service", "channel", "n", "suppressed", "suppression"]
    assert out["month"].to_list() == ["2024-01"] * 9 + ["2024-02"] * 9
    # January: A/web primary; row A -> A/desk; column desk -> B/desk; column web -> B/web. A 2 x 2 table with
    # one small cell is suppressed entirely.
    jan_out = out.filter(pl.col("month") == "2024-01")
    assert jan_out.select("service", "channel", "n", "suppression").rows() == [
        ("A", "desk", None, S),
        ("A", "web", None, P),
        ("A", "Total", 12, None),
        ("B", "desk", None, S),
        ("B", "web", None, S),
        ("B", "Total", 19, None),
        ("Total", "desk", 22, None),
        ("Total", "web", 9, None),
        ("Total", "Total", 31, None),
    ]
    feb_out = out.filter(pl.col("month") == "2024-02")
    assert not feb_out["suppressed"].any()
    assert feb_out.filter((pl.col("service") == "Total") & (pl.col("channel") == "Total"))["n"].item() == 49


def test_deterministic_whatever_the_input_order():
    table = {"A": {"x": 3, "y": 10, "z": 20}, "B": {"x": 8, "y": 11, "z": 30}, "C": {"x": 12, "y": 15, "z": 40}}
    cells = _frame(table)
    first = _protect(cells)
    for seed in range(5):
        assert _protect(cells.sample(fraction=1.0, shuffle=True, seed=seed)).equals(first)


def test_empty_input_and_bad_input():
    empty = pl.DataFrame(schema={"service": pl.String, "channel": pl.String, "n": pl.Int64})
    out = _protect(empty)
    assert out.height == 0 and out.columns == ["service", "channel", "n", "suppressed", "suppression"]
    with pytest.raises(ValueError, match=">= 0"):
        _protect(_frame({"A": {"x": -1}}))
    with pytest.raises(ValueError, match="same cell"):
        _protect(pl.concat([_frame({"A": {"x": 1}}), _frame({"A": {"x": 2}})]))
    with pytest.raises(ValueError, match="total label"):
        _protect(_frame({"all": {"x": 1}}))


def test_flag_unreliable():
    assert flag_unreliable(None)
    assert flag_unreliable(0)
    assert flag_unreliable(9)
    assert not flag_unreliable(10)
    assert flag_unreliable(10, minimum=20)
    assert not flag_unreliable(3, minimum=3)


def test_a_small_column_total_is_primary_and_paired_in_the_totals_row():
    # B/z = 2 and the column total z = 2 are primary. Row B (5, 6, 2 | 13): B/z alone -> B/x (5 < 6). The
    # totals row (5, 14, 2 | 21): C_z alone -> C_x (5 < 14). Columns x and z then hold two each.
    # Attacker: B/x + B/z = 7, C_x + C_z = 7, B/x = C_x (A/x = 0 published): B/z in [0, 7].
    out = _protect(_frame({"A": {"x": 0, "y": 8, "z": 0}, "B": {"x": 5, "y": 6, "z": 2}}))
    assert _cells(out) == {
        ("A", "x"): (0, None),
        ("A", "y"): (8, None),
        ("A", "z"): (0, None),
        ("B", "x"): (None, S),
        ("B", "y"): (6, None),
        ("B", "z"): (None, P),
    }
    assert _suppressed_margins(out) == {("all", "x"): S, ("all", "z"): P}
    assert _ranges(out)[("B", "z")] == pytest.approx((0, 7))


def test_a_one_row_table_is_protected_by_suppressing_its_column_totals():
    # One row: each column total equals its cell. A/x = 2 and the total of column x are primary; row A takes
    # A/y (10 < 20), the totals row takes the total of y (10 < 20). The attacker knows A/x + A/y = 12 and
    # nothing more: A/x in [0, 12]. (Before margins could be suppressed, no pattern could protect A/x.)
    out = _protect(_frame({"A": {"x": 2, "y": 10, "z": 20}}))
    assert _cells(out) == {("A", "x"): (None, P), ("A", "y"): (None, S), ("A", "z"): (20, None)}
    assert _suppressed_margins(out) == {("all", "x"): P, ("all", "y"): S}
    assert _margins(out)[("A", "all")] == 32 and _margins(out)[("all", "all")] == 32
    assert _ranges(out)[("A", "x")] == pytest.approx((0, 12))


def test_a_single_small_cell_hides_its_totals_and_grand_total():
    # The only nonzero cell is 3: its row total, column total and the grand total are 3 as well, all primary.
    # Every line holds two suppressed quantities; the attacker only knows they are all equal: unbounded.
    out = _protect(_frame({"A": {"x": 3}, "B": {"y": 0}}))
    assert _cells(out) == {("A", "x"): (None, P), ("B", "y"): (0, None)}
    assert _suppressed_margins(out) == {("A", "all"): P, ("all", "x"): P, ("all", "all"): P}
    assert _margins(out)[("B", "all")] == 0 and _margins(out)[("all", "y")] == 0
    low, high = _ranges(out)[("A", "x")]
    assert low == pytest.approx(0) and high == np.inf


def test_audit_suppresses_more_when_the_line_rule_leaves_a_primary_pinned():
    # Rows r0..r2 x columns c0..c2; row totals 7, 5, 16; column totals 10, 16, 2; grand total 28.
    # Primary: r1/c0 = 3, r1/c1 = 2, r2/c2 = 2 and the total of c2 = 2. Line rule, by hand (rows, then columns,
    # totals last): r2 takes r2/c0 (7, the first of 7 and 7); the totals row takes the total of c0 (10 < 16);
    # c1 takes r0/c1 (7, first of 7 and 7); second pass: r0 (0, 7*, 0 | 7) has no other positive cell and
    # takes its total 7; the totals column then takes r1's total (5). Every line now holds 0 or >= 2.
    # But the attacker pins r1/c0: r2: r2/c0 + r2/c2 = 9; c2: r2/c2 = total c2; totals row: total c0 + total
    # c2 = 12; c0: total c0 = r1/c0 + r2/c0. Hence total c0 = r2/c0 + 3 and r1/c0 = 3. The audit adds the
    # smallest positive free quantity (none in r1 or c0 is positive and free): r2/c1 = 7, an inner cell.
    values = {"r0": {"c0": 0, "c1": 7, "c2": 0}, "r1": {"c0": 3, "c1": 2, "c2": 0}, "r2": {"c0": 7, "c1": 7, "c2": 2}}
    out = protect_table(_frame(values), group=[], row="service", column="channel", count="n")
    suppressed = {cell for cell, (_, kind) in _cells(out).items() if kind}
    assert suppressed == {("r0", "c1"), ("r1", "c0"), ("r1", "c1"), ("r2", "c0"), ("r2", "c1"), ("r2", "c2")}
    assert _cells(out)[("r2", "c1")] == (None, S)
    assert set(_suppressed_margins(out)) == {("r0", "all"), ("r1", "all"), ("all", "c0"), ("all", "c2")}
    # Without the cell the audit added, the independent attacker pins r1/c0 at 3; with it, it cannot.
    without = out.with_columns(
        n=pl.when((pl.col("service") == "r2") & (pl.col("channel") == "c1")).then(7).otherwise(pl.col("n"))
    )
    assert _ranges(without)[("r1", "c0")] == pytest.approx((3, 3))
    low, high = _ranges(out)[("r1", "c0")]
    assert high - low >= 1


def test_audit_protects_a_demo_sized_table():
    # ~50 services x 8 channels with many small counts (its speed is for benchmarks, not for this test).
    rng = np.random.default_rng(0)
    values = rng.choice([0, 0, 1, 2, 3, 4, 5, 8, 12, 30, 100], size=(50, 8))
    table = {f"s{i:02d}": {f"c{j}": int(v) for j, v in enumerate(line)} for i, line in enumerate(values)}
    out = _protect(_frame(table))
    primary = out.filter(pl.col("suppression") == P).select("service", "channel").rows()
    ranges = _ranges(out)
    assert primary and min(ranges[cell][1] - ranges[cell][0] for cell in primary) >= 1 - 1e-6


# --- property test: an LP attacker ------------------------------------------------------------------------------


@st.composite
def _tables(draw):
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    count = st.one_of(st.integers(1, 4), st.just(0), st.integers(0, 30))
    values = draw(st.lists(st.lists(count, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows))
    # Some zero cells are missing from the input (missing = 0).
    drop = draw(st.lists(st.booleans(), min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    threshold = draw(st.sampled_from([2, 3, 4]))
    rows = [
        {"service": f"s{i}", "channel": f"c{j}", "n": v}
        for i, line in enumerate(values)
        for j, v in enumerate(line)
        if v or not drop[i * n_cols + j]
    ]
    return values, pl.DataFrame(rows, schema={"service": pl.String, "channel": pl.String, "n": pl.Int64}), threshold


def _truth(values: list[list[int]], out: pl.DataFrame) -> dict[tuple[str, str], int]:
    """Every quantity of the table as published (its rows and columns) with its margins, from the input."""
    rows = sorted({r for r in out["service"] if r != "all"})
    cols = sorted({c for c in out["channel"] if c != "all"})
    cell = {(f"s{i}", f"c{j}"): v for i, line in enumerate(values) for j, v in enumerate(line)}
    truth = {(r, c): cell[(r, c)] for r in rows for c in cols}
    truth |= {(r, "all"): sum(cell[(r, c)] for c in cols) for r in rows}
    truth |= {("all", c): sum(cell[(r, c)] for r in rows) for c in cols}
    truth[("all", "all")] = sum(truth[(r, "all")] for r in rows)
    return truth


def _check_published_facts(values: list[list[int]], out: pl.DataFrame, threshold: int) -> None:
    if out.height == 0:  # every cell missing: nothing to publish
        assert all(v == 0 for line in values for v in line)
        return
    truth = _truth(values, out)
    published = {(r, c): (v, k) for r, c, v, k in out.select("service", "channel", "n", "suppression").iter_rows()}
    # Every margin is published (as a count or suppressed); every published count equals the input; the
    # primary quantities are exactly those in 1..threshold; missing cells are rows only when suppressed.
    assert {key for key in truth if "all" in key} <= published.keys()
    for key, (value, kind) in published.items():
        assert value == (None if kind else truth[key])
        assert (kind == P) == (1 <= truth[key] <= threshold)
    assert {key for key, v in truth.items() if 1 <= v <= threshold} <= {k for k, (_, kind) in published.items() if kind}
    # The line rule holds in the table with its margins: no line holds exactly one suppressed quantity.
    rows = sorted({r for r, _ in truth if r != "all"}) + ["all"]
    cols = sorted({c for _, c in truth if c != "all"}) + ["all"]
    for line in [[(r, c) for c in cols] for r in rows] + [[(r, c) for r in rows] for c in cols]:
        assert sum(bool((published.get(key) or (0, None))[1]) for key in line) != 1, line
    # The attacker's ranges hold the truth, and no primary quantity is pinned: its range is at least 1 wide.
    for key, (low, high) in feasible_ranges(out.select("service", "channel", "n").iter_rows(), "all").items():
        assert low - 1e-6 <= truth[key] <= high + 1e-6
        if 1 <= truth[key] <= threshold:
            assert high - low >= 1 - 1e-6, (key, low, high)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tables())
def test_published_counts_margins_line_rule_and_lp_audit(case):
    values, cells, threshold = case
    _check_published_facts(values, _protect(cells, threshold=threshold), threshold)
