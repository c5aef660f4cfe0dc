"""Column checks of loaders.validate, cell by cell: what a date or a list cell becomes and
which cells are rejected (pinned before the checks were given fast paths)."""

from __future__ import annotations

import pandas as pd
import pytest

from loaders.kinds import Column
from loaders.validate import _check_date, _check_list, _Problems

DATES = [  # cell, what it becomes (None: rejected as not a date)
    ("2024-03-05", "2024-03-05"), ("2024/03/05", "2024-03-05"), ("2024-3-5", "2024-03-05"),
    ("43530", "2019-03-06"), ("1.5", "1899-12-31"), ("0", None), ("2958465", None),
    ("2024-02-29", "2024-02-29"), ("2023-02-29", None), ("1900-02-29", None),
    ("2000-02-29", "2000-02-29"), ("2024-04-31", None), ("2024-13-01", None),
    ("2024-00-10", None), ("2024-01-00", None), ("2024-01-32", None),
    ("1600-01-01", "1600-01-01"), ("1699-12-31", "1699-12-31"), ("1700-01-01", "1700-01-01"),
    ("2200-12-31", "2200-12-31"), ("2201-01-01", "2201-01-01"), ("2262-04-12", "2262-04-12"),
    ("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01"),
    ("１２３４-01-01", "1234-01-01"), ("2024-01-01T00", None), ("not a date", None),
]


def test_date_cells_become_canonical_dates_or_are_rejected():
    cells = pd.Series([c for c, _ in DATES] + [None], index=range(10, 11 + len(DATES)),
                      dtype="string", name="d")
    problems = _Problems("f.csv", pd.DataFrame({"d": cells}))
    out = _check_date(cells, Column("d", "D", type="date"), problems)
    assert out.dtype == "string" and list(out.index) == list(cells.index)
    assert [None if pd.isna(v) else v for v in out] == [want for _, want in DATES] + [None]
    report = problems.report()
    assert report["row"].tolist() == [i + 2 for i, (_, want) in zip(cells.index, DATES)
                                      if want is None]
    assert set(report["reason"]) == {"not a date (YYYY-MM-DD)"}


@pytest.mark.parametrize("cells", [["2024-01-02", None, "2024-12-31"], [None, None], []])
def test_date_cells_already_canonical_are_kept(cells):
    s = pd.Series(cells, dtype="string", name="d")
    problems = _Problems("f.csv", pd.DataFrame({"d": s}))
    out = _check_date(s, Column("d", "D", type="date"), problems)
    assert out.dtype == "string" and out.equals(s) and problems.report().empty


def test_list_cells_keep_their_valid_items_in_order():
    cells = pd.Series(["苏E12345;苏E23456", "苏E12345；苏EIO345", None, " ; 苏E12345 ;", "",
                       "苏e 12345", "苏Z1;x;苏E22222", "苏E12345;;苏E12345"],
                      index=range(5, 13), dtype="string", name="plates")
    problems = _Problems("f.csv", pd.DataFrame({"plates": cells}))
    out = _check_list(cells, Column("plates", "P", type="list", item_type="plate"), problems)
    assert list(out.index) == list(cells.index)
    assert out.tolist() == [["苏E12345", "苏E23456"], ["苏E12345"], [], ["苏E12345"], [],
                            ["苏E12345"], ["苏E22222"], ["苏E12345", "苏E12345"]]
    report = problems.report()
    assert report[["row", "value"]].values.tolist() == [[8, "苏E12345；苏EIO345"],
                                                        [13, "苏Z1;x;苏E22222"]]
    assert report["reason"].iloc[0] == "letters I and O are not used after the issuing letter"
    untyped = _check_list(cells, Column("plates", "P", type="list"), problems)
    assert untyped.tolist()[1] == ["苏E12345", "苏EIO345"] and untyped.tolist()[2] == []


@pytest.mark.parametrize("dtype", ["string", "str", object])
@pytest.mark.parametrize("cells", [["企业", "车辆", None, "企业"], [None, None], ["x", "y"], ["企业"],
                                   [], ["公司", None, "人员"]])
def test_subject_kinds_mapped_per_distinct_cell_as_map_does(cells, dtype):
    from loaders.kinds import SUBJECT_KINDS
    from loaders.validate import _map_distinct

    s = pd.Series(cells, dtype=dtype, index=[5 + 2 * i for i in range(len(cells))], name="k")
    pd.testing.assert_series_equal(_map_distinct(s, SUBJECT_KINDS), s.map(SUBJECT_KINDS))
