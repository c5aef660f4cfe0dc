"""The string index a load looks its decision numbers and link targets up in."""

from __future__ import annotations

import numpy as np

from graph_model.strindex import StringIndex


def strings(*items):
    return np.array(items, dtype=object)


def test_strings_are_numbered_in_the_order_they_were_added_and_found_a_column_at_a_time():
    index = StringIndex()
    assert index.find(strings("甲", "乙")).tolist() == [-1, -1]
    assert index.add(strings("乙", "甲")).tolist() == [0, 1]
    assert index.add(strings("丙")).tolist() == [2]
    assert index.find(strings("丙", "丁", "甲", "乙", "甲")).tolist() == [2, -1, 1, 0, 1]
    assert len(index) == 3


def test_strings_whose_hashes_collide_are_told_apart():
    index = StringIndex()  # as if 甲, 乙 and 丁 had one hash
    index.add(strings("甲", "乙", "丙"), np.array([7, 7, 3], dtype=np.uint64))
    found = index.find(strings("乙", "甲", "丁", "丙"), np.array([7, 7, 7, 3], dtype=np.uint64))
    assert found.tolist() == [1, 0, -1, 2]
    assert index.find(strings("戊", "己"), np.array([9, 1], dtype=np.uint64)).tolist() == [-1, -1]
    index.add(strings("丁"), np.array([7], dtype=np.uint64))
    assert index.find(strings("丁"), np.array([7], dtype=np.uint64)).tolist() == [3]
