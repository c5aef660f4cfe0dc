"""Reading CSV exports: the pyarrow reader, used when a file is plain enough, must give
exactly the chunks pandas' parser gives (values, missing cells, row numbers, chunking),
and hand over to pandas wherever it cannot."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loaders.read
from loaders.errors import LoadError
from loaders.read import Table


def chunks(path, rows, arrow: bool):
    table = Table(path)
    if not arrow:
        saved = loaders.read._plain_csv
        loaders.read._plain_csv = lambda data, columns: False
        try:
            return table.headers, list(table.chunks(rows))
        finally:
            loaders.read._plain_csv = saved
    return table.headers, list(table.chunks(rows))


def same_chunks(path, rows=3):
    """Read ``path`` both ways; fail unless they agree exactly, or raise the same error."""
    try:
        want = chunks(path, rows, arrow=False)
    except LoadError as exc:
        with pytest.raises(LoadError) as got:
            chunks(path, rows, arrow=True)
        assert str(got.value) == str(exc)
        return None
    headers, got = chunks(path, rows, arrow=True)
    assert headers == want[0]
    assert len(got) == len(want[1])
    for g, w in zip(got, want[1]):
        assert type(g.index) is type(w.index) and g.index.equals(w.index)
        assert list(g.columns) == list(w.columns) and g.columns.dtype == w.columns.dtype
        pd.testing.assert_frame_equal(g, w, check_exact=True)
    return got


CELLS = ["a", "苏E12345", " b", "c ", "  ", " ", "", "\t", " \t", "\u3000x", "x y", "\xa0", "1,0",
         "\x0b", "\ufeffz", "a\\"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.integers(1, 4), st.lists(st.lists(st.sampled_from(CELLS), min_size=0, max_size=5),
                                   min_size=0, max_size=9),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.sampled_from(["", "\n", "\n\n", " \n"]),
       st.sampled_from(["", "\n", " \n", "\t\n", " \t \n", "\x0b\n"]))
def test_pyarrow_and_pandas_read_the_same_chunks(tmp_path, ncols, rows, newline, bom, tail, lead):
    header = ",".join(f"列{i}" for i in range(ncols))
    lines = [",".join(r) for r in rows]
    text = lead + newline.join([header, *lines]) + tail
    path = tmp_path / "t.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    same_chunks(path)


@pytest.mark.parametrize("text", [
    "a,b\n1,2\n3,4\n5,6\n7,8\n",              # several chunks
    "a,b\n1,2\n3,4\n5,6\n",                   # exactly full chunks
    "a,b\n1,2\n\n3,4\n\n",                    # blank lines are no rows
    "a,b\n1,2\n   \n3,4\n5,6\n7,8\n",         # a line of spaces (pandas: blank) in chunk 1
    "a,b\n1,2\n3,4\n5,6\n7,8\n  \n9,10\n",     # ... in chunk 2: pyarrow hands over mid-file
    "a,b\n1,2\n3,4\n5,6\n7\n",                # a short row, padded by pandas
    "a,b\n1,2\n3,4\n5,6\n7,8,9\n",            # a long row: pandas' error
    "a,b\n1, ,x\n",                           # too many fields
    "a,b\n",                                  # no data rows
    "a,b\n1,\"2, 3\"\n",                      # quotes: pandas only
    "a,b\r1,2\r3,4\r",                        # bare carriage returns: pandas only
    "\na,b\n1,2\n",                           # a blank line before the header
    "   \na,b\n1,2\n",                        # lines of spaces and tabs before it
    "\t\na,b\n1,2\n",
    " \r\na,b\r\n1,2\r\n",
    "\x0b\na,b\n1,2\n",                       # not blank to pandas: the header
    "a\n1\n  \n2\n",                          # one column
    "a,a,b\n1,2,3\n",                         # a header given twice (pandas renames it)
    "a,b,\n1,2,3\n",                          # an unnamed column
])
def test_edge_cases_read_the_same_both_ways(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    same_chunks(path)


def test_pyarrow_hands_over_to_pandas_in_the_middle_of_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders.read, "ARROW_BLOCK_BYTES", 64)
    rows = [f"苏E{i:05d},客车" for i in range(40)]
    rows[25] = "   "  # a blank line to pandas, a bad row to pyarrow
    rows[31] = "苏E99999"  # a short row, padded by pandas
    path = tmp_path / "v.csv"
    path.write_bytes(("车牌号码,车辆类型\n" + "\n".join(rows) + "\n").encode())
    yielded = []
    real = loaders.read._arrow_chunks

    def counting(*args):
        for part in real(*args):
            yielded.append(len(part))
            yield part
    monkeypatch.setattr(loaders.read, "_arrow_chunks", counting)
    got = same_chunks(path, rows=7)
    assert yielded == [7, 7, 7]  # pyarrow read the first three chunks, pandas the rest
    assert [len(c) for c in got] == [7, 7, 7, 7, 7, 4]
    # pandas skips the blank line, so the short row is the 31st data row
    assert got[4].loc[30, "车牌号码"] == "苏E99999" and pd.isna(got[4].loc[30, "车辆类型"])


def test_gb18030_and_invalid_utf8_read_the_same_both_ways(tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes("名称,代码\n苏州甲运输有限公司,1\n无锡 乙,2\n".encode("gb18030"))
    got = same_chunks(path, rows=1)
    assert [c.iloc[0, 0] for c in got] == ["苏州甲运输有限公司", "无锡 乙"]


def test_chunks_of_a_plain_file_come_from_pyarrow_with_true_row_numbers(tmp_path):
    path = tmp_path / "v.csv"
    path.write_bytes(("车牌号码,车辆类型\n" + "".join(f"苏E{i:05d}, 客车 \n" for i in range(7))).encode())
    calls = []
    real = loaders.read._arrow_chunks
    loaders.read._arrow_chunks = lambda *a: calls.append(a) or real(*a)
    try:
        got = list(Table(path).chunks(3))
    finally:
        loaders.read._arrow_chunks = real
    assert calls and [list(c.index) for c in got] == [[0, 1, 2], [3, 4, 5], [6]]
    assert got[2].iloc[0].tolist() == ["苏E00006", "客车"]
    assert all(str(t) == "string" for c in got for t in c.dtypes)


TRICKY_UTF8 = [b"", b"abc", "统一".encode(), b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\x9f\xbf",
               b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xf0\x80\x80\x80",
               b"\xf0\x8f\xbf\xbf", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",
               b"\x80", b"\xbf", b"\xe7\xbb", b"\xf0\x9f\x98", b"\xf0\x9f\x98\x80", b"\xee\x80\x80",
               b"\xef\xbf\xbf", b"\xc2\x80", b"\xdf\xbf", b"\xfe", b"\xff", b"a\x00b"]


def python_valid(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("data", TRICKY_UTF8)
def test_arrow_utf8_validation_agrees_with_python_on_edge_cases(data):
    assert loaders.read._valid_utf8(data) == python_valid(data)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 255), st.integers(0x80, 0xBF), st.integers(0xC0, 0xF7),
                          st.sampled_from([0xE7, 0xED, 0xF0, 0xF4])), max_size=12).map(bytes))
def test_arrow_utf8_validation_agrees_with_python(data):
    assert loaders.read._valid_utf8(data) == python_valid(data)


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\u3000\n \t", "\x1c\x1f\x85\xa0", " " * 5000,
                                  " " * 5000 + "a", "a", "\u3000统一", " " * 4095 + "统",
                                  "\n" * 4094 + "统一"])
def test_blank_check_agrees_with_str_strip(text):
    assert loaders.read._blank_utf8(text.encode()) == (not text.strip())


def test_a_file_of_white_space_is_empty(tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes("\ufeff \u3000\n\t\n".encode())
    with pytest.raises(LoadError, match="the file is empty"):
        Table(path)
