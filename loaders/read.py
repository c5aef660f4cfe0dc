"""Reading an agency's export into a frame of strings, whatever its encoding or format."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from loaders.errors import LoadError
from loaders.kinds import Kind, _norm

BOM = b"\xef\xbb\xbf"


def decode(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, decided by strict decoding: GB18030 can
    decode almost any bytes, so UTF-8 is tried first and wins whenever it is valid."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise LoadError(str(path), f"neither UTF-8 nor GB18030 (undecodable byte at offset "
                                       f"{utf8_error.start})") from None


CHUNK_ROWS = 200_000  # rows validated, built and written at a time: bounds a load's memory


class Table:
    """One export file: its headers now, its rows in chunks later (each chunk indexed by
    the row's position in the file, so row numbers stay true across chunks)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.exists():
            raise LoadError(str(path), "no such file")
        if self.path.stat().st_size == 0:
            raise LoadError(str(path), "the file is empty")
        self.excel = self.path.suffix.lower() in (".xlsx", ".xlsm")
        self._frame = _read_excel(self.path) if self.excel else None
        if self._frame is not None:
            self.headers = [_norm(c) for c in self._frame.columns]
        else:
            self.headers = [_norm(c) for c in self._csv(nrows=0).columns]

    def _csv(self, **options):
        text = decode(self.path, self.path.read_bytes())
        if not text.strip():
            raise LoadError(str(self.path), "the file is empty")
        try:
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                               na_values=[""], skipinitialspace=True, **options)
        except (pd.errors.ParserError, ValueError) as exc:
            raise LoadError(str(self.path), f"not a readable CSV table: {exc}") from None

    def chunks(self, rows: int | None = None, columns: dict[str, str] | None = None):
        """Frames of at most ``rows`` rows, all cells stripped strings (empty: <NA>),
        headers renamed by ``columns`` (a profile) when given."""
        rows = rows or CHUNK_ROWS
        if self._frame is not None:
            parts = (self._frame.iloc[i:i + rows] for i in range(0, max(len(self._frame), 1), rows))
        else:
            parts = self._csv_chunks(rows)
        for part in parts:
            part = part.set_axis(self.headers, axis=1)
            if columns:
                part = part.rename(columns=columns)
            yield part.apply(lambda s: s.astype("string").str.strip())

    def _csv_chunks(self, rows: int):
        try:
            yield from self._csv(chunksize=rows)
        except (pd.errors.ParserError, ValueError) as exc:
            raise LoadError(str(self.path), f"not a readable CSV table: {exc}") from None


def read_table(path: Path) -> pd.DataFrame:
    """The whole file as one frame (see :class:`Table`)."""
    return pd.concat(list(Table(path).chunks()))


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise LoadError(str(path), f"not a readable Excel workbook: {exc}") from None
    data = [(name, df) for name, df in sheets.items() if not df.dropna(how="all").empty]
    if not data:
        raise LoadError(str(path), "the workbook has no data")
    if len(data) > 1:
        names = ", ".join(repr(n) for n, _ in data)
        raise LoadError(str(path), f"the workbook has {len(data)} sheets with data ({names}); "
                                   f"export one sheet per file")
    _refuse_uncomputed_formulas(path, data[0][0])
    frame = data[0][1]
    return frame.apply(_excel_cells_to_text)


def _refuse_uncomputed_formulas(path: Path, sheet: str) -> None:
    """Formulas are read as the values Excel last computed; a formula with no computed
    value (a file written by a program, never opened in Excel) would read as empty."""
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)[sheet]
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)[sheet]
    for f_row, v_row in zip(formulas.iter_rows(), values.iter_rows()):
        for f_cell, v_cell in zip(f_row, v_row):
            if isinstance(f_cell.value, str) and f_cell.value.startswith("=") and v_cell.value is None:
                raise LoadError(str(path), f"cell {f_cell.coordinate} of sheet {sheet!r} holds the "
                                           f"formula {f_cell.value} with no computed value; open and "
                                           f"save the file in Excel, or export values only")


def _excel_cells_to_text(s: pd.Series) -> pd.Series:
    def one(v):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return pd.NA
        if isinstance(v, pd.Timestamp) or hasattr(v, "strftime"):
            return v.strftime("%Y-%m-%d")
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    return s.map(one).astype("string")


def map_headers(path: Path, frame: pd.DataFrame, kind: Kind) -> pd.DataFrame:
    """Rename the file's headers to column names; unknown headers are kept as extra
    properties under their own name; a missing required column refuses the file."""
    hmap = kind.header_map()
    renamed = {h: hmap.get(h, h) for h in frame.columns}
    targets = list(renamed.values())
    dupes = {t for t in targets if targets.count(t) > 1}
    if dupes:
        raise LoadError(str(path), f"column(s) given twice: {', '.join(sorted(dupes))}")
    frame = frame.rename(columns=renamed)
    stand_ins = kind.stand_ins()
    for code, name in stand_ins.items():
        if code not in frame.columns and name in frame.columns:
            frame[code] = pd.Series(pd.NA, index=frame.index, dtype="string")
    missing = [f"{c.header} ({c.name})" for c in kind.required() if c.name not in frame.columns]
    if missing:
        raise LoadError(str(path), f"missing required column(s) for {kind.name}: {', '.join(missing)}")
    return frame
