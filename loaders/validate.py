"""Column-wise validation of one file: every check runs over whole columns (pandas string
methods and the identifier registry's vectorised checks), never row by row in Python.

Each problem becomes one line of the rejects report: file, row (as numbered in the file,
the header being row 1), column, value and reason.  A row with any problem is left out.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph_model.settings import Settings
from graph_model import regions
from graph_model.dates import DatePolicy
from graph_model.identifiers import REGISTRY, guess_subject_labels
from graph_model.personal_data import mask_ric_text
from graph_model.schema import schema
from loaders.kinds import SUBJECT_KINDS, Column, Kind

REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]
FIRST_DATA_ROW = 2  # row 1 is the header
DATE_FORMAT_REASON = "not a date (YYYY-MM-DD)"
KEY_TYPE = {name: schema().label(name).properties[schema().label(name).key].type
            for name in SUBJECT_KINDS.values()}
KEY_TYPE["Person"] = "ric"  # a person's code in a file is the resident ID, hashed later


@dataclass
class Validated:
    frame: pd.DataFrame  # the valid rows, cleaned; index = position in the file
    rejects: pd.DataFrame  # REJECT_COLUMNS
    rows_read: int


class _Problems:
    """The problems found in one frame, and what its checks need to know of it: whether
    its cells come from a workbook (``serials``: a number in a date column is an Excel
    day number) and the plausible windows of its dates."""

    def __init__(self, path: str, frame: pd.DataFrame, serials: bool = False,
                 dates: DatePolicy | None = None):
        self.path, self.frame, self.parts = path, frame, []
        self.serials = serials
        self.dates = dates or Settings.from_env().date_policy

    def add(self, mask: pd.Series, column: str, reason) -> None:
        """Record ``reason`` (a string, or a Series of strings) for the rows in ``mask``."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = self.frame.index[mask.to_numpy()]
        values = self.frame.loc[rows, column] if column in self.frame else pd.Series(pd.NA, index=rows)
        reasons = reason.loc[rows] if isinstance(reason, pd.Series) else reason
        self.parts.append(pd.DataFrame({
            "file": self.path, "row": rows + FIRST_DATA_ROW, "column": column,
            "value": values.astype("string").to_numpy(), "reason": reasons,
        }))

    def report(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=REJECT_COLUMNS)
        return pd.concat(self.parts, ignore_index=True).sort_values(["row", "column"], kind="stable")


def validate(path: str, frame: pd.DataFrame, kind: Kind, excel: bool = False,
             dates: DatePolicy | None = None) -> Validated:
    """Check every column of ``frame`` (indexed by row position in the file): ``excel``
    when its cells were read from a workbook; ``dates`` the plausible windows (default:
    the settings')."""
    out = frame.copy()
    problems = _Problems(path, frame, serials=excel, dates=dates)
    for col in kind.columns.values():
        if col.name not in frame.columns:
            continue
        cells = frame[col.name].astype("string")
        if col.default is not None:
            cells = cells.fillna(col.default)
            out[col.name] = cells
        empty = cells.isna()
        if col.required:
            stand_in = kind.stand_ins().get(col.name)
            if stand_in in frame.columns:  # a firm's name may stand in for its code
                missing = empty & frame[stand_in].isna()
                reason = f"required value missing (and no {kind.columns[stand_in].header})"
            else:
                missing, reason = empty, "required value missing"
            problems.add(missing, col.name, reason)
        if col.values is not None:
            problems.add(~empty & ~cells.isin(col.values), col.name,
                         f"not one of {', '.join(col.values)}")
        checker = _CHECKS.get(col.type)
        if checker is not None:
            out[col.name] = checker(cells, col, problems)
    for col in kind.columns.values():
        if col.not_below and col.name in frame.columns and col.not_below in frame.columns:
            _check_not_below(out, col, kind.columns[col.not_below], problems)
    if "subject_id" in frame.columns:
        _resolve_subjects(frame, out, problems, kind)
    rejects = problems.report()
    bad = frame.index.isin(rejects["row"].to_numpy(dtype=np.int64) - FIRST_DATA_ROW)
    return Validated(out[~bad], rejects, len(frame))


def _check_identifier(cells: pd.Series, col: Column, problems: _Problems) -> pd.Series:
    values, reasons = REGISTRY[col.type].check_series(cells)
    problems.add(reasons.notna(), col.name, reasons)
    return values


