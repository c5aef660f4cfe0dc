"""The embedded store writes properties as JSON text built column-wise; values that look
like the text it edits must survive."""

from __future__ import annotations

import json

import pandas as pd

from creditkb.stores.embedded import props_json


def test_null_cells_are_left_out_and_sources_become_lists_whatever_the_values():
    tricky = 'x"}\n,"_sources":"'
    frame = pd.DataFrame({"a": [tricky, None, "{}"], "b": [1, 2, None],
                          "_sources": ["L#2", "L#3", "L#4"]})
    rows = [json.loads(x) for x in props_json(frame, last_as_list=True)]
    assert rows == [{"a": tricky, "b": 1, "_sources": ["L#2"]},
                    {"b": 2, "_sources": ["L#3"]},
                    {"a": "{}", "_sources": ["L#4"]}]
    assert [json.loads(x) for x in props_json(frame[["a", "b"]])] == [
        {"a": tricky, "b": 1}, {"b": 2}, {"a": "{}"}]
