"""Column checks of loaders.validate, cell by cell: what a date or a list cell becomes and
which cells are rejected (pinned before the checks were given fast paths)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from graph_model.dates import DatePolicy
from loaders.kinds import Column
from loaders.validate import FIRST_DATA_ROW, _check_date, _check_list, _Problems

NOT_A_DATE = "not a date (YYYY-MM-DD)"
CSV_NUMBER = NOT_A_DATE + ": a CSV file's numbers are not read as Excel day numbers"
POLICY = DatePolicy(today=dt.date(2026, 6, 1))
OUTSIDE = "outside the plausible window 1949-10-01 to 2036-06-01"
DATES = [  # cell, what it becomes (None: rejected), the reason, from a CSV file
    ("2024-03-05", "2024-03-05", None), ("2024/03/05", "2024-03-05", None),
    ("2024-3-5", "2024-03-05", None),
    ("43530", None, CSV_NUMBER), ("1.5", None, CSV_NUMBER), ("0", None, CSV_NUMBER),
    ("2026", None, CSV_NUMBER), ("202601", None, CSV_NUMBER), ("1", None, CSV_NUMBER),
    ("2024-02-29", "2024-02-29", None), ("2023-02-29", None, NOT_A_DATE),
    ("1900-02-29", None, NOT_A_DATE), ("2000-02-29", "2000-02-29", None),
    ("2024-04-31", None, NOT_A_DATE), ("2024-13-01", None, NOT_A_DATE),
    ("2024-00-10", None, NOT_A_DATE), ("2024-01-00", None, NOT_A_DATE),
    ("2024-01-32", None, NOT_A_DATE),
    ("1949-10-01", "1949-10-01", None), ("1949-09-30", None, OUTSIDE),
    ("2036-06-01", "2036-06-01", None), ("2036-06-02", None, OUTSIDE),
    ("1600-01-01", None, OUTSIDE), ("2262-04-12", None, OUTSIDE),
    ("9999-12-31", None, OUTSIDE), ("0001-01-01", None, OUTSIDE),
    ("１２３４-01-01", None, OUTSIDE), ("２０２４-01-01", "2024-01-01", None),
    ("2024-01-01T00", None, NOT_A_DATE), ("not a date", None, NOT_A_DATE),
]


def test_date_cells_become_canonical_dates_or_are_rejected():
    cells = pd.Series([c for c, _, _ in DATES] + [None], index=range(10, 11 + len(DATES)),
                      dtype="string", name="d")
    problems = _Problems("f.csv", pd.DataFrame({"d": cells}), dates=POLICY)
    out = _check_date(cells, Column("d", "D", type="date"), problems)
    assert out.dtype == "string" and list(out.index) == list(cells.index)
    assert [None if pd.isna(v) else v for v in out] == [want for _, want, _ in DATES] + [None]
    report = problems.report()
    assert report["row"].tolist() == [i + 2 for i, (_, want, _) in zip(cells.index, DATES)
                                      if want is None]
    assert report["reason"].tolist() == [why for _, want, why in DATES if want is None]


@pytest.mark.parametrize("cells", [["2024-01-02", None, "2024-12-31"], [None, None], []])
def test_date_cells_already_canonical_are_kept(cells):
    s = pd.Series(cells, dtype="string", name="d")
    problems = _Problems("f.csv", pd.DataFrame({"d": s}), dates=POLICY)
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


NOT_A_MOMENT = "not a date and time (YYYY-MM-DD HH:MM:SS, or YYYY-MM-DD)"
MOMENTS = [  # cell, what it becomes (None: rejected), the reason
    ("2024-05-01 08:15:00", "2024-05-01 08:15:00", None),
    ("2024/05/01 8:15", "2024-05-01 08:15:00", None),
    ("2024-05-01T08:15:09", "2024-05-01 08:15:09", None),
    ("2024-5-1 08:15:00", "2024-05-01 08:15:00", None),
    ("2024-05-01", "2024-05-01", None),  # the day alone stays the day
    ("2024-05-01 25:15:00", None, NOT_A_MOMENT), ("2024-02-30 08:00:00", None, NOT_A_MOMENT),
    ("08:15:00", None, NOT_A_MOMENT), ("45413.34", None, NOT_A_MOMENT),
    ("2036-06-01 23:59:59", "2036-06-01 23:59:59", None),
    ("2036-06-02 00:00:00", None, OUTSIDE), ("1949-09-30 12:00:00", None, OUTSIDE),
    ("0001-01-01 00:00:00", None, OUTSIDE),
]


def test_datetime_cells_become_canonical_moments_or_are_rejected():
    from loaders.validate import _check_datetime

    cells = pd.Series([c for c, _, _ in MOMENTS] + [None], index=range(3, 4 + len(MOMENTS)),
                      dtype="string", name="t")
    problems = _Problems("f.csv", pd.DataFrame({"t": cells}), dates=POLICY)
    out = _check_datetime(cells, Column("t", "T", type="datetime"), problems)
    assert list(out.index) == list(cells.index)
    assert [None if pd.isna(v) else v for v in out] == [want for _, want, _ in MOMENTS] + [None]
    report = problems.report()
    assert report["row"].tolist() == [i + 2 for i, (_, want, _) in zip(cells.index, MOMENTS)
                                      if want is None]
    assert report["reason"].tolist() == [why for _, want, why in MOMENTS if want is None]


def test_a_workbooks_day_number_with_a_fraction_is_a_moment():
    from loaders.validate import _check_datetime

    cells = pd.Series(["45413.34375", "45413"], dtype="string", name="t")
    problems = _Problems("f.xlsx", pd.DataFrame({"t": cells}), serials=True, dates=POLICY)
    out = _check_datetime(cells, Column("t", "T", type="datetime"), problems)
    assert out.tolist() == ["2024-05-01 08:15:00", "2024-05-01 00:00:00"] and problems.report().empty


@pytest.mark.parametrize("cell, count", [("3", 3), ("0", 0), ("3.0", 3), ("1,200", 1200),
                                         ("-1", None), ("2.5", None), ("三", None), (None, None)])
def test_integer_cells_are_counts(cell, count):
    from loaders.validate import _check_integer

    cells = pd.Series([cell], dtype="string", name="n")
    problems = _Problems("f.csv", pd.DataFrame({"n": cells}))
    out = _check_integer(cells, Column("n", "N", type="integer"), problems)
    assert (None if pd.isna(out.iloc[0]) else out.iloc[0]) == count
    rejected = cell is not None and count is None
    assert len(problems.report()) == rejected
    if rejected:
        assert problems.report()["reason"].iloc[0] == "not a whole number from 0 (a count)"


def test_ric_or_code_cells_keep_a_number_canonical_and_mask_one_inside_other_ids():
    """An id that is a valid resident ID number becomes its canonical form (the builder
    keeps only its hash); any other id is kept as written, with a number written inside
    it masked; an id of the number's form that is neither number nor USCC is refused."""
    from loaders.validate import _check_ric_or_code
    from tests.support.files import FIRM2, rid

    person = rid("32050219900101123")
    grouped = f"{person[:6]} {person[6:14]}-{person[14:].lower()}"
    inside = f"学员{person}号"
    digits = "913202141358742660"  # a USCC of digits only: the form of an ID number
    mistyped = person[:-1] + ("0" if person[-1] != "0" else "1")

    def check(values):
        cells = pd.Series(values, dtype="string", name="evaluator")
        problems = _Problems("f.csv", pd.DataFrame({"evaluator": cells}))
        out = _check_ric_or_code(cells, Column("evaluator", "评价人", type="ric_or_code"),
                                 problems)
        return [None if pd.isna(v) else v for v in out], problems.report()

    out, report = check([person, grouped, inside, FIRM2, digits, None, mistyped])
    assert out[:6] == [person, person.upper(), f"学员{person[:6]}********{person[-4:]}号",
                       FIRM2, digits, None]
    assert out[6] == mistyped and report["row"].tolist() == [6 + FIRST_DATA_ROW]
    assert "neither a valid USCC nor a valid resident ID number" in report["reason"].iloc[0]
    out, report = check([person, grouped])  # every id a person's: nothing to scan
    assert out == [person, person.upper()] and report.empty