def _check_date(cells: pd.Series, col: Column, problems: _Problems) -> pd.Series:
    # Dates repeat (a few thousand days in a file): each distinct cell is parsed once.
    codes, distinct = pd.factorize(cells.array)
    cells_ = pd.Series(distinct, dtype=cells.dtype)
    text = cells_.str.replace("/", "-", regex=False)
    if problems.serials:  # a workbook's date cell may carry a time of day (loaders.read)
        text = text.str.replace(_TIME_OF_DAY, "", regex=True)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if problems.serials:
        # Excel stores dates as day numbers counted from 1899-12-30; only a workbook's
        # cells can be one (a CSV's "2026" is a year, or a slip, never day 2026).
        serial = pd.to_numeric(cells_.where(parsed.isna()), errors="coerce")
        from_serial = pd.to_datetime(serial.where(serial.between(1, 2958465)), unit="D",
                                     origin="1899-12-30", errors="coerce")
        parsed = parsed.fillna(from_serial)
    window = problems.dates.window(col.window)
    lo, hi = pd.Timestamp(window.earliest), pd.Timestamp(window.latest)
    outside = (parsed.notna() & ((parsed < lo) | (parsed > hi))).to_numpy(dtype=bool)
    reasons = np.where(outside, window.reason, None)
    for i in np.flatnonzero(parsed.isna().to_numpy(dtype=bool)):  # few: unreadable cells
        day = _calendar_day(text.iloc[i])  # a real day pandas cannot hold (0001-01-01)
        reasons[i] = window.problem(day) if day else _not_a_date(cells_.iloc[i], problems.serials)
    bad = pd.notna(reasons)
    problems.add(pd.Series(np.append(bad, False)[codes], index=cells.index), col.name,
                 pd.Series(np.append(reasons, None)[codes], index=cells.index))
    dates = parsed.where(~bad).dt.strftime("%Y-%m-%d").astype("string")
    return pd.Series(dates.array.take(codes, allow_fill=True), index=cells.index, name=cells.name)


_TIME_OF_DAY = r"(?<=\d) \d{2}:\d{2}:\d{2}$"
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _calendar_day(text: str) -> dt.date | None:
    m = _ISO_DAY.fullmatch(unicodedata.normalize("NFKC", text))
    try:
        return dt.date(*map(int, m.groups())) if m else None
    except ValueError:
        return None


def _not_a_date(cell: str, serials: bool) -> str:
    if not serials and re.fullmatch(r"\d+(\.\d+)?", unicodedata.normalize("NFKC", cell)):
        return DATE_FORMAT_REASON + ": a CSV file's numbers are not read as Excel day numbers"
    return DATE_FORMAT_REASON


def _check_number(cells: pd.Series, col: Column, problems: _Problems) -> pd.Series:
    # Amounts repeat: each distinct cell is converted once (missing included, so that
    # to_numeric picks the dtype it would pick for the whole column).
    codes, distinct = pd.factorize(cells.array, use_na_sentinel=False)
    cells_ = pd.Series(distinct, dtype=cells.dtype)
    numbers = pd.to_numeric(cells_.str.replace(",", "", regex=False), errors="coerce")
    bad = (cells_.notna() & numbers.isna()).to_numpy(dtype=bool)
    problems.add(pd.Series(bad[codes], index=cells.index), col.name, "not a number")
    return pd.Series(numbers.array.take(codes), index=cells.index, name=cells.name)


def _check_list(cells: pd.Series, col: Column, problems: _Problems) -> pd.Series:
    split = cells.str.replace("；", ";", regex=False).str.split(";").tolist()
    items = np.empty(len(cells), dtype=object)
    items[:] = [[x.strip() for x in xs if x.strip()] if isinstance(xs, list) else []
                for xs in split]
    items = pd.Series(items, index=cells.index, name=cells.name)
    if col.item_type is None:
        return items
    flat = items.explode().dropna()
    if col.national:  # the nationwide code stands beside the divisions (regions.NATIONAL)
        flat = flat[flat != regions.NATIONAL]
    values, reasons = REGISTRY[col.item_type].check_series(flat.astype("string"))
    bad = reasons.dropna()
    if not bad.empty:
        first = bad.groupby(level=0).first()
        mask = pd.Series(False, index=cells.index)
        mask.loc[first.index] = True
        problems.add(mask, col.name, first.reindex(cells.index))
    kept: dict = {}  # row -> its valid items, in order
    if col.national:
        for row, xs in items.items():
            if regions.NATIONAL in xs:
                kept.setdefault(row, []).append(regions.NATIONAL)
    for row, value in zip(values.index, values.to_numpy(dtype=object)):
        if isinstance(value, str):  # check_series gives str, or NaN where invalid
            kept.setdefault(row, []).append(value)
    lists = np.empty(len(cells), dtype=object)
    lists[:] = [kept.get(row, []) for row in cells.index]
    return pd.Series(lists, index=cells.index, name=cells.name)


