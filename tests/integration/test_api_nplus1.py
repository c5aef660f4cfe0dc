"""No N+1 reads: a page of subjects, each with its records and relationships, costs the same
number of store calls whether the page holds three subjects or thirty (the per-request
DataLoaders batch them).  Counted with a wrapper around a real embedded store, served
over real HTTP."""

from __future__ import annotations

import threading
from collections import Counter

import pandas as pd
import pytest

from graph_model.identifiers import REGISTRY
from graph_model.settings import Settings
from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.port import Store
from queries.access.state import AccessStore
from tests.support.api import Server, gql

SMALL_FIRM = "91320505MA1MQ7X08B"


def uscc(n: int) -> str:
    for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        code = f"91320505MA1{n:06d}" + ch
        if REGISTRY["uscc"].is_valid(code):
            return code
    raise AssertionError(n)


class CountingStore(Store):
    """Every read of the store port, counted; everything else passed through."""

    def __init__(self, inner: Store):
        self.inner = inner
        self.location = inner.location
        self.calls: Counter = Counter()
        self.lock = threading.Lock()

    def _count(self, name):
        with self.lock:
            self.calls[name] += 1

    def reset(self) -> Counter:
        with self.lock:
            out, self.calls = self.calls, Counter()
        return out

    def get_nodes(self, uids):
        self._count("get_nodes")
        return self.inner.get_nodes(uids)

    def existing(self, uids):
        self._count("existing")
        return self.inner.existing(uids)

    def neighbours(self, uids, rel_types=None, direction="both", limit=None):
        self._count("neighbours")
        return self.inner.neighbours(uids, rel_types, direction, limit)

    def records_about(self, uids, labels=None):
        self._count("records_about")
        return self.inner.records_about(uids, labels)

    def find_nodes(self, label, where=None, after=None, limit=100):
        self._count("find_nodes")
        return self.inner.find_nodes(label, where, after, limit)

    def count_nodes(self, label=None):
        return self.inner.count_nodes(label)

    def count_edges(self, rel_type=None):
        return self.inner.count_edges(rel_type)

    def ensure_schema(self):
        return self.inner.ensure_schema()

    def secret_fingerprint(self):
        return self.inner.secret_fingerprint()

    def record_secret_fingerprint(self, fingerprint):
        return self.inner.record_secret_fingerprint(fingerprint)

    def transaction(self, load=None):
        return self.inner.transaction(load)

    def loads(self):
        return self.inner.loads()

    def undo_load(self, load_id):
        return self.inner.undo_load(load_id)

    def version(self):
        return self.inner.version()

    def changes_after(self, after, limit=1000, *, nodes=False):
        return self.inner.changes_after(after, limit, nodes=nodes)

    def last_change(self):
        return self.inner.last_change()

    def close(self):
        self.inner.close()


def fleet(store: EmbeddedStore, firm: str, n: int) -> None:
    """A Suzhou firm owning ``n`` vehicles, each with a driver and two penalties."""
    plates = [f"苏E{n:02d}{i:03d}" for i in range(n)]
    drivers = [f"hash-{firm}-{i}" for i in range(n)]
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [firm], "name": [f"苏州{n}号运输有限公司"],
                                                    "region_code": ["320505"]}))
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": plates, "region_code": "320505"}))
        tx.upsert_nodes("Person", pd.DataFrame({"id_hash": drivers, "name": "司机",
                                                "region_code": "320505"}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": f"Enterprise:{firm}",
                                              "dst": [f"Vehicle:{p}" for p in plates]}))
        tx.upsert_edges("DRIVES", pd.DataFrame({"src": [f"Person:{d}" for d in drivers],
                                                "dst": [f"Vehicle:{p}" for p in plates]}))
        penalties = pd.DataFrame({
            "decision_no": [f"苏州交罚〔2025〕{n:02d}{i:04d}号" for i in range(2 * n)],
            "subject_uid": [f"Vehicle:{plates[i // 2]}" for i in range(2 * n)],
            "violation": "超速", "decision_date": "2025-01-01", "agency_region": "320500"})
        tx.upsert_nodes("Penalty", penalties)
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": "Penalty:" + penalties["decision_no"],
                                               "dst": penalties["subject_uid"]}))


QUERY = """query($id: ID!) { subject(id: $id) { id name
  penalties { totalCount }
  vehicles(first: 100) { totalCount edges { node { id name
    penalties { totalCount edges { node { decisionNo decisionDate } } }
    owners { edges { node { id name } } }
    drivers { edges { node { id name } } } } } } } }"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    path = tmp_path_factory.mktemp("nplus1") / "store"
    inner = EmbeddedStore(str(path))
    fleet(inner, uscc(3), 3)
    fleet(inner, uscc(30), 30)
    store = CountingStore(inner)
    access = AccessStore(str(path))
    token = access.create_key("苏州市交通运输局", "320500", "regulator")[1]
    srv = Server(store, Settings(store=str(path)), access)
    yield {"base": srv.base, "tokens": {"suzhou": token}, "store": store}
    srv.stop()
    store.close()


def test_a_page_of_subjects_costs_a_fixed_number_of_store_calls(api):
    counts = {}
    for n in (3, 30):
        gql(api, QUERY, id=uscc(n))  # warm: the topology is built on a first traversal
        api["store"].reset()
        body = gql(api, QUERY, id=uscc(n))
        counts[n] = api["store"].reset()
        vehicles = body["data"]["subject"]["vehicles"]["edges"]
        assert len(vehicles) == n
        assert all(v["node"]["penalties"]["totalCount"] == 2 for v in vehicles)
        assert all(len(v["node"]["owners"]["edges"]) == 1 for v in vehicles)
        assert all(len(v["node"]["drivers"]["edges"]) == 1 for v in vehicles)
    assert counts[3] == counts[30], counts
    assert sum(counts[30].values()) <= 8, counts[30]
