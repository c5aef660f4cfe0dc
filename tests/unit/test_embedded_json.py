"""The embedded store writes properties as JSON text built column-wise with Arrow kernels;
null cells are left out and every kind of value a frame can hold must come back as it was."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa

from graph_model.store.embedded.jsontext import object_array


def objects(frame, extra=None):
    return object_array(frame, extra).to_pylist()


def test_null_cells_are_left_out_and_values_that_need_escaping_survive():
    tricky = 'x"}\n,"_sources":"\\\t'
    frame = pd.DataFrame({"a": pd.array([tricky, None, "{}"], dtype="string"),
                          "b": [1, 2, None], "c": ["粤B12345", "ok", None]})
    sources = pa.array(['["L#2"]', '["L#3"]', '["L#4"]'])
    rows = [json.loads(x) for x in objects(frame, {"_sources": sources})]
    assert rows == [{"a": tricky, "b": 1, "c": "粤B12345", "_sources": ["L#2"]},
                    {"b": 2, "c": "ok", "_sources": ["L#3"]},
                    {"a": "{}", "_sources": ["L#4"]}]
    assert [json.loads(x) for x in objects(frame[["a", "b"]])] == [
        {"a": tricky, "b": 1}, {"b": 2}, {"a": "{}"}]


def test_numbers_booleans_lists_and_dates_keep_their_json_types():
    frame = pd.DataFrame({
        "fine": [500.0, 1234.5, np.nan],
        "count": pd.array([3, None, 7], dtype="Int64"),
        "odd": [np.inf, -np.inf, 2.0],
        "flag": pd.array([True, None, False], dtype="boolean"),
        "plates": [["苏A12345", "苏B00001"], [], None],
        "when": pd.to_datetime(["2024-03-01", None, "2024-12-31"]),
    })
    assert [json.loads(x) for x in objects(frame)] == [
        {"fine": 500, "count": 3, "flag": True, "plates": ["苏A12345", "苏B00001"],
         "when": "2024-03-01T00:00:00"},
        {"fine": 1234.5, "plates": []},
        {"count": 7, "odd": 2, "flag": False, "when": "2024-12-31T00:00:00"},
    ]


def test_a_frame_without_columns_gives_empty_objects():
    assert objects(pd.DataFrame(index=range(2))) == ["{}", "{}"]


def test_rows_whose_cells_are_all_null_are_empty_objects():
    frame = pd.DataFrame({"valid_from": ["2020-01-01", None], "valid_to": [None, None]})
    assert objects(frame) == ['{"valid_from":"2020-01-01"}', "{}"]
