"""Answers kept by the store's version (api/heavy.py's answers, the name index of
queries/search/names.py) are fresh as soon as another worker writes, on both stores: each
API worker is a process with its own caches and its own connection to the store."""

from __future__ import annotations

import pandas as pd
import pytest

from api.cache import store_version
from queries.search.names import NameIndex
from tests.support.stores import another_adapter

HENGTONG = ("91320506MA1MKT3P0P", "苏州恒通危险品运输有限公司", "320506")
SHUNDA = ("91320583MA1N2Q7D2B", "昆山顺达物流有限公司", "320583")


def write_firm(store, firm) -> None:
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame([firm], columns=["uscc", "name", "region_code"]))


def test_a_kept_answer_is_recomputed_after_another_workers_write(store, settings):
    write_firm(store, HENGTONG)
    kept = store_version(store)
    assert store_version(store) == kept, "the version moved although nothing was written"
    with another_adapter(store, settings) as other:
        write_firm(other, SHUNDA)
    assert store_version(store) != kept
    assert store.count_nodes("Enterprise") == 2


def test_the_name_index_finds_a_firm_another_worker_wrote(store, settings):
    write_firm(store, HENGTONG)
    index = NameIndex(store)
    assert [u for u, _ in index.search("恒通危险品")] == [f"Enterprise:{HENGTONG[0]}"]
    assert index.search("顺达物流") == []
    with another_adapter(store, settings) as other:
        write_firm(other, SHUNDA)
    assert [u for u, _ in index.search("顺达物流")] == [f"Enterprise:{SHUNDA[0]}"]
