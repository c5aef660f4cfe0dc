"""Reading an agency's export into a frame of strings, whatever its encoding or format."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.errors import LoadError
from loaders.kinds import Kind, _norm

BOM = b"\xef\xbb\xbf"


def decode(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, decided by strict decoding: GB18030 can
    decode almost any bytes, so UTF-8 is tried first and wins whenever it is valid."""
    return _decode(path, raw)[0]


def _decode(path: Path, raw: bytes) -> tuple[str, bytes]:
    """:func:`decode`'s text, and the same text as UTF-8 bytes without BOM."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError as utf8_error:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise LoadError(str(path), f"neither UTF-8 nor GB18030 (undecodable byte at offset "
                                       f"{utf8_error.start})") from None
        return text, text.encode("utf-8")


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
        columns = self._frame.columns if self._frame is not None else \
            self._csv(self._utf8(), nrows=0).columns
        self.headers = [_norm(c) for c in columns]
        #: the headers as the file writes them, for messages to its sender
        self.raw_headers = [str(c).strip().lstrip("\ufeff") for c in columns]

    def _utf8(self) -> bytes:
        """The file's text (see :func:`decode`) as UTF-8 bytes, refused when blank.
        pandas parses these bytes exactly as it would parse the text."""
        raw = self.path.read_bytes()
        body = raw[len(BOM):] if raw.startswith(BOM) else raw
        if _valid_utf8(body):  # decode() would read it as UTF-8: no need to build the text
            if _blank_utf8(body):
                raise LoadError(str(self.path), "the file is empty")
            return body
        text, data = _decode(self.path, raw)
        if not text or text.isspace():  # not text.strip(), without copying the text
            raise LoadError(str(self.path), "the file is empty")
        return data

    def _csv(self, data: bytes, **options):
        try:
            return pd.read_csv(io.BytesIO(data), encoding="utf-8", dtype=str,
                               keep_default_na=False, na_values=[""], skipinitialspace=True,
                               **options)
        except (pd.errors.ParserError, ValueError) as exc:
            raise LoadError(str(self.path), f"not a readable CSV table: {exc}") from None

    def chunks(self, rows: int | None = None, columns: dict[str, str] | None = None):
        """Frames of at most ``rows`` rows, all cells stripped strings (empty: <NA>),
        headers renamed by ``columns`` (a profile) when given."""
        rows = rows or CHUNK_ROWS
        if self._frame is not None:
            parts = ((self._frame.iloc[i:i + rows], False)
                     for i in range(0, max(len(self._frame), 1), rows))
        else:
            parts = self._csv_chunks(rows)
        for part, clean in parts:
            part = part.set_axis(self.headers, axis=1)
            if columns:
                part = part.rename(columns=columns)
            yield part if clean else part.apply(lambda s: s.astype("string").str.strip())

    def _csv_chunks(self, rows: int):
        """(frame, already stripped) pairs: read by pyarrow when the file is plain enough
        for it to read exactly as pandas' parser does, else (or from the chunk where
        pyarrow gives up) by pandas."""
        data = self._utf8()
        done = 0
        if _plain_csv(data, len(self.headers)):
            try:
                for part in _arrow_chunks(data, len(self.headers), rows):
                    yield part, True
                    done += 1
            except _ArrowGaveUp:
                pass
            else:
                if done:
                    return
        try:
            for i, part in enumerate(self._csv(data, chunksize=rows)):
                if i >= done:
                    yield part, False
        except (pd.errors.ParserError, ValueError) as exc:
            raise LoadError(str(self.path), f"not a readable CSV table: {exc}") from None


def _valid_utf8(data: bytes) -> bool:
    """Whether ``data.decode("utf-8")`` would succeed, checked by Arrow's UTF-8
    validation (strict like Python's: no overlong forms, surrogates or code points
    above U+10FFFF) without building a str."""
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _blank_utf8(data: bytes) -> bool:
    """Whether valid UTF-8 ``data`` is empty or all white space, as str.strip() sees it;
    usually decided by its first characters."""
    head = data[:4096].decode("utf-8", errors="ignore")  # (a character cut at the end)
    if head and not head.isspace():
        return False
    text = data.decode("utf-8")
    return not text or text.isspace()


ARROW_BLOCK_BYTES = 1 << 20  # what pyarrow's CSV reader parses at a time


class _ArrowGaveUp(Exception):
    """pyarrow could not read the rest of the file; pandas reads it instead."""


def _plain_csv(data: bytes, columns: int) -> bool:
    """Whether pyarrow reads ``data`` as pandas would (with the options of Table._csv).
    No quotes (pandas' skipinitialspace changes what a quote after spaces means), no bare
    carriage returns, no NUL bytes, a first line that is the header (pandas skips a line
    of spaces and tabs, pyarrow skips the first line), and two columns or
    more (so that a line of spaces, a blank line to pandas, is a bad row to pyarrow and
    makes it give up). Anything else pyarrow does not read as pandas does (rows of
    another width, such lines, invalid UTF-8, no data rows) makes it give up."""
    end = data.find(b"\n")
    header = data[:end] if end >= 0 else data
    return (columns >= 2 and header.strip(b" \t\r") != b"" and b'"' not in data
            and b"\0" not in data
            and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")))


def _arrow_chunks(data: bytes, columns: int, rows: int):
    """Frames of ``rows`` rows read by pyarrow's streaming CSV reader, cells as
    Table._csv and Table.chunks make them: empty or only spaces (what skipinitialspace
    skips) become <NA>, the rest is stripped."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    names = [f"c{i}" for i in range(columns)]
    string = pd.api.types.pandas_dtype("string")
    missing = pa.scalar(None, pa.large_string())

    def frame(table: pa.Table, start: int) -> pd.DataFrame:
        cells = {}
        for i, col in enumerate(table.combine_chunks().columns):
            stripped = pc.utf8_trim_whitespace(col)  # the kernel of pandas' .str.strip()
            empty = pc.equal(stripped, "")
            if pc.any(empty).as_py():  # <NA> if only spaces, as pandas reads such a cell
                blank = pc.and_(empty, pc.equal(pc.utf8_ltrim(col, characters=" "), ""))
                stripped = pc.if_else(blank, missing, stripped)
            cells[i] = string.__from_arrow__(stripped)
        return pd.DataFrame(cells, index=pd.RangeIndex(start, start + table.num_rows))

    try:
        reader = pcsv.open_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1,
                                          block_size=ARROW_BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(delimiter=",", quote_char=False),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                null_values=[""], strings_can_be_null=True))
        pending, start = [], 0
        for batch in reader:
            pending.append(batch)
            table = pa.Table.from_batches(pending)
            while table.num_rows >= rows:
                yield frame(table.slice(0, rows), start)
                start += rows
                table = table.slice(rows)
            pending = table.to_batches()
        if sum(b.num_rows for b in pending):
            yield frame(pa.Table.from_batches(pending, schema=reader.schema), start)
        elif start == 0:
            raise _ArrowGaveUp  # no data rows: pandas says what that makes
    except pa.ArrowException:
        raise _ArrowGaveUp from None


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
            # a time of day is kept for a moment (an alarm's 发生时间); a date column drops it
            timed = getattr(v, "hour", 0) or getattr(v, "minute", 0) or getattr(v, "second", 0)
            return v.strftime("%Y-%m-%d %H:%M:%S" if timed else "%Y-%m-%d")
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