def _check_integer(cells: pd.Series, col: Column, problems: _Problems) -> pd.Series:
    """A count: a whole number from 0 ("3" or "3.0"; not "-1", "2.5" or "three")."""
    codes, distinct = pd.factorize(cells.array, use_na_sentinel=False)
    cells_ = pd.Series(distinct, dtype=cells.dtype)
    numbers = pd.to_numeric(cells_.str.replace(",", "", regex=False), errors="coerce")
    whole = numbers.notna() & (numbers >= 0) & (numbers % 1 == 0)
    bad = (cells_.notna() & ~whole).to_numpy(dtype=bool)
    problems.add(pd.Series(bad[codes], index=cells.index), col.name,
                 "not a whole number from 0 (a count)")
    counts = numbers.where(whole).astype("Int64")
    return pd.Series(counts.array.take(codes), index=cells.index, name=cells.name)


DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATETIME_REASON = "not a date and time (YYYY-MM-DD HH:MM:SS, or YYYY-MM-DD)"
_DATETIME_FORMATS = (DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _check_datetime(cells: pd.Series, col: Column, problems: _Problems) -> pd.Series:
    """A moment (``YYYY-MM-DD HH:MM:SS``; also with ``/``, a ``T``, without seconds, or
    the day alone), kept as ``YYYY-MM-DD HH:MM:SS`` or ``YYYY-MM-DD``.  Mostly distinct
    (alarms by the million), so the cells already in the kept form are parsed once and
    kept as they are; only the others are reformatted."""
    parsed = pd.to_datetime(cells, format=DATETIME_FORMAT, errors="coerce")
    canonical = parsed.notna() & (cells.str.len() == 19)
    out = cells.where(canonical)
    rest = cells.notna() & ~canonical
    window = problems.dates.window(col.window)
    if rest.any():
        text = cells[rest].str.replace("/", "-", regex=False).str.replace("T", " ", regex=False)
        day_only = pd.Series(False, index=text.index)
        found = pd.Series(pd.NaT, index=text.index, dtype=parsed.dtype)
        for fmt in _DATETIME_FORMATS:
            more = pd.to_datetime(text.where(found.isna()), format=fmt, errors="coerce")
            day_only |= more.notna() & (fmt == "%Y-%m-%d")
            found = found.fillna(more)
        if problems.serials:  # a workbook's day number, its fraction the time of day
            serial = pd.to_numeric(text.where(found.isna()), errors="coerce")
            found = found.fillna(pd.to_datetime(serial.where(serial.between(1, 2958465)),
                                                unit="D", origin="1899-12-30", errors="coerce")
                                 .dt.round("s"))
        parsed = parsed.where(~rest, found.reindex(parsed.index))
        shown = found.dt.strftime(DATETIME_FORMAT).where(~day_only, found.dt.strftime("%Y-%m-%d"))
        out = out.where(~rest, shown.reindex(out.index))
        unread = rest & parsed.isna()
        days = [_calendar_day(str(t)[:10]) for t in text[unread.loc[text.index]]]
        problems.add(unread, col.name, pd.Series(
            [(window.problem(d) if d else None) or DATETIME_REASON for d in days],
            index=cells.index[unread.to_numpy(dtype=bool)], dtype=object).reindex(cells.index))
    lo, hi = pd.Timestamp(window.earliest), pd.Timestamp(window.latest) + pd.Timedelta(days=1)
    outside = parsed.notna() & ((parsed < lo) | (parsed >= hi))
    problems.add(outside, col.name, window.reason)
    return out.where(parsed.notna() & ~outside).astype("string")


#: a resident ID number's form: 17 digits and a digit or X
_RIC_FORM = r"\d{17}[\dXx]"


def _ric_form(cells: pd.Series) -> np.ndarray:
    """Which cells have a resident ID number's form (spaces and hyphens aside)."""
    compact = cells.astype("string").str.replace(r"[\s\-]", "", regex=True).str.upper()
    return compact.str.fullmatch(_RIC_FORM).fillna(False).to_numpy(dtype=bool)


def resident_ids(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Which of ``cells`` are resident ID numbers (valid ones), and their canonical form
    (null elsewhere).  Vectorised; only cells of the number's form are checked."""
    form = _ric_form(cells)
    canonical = pd.Series(pd.NA, index=cells.index, dtype="string")
    if form.any():
        values, reasons = REGISTRY["ric"].check_series(cells[form])
        canonical[form] = values.astype("string").where(reasons.isna()).to_numpy()
    return canonical.notna(), canonical


def _check_ric_or_code(cells: pd.Series, col: Column, problems: _Problems) -> pd.Series:
    """An id that is a resident ID number when it is a valid one (the builder keeps only
    its keyed hash and masked form); any other id is kept as text, a resident ID number
    written inside it masked.  An id of the number's form that is neither a valid number
    nor a valid USCC (an all-digit one has that form) is refused: it may be a person's."""
    people, canonical = resident_ids(cells)
    # A valid number is kept as its canonical form: only the other ids are scanned for a
    # number written inside them (a column of evaluators' numbers is mostly people).
    out = canonical.copy()
    others = ~people.to_numpy(dtype=bool)
    if others.any():
        out[others] = mask_ric_text(cells[others])[0].astype("string").to_numpy()
    form = pd.Series(_ric_form(cells), index=cells.index) & ~people
    if form.any():
        _, firm = REGISTRY["uscc"].check_series(cells[form])
        _, person = REGISTRY["ric"].check_series(cells[form])
        bad = firm.notna().reindex(cells.index, fill_value=False)
        problems.add(bad, col.name, ("neither a valid USCC nor a valid resident ID number: "
                                     + person.astype("string")).reindex(cells.index))
        out[form.to_numpy()] = cells[form]
    return out


_CHECKS = {name: _check_identifier for name in REGISTRY}
_CHECKS.update(date=_check_date, number=_check_number, list=_check_list,
               integer=_check_integer, datetime=_check_datetime, ric_or_code=_check_ric_or_code)


def _check_not_below(out: pd.DataFrame, col: Column, other: Column, problems: _Problems) -> None:
    """A value below the row's ``other`` column (``col.not_below``): a departure before
    the arrival, a score above full marks.  Dates compare as their ISO text."""
    a, b = out[col.name], out[other.name]
    both = a.notna() & b.notna()
    if not both.any():
        return
    below = pd.Series(False, index=out.index)
    below[both] = (a[both] < b[both]).to_numpy(dtype=bool)
    word = "before" if col.type in ("date", "datetime") else "below"
    problems.add(below, col.name, f"{word} {other.header} ({other.name}) of the row")


def _resolve_subjects(frame: pd.DataFrame, out: pd.DataFrame, problems: _Problems,
                      kind: Kind) -> None:
    """Give each row ``subject_label`` and a cleaned ``subject_id``: the label from
    对象类型 when given, else guessed from the code's form (or the one label the kind's
    records may be about)."""
    codes = frame["subject_id"].astype("string")
    given = _map_distinct(frame["subject_kind"], SUBJECT_KINDS) if "subject_kind" in frame else None
    # A label is guessed from the code's form only where 对象类型 does not give it.
    unknown = codes if given is None else codes[given.isna().to_numpy()]
    if len(kind.subjects) == 1:
        guessed = pd.Series(kind.subjects[0], index=unknown.index, dtype=object)
    else:
        guessed = guess_subject_labels(unknown)
    label = guessed if given is None else given.fillna(guessed) if given.hasnans else given
    problems.add(codes.notna() & label.isna(), "subject_id",
                 "cannot tell which kind of subject this code is; give 对象类型 (subject_kind)")
    if len(kind.subjects) < len(SUBJECT_KINDS):
        words = {lab: w for w, lab in SUBJECT_KINDS.items()}
        allowed = ", ".join(f"{words[lab]} ({lab.lower()})" for lab in kind.subjects)
        other = label.notna() & ~label.isin(kind.subjects)
        problems.add(other, "subject_kind" if given is not None else "subject_id",
                     f"a record of this kind is about a {allowed} only")
        label = label.where(~other)
    if "subject_name" in frame.columns:  # named, not coded: only a firm is found by name
        by_name = codes.isna() & frame["subject_name"].notna()
        problems.add(by_name & label.notna() & (label != "Enterprise"), "subject_name",
                     "only an enterprise can be named without its code")
        label = label.where(~by_name, "Enterprise")
    out["subject_label"] = label
    cleaned = np.full(len(frame), None, dtype=object)
    for lab, type_name in KEY_TYPE.items():
        rows = (label == lab).fillna(False).to_numpy(dtype=bool)
        if not rows.any():
            continue
        values, reasons = REGISTRY[type_name].check_series(codes[rows])
        cleaned[rows] = values.to_numpy()
        found = np.full(len(frame), None, dtype=object)  # the reasons, for every row
        found[rows] = reasons.to_numpy()
        found = pd.Series(found, index=frame.index, dtype=object)
        problems.add(found.notna(), "subject_id", found)
    out["subject_id"] = pd.Series(cleaned, index=frame.index, dtype="string")


def _map_distinct(cells: pd.Series, mapping: dict) -> pd.Series:
    """``cells.map(mapping)``, each distinct cell looked up once (the missing one too, so
    that the result's dtype is the one map gives the whole column)."""
    codes, distinct = pd.factorize(cells.array, use_na_sentinel=False)
    mapped = pd.Series(distinct).map(mapping)
    return pd.Series(mapped.array.take(codes), index=cells.index, name=cells.name)
