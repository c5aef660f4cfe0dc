"""Rows of a frame as JSON object text, built column-wise with Arrow string kernels.

A load writes millions of property objects; building them value by value in Python (or
with ``DataFrame.to_json`` per pattern of null cells) was a third of its time.  Here each
column becomes the text of its members at once (``,"key":value``, or "" where the cell is
null, so a null cell is left out of its object and a merge never erases a stored value
with it) and one join per row puts them between braces.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A string needs JSON escaping when it holds a quote, a backslash or a control character.
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'


def _may_need_escaping(strings: pa.Array | pa.ChunkedArray) -> bool:
    """False when no byte of the array's character data needs escaping: one scan of its
    buffers (bytes of null slots count too, which only costs the exact check)."""
    chunks = strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]
    for chunk in chunks:
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        if ((raw < 0x20) | (raw == 0x22) | (raw == 0x5C)).any():
            return True
    return False


def _quoted(strings: pa.Array, prefix: str, suffix: str = "") -> pa.Array:
    """The JSON string literal of each of ``strings`` between ``prefix`` and ``suffix``
    (nulls stay null)."""
    text = pc.binary_join_element_wise(prefix + '"', strings, '"' + suffix, "")
    if not _may_need_escaping(strings):
        return text
    needs = pc.match_substring_regex(strings, _NEEDS_ESCAPE)
    if pc.any(needs).as_py():
        rows = np.flatnonzero(needs.fill_null(False).to_numpy(zero_copy_only=False))
        values = strings.take(pa.array(rows)).to_pylist()
        escaped = pa.array([prefix + json.dumps(v, ensure_ascii=False) + suffix for v in values],
                           pa.string())
        mask = np.zeros(len(strings), dtype=bool)
        mask[rows] = True
        text = pc.replace_with_mask(text, pa.array(mask), escaped)
    return text


def _numbers(values: pd.Series) -> pa.Array:
    arr = pa.array(values, from_pandas=True)
    if pa.types.is_floating(arr.type):
        finite = pc.is_finite(arr)  # NaN and infinities have no JSON form: left out
        arr = pc.if_else(finite, arr, pa.scalar(None, arr.type))
    return arr.cast(pa.string())


def _python_values(values: pd.Series) -> pa.Array:
    """Lists and other Python objects, one by one (only small frames carry them)."""
    return pa.array([None if _is_null(v) else json.dumps(v, ensure_ascii=False, default=str)
                     for v in values], pa.string())


def _is_null(v) -> bool:
    return v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v))


def member_text(key: str, values: pd.Series) -> pa.Array:
    """``,"key":value`` for each value of one column, as JSON text; null for a null cell."""
    prefix = "," + json.dumps(str(key), ensure_ascii=False) + ":"
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        text = pc.if_else(pa.array(values, from_pandas=True), "true", "false")
    elif pd.api.types.is_numeric_dtype(dtype):
        text = _numbers(values)
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        return _quoted(pa.array(values.dt.strftime("%Y-%m-%dT%H:%M:%S"), pa.string(),
                                from_pandas=True), prefix)
    else:
        try:  # string columns, and object columns of plain strings (the usual case)
            return _quoted(pa.array(values, pa.string(), from_pandas=True), prefix)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            text = _python_values(values)
    return pc.binary_join_element_wise(prefix, text, "")


def object_array(frame: pd.DataFrame, extra: dict[str, pa.Array] | None = None) -> pa.Array:
    """One JSON object per row of ``frame``, as an Arrow string array; ``extra`` maps
    further keys to ready JSON text per row (a load's ``_sources`` list, say)."""
    members = [member_text(c, frame[c]) for c in frame.columns]
    members += [pc.binary_join_element_wise("," + json.dumps(key) + ":", text, "")
                for key, text in (extra or {}).items()]
    if not members:
        return pa.array(["{}"] * len(frame), pa.string())
    # Every member starts with a comma.  One present in every row (a node's key, say) goes
    # first without its comma; failing one, the objects' first comma is cut off after.
    anchor = next((i for i, m in enumerate(members) if m.null_count == 0), None)
    if anchor is not None:
        members.insert(0, pc.utf8_slice_codeunits(members.pop(anchor), 1))
    text = pc.binary_join_element_wise("{", *(pc.fill_null(m, "") for m in members), "}", "")
    if anchor is None:  # "{," starts every object that has a member
        text = pc.replace_substring(text, "{,", "{", max_replacements=1)
    return text
